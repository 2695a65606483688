// What lies at a byte offset of an image: a file's data (and where in the file), a decoded
// structure, the system area, space no file or structure uses, or bytes past the volume. The
// sector editor's status line and "go to file" use it. Built once per decoded image: every file
// extent of the active namespace and every structure of the map, in sorted typed arrays, so a
// lookup is two binary searches.
import { CancelledError, IsoError } from './errors';
import type { DiscImage, FileNode } from './image';
import type { Structure } from './structure/fields';
import { rangeOffset } from './iso9660/directoryRecord';
import type { DataRange } from './types';
import { SECTOR_SIZE, SYSTEM_AREA_SECTORS } from './bytes/sector';

export type ImageLocation =
  | { kind: 'file'; path: string; fileOffset: number }
  | { kind: 'structure'; id: string; name: string }
  | { kind: 'system-area' } | { kind: 'unallocated' } | { kind: 'beyond-volume' };

/** ECMA-119 6.2.1 / ECMA-167 2/8.3: the first 16 2048-byte sectors are the system area. */
const SYSTEM_AREA_END = SYSTEM_AREA_SECTORS * SECTOR_SIZE;
/** Longest backward scan for a file extent that overlaps later-starting ones (corrupt images). */
const MAX_BACKSCAN = 64;

interface StructEntry { id: string; name: string; start: number; end: number; order: number }

/** Index of the last element of sorted `a` (first n) that is <= x, or -1. */
function lastLE(a: Float64Array, n: number, x: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1; else hi = mid;
  }
  return lo - 1;
}

/** A binary min-heap of structure indices ordered by a caller's comparison. */
class Heap {
  private readonly a: number[] = [];
  constructor(private readonly less: (x: number, y: number) => boolean) {}
  get size(): number { return this.a.length; }
  peek(): number { return this.a[0]; }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): void {
    const a = this.a;
    const last = a.pop()!;
    if (a.length === 0) return;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l], a[m])) m = l;
      if (r < a.length && this.less(a[r], a[m])) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }
}

/** File extents as the directory walk finds them (unsorted), and the files' names and folders. */
interface RawIndex {
  starts: number[]; ends: number[]; offs: number[]; files: number[];
  /** Interleaved ranges by extent index. */
  strided: Map<number, DataRange>;
  fileDir: number[]; fileName: string[]; dirPaths: string[];
}

function emptyIndex(): RawIndex {
  return { starts: [], ends: [], offs: [], files: [], strided: new Map(), fileDir: [], fileName: [], dirPaths: [] };
}

/**
 * Walks the active namespace breadth-first (each directory once: loop guard), streaming each
 * directory a batch at a time (a directory of a million entries), recording every file extent and
 * each directory's extent as a structure. An unreadable directory is a warning; indexing goes on.
 */
async function indexFiles(img: DiscImage, addStruct: (id: string, name: string, start: number, length: number) => void, signal?: AbortSignal): Promise<RawIndex> {
  const x = emptyIndex();
  const seen = new Set<number>();
  const queue: Array<{ node: FileNode; dirIdx: number } | undefined> = [{ node: img.root, dirIdx: 0 }];
  x.dirPaths.push('/');
  for (let q = 0; q < queue.length; q++) {
    if (signal?.aborted) throw new CancelledError('indexing cancelled', { image: img.name });
    const { node: dir, dirIdx } = queue[q]!;
    if (!dir.dir || seen.has(dir.dir.lba)) continue;
    seen.add(dir.dir.lba);
    addStruct(img.directoryStructureId(dir), img.directoryStructureName(dir), dir.dir.lba * img.primary.logicalBlockSize, dir.dir.length);
    try {
      for await (const kids of img.readdirStream(dir)) {
        for (const k of kids) {
          if (k.type === 'dir') {
            if (k.dir && !seen.has(k.dir.lba)) {
              x.dirPaths.push(k.path);
              queue.push({ node: k, dirIdx: x.dirPaths.length - 1 });
            }
          } else if (k.type === 'file' && k.ranges.length > 0) addFile(x, k, dirIdx);
        }
      }
    } catch (e) {
      if (e instanceof CancelledError || !(e instanceof IsoError)) throw e;
      img.diagnostics.warn(`directory ${dir.path} unreadable while indexing: ${e.message}`, 'directory', dir.dir.lba * img.primary.logicalBlockSize);
      continue;
    }
    // Nodes of finished levels are not needed again.
    queue[q] = undefined;
  }
  return x;
}

