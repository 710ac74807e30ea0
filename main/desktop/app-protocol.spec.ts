import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  appResponseHeaders,
  isAppUrl,
  linkPolicy,
  mimeType,
  permissionAllowed,
  resolveAppFile,
  withCsp,
} from './app-protocol.js';

const root = mkdtempSync(join(tmpdir(), 'nexus-renderer-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html>');
writeFileSync(join(root, 'assets', 'index-abc.js'), 'export {}');
writeFileSync(join(tmpdir(), 'outside-renderer.txt'), 'secret');

describe('the app scheme', () => {
  it('serves files inside the renderer folder, index.html for the root', () => {
    const entry = resolveAppFile(root, APP_ENTRY_URL);
    expect(entry).toEqual({ ok: true, file: join(root, 'index.html') });
    expect(resolveAppFile(root, 'nexus://app/')).toEqual(entry);
    const asset = resolveAppFile(root, 'nexus://app/assets/index-abc.js?v=1#x');
    expect(asset.ok && readFileSync(asset.file, 'utf8')).toBe('export {}');
  });

  it('refuses escapes, other hosts, other methods and malformed paths', () => {
    // The URL parser folds literal and %2e%2e dot segments: those stay inside the root.
    expect(resolveAppFile(root, 'nexus://app/../outside-renderer.txt')).toEqual({ ok: true, file: join(root, 'outside-renderer.txt') });
    expect(resolveAppFile(root, 'nexus://app/%2e%2e/outside-renderer.txt')).toEqual({ ok: true, file: join(root, 'outside-renderer.txt') });
    // An encoded slash is not a separator to the parser, but is one on disk once decoded.
    expect(resolveAppFile(root, 'nexus://app/assets/%2e%2e%2f%2e%2e%2foutside-renderer.txt')).toEqual({ ok: false, status: 403 });
    expect(resolveAppFile(root, 'nexus://app/..%5coutside-renderer.txt')).toEqual({ ok: false, status: 400 });
    expect(resolveAppFile(root, 'nexus://app/a%00b')).toEqual({ ok: false, status: 400 });
    expect(resolveAppFile(root, 'nexus://app/%E0%A4%A')).toEqual({ ok: false, status: 400 });
    expect(resolveAppFile(root, 'nexus://other/index.html')).toEqual({ ok: false, status: 404 });
    expect(resolveAppFile(root, 'file:///etc/passwd')).toEqual({ ok: false, status: 404 });
    expect(resolveAppFile(root, APP_ENTRY_URL, 'POST')).toEqual({ ok: false, status: 405 });
  });

  it('labels responses with a type, the CSP and nosniff', () => {
    expect(mimeType('a/index-abc.js')).toBe('text/javascript; charset=utf-8');
    expect(mimeType('x.WOFF2')).toBe('font/woff2');
    expect(mimeType('x.exe')).toBe('application/octet-stream');
    const headers = appResponseHeaders('index.html');
    expect(headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('the content security policy', () => {
  it('allows only our own scripts, no eval, no framing, no plugins', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it('replaces whatever policy a response carried', () => {
    const out = withCsp({ 'content-security-policy': ["default-src *"], 'Content-Type': 'text/html' });
    expect(out).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    expect(withCsp(undefined)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});

describe('links and permissions', () => {
  it('sends http(s) to the OS browser and refuses every other scheme', () => {
    expect(linkPolicy('https://www.daytona.io/docs')).toBe('external');
    expect(linkPolicy('http://localhost:3000/')).toBe('external');
    expect(linkPolicy('nexus://app/index.html#card')).toBe('app');
    expect(linkPolicy('vscode://vscode-remote/ssh-remote+nexus-api/workspace')).toBe('external');
    expect(linkPolicy('vscode://file/etc/passwd')).toBe('deny');
    expect(linkPolicy('vscode://vscode-remote/ssh-remote+evil.example/workspace')).toBe('deny');
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'ms-msdt:/id', 'smb://host/share', 'nexus://evil/', 'not a url', `https://x.io/${'a'.repeat(5000)}`]) {
      expect(linkPolicy(url), url).toBe('deny');
    }
  });

  it('recognises our own pages only', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('nexus://app/index.html?x#y')).toBe(true);
    expect(isAppUrl('file:///work/dist/renderer/index.html')).toBe(false);
    expect(isAppUrl('https://app/')).toBe(false);
    expect(isAppUrl(undefined)).toBe(false);
  });

  it('grants clipboard writes and notifications to our page and nothing else', () => {
    expect(permissionAllowed('clipboard-sanitized-write', APP_ENTRY_URL)).toBe(true);
    expect(permissionAllowed('notifications', APP_ENTRY_URL)).toBe(true);
    expect(permissionAllowed('media', APP_ENTRY_URL)).toBe(false);
    expect(permissionAllowed('geolocation', APP_ENTRY_URL)).toBe(false);
    expect(permissionAllowed('notifications', 'https://example.com/')).toBe(false);
  });
});
