/**
 * How many bytes at the end of `buf` are the start of a UTF-8 sequence whose remaining bytes
 * have not arrived yet (0..3). Bytes that cannot become a valid sequence are not held back:
 * they pass through and the screen shows a replacement character, as it would anyway.
 */
export function incompleteTail(buf: Uint8Array): number {
  const end = buf.byteLength;
  // A sequence is at most 4 bytes: look back over at most 3 continuation bytes to its lead byte.
  for (let back = 1; back <= Math.min(4, end); back++) {
    const byte = buf[end - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 ? (byte <= 0xef ? 3 : 0) : byte >= 0xc2 ? 2 : 1;
    if (need <= 1) return 0; // ASCII or an invalid lead: nothing to wait for
    return back < need ? back : 0;
  }
  return 0;
}

/**
 * Keeps multi-byte characters whole across chunks: `push` returns everything up to the last
 * complete character and holds back (at most 3 bytes of) an unfinished one for the next chunk.
 */
export class Utf8Splitter {
  private held: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer {
    const whole = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const tail = incompleteTail(whole);
    this.held = tail > 0 ? Buffer.from(whole.subarray(whole.length - tail)) : Buffer.alloc(0);
    return tail > 0 ? whole.subarray(0, whole.length - tail) : whole;
  }

  /** Whatever is held back (the stream ended mid-character). */
  flush(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }

  get pending(): number {
    return this.held.length;
  }
}

/**
 * Cuts complete UTF-8 text into pieces of at most `max` bytes, each ending on a character
 * boundary (a piece is cut before the lead byte of a character that would straddle the limit).
 */
export function chunkUtf8(buf: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (buf.length - at > max) {
    let end = at + max;
    // Step back from a continuation byte to the lead byte of its character (at most 3 steps).
    for (let i = 0; i < 3 && (buf[end]! & 0xc0) === 0x80; i++) end--;
    if (end <= at) end = at + max; // not UTF-8 at all: cut anywhere
    out.push(buf.subarray(at, end));
    at = end;
  }
  if (at < buf.length) out.push(buf.subarray(at));
  return out;
}
