import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Values that must never reach a log line: API keys, SSH tokens. Registered when they are learnt. */
const secrets = new Set<string>();

export function registerSecret(value: string): void {
  if (value.length >= 6) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]');
}

export type Level = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  debug(msg: string, extra?: unknown): void;
  info(msg: string, extra?: unknown): void;
  warn(msg: string, extra?: unknown): void;
  error(msg: string, extra?: unknown): void;
  child(scope: string): Logger;
}

const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function format(extra: unknown): string {
  if (extra === undefined) return '';
  if (extra instanceof Error) return ` ${extra.stack ?? extra.message}`;
  try {
    return ` ${JSON.stringify(extra)}`;
  } catch {
    return ` ${String(extra)}`;
  }
}

export interface LoggerOptions {
  level?: Level;
  /** Also append every line to this file. */
  file?: string;
  /** Where lines go; stderr by default. */
  sink?: (line: string) => void;
}

export function createLogger(scope = 'nexus', options: LoggerOptions = {}): Logger {
  const min = order[options.level ?? ((process.env.NEXUS_LOG_LEVEL as Level | undefined) ?? 'info')] ?? order.info;
  const sink = options.sink ?? ((line: string) => process.stderr.write(line));
  const write = (level: Level, msg: string, extra: unknown) => {
    if (order[level] < min) return;
    const line = redact(`${new Date().toISOString()} ${level.padEnd(5)} [${scope}] ${msg}${format(extra)}`) + '\n';
    sink(line);
    if (options.file) {
      try {
        appendFileSync(options.file, line, { mode: 0o600 });
      } catch {
        // A log file we cannot write must not take the service down.
      }
    }
  };
  return {
    debug: (m, e) => write('debug', m, e),
    info: (m, e) => write('info', m, e),
    warn: (m, e) => write('warn', m, e),
    error: (m, e) => write('error', m, e),
    child: (child) => createLogger(`${scope}:${child}`, options),
  };
}

/** Past this, the log is moved to `<file>.1` at the next start (one old file is kept). */
export const MAX_LOG_BYTES = 5 * 1024 * 1024;

/**
 * Readies the app's log file once at startup: its folder exists, and a log past MAX_LOG_BYTES
 * becomes `<file>.1` (replacing the older one), so a tool used every day never grows it without
 * bound. Returns the path for `createLogger({ file })`.
 */
export function prepareLogFile(file: string, maxBytes = MAX_LOG_BYTES): string {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) renameSync(file, `${file}.1`);
  } catch {
    // Logging to stderr still works; the file is a convenience.
  }
  return file;
}
