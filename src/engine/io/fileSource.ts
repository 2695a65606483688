// A ByteSource over a file on disk (node:fs file handle), plus a bounded block cache.
import { promises as fsp, readSync } from 'node:fs';
import { readIntoAny, type ByteSource } from './source';

/** Reads up to this size are synchronous (see FileSource.read). */
const SYNC_READ_LIMIT = 1024 * 1024;
/** Size of the read-ahead window for small file-data reads (see CachedSource.readDirect). */
const DATA_WINDOW = 1024 * 1024;

export class FileSource implements ByteSource {
  private constructor(private readonly fh: fsp.FileHandle, readonly name: string, readonly size: number) {}

  static async open(path: string): Promise<FileSource> {
    const fh = await fsp.open(path, 'r');
    try {
      const st = await fh.stat();
      // Block devices report size 0 through stat; fall back to seeking is not possible with
      // FileHandle, so such sources are sized by the caller (not needed for image files).
      return new FileSource(fh, path, st.size);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /**
   * Small reads (metadata, small files) are done synchronously: a thread-pool round trip costs
   * more than the read itself when the data is in the page cache, and tens of thousands of them
   * dominate listing and extraction. Large reads (streamed file data) stay asynchronous so the
   * event loop is never blocked for long.
   */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    const buf = Buffer.allocUnsafe(end - offset);
    const got = await this.readInto(offset, buf);
    return got === buf.length ? buf : buf.subarray(0, got);
  }

  async readInto(offset: number, target: Uint8Array): Promise<number> {
    const end = Math.min(this.size, offset + target.length);
    if (offset >= end) return 0;
    const buf = target.subarray(0, end - offset);
    if (buf.length <= SYNC_READ_LIMIT) return this.readSync(offset, buf);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.fh.read(buf, got, buf.length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  }

  /** Synchronous read into `target` (short only at the end of the file). */
  readSync(offset: number, target: Uint8Array): number {
    const end = Math.min(this.size, offset + target.length);
    if (offset < 0 || offset >= end) return 0;
    const buf = target.subarray(0, end - offset);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fh.fd, buf, got, buf.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }

  async close(): Promise<void> { await this.fh.close(); }
}

/**
 * A bounded LRU cache of fixed-size blocks over another source. Metadata reads (descriptors,
 * directories, SUSP areas) are small and clustered; file data is read through `readDirect`
 * by streams so it does not evict metadata.
 */
export class CachedSource implements ByteSource {
  private readonly blocks = new Map<number, Uint8Array>();
  constructor(private readonly inner: ByteSource, private readonly blockSize = 64 * 1024, private readonly maxBlocks = 256) {}
  get name(): string { return this.inner.name; }
  get size(): number { return this.inner.size; }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    // Large reads bypass the cache (file contents).
    if (end - offset > this.blockSize * 4) return this.inner.read(offset, end - offset);
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    if (first === last) {
      const b = await this.block(first);
      const s = offset - first * this.blockSize;
      return b.subarray(s, s + (end - offset));
    }
    const out = new Uint8Array(end - offset);
    for (let i = first; i <= last; i++) {
      const b = await this.block(i);
      const bStart = i * this.blockSize;
      const s = Math.max(offset, bStart), e = Math.min(end, bStart + b.length);
      if (e > s) out.set(b.subarray(s - bStart, e - bStart), s - offset);
    }
    return out;
  }

  private window: { offset: number; data: Uint8Array } | null = null;

  /**
   * Reads file data without touching the metadata cache. Small reads are served from a 1 MiB
   * read-ahead window: files in a directory usually lie one after another, so extracting or
   * hashing many small files costs one read per window instead of one per file. The window is
   * handed out as views, never copied.
   */
  async readDirect(offset: number, length: number): Promise<Uint8Array> {
    if (length > DATA_WINDOW / 4) return this.inner.read(offset, length);
    const w = this.window;
    if (w && offset >= w.offset && offset + length <= w.offset + w.data.length) {
      return w.data.subarray(offset - w.offset, offset - w.offset + length);
    }
    const data = await this.inner.read(offset, Math.max(length, DATA_WINDOW));
    this.window = { offset, data };
    return data.subarray(0, Math.min(length, data.length));
  }

  private async block(i: number): Promise<Uint8Array> {
    const hit = this.blocks.get(i);
    if (hit) {
      this.blocks.delete(i);
      this.blocks.set(i, hit);
      return hit;
    }
    const b = await this.inner.read(i * this.blockSize, this.blockSize);
    // Copy so the cache never pins a larger buffer.
    const copy = new Uint8Array(b);
    this.blocks.set(i, copy);
    if (this.blocks.size > this.maxBlocks) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
    return copy;
  }

  /** Reads file data straight into the caller's buffer (bypasses the cache and the window). */
  readDirectInto(offset: number, target: Uint8Array): Promise<number> { return readIntoAny(this.inner, offset, target); }

  /** Synchronous read when the inner source has one (bypasses the cache). */
  get readSync(): ((offset: number, target: Uint8Array) => number) | undefined {
    const inner = this.inner;
    return inner.readSync ? (offset, target) => inner.readSync!(offset, target) : undefined;
  }

  /** Drops every cached block (after the underlying file changed). */
  invalidate(): void { this.blocks.clear(); this.window = null; }

  async close(): Promise<void> { this.blocks.clear(); this.window = null; await this.inner.close(); }
}
