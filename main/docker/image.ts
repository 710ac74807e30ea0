import { readdir } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import { NexusError } from '../../shared/errors.js';
import type { StepReporter } from '../backends/backend.js';
import { dockerCall, dockerError } from './client.js';

/** A build that prints nothing for this long is stuck (apt waiting on a dead mirror, …). */
const BUILD_IDLE_TIMEOUT_MS = 10 * 60_000;

/** True when the engine has `tag`. */
export async function imageExists(docker: Docker, tag: string, target?: string): Promise<boolean> {
  try {
    await dockerCall('inspect image', () => docker.getImage(tag).inspect(), { timeoutMs: 15_000, target });
    return true;
  } catch (err) {
    if (err instanceof NexusError && err.code === 'not_found') return false;
    throw err;
  }
}

/**
 * Makes sure the workspace image exists, building it from `contextDir` when it does not.
 * Build output is streamed line by line through `report` ("Step 3/9 : RUN apt-get …", with the
 * step fraction); a failed build fails with the build's own error message.
 */
export async function ensureImage(
  docker: Docker,
  tag: string,
  contextDir: string,
  report: StepReporter,
  signal: AbortSignal,
  target?: string,
): Promise<void> {
  signal.throwIfAborted();
  if (await imageExists(docker, tag, target)) {
    report(`Image ${tag} is present.`, 1);
    return;
  }
  report(`Image ${tag} not found — building it from ${contextDir}.`, 0);
  const entries = await readdir(contextDir).catch((err: unknown) => {
    throw new NexusError('internal', `The workspace image folder ${contextDir} cannot be read: ${(err as Error).message}`);
  });
  if (!entries.includes('Dockerfile')) throw new NexusError('internal', `No Dockerfile in ${contextDir}; the workspace image cannot be built.`);

  const build = new AbortController();
  const onAbort = () => build.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    // dockerode tars the folder itself (honouring .dockerignore). Classic builder: its JSON
    // stream carries "Step n/m" lines we can turn into progress.
    const stream = await dockerCall(
      'start image build',
      () => docker.buildImage({ context: contextDir, src: entries }, { t: tag, rm: true, forcerm: true, abortSignal: build.signal }),
      { timeoutMs: 60_000, signal, target },
    );
    await followBuild(stream, report, build, signal);
  } catch (err) {
    if (signal.aborted) throw new NexusError('cancelled', `Building ${tag} was cancelled.`);
    throw err instanceof NexusError ? err : dockerError(err, target);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (!(await imageExists(docker, tag, target))) {
    throw new NexusError('internal', `Docker finished building ${tag} but the image is not there. Try again, or run: docker build -t ${tag} ${contextDir}`);
  }
  report(`Built ${tag}.`, 1);
}

interface BuildEvent {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
}

function followBuild(stream: NodeJS.ReadableStream, report: StepReporter, build: AbortController, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let buffer = '';
    let failure: string | null = null;
    let fraction: number | null = 0;
    let settled = false;
    let idle = setTimeout(onIdle, BUILD_IDLE_TIMEOUT_MS);

    function onIdle() {
      finish(new NexusError('timeout', `The image build printed nothing for ${BUILD_IDLE_TIMEOUT_MS / 60_000} minutes and was stopped. Check the network, then try again.`));
      build.abort();
    }
    function finish(err: Error | null) {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      if (err) reject(err);
      else resolve();
    }
    function line(text: string) {
      if (text.trim() === '') return;
      let event: BuildEvent;
      try {
        event = JSON.parse(text) as BuildEvent;
      } catch {
        report(text.trim().slice(0, 2000), fraction);
        return;
      }
      if (event.error || event.errorDetail?.message) {
        failure = (event.errorDetail?.message ?? event.error ?? '').trim();
        return;
      }
      const out = (event.stream ?? (event.status ? `${event.status}${event.progress ? ` ${event.progress}` : ''}` : '')).trim();
      if (!out) return;
      const step = /^Step (\d+)\/(\d+) :/.exec(out);
      if (step) fraction = Math.min(1, (Number(step[1]) - 1) / Number(step[2]));
      for (const l of out.split('\n')) if (l.trim()) report(l.trim().slice(0, 2000), fraction);
    }

    stream.on('data', (chunk: Buffer) => {
      clearTimeout(idle);
      idle = setTimeout(onIdle, BUILD_IDLE_TIMEOUT_MS);
      buffer += decoder.write(chunk);
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        line(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    stream.on('error', (err: Error) => finish(signal.aborted ? new NexusError('cancelled', 'The image build was cancelled.') : dockerError(err)));
    stream.on('end', () => {
      line(buffer + decoder.end());
      if (failure !== null) finish(new NexusError('internal', `Building the workspace image failed: ${failure}`));
      else finish(null);
    });
    // 'close' without 'end': the engine connection went away mid-build.
    stream.on('close', () => finish(new NexusError('docker_unavailable', 'The connection to Docker closed during the image build. Check that Docker is running, then try again.')));
    signal.addEventListener('abort', () => {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      finish(new NexusError('cancelled', 'The image build was cancelled.'));
    }, { once: true });
  });
}
