import type { BackendKind, WorkspaceStatus } from '../../shared/domain/workspace.js';

/** How to reach a workspace's sshd. SSH is the one interface every backend offers. */
export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /**
   * `pinned`: the exact host public key (OpenSSH one-line form "ssh-ed25519 AAAA…"), checked
   * strictly. `tofu`: trusted on first use into Nexus's own known_hosts (Daytona's gateway).
   */
  hostKey: { kind: 'pinned'; publicKey: string } | { kind: 'tofu' };
}

/** A backend's view of one of its instances (container, sandbox). */
export interface BackendInstance {
  instanceId: string;
  status: WorkspaceStatus;
  /** Why, in words, when the status alone does not say it (an error, a missing part). */
  detail: string | null;
  labels: Record<string, string>;
}

export interface CreateSpec {
  workspaceId: string;
  name: string;
  repo: string;
  /** The Nexus user's public key (OpenSSH one-line form), to authorize in the workspace. */
  authorizedKey: string;
}

/** Reports progress inside one create step: a line of detail and, when measurable, 0..1. */
export type StepReporter = (detail: string, fraction?: number | null) => void;

export type Availability = { ok: true } | { ok: false; reason: string };

/**
 * What a backend must do. Lifecycle only: exec, terminals and sync all go over SSH.
 * Every method that fails for a reason the user can act on throws a NexusError saying what to do.
 */
export interface Backend {
  readonly kind: BackendKind;
  available(): Promise<Availability>;
  /** Get ready to create (Docker: make sure the workspace image exists, building it if needed). */
  prepare(report: StepReporter, signal: AbortSignal): Promise<void>;
  /** Create and start an instance labelled with the workspace's id, name and repo. */
  create(spec: CreateSpec, report: StepReporter, signal: AbortSignal): Promise<{ instanceId: string; endpoint: SshEndpoint }>;
  start(instanceId: string): Promise<SshEndpoint>;
  stop(instanceId: string): Promise<void>;
  /** Remove the instance and everything it holds. Removing one that is already gone succeeds. */
  remove(instanceId: string): Promise<void>;
  /** Null when the instance no longer exists. */
  inspect(instanceId: string): Promise<BackendInstance | null>;
  /** Every instance carrying Nexus labels, for reconciling state at startup. */
  list(): Promise<BackendInstance[]>;
  /** The SSH endpoint of a running instance. */
  endpoint(instanceId: string): Promise<SshEndpoint>;
  /**
   * Pushes changes the backend itself reports (Docker's event stream), as the workspace id whose
   * instance changed. Backends without events leave this out and are polled instead.
   */
  watch?(onChange: (workspaceId: string) => void): () => void;
}

/** Labels every backend puts on its instances (the backends are the source of truth). */
export const LABELS = {
  id: 'nexus.workspace.id',
  name: 'nexus.workspace.name',
  repo: 'nexus.repo',
  /** The NEXUS_HOME that owns the instance: two homes (or test runs) never adopt each other's. */
  home: 'nexus.home',
} as const;
