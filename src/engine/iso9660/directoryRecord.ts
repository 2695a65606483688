// ECMA-119 9.1 Directory record (and 6.8 directory layout, 6.4.3 interleaving): its field table
// (DIR_RECORD), used by the parser, the directory reader and serializeDirectoryRecord.
import { CorruptImageError, InvalidArgumentError, type DiagnosticSink } from '../errors';
import type { ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure/fields';
import { layout, layoutEnd, putNum, putRaw } from '../structure/layout';
import { date7Field, encodeDate7, type IsoDate } from './dates';
import type { DataRange } from '../types';
import { SECTOR_SIZE } from '../bytes/sector';
import { be16 } from '../bytes/endian';
import { joinPath } from '../paths';

/** Directory extents larger than this are treated as corrupt (no real directory comes close). */
export const MAX_DIRECTORY_SIZE = 64 * 1024 * 1024;

/** ECMA-119 9.1.1-9.1.10: the fixed part of a directory record; the file identifier follows. */
export const DIR_RECORD = layout({
  length: { at: 0, type: 'u8', name: 'Length of Directory Record', spec: '9.1.1', kind: 'length' },
  extAttrLength: { at: 1, type: 'u8', name: 'Extended Attribute Record Length', spec: '9.1.2', kind: 'length' },
  extentLba: { at: 2, type: 'both32', name: 'Location of Extent', spec: '9.1.3', kind: 'pointer' },
  dataLength: { at: 10, type: 'both32', name: 'Data Length', spec: '9.1.4', kind: 'length' },
  recorded: { at: 18, type: 'bytes', len: 7, name: 'Recording Date and Time', spec: '9.1.5', kind: 'date' },
  flags: { at: 25, type: 'u8', name: 'File Flags', spec: '9.1.6', kind: 'flags' },
  fileUnitSize: { at: 26, type: 'u8', name: 'File Unit Size', spec: '9.1.7' },
  interleaveGap: { at: 27, type: 'u8', name: 'Interleave Gap Size', spec: '9.1.8' },
  volumeSequenceNumber: { at: 28, type: 'both16', name: 'Volume Sequence Number', spec: '9.1.9' },
  identifierLength: { at: 32, type: 'u8', name: 'Length of File Identifier', spec: '9.1.10', kind: 'length' },
});
/** Fixed part of a directory record (9.1.1-9.1.10) before the file identifier. */
export const DIR_RECORD_FIXED = layoutEnd(DIR_RECORD);
/** Shortest directory record: the fixed part and a one-byte identifier (the root record's size, 8.4.18). */
const MIN_RECORD = DIR_RECORD_FIXED + 1;

/** ECMA-119 9.1.6 File Flags bits. */
export const FILE_FLAGS = {
  hidden: 0x01,       // Existence
  directory: 0x02,
  associated: 0x04,   // Associated File
  record: 0x08,       // Record format in the extended attribute record
  protection: 0x10,
  reserved: 0x60,
  multiExtent: 0x80,
} as const;

export interface DirectoryRecord {
  /** Absolute byte offset of the record in the image. */
  offset: number;
  length: number;
  extAttrLength: number;
  extentLba: number;
  dataLength: number;
  recorded: IsoDate | null;
  flags: number;
  hidden: boolean;
  isDirectory: boolean;
  associated: boolean;
  recordFormat: boolean;
  protection: boolean;
  multiExtent: boolean;
  fileUnitSize: number;
  interleaveGap: number;
  volumeSequenceNumber: number;
  identifier: Uint8Array;
  /** '.' for 0x00, '..' for 0x01, Joliet names decoded from UCS-2 BE, plain names latin1, version suffix kept. */
  name: string;
  /** Absolute offset of the System Use field (where SUSP / Rock Ridge entries start). */
  systemUseOffset: number;
  systemUse: Uint8Array;
  structure: Structure;
}

export interface DirectoryRecordOptions {
  joliet: boolean;
  /** Path of the directory holding the record, for messages. */
  path?: string;
  /** Build the structure map (fields with raw bytes); false on hot paths. Default true. */
  structures?: boolean;
  /** readDirectory only: return only records with the directory flag (plus "." and ".."). */
  directoriesOnly?: boolean;
}

function flagsDisplay(flags: number): string {
  const names: string[] = [];
  if (flags & FILE_FLAGS.hidden) names.push('hidden');
  if (flags & FILE_FLAGS.directory) names.push('directory');
  if (flags & FILE_FLAGS.associated) names.push('associated');
  if (flags & FILE_FLAGS.record) names.push('record');
  if (flags & FILE_FLAGS.protection) names.push('protection');
  if (flags & FILE_FLAGS.reserved) names.push('reserved bits');
  if (flags & FILE_FLAGS.multiExtent) names.push('multi-extent');
  return `0x${flags.toString(16).padStart(2, '0')}${names.length ? ` (${names.join(', ')})` : ''}`;
}

/** Decodes a file identifier: 0x00 → '.', 0x01 → '..', Joliet UCS-2 BE, otherwise latin1. Nothing is trimmed. */
export function decodeIdentifier(id: Uint8Array, joliet: boolean): string {
  if (id.length === 1 && id[0] === 0) return '.';
  if (id.length === 1 && id[0] === 1) return '..';
  let s = '';
  if (joliet) {
    for (let i = 0; i + 1 < id.length; i += 2) s += String.fromCharCode(be16(id, i));
  } else {
    for (let i = 0; i < id.length; i++) s += String.fromCharCode(id[i]);
  }
  return s;
}

function where(opts: DirectoryRecordOptions): string {
  return opts.path !== undefined ? `directory record in ${opts.path}` : 'directory record';
}

/**
 * Parses the directory record starting at buf[off]. Returns null when buf[off] is 0 (the rest of
 * the sector is padding) or off is at/after the end of buf. Throws CorruptImageError (with the
 * absolute offset) when the record cannot be delimited: length < 34, record beyond buf, file
 * identifier beyond the record. Pass one logical sector as `buf` to enforce 6.8.1.1.
 */
export function parseDirectoryRecord(buf: Uint8Array, off: number, absBase: number, opts: DirectoryRecordOptions, sink: DiagnosticSink): DirectoryRecord | null {
  if (off < 0 || off >= buf.length || buf[off] === 0) return null;
  return parseRecordCore(buf, off, absBase, opts, sink, undefined);
}

/**
 * The root directory record embedded in a volume descriptor (ECMA-119 8.4.18): always 34 bytes.
 * Parsed leniently — a wrong length byte or identifier length becomes a problem, not an error —
 * because the descriptor around it is otherwise readable. `buf` must hold exactly those 34 bytes.
 */
export function parseRootRecord(buf34: Uint8Array, absBase: number, opts: DirectoryRecordOptions, sink: DiagnosticSink): DirectoryRecord {
  if (buf34.length < MIN_RECORD) {
    throw new CorruptImageError(`root directory record truncated (${buf34.length} of ${MIN_RECORD} bytes)`, { structure: 'root directory record', offset: absBase });
  }
  return parseRecordCore(buf34, 0, absBase, opts, sink, MIN_RECORD);
}

function parseRecordCore(buf: Uint8Array, off: number, absBase: number, opts: DirectoryRecordOptions, sink: DiagnosticSink, forcedLength: number | undefined): DirectoryRecord {
  const abs = absBase + off;
  const ctx = where(opts);
  const L = DIR_RECORD;
  const recordedLen = buf[off + L.length.at];
  const len = forcedLength ?? recordedLen;
  if (len < MIN_RECORD) {
    throw new CorruptImageError(`record length ${len} is less than the minimum of ${MIN_RECORD}`, { structure: ctx, offset: abs });
  }
  if (off + len > buf.length) {
    throw new CorruptImageError(`record of ${len} bytes runs past the end of its logical sector (${buf.length - off} bytes left)`, { structure: ctx, offset: abs });
  }
  let lenFi = buf[off + L.identifierLength.at];
  let lenFiProblem: string | undefined;
  if (DIR_RECORD_FIXED + lenFi > len) {
    if (forcedLength === undefined) {
      throw new CorruptImageError(`file identifier length ${lenFi} does not fit in a record of ${len} bytes`, { structure: ctx, offset: abs });
    }
    lenFiProblem = `identifier length ${lenFi} does not fit in the ${len}-byte record; using ${len - DIR_RECORD_FIXED}`;
    lenFi = len - DIR_RECORD_FIXED;
  }

  const r = new FieldReader(buf.subarray(off, off + len), abs, 'ECMA-119', opts.structures !== false);
  r.field(L.length.name, L.length.at, L.length.len, recordedLen, String(recordedLen), 'length', L.length.spec,
    forcedLength !== undefined && recordedLen !== forcedLength ? `is ${recordedLen}, expected ${forcedLength}` : undefined);
  const extAttrLength = r.num(L.extAttrLength);
  const extentLba = r.num(L.extentLba);
  const dataLength = r.num(L.dataLength);
  const recorded = date7Field(r, L.recorded.name, L.recorded.at, `ECMA-119 ${L.recorded.spec}`);
  const flags = buf[off + L.flags.at];
  const flagsField = r.field(L.flags.name, L.flags.at, L.flags.len, flags, flagsDisplay(flags), 'flags', L.flags.spec);
  if (flags & FILE_FLAGS.reserved) r.addProblem(flagsField, 'reserved bits 5-6 are set');
  if ((flags & FILE_FLAGS.directory) && (flags & FILE_FLAGS.multiExtent)) r.addProblem(flagsField, 'a directory cannot be multi-extent');
  const fileUnitSize = r.num(L.fileUnitSize);
  const interleaveGap = r.num(L.interleaveGap);
  const volumeSequenceNumber = r.num(L.volumeSequenceNumber);
  const fi = L.identifierLength;
  r.field(fi.name, fi.at, fi.len, buf[off + fi.at], String(buf[off + fi.at]), 'length', fi.spec, lenFiProblem);

  const identifier = buf.subarray(off + DIR_RECORD_FIXED, off + DIR_RECORD_FIXED + lenFi);
  const name = decodeIdentifier(identifier, opts.joliet);
  identifierProblems(r, identifier, name, lenFi, opts.joliet, forcedLength !== undefined);

  const suStart = paddingAndSystemUse(r, lenFi, len);
  const systemUse = buf.subarray(off + suStart, off + len);
  const isDirectory = (flags & FILE_FLAGS.directory) !== 0;
  const target: NonNullable<Structure['target']> = { lba: extentLba, blocks: Math.ceil(dataLength / SECTOR_SIZE) };
  if (opts.path !== undefined && name !== '..') target.path = name === '.' ? opts.path : joinPath(opts.path, name);
  const structure: Structure = {
    id: `dirrec:${abs}`,
    type: 'dir-record',
    name: `Directory Record ${JSON.stringify(name)}`,
    offset: abs,
    length: len,
    spec: 'ECMA-119 9.1',
    fields: r.fields,
    children: [],
    target,
  };
  if (r.problems.length) {
    structure.problems = r.problems.map((p) => p.message);
    for (const p of r.problems) sink.warn(p.message, `${ctx} ${JSON.stringify(name)}`, p.offset);
  }

  return {
    offset: abs, length: len, extAttrLength, extentLba, dataLength, recorded, flags,
    hidden: (flags & FILE_FLAGS.hidden) !== 0,
    isDirectory,
    associated: (flags & FILE_FLAGS.associated) !== 0,
    recordFormat: (flags & FILE_FLAGS.record) !== 0,
    protection: (flags & FILE_FLAGS.protection) !== 0,
    multiExtent: (flags & FILE_FLAGS.multiExtent) !== 0,
    fileUnitSize, interleaveGap, volumeSequenceNumber, identifier, name,
    systemUseOffset: abs + suStart, systemUse, structure,
  };
}

/** 9.1.12 padding (one byte after an even-length identifier) and 9.1.13 System Use; returns where System Use starts in the record. */
function paddingAndSystemUse(r: FieldReader, lenFi: number, len: number): number {
  let suStart = DIR_RECORD_FIXED + lenFi;
  if ((lenFi & 1) === 0) {
    if (suStart < len) {
      const pad = r.buf[suStart];
      r.field('Padding Field', suStart, 1, pad, String(pad), 'reserved', '9.1.12', pad !== 0 ? 'not zero' : undefined);
      suStart++;
    } else {
      r.problems.push({ message: 'Padding Field: missing (identifier length is even)', offset: r.base + suStart, field: 'Padding Field' });
    }
  }
  if (len > suStart) r.bytes('System Use', suStart, len - suStart, '9.1.13');
  return suStart;
}

/** Records the file identifier (9.1.11) and its problems: length 0, odd Joliet length, a root record not named 0x00. */
function identifierProblems(r: FieldReader, identifier: Uint8Array, name: string, lenFi: number, joliet: boolean, root: boolean): void {
  const abs = r.base;
  if (lenFi > 0) {
    const idField = r.field('File Identifier', DIR_RECORD_FIXED, lenFi, name, JSON.stringify(name), 'text', joliet ? 'Joliet 3 / ECMA-119 9.1.11' : '9.1.11');
    if (joliet && lenFi > 1 && (lenFi & 1)) r.addProblem(idField, `odd length ${lenFi} for a UCS-2 name; last byte ignored`);
  } else if (!root) {
    r.problems.push({ message: 'File Identifier: length is 0', offset: abs + DIR_RECORD.identifierLength.at, field: DIR_RECORD.identifierLength.name });
  }
  if (root && !(lenFi === 1 && identifier[0] === 0)) {
    r.problems.push({ message: 'File Identifier: the root directory record should have identifier 0x00', offset: abs + DIR_RECORD_FIXED, field: 'File Identifier' });
  }
}

function checkBlockSize(blockSize: number): void {
  if (!Number.isInteger(blockSize) || blockSize < 512 || blockSize > 65536 || (blockSize & (blockSize - 1)) !== 0) {
    throw new InvalidArgumentError(`logical block size ${blockSize} is not a power of two between 512 and 65536`);
  }
}

/**
 * Reads a directory extent and returns its records in order (including '.' and '..'). Collects
 * `directoryRecords`; see there. Whole directories are bounded by MAX_DIRECTORY_SIZE; callers
 * that list huge directories stream with `directoryRecords` instead.
 */
export async function readDirectory(src: ByteSource, extentLba: number, dataLength: number, blockSize: number, opts: DirectoryRecordOptions, sink: DiagnosticSink): Promise<DirectoryRecord[]> {
  const out: DirectoryRecord[] = [];
  for await (const batch of directoryRecords(src, extentLba, dataLength, blockSize, opts, sink)) {
    for (const r of batch) out.push(r);
  }
  return out;
}

/** Directory bytes read (and records yielded) at a time by `directoryRecords`. */
export const DIRECTORY_CHUNK = 64 * 1024;

/**
 * The records of a directory extent in order (including '.' and '..'), yielded in batches of at
 * most DIRECTORY_CHUNK bytes of directory data, so a directory of a million entries is never held
 * whole. `extentLba` is where the directory's records start (add the extended attribute record
 * length when there is one). Records never cross a logical-sector boundary; a 0 byte pads to the
 * next sector. A corrupt record → diagnostic naming the directory and absolute offset, and
 * reading resumes at the next sector. Extent entirely beyond the image → CorruptImageError;
 * partially beyond → diagnostic, and the sectors that exist are read.
 */
export async function* directoryRecords(src: ByteSource, extentLba: number, dataLength: number, blockSize: number, opts: DirectoryRecordOptions, sink: DiagnosticSink): AsyncGenerator<DirectoryRecord[]> {
  checkBlockSize(blockSize);
  const label = `directory ${opts.path ?? `at LBA ${extentLba}`}`;
  const start = extentLba * blockSize;
  if (!Number.isSafeInteger(start) || extentLba < 0 || !Number.isSafeInteger(dataLength) || dataLength < 0) {
    throw new InvalidArgumentError(`bad directory extent LBA ${extentLba} length ${dataLength}`, { image: src.name, structure: label });
  }
  if (dataLength > MAX_DIRECTORY_SIZE) {
    throw new CorruptImageError(`directory data length ${dataLength} exceeds the limit of ${MAX_DIRECTORY_SIZE} bytes`, { image: src.name, structure: label, offset: start });
  }
  if (dataLength === 0) {
    sink.warn('directory has data length 0 (not even "." and "..")', label, start);
    return;
  }
  if (start >= src.size) {
    throw new CorruptImageError(`extent (${dataLength} bytes) lies beyond the end of the image (${src.size} bytes); the image may be truncated`, { image: src.name, structure: label, offset: start });
  }
  let want = dataLength;
  if (start + dataLength > src.size) {
    want = src.size - start;
    sink.error(`extent runs past the end of the image: only ${want} of ${dataLength} bytes exist; reading those`, label, start);
  }
  let count = 0;
  let first: DirectoryRecord | undefined;
  let second: DirectoryRecord | undefined;
  for (let chunkStart = start; chunkStart < start + want;) {
    // Chunks end on a logical-sector boundary (records never cross one; the extent itself may
    // start mid-sector when the block size is smaller than 2048).
    const alignedEnd = Math.floor((chunkStart + DIRECTORY_CHUNK) / SECTOR_SIZE) * SECTOR_SIZE;
    const chunkLen = Math.min(start + want - chunkStart, alignedEnd - chunkStart);
    const buf = await src.read(chunkStart, chunkLen);
    const out: DirectoryRecord[] = [];
    const end = chunkStart + buf.length;
    for (let secAbs = chunkStart; secAbs < end;) {
      const secEnd = Math.min(end, (Math.floor(secAbs / SECTOR_SIZE) + 1) * SECTOR_SIZE);
      sectorRecords(buf.subarray(secAbs - chunkStart, secEnd - chunkStart), secAbs, secEnd < start + want, out, opts, sink, label);
      secAbs = secEnd;
    }
    for (const rec of out) {
      if (count === 0) first = rec;
      else if (count === 1) second = rec;
      count++;
    }
    if (buf.length < chunkLen) {
      sink.error(`short read: got ${buf.length} of ${chunkLen} bytes`, label, chunkStart + buf.length);
      if (out.length) yield out;
      break;
    }
    chunkStart += chunkLen;
    if (out.length) yield out;
  }
  if (count === 0) {
    sink.error('directory holds no readable records', label, start);
  } else if (first!.name !== '.' || (count > 1 && second!.name !== '..')) {
    sink.warn('directory does not start with "." and ".." records (ECMA-119 6.8.2.2)', label, first!.offset);
  }
}

/**
 * The records of one logical sector of a directory (at image offset secAbs), appended to `out`.
 * A 0 byte pads to the sector's end; a corrupt record is reported and ends the sector (`more`:
 * sectors follow, so reading resumes there).
 */
function sectorRecords(sector: Uint8Array, secAbs: number, more: boolean, out: DirectoryRecord[], opts: DirectoryRecordOptions, sink: DiagnosticSink, label: string): void {
  let pos = 0;
  while (pos < sector.length) {
    // Skip well-formed file records unparsed when only directories are wanted.
    const len = sector[pos];
    if (opts.directoriesOnly && len >= MIN_RECORD && pos + len <= sector.length && !(sector[pos + DIR_RECORD.flags.at] & FILE_FLAGS.directory)) {
      pos += len;
      continue;
    }
    let rec: DirectoryRecord | null;
    try {
      rec = parseDirectoryRecord(sector, pos, secAbs, opts, sink);
    } catch (e) {
      if (!(e instanceof CorruptImageError)) throw e;
      sink.error(`${e.detail}${more ? '; skipping to the next sector' : ''}`, label, e.offset ?? secAbs + pos);
      return;
    }
    if (!rec) { // zero padding to the end of the sector
      const junk = sector.subarray(pos).findIndex((x) => x !== 0);
      if (junk >= 0) sink.warn('non-zero bytes in the padding after the last record of a sector (records there are ignored)', label, secAbs + pos + junk);
      return;
    }
    out.push(rec);
    pos += rec.length;
  }
}

/**
 * Where a file section's data lies in the image (ECMA-119 6.4.3, 9.1.2, 9.1.7-9.1.8), as one
 * DataRange however many file units it has, or null when it holds no data. A non-interleaved
 * section is contiguous, starting after the extended attribute record. An interleaved section
 * alternates file units of `fileUnitSize` blocks with gaps of `interleaveGap` blocks; the
 * extended attribute record takes the first `extAttrLength` blocks of the file units.
 */
export function sectionRange(extentLba: number, extAttrLength: number, dataLength: number, fileUnitSize: number, interleaveGap: number, blockSize: number): DataRange | null {
  checkBlockSize(blockSize);
  if (dataLength <= 0) return null;
  if (fileUnitSize === 0 || interleaveGap === 0) return { offset: (extentLba + extAttrLength) * blockSize, length: dataLength };
  const unit = fileUnitSize * blockSize;
  const period = unit + interleaveGap * blockSize;
  // The EAR's blocks are the first blocks of the unit stream; start after them.
  const skip = extAttrLength * blockSize;
  const base = extentLba * blockSize + Math.floor(skip / unit) * period;
  const phase = skip % unit;
  return { offset: base + phase, length: dataLength, stride: { unit, gap: period - unit, phase } };
}

/** The image offset of byte `pos` (0 ≤ pos < r.length) of a data range. */
export function rangeOffset(r: DataRange, pos: number): number {
  if (!r.stride) return r.offset + pos;
  const { unit, gap, phase } = r.stride;
  const p = phase + pos;
  return r.offset - phase + Math.floor(p / unit) * (unit + gap) + (p % unit);
}

/** The contiguous pieces of bytes [pos, pos + length) of a data range, in order (clipped to the range). */
export function* rangePieces(r: DataRange, pos: number, length: number): Generator<{ offset: number; length: number }> {
  const end = Math.min(r.length, pos + length);
  if (pos >= end) return;
  if (!r.stride) { yield { offset: r.offset + pos, length: end - pos }; return; }
  const { unit, phase } = r.stride;
  for (let at = pos; at < end;) {
    const inUnit = (phase + at) % unit;
    const n = Math.min(unit - inUnit, end - at);
    yield { offset: rangeOffset(r, at), length: n };
    at += n;
  }
}

/**
 * How many leading bytes of a data range lie below image offset `limit` (the image's size): the
 * range's length when all of them do. Computed, not walked: an interleaved range of millions of
 * file units costs the same as a contiguous one.
 */
export function bytesBelow(r: DataRange, limit: number): number {
  if (r.length === 0 || rangeOffset(r, r.length - 1) < limit) return r.length;
  if (!r.stride) return Math.max(0, Math.min(r.length, limit - r.offset));
  const { unit, gap, phase } = r.stride;
  const q = limit - (r.offset - phase); // image bytes from the start of the first unit
  if (q <= 0) return 0;
  const periods = Math.floor(q / (unit + gap));
  const streamEnd = periods * unit + Math.min(q - periods * (unit + gap), unit);
  return Math.max(0, Math.min(r.length, streamEnd - phase));
}

// ---- Serialization (the writer) -------------------------------------------------------------

/** Longest directory record: the length is one byte and every record has an even length (9.1.1, 9.1.13). */
export const MAX_DIRECTORY_RECORD = 254;

export interface DirectoryRecordSpec {
  /** Already encoded: [0x00] for ".", [0x01] for "..", d-characters + ";1", or UCS-2 BE for Joliet. */
  identifier: Uint8Array;
  lba: number;
  dataLength: number;
  recorded: Date;
  /** FILE_FLAGS bits (directory 0x02, multi-extent 0x80, hidden 0x01 …). */
  flags: number;
  /** SUSP area, appended after the identifier (and its pad byte when the identifier length is even). */
  systemUse?: Uint8Array;
  /** Default 1. */
  volumeSequence?: number;
}

/** Bytes of a record with this identifier and System Use length (pad byte after an even identifier, total rounded up to even). */
export function directoryRecordLength(identifierLength: number, systemUseLength: number): number {
  const n = DIR_RECORD_FIXED + identifierLength + ((identifierLength & 1) === 0 ? 1 : 0) + systemUseLength;
  return n + (n & 1);
}

/**
 * Most System Use bytes a record with this identifier length can hold. The record's length byte
 * allows 255, but a record's length is even, so 254 is the real maximum.
 */
export function systemUseRoom(identifierLength: number): number {
  return MAX_DIRECTORY_RECORD - DIR_RECORD_FIXED - identifierLength - ((identifierLength & 1) === 0 ? 1 : 0);
}

/**
 * ECMA-119 9.1: one directory record (no extended attribute record, not interleaved). The total
 * length is even (a zero byte ends an odd System Use area); more than 254 bytes → InvalidArgumentError.
 * A data length above 0xFFFFFFFF is refused: splitting into multi-extent sections is the caller's job.
 */
export function serializeDirectoryRecord(s: DirectoryRecordSpec): Uint8Array {
  const id = s.identifier;
  const su = s.systemUse ?? new Uint8Array(0);
  if (id.length < 1 || id.length > 255) throw new InvalidArgumentError(`directory record identifier length ${id.length} is not between 1 and 255`);
  const len = directoryRecordLength(id.length, su.length);
  if (len > MAX_DIRECTORY_RECORD) {
    throw new InvalidArgumentError(`directory record would be ${len} bytes (identifier ${id.length}, System Use ${su.length}); at most ${MAX_DIRECTORY_RECORD} fit`);
  }
  const L = DIR_RECORD;
  const b = new Uint8Array(len);
  putNum(b, L.extentLba, s.lba, 0, 'directory record extent location');
  putNum(b, L.dataLength, s.dataLength, 0, 'directory record data length (split larger files into multi-extent sections)');
  putNum(b, L.volumeSequenceNumber, s.volumeSequence ?? 1, 0, 'volume sequence number');
  if (!Number.isInteger(s.flags) || s.flags < 0 || s.flags > 0xff) throw new InvalidArgumentError(`file flags ${s.flags} do not fit in one byte`);
  putNum(b, L.flags, s.flags);
  putNum(b, L.length, len);
  // Extended attribute record length, file unit size and interleave gap stay 0 (none, not interleaved).
  putRaw(b, L.recorded, encodeDate7(s.recorded));
  putNum(b, L.identifierLength, id.length);
  b.set(id, DIR_RECORD_FIXED);
  b.set(su, DIR_RECORD_FIXED + id.length + ((id.length & 1) === 0 ? 1 : 0));
  return b;
}
