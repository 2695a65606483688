// Transparent reading of zisofs-compressed file content (zisofs by H. Peter Anvin, as written by
// mkzftree and libisofs/xorriso; zisofs2 by libisofs). Only the blocks a read needs are inflated,
// a pointer-table window and two decoded blocks are cached, every inflate is capped at one block.
// Also the ZF / Z2 System Use entry that marks a file as compressed: its field table, decoder and
// serializer (the file header tables are ZISOFS_HEADER / ZISOFS2_HEADER).
import { inflateSync } from 'node:zlib';
import { CorruptImageError, InvalidArgumentError, UnsupportedFeatureError } from '../errors';
import { MAX_SINGLE_READ } from '../io/source';
import { le64big } from '../bytes/endian';
import { layout, layoutEnd, numOf, putNum, putRaw } from '../structure/layout';
import type { FieldReader } from '../structure/fields';
import type { SuspEntry } from './susp';
import { SUSP_HEADER_SIZE, suspEntry } from './suspEntry';

export type ReadRange = (offset: number /* within the compressed file */, length: number) => Promise<Uint8Array>;

/** zisofs file header magic (zisofs format, "LEGACY" in zisofs2_format.txt). */
export const ZISOFS_MAGIC = [0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07];
/** zisofs2 file header magic. */
export const ZISOFS2_MAGIC = [0xef, 0x22, 0x55, 0xa1, 0xbc, 0x1b, 0x95, 0xa0];

/** zisofs file header (16 bytes; zisofs_format.txt "LEGACY"): magic, uncompressed size, header size / 4, log2 block size, 2 reserved. */
export const ZISOFS_HEADER = layout({
  magic: { at: 0, type: 'bytes', len: 8, name: 'Magic', kind: 'magic' },
  size: { at: 8, type: 'u32le', name: 'Uncompressed Size', kind: 'length' },
  headerSize4: { at: 12, type: 'u8', name: 'Header Size / 4', kind: 'length' },
  log2BlockSize: { at: 13, type: 'u8', name: 'Log2 Block Size' },
  reserved: { at: 14, type: 'bytes', len: 2, name: 'Reserved', kind: 'reserved' },
});
/** zisofs2 file header (24 bytes): magic, header version, header size / 4, algorithm, log2 block size, 64-bit uncompressed size. */
export const ZISOFS2_HEADER = layout({
  magic: { at: 0, type: 'bytes', len: 8, name: 'Magic', kind: 'magic' },
  version: { at: 8, type: 'u8', name: 'Header Version' },
  headerSize4: { at: 9, type: 'u8', name: 'Header Size / 4', kind: 'length' },
  algorithm: { at: 10, type: 'u8', name: 'Algorithm', kind: 'enum' },
  log2BlockSize: { at: 11, type: 'u8', name: 'Log2 Block Size' },
  size: { at: 12, type: 'u64le', name: 'Uncompressed Size', kind: 'length' },
});

/** The ZF entry body (zisofs, SUSP-conforming, not RRIP); entry version 2 (zisofs2) records the size as 64-bit little-endian. */
export const ZF = layout({
  algorithm: { at: 0, type: 'ascii', len: 2, name: 'Algorithm', spec: 'zisofs ZF entry' },
  headerSizeDiv4: { at: 2, type: 'u8', name: 'Header Size Div 4', spec: 'zisofs ZF entry', kind: 'length' },
  log2BlockSize: { at: 3, type: 'u8', name: 'Log2 of Block Size', spec: 'zisofs ZF entry' },
  size: { at: 4, type: 'both32', name: 'Uncompressed Size', spec: 'zisofs ZF entry', kind: 'length' },
  size64: { at: 4, type: 'u64le', name: 'Uncompressed Size', spec: 'zisofs ZF entry', kind: 'length' },
});

export interface ZfInfo { algorithm: string; headerSizeDiv4: number; log2BlockSize: number; uncompressedSize: number }

