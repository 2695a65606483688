// An overlay of unsaved edits over a read-only ByteSource (the sector editor's document). Edits
// only overwrite bytes, never resize. The overlay is a sorted list of non-overlapping,
// non-adjacent chunks (adjacent or overlapping writes are merged), found by binary search, so
// memory is proportional to the edited bytes and reads cost O(log chunks + chunks touched).
import { InvalidArgumentError } from '../errors';
import { readIntoAny, type ByteSource } from './source';

interface Chunk {
  start: number;
  data: Uint8Array;
}

function end(c: Chunk): number { return c.start + c.data.length; }

/** Reads done while diffing compare at most this many base bytes at once. */
const DIFF_BLOCK = 1024 * 1024;

export class PatchedSource implements ByteSource {
  readonly name: string;
  private chunks: Chunk[] = [];

  constructor(readonly base: ByteSource, name?: string) {
    this.name = name ?? base.name;
  }

  get size(): number { return this.base.size; }
  get patchCount(): number { return this.chunks.length; }

  /** Index of the first chunk whose end is > offset (chunks are sorted and disjoint). */
  private firstEndingAfter(offset: number): number {
    let lo = 0, hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (end(this.chunks[mid]) > offset) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  private checkRange(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || offset + length > this.size || (length > 0 && offset >= this.size)) {
      throw new InvalidArgumentError(`${what} outside the image: offset ${offset}, ${length} bytes (image has ${this.size})`, { image: this.name, offset: Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined });
    }
  }

  /** Copies the overlay bytes that fall in [offset, offset + target.length) into target. */
  private overlay(offset: number, target: Uint8Array): void {
    const stop = offset + target.length;
    for (let i = this.firstEndingAfter(offset); i < this.chunks.length; i++) {
      const c = this.chunks[i];
      if (c.start >= stop) break;
      const s = Math.max(offset, c.start), e = Math.min(stop, end(c));
      target.set(c.data.subarray(s - c.start, e - c.start), s - offset);
    }
  }

  private touches(offset: number, length: number): boolean {
    const i = this.firstEndingAfter(offset);
    return i < this.chunks.length && this.chunks[i].start < offset + length;
  }

  /**
   * The bytes currently visible in [offset, offset + length): overlay where patched, the base
   * elsewhere (read synchronously: the base must have `readSync`, as files and memory do).
   */
  private visibleSync(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const stop = offset + length;
    let pos = offset;
    for (let i = this.firstEndingAfter(offset); pos < stop; i++) {
      const c = i < this.chunks.length ? this.chunks[i] : null;
      const gapEnd = c ? Math.min(stop, c.start) : stop;
      if (gapEnd > pos) {
        if (!this.base.readSync) {
          throw new InvalidArgumentError('the underlying source cannot be read synchronously; use writeAsync', { image: this.name, offset: pos });
        }
        const got = this.base.readSync(pos, out.subarray(pos - offset, gapEnd - offset));
        if (got !== gapEnd - pos) throw new InvalidArgumentError(`short read of the underlying source (${got} of ${gapEnd - pos} bytes)`, { image: this.name, offset: pos });
        pos = gapEnd;
      }
      if (!c || pos >= stop) break;
      const e = Math.min(stop, end(c));
      if (e > pos) {
        out.set(c.data.subarray(pos - c.start, e - c.start), pos - offset);
        pos = e;
      }
    }
    return out;
  }

  /** Puts `data` into the overlay at `offset`, merging with overlapping and adjacent chunks. */
  private put(offset: number, data: Uint8Array): void {
    const stop = offset + data.length;
    // Chunks that overlap or touch [offset, stop): those with end >= offset and start <= stop.
    let i = this.firstEndingAfter(offset - 1);
    const first = i;
    while (i < this.chunks.length && this.chunks[i].start <= stop) i++;
    const last = i; // exclusive
    if (last - first === 1) {
      const c = this.chunks[first];
      if (c.start <= offset && stop <= end(c)) { // inside one chunk: overwrite in place
        c.data.set(data, offset - c.start);
        return;
      }
    }
    const start = last > first ? Math.min(offset, this.chunks[first].start) : offset;
    const finish = last > first ? Math.max(stop, end(this.chunks[last - 1])) : stop;
    const merged = new Uint8Array(finish - start);
    for (let k = first; k < last; k++) merged.set(this.chunks[k].data, this.chunks[k].start - start);
    merged.set(data, offset - start);
    this.chunks.splice(first, last - first, { start, data: merged });
  }

  /**
   * Overwrites bytes in the overlay; returns the bytes that were visible there before (a copy).
   * Throws InvalidArgumentError outside [0,size). The replaced base bytes are read synchronously
   * (FileSource, CachedSource over a file, MemorySource); for other bases use writeAsync.
   */
  write(offset: number, data: Uint8Array): Uint8Array {
    this.checkRange(offset, data.length, 'write');
    if (data.length === 0) return new Uint8Array(0);
    const before = this.visibleSync(offset, data.length);
    this.put(offset, new Uint8Array(data));
    return before;
  }

