import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NexusError } from '../../shared/errors.js';
import { createLogger, redact } from '../log/logger.js';
import type { CredentialCipher } from './cipher.js';
import { CredentialStore } from './credential-store.js';
import { DaytonaCredentials, MISSING_KEY_MESSAGE, maskKey } from './daytona-credentials.js';
import { FileCipher } from './file-cipher.js';
import type { DaytonaProfile, ProfileSource } from './profiles.js';
import { validateDaytonaKey } from './validate-key.js';

const lines: string[] = [];
const log = createLogger('spec', { level: 'debug', sink: (l) => lines.push(l) });
const dir = () => mkdtempSync(join(tmpdir(), 'nx-cred-'));
const mode = (path: string) => statSync(path).mode & 0o777;

class Profiles implements ProfileSource {
  readonly configPath = '/home/u/.nexus/config.yaml';
  constructor(public table: Record<string, string>) {}
  get(name: string): DaytonaProfile | null {
    return this.table[name] ? { name, apiUrl: this.table[name]!, target: 'us' } : null;
  }
  list(): DaytonaProfile[] {
    return Object.keys(this.table).map((n) => this.get(n)!);
  }
  async setApiUrl(name: string, apiUrl: string): Promise<void> {
    this.table[name] = apiUrl;
  }
}

async function rejection(promise: Promise<unknown>): Promise<NexusError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NexusError);
  return err as NexusError;
}

describe('FileCipher', () => {
  it('round-trips with AES-256-GCM, its key in a 0600 file, the blob never holding the plaintext', () => {
    const home = dir();
    const cipher = new FileCipher(join(home, 'credentials.key'));
    const secret = 'dtn_0123456789abcdef0123456789abcdef';
    const blob = cipher.encrypt(secret);
    expect(blob.toString('latin1')).not.toContain(secret);
    expect(cipher.encrypt(secret).equals(blob)).toBe(false); // a fresh IV every time
    expect(cipher.decrypt(blob)).toBe(secret);
    expect(mode(join(home, 'credentials.key'))).toBe(0o600);
    expect(readFileSync(join(home, 'credentials.key'))).toHaveLength(32);
    // Another instance (the next app start) reads the same key.
    expect(new FileCipher(join(home, 'credentials.key')).decrypt(blob)).toBe(secret);
    expect(cipher.protection()).toBe('file');
  });

  it('refuses a tampered blob and a blob from another key', () => {
    const a = new FileCipher(join(dir(), 'k'));
    const b = new FileCipher(join(dir(), 'k'));
    const blob = a.encrypt('dtn_secret_value_1234');
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => a.decrypt(tampered)).toThrow();
    b.encrypt('x'); // makes b's key
    expect(() => b.decrypt(blob)).toThrow();
    expect(() => a.decrypt(Buffer.from('nope'))).toThrow(/not a Nexus credential blob/);
  });
});

describe('CredentialStore', () => {
  it('keeps ciphertext, profile and URL in a 0600 JSON file, never the key', async () => {
    const home = dir();
    const store = new CredentialStore(join(home, 'credentials.json'), new FileCipher(join(home, 'credentials.key')));
    const key = 'dtn_store_spec_key_abcdef123456';
    await store.save('default', key, 'https://app.daytona.io/api');
    await store.save('work', 'dtn_work_spec_key_999999', 'https://daytona.example.com/api');
    const text = readFileSync(join(home, 'credentials.json'), 'utf8');
    expect(text).not.toContain(key);
    expect(text).not.toContain('dtn_work_spec_key_999999');
    expect(JSON.parse(text)).toMatchObject({ version: 1, daytona: { default: { apiUrl: 'https://app.daytona.io/api', protection: 'file' }, work: {} } });
    expect(mode(join(home, 'credentials.json'))).toBe(0o600);
    expect(await store.load('default')).toEqual({ ok: true, key: { apiKey: key, apiUrl: 'https://app.daytona.io/api', protection: 'file' } });
    expect(await store.profiles()).toEqual(['default', 'work']);
    expect(await store.remove('work')).toBe(true);
    expect(await store.remove('work')).toBe(false);
    expect(await store.load('work')).toEqual({ ok: false, reason: 'none' });
  });

  it('reports a blob it cannot decrypt instead of failing', async () => {
    const home = dir();
    const broken: CredentialCipher = {
      encrypt: (p) => Buffer.from(p.split('').reverse().join('')),
      decrypt: () => {
        throw new Error('keychain was reset');
      },
      protection: () => 'keychain',
    };
    const store = new CredentialStore(join(home, 'c.json'), broken);
    await store.save('default', 'dtn_abcdefghijkl', 'https://x/api');
    expect(await store.load('default')).toEqual({ ok: false, reason: 'undecryptable', detail: 'keychain was reset' });
  });
});

