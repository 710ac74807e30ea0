import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileCipher } from '../credentials/file-cipher.js';
import type { CredentialCipher } from './credential-cipher.js';
import { safeStorageCipher, safeStorageProtection } from './credential-cipher.js';
import type { SafeStorageLike, SafeStorageProtection } from './credential-cipher.js';

/**
 * Shaped like Electron's safeStorage, with real encryption (AES-CTR under a per-instance key) so
 * a round trip proves the adapter passes bytes through untouched.
 */
function fakeSafeStorage(state: { available: boolean; backend?: string; plainTextSwitch?: boolean }) {
  const key = randomBytes(32);
  const calls: string[] = [];
  const storage: SafeStorageLike = {
    isEncryptionAvailable: () => state.available,
    encryptString(plain) {
      if (!state.available) throw new Error('Encryption is not available.');
      const iv = randomBytes(16);
      const c = createCipheriv('aes-256-ctr', key, iv);
      return Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]);
    },
    decryptString(blob) {
      if (blob.length < 16) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      const d = createDecipheriv('aes-256-ctr', key, blob.subarray(0, 16));
      return Buffer.concat([d.update(blob.subarray(16)), d.final()]).toString('utf8');
    },
  };
  if (state.backend !== undefined) storage.getSelectedStorageBackend = () => state.backend ?? 'unknown';
  if (state.plainTextSwitch) {
    storage.setUsePlainTextEncryption = (on) => {
      calls.push(`plainText:${on}`);
      state.available = on;
      state.backend = 'basic_text';
    };
  }
  return { storage, calls };
}

/** What main/electron does: safeStorage when it can, else the app's own key-file fallback. */
function chosen(storage: SafeStorageLike, platform: NodeJS.Platform, home: string): CredentialCipher {
  return safeStorageCipher(storage, platform) ?? new FileCipher(join(home, 'credentials.key'));
}

describe('what safeStorage protection is reported', () => {
  const cases: [string, NodeJS.Platform, Parameters<typeof fakeSafeStorage>[0], SafeStorageProtection][] = [
    ['Linux with libsecret', 'linux', { available: true, backend: 'gnome_libsecret' }, 'keychain'],
    ['Linux with KWallet 6', 'linux', { available: true, backend: 'kwallet6' }, 'keychain'],
    ['Linux without a keyring (basic_text)', 'linux', { available: true, backend: 'basic_text' }, 'basic_text'],
    ['Linux asked before ready (unknown)', 'linux', { available: true, backend: 'unknown' }, 'basic_text'],
    ['Linux with nothing, switched to plain text', 'linux', { available: false, backend: 'unknown', plainTextSwitch: true }, 'basic_text'],
    ['Linux with nothing at all', 'linux', { available: false, backend: 'unknown' }, 'unavailable'],
    ['macOS Keychain', 'darwin', { available: true }, 'keychain'],
    ['Windows DPAPI', 'win32', { available: true }, 'keychain'],
    ['macOS with the keychain refused', 'darwin', { available: false }, 'unavailable'],
  ];
  for (const [name, platform, state, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      expect(safeStorageProtection(fakeSafeStorage({ ...state }).storage, platform)).toBe(expected);
    });
  }

  it('switches Linux to plain-text mode only when nothing else works', () => {
    const bare = fakeSafeStorage({ available: false, backend: 'unknown', plainTextSwitch: true });
    expect(safeStorageCipher(bare.storage, 'linux')?.protection()).toBe('basic_text');
    expect(bare.calls).toEqual(['plainText:true']);
    const keyring = fakeSafeStorage({ available: true, backend: 'gnome_libsecret', plainTextSwitch: true });
    expect(safeStorageCipher(keyring.storage, 'linux')?.protection()).toBe('keychain');
    expect(keyring.calls).toEqual([]);
  });
});

describe('the cipher the app is given', () => {
  const home = () => mkdtempSync(join(tmpdir(), 'nx-cred-'));

  it('is safeStorage when it can encrypt, passing bytes through both ways', () => {
    const cipher = chosen(fakeSafeStorage({ available: true, backend: 'gnome_libsecret' }).storage, 'linux', home());
    const blob = cipher.encrypt('dtn_0123456789 ünïcode');
    expect(blob.toString('latin1')).not.toContain('dtn_0123456789');
    expect(cipher.decrypt(blob)).toBe('dtn_0123456789 ünïcode');
    expect(cipher.protection()).toBe('keychain');
  });

  it('reports basic_text on a Linux desktop without a keyring, and still round-trips', () => {
    const cipher = chosen(fakeSafeStorage({ available: true, backend: 'basic_text' }).storage, 'linux', home());
    expect(cipher.protection()).toBe('basic_text');
    expect(cipher.decrypt(cipher.encrypt('dtn_weak'))).toBe('dtn_weak');
  });

  it('falls back to the key-file cipher when safeStorage cannot encrypt, and says "file"', () => {
    const dir = home();
    const cipher = chosen(fakeSafeStorage({ available: false }).storage, 'darwin', dir);
    expect(cipher.protection()).toBe('file');
    const blob = cipher.encrypt('dtn_fallback');
    expect(blob.toString('latin1')).not.toContain('dtn_fallback');
    expect(cipher.decrypt(blob)).toBe('dtn_fallback');
    expect(readFileSync(join(dir, 'credentials.key'))).toHaveLength(32);
  });

  it('lets a decryption failure surface to the credential store (which says "sign in again")', () => {
    const cipher = chosen(fakeSafeStorage({ available: true }).storage, 'win32', home());
    expect(() => cipher.decrypt(Buffer.from('short'))).toThrow(/decrypting/);
  });
});