/** ZF / Z2 (zisofs, SUSP-conforming, not RRIP): algorithm, header size/4, log2 block size, size. */
export function decodeZf(r: FieldReader, e: SuspEntry): { value?: ZfInfo & { version: number }; problem?: string } {
  if (e.data.length < layoutEnd(ZF)) return { problem: `${e.sig} entry too short (${e.length} bytes, needs ${SUSP_HEADER_SIZE + layoutEnd(ZF)})` };
  const algorithm = r.text(ZF.algorithm);
  const headerSizeDiv4 = r.num(ZF.headerSizeDiv4);
  const log2BlockSize = r.num(ZF.log2BlockSize);
  // Version 1: uncompressed size both-endian 32; version 2 (zisofs2): 64-bit little-endian.
  const uncompressedSize = r.num(e.version >= 2 ? ZF.size64 : ZF.size);
  return { value: { algorithm, headerSizeDiv4, log2BlockSize, uncompressedSize, version: e.version } };
}

/** zisofs ZF entry (version 1): algorithm, header size / 4, log2 block size, uncompressed size (both-endian 32). */
export function serializeZf(z: ZfInfo): Uint8Array {
  if (z.algorithm.length !== 2) throw new InvalidArgumentError(`ZF algorithm ${JSON.stringify(z.algorithm)} is not two characters`);
  for (const [v, what] of [[z.headerSizeDiv4, 'header size / 4'], [z.log2BlockSize, 'log2 block size']] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new InvalidArgumentError(`ZF ${what} ${v} does not fit in one byte`);
  }
  const body = new Uint8Array(ZF.size.at + ZF.size.len);
  putRaw(body, ZF.algorithm, Uint8Array.from(z.algorithm, (c) => c.charCodeAt(0) & 0xff));
  putNum(body, ZF.headerSizeDiv4, z.headerSizeDiv4);
  putNum(body, ZF.log2BlockSize, z.log2BlockSize);
  putNum(body, ZF.size, z.uncompressedSize, 0, 'ZF uncompressed size');
  return suspEntry('ZF', body);
}

const ZISOFS2_ALGORITHMS: Record<number, string> = { 1: 'PZ (zlib)', 2: 'XZ', 3: 'L4 (LZ4)', 4: 'ZD (Zstandard)', 5: 'B2 (bzip2)' };
/** One block pointer of a zisofs table (zisofs2: 64-bit, read with le64big to see values above 2^53). */
const POINTER32 = layout({ p: { at: 0, type: 'u32le', name: 'Block Pointer', kind: 'pointer' } }).p;
/** Pointers fetched per table read (bounded memory however large the file). */
const PTR_WINDOW = 1024;

function hasMagic(b: Uint8Array, m: number[]): boolean {
  if (b.length < m.length) return false;
  for (let i = 0; i < m.length; i++) if (b[i] !== m[i]) return false;
  return true;
}

/** True when the first bytes of a file carry the zisofs or zisofs2 header magic. */
export function looksLikeZisofs(first16: Uint8Array): boolean {
  return hasMagic(first16, ZISOFS_MAGIC) || hasMagic(first16, ZISOFS2_MAGIC);
}

export class ZisofsReader {
  /** Uncompressed size. */
  readonly size: number;
  readonly blockSize: number;
  /** 1 = zisofs (32-bit pointers), 2 = zisofs2 (64-bit pointers). */
  readonly version: 1 | 2;
  readonly headerSize: number;
  readonly blockCount: number;

  private readonly ptrSize: number;
  private ptrWindow: { first: number; values: number[] } | null = null;
  private readonly cache: Array<{ index: number; data: Uint8Array }> = [];

  private constructor(
    private readonly readRange: ReadRange, readonly compressedSize: number, private readonly where: string,
    private readonly absBase: number | undefined,
    h: { version: 1 | 2; size: number; log2: number; headerSize: number },
  ) {
    this.version = h.version;
    this.size = h.size;
    this.blockSize = 2 ** h.log2;
    this.headerSize = h.headerSize;
    this.ptrSize = h.version === 2 ? 8 : 4;
    this.blockCount = Math.ceil(h.size / this.blockSize);
  }

