import type { DaytonaParts } from '../../daytona/index.js';
import type { Handlers } from '../../rpc/router.js';

type DaytonaMethod = Extract<keyof Handlers, `daytona.${string}`>;

/** Sign-in, sign-out and status of the Daytona key (which never comes back out), and keep-awake. */
export function daytonaHandlers(daytona: Pick<DaytonaParts, 'credentials' | 'keepAwake'>): Pick<Handlers, DaytonaMethod> {
  return {
    'daytona.status': ({ profile }) => daytona.credentials.status(profile),
    'daytona.signIn': (params) => daytona.credentials.signIn(params),
    'daytona.signOut': ({ profile }) => daytona.credentials.signOut(profile),
    'daytona.keepAwake': ({ id }) => daytona.keepAwake(id),
  };
}
