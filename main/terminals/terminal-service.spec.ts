import { StringDecoder } from 'node:string_decoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMINAL_MAX_CHUNK, TERMINAL_MAX_INPUT, TerminalFrameKind, decodeTerminalFrame, encodeTerminalAck, encodeTerminalFrame } from '../../shared/contract/wire.js';
import type { Workspace } from '../../shared/domain/workspace.js';
import { createApp } from '../app/create-app.js';
import type { NexusApp } from '../app/create-app.js';
import { createLogger } from '../log/logger.js';
import { call, recordEvents } from '../../testing/app-client.js';
import { removeLabelledContainers, stopMutagenDaemon } from '../../testing/fixtures/docker.js';
import { makeRepo } from '../../testing/fixtures/git-repo.js';
import { tempHome } from '../../testing/fixtures/temp-home.js';
import { requireParts } from '../../testing/parts.js';
import { DISCONNECTED_LINE, HIGH_WATER } from './terminal-service.js';
import type { TerminalLink } from './terminal-service.js';

const parts = await requireParts(['docker', 'workspace-image', 'ssh']);

/** A window's end of the data path, as a spec sees it: the screen's text, typing, acks. */
function attachScreen(app: NexusApp, terminalId: number, options: { ack?: boolean } = {}) {
  const decoder = new StringDecoder('utf8');
  let text = '';
  let received = 0;
  let autoAck = options.ack ?? true;
  const frames: Buffer[] = [];
  /** When each kept frame arrived (performance.now()). */
  const frameTimes: number[] = [];
  let keepFrames = false;
  const link: TerminalLink = app.terminals!.connect({
    send: (frame) => {
      const decoded = decodeTerminalFrame(frame);
      if (typeof decoded === 'string' || decoded.kind !== TerminalFrameKind.output) throw new Error(`bad frame from the service: ${String(decoded)}`);
      const payload = Buffer.from(decoded.payload);
      expect(payload.length).toBeLessThanOrEqual(TERMINAL_MAX_CHUNK);
      received += payload.length;
      if (keepFrames) {
        frames.push(payload);
        frameTimes.push(performance.now());
      }
      // Keep the tail only: a flood must not fill the spec's memory either.
      text = (text + decoder.write(payload)).slice(-200_000);
      if (autoAck) setImmediate(() => link.receive(encodeTerminalAck(terminalId, payload.length)));
    },
  });
  expect(link.receive(encodeTerminalFrame(TerminalFrameKind.attach, terminalId))).toBeNull();
  return {
    link,
    text: () => text,
    received: () => received,
    frames,
    frameTimes,
    keepFrames(on: boolean) {
      keepFrames = on;
    },
    clear() {
      text = '';
    },
    type(s: string) {
      expect(link.receive(encodeTerminalFrame(TerminalFrameKind.input, terminalId, Buffer.from(s, 'utf8')))).toBeNull();
    },
    ack(bytes: number) {
      link.receive(encodeTerminalAck(terminalId, bytes));
    },
    setAutoAck(on: boolean) {
      autoAck = on;
    },
    async waitFor(pattern: RegExp | string, timeout = 20_000) {
      await expect.poll(() => plain(text), { timeout, interval: 50 }).toMatch(typeof pattern === 'string' ? new RegExp(escape(pattern)) : pattern);
    },
  };
}

/** The text without escape sequences (colours, bracketed paste, the window title). */
// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const plain = (s: string) => s.replace(/\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[a-zA-Z]/g, '');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `s` printed on a line of its own. */
const line = (s: string) => new RegExp(`\\n\\r?${escape(s)}\\r\\n`);
const PROMPT = /\$ $/;

