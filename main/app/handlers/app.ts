import { arch, platform } from 'node:os';
import type { Handlers } from '../../rpc/router.js';
import { probeParts } from '../../system/parts.js';
import { APP_NAME, APP_VERSION } from '../version.js';
import type { AppContext } from '../context.js';

export function appHandlers(ctx: AppContext): Pick<Handlers, 'app.about'> {
  return {
    'app.about': async () => ({
      name: APP_NAME,
      version: APP_VERSION,
      platform: platform(),
      arch: arch(),
      runtime: ctx.runtime,
      parts: await probeParts(),
    }),
  };
}
