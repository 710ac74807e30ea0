import { z } from 'zod';
import { BackendKind, DeleteRisk, Workspace, WorkspaceId, WorkspaceName } from '../../domain/workspace.js';
import { noParams, pathText, text } from '../fields.js';

const byId = z.strictObject({ id: WorkspaceId });

export const workspaceMethods = {
  'workspaces.list': { params: noParams, result: z.array(Workspace) },
  'workspaces.get': { params: byId, result: Workspace },
  /** Asks the backend for the status now (the "check again" on a missing or unknown card). */
  'workspaces.refresh': { params: byId, result: Workspace },
  /** Resolves when the workspace is ready; progress arrives as `workspace.progress` events. */
  'workspaces.create': {
    params: z.strictObject({
      repo: pathText(),
      name: WorkspaceName,
      base: text(250).optional(),
      backend: BackendKind.optional(),
    }),
    result: Workspace,
  },
  'workspaces.cancelCreate': { params: byId, result: z.strictObject({ cancelled: z.boolean() }) },
  'workspaces.start': { params: byId, result: Workspace },
  'workspaces.stop': { params: byId, result: Workspace },
  /** What a delete would lose: shown in the confirmation. */
  'workspaces.deleteRisk': { params: byId, result: DeleteRisk },
  'workspaces.delete': {
    params: z.strictObject({ id: WorkspaceId, force: z.boolean().optional() }),
    result: z.strictObject({ deleted: z.literal(true) }),
  },
  'workspaces.exec': {
    params: z.strictObject({
      id: WorkspaceId,
      command: z.array(text(8192)).min(1, { message: 'A command is required.' }).max(256),
      cwd: text(4096).optional(),
    }),
    result: z.strictObject({
      exitCode: z.number().nullable(),
      stdout: z.string(),
      stderr: z.string(),
      truncated: z.boolean(),
    }),
  },
} as const;
