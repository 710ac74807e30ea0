import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { NexusApp } from '../app/create-app.js';
import { WsTransport } from '../rpc/ws-transport.js';
import { contentSecurityPolicy, serveStatic } from './static-files.js';

export interface BrowserServerOptions {
  app: NexusApp;
  /** The built renderer (vite's output). */
  staticDir: string;
  port?: number;
  token?: string;
}

export interface BrowserServer {
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Browser mode: the renderer over HTTP and the contract over a WebSocket, on 127.0.0.1 only. */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const root = resolve(options.staticDir);
  if (!existsSync(resolve(root, 'index.html'))) {
    throw new Error(`The renderer is not built (${root}/index.html is missing). Run "npm run build" first.`);
  }
  const token = options.token ?? randomBytes(24).toString('hex');
  let origins: string[] = [];
  let csp = '';
  const transport = new WsTransport({
    router: options.app.router,
    hub: options.app.hub,
    ...(options.app.terminals ? { terminals: options.app.terminals } : {}),
    token,
    allowedOrigins: () => origins,
    log: options.app.log.child('ws'),
  });
  const server = createServer((req, res) => {
    void serveStatic(root, req, res, csp);
  });
  server.on('upgrade', (req, socket, head) => transport.handleUpgrade(req, socket, head));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  origins = [origin, `http://localhost:${port}`];
  csp = contentSecurityPolicy(`ws://127.0.0.1:${port} ws://localhost:${port}`);
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    async close() {
      transport.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
