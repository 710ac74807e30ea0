import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { requireParts } from '../../testing/parts.js';
import { createDockerClient } from './client.js';
import { ensureImage, imageExists } from './image.js';

const parts = await requireParts(['docker', 'workspace-image']);

describe.skipIf(!parts.ok)('ensureImage (real engine; tiny builds on top of the workspace image)', () => {
  const { docker } = createDockerClient();
  const run = randomBytes(3).toString('hex');
  const dirs: string[] = [];
  const tags: string[] = [];
  const never = new AbortController().signal;

  function context(dockerfile: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-image-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    return dir;
  }
  const tag = (name: string) => {
    const t = `nexus-spec-${name}:${run}`;
    tags.push(t);
    return t;
  };

  afterAll(async () => {
    await Promise.all(tags.map((t) => new Docker().getImage(t).remove({ force: true }).catch(() => undefined)));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('builds a missing image, streaming the steps with a fraction; then finds it without building', async () => {
    const t = tag('ok');
    const lines: Array<[string, number | null | undefined]> = [];
    await ensureImage(docker, t, context('FROM nexus-workspace:latest\nLABEL nexus.test=image-spec\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n'), (d, f) => lines.push([d, f]), never);
    expect(await imageExists(docker, t)).toBe(true);
    const text = lines.map(([d]) => d);
    expect(text[0]).toMatch(/not found — building it/);
    expect(text).toContain('Step 1/4 : FROM nexus-workspace:latest');
    expect(text).toContain('hello'); // the RUN's own output
    expect(lines.find(([d]) => d.startsWith('Step 3/4'))?.[1]).toBe(0.5);
    expect(text.at(-1)).toBe(`Built ${t}.`);

    const again: string[] = [];
    await ensureImage(docker, t, dirs[0]!, (d) => again.push(d), never);
    expect(again).toEqual([`Image ${t} is present.`]);
  });

  it("a failing build fails with the build's own error", async () => {
    const t = tag('fail');
    await expect(ensureImage(docker, t, context('FROM nexus-workspace:latest\nRUN echo broken >&2; exit 3\n'), () => undefined, never)).rejects.toMatchObject({
      message: expect.stringMatching(/^Building the workspace image failed: .*returned a non-zero code: 3/),
    });
    expect(await imageExists(docker, t)).toBe(false);
  });

  it('can be cancelled mid-build', async () => {
    const t = tag('cancel');
    const controller = new AbortController();
    const started = performance.now();
    const build = ensureImage(
      docker,
      t,
      context('FROM nexus-workspace:latest\nRUN sleep 60\n'),
      (d) => {
        if (d.startsWith('Step 2/2')) setTimeout(() => controller.abort(), 200);
      },
      controller.signal,
    );
    await expect(build).rejects.toMatchObject({ code: 'cancelled' });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(await imageExists(docker, t)).toBe(false);
  });

  it('a folder without a Dockerfile is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-image-'));
    dirs.push(dir);
    await expect(ensureImage(docker, tag('none'), dir, () => undefined, never)).rejects.toThrow(/No Dockerfile/);
  });
});
