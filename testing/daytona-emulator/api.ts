import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../../main/log/logger.js';
import type { EmulatedClock } from './clock.js';
import type { FaultInjector } from './faults.js';
import { ApiError } from './store.js';
import type { CreateParams, SandboxStore } from './store.js';
import type { AdminState, ApiErrorBody, FaultSpec, SandboxRecord, SshAccessRecord } from './types.js';

/** What the HTTP layer needs from the SSH gateway. */
export interface GatewayControl {
  readonly host: string;
  readonly port: number;
  dropConnections(sandboxId?: string): number;
  stats(sandboxId: string): { connections: number; channels: number };
}

export interface ApiContext {
  store: SandboxStore;
  faults: FaultInjector;
  clock: EmulatedClock;
  gateway: GatewayControl;
  apiKey: string;
  adminToken: string;
  logger: Logger;
  organizationId: string;
  /** Runs one auto-stop pass now. */
  runAutoStop(): string[];
}

const MAX_BODY = 1024 * 1024;

class HttpReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

function errorBody(status: number, message: string, path: string): ApiErrorBody {
  return {
    statusCode: status,
    timestamp: new Date().toISOString(),
    path,
    error: STATUS_CODES[status] ?? 'Error',
    message,
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      // Body-less POSTs from axios arrive as form-encoded with an empty body: treat as {}.
      if (!text) return resolve({});
      const type = String(req.headers['content-type'] ?? '');
      if (type.includes('json') || text.startsWith('{') || text.startsWith('[')) {
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new ApiError(400, 'Malformed JSON body'));
        }
        return;
      }
      resolve(Object.fromEntries(new URLSearchParams(text)));
    });
  });
}

