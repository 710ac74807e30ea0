import type { z } from 'zod';
import { appMethods } from './methods/app.js';
import { configMethods } from './methods/config.js';
import { daytonaMethods } from './methods/daytona.js';
import { repoMethods } from './methods/repos.js';
import { syncMethods } from './methods/sync.js';
import { terminalMethods } from './methods/terminals.js';
import { workspaceMethods } from './methods/workspaces.js';

/**
 * Every request the renderer can make: name → params schema and result schema.
 * The router, the preload bridge and the renderer client are all typed from this table.
 */
export const methods = {
  ...appMethods,
  ...configMethods,
  ...daytonaMethods,
  ...repoMethods,
  ...syncMethods,
  ...terminalMethods,
  ...workspaceMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller passes (before defaults). */
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
/** What a handler receives, after validation. */
export type ParsedParams<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}