function addFile(x: RawIndex, k: FileNode, dirIdx: number): void {
  const f = x.fileName.length;
  x.fileName.push(k.name);
  x.fileDir.push(dirIdx);
  let fo = 0;
  for (const r of k.ranges) {
    if (r.length > 0) {
      // An interleaved range spans from its first to its last byte; lookups skip its gaps.
      if (r.stride) x.strided.set(x.starts.length, r);
      x.starts.push(r.offset); x.ends.push(rangeOffset(r, r.length - 1) + 1); x.offs.push(fo); x.files.push(f);
    }
    fo += r.length;
  }
}

/** File extents sorted by start (stable: the first file recorded wins among equal starts), with the running maximum of their ends. */
function sortExtents(x: RawIndex) {
  const n = x.starts.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => x.starts[a] - x.starts[b] || a - b);
  const fStart = new Float64Array(n), fEnd = new Float64Array(n), fMaxEnd = new Float64Array(n), fFileOff = new Float64Array(n);
  const fFile = new Int32Array(n);
  const fStride = new Map<number, DataRange>();
  let maxEnd = 0;
  for (let i = 0; i < n; i++) {
    const j = idx[i];
    fStart[i] = x.starts[j]; fEnd[i] = x.ends[j]; fFileOff[i] = x.offs[j]; fFile[i] = x.files[j];
    const st = x.strided.get(j);
    if (st) fStride.set(i, st);
    maxEnd = Math.max(maxEnd, x.ends[j]);
    fMaxEnd[i] = maxEnd;
  }
  return { fStart, fEnd, fMaxEnd, fFileOff, fFile, fStride };
}

/**
 * Segmentation by sweep: at each breakpoint add the structures starting there and drop those that
 * ended; the innermost (shortest, then latest) active one owns the segment. Segment k is
 * [breaks[k], breaks[k + 1]) and belongs to structs[winners[k]] (none when -1).
 */
function segment(structs: StructEntry[]): { breaks: Float64Array; winners: Int32Array } {
  const byStart = structs.map((_, i) => i).sort((a, b) => structs[a].start - structs[b].start);
  const points = [...new Set(structs.flatMap(s => [s.start, s.end]))].sort((a, b) => a - b);
  const len = (i: number) => structs[i].end - structs[i].start;
  const heap = new Heap((a, b) => len(a) < len(b) || (len(a) === len(b) && structs[a].order > structs[b].order));
  const br: number[] = [];
  const win: number[] = [];
  let p = 0;
  for (const x of points) {
    while (p < byStart.length && structs[byStart[p]].start <= x) heap.push(byStart[p++]);
    // Lazy deletion of ended structures; an ended one below the top is dropped when it surfaces.
    while (heap.size > 0 && structs[heap.peek()].end <= x) heap.pop();
    const w = heap.size > 0 ? heap.peek() : -1;
    if (win.length > 0 && win[win.length - 1] === w) continue;
    br.push(x);
    win.push(w);
  }
  return { breaks: Float64Array.from(br), winners: Int32Array.from(win) };
}

export class Locator {
  private constructor(
    private readonly size: number,
    private readonly volumeEnd: number,
    // File extents sorted by start.
    private readonly fStart: Float64Array,
    private readonly fEnd: Float64Array,
    private readonly fMaxEnd: Float64Array,
    private readonly fFileOff: Float64Array,
    private readonly fFile: Int32Array,
    // Interleaved ranges (ECMA-119 6.4.3): the range itself, by extent index; others contiguous.
    private readonly fStride: Map<number, DataRange>,
    private readonly fileDir: Int32Array,
    private readonly fileName: string[],
    private readonly dirPaths: string[],
    // Structure segmentation: segment k = [sBreak[k], sBreak[k + 1]) belongs to structs[sWin[k]] (or none when -1).
    private readonly sBreak: Float64Array,
    private readonly sWin: Int32Array,
    private readonly structs: StructEntry[],
    private readonly wholeFile: Uint8Array,
  ) {}

