// The webview's byte cache. The host reads only what is asked for: the view asks for aligned
// blocks (16 KiB by default) covering the rows on screen plus a little read-ahead. Blocks are kept
// in a bounded LRU; `changed` drops the blocks it names and raises the generation, and answers
// read under an older generation are discarded (their blocks are asked for again). Bytes the user
// just typed are shown from an overlay until the host has acknowledged them (a `changed` covering
// them) and a read of at least that generation has arrived.

export interface CachedBlock {
  index: number;
  data: Uint8Array;
  /** Absolute [start, end) ranges of the block that are unsaved edits. */
  edited: Array<[number, number]>;
}

interface Pending { block: number; generation: number }

export class ByteCache {
  private readonly blocks = new Map<number, CachedBlock>();
  private readonly pending = new Map<number, Pending>();
  private readonly pendingByBlock = new Map<number, number>();
  /** Typed bytes; `ack` is the generation of the `changed` that covered them (null: not yet). */
  private readonly overlay = new Map<number, { value: number; ack: number | null }>();
  generation = 0;
  size = 0;

  constructor(readonly blockSize = 16384, readonly maxBlocks = 512) {
    if (!Number.isInteger(blockSize) || blockSize <= 0) throw new RangeError('blockSize');
  }

  reset(size: number, generation: number): void {
    this.blocks.clear();
    this.pending.clear();
    this.pendingByBlock.clear();
    this.overlay.clear();
    this.size = size;
    this.generation = generation;
  }

  blockOf(offset: number): number {
    return Math.floor(offset / this.blockSize);
  }

  /** Block indexes covering [start, end), clipped to the document. */
  blocksFor(start: number, end: number): number[] {
    const s = Math.max(0, start);
    const e = Math.min(this.size, end);
    if (e <= s) return [];
    const out: number[] = [];
    for (let b = this.blockOf(s); b <= this.blockOf(e - 1); b++) out.push(b);
    return out;
  }

  /** [offset, length] of a block's read request. */
  blockSpan(block: number): [number, number] {
    const off = block * this.blockSize;
    return [off, Math.max(0, Math.min(this.blockSize, this.size - off))];
  }

  has(block: number): boolean { return this.blocks.has(block); }
  isPending(block: number): boolean { return this.pendingByBlock.has(block); }
  get pendingCount(): number { return this.pending.size; }
  get cachedCount(): number { return this.blocks.size; }

  /** Blocks of [start, end) neither cached nor asked for; cached ones are marked recently used. */
  missing(start: number, end: number): number[] {
    const out: number[] = [];
    for (const b of this.blocksFor(start, end)) {
      const blk = this.blocks.get(b);
      if (blk) this.touch(blk);
      else if (!this.pendingByBlock.has(b)) out.push(b);
    }
    return out;
  }

  /** Records that `block` was asked for with `reqId` (under the current generation). */
  requested(block: number, reqId: number): void {
    this.pending.set(reqId, { block, generation: this.generation });
    this.pendingByBlock.set(block, reqId);
  }

  /** Is reqId one of ours (a block read)? */
  owns(reqId: number): boolean { return this.pending.has(reqId); }

  /**
   * Takes a `bytes` answer. Returns 'stored', 'stale' (older generation or a block dropped
   * meanwhile: ask again) or 'unknown' (not a block read of this cache).
   */
  receive(reqId: number, offset: number, data: Uint8Array, generation: number, edited: Array<[number, number]>): 'stored' | 'stale' | 'unknown' {
    const p = this.pending.get(reqId);
    if (!p) return 'unknown';
    this.pending.delete(reqId);
    if (this.pendingByBlock.get(p.block) === reqId) this.pendingByBlock.delete(p.block);
    if (generation < this.generation || offset !== p.block * this.blockSize) return 'stale';
    if (generation > this.generation) this.generation = generation;
    const blk: CachedBlock = { index: p.block, data, edited: edited.filter(([s, e]) => e > s) };
    this.blocks.delete(p.block);
    this.blocks.set(p.block, blk);
    // Acknowledged edits are in this read now.
    for (const [o, v] of this.overlay) {
      if (v.ack !== null && generation >= v.ack && o >= offset && o < offset + data.length) this.overlay.delete(o);
    }
    this.evict();
    return 'stored';
  }

  /**
   * Bytes the host pushed without a request (the first screen, sent with `init` to save a round
   * trip). Whole aligned blocks are stored (and a short last block at the end of the document);
   * anything else is ignored. Returns the number of blocks stored.
   */
  prime(offset: number, data: Uint8Array, generation: number, edited: Array<[number, number]>): number {
    if (generation < this.generation || offset % this.blockSize !== 0) return 0;
    let n = 0;
    for (let at = 0; at < data.length; at += this.blockSize) {
      const index = this.blockOf(offset + at);
      const [start, len] = this.blockSpan(index);
      const part = data.subarray(at, at + this.blockSize);
      if (start !== offset + at || part.length !== len || len === 0) break;
      const end = start + len;
      this.blocks.delete(index);
      this.blocks.set(index, { index, data: part, edited: edited.filter(([s, e]) => e > s && s < end && e > start).map(([s, e]) => [Math.max(s, start), Math.min(e, end)] as [number, number]) });
      n++;
    }
    this.evict();
    return n;
  }

