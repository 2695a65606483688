// Byte-pattern search over a whole image (any ByteSource; the sector editor's Find): hex with "??"
// wildcards, or text encoded as ASCII/UTF-8, UTF-16LE or UTF-16BE, optionally ASCII
// case-insensitive. One streaming pass through two reused chunk buffers; the pattern's length
// minus one byte is carried from one chunk into the next so matches across chunk boundaries
// are found, each exactly once. (Text search in the files of an image is textSearch/.)
// searchBytes is one ~90-line loop: its window, carry and read-ahead state read best together.
import { InvalidArgumentError } from './errors';
import { readIntoAny, type ByteSource } from './io/source';

export type SearchKind = 'hex' | 'ascii' | 'utf16le' | 'utf16be';

export interface BytePattern {
  bytes: Uint8Array;
  /** Per byte: 0x00 = wildcard, 0xff = must match; null when every byte must match. */
  mask: Uint8Array | null;
  /** ASCII letters match in either case. */
  foldAscii: boolean;
}

export const MAX_PATTERN_BYTES = 4096;

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Parses hex ("55 aa", "55AA", "0x55 0xAA", "??" = any byte) or encodes text ("ascii" is encoded
 * as UTF-8, so plain ASCII stays one byte a character; UTF-16 as code units, surrogate pairs
 * included). Throws InvalidArgumentError with a clear message on bad input, an empty pattern or
 * one longer than 4096 bytes. `caseSensitive` false folds ASCII letters (text kinds only).
 */
export function compilePattern(kind: SearchKind, pattern: string, caseSensitive: boolean): BytePattern {
  if (typeof pattern !== 'string') throw new InvalidArgumentError('the search pattern must be a string');
  let bytes: Uint8Array;
  let mask: Uint8Array | null = null;
  let foldAscii = false;
  switch (kind) {
    case 'hex': {
      const tokens = pattern.split(/[\s,]+/).filter(t => t !== '').map(t => t.replace(/^0x/i, ''));
      const compact = tokens.join('');
      if (compact.length === 0) throw new InvalidArgumentError('empty search pattern: type hex bytes such as "55 AA" ("??" matches any byte)');
      if (compact.length % 2 !== 0) throw new InvalidArgumentError(`odd number of hex digits in ${JSON.stringify(pattern.trim())}: each byte needs two digits ("0A", not "A")`);
      const n = compact.length / 2;
      if (n > MAX_PATTERN_BYTES) throw new InvalidArgumentError(`search pattern is ${n} bytes; the limit is ${MAX_PATTERN_BYTES}`);
      bytes = new Uint8Array(n);
      const m = new Uint8Array(n);
      let wild = false;
      for (let i = 0; i < n; i++) {
        const t = compact.slice(2 * i, 2 * i + 2);
        if (t === '??') { m[i] = 0; wild = true; continue; }
        if (!HEX.test(t)) {
          throw new InvalidArgumentError(`not a hex byte: ${JSON.stringify(t)} (byte ${i + 1} of ${JSON.stringify(pattern.trim())}); use two hex digits per byte, or "??" for any byte`);
        }
        bytes[i] = parseInt(t, 16);
        m[i] = 0xff;
      }
      if (wild) mask = m;
      break;
    }
    case 'ascii':
      if (pattern.length === 0) throw new InvalidArgumentError('empty search pattern');
      bytes = new Uint8Array(Buffer.from(pattern, 'utf8'));
      foldAscii = !caseSensitive;
      break;
    case 'utf16le':
    case 'utf16be': {
      if (pattern.length === 0) throw new InvalidArgumentError('empty search pattern');
      bytes = new Uint8Array(pattern.length * 2);
      for (let i = 0; i < pattern.length; i++) {
        const u = pattern.charCodeAt(i);
        if (kind === 'utf16le') { bytes[2 * i] = u & 0xff; bytes[2 * i + 1] = u >> 8; } else { bytes[2 * i] = u >> 8; bytes[2 * i + 1] = u & 0xff; }
      }
      foldAscii = !caseSensitive;
      break;
    }
    default:
      throw new InvalidArgumentError(`unknown search kind ${JSON.stringify(kind)} (hex, ascii, utf16le, utf16be)`);
  }
  if (bytes.length > MAX_PATTERN_BYTES) throw new InvalidArgumentError(`search pattern is ${bytes.length} bytes; the limit is ${MAX_PATTERN_BYTES}`);
  // Folding only matters when the pattern holds a letter.
  if (foldAscii && !bytes.some(isLetter)) foldAscii = false;
  return { bytes, mask, foldAscii };
}

