import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app/create-app.js';
import { startBrowserServer } from './browser-mode/server.js';

/** `npm run serve`: the whole app in a browser tab, for headless boxes and end-to-end tests. */
async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.NEXUS_PORT ?? 0);
  const app = await createApp({ runtime: 'browser' });
  const server = await startBrowserServer({
    app,
    staticDir: process.env.NEXUS_RENDERER_DIR ?? resolve(here, '../renderer'),
    port,
  });
  process.stdout.write(`Nexus Desktop (browser mode) is ready: ${server.url}\n`);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await app.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  process.stderr.write(`Nexus could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
