// Reading a file's data for the writer, wherever it is: bytes in memory, a host file, or ranges of
// the source image (interleaved ones piece by piece). Used by the El Torito pass (boot info
// tables) and the emit pass (file data, tail partitions).
import * as fs from 'fs';
import { CorruptImageError, InternalError, InvalidArgumentError } from '../../errors';
import { rangePieces } from '../../iso9660/directoryRecord';
import type { DataRef } from '../tree';

/** Streams a data reference in chunks: `sink(chunk, positionInFile)`. */
export async function copyData(d: DataRef, srcFd: fs.promises.FileHandle | null, buf: Uint8Array, sink: (chunk: Uint8Array, pos: number) => Promise<void>): Promise<void> {
  if (d.kind === 'bytes') { await sink(d.bytes.slice(), 0); return; }
  if (d.kind === 'file' && d.size <= buf.length) {
    // Small files: one synchronous read (no thread-pool round trips per file).
    const fd = fs.openSync(d.path, 'r');
    try {
      let pos = 0;
      while (pos < d.size) {
        const n = fs.readSync(fd, buf, pos, d.size - pos, pos);
        if (n <= 0) throw new InvalidArgumentError(`${d.path} is shorter than when it was staged (${pos} of ${d.size} bytes)`);
        pos += n;
      }
    } finally { fs.closeSync(fd); }
    if (d.size > 0) await sink(buf.subarray(0, d.size), 0);
    return;
  }
  if (d.kind === 'file') {
    const fh = await fs.promises.open(d.path, 'r');
    try {
      let pos = 0;
      while (pos < d.size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, d.size - pos), pos);
        if (bytesRead <= 0) throw new InvalidArgumentError(`${d.path} is shorter than when it was staged (${pos} of ${d.size} bytes)`);
        await sink(buf.subarray(0, bytesRead), pos);
        pos += bytesRead;
      }
    } finally { await fh.close(); }
    return;
  }
  if (!srcFd) throw new InternalError('image data without a source image');
  let pos = 0;
  for (const r of d.ranges) {
    // An interleaved range (ECMA-119 6.4.3) is read piece by piece, one buffer at a time.
    for (let done = 0; done < r.length;) {
      let fill = 0;
      for (const piece of rangePieces(r, done, Math.min(buf.length, r.length - done))) {
        const { bytesRead } = await srcFd.read(buf, fill, piece.length, piece.offset);
        if (bytesRead < piece.length) throw new CorruptImageError(`the source image ends inside a file extent at byte ${piece.offset + bytesRead}`);
        fill += piece.length;
      }
      await sink(buf.subarray(0, fill), pos);
      done += fill;
      pos += fill;
    }
  }
  if (pos < d.size && !d.allowShort) throw new CorruptImageError(`the source image holds only ${pos} of the file's ${d.size} bytes`);
}