function isLetter(b: number): boolean { return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a); }
function lower(b: number): number { return b >= 0x41 && b <= 0x5a ? b | 0x20 : b; }

export interface ByteSearchOptions {
  /** Where the search starts; it wraps around to 0 and ends just before `from`. Default 0. */
  from?: number;
  signal?: AbortSignal;
  /** Default 10000. */
  maxHits?: number;
  /** Default 4 MiB. */
  chunkSize?: number;
  /** New hits since the last call; called at least once per chunk. */
  onProgress?: (scanned: number, total: number, hits: number[]) => void;
}

/** Finds the matches starting in buf[0, limit) (buf must hold limit + m - 1 bytes to see them all). */
type Matcher = (buf: Uint8Array, limit: number, found: (pos: number) => boolean) => void;

function exactMatcher(p: Uint8Array): Matcher {
  const needle = Buffer.from(p);
  return (buf, limit, found) => {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    let i = b.indexOf(needle, 0);
    while (i >= 0 && i < limit) {
      if (!found(i)) return;
      i = b.indexOf(needle, i + 1);
    }
  };
}

/** Masked and/or case-folded patterns: candidates from an anchor byte, then a full compare. */
function generalMatcher(p: BytePattern): Matcher {
  const m = p.bytes.length;
  const fixed = (i: number) => !p.mask || p.mask[i] !== 0;
  const want = new Uint8Array(m);
  const care = new Uint8Array(m);
  const fold = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    care[i] = fixed(i) ? 1 : 0;
    fold[i] = p.foldAscii && isLetter(p.bytes[i]) ? 1 : 0;
    want[i] = fold[i] ? lower(p.bytes[i]) : p.bytes[i];
  }
  // Anchor: the longest run of fixed, unfolded bytes (one Buffer.indexOf per candidate, selective
  // even on zero-filled data); else a fixed letter (both cases); else none (all wildcards).
  let runStart = -1, runLen = 0;
  for (let i = 0; i < m;) {
    if (!care[i] || fold[i]) { i++; continue; }
    let j = i;
    while (j < m && care[j] && !fold[j]) j++;
    if (j - i > runLen) { runStart = i; runLen = j - i; }
    i = j;
  }
  let anchor = runStart;
  if (anchor < 0) for (let i = 0; i < m; i++) if (care[i]) { anchor = i; break; }
  const matchesAt = (buf: Uint8Array, pos: number): boolean => {
    for (let k = 0; k < m; k++) {
      if (!care[k]) continue;
      const v = buf[pos + k];
      if ((fold[k] ? lower(v) : v) !== want[k]) return false;
    }
    return true;
  };
  if (anchor < 0) { // all wildcards: every position whose m bytes exist matches
    return (buf, limit, found) => {
      const stop = Math.min(limit, buf.length - m + 1);
      for (let i = 0; i < stop; i++) if (!found(i)) return;
    };
  }
  const a = anchor;
  const needles = runLen > 0 ? [Buffer.from(want.subarray(a, a + runLen))] : [Buffer.from([want[a]]), Buffer.from([want[a] & ~0x20])];
  return (buf, limit, found) => {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const stop = Math.min(limit, buf.length - m + 1); // last start whose bytes are all present
    if (stop <= 0) return;
    // Next occurrence of each anchor needle at or after the current candidate position.
    const next = needles.map(v => b.indexOf(v, a));
    for (;;) {
      let best = -1, which = -1;
      for (let k = 0; k < next.length; k++) if (next[k] >= 0 && (best < 0 || next[k] < best)) { best = next[k]; which = k; }
      if (best < 0) return;
      const pos = best - a;
      if (pos >= stop) return;
      if (matchesAt(buf, pos) && !found(pos)) return;
      next[which] = b.indexOf(needles[which], best + 1);
    }
  };
}

/**
 * Streams the whole source once from `from` to the end then from 0 to from (wrap-around), in
 * order of that traversal; overlapping matches found across chunk boundaries exactly once.
 * Returns all hit offsets (≤ maxHits) and whether it was truncated/cancelled. Memory: two
 * chunk buffers, never the whole source.
 */
