import type { FocusRequest } from '../../shared/contract/events.js';
import type { KeyProtection } from '../desktop/credential-cipher.js';
import type { ShownNotification } from '../desktop/desktop-controller.js';
import type { TrayAction, TrayModel } from '../desktop/tray-menu.js';

/**
 * What the Electron e2e spec reads from the main process (Playwright `app.evaluate`), only when
 * started with NEXUS_TEST_HOOKS=1. OS notifications, tray menus and the OS browser cannot be
 * observed from outside; this records them. `openExternal` is recorded instead of opening a
 * browser on the test machine.
 */
export interface TestHooks {
  notifications: ShownNotification[];
  focus: FocusRequest[];
  external: string[];
  tray: TrayModel | null;
  /** How a saved Daytona key is protected here (what the sign-in dialog reports). */
  protection: KeyProtection | null;
  /** Power events seen, and reconnects they caused (one per burst). */
  resumes: number;
  reconnects: number;
  /** Whether the app has the reconnect hook (`NexusApp.onResume`) a wake-up calls. */
  resumeHook: boolean;
  trayAction?: (action: TrayAction) => Promise<void>;
  clickNotification?: (index: number) => void;
}

export function installTestHooks(env: NodeJS.ProcessEnv = process.env): TestHooks | null {
  if (env.NEXUS_TEST_HOOKS !== '1') return null;
  const hooks: TestHooks = { notifications: [], focus: [], external: [], tray: null, protection: null, resumes: 0, reconnects: 0, resumeHook: false };
  (globalThis as { __nexusTest?: TestHooks }).__nexusTest = hooks;
  return hooks;
}
