import type { SshEndpoint } from '../backends/backend.js';
import type { WorkspaceRecord } from './state-store.js';

export interface ExecOptions {
  cwd?: string;
  stdin?: string | Buffer;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** What the workspace service needs from the SSH layer (identity, host keys, config, pool). */
export interface WorkspaceSsh {
  /** The Nexus public key to authorize in new workspaces. */
  publicKey(): Promise<string>;
  /** Pins the host key and writes the `Host nexus-<name>` entry. */
  register(record: WorkspaceRecord, endpoint: SshEndpoint): Promise<void>;
  unregister(record: WorkspaceRecord): Promise<void>;
  exec(record: WorkspaceRecord, endpoint: SshEndpoint, argv: string[], options?: ExecOptions): Promise<{ exitCode: number | null; signal: string | null }>;
  /** Waits (bounded, with backoff) until the workspace's sshd accepts Nexus; a wrong key fails at once. */
  waitReady(record: WorkspaceRecord, endpoint: SshEndpoint, signal: AbortSignal, onRetry?: (attempt: number) => void): Promise<void>;
  /** Closes the pooled connection (stop, delete, laptop wake). */
  drop(id: string): void;
  closeAll(): Promise<void>;
}
