import type { Handlers } from '../../rpc/router.js';
import type { RepoService } from '../../repos/repo-service.js';

export function repoHandlers(repos: RepoService): Pick<Handlers, 'repos.list' | 'repos.add' | 'repos.remove' | 'repos.branches'> {
  return {
    'repos.list': () => repos.list(),
    'repos.add': ({ path }) => repos.add(path),
    'repos.remove': async ({ path }) => ({ removed: await repos.remove(path) }),
    'repos.branches': ({ path }) => repos.branches(path),
  };
}
