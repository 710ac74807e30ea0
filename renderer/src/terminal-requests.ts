/**
 * "Open terminal" is raised here and handled by the terminal feature (built separately), so
 * the workspace cards do not depend on it. The card renders the action only when the contract
 * has `terminals.open`.
 */
export interface TerminalRequest {
  workspaceId: string;
  name: string;
}

const listeners = new Set<(request: TerminalRequest) => void>();

export function requestTerminal(request: TerminalRequest): void {
  for (const listener of listeners) listener(request);
}

export function onTerminalRequest(listener: (request: TerminalRequest) => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