  /** The bytes changed: drop the blocks overlapping `ranges`, forget requests in flight. */
  invalidate(ranges: Array<[number, number]>, generation: number, size = this.size): void {
    this.generation = Math.max(this.generation, generation);
    if (size !== this.size) {
      // The blocks holding the old and the new end grew or shrank; blocks past the end go.
      this.blocks.delete(this.blockOf(Math.max(0, this.size - 1)));
      this.size = size;
      this.blocks.delete(this.blockOf(Math.max(0, size - 1)));
      for (const b of [...this.blocks.keys()]) if (b * this.blockSize >= size) this.blocks.delete(b);
      for (const o of [...this.overlay.keys()]) if (o >= size) this.overlay.delete(o);
    }
    for (const [o, v] of this.overlay) {
      if (v.ack === null && ranges.some(([s, e]) => o >= s && o < e)) v.ack = this.generation;
    }
    for (const [s, e] of ranges) {
      if (e <= s) continue;
      const first = this.blockOf(s);
      const last = this.blockOf(e - 1);
      if (last - first > this.blocks.size) {
        for (const b of [...this.blocks.keys()]) if (b >= first && b <= last) this.blocks.delete(b);
      } else {
        for (let b = first; b <= last; b++) this.blocks.delete(b);
      }
    }
    this.pending.clear();
    this.pendingByBlock.clear();
  }

  /** Drops everything (file replaced). */
  clear(): void {
    this.blocks.clear();
    this.pending.clear();
    this.pendingByBlock.clear();
  }

  /** The byte at offset (the overlay first), or -1 when not cached or past the end. */
  byteAt(offset: number): number {
    if (offset < 0 || offset >= this.size) return -1;
    const ov = this.overlay.get(offset);
    if (ov) return ov.value;
    return this.storedByte(offset);
  }

  /** The byte as the host last sent it (without the overlay), or -1. */
  storedByte(offset: number): number {
    if (offset < 0 || offset >= this.size) return -1;
    const blk = this.blocks.get(this.blockOf(offset));
    if (!blk) return -1;
    const i = offset - blk.index * this.blockSize;
    return i < blk.data.length ? blk.data[i] : -1;
  }

  isEdited(offset: number): boolean {
    const blk = this.blocks.get(this.blockOf(offset));
    if (!blk || blk.edited.length === 0) return false;
    for (const [s, e] of blk.edited) if (offset >= s && offset < e) return true;
    return false;
  }

  isOverlaid(offset: number): boolean { return this.overlay.has(offset); }
  get overlayCount(): number { return this.overlay.size; }

  /** Shows a typed byte right away (until the host's re-read arrives). */
  setOverlay(offset: number, value: number): void {
    this.overlay.set(offset, { value: value & 0xff, ack: null });
  }

  clearOverlay(): void { this.overlay.clear(); }

  removeOverlay(offset: number): void { this.overlay.delete(offset); }

  /** Puts the overlay's bytes into out, which holds the bytes from offset (a read past the cache). */
  overlayOnto(out: Uint8Array, offset: number): Uint8Array {
    for (let i = 0; i < out.length; i++) if (this.isOverlaid(offset + i)) out[i] = this.byteAt(offset + i);
    return out;
  }

  /** The bytes [offset, offset + length) if all are cached (overlay applied), else null. */
  slice(offset: number, length: number): Uint8Array | null {
    const end = Math.min(this.size, offset + length);
    if (offset < 0 || end < offset) return null;
    const out = new Uint8Array(end - offset);
    let o = offset;
    while (o < end) {
      const b = this.blockOf(o);
      const blk = this.blocks.get(b);
      if (!blk) return null;
      const base = b * this.blockSize;
      const from = o - base;
      const to = Math.min(blk.data.length, end - base);
      if (to <= from) return null;
      out.set(blk.data.subarray(from, to), o - offset);
      o = base + to;
    }
    if (this.overlay.size > 0) {
      for (const [k, v] of this.overlay) if (k >= offset && k < end) out[k - offset] = v.value;
    }
    return out;
  }

  private touch(blk: CachedBlock): void {
    // Map iteration order is insertion order: re-inserting makes it the most recently used.
    this.blocks.delete(blk.index);
    this.blocks.set(blk.index, blk);
  }

  private evict(): void {
    while (this.blocks.size > this.maxBlocks) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
  }
}