  /** As write, for a base without synchronous reads. */
  async writeAsync(offset: number, data: Uint8Array): Promise<Uint8Array> {
    this.checkRange(offset, data.length, 'write');
    if (data.length === 0) return new Uint8Array(0);
    const copy = new Uint8Array(data);
    const before = await this.read(offset, data.length);
    const out = new Uint8Array(before); // read() may hand out a view of the base's buffer
    this.put(offset, copy);
    return out;
  }

  /** Reads through the overlay. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const stop = Math.min(this.size, offset + length);
    if (offset < 0 || offset >= stop) return new Uint8Array(0);
    if (!this.touches(offset, stop - offset)) return this.base.read(offset, stop - offset);
    const out = new Uint8Array(stop - offset);
    const got = await readIntoAny(this.base, offset, out);
    this.overlay(offset, out);
    return got === out.length ? out : out.subarray(0, got);
  }

  async readInto(offset: number, target: Uint8Array): Promise<number> {
    const stop = Math.min(this.size, offset + target.length);
    if (offset < 0 || offset >= stop) return 0;
    const got = await readIntoAny(this.base, offset, target.subarray(0, stop - offset));
    this.overlay(offset, target.subarray(0, got));
    return got;
  }

  readSync(offset: number, target: Uint8Array): number {
    const stop = Math.min(this.size, offset + target.length);
    if (offset < 0 || offset >= stop) return 0;
    if (!this.base.readSync) throw new InvalidArgumentError('the underlying source cannot be read synchronously', { image: this.name });
    const got = this.base.readSync(offset, target.subarray(0, stop - offset));
    this.overlay(offset, target.subarray(0, got));
    return got;
  }

  /** Same bytes as read() plus the sub-ranges [start,end) (absolute offsets) whose bytes differ from base. */
  async readWithDiff(offset: number, length: number): Promise<{ data: Uint8Array; edited: Array<[number, number]> }> {
    const stop = Math.min(this.size, offset + length);
    if (offset < 0 || offset >= stop) return { data: new Uint8Array(0), edited: [] };
    const data = new Uint8Array(stop - offset);
    const got = await readIntoAny(this.base, offset, data);
    const edited: Array<[number, number]> = [];
    for (let i = this.firstEndingAfter(offset); i < this.chunks.length; i++) {
      const c = this.chunks[i];
      if (c.start >= offset + got) break;
      const s = Math.max(offset, c.start), e = Math.min(offset + got, end(c));
      pushDiff(edited, c.data.subarray(s - c.start, e - c.start), data.subarray(s - offset, e - offset), s, 0);
      data.set(c.data.subarray(s - c.start, e - c.start), s - offset);
    }
    return { data: got === data.length ? data : data.subarray(0, got), edited };
  }

  /**
   * Merged absolute ranges whose overlay bytes differ from base (reads base only where patches
   * exist). gapMerge: merge ranges separated by <= gapMerge equal bytes (default 0).
   */
  async diffRanges(gapMerge = 0): Promise<Array<[number, number]>> {
    const out: Array<[number, number]> = [];
    const buf = new Uint8Array(Math.min(DIFF_BLOCK, Math.max(1, this.chunks.reduce((m, c) => Math.max(m, c.data.length), 0))));
    // Snapshot: a write during the awaits below must not shift the iteration.
    for (const c of [...this.chunks]) {
      for (let pos = 0; pos < c.data.length; pos += buf.length) {
        const n = Math.min(buf.length, c.data.length - pos);
        const b = buf.subarray(0, n);
        const got = await readIntoAny(this.base, c.start + pos, b);
        if (got < n) b.fill(0, got); // cannot happen within size; keeps the comparison defined
        pushDiff(out, c.data.subarray(pos, pos + n), b, c.start + pos, gapMerge);
      }
    }
    return out;
  }

  /** Forget all patches (after the base file was rewritten with them). */
  clear(): void { this.chunks = []; }

  /** Closes the base. */
  async close(): Promise<void> { await this.base.close(); }
}

/**
 * Appends to `out` the ranges where `a` and `b` (both at absolute offset `at`) differ, merging
 * with the previous range when at most `gap` equal bytes separate them.
 */
function pushDiff(out: Array<[number, number]>, a: Uint8Array, b: Uint8Array, at: number, gap: number): void {
  const n = a.length;
  let i = 0;
  while (i < n) {
    if (a[i] === b[i]) { i++; continue; }
    let j = i + 1;
    while (j < n && a[j] !== b[j]) j++;
    const s = at + i, e = at + j;
    const last = out[out.length - 1];
    if (last && s - last[1] <= gap) last[1] = e;
    else out.push([s, e]);
    i = j;
  }
}
