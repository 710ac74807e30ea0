import { z } from 'zod';
import { WorkspaceId } from '../../domain/workspace.js';
import { TERMINAL_MAX_ID } from '../wire.js';

/** A terminal's number; also the id in its binary data frames (see `wire.ts`). */
export const TerminalId = z.number().int().min(1).max(TERMINAL_MAX_ID);
export const TerminalCols = z.number().int().min(2, { message: 'At least 2 columns.' }).max(1000, { message: 'At most 1000 columns.' });
export const TerminalRows = z.number().int().min(1, { message: 'At least 1 row.' }).max(500, { message: 'At most 500 rows.' });

/**
 * `connecting`: waking the workspace / opening the shell; `connected`: a live shell;
 * `disconnected`: the connection is gone (stop, network, laptop wake) — Enter reconnects;
 * `exited`: the shell ended with a status — Enter starts a new one.
 */
export const TerminalState = z.enum(['connecting', 'connected', 'disconnected', 'exited']);
export type TerminalState = z.infer<typeof TerminalState>;

export const TerminalInfo = z.strictObject({
  terminalId: TerminalId,
  workspaceId: WorkspaceId,
  cols: TerminalCols,
  rows: TerminalRows,
  state: TerminalState,
  /** The last shell's exit status, when it exited with one. */
  exitCode: z.number().int().nullable(),
});
export type TerminalInfo = z.infer<typeof TerminalInfo>;

const byTerminal = z.strictObject({ terminalId: TerminalId });

/**
 * Terminals: a shell with a PTY in a workspace. These calls open, size and close them; the bytes
 * travel as binary frames (`encodeTerminalFrame`), attached by id.
 */
export const terminalMethods = {
  /** Returns at once; a sleeping workspace is woken and the shell started while the terminal shows it. */
  'terminals.open': {
    params: z.strictObject({ workspaceId: WorkspaceId, cols: TerminalCols, rows: TerminalRows }),
    result: z.strictObject({ terminalId: TerminalId }),
  },
  'terminals.resize': {
    params: z.strictObject({ terminalId: TerminalId, cols: TerminalCols, rows: TerminalRows }),
    result: z.strictObject({ resized: z.boolean() }),
  },
  'terminals.close': { params: byTerminal, result: z.strictObject({ closed: z.boolean() }) },
  'terminals.list': { params: z.strictObject({ workspaceId: WorkspaceId }), result: z.array(TerminalInfo) },
} as const;