  private loc(structure: string, fileOffset: number): { structure: string; offset?: number } {
    return { structure: `${structure} of ${this.where}`, offset: this.absBase === undefined ? undefined : this.absBase + fileOffset };
  }

  /**
   * Reads and validates the header (zisofs: magic, u32le size, header size/4, log2 block size, 2
   * reserved; zisofs2: magic, version, header size/4, algorithm, log2 block size, u64le size) and
   * the first and last block pointers. `absBase` (absolute image offset of the file data, if
   * contiguous) only improves error locations.
   */
  static async open(read: ReadRange, compressedSize: number, where: string, absBase?: number): Promise<ZisofsReader> {
    const hdrLoc = { structure: `zisofs header of ${where}`, offset: absBase };
    if (!Number.isSafeInteger(compressedSize) || compressedSize < 16) {
      throw new CorruptImageError(`compressed size ${compressedSize} is too small for a zisofs header`, hdrLoc);
    }
    const h = await read(0, Math.min(24, compressedSize));
    if (h.length < 16) throw new CorruptImageError(`zisofs header truncated (${h.length} bytes)`, hdrLoc);
    let version: 1 | 2, size: number, log2: number, headerSize: number;
    if (hasMagic(h, ZISOFS_MAGIC)) {
      const H = ZISOFS_HEADER;
      version = 1;
      size = numOf(h, H.size);
      headerSize = numOf(h, H.headerSize4) * 4;
      log2 = numOf(h, H.log2BlockSize);
      if (headerSize < 16) throw new CorruptImageError(`zisofs header size ${headerSize} is smaller than the 16-byte header`, hdrLoc);
    } else if (hasMagic(h, ZISOFS2_MAGIC)) {
      const H = ZISOFS2_HEADER;
      version = 2;
      if (h.length < 24) throw new CorruptImageError(`zisofs2 header truncated (${h.length} bytes)`, hdrLoc);
      const hv = numOf(h, H.version);
      if (hv !== 0) throw new UnsupportedFeatureError(`zisofs2 header version ${hv} is not supported (only 0)`, hdrLoc);
      headerSize = numOf(h, H.headerSize4) * 4;
      const alg = numOf(h, H.algorithm);
      log2 = numOf(h, H.log2BlockSize);
      if (alg !== 1) {
        throw new UnsupportedFeatureError(`zisofs2 compression algorithm ${ZISOFS2_ALGORITHMS[alg] ?? `#${alg}`} is not supported (only PZ/zlib)`, hdrLoc);
      }
      if (headerSize < 24) throw new CorruptImageError(`zisofs2 header size ${headerSize} is smaller than the 24-byte header`, hdrLoc);
      const big = le64big(h, H.size.at);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new UnsupportedFeatureError(`zisofs2 uncompressed size ${big} exceeds 2^53`, hdrLoc);
      size = Number(big);
    } else {
      throw new CorruptImageError('file is marked zisofs-compressed (ZF) but has no zisofs header magic', hdrLoc);
    }
    // zisofs / zisofs2 allow block sizes 2^15, 2^16, 2^17 only.
    if (log2 < 15 || log2 > 17) throw new CorruptImageError(`zisofs log2 block size ${log2} is out of range (15..17)`, hdrLoc);
    const z = new ZisofsReader(read, compressedSize, where, absBase, { version, size, log2, headerSize });
    const tableEnd = headerSize + (z.blockCount + 1) * z.ptrSize;
    if (tableEnd > compressedSize) {
      throw new CorruptImageError(`zisofs block pointer table (${z.blockCount + 1} pointers) does not fit in the ${compressedSize}-byte compressed file; uncompressed size ${size} is implausible or the data is truncated`, hdrLoc);
    }
    const first = await z.pointer(0);
    const last = await z.pointer(z.blockCount);
    if (first < tableEnd || last < first) {
      throw new CorruptImageError(`zisofs block pointers are inconsistent (first ${first}, last ${last}, table ends at ${tableEnd})`, z.loc('zisofs block pointer table', headerSize));
    }
    if (last > compressedSize) {
      throw new CorruptImageError(`zisofs data ends at byte ${last} but the compressed file has only ${compressedSize} bytes (truncated)`, z.loc('zisofs block pointer table', headerSize));
    }
    return z;
  }

  /** Block pointer i (0..blockCount), read through a bounded window of the table. */
  private async pointer(i: number): Promise<number> {
    const w = this.ptrWindow;
    if (w && i >= w.first && i < w.first + w.values.length) return w.values[i - w.first];
    const first = Math.floor(i / PTR_WINDOW) * PTR_WINDOW;
    const count = Math.min(PTR_WINDOW, this.blockCount + 1 - first);
    const off = this.headerSize + first * this.ptrSize;
    const b = await this.readRange(off, count * this.ptrSize);
    if (b.length < count * this.ptrSize) {
      throw new CorruptImageError(`zisofs block pointer table truncated (${b.length} of ${count * this.ptrSize} bytes)`, this.loc('zisofs block pointer table', off));
    }
    const values: number[] = [];
    for (let k = 0; k < count; k++) {
      if (this.ptrSize === 4) values.push(numOf(b, POINTER32, k * 4));
      else {
        const v = le64big(b, k * 8);
        values.push(v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));
      }
    }
    this.ptrWindow = { first, values };
    return values[i - first];
  }

