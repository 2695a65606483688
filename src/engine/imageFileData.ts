// The file data of an image's files: reading a file's bytes from its data ranges (multi-extent
// and interleaved sections mapped onto the image, data past the image's end read short), zisofs
// decompression (with the expansion-ratio limit), and streaming (chunks, pump, read streams).
// DiscImage (image.ts) exposes these as its own read / readInto / chunks / pump / createReadStream.
import { Readable } from 'node:stream';
import { InvalidArgumentError, LimitExceededError } from './errors';
import type { CachedSource } from './io/fileSource';
import { rangePieces } from './iso9660/directoryRecord';
import { ZisofsReader } from './rockridge/zisofs';
import type { Limits } from './limits';
import { shortPath } from './paths';
import type { FileNode } from './image';
import type { DataRange } from './types';

const READ_CHUNK = 4 * 1024 * 1024;

/** Reads the files of one image. */
export class FileData {
  private zisofsCache = new Map<string, Promise<ZisofsReader>>();

  constructor(private readonly source: CachedSource, private readonly limits: Limits) {}

  /** Reads up to `length` bytes of a file's content at `offset` (decompressing zisofs). */
  async read(node: FileNode, offset: number, length: number): Promise<Uint8Array> {
    if (node.type !== 'file') throw new InvalidArgumentError(`not a regular file: ${node.path}`, { image: this.source.name });
    if (offset < 0 || length < 0) throw new InvalidArgumentError(`bad range ${offset}+${length}`, { image: this.source.name });
    const end = Math.min(node.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    if (node.zisofs) {
      this.checkExpansion(node);
      const z = await this.zisofsReader(node);
      return z.read(offset, end - offset);
    }
    return this.readRanges(node.ranges, offset, end - offset);
  }

  /**
   * Reads file content at `offset` into `target` (as many bytes as fit, short only at the end of
   * the file) without allocating: the streaming paths reuse two buffers.
   */
  async readInto(node: FileNode, offset: number, target: Uint8Array): Promise<number> {
    if (node.type !== 'file') throw new InvalidArgumentError(`not a regular file: ${node.path}`, { image: this.source.name });
    const end = Math.min(node.size, offset + target.length);
    if (offset < 0 || offset >= end) return 0;
    if (node.zisofs) {
      const b = await this.read(node, offset, end - offset);
      target.set(b);
      return b.length;
    }
    return this.fillRanges(node.ranges, offset, target.subarray(0, end - offset));
  }

  /** Maps file offsets onto a file's data ranges in the image and reads them into `target`. */
  private async fillRanges(ranges: DataRange[], offset: number, target: Uint8Array): Promise<number> {
    let pos = 0; // position within the file of the current range
    let filled = 0;
    for (const r of ranges) {
      if (filled >= target.length) break;
      const at = offset + filled;
      if (at < pos + r.length) {
        for (const piece of rangePieces(r, at - pos, target.length - filled)) {
          const got = await this.source.readDirectInto(piece.offset, target.subarray(filled, filled + piece.length));
          filled += got;
          if (got < piece.length) return filled;
        }
      }
      pos += r.length;
    }
    return filled;
  }

  private async readRanges(ranges: DataRange[], offset: number, length: number): Promise<Uint8Array> {
    // The common case — the wanted bytes lie inside one contiguous range — needs no copy.
    let pos0 = 0;
    for (const r of ranges) {
      if (offset < pos0 + r.length) {
        if (!r.stride && offset + length <= pos0 + r.length) return this.source.readDirect(r.offset + offset - pos0, length);
        break;
      }
      pos0 += r.length;
    }
    const out = new Uint8Array(length);
    const filled = await this.fillRanges(ranges, offset, out);
    return filled === length ? out : out.subarray(0, filled);
  }

  /**
   * Refuses to expand a compressed file whose expanded size is out of proportion to its recorded
   * size (limits.expansionRatio, above limits.expansionFloor): a few MB of zisofs block pointers
   * can describe 64 GiB of zeros. LimitExceededError says how to allow it.
   */
  private checkExpansion(node: FileNode): void {
    const { expansionRatio: max, expansionFloor: floor } = this.limits;
    const z = node.zisofs!;
    if (max === 0 || node.size <= floor) return;
    const ratio = node.size / Math.max(1, z.compressedSize);
    if (ratio <= max) return;
    throw new LimitExceededError(
      `${shortPath(node.path)} would expand from ${z.compressedSize} bytes to ${node.size} bytes (${Math.round(ratio)}:1; the limit is ${max}:1 for files over ${floor} bytes) — a zisofs expansion bomb, or an extremely compressible file. To read it anyway raise the limit: isowb --limit expansionRatio=0 (no limit), or the isoWorkbench.limits.expansionRatio setting`,
      { image: this.source.name, structure: 'zisofs file', offset: node.ranges[0]?.offset, limit: 'expansionRatio' });
  }

  private zisofsReader(node: FileNode): Promise<ZisofsReader> {
    const key = `${node.recordOffset}`;
    let p = this.zisofsCache.get(key);
    if (!p) {
      const compressed = node.zisofs!.compressedSize;
      p = ZisofsReader.open((o, l) => this.readRanges(node.ranges, o, Math.min(l, compressed - o)), compressed, `${this.source.name}: ${node.path}`, node.ranges[0]?.offset ?? 0);
      p.catch(() => this.zisofsCache.delete(key));
      if (this.zisofsCache.size > 32) this.zisofsCache.delete(this.zisofsCache.keys().next().value as string);
      this.zisofsCache.set(key, p);
    }
    return p;
  }

  /**
   * The content of a file (or of bytes [start, end)) in chunks, reading the next chunk while
   * the caller consumes the current one, so disk reads and the consumer's writes overlap.
   */
  async *chunks(node: FileNode, start = 0, end = node.size, chunkSize = READ_CHUNK): AsyncGenerator<Uint8Array> {
    if (node.type !== 'file') throw new InvalidArgumentError(`not a regular file: ${node.path}`, { image: this.source.name });
    const stop = Math.min(end, node.size);
    let pos = start;
    const next = (): Promise<Uint8Array> | null => {
      if (pos >= stop) return null;
      const n = Math.min(chunkSize, stop - pos);
      const p = this.read(node, pos, n);
      pos += n;
      return p;
    };
    let pending = next();
    while (pending) {
      const b = await pending;
      pending = b.length > 0 ? next() : null;
      if (b.length === 0) break;
      yield b;
    }
  }

  /**
   * Copies a file's content to `write` through two reused buffers: the next chunk is read while
   * `write` handles the current one, and nothing is allocated per chunk. `write` must be done
   * with the chunk when its promise resolves (the buffer is reused); returning false stops the
   * copy. Returns the number of bytes delivered (short only if the image ends early).
   */
  async pump(node: FileNode, write: (chunk: Uint8Array, position: number) => Promise<boolean | void>, buffers?: [Uint8Array, Uint8Array]): Promise<number> {
    const bufs = buffers ?? [new Uint8Array(READ_CHUNK), new Uint8Array(READ_CHUNK)];
    let cur = 0;
    let pos = 0;
    let pending: Promise<number> | null = node.size > 0 ? this.readInto(node, 0, bufs[0]) : null;
    while (pending) {
      const n = await pending;
      if (n === 0) break;
      const chunk = bufs[cur].subarray(0, n);
      const at = pos;
      pos += n;
      cur ^= 1;
      pending = pos < node.size ? this.readInto(node, pos, bufs[cur]) : null;
      let more: boolean | void;
      try {
        more = await write(chunk, at);
      } catch (e) {
        if (pending) await pending.catch(() => 0); // never leave a read to reject unobserved
        throw e;
      }
      if (more === false) {
        if (pending) await pending.catch(() => 0);
        break;
      }
    }
    return pos;
  }

  /** Streams a file's content (or a byte range of it, end exclusive) without buffering it whole. */
  createReadStream(node: FileNode, start = 0, end = node.size): Readable {
    return Readable.from(this.chunks(node, start, end), { objectMode: false, highWaterMark: 1 });
  }
}