  /**
   * Indexes every file extent of the image's active namespace (multi-extent files included,
   * paths as the active namespace shows them) and the given structures (flattened). Bounded:
   * walks each directory once (loop guard); memory ~ a few dozen bytes per extent. Directory
   * extents are indexed as structures (ids as DiscImage.directoryStructureId gives them).
   */
  static async build(img: DiscImage | null, structures: Structure[], size: number, signal?: AbortSignal): Promise<Locator> {
    const structs: StructEntry[] = [];
    const addStruct = (id: string, name: string, start: number, length: number) => {
      if (!(length > 0) || !Number.isFinite(start) || start < 0) return;
      structs.push({ id, name, start, end: start + length, order: structs.length });
    };
    const raw = img ? await indexFiles(img, addStruct, signal) : emptyIndex();
    const volumeEnd = img ? img.primary.volumeSpaceSize * img.primary.logicalBlockSize : size;
    const f = sortExtents(raw);
    // Structures, flattened (parents before children, so children win ties of equal length).
    const visit = (s: Structure) => {
      addStruct(s.id, s.name, s.offset, s.length);
      for (const c of s.children) visit(c);
    };
    for (const s of structures) visit(s);
    const wholeFile = new Uint8Array(structs.length);
    for (let i = 0; i < structs.length; i++) {
      const s = structs[i];
      let k = lastLE(f.fStart, f.fStart.length, s.start);
      while (k >= 0 && f.fStart[k] === s.start) {
        if (f.fEnd[k] === s.end && f.fFileOff[k] === 0) { wholeFile[i] = 1; break; }
        k--;
      }
    }
    const seg = segment(structs);
    return new Locator(size, volumeEnd, f.fStart, f.fEnd, f.fMaxEnd, f.fFileOff, f.fFile, f.fStride, Int32Array.from(raw.fileDir), raw.fileName, raw.dirPaths,
      seg.breaks, seg.winners, structs, wholeFile);
  }

  private pathOf(file: number): string {
    const d = this.dirPaths[this.fileDir[file]];
    return d === '/' ? `/${this.fileName[file]}` : `${d}/${this.fileName[file]}`;
  }

  /** The file extent containing the offset (index into the sorted arrays), or -1. */
  private fileAt(offset: number): number {
    const n = this.fStart.length;
    let k = lastLE(this.fStart, n, offset);
    for (let steps = 0; k >= 0 && steps < MAX_BACKSCAN; k--, steps++) {
      if (offset < this.fEnd[k] && this.inUnit(k, offset) >= 0) return k;
      if (this.fMaxEnd[k] <= offset) return -1; // nothing at or before k reaches the offset
    }
    return -1;
  }

  /** Byte position within extent k of the image offset (inside its span), or -1 in a gap. */
  private inUnit(k: number, offset: number): number {
    const r = this.fStride.get(k);
    if (!r) return offset - this.fStart[k];
    const { unit, gap, phase } = r.stride!;
    const q = offset - (r.offset - phase);
    const period = Math.floor(q / (unit + gap));
    const within = q - period * (unit + gap);
    if (within >= unit) return -1;
    const pos = period * unit + within - phase;
    return pos >= 0 && pos < r.length ? pos : -1;
  }

  private structAt(offset: number): number {
    const k = lastLE(this.sBreak, this.sBreak.length, offset);
    return k >= 0 ? this.sWin[k] : -1;
  }

  /**
   * Innermost structure containing the offset wins over a file only if it is not a whole-file
   * structure (boot images are both: return the file). O(log n).
   */
  locate(offset: number): ImageLocation {
    if (!Number.isFinite(offset) || offset < 0 || offset >= this.size) return { kind: 'beyond-volume' };
    const s = this.structAt(offset);
    const f = this.fileAt(offset);
    if (s >= 0 && !(f >= 0 && this.wholeFile[s])) {
      const st = this.structs[s];
      return { kind: 'structure', id: st.id, name: st.name };
    }
    if (f >= 0) return { kind: 'file', path: this.pathOf(this.fFile[f]), fileOffset: this.fFileOff[f] + this.inUnit(f, offset) };
    if (offset < SYSTEM_AREA_END) return { kind: 'system-area' };
    if (offset >= this.volumeEnd) return { kind: 'beyond-volume' };
    return { kind: 'unallocated' };
  }

  /** Files whose data starts at the LBA (2048-byte blocks; for "open the file a boot entry points to"). */
  fileAtLba(lba: number): string | null {
    const at = lba * SECTOR_SIZE;
    const n = this.fStart.length;
    for (let k = lastLE(this.fStart, n, at); k >= 0 && this.fStart[k] === at; k--) {
      // The first-recorded file among those starting here is the lowest k with this start.
      if (k === 0 || this.fStart[k - 1] !== at) {
        for (let j = k; j < n && this.fStart[j] === at; j++) if (this.fFileOff[j] === 0) return this.pathOf(this.fFile[j]);
        return null;
      }
    }
    return null;
  }

  /** Number of indexed file extents and structures (diagnostics, tests). */
  get counts(): { extents: number; structures: number } {
    return { extents: this.fStart.length, structures: this.structs.length };
  }
}
