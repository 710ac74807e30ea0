export { SyncService, createArgs, DEFAULT_IGNORES, IGNORES_LABEL, ignoresDigest, REMOTE_ROOT } from './sync-service.js';
export type { EnsureRecord, EnsureResult, SyncServiceOptions, SyncWorkspace } from './sync-service.js';
export type { DaemonState, DaemonStatus } from './daemon.js';
export { resolveMutagen, INSTALL_HINT } from './mutagen-binary.js';
export type { MutagenBinary } from './mutagen-binary.js';
