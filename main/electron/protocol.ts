import { protocol, session } from 'electron';
import type { Session } from 'electron';
import { readFile } from 'node:fs/promises';
import { APP_ORIGIN, APP_SCHEME, appResponseHeaders, permissionAllowed, resolveAppFile, withCsp } from '../desktop/app-protocol.js';
import type { Logger } from '../log/logger.js';

/**
 * `nexus://app/` must be registered before `app` is ready: standard (relative URLs, an origin),
 * secure (a secure context), fetch and CORS (module scripts are CORS requests). No `bypassCSP`.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  ]);
}

/** Serves the built renderer (read from the asar in a packaged app) with the CSP on every response. */
export function serveApp(rendererDir: string, log: Logger): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = resolveAppFile(rendererDir, request.url, request.method);
    if (!target.ok) {
      log.warn(`app scheme refused ${request.method} ${request.url.slice(0, 200)} (${target.status})`);
      return new Response(null, { status: target.status });
    }
    try {
      const body = request.method === 'HEAD' ? null : await readFile(target.file);
      return new Response(body, { status: 200, headers: appResponseHeaders(target.file) });
    } catch {
      return new Response(null, { status: 404 });
    }
  });
}

/**
 * Session-wide rules: the CSP header on our pages (also when something other than our handler
 * answered them), and no permission the page does not need (no camera, geolocation, USB…).
 */
export function lockDownSession(s: Session = session.defaultSession): void {
  s.webRequest.onHeadersReceived({ urls: [`${APP_ORIGIN}/*`] }, (details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders) });
  });
  s.setPermissionRequestHandler((webContents, permission, callback, details) => {
    callback(permissionAllowed(permission, details.requestingUrl ?? webContents?.getURL()));
  });
  s.setPermissionCheckHandler((_webContents, permission, requestingOrigin) => permissionAllowed(permission, `${requestingOrigin}/`));
  s.setDevicePermissionHandler(() => false);
}
