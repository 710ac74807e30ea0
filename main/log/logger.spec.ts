import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, prepareLogFile, registerSecret } from './logger.js';

describe('the log file', () => {
  it('gets every line, with secrets redacted, in a folder made for it', () => {
    const file = prepareLogFile(join(mkdtempSync(join(tmpdir(), 'nexus-log-')), 'home', 'nexus.log'));
    registerSecret('abcdefghijklmnopqrstuvwxyz012345');
    const log = createLogger('spec', { file, sink: () => undefined });
    log.info('started');
    log.child('sync').warn('token abcdefghijklmnopqrstuvwxyz012345 refused');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/info {2}\[spec\] started\n/);
    expect(text).toMatch(/warn {2}\[spec:sync\] /);
    expect(text).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('moves a log past the limit aside at startup, keeping one older file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nexus-log-'));
    const file = join(dir, 'nexus.log');
    writeFileSync(file, 'x'.repeat(2000));
    prepareLogFile(file, 1000);
    expect(readFileSync(`${file}.1`, 'utf8')).toHaveLength(2000);
    createLogger('spec', { file, sink: () => undefined }).info('fresh');
    expect(readFileSync(file, 'utf8')).toMatch(/fresh\n$/);
    prepareLogFile(file, 1000); // small: stays
    expect(readFileSync(file, 'utf8')).toMatch(/fresh\n$/);
  });
});
