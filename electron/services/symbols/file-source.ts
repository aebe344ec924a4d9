// Positional reads of a local file for core/elf's reader (the desktop's debug files).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ElfError, type ByteSource } from '../../../core/elf/elf';

export function fileByteSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ElfError(`${path} is not a regular file`);
    size = st.size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return {
    size,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw new ElfError(`read past the end of ${path}`);
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n <= 0) throw new ElfError(`short read in ${path}`);
        done += n;
      }
      return buf;
    },
    close() {
      closeSync(fd);
    },
  };
}
