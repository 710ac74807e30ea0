import type { AdminState, FaultSpec, FaultStatus } from './types.js';

export interface ClockView {
  /** Emulated now (ISO). */
  now: string;
  timeScale: number;
}

/** Typed helpers over the emulator's admin endpoint (`<origin>/_admin/...`). */
export interface AdminClient {
  /** Sandboxes (with gateway connection/channel counts and tokens), clock and fault table. */
  state(): Promise<AdminState>;
  /** The next `times` (default 1) matching API requests answer as configured. */
  injectFault(spec: FaultSpec): Promise<FaultStatus>;
  faults(): Promise<FaultStatus[]>;
  removeFault(id: string): Promise<void>;
  clearFaults(): Promise<number>;
  /** Drops gateway connections (of one sandbox, or all). Returns how many. */
  dropGatewayConnections(sandboxIdOrName?: string): Promise<number>;
  /** Makes an SSH access token expire now. */
  expireToken(token: string): Promise<void>;
  /** Stops a sandbox now exactly as auto-stop would; waits for `stopped` unless `wait: false`. */
  autoStopNow(sandboxIdOrName: string, options?: { wait?: boolean }): Promise<void>;
  /** Runs one pass of the auto-stop job now; returns the sandbox ids it began stopping. */
  runAutoStop(): Promise<string[]>;
  clock(): Promise<ClockView>;
  setTimeScale(timeScale: number): Promise<ClockView>;
  /** Jumps the emulated clock forward (token expiry and auto-stop deadlines come closer). */
  advanceTime(seconds: number): Promise<ClockView>;
}

export function createAdminClient(options: { apiUrl: string; adminToken: string }): AdminClient {
  const base = `${new URL(options.apiUrl).origin}/_admin`;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${options.adminToken}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const message = (data as { message?: string } | undefined)?.message ?? text;
      throw new Error(`emulator admin ${method} ${path}: ${res.status} ${message}`);
    }
    return data as T;
  };
  return {
    state: () => call<AdminState>('GET', '/state'),
    injectFault: (spec) => call<FaultStatus>('POST', '/faults', spec),
    faults: () => call<FaultStatus[]>('GET', '/faults'),
    removeFault: async (id) => {
      await call('DELETE', `/faults/${encodeURIComponent(id)}`);
    },
    clearFaults: async () => (await call<{ cleared: number }>('DELETE', '/faults')).cleared,
    dropGatewayConnections: async (sandboxId) => (await call<{ dropped: number }>('POST', '/gateway/drop', { sandboxId })).dropped,
    expireToken: async (token) => {
      await call('POST', '/ssh-access/expire', { token });
    },
    autoStopNow: async (id, opts) => {
      await call('POST', `/sandbox/${encodeURIComponent(id)}/auto-stop?wait=${opts?.wait === false ? 'false' : 'true'}`);
    },
    runAutoStop: async () => (await call<{ stopped: string[] }>('POST', '/auto-stop/run')).stopped,
    clock: () => call<ClockView>('GET', '/clock'),
    setTimeScale: (timeScale) => call<ClockView>('POST', '/clock', { timeScale }),
    advanceTime: (seconds) => call<ClockView>('POST', '/clock', { advanceSeconds: seconds }),
  };
}