function bearerMatches(req: IncomingMessage, expected: string): boolean {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (!m?.[1]) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const iso = (ms: number) => new Date(ms).toISOString();

export function sandboxDto(rec: SandboxRecord, ctx: { organizationId: string; toolboxProxyUrl: string }, full = true): Record<string, unknown> {
  const dto: Record<string, unknown> = {
    id: rec.id,
    organizationId: ctx.organizationId,
    name: rec.name,
    snapshot: rec.snapshot,
    user: rec.user,
    labels: { ...rec.labels },
    public: rec.public,
    networkBlockAll: false,
    target: rec.target,
    cpu: rec.cpu,
    gpu: rec.gpu,
    memory: rec.memory,
    disk: rec.disk,
    state: rec.state,
    desiredState: rec.desiredState,
    ...(rec.errorReason ? { errorReason: rec.errorReason } : {}),
    recoverable: false,
    backupState: 'None',
    autoStopInterval: rec.autoStopInterval,
    autoArchiveInterval: rec.autoArchiveInterval,
    autoDeleteInterval: rec.autoDeleteInterval,
    createdAt: iso(rec.createdAt),
    updatedAt: iso(rec.updatedAt),
    lastActivityAt: iso(rec.lastActivityAt),
    sandboxClass: 'container',
    runnerId: 'daytona-emulator',
    daemonVersion: 'emulator',
    toolboxProxyUrl: ctx.toolboxProxyUrl,
  };
  // The list endpoint returns SandboxListItem, which has no env/volumes/buildInfo: the SDK
  // tells the two apart by `'env' in dto`.
  if (full) {
    dto.env = { ...rec.env };
    dto.volumes = [];
    dto.kvm = false;
  }
  return dto;
}

function sshAccessDto(access: SshAccessRecord, sandboxId: string, gateway: { host: string; port: number }): Record<string, unknown> {
  return {
    id: access.id,
    sandboxId,
    token: access.token,
    expiresAt: iso(access.expiresAt),
    createdAt: iso(access.createdAt),
    updatedAt: iso(access.updatedAt),
    sshCommand: gateway.port === 22 ? `ssh ${access.token}@${gateway.host}` : `ssh -p ${gateway.port} ${access.token}@${gateway.host}`,
  };
}

type Route = {
  method: string;
  pattern: RegExp;
  handler: (m: RegExpExecArray, url: URL, req: IncomingMessage) => Promise<HttpReply> | HttpReply;
};

export interface ApiServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startApiServer(ctx: ApiContext, host: string, port: number): Promise<ApiServer> {
  let baseUrl = '';
  const dtoCtx = () => ({ organizationId: ctx.organizationId, toolboxProxyUrl: `${baseUrl}/toolbox` });
  const dto = (rec: SandboxRecord, full = true) => sandboxDto(rec, dtoCtx(), full);
  const json = (body: unknown, status = 200) => new HttpReply(status, body);
  const dec = (s: string | undefined) => decodeURIComponent(s ?? '');

  const listFilter = (url: URL): SandboxRecord[] => {
    const q = url.searchParams;
    let labels: Record<string, string> | undefined;
    const rawLabels = q.get('labels');
    if (rawLabels) {
      try {
        labels = JSON.parse(rawLabels) as Record<string, string>;
      } catch {
        throw new ApiError(400, 'labels must be a JSON object');
      }
      if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw new ApiError(400, 'labels must be a JSON object');
    }
    const states = q.getAll('states').flatMap((s) => s.split(','));
    const ids = q.getAll('id');
    const names = q.getAll('name');
    const out = ctx.store
      .all()
      .filter((r) => r.state !== 'destroying' || q.get('includeErroredDeleted') === 'true')
      .filter((r) => !labels || Object.entries(labels).every(([k, v]) => r.labels[k] === v))
      .filter((r) => states.length === 0 || states.includes(r.state))
      .filter((r) => ids.length === 0 || ids.includes(r.id))
      .filter((r) => names.length === 0 || names.some((n) => r.name.includes(n)));
    const sort = q.get('sort') ?? 'createdAt';
    const dir = (q.get('order') ?? 'desc').toLowerCase() === 'asc' ? 1 : -1;
    const key = (r: SandboxRecord): string | number =>
      sort === 'name' ? r.name : sort === 'state' ? r.state : sort === 'updatedAt' ? r.updatedAt : sort === 'lastActivityAt' ? r.lastActivityAt : r.createdAt;
    return out.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return (ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : 1) * dir;
    });
  };

  const limitOf = (url: URL, fallback: number) => {
    const raw = url.searchParams.get('limit');
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 200) throw new ApiError(400, 'limit must be an integer between 1 and 200');
    return n;
  };

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/sandbox$/,
      handler: async (_m, _url, req) => {
        const body = (await readBody(req)) as Record<string, unknown>;
        const buildInfo = body.buildInfo as { dockerfileContent?: string } | undefined;
        const rec = await ctx.store.create({ ...(body as CreateParams), dockerfileContent: buildInfo?.dockerfileContent });
        return json(dto(rec));
      },
    },
    {
      method: 'GET',
      pattern: /^\/sandbox$/,
      handler: (_m, url) => {
        const all = listFilter(url);
        const limit = limitOf(url, 100);
        let offset = 0;
        const cursor = url.searchParams.get('cursor');
        if (cursor) {
          try {
            offset = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset: number }).offset;
          } catch {
            throw new ApiError(400, 'Invalid cursor');
          }
          if (!Number.isInteger(offset) || offset < 0) throw new ApiError(400, 'Invalid cursor');
        }
        const items = all.slice(offset, offset + limit).map((r) => dto(r, false));
        const next = offset + limit < all.length ? Buffer.from(JSON.stringify({ offset: offset + limit })).toString('base64url') : null;
        return json({ items, nextCursor: next });
      },
    },
    {
      // The older page-based listing (SDKs before the cursor API).
      method: 'GET',
      pattern: /^\/sandbox\/paginated$/,
      handler: (_m, url) => {
        const all = listFilter(url);
        const limit = limitOf(url, 100);
        const page = Number(url.searchParams.get('page') ?? '1');
        if (!Number.isInteger(page) || page < 1) throw new ApiError(400, 'page must be a positive integer');
        const items = all.slice((page - 1) * limit, page * limit).map((r) => dto(r));
        return json({ items, total: all.length, page, totalPages: Math.max(1, Math.ceil(all.length / limit)) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/sandbox\/ssh-access\/validate$/,
      handler: (_m, url) => json(ctx.store.validateToken(url.searchParams.get('token') ?? '')),
    },
    { method: 'GET', pattern: /^\/sandbox\/([^/]+)$/, handler: (m) => json(dto(ctx.store.get(dec(m[1])))) },
    { method: 'DELETE', pattern: /^\/sandbox\/([^/]+)$/, handler: (m) => json(dto(ctx.store.delete(dec(m[1])))) },
    { method: 'POST', pattern: /^\/sandbox\/([^/]+)\/start$/, handler: (m) => json(dto(ctx.store.start(dec(m[1])))) },
    {
      method: 'POST',
      pattern: /^\/sandbox\/([^/]+)\/stop$/,
      handler: (m, url) => json(dto(ctx.store.stop(dec(m[1]), { force: url.searchParams.get('force') === 'true' }))),
    },
    {
      method: 'POST',
      pattern: /^\/sandbox\/([^/]+)\/autostop\/([^/]+)$/,
      handler: (m) => json(dto(ctx.store.setAutoStopInterval(dec(m[1]), Number(dec(m[2]))))),
    },
    {
      method: 'POST',
      pattern: /^\/sandbox\/([^/]+)\/last-activity$/,
      handler: (m) => {
        ctx.store.touchActivity(dec(m[1]));
        return new HttpReply(200, undefined);
      },
    },
    {
      method: 'PUT',
      pattern: /^\/sandbox\/([^/]+)\/labels$/,
      handler: async (m, _url, req) => {
        const body = (await readBody(req)) as { labels?: unknown };
        const rec = ctx.store.setLabels(dec(m[1]), body.labels);
        return json({ labels: { ...rec.labels } });
      },
    },
    {
      method: 'POST',
      pattern: /^\/sandbox\/([^/]+)\/ssh-access$/,
      handler: (m, url) => {
        const raw = url.searchParams.get('expiresInMinutes');
        const minutes = raw === null || raw === '' ? 60 : Number(raw);
        const { sandbox, access } = ctx.store.createSshAccess(dec(m[1]), minutes);
        return json(sshAccessDto(access, sandbox.id, ctx.gateway));
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/sandbox\/([^/]+)\/ssh-access$/,
      handler: (m, url) => json(dto(ctx.store.revokeSshAccess(dec(m[1]), url.searchParams.get('token') ?? undefined))),
    },
    {
      method: 'GET',
      pattern: /^\/sandbox\/([^/]+)\/toolbox-proxy-url$/,
      handler: (m) => {
        ctx.store.get(dec(m[1]));
        return json({ url: dtoCtx().toolboxProxyUrl });
      },
    },
  ];

  const adminRoutes: Route[] = [
    { method: 'GET', pattern: /^\/state$/, handler: () => json(adminState()) },
    { method: 'GET', pattern: /^\/faults$/, handler: () => json(ctx.faults.list()) },
    {
      method: 'POST',
      pattern: /^\/faults$/,
      handler: async (_m, _url, req) => {
        const spec = (await readBody(req)) as FaultSpec;
        try {
          return json(ctx.faults.add(spec));
        } catch (err) {
          throw new ApiError(400, (err as Error).message);
        }
      },
    },
    { method: 'DELETE', pattern: /^\/faults$/, handler: () => json({ cleared: ctx.faults.clear() }) },
    {
      method: 'DELETE',
      pattern: /^\/faults\/([^/]+)$/,
      handler: (m) => {
        if (!ctx.faults.remove(dec(m[1]))) throw new ApiError(404, 'No such fault');
        return json({ removed: true });
      },
    },
    {
      method: 'POST',
      pattern: /^\/gateway\/drop$/,
      handler: async (_m, _url, req) => {
        const body = (await readBody(req)) as { sandboxId?: string };
        const sandboxId = body.sandboxId ? ctx.store.get(body.sandboxId).id : undefined;
        return json({ dropped: ctx.gateway.dropConnections(sandboxId) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/ssh-access\/expire$/,
      handler: async (_m, _url, req) => {
        const body = (await readBody(req)) as { token?: string };
        if (!body.token || !ctx.store.expireToken(body.token)) throw new ApiError(404, 'No such token');
        return json({ expired: true });
      },
    },
    {
      method: 'POST',
      pattern: /^\/sandbox\/([^/]+)\/auto-stop$/,
      handler: async (m, url) => {
        const rec = ctx.store.autoStopNow(dec(m[1]));
        if (url.searchParams.get('wait') === 'true') await ctx.store.settled(rec.id);
        return json(dto(rec));
      },
    },
    { method: 'POST', pattern: /^\/auto-stop\/run$/, handler: () => json({ stopped: ctx.runAutoStop() }) },
    { method: 'GET', pattern: /^\/clock$/, handler: () => json(clockView()) },
    {
      method: 'POST',
      pattern: /^\/clock$/,
      handler: async (_m, _url, req) => {
        const body = (await readBody(req)) as { timeScale?: number; advanceSeconds?: number };
        try {
          if (body.timeScale !== undefined) ctx.clock.setTimeScale(Number(body.timeScale));
          if (body.advanceSeconds !== undefined) ctx.clock.advance(Number(body.advanceSeconds) * 1000);
        } catch (err) {
          throw new ApiError(400, (err as Error).message);
        }
        return json(clockView());
      },
    },
  ];

  const clockView = () => ({ now: ctx.clock.nowIso(), timeScale: ctx.clock.timeScale });

  const adminState = (): AdminState => ({
    ...clockView(),
    gateway: { host: ctx.gateway.host, port: ctx.gateway.port },
    faults: ctx.faults.list(),
    sandboxes: ctx.store.all().map((r) => {
      const stats = ctx.gateway.stats(r.id);
      return {
        id: r.id,
        name: r.name,
        state: r.state,
        containerId: r.containerId,
        containerName: r.containerName,
        sshPort: r.sshPort,
        autoStopInterval: r.autoStopInterval,
        lastActivityAt: iso(r.lastActivityAt),
        gatewayConnections: stats.connections,
        openChannels: stats.channels,
        tokens: r.sshAccess.map((a) => ({ token: a.token, expiresAt: iso(a.expiresAt), expired: a.expiresAt <= ctx.clock.now() })),
      };
    }),
  });

  const dispatch = async (routesToUse: Route[], relPath: string, url: URL, req: IncomingMessage): Promise<HttpReply> => {
    for (const route of routesToUse) {
      if (route.method !== req.method) continue;
      const m = route.pattern.exec(relPath);
      if (m) return route.handler(m, url, req);
    }
    // NestJS answers an unknown route or method with 404 "Cannot <METHOD> <path>".
    throw new ApiError(404, `Cannot ${req.method ?? 'GET'} ${url.pathname}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname;
    const fullPath = req.url ?? '/';
    try {
      if (path === '/api/socket.io' || path.startsWith('/api/socket.io/')) {
        // No Socket.IO here: the SDK swallows the failure and polls GET /sandbox/{id}.
        return send(res, 404, errorBody(404, 'Socket.IO events are not emulated; poll instead', fullPath));
      }
      if (path.startsWith('/_admin/')) {
        if (!bearerMatches(req, ctx.adminToken)) return send(res, 401, errorBody(401, 'Unauthorized', fullPath));
        const reply = await dispatch(adminRoutes, path.slice('/_admin'.length), url, req);
        return send(res, reply.status, reply.body, reply.headers);
      }
      if (path === '/toolbox' || path.startsWith('/toolbox/')) {
        return send(res, 501, errorBody(501, 'The toolbox API (fs, process, git, …) is not emulated; use SSH', fullPath));
      }
      if (path !== '/api' && !path.startsWith('/api/')) return send(res, 404, errorBody(404, `Cannot ${req.method} ${path}`, fullPath));
      if (!bearerMatches(req, ctx.apiKey)) return send(res, 401, errorBody(401, 'Unauthorized', fullPath));

      const fault = ctx.faults.take(req.method ?? 'GET', path);
      if (fault) {
        ctx.logger.info(`fault ${fault.id} on ${req.method} ${path}`, { status: fault.status, delayMs: fault.delayMs, reset: fault.reset });
        if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        if (fault.reset) {
          req.socket.destroy();
          return;
        }
        if (fault.status !== undefined) {
          const headers: Record<string, string> = {};
          const retryAfter = fault.retryAfter ?? (fault.status === 429 ? 1 : undefined);
          if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
          const message = fault.message ?? (fault.status === 429 ? 'ThrottlerException: Too Many Requests' : (STATUS_CODES[fault.status] ?? 'Injected fault'));
          return send(res, fault.status, errorBody(fault.status, message, fullPath), headers);
        }
      }
      const reply = await dispatch(routes, path.slice('/api'.length) || '/', url, req);
      send(res, reply.status, reply.body, reply.headers);
    } catch (err) {
      if (err instanceof ApiError) {
        send(res, err.statusCode, errorBody(err.statusCode, err.message, fullPath));
      } else {
        ctx.logger.error(`${req.method} ${path} failed`, err);
        send(res, 500, errorBody(500, (err as Error).message ?? 'Internal server error', fullPath));
      }
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // Socket.IO (websocket transport) arrives as an upgrade request: answer it with the same 404.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const body = JSON.stringify(errorBody(404, 'Socket.IO events are not emulated; poll instead', req.url ?? '/'));
    socket.on('error', () => undefined);
    socket.end(
      `HTTP/1.1 404 Not Found\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  baseUrl = `http://${host}:${boundPort}`;
  return {
    server,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
