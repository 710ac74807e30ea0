import { extname, resolve, sep } from 'node:path';

/**
 * The Electron window loads the renderer from a private scheme (`nexus://app/…`) instead of
 * `file://`: a file:// page shares one opaque origin with every file on disk and gets no HTTP
 * response headers, so the Content-Security-Policy could only come from a <meta> tag. On our own
 * scheme every response carries the CSP header and nothing outside the renderer folder is served.
 */
export const APP_SCHEME = 'nexus';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Sent as a response header on every page of ours (the renderer's <meta> policy applies too; a
 * browser enforces both). `frame-ancestors` only works as a header. Inline styles stay allowed
 * for React style attributes and xterm; scripts are ours only, with no eval.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers of every response the app scheme serves. */
export function appResponseHeaders(file: string): Record<string, string> {
  return {
    'Content-Type': mimeType(file),
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

export type AppFile = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404 | 405 };

/**
 * Maps a request on the app scheme to a file inside `root` (the built renderer). Anything that is
 * not a GET/HEAD of `nexus://app/<path inside root>` is refused: other hosts, `..` escapes
 * (encoded or not), NUL bytes, malformed escapes.
 */
export function resolveAppFile(root: string, url: string, method = 'GET'): AppFile {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405 };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400 };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return { ok: false, status: 404 };
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (path.includes('\0') || path.includes('\\')) return { ok: false, status: 400 };
  if (path === '' || path.endsWith('/')) path += 'index.html';
  const base = resolve(root);
  const file = resolve(base, `.${path.startsWith('/') ? path : `/${path}`}`);
  if (!file.startsWith(base + sep)) return { ok: false, status: 403 };
  return { ok: true, file };
}

/**
 * Puts our CSP on response headers (for `session.webRequest.onHeadersReceived`), replacing any
 * policy already there whatever its spelling.
 */
export function withCsp(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}

/** True for a URL of our own pages (`nexus://app/…`). */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * What to do with a navigation or `window.open`: our own pages may reload in place, http(s)
 * links go to the OS browser, everything else (file:, javascript:, data:, other apps' schemes
 * such as `ms-msdt:` or `smb:`) is refused.
 */
export function linkPolicy(url: string): 'app' | 'external' | 'deny' {
  if (url.length > 4096) return 'deny';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'deny';
  }
  if (parsed.protocol === `${APP_SCHEME}:`) return parsed.host === APP_HOST ? 'app' : 'deny';
  if ((parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hostname !== '') return 'external';
  // "Open in VS Code": only the exact Remote-SSH form for a Nexus alias, nothing else of that scheme.
  if (parsed.protocol === 'vscode:' && parsed.hostname === 'vscode-remote' && /^\/ssh-remote\+nexus-[a-z0-9-]+\/workspace$/.test(parsed.pathname)) return 'external';
  return 'deny';
}

/** Permissions the page may have: writing to the clipboard (terminal copy) and notifications. */
export function permissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  if (!isAppUrl(requestingUrl)) return false;
  return permission === 'clipboard-sanitized-write' || permission === 'notifications';
}
