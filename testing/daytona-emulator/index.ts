export { startEmulator, DEFAULT_IMAGE } from './emulator.js';
export type { EmulatorOptions, RunningEmulator } from './emulator.js';
export { createAdminClient } from './admin-client.js';
export type { AdminClient, ClockView } from './admin-client.js';
export type { AdminSandboxView, AdminState, ApiErrorBody, FaultSpec, FaultStatus, SandboxState } from './types.js';
