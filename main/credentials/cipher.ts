import type { KeyProtection } from '../../shared/contract/methods/daytona.js';

/**
 * How a stored secret is protected at rest. `keychain`: the OS keychain (Electron `safeStorage`
 * on macOS / Windows, or Linux with a secret service). `basic_text`: Electron's fallback on Linux
 * without a secret service (obfuscated, not protected). `file`: AES-256-GCM with a random key in
 * a 0600 file under NEXUS_HOME (browser mode / `npm run serve`).
 */
export type { KeyProtection };

/**
 * Encrypts secrets for the credential store. The Electron shell passes one backed by
 * `safeStorage`; without it Nexus uses `FileCipher`. Implementations never log their input.
 */
export interface CredentialCipher {
  encrypt(plain: string): Buffer;
  decrypt(b: Buffer): string;
  protection(): KeyProtection;
}