describe('DaytonaCredentials', () => {
  const make = (options: { env?: NodeJS.ProcessEnv; table?: Record<string, string>; validate?: (url: string, key: string) => Promise<void> } = {}) => {
    const home = dir();
    const store = new CredentialStore(join(home, 'credentials.json'), new FileCipher(join(home, 'credentials.key')));
    const profiles = new Profiles(options.table ?? { default: 'https://app.daytona.io/api' });
    const validated: Array<[string, string]> = [];
    const credentials = new DaytonaCredentials({
      store,
      profiles,
      env: options.env ?? {},
      log,
      validate:
        options.validate ??
        (async (url, key) => {
          validated.push([url, key]);
        }),
    });
    return { home, store, profiles, credentials, validated };
  };

  it('says exactly what to do when there is no key anywhere', async () => {
    const { credentials } = make();
    const err = await rejection(credentials.resolve());
    expect(err.code).toBe('credentials_missing');
    expect(err.message).toBe('Daytona API key not found. Set DAYTONA_API_KEY or sign in to Daytona (Settings → Daytona).');
    expect(err.message).toBe(MISSING_KEY_MESSAGE);
    expect(await credentials.status()).toMatchObject({ source: 'none', maskedKey: null, apiUrl: 'https://app.daytona.io/api', protection: 'file', problem: null });
  });

  it('resolves DAYTONA_API_KEY first, then the keychain store', async () => {
    const { credentials, store } = make({ env: { DAYTONA_API_KEY: ' dtn_from_the_environment_1234 ' } });
    expect(await credentials.resolve()).toMatchObject({ apiKey: 'dtn_from_the_environment_1234', source: 'environment', apiUrl: 'https://app.daytona.io/api', target: 'us' });
    await credentials.signIn({ apiKey: 'dtn_saved_in_the_keychain_5678' });
    // The environment still wins; the saved key is there for when it is unset.
    expect((await credentials.resolve()).source).toBe('environment');
    expect((await credentials.status()).maskedKey).toBe('dtn_…1234');
    const withoutEnv = new DaytonaCredentials({ store, profiles: new Profiles({ default: 'https://app.daytona.io/api' }), env: {}, log });
    expect(await withoutEnv.resolve()).toMatchObject({ apiKey: 'dtn_saved_in_the_keychain_5678', source: 'keychain' });
  });

  it('validates before storing, returns only a masked key, and redacts the key from then on', async () => {
    const { credentials, validated, home } = make();
    const key = 'dtn_sign_in_spec_key_0123456789wxyz';
    const changed: string[] = [];
    credentials.onChange((p) => changed.push(p));
    const status = await credentials.signIn({ apiKey: `  ${key}\n` });
    expect(validated).toEqual([['https://app.daytona.io/api', key]]);
    expect(status).toEqual({
      profile: 'default',
      source: 'keychain',
      maskedKey: 'dtn_…wxyz',
      apiUrl: 'https://app.daytona.io/api',
      protection: 'file',
      problem: null,
      profiles: [{ name: 'default', apiUrl: 'https://app.daytona.io/api', source: 'keychain', maskedKey: 'dtn_…wxyz' }],
    });
    expect(JSON.stringify(status)).not.toContain(key);
    expect(changed).toEqual(['default']);
    expect(redact(`a line with ${key} in it`)).toBe('a line with [redacted] in it');
    expect(readFileSync(join(home, 'credentials.json'), 'utf8')).not.toContain(key);
    expect(lines.join('')).not.toContain(key);
    const out = await credentials.signOut();
    expect(out).toMatchObject({ source: 'none', maskedKey: null });
    expect(changed).toEqual(['default', 'default']);
  });

  it('stores nothing when the key is refused or the URL is unusable', async () => {
    const { credentials, home } = make({
      validate: async () => {
        throw new NexusError('daytona_auth', 'Daytona refused this API key (401 Unauthorized from x).');
      },
    });
    const err = await rejection(credentials.signIn({ apiKey: 'dtn_wrong_key_0000000000' }));
    expect(err.code).toBe('daytona_auth');
    expect(existsSync(join(home, 'credentials.json'))).toBe(false);
    const plain = await rejection(credentials.signIn({ apiKey: 'dtn_wrong_key_0000000000', apiUrl: 'http://daytona.example.com/api' }));
    expect(plain).toMatchObject({ code: 'invalid_request', field: 'apiUrl' });
    expect(plain.message).toMatch(/https:\/\//);
    expect(existsSync(join(home, 'credentials.json'))).toBe(false);
  });

  it('keeps a key per profile, bound to the URL it was checked against', async () => {
    const { credentials, profiles } = make({ table: { default: 'https://app.daytona.io/api', work: 'https://daytona.work.example/api' } });
    await expect(credentials.resolve('work')).rejects.toThrow('Daytona API key for profile "work" not found. Sign in to Daytona with profile work (Settings → Daytona).');
    await credentials.signIn({ apiKey: 'dtn_work_profile_key_abcd1234', profile: 'work' });
    expect(await credentials.resolve('work')).toMatchObject({ apiUrl: 'https://daytona.work.example/api', source: 'keychain' });
    expect(await credentials.usableProfiles()).toEqual(['work']);
    // The profile now points elsewhere (an edit of config.yaml): the key is not sent there.
    profiles.table.work = 'https://elsewhere.example/api';
    const err = await rejection(credentials.resolve('work'));
    expect(err.code).toBe('credentials_missing');
    expect(err.message).toContain('was checked against https://daytona.work.example/api');
    expect((await credentials.status('work')).problem).toContain('sign in to Daytona again');
    // Unknown profiles are named, with the fix.
    expect((await rejection(credentials.resolve('nope'))).message).toContain('backends.daytona.profiles.nope.api_url');
    expect((await rejection(credentials.signIn({ apiKey: 'dtn_aaaaaaaaaaaaaaaa', profile: 'nope' }))).code).toBe('invalid_request');
    // A sign-in with a URL defines (or moves) the profile, after validation.
    await credentials.signIn({ apiKey: 'dtn_new_profile_key_11112222', profile: 'lab', apiUrl: 'https://lab.example/api/' });
    expect(profiles.table.lab).toBe('https://lab.example/api');
  });

  it('masks keys of any length', () => {
    expect(maskKey('dtn_0123456789abcdef')).toBe('dtn_…cdef');
    expect(maskKey('short123')).toBe('…23');
    expect(maskKey('abc')).toBe('…');
  });
});

describe('validateDaytonaKey (one GET /sandbox?limit=1)', () => {
  let server: Server;
  let base = '';
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      const route = (req.url ?? '').split('/')[1];
      const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(body);
      };
      if (route === 'ok') return reply(200, JSON.stringify({ items: [], nextCursor: null }));
      if (route === 'old') return reply(200, '[]');
      if (route === 'html') return reply(200, '<html>hi</html>');
      if (route === 'busy') return reply(429, '{}', { 'Retry-After': '7' });
      if (route === 'down') return reply(503, '{}');
      if (route === 'moved') return reply(302, '', { Location: 'https://evil.example/api/sandbox' });
      if (route === 'gone') return reply(404, '{}');
      return reply(401, JSON.stringify({ statusCode: 401, message: 'Unauthorized' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts a key the API answers with a sandbox list, sending it as a bearer once', async () => {
    await validateDaytonaKey(`${base}/ok`, 'dtn_good');
    await validateDaytonaKey(`${base}/old`, 'dtn_good');
    expect(seen.slice(0, 2)).toEqual([
      { url: '/ok/sandbox?limit=1', auth: 'Bearer dtn_good' },
      { url: '/old/sandbox?limit=1', auth: 'Bearer dtn_good' },
    ]);
  });

  it('says what is wrong otherwise, never following a redirect with the key', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['auth', 'daytona_auth', /^Daytona refused this API key \(401 Unauthorized from http:\/\/127\.0\.0\.1:\d+\/auth\)/],
      ['busy', 'rate_limited', /try again in 7 s/],
      ['down', 'daytona_unreachable', /answered 503/],
      ['gone', 'daytona_unreachable', /has no Daytona API \(404/],
      ['html', 'daytona_unreachable', /not like the Daytona API/],
      ['moved', 'daytona_unreachable', /redirects elsewhere \(302 to https:\/\/evil\.example/],
    ];
    for (const [route, code, message] of cases) {
      const err = await rejection(validateDaytonaKey(`${base}/${route}`, 'dtn_key'));
      expect(err.code, route).toBe(code);
      expect(err.message, route).toMatch(message);
      expect(err.message).not.toContain('dtn_key');
    }
    expect(seen.some((s) => s.url.includes('evil'))).toBe(false);
  });

  it('names the URL when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await rejection(validateDaytonaKey(`http://127.0.0.1:${port}/api`, 'dtn_key'));
    expect(err.code).toBe('daytona_unreachable');
    expect(err.message).toBe(`Could not reach Daytona at http://127.0.0.1:${port}/api (ECONNREFUSED). Check the API URL and your network connection, then try again.`);
  });
});

// The store file from an older or broken write is treated as empty, never as a crash.
describe('a damaged store', () => {
  it('reads as empty and is replaced by the next save', async () => {
    const home = dir();
    writeFileSync(join(home, 'c.json'), '{not json');
    const store = new CredentialStore(join(home, 'c.json'), new FileCipher(join(home, 'k')));
    expect(await store.load('default')).toEqual({ ok: false, reason: 'none' });
    await store.save('default', 'dtn_after_damage_12345678', 'https://x/api');
    expect((await store.load('default')).ok).toBe(true);
  });
});
