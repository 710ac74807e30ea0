import type { BackendKind } from '../../../../shared/domain/workspace.js';
import type { AboutView, ConfigView, DaytonaStatus } from '../../hooks/useAppData.js';

export interface Availability {
  ok: boolean;
  /** Why not, in words the user can act on. */
  reason: string | null;
  /** The Daytona sign-in can fix it. */
  needsSignIn: boolean;
}

/** Whether each backend can take a new workspace now, and if not, why. */
export function backendAvailability(config: ConfigView | null, about: AboutView | null, daytona: DaytonaStatus | null): Record<BackendKind, Availability> {
  const docker = about?.parts.find((p) => p.name === 'docker');
  const dockerDisabled = config?.config.backends.docker.enabled === false;
  const daytonaDisabled = config?.config.backends.daytona.enabled === false;
  const signedIn = daytona !== null && daytona.source !== 'none' && !daytona.problem;
  return {
    docker: dockerDisabled
      ? { ok: false, reason: 'Turned off in config.yaml (backends.docker.enabled).', needsSignIn: false }
      : docker && !docker.found
        ? { ok: false, reason: `Docker is not running. ${docker.detail}`.trim(), needsSignIn: false }
        : { ok: true, reason: null, needsSignIn: false },
    daytona: daytonaDisabled
      ? { ok: false, reason: 'Turned off in config.yaml (backends.daytona.enabled).', needsSignIn: false }
      : signedIn
        ? { ok: true, reason: null, needsSignIn: false }
        : { ok: false, reason: daytona?.problem ? `Sign in to Daytona again: ${daytona.problem}` : 'Sign in to Daytona', needsSignIn: true },
  };
}
