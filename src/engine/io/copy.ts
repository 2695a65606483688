// Writing files with their empty blocks left as holes. `writeSparse` is the hole-keeping write
// of extraction.
import * as fs from 'node:fs';
import { promisify } from 'node:util';

/** Granularity of holes: all-zero blocks of this size (at block-aligned positions) are not written. */
export const HOLE = 64 * 1024;
const ZEROS = Buffer.alloc(HOLE);
const fsWrite = promisify(fs.write);

/**
 * The next run of `b` to write, from `i` on: [start, end), or null when only all-zero 64 KiB
 * blocks are left. A run ends before the next all-zero block; a partial block at the end is
 * always written.
 */
function dataRun(b: Uint8Array, i: number): [number, number] | null {
  while (i < b.length) {
    const end = Math.min(b.length, i + HOLE);
    if (end - i === HOLE && Buffer.compare(b.subarray(i, end), ZEROS) === 0) { i = end; continue; }
    // Extend the run over following non-zero blocks, then write it in one call.
    let runEnd = end;
    while (runEnd < b.length) {
      const next = Math.min(b.length, runEnd + HOLE);
      if (next - runEnd === HOLE && Buffer.compare(b.subarray(runEnd, next), ZEROS) === 0) break;
      runEnd = next;
    }
    return [i, runEnd];
  }
  return null;
}

/**
 * Writes `b` at `position`, leaving all-zero 64 KiB blocks unwritten so they become holes (like
 * `cp --sparse=auto` and bsdtar): large images often carry mostly-empty files, and writing
 * gigabytes of zeros costs time and disk. The caller ftruncates to the final length.
 */
export async function writeSparse(fd: number, b: Uint8Array, position: number): Promise<void> {
  for (let r = dataRun(b, 0); r; r = dataRun(b, r[1])) {
    let off = r[0];
    while (off < r[1]) off += (await fsWrite(fd, b, off, r[1] - off, position + off)).bytesWritten;
  }
}