describe.skipIf(!parts.ok)('terminals: shells with a PTY in a real Docker workspace', () => {
  const home = tempHome();
  let app: NexusApp;
  let ws: Workspace;

  beforeAll(async () => {
    app = await createApp({ runtime: 'browser', home, log: createLogger('spec', { level: 'warn' }) });
    const repo = await makeRepo();
    ws = await call(app, 'workspaces.create', { repo, name: 'term', backend: 'docker' });
  });
  afterAll(async () => {
    await app?.dispose();
    await removeLabelledContainers({ home });
    await stopMutagenDaemon(home);
  });

  it('runs a command, is listed, and follows resizes (stty size)', async () => {
    const { terminalId } = await call(app, 'terminals.open', { workspaceId: ws.id, cols: 80, rows: 24 });
    const screen = attachScreen(app, terminalId);
    await screen.waitFor(PROMPT);
    screen.type('echo hello\r');
    await screen.waitFor(line('hello'));
    // It starts among the workspace's files, not in the home folder.
    screen.type('pwd\r');
    await screen.waitFor(line('/workspace'));
    expect(await call(app, 'terminals.list', { workspaceId: ws.id })).toEqual([{ terminalId, workspaceId: ws.id, cols: 80, rows: 24, state: 'connected', exitCode: null }]);
    screen.type('echo $TERM; stty size\r');
    await screen.waitFor(/xterm-256color\r\n24 80\r\n/);
    expect(await call(app, 'terminals.resize', { terminalId, cols: 132, rows: 43 })).toEqual({ resized: true });
    screen.type('stty size\r');
    await screen.waitFor(line('43 132'));
    expect(await call(app, 'terminals.close', { terminalId })).toEqual({ closed: true });
    expect(await call(app, 'terminals.list', { workspaceId: ws.id })).toEqual([]);
  });

  it('refuses sizes and ids outside the bounds, and malformed frames', async () => {
    await expect(call(app, 'terminals.open', { workspaceId: ws.id, cols: 1, rows: 24 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(call(app, 'terminals.open', { workspaceId: ws.id, cols: 80, rows: 501 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(call(app, 'terminals.open', { workspaceId: ws.id, cols: 1001, rows: 24 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(call(app, 'terminals.resize', { terminalId: 0, cols: 80, rows: 24 })).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(call(app, 'terminals.open', { workspaceId: 'aaaaaaaaaaaa', cols: 80, rows: 24 })).rejects.toMatchObject({ code: 'not_found' });
    expect(await call(app, 'terminals.close', { terminalId: 99999 })).toEqual({ closed: false });
    const link = app.terminals!.connect({ send: () => undefined });
    expect(link.receive(new Uint8Array([2, 0, 0]))).toMatch(/too short/);
    expect(link.receive(encodeTerminalFrame(9 as never, 1))).toMatch(/unknown terminal frame kind/);
    expect(link.receive(encodeTerminalFrame(TerminalFrameKind.input, 1, new Uint8Array(TERMINAL_MAX_INPUT + 1)))).toMatch(/larger than/);
    expect(link.receive(encodeTerminalFrame(TerminalFrameKind.ack, 1, new Uint8Array(2)))).toMatch(/4-byte/);
    expect(link.receive(encodeTerminalFrame(TerminalFrameKind.input, 0))).toMatch(/invalid terminal id/);
    // A frame for a terminal that is gone (or never was) is ignored.
    expect(link.receive(encodeTerminalFrame(TerminalFrameKind.input, 4242, Buffer.from('x')))).toBeNull();
    link.close();
  });

  it('pauses the shell while output is unacknowledged and resumes on acks (a flood stays bounded)', async () => {
    const { terminalId } = await call(app, 'terminals.open', { workspaceId: ws.id, cols: 120, rows: 30 });
    const screen = attachScreen(app, terminalId);
    await screen.waitFor(PROMPT);
    screen.setAutoAck(false);
    const before = screen.received();
    screen.type('head -c 30M /dev/zero | base64; echo DONE-$((6*7))\r');
    await expect.poll(() => app.terminals!.flow(terminalId)?.paused, { timeout: 10_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    const stalled = screen.received() - before;
    // Everything sent is within the window (plus at most one chunk), and nothing more comes.
    expect(stalled).toBeLessThanOrEqual(HIGH_WATER + TERMINAL_MAX_CHUNK);
    await new Promise((r) => setTimeout(r, 1000));
    expect(screen.received() - before).toBe(stalled);
    // The window acknowledges: the flood runs to its end.
    screen.setAutoAck(true);
    screen.ack(screen.received());
    await screen.waitFor(/DONE-42\r\n/, 60_000);
    expect(screen.received() - before).toBeGreaterThan(40_000_000);
    await call(app, 'terminals.close', { terminalId });
  });

  it('sends a flood in large frames, not one per PTY read', async () => {
    const { terminalId } = await call(app, 'terminals.open', { workspaceId: ws.id, cols: 120, rows: 30 });
    const screen = attachScreen(app, terminalId);
    await screen.waitFor(PROMPT);
    screen.keepFrames(true);
    screen.type('head -c 8M /dev/zero | base64; echo END-$((2*21))\r');
    await screen.waitFor(/END-42\r\n/, 60_000);
    const bytes = screen.frames.reduce((n, f) => n + f.length, 0);
    expect(bytes).toBeGreaterThan(10_000_000);
    // Every frame costs the page a message, a parse pass and an ack. While output streams, a
    // frame short of the full size goes out only after output gathered for 5 ms (or more, on a
    // loaded machine), never once per PTY read (≤ 4 KB, often several per millisecond).
    const gaps = screen.frames
      .map((f, i) => ({ short: f.length < TERMINAL_MAX_CHUNK, gap: i > 0 ? screen.frameTimes[i]! - screen.frameTimes[i - 1]! : Infinity }))
      .filter((f) => f.short && f.gap < 15);
    expect(screen.frames.length).toBeGreaterThan(20);
    expect(gaps.filter((f) => f.gap < 4)).toEqual([]);
    await call(app, 'terminals.close', { terminalId });
  });

  it('never splits an emoji or a CJK character across frames', async () => {
    const { terminalId } = await call(app, 'terminals.open', { workspaceId: ws.id, cols: 100, rows: 30 });
    const screen = attachScreen(app, terminalId);
    await screen.waitFor(PROMPT);
    screen.keepFrames(true);
    // 12-byte lines: wherever the PTY, SSH packets and chunks cut, it is inside a character somewhere.
    screen.type(`yes "$(printf 'x\\360\\237\\230\\200\\344\\275\\240\\345\\245\\275')" | head -n 60000; echo END-$((2*21))\r`);
    await screen.waitFor(/END-42\r\n/, 30_000);
    const all = Buffer.concat(screen.frames).toString('utf8');
    expect(all.split('x😀你好\r\n').length).toBeGreaterThan(60_000);
    for (const frame of screen.frames) expect(frame.toString('utf8')).not.toContain('\uFFFD');
    expect(screen.frames.length).toBeGreaterThan(3);
    await call(app, 'terminals.close', { terminalId });
  });

  it('reports the exit status; Enter starts a new shell', async () => {
    const events = recordEvents(app);
    const { terminalId } = await call(app, 'terminals.open', { workspaceId: ws.id, cols: 80, rows: 24 });
    const screen = attachScreen(app, terminalId);
    await screen.waitFor(PROMPT);
    screen.type('exit 3\r');
    await screen.waitFor('[exited with code 3');
    expect(events.of('terminal.exit')).toEqual([{ terminalId, workspaceId: ws.id, exitCode: 3, signal: null }]);
    expect((await call(app, 'terminals.list', { workspaceId: ws.id })).find((t) => t.terminalId === terminalId)).toMatchObject({ state: 'exited', exitCode: 3 });
    screen.clear();
    screen.type('\r');
    await screen.waitFor(PROMPT);
    screen.type('echo again\r');
    await screen.waitFor(line('again'));
    await call(app, 'terminals.close', { terminalId });
  });

  it('says "disconnected" when the workspace stops, and reconnects on Enter after a start', async () => {
    const events = recordEvents(app);
    const { terminalId } = await call(app, 'terminals.open', { workspaceId: ws.id, cols: 80, rows: 24 });
    const screen = attachScreen(app, terminalId);
    await screen.waitFor(PROMPT);
    await call(app, 'workspaces.stop', { id: ws.id });
    await screen.waitFor(DISCONNECTED_LINE);
    expect((await call(app, 'terminals.list', { workspaceId: ws.id })).find((t) => t.terminalId === terminalId)?.state).toBe('disconnected');
    await call(app, 'workspaces.start', { id: ws.id });
    screen.clear();
    screen.type('\r');
    await screen.waitFor(PROMPT, 30_000);
    screen.type('echo back\r');
    await screen.waitFor(line('back'));
    const states = events.of('terminal.state').filter((e) => e.terminalId === terminalId).map((e) => e.state);
    expect(states).toEqual(['connected', 'disconnected', 'connecting', 'connected']);

    // A laptop wake: the same line, and Enter reconnects.
    screen.clear();
    await app.onResume();
    await screen.waitFor(DISCONNECTED_LINE);
    screen.type('\r');
    await screen.waitFor(PROMPT, 30_000);
    screen.type('echo awake\r');
    await screen.waitFor(line('awake'));
    await call(app, 'terminals.close', { terminalId });
  });

  it('wakes a sleeping workspace, writing the notices into the terminal before the prompt', async () => {
    await call(app, 'workspaces.stop', { id: ws.id });
    const { terminalId } = await call(app, 'terminals.open', { workspaceId: ws.id, cols: 80, rows: 24 });
    const screen = attachScreen(app, terminalId);
    await screen.waitFor(PROMPT, 60_000);
    const text = screen.text();
    const sleeping = text.indexOf('Workspace term is sleeping. Starting…');
    const started = text.indexOf('Workspace started.');
    expect(sleeping).toBeGreaterThanOrEqual(0);
    expect(started).toBeGreaterThan(sleeping);
    expect(text.search(/\$ $/)).toBeGreaterThan(started);
    expect((await call(app, 'workspaces.get', { id: ws.id })).status).toBe('running');
    screen.link.close();
    await call(app, 'terminals.close', { terminalId });
  });
});
