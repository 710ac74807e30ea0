import type { NexusApi } from '../../shared/contract/client.js';
import { methods } from '../../shared/contract/methods.js';
import type { MethodName, Params, Result } from '../../shared/contract/methods.js';

/**
 * Methods other engineers are adding to the contract right now. The UI for each is built
 * against the planned shape below and rendered only when the method is in the contract's
 * table (checked against the bundled table, i.e. at build time). Once a method lands, the
 * conditional types switch to the contract's own types, so any drift from the plan becomes a
 * compile error here instead of a silent mismatch.
 */
interface DaytonaStatusPlan {
  source: 'environment' | 'keychain' | 'none';
  maskedKey: string | null;
  apiUrl: string;
  protection: 'keychain' | 'basic_text' | 'file';
  /** Why a saved key cannot be used; null when fine. */
  problem: string | null;
}

interface Planned {
  'daytona.status': { params: Record<string, never>; result: DaytonaStatusPlan };
  'daytona.signIn': { params: { apiKey: string; apiUrl?: string }; result: DaytonaStatusPlan };
  'daytona.signOut': { params: Record<string, never>; result: unknown };
  'daytona.keepAwake': { params: { id: string }; result: unknown };
  'terminals.open': { params: { id: string }; result: unknown };
  'sync.flush': { params: { id: string }; result: unknown };
  'workspaces.syncNow': { params: { id: string }; result: unknown };
  /** Asks the backend for the status now (the service has `WorkspaceService.refresh`). */
  'workspaces.refresh': { params: { id: string }; result: unknown };
  /** Electron's OS folder picker; null when the user cancels. */
  'app.pickFolder': { params: Record<string, never>; result: { path: string | null } };
}

export type PlannedMethod = keyof Planned;
export type PlannedParams<N extends PlannedMethod> = N extends MethodName ? Params<N> : Planned[N]['params'];
export type PlannedResult<N extends PlannedMethod> = N extends MethodName ? Result<N> : Planned[N]['result'];

export function hasMethod(name: PlannedMethod): boolean {
  return Object.hasOwn(methods, name);
}

/** Calls a planned method. Only reachable from UI rendered behind `hasMethod(name)`. */
export function invokePlanned<N extends PlannedMethod>(api: NexusApi, name: N, params: PlannedParams<N>): Promise<PlannedResult<N>> {
  const untyped = api.invoke as unknown as (method: string, params: unknown) => Promise<PlannedResult<N>>;
  return untyped(name, params);
}

/** What lights up, decided once from the bundled contract table. */
export const features = {
  daytonaSignIn: hasMethod('daytona.status') && hasMethod('daytona.signIn') && hasMethod('daytona.signOut'),
  daytonaStatus: hasMethod('daytona.status'),
  keepAwake: hasMethod('daytona.keepAwake'),
  terminals: hasMethod('terminals.open'),
  refresh: hasMethod('workspaces.refresh'),
  pickFolder: hasMethod('app.pickFolder'),
  /** The first "flush the sync now" method the contract has, if any. */
  syncNow: (['sync.flush', 'workspaces.syncNow'] as const).find((m) => hasMethod(m)) ?? null,
} as const;

export type DaytonaStatus = PlannedResult<'daytona.status'>;
