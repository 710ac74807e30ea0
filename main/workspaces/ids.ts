import { randomBytes } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A workspace id: 12 lowercase letters and digits (fits labels, file names and URLs as-is). */
export function newWorkspaceId(): string {
  const bytes = randomBytes(12);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export const sshAliasFor = (name: string) => `nexus-${name}`;
export const branchFor = (name: string) => `nexus/${name}`;
