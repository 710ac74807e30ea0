import type { Handlers } from '../../rpc/router.js';
import type { WorkspaceService } from '../../workspaces/workspace-service.js';

type WorkspaceMethod = Extract<keyof Handlers, `workspaces.${string}`>;

export function workspaceHandlers(workspaces: WorkspaceService): Pick<Handlers, WorkspaceMethod> {
  return {
    'workspaces.list': () => workspaces.list(),
    'workspaces.get': ({ id }) => workspaces.view(id),
    'workspaces.refresh': ({ id }) => workspaces.refresh(id),
    'workspaces.create': (params) => workspaces.create(params),
    'workspaces.cancelCreate': ({ id }) => ({ cancelled: workspaces.cancelCreate(id) }),
    'workspaces.start': ({ id }) => workspaces.start(id),
    'workspaces.stop': ({ id }) => workspaces.stop(id),
    'workspaces.deleteRisk': ({ id }) => workspaces.deleteRisk(id),
    'workspaces.delete': async ({ id, force }) => {
      await workspaces.delete(id, force ?? false);
      return { deleted: true as const };
    },
    'workspaces.exec': ({ id, command, cwd }) => workspaces.exec(id, command, cwd),
  };
}
