import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { canBind, reserveSshPort, type PortReservation } from './ports.js';

const servers: Server[] = [];
const held: PortReservation[] = [];
afterEach(async () => {
  held.splice(0).forEach((r) => r.release());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(port: number): Promise<void> {
  const server = createServer();
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/** A free window of ports for this test (other specs may be using ports too). */
async function freeRange(size: number): Promise<{ min: number; max: number }> {
  for (let min = 41000 + Math.floor(Math.random() * 8000); ; min += size) {
    const checks = await Promise.all(Array.from({ length: size }, (_, i) => canBind(min + i)));
    if (checks.every(Boolean)) return { min, max: min + size - 1 };
  }
}

const none = async () => new Set<number>();

describe('reserveSshPort', () => {
  it('parallel reservations get distinct ports, and skip ports containers use', async () => {
    const range = await freeRange(8);
    const used = async () => new Set([range.min, range.min + 1]);
    const got = await Promise.all(Array.from({ length: 6 }, () => reserveSshPort(used, range)));
    held.push(...got);
    const ports = got.map((r) => r.port);
    expect(new Set(ports).size).toBe(6);
    expect(ports).not.toContain(range.min);
    expect(ports).not.toContain(range.min + 1);
    // Range exhausted: a clear error, not a hang or a duplicate.
    await expect(reserveSshPort(used, range)).rejects.toMatchObject({ code: 'busy' });
  });

  it('skips a port something is listening on right now', async () => {
    const range = await freeRange(2);
    await listen(range.min);
    const r = await reserveSshPort(none, range);
    held.push(r);
    expect(r.port).toBe(range.min + 1);
  });

  it('a released port can be reserved again', async () => {
    const range = await freeRange(1);
    const first = await reserveSshPort(none, range);
    first.release();
    first.release(); // idempotent
    const second = await reserveSshPort(none, range);
    held.push(second);
    expect(second.port).toBe(first.port);
  });

  it('skips a port released while the container list was being read (that list may predate its container)', async () => {
    const range = await freeRange(2);
    const first = await reserveSshPort(none, range);
    const other = first.port === range.min ? range.min + 1 : range.min;
    const second = await reserveSshPort(async () => {
      first.release(); // the first create finished meanwhile; its container is not in our snapshot
      return new Set();
    }, range);
    held.push(second);
    expect(second.port).toBe(other);
  });
});
