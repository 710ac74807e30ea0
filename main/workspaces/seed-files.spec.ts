import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import type { NexusApp } from '../app/create-app.js';
import { nexusPaths } from '../config/paths.js';
import { DEFAULT_IMAGE } from '../docker/docker-backend.js';
import { run } from '../process/run.js';
import { call } from '../../testing/app-client.js';
import { removeLabelledContainers, stopMutagenDaemon } from '../../testing/fixtures/docker.js';
import { makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';

const parts = await requireParts(['docker', 'workspace-image', 'ssh', 'mutagen']);

/** The workspace image changed by `lines` (an image like Daytona's default snapshot, with no /workspace). */
async function derivedImage(tag: string, lines: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-image-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), [`FROM ${DEFAULT_IMAGE}`, ...lines, ''].join('\n'));
    const built = await run('docker', ['build', '-q', '-t', tag, dir], { timeoutMs: 120_000 });
    if (built.code !== 0) throw new Error(`docker build failed: ${built.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function appWithImage(home: string, image: string): Promise<NexusApp> {
  writeFileSync(nexusPaths(home).config, `backends:\n  docker:\n    image: ${image}\n`);
  return createApp({ runtime: 'browser', home });
}

describe.skipIf(!parts.ok)('copying the base commit into an image without /workspace', () => {
  const run6 = randomBytes(3).toString('hex');
  const withSudo = `nexus-spec-noworkspace:${run6}`;
  const withoutSudo = `nexus-spec-nosudo:${run6}`;
  const homes: string[] = [];
  const apps: NexusApp[] = [];

  beforeAll(async () => {
    await derivedImage(withSudo, ['RUN rm -rf /workspace', 'WORKDIR /home/nexus']);
    await derivedImage(withoutSudo, ['RUN rm -rf /workspace /etc/sudoers.d/nexus', 'WORKDIR /home/nexus']);
  });
  afterAll(async () => {
    for (const app of apps) await app.dispose();
    for (const home of homes) {
      await removeLabelledContainers({ home });
      await stopMutagenDaemon(home);
    }
    await run('docker', ['rmi', '-f', withSudo, withoutSudo]);
  });

  const open = async (image: string) => {
    const home = tempHome();
    homes.push(home);
    const app = await appWithImage(home, image);
    apps.push(app);
    return app;
  };

  it('makes /workspace with sudo, owned by the login user, and the workspace works as usual', async () => {
    const app = await open(withSudo);
    const ws = await call(app, 'workspaces.create', { repo: await makeRepo(), name: 'bare', backend: 'docker' });
    expect(ws.status).toBe('running');
    const owner = await call(app, 'workspaces.exec', { id: ws.id, command: ['stat', '-c', '%U', '/workspace'] });
    expect(owner.stdout.trim()).toBe('nexus');
    const status = await call(app, 'workspaces.exec', { id: ws.id, command: ['git', 'status', '--short', '--branch'] });
    expect(status.stdout).toContain('## nexus/bare');
    expect((await call(app, 'workspaces.exec', { id: ws.id, command: ['cat', 'README.md'] })).stdout).toBe('# project\n');
    await call(app, 'workspaces.delete', { id: ws.id, force: true });
  });

  it('without sudo, refuses with what the image lacks, and leaves nothing behind', async () => {
    const app = await open(withoutSudo);
    await expect(call(app, 'workspaces.create', { repo: await makeRepo(), name: 'nosudo', backend: 'docker' })).rejects.toMatchObject({
      code: 'part_missing',
      message: expect.stringMatching(/\/workspace does not exist or is not writable by user nexus.*Use an image with a \/workspace folder/),
    });
    expect(await call(app, 'workspaces.list', {})).toEqual([]);
    const left = await run('docker', ['ps', '-aq', '--filter', `label=nexus.home=${homes.at(-1)!}`]);
    expect(left.stdout.trim()).toBe('');
  });
});
