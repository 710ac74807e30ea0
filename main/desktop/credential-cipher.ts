import type { CredentialCipher, KeyProtection } from '../credentials/cipher.js';

/**
 * The Electron side of credential encryption. The interface (`CredentialCipher`, with
 * `protection(): 'keychain' | 'basic_text' | 'file'`) and the Node fallback (`FileCipher`, a
 * 0600 key file under NEXUS_HOME) live in main/credentials/, which stores the ciphertext; this
 * file only decides what Electron's `safeStorage` really offers and adapts it to that interface.
 */
export type { CredentialCipher, KeyProtection } from '../credentials/cipher.js';

/** `unavailable`: nothing here can encrypt; the app then uses the key-file cipher instead. */
export type SafeStorageProtection = Exclude<KeyProtection, 'file'> | 'unavailable';

/** The slice of Electron's `safeStorage` used here (a seam, so it is tested under Node). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(cipher: Buffer): string;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
  /** Linux only: use Chromium's built-in password when no keyring is there. */
  setUsePlainTextEncryption?(usePlainText: boolean): void;
}

/**
 * What `safeStorage` really offers. On Linux the `basic_text` backend (no keyring found) still
 * "encrypts", with a key built into Chromium: that is `basic_text`, never keychain. When Linux
 * offers nothing at all it is switched to that same plain-text mode and reported alike, so the
 * sign-in dialog can say the key is not protected by a keyring. `unknown` (asked before the app
 * is ready) is not claimed as keychain either.
 */
export function safeStorageProtection(storage: SafeStorageLike, platform: NodeJS.Platform = process.platform): SafeStorageProtection {
  if (platform === 'linux') {
    if (!storage.isEncryptionAvailable()) {
      storage.setUsePlainTextEncryption?.(true);
      return storage.isEncryptionAvailable() ? 'basic_text' : 'unavailable';
    }
    const backend = storage.getSelectedStorageBackend?.() ?? 'unknown';
    return backend === 'basic_text' || backend === 'unknown' ? 'basic_text' : 'keychain';
  }
  return storage.isEncryptionAvailable() ? 'keychain' : 'unavailable';
}

/** `safeStorage` as a CredentialCipher, with the protection it was found to have. */
export class SafeStorageCipher implements CredentialCipher {
  constructor(
    private readonly storage: SafeStorageLike,
    private readonly level: Exclude<SafeStorageProtection, 'unavailable'>,
  ) {}

  protection(): KeyProtection {
    return this.level;
  }

  encrypt(plain: string): Buffer {
    return this.storage.encryptString(plain);
  }

  decrypt(cipher: Buffer): string {
    return this.storage.decryptString(cipher);
  }
}

/**
 * The cipher to hand to `createApp({ credentialCipher })` (call after `app` is ready): the
 * safeStorage one when it can encrypt, otherwise null, and the app falls back to its key-file
 * cipher, which reports `file` — honest about where the key is, never claiming a keychain.
 */
export function safeStorageCipher(storage: SafeStorageLike, platform: NodeJS.Platform = process.platform): SafeStorageCipher | null {
  const level = safeStorageProtection(storage, platform);
  return level === 'unavailable' ? null : new SafeStorageCipher(storage, level);
}
