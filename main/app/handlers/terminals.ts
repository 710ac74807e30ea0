import type { Handlers } from '../../rpc/router.js';
import type { TerminalService } from '../../terminals/terminal-service.js';

type TerminalMethod = Extract<keyof Handlers, `terminals.${string}`>;

export function terminalHandlers(terminals: TerminalService): Pick<Handlers, TerminalMethod> {
  return {
    'terminals.open': ({ workspaceId, cols, rows }) => terminals.open(workspaceId, cols, rows),
    'terminals.resize': ({ terminalId, cols, rows }) => ({ resized: terminals.resize(terminalId, cols, rows) }),
    'terminals.close': ({ terminalId }) => ({ closed: terminals.close(terminalId) }),
    'terminals.list': ({ workspaceId }) => terminals.list(workspaceId),
  };
}
