/** One regular file for `tarFiles`. */
export interface TarFile {
  /** Relative path inside the archive (ASCII, < 100 bytes). */
  name: string;
  content: string | Buffer;
  mode: number;
  uid?: number;
  gid?: number;
}

/**
 * A minimal ustar archive of regular files, built in memory: what `putArchive` needs to drop a
 * few small files (host key, authorized_keys) into a container, without a tar dependency.
 */
export function tarFiles(files: readonly TarFile[], mtime = new Date()): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const data = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    blocks.push(header(file, data.length, mtime), data, Buffer.alloc(pad(data.length)));
  }
  blocks.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return Buffer.concat(blocks);
}

function header(file: TarFile, size: number, mtime: Date): Buffer {
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(file.name) || Buffer.byteLength(file.name) >= 100 || file.name.startsWith('/') || file.name.split('/').includes('..')) {
    throw new Error(`Not a usable archive path: "${file.name}"`);
  }
  const h = Buffer.alloc(512);
  h.write(file.name, 0, 100, 'ascii');
  octal(h, 100, 8, file.mode & 0o7777);
  octal(h, 108, 8, file.uid ?? 0);
  octal(h, 116, 8, file.gid ?? 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, Math.floor(mtime.getTime() / 1000));
  h.write('        ', 148, 8, 'ascii'); // checksum is computed with its own field as spaces
  h.write('0', 156, 1, 'ascii'); // regular file
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(file.uid ? '' : 'root', 265, 32, 'ascii');
  h.write(file.gid ? '' : 'root', 297, 32, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  const text = value.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new Error('Value too large for a tar header');
  buf.write(`${text}\0`, offset, width, 'ascii');
}

function pad(size: number): number {
  return (512 - (size % 512)) % 512;
}
