// Random-access byte sources. Nothing in the engine reads a whole image: every structure is read
// with `read(offset, length)` at the place it lives.
import { CorruptImageError, InvalidArgumentError } from '../errors';

export interface ByteSource {
  /** Display name (file path or URI) used in error messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads `length` bytes at `offset`. Reading past the end returns only the bytes that exist
   * (possibly none); use `readExact` when a structure must be complete.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: reads into the caller's buffer (no allocation; streaming reuses two buffers).
   * Returns the number of bytes read, short only at the end of the source.
   */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
  /**
   * Optional: a synchronous `readInto` (files, memory). The sector editor's overlay needs it to
   * return the bytes an edit replaces without awaiting (PatchedSource.write).
   */
  readSync?(offset: number, target: Uint8Array): number;
  close(): Promise<void>;
}

/** `src.readInto` when the source has it, else a read and a copy. */
export async function readIntoAny(src: ByteSource, offset: number, target: Uint8Array): Promise<number> {
  if (src.readInto) return src.readInto(offset, target);
  const b = await src.read(offset, target.length);
  target.set(b);
  return b.length;
}

/** Largest single read the engine ever asks for; guards against absurd sizes from corrupt fields. */
export const MAX_SINGLE_READ = 64 * 1024 * 1024;

/** Reads exactly `length` bytes or throws a CorruptImageError naming the structure. */
export async function readExact(src: ByteSource, offset: number, length: number, structure: string): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new InvalidArgumentError(`bad read range offset=${offset} length=${length}`, { image: src.name, structure });
  }
  if (length > MAX_SINGLE_READ) {
    throw new CorruptImageError(`refusing to read ${length} bytes at once (limit ${MAX_SINGLE_READ})`, { image: src.name, structure, offset });
  }
  if (offset + length > src.size) {
    throw new CorruptImageError(`lies beyond the end of the image (needs bytes ${offset}..${offset + length}, image has ${src.size}); the image may be truncated`, { image: src.name, structure, offset });
  }
  const b = await src.read(offset, length);
  if (b.length !== length) {
    throw new CorruptImageError(`short read: got ${b.length} of ${length} bytes`, { image: src.name, structure, offset });
  }
  return b;
}

/** An in-memory source (tests, small images, images nested in memory). */
export class MemorySource implements ByteSource {
  constructor(private readonly data: Uint8Array, readonly name = '<memory>') {}
  get size(): number { return this.data.length; }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.data.length, offset + length);
    if (offset >= end) return new Uint8Array(0);
    return this.data.subarray(offset, end);
  }
  readSync(offset: number, target: Uint8Array): number {
    const end = Math.min(this.data.length, offset + target.length);
    if (offset < 0 || offset >= end) return 0;
    target.set(this.data.subarray(offset, end));
    return end - offset;
  }
  async close(): Promise<void> { /* nothing to release */ }
}

/** A window onto another source (a partition, a session, an image inside an image). */
export class SliceSource implements ByteSource {
  readonly size: number;
  constructor(private readonly inner: ByteSource, private readonly start: number, size: number, readonly name = inner.name) {
    if (start < 0 || size < 0) throw new InvalidArgumentError(`bad slice start=${start} size=${size}`);
    this.size = Math.max(0, Math.min(size, inner.size - start));
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    return this.inner.read(this.start + offset, end - offset);
  }
  readSync(offset: number, target: Uint8Array): number {
    if (!this.inner.readSync) throw new InvalidArgumentError('the underlying source has no synchronous reads', { image: this.name });
    const end = Math.min(this.size, offset + target.length);
    if (offset < 0 || offset >= end) return 0;
    return this.inner.readSync(this.start + offset, target.subarray(0, end - offset));
  }
  async close(): Promise<void> { /* the inner source is owned elsewhere */ }
}