// eslint-disable-next-line max-lines-per-function -- one loop whose window, carry and read-ahead state read best together (header)
export async function searchBytes(src: ByteSource, p: BytePattern, opts: ByteSearchOptions = {}): Promise<{ hits: number[]; truncated: boolean; cancelled: boolean }> {
  const m = p.bytes.length;
  const { start, maxHits, chunkSize } = checkedOptions(src, p, opts);
  const size = src.size;
  const signal = opts.signal;

  const exact = !p.mask && !p.foldAscii;
  const matcher = exact ? exactMatcher(p.bytes) : generalMatcher(p);
  const hits: number[] = [];
  let reported = 0;
  let truncated = false;
  let cancelled = false;
  let scanned = 0;
  const total = size;
  const progress = () => {
    if (!opts.onProgress) return;
    const fresh = hits.slice(reported);
    reported = hits.length;
    opts.onProgress(Math.min(scanned, total), total, fresh);
  };
  if (signal?.aborted) return { hits, truncated, cancelled: true };

  const segments = wrapSegments(start, size, m);

  const carry = m - 1;
  const bufs = [new Uint8Array(chunkSize + carry), new Uint8Array(chunkSize + carry)];
  outer: for (const seg of segments) {
    // A window covers buffer bytes [0, have); its first `kept` bytes were carried over from the
    // previous window. Starts are reported for positions [0, have - carry) of each window except
    // the last, where every position with m bytes is checked.
    let cur = 0;
    let winStart = seg.s; // absolute offset of buffer byte 0
    let kept = 0;
    let readPos = seg.s;
    const readNext = (buf: Uint8Array, at: number): Promise<number> => {
      const n = Math.min(chunkSize, seg.e - readPos);
      if (n <= 0) return Promise.resolve(0);
      const p0 = readPos;
      readPos += n;
      return readIntoAny(src, p0, buf.subarray(at, at + n));
    };
    let pending: Promise<number> | null = readNext(bufs[cur], 0);
    while (pending) {
      const got = await pending;
      pending = null;
      const have = kept + got;
      const buf = bufs[cur];
      const last = readPos >= seg.e || got === 0;
      // Start the next read into the other buffer, after carrying this window's tail there.
      const nxt = cur ^ 1;
      let nextKept = 0;
      if (!last) {
        nextKept = Math.min(carry, have);
        bufs[nxt].set(buf.subarray(have - nextKept, have), 0);
        pending = readNext(bufs[nxt], nextKept);
      }
      // Positions fully decided in this window: all of them if last, else those whose m bytes fit.
      const limitInWindow = last ? have : have - nextKept;
      const reportLimit = Math.min(limitInWindow, seg.reportEnd - winStart);
      if (reportLimit > 0) {
        const view = buf.subarray(0, have);
        let stop = false;
        matcher(view, reportLimit, (pos) => {
          if (hits.length >= maxHits) { truncated = true; stop = true; return false; }
          hits.push(winStart + pos);
          return true;
        });
        if (stop) {
          if (pending) await pending.catch(() => 0);
          scanned += got;
          progress();
          break outer;
        }
      }
      scanned += got;
      progress();
      if (signal?.aborted) {
        cancelled = true;
        if (pending) await pending.catch(() => 0);
        break outer;
      }
      if (got === 0) break; // source shorter than announced
      winStart += have - nextKept;
      kept = nextKept;
      cur = nxt;
    }
  }
  // The wrap-around segment re-reads m - 1 bytes; do not count them twice.
  scanned = Math.min(scanned, total);
  return { hits, truncated, cancelled };
}

/** Validated options: where to start, the hit limit, the read size. */
function checkedOptions(src: ByteSource, p: BytePattern, opts: ByteSearchOptions): { start: number; maxHits: number; chunkSize: number } {
  const m = p.bytes.length;
  if (m === 0) throw new InvalidArgumentError('empty search pattern');
  if (p.mask && p.mask.length !== m) throw new InvalidArgumentError(`pattern mask has ${p.mask.length} bytes for a ${m}-byte pattern`);
  const from = opts.from ?? 0;
  if (!Number.isSafeInteger(from) || from < 0) throw new InvalidArgumentError(`bad search start ${from}`, { image: src.name });
  const maxHits = opts.maxHits ?? 10000;
  if (!Number.isSafeInteger(maxHits) || maxHits < 0) throw new InvalidArgumentError(`bad maxHits ${maxHits}`);
  const chunkSize = opts.chunkSize ?? 4 * 1024 * 1024;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new InvalidArgumentError(`bad chunk size ${chunkSize}`);
  return { start: Math.min(from, src.size), maxHits, chunkSize };
}

/**
 * The two passes of a wrap-around search: matches starting in [start, size), then those starting
 * in [0, start) (the bytes of the latter may run up to start + m - 1).
 */
function wrapSegments(start: number, size: number, m: number): Array<{ s: number; e: number; reportEnd: number }> {
  const segments: Array<{ s: number; e: number; reportEnd: number }> = [];
  if (start < size) segments.push({ s: start, e: size, reportEnd: size });
  if (start > 0) segments.push({ s: 0, e: Math.min(size, start + m - 1), reportEnd: start });
  return segments;
}
