import type { DaytonaStatus } from '../../hooks/useAppData.js';

export const sourceWords: Record<DaytonaStatus['source'], string> = {
  environment: 'the DAYTONA_API_KEY environment variable',
  keychain: 'the key you signed in with',
  none: 'no key — not signed in',
};

/** Says plainly when the stored key is not protected by the OS keychain. */
export function ProtectionNote({ status }: { status: DaytonaStatus }) {
  if (status.source !== 'keychain' || status.protection === 'keychain') return null;
  return (
    <p className="warn-note" role="note">
      {status.protection === 'basic_text'
        ? 'Your key is NOT protected by a keychain: this system has no keyring, so it is stored with basic text obfuscation that anyone with access to your files can undo. Prefer setting DAYTONA_API_KEY, or install a keyring (e.g. gnome-keyring) and sign in again.'
        : 'Your key is NOT protected by a keychain: it is stored in a file in the Nexus folder. Prefer setting DAYTONA_API_KEY.'}
    </p>
  );
}
