import { describe, expect, it } from 'vitest';
import { chunkUtf8, incompleteTail, Utf8Splitter } from './utf8.js';

const SAMPLE = 'a😀b你好🎉é€ ok 👩‍💻 中文テキスト\n';

describe('Utf8Splitter', () => {
  it('never splits a character, at every split point of emoji and CJK text', () => {
    const bytes = Buffer.from(SAMPLE.repeat(3), 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const splitter = new Utf8Splitter();
      const first = splitter.push(bytes.subarray(0, cut));
      const second = splitter.push(bytes.subarray(cut));
      // Each piece decodes on its own without a replacement character…
      expect(first.toString('utf8'), `cut at ${cut}`).not.toContain('\uFFFD');
      expect(second.toString('utf8'), `cut at ${cut}`).not.toContain('\uFFFD');
      // …and together they are the original, with nothing held back at the end.
      expect(Buffer.concat([first, second]).equals(bytes), `cut at ${cut}`).toBe(true);
      expect(splitter.pending).toBe(0);
    }
  });

  it('keeps characters whole when fed one byte at a time, and for every pair of cuts', () => {
    const bytes = Buffer.from(SAMPLE, 'utf8');
    const splitter = new Utf8Splitter();
    const pieces: string[] = [];
    for (const byte of bytes) pieces.push(splitter.push(Buffer.from([byte])).toString('utf8'));
    expect(pieces.join('')).toBe(SAMPLE);
    expect(pieces.join('')).not.toContain('\uFFFD');
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const s = new Utf8Splitter();
        const text = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)].map((p) => s.push(p).toString('utf8'));
        expect(text.join(''), `${a}/${b}`).toBe(SAMPLE);
        for (const t of text) expect(t, `${a}/${b}`).not.toContain('\uFFFD');
      }
    }
  });

  it('passes invalid bytes through instead of holding them forever, and flushes a cut-off end', () => {
    const s = new Utf8Splitter();
    expect([...s.push(Buffer.from([0x41, 0xff]))]).toEqual([0x41, 0xff]);
    expect([...s.push(Buffer.from([0x80, 0x80, 0x80, 0x80]))]).toEqual([0x80, 0x80, 0x80, 0x80]);
    expect([...s.push(Buffer.from([0x41, 0xf0, 0x9f]))]).toEqual([0x41]);
    expect(s.pending).toBe(2);
    expect([...s.flush()]).toEqual([0xf0, 0x9f]);
    expect(incompleteTail(Buffer.from([0xe4, 0xbd, 0xa0]))).toBe(0);
    expect(incompleteTail(Buffer.from([0xe4, 0xbd]))).toBe(2);
    expect(incompleteTail(Buffer.from([0xc3]))).toBe(1);
  });
});

describe('chunkUtf8', () => {
  it('cuts text into pieces no larger than the limit, each on a character boundary', () => {
    const bytes = Buffer.from(SAMPLE.repeat(50), 'utf8');
    for (let max = 4; max <= 64; max++) {
      const pieces = chunkUtf8(bytes, max);
      for (const p of pieces) {
        expect(p.length).toBeLessThanOrEqual(max);
        expect(p.toString('utf8')).not.toContain('\uFFFD');
      }
      expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
    }
  });
});
