/**
 * `npm run emulator -- [--port 3986] [--gateway-port 2222] [--time-scale 1] [--data-dir DIR]
 *                      [--api-key KEY] [--image nexus-workspace:latest]`
 * Starts the Daytona emulator by hand. Ctrl-C stops it; its containers stay and the next start
 * on the same data dir re-adopts them.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from './emulator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '3986' },
    'gateway-port': { type: 'string', default: '2222' },
    'time-scale': { type: 'string', default: '1' },
    'data-dir': { type: 'string' },
    'api-key': { type: 'string' },
    image: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'npm run emulator -- [--port 3986] [--gateway-port 2222] [--time-scale 1] [--data-dir DIR] [--api-key KEY] [--image IMAGE] [--log-level info]\n' +
      '  port 0 = any free port. See testing/daytona-emulator/README.md.\n',
  );
  process.exit(0);
}

const number = (name: string, raw: string | undefined): number => {
  const n = Number(raw);
  if (raw === undefined || !Number.isFinite(n) || n < 0) {
    process.stderr.write(`--${name} must be a non-negative number, got ${raw}\n`);
    process.exit(2);
  }
  return n;
};

const dataDir = values['data-dir'] ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'nexus-daytona-emulator');
const level = values['log-level'] as 'debug' | 'info' | 'warn' | 'error';

try {
  const emulator = await startEmulator({
    port: number('port', values.port),
    gatewayPort: number('gateway-port', values['gateway-port']),
    timeScale: number('time-scale', values['time-scale']) || 1,
    dataDir,
    apiKey: values['api-key'],
    image: values.image,
    logLevel: level,
  });
  process.stdout.write(
    [
      'Daytona emulator ready',
      `  API URL:   ${emulator.apiUrl}`,
      `  API key:   ${emulator.apiKey}`,
      `  gateway:   ${emulator.gateway.host}:${emulator.gateway.port}   (ssh -p ${emulator.gateway.port} <token>@${emulator.gateway.host})`,
      `  admin:     ${new URL(emulator.apiUrl).origin}/_admin/state   (same bearer key)`,
      `  data dir:  ${dataDir}`,
      '  Ctrl-C stops it; containers stay and are re-adopted on the next start.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the emulator (sandbox containers stay)…\n`);
    emulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (err) {
  process.stderr.write(`Daytona emulator failed to start: ${(err as Error).message}\n`);
  process.exit(1);
}