  /** Uncompressed length of block i. */
  private blockLength(i: number): number {
    return Math.min(this.blockSize, this.size - i * this.blockSize);
  }

  private async block(i: number): Promise<Uint8Array> {
    const hit = this.cache.find(c => c.index === i);
    if (hit) return hit.data;
    const start = await this.pointer(i);
    const end = await this.pointer(i + 1);
    const want = this.blockLength(i);
    const loc = this.loc(`zisofs block ${i}`, start);
    let data: Uint8Array;
    if (end < start) throw new CorruptImageError(`zisofs block pointers decrease (${start} → ${end})`, loc);
    if (end > this.compressedSize) throw new CorruptImageError(`zisofs block ${i} ends at byte ${end}, beyond the ${this.compressedSize}-byte compressed file`, loc);
    if (end === start) {
      data = new Uint8Array(want); // zero-length block: all zeros
    } else {
      // zlib never expands a block by more than a few bytes per 16 KiB; anything larger is corrupt.
      if (end - start > this.blockSize + 1024) throw new CorruptImageError(`zisofs block ${i} has implausible compressed length ${end - start}`, loc);
      const comp = await this.readRange(start, end - start);
      if (comp.length < end - start) throw new CorruptImageError(`zisofs block ${i} truncated (${comp.length} of ${end - start} bytes)`, loc);
      try {
        data = inflateSync(comp, { maxOutputLength: this.blockSize });
      } catch (e) {
        throw new CorruptImageError(`zisofs block ${i} does not inflate: ${(e as Error).message}`, loc);
      }
      if (data.length !== want) throw new CorruptImageError(`zisofs block ${i} inflates to ${data.length} bytes, expected ${want}`, loc);
    }
    this.cache.push({ index: i, data });
    if (this.cache.length > 2) this.cache.shift();
    return data;
  }

  /** Reads up to `length` uncompressed bytes at `offset` (fewer at the end of the file). */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new InvalidArgumentError(`bad read range offset=${offset} length=${length}`, { structure: `zisofs data of ${this.where}` });
    }
    if (length > MAX_SINGLE_READ) {
      throw new InvalidArgumentError(`refusing to read ${length} bytes at once (limit ${MAX_SINGLE_READ})`, { structure: `zisofs data of ${this.where}` });
    }
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    const out = new Uint8Array(end - offset);
    let pos = offset;
    while (pos < end) {
      const i = Math.floor(pos / this.blockSize);
      const b = await this.block(i);
      const inBlock = pos - i * this.blockSize;
      const n = Math.min(b.length - inBlock, end - pos);
      out.set(b.subarray(inBlock, inBlock + n), pos - offset);
      pos += n;
    }
    return out;
  }
}
