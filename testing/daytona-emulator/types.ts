/** The sandbox states of the Daytona API (`SandboxState` in @daytona/api-client 0.218). */
export type SandboxState =
  | 'creating'
  | 'restoring'
  | 'destroyed'
  | 'destroying'
  | 'started'
  | 'stopped'
  | 'starting'
  | 'stopping'
  | 'error'
  | 'build_failed'
  | 'pending_build'
  | 'building_snapshot'
  | 'unknown'
  | 'pulling_snapshot'
  | 'archived'
  | 'archiving'
  | 'resizing'
  | 'snapshotting'
  | 'forking'
  | 'pausing'
  | 'paused'
  | 'resuming';

/** The states the emulator actually uses. */
export type EmulatedState = Extract<SandboxState, 'creating' | 'starting' | 'started' | 'stopping' | 'stopped' | 'destroying' | 'error'>;

export type DesiredState = 'started' | 'stopped' | 'destroyed';

export interface SshAccessRecord {
  id: string;
  token: string;
  /** Emulated epoch milliseconds. */
  expiresAt: number;
  createdAt: number;
  updatedAt: number;
}

/** What the emulator keeps per sandbox (persisted as JSON in `<dataDir>/sandboxes/<id>.json`). */
export interface SandboxRecord {
  id: string;
  name: string;
  /** The snapshot name the caller asked for (or the default). */
  snapshot: string;
  /** The local Docker image the snapshot maps to. */
  image: string;
  user: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  public: boolean;
  target: string;
  cpu: number;
  gpu: number;
  memory: number;
  disk: number;
  state: EmulatedState;
  desiredState: DesiredState;
  errorReason?: string;
  /** Minutes; 0 = never. */
  autoStopInterval: number;
  autoArchiveInterval: number;
  /** Minutes; -1 = never, 0 = delete right after stopping. */
  autoDeleteInterval: number;
  /** Emulated epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
  containerId?: string;
  containerName: string;
  /** The container's sshd, published on 127.0.0.1 at this port (40000–44999). */
  sshPort: number;
  /** The container's own sshd host key (OpenSSH format), pinned by the gateway. */
  hostKey: { private: string; public: string };
  sshAccess: SshAccessRecord[];
}

/** A fault rule: the next `times` API requests that match answer as configured. */
export interface FaultSpec {
  /**
   * Path prefix, relative to the API base (e.g. `/sandbox` or `/sandbox/<id>/start`). A leading
   * `/api` is accepted and ignored. Omit both `path` and `pathRegex` to match every API request.
   */
  path?: string;
  /** Regular expression (source text) tested against the path relative to the API base. */
  pathRegex?: string;
  /** HTTP method (any when omitted). */
  method?: string;
  /** How many requests it applies to; default 1; -1 = until cleared. */
  times?: number;
  /** Answer with this status (and the server's error body) instead of handling the request. */
  status?: number;
  /** Seconds, sent as `Retry-After`. Default 1 for a 429 without one; none otherwise. */
  retryAfter?: number;
  /** Error message in the body. */
  message?: string;
  /** Delay (real milliseconds) before answering, with or without a `status`. */
  delayMs?: number;
  /** Destroy the TCP connection without any response (the SDK sees a connection error). */
  reset?: boolean;
}

export interface FaultStatus extends FaultSpec {
  id: string;
  /** Requests it has answered so far. */
  hits: number;
  /** How many more it will answer; -1 = unlimited. */
  remaining: number;
}

export interface AdminSandboxView {
  id: string;
  name: string;
  state: EmulatedState;
  containerId?: string;
  containerName: string;
  sshPort: number;
  autoStopInterval: number;
  lastActivityAt: string;
  gatewayConnections: number;
  openChannels: number;
  tokens: { token: string; expiresAt: string; expired: boolean }[];
}

export interface AdminState {
  now: string;
  timeScale: number;
  gateway: { host: string; port: number };
  sandboxes: AdminSandboxView[];
  faults: FaultStatus[];
}

/** The JSON body every API error has (the server's AllExceptionsFilter shape). */
export interface ApiErrorBody {
  statusCode: number;
  timestamp: string;
  path: string;
  error: string;
  message: string;
}
