// GUID Partition Table (UEFI 2.10 §5.3.2 GPT header, Table 5.5; §5.3.3 GPT partition entry
// array, Table 5.6) — its one home: the header and entry field tables, reading (primary and
// backup, CRC-verified; the partitions come from the backup when only the backup's entry array
// is intact), serializing, and the CRC repair the sector editor offers. The primary header is at
// LBA 1; ISO hybrids use 512-byte LBAs, a few CD-oriented images 2048-byte ones, so both are
// tried. All LBAs are in the header's own block size.
// Over 500 lines on purpose: this is GPT's one home (as go-diskfs's partition/gpt/table.go) —
// field tables, reading with the backup fallback, serializing, the sector editor's CRC repair
// and the rewrite for a new disk size share the tables and the header decoding; split, the
// offsets would again be spread over several files. Sections: reading, writing, repair, rewriting.
/* eslint-disable max-lines -- GPT's one home (header) */
import { CorruptImageError, InvalidArgumentError, IsoError, UnsupportedFeatureError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure/fields';
import { layout, layoutEnd, putNum, putRaw, rawOf } from '../structure/layout';
import { crc32 } from '../bytes/crc32';
import { putLe16 } from '../bytes/endian';
import { hex } from '../bytes/hex';
import { formatGuid, gptTypeName } from './guids';

const HSPEC = 'UEFI 2.10 §5.3.2';
const ESPEC = 'UEFI 2.10 §5.3.3';
/** Largest entry array we read: 1024 entries of at most 4096 bytes. */
export const MAX_GPT_ENTRIES = 1024;
export const MAX_GPT_ENTRY_SIZE = 4096;
const SIG = 'EFI PART';

/** GPT header, UEFI 2.10 §5.3.2 Table 5.5. */
export const GPT_HEADER = layout({
  signature: { at: 0, type: 'bytes', len: 8, name: 'Signature', spec: HSPEC, kind: 'magic' },
  revision: { at: 8, type: 'u32le', name: 'Revision', spec: HSPEC },
  headerSize: { at: 12, type: 'u32le', name: 'HeaderSize', spec: HSPEC, kind: 'length' },
  headerCrc: { at: 16, type: 'u32le', name: 'HeaderCRC32', spec: HSPEC, kind: 'checksum' },
  reserved: { at: 20, type: 'bytes', len: 4, name: 'Reserved', spec: HSPEC, kind: 'reserved' },
  myLba: { at: 24, type: 'u64le', name: 'MyLBA', spec: HSPEC, kind: 'pointer' },
  alternateLba: { at: 32, type: 'u64le', name: 'AlternateLBA', spec: HSPEC, kind: 'pointer' },
  firstUsableLba: { at: 40, type: 'u64le', name: 'FirstUsableLBA', spec: HSPEC, kind: 'pointer' },
  lastUsableLba: { at: 48, type: 'u64le', name: 'LastUsableLBA', spec: HSPEC, kind: 'pointer' },
  diskGuid: { at: 56, type: 'bytes', len: 16, name: 'DiskGUID', spec: HSPEC, kind: 'guid' },
  entriesLba: { at: 72, type: 'u64le', name: 'PartitionEntryLBA', spec: HSPEC, kind: 'pointer' },
  entryCount: { at: 80, type: 'u32le', name: 'NumberOfPartitionEntries', spec: HSPEC, kind: 'length' },
  entrySize: { at: 84, type: 'u32le', name: 'SizeOfPartitionEntry', spec: HSPEC, kind: 'length' },
  entriesCrc: { at: 88, type: 'u32le', name: 'PartitionEntryArrayCRC32', spec: HSPEC, kind: 'checksum' },
});
/** The header's defined bytes (HeaderSize of revision 1.0). */
export const GPT_HEADER_SIZE = layoutEnd(GPT_HEADER);

/** GPT partition entry, UEFI 2.10 §5.3.3 Table 5.6. */
export const GPT_ENTRY = layout({
  typeGuid: { at: 0, type: 'bytes', len: 16, name: 'PartitionTypeGUID', spec: ESPEC, kind: 'guid' },
  guid: { at: 16, type: 'bytes', len: 16, name: 'UniquePartitionGUID', spec: ESPEC, kind: 'guid' },
  firstLba: { at: 32, type: 'u64le', name: 'StartingLBA', spec: ESPEC, kind: 'pointer' },
  lastLba: { at: 40, type: 'u64le', name: 'EndingLBA', spec: ESPEC, kind: 'pointer' },
  attributes: { at: 48, type: 'bytes', len: 8, name: 'Attributes', spec: ESPEC, kind: 'flags' },
  name: { at: 56, type: 'utf16le', len: 72, name: 'PartitionName', spec: ESPEC },
});
const H = GPT_HEADER;
const E = GPT_ENTRY;

export interface GptPartition {
  index: number; // 1-based
  typeGuid: string;
  typeName: string;
  guid: string;
  name: string;
  firstLba: number;
  lastLba: number;
  attributes: string; // hex
}

export interface GptInfo {
  /** Bytes per block the header was found with: 512 or 2048. */
  blockSize: number;
  diskGuid: string;
  headerCrcOk: boolean;
  entriesCrcOk: boolean;
  currentLba: number;
  backupLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  backup: { found: boolean; headerCrcOk: boolean; entriesCrcOk: boolean; lba: number } | null;
  partitions: GptPartition[];
  /** Set when the primary entry array's CRC is bad and the partitions were read from the intact backup. */
  partitionsFrom?: 'backup';
}

/** The numeric header fields as stored (no CRC check). */
export interface GptHeaderValues {
  headerSize: number; headerCrc: number; myLba: number; alternateLba: number; firstUsableLba: number; lastUsableLba: number;
  entriesLba: number; entryCount: number; entrySize: number; entriesCrc: number;
}

/** True when `b` starts with "EFI PART". */
export function hasGptSignature(b: Uint8Array, origin = 0): boolean {
  if (b.length < origin + H.signature.len) return false;
  for (let i = 0; i < H.signature.len; i++) if (b[origin + i] !== SIG.charCodeAt(i)) return false;
  return true;
}

/** Decodes the header at `origin` of `b` without recording fields or checking anything. */
export function gptHeaderValues(b: Uint8Array, origin = 0): GptHeaderValues {
  const r = new FieldReader(b, 0, '', false);
  return {
    headerSize: r.num(H.headerSize, origin), headerCrc: r.num(H.headerCrc, origin), myLba: r.num(H.myLba, origin),
    alternateLba: r.num(H.alternateLba, origin), firstUsableLba: r.num(H.firstUsableLba, origin), lastUsableLba: r.num(H.lastUsableLba, origin),
    entriesLba: r.num(H.entriesLba, origin), entryCount: r.num(H.entryCount, origin), entrySize: r.num(H.entrySize, origin), entriesCrc: r.num(H.entriesCrc, origin),
  };
}

/** HeaderCRC32 of a header (its first HeaderSize bytes, passed as `header`): CRC32 with the field zeroed. */
export function gptHeaderCrc(header: Uint8Array): number {
  const copy = header.slice();
  copy.fill(0, H.headerCrc.at, H.headerCrc.at + H.headerCrc.len);
  return crc32(copy);
}

/** Blocks an entry array of count × size bytes occupies. */
export function gptEntryBlocks(count: number, size: number, bs: number): number {
  return Math.ceil((count * size) / bs);
}

const crcText = (v: number): string => hex(v, 8);

// ---- reading ------------------------------------------------------------------------------

interface Header extends GptHeaderValues {
  structure: Structure;
  headerCrcOk: boolean;
  diskGuid: string;
}

type Which = 'primary' | 'backup';

/** Marks an already recorded field as inconsistent. */
function flag(r: FieldReader, field: string, message: string): void {
  const f = r.fields.find((x) => x.name === field);
  if (!f) return;
  f.problem = message;
  r.problems.push({ message: `${field}: ${message}`, offset: f.offset, field });
}

function problemsOf(r: FieldReader, name: string, sink: DiagnosticSink): string[] | undefined {
  if (!r.problems.length) return undefined;
  for (const p of r.problems) sink.warn(p.message, name, p.offset);
  return r.problems.map((p) => p.message);
}

function parseHeader(block: Uint8Array, lba: number, bs: number, which: Which, sink: DiagnosticSink): Header {
  const base = lba * bs;
  const r = new FieldReader(block, base);
  r.field(H.signature.name, H.signature.at, H.signature.len, SIG, JSON.stringify(SIG), 'magic', HSPEC);
  const rev = r.num(H.revision);
  r.fields[r.fields.length - 1].display = `${rev >>> 16}.${rev & 0xffff}`;
  const headerSize = r.num(H.headerSize);
  const sizeOk = headerSize >= GPT_HEADER_SIZE && headerSize <= bs;
  if (!sizeOk) flag(r, H.headerSize.name, `header size ${headerSize} outside ${GPT_HEADER_SIZE}..${bs}`);
  const v = gptHeaderValues(block);
  const computed = sizeOk ? gptHeaderCrc(block.subarray(0, headerSize)) : 0;
  const headerCrcOk = sizeOk && computed === v.headerCrc;
  r.field(H.headerCrc.name, H.headerCrc.at, H.headerCrc.len, v.headerCrc, crcText(v.headerCrc), 'checksum', HSPEC,
    headerCrcOk ? undefined : sizeOk ? `CRC32 mismatch: computed ${crcText(computed)}` : 'cannot verify: bad header size');
  r.raw(H.reserved);
  for (const f of [H.myLba, H.alternateLba, H.firstUsableLba, H.lastUsableLba]) r.num(f);
  const diskGuid = formatGuid(block, H.diskGuid.at);
  r.field(H.diskGuid.name, H.diskGuid.at, H.diskGuid.len, diskGuid, diskGuid, 'guid', HSPEC);
  for (const f of [H.entriesLba, H.entryCount, H.entrySize, H.entriesCrc]) r.num(f);
  r.fields[r.fields.length - 1].display = crcText(v.entriesCrc);
  if (v.myLba !== lba) flag(r, H.myLba.name, `is ${v.myLba} but the header was found at LBA ${lba}`);
  const name = `GPT ${which} header`;
  const structure: Structure = {
    id: `gpt:${which}:header`, type: 'gpt-header', name: `${name} (${bs}-byte blocks)`, offset: base, length: sizeOk ? headerSize : GPT_HEADER_SIZE,
    spec: HSPEC, fields: r.fields, children: [],
  };
  const pr = problemsOf(r, name, sink);
  if (pr) structure.problems = pr;
  if (bs === 2048) structure.target = { lba };
  return { ...v, structure, headerCrcOk, diskGuid };
}

/** Parses one used entry (null for an unused one, UEFI 2.10 §5.3.3: type GUID all zero). */
function parseEntry(e: Uint8Array, i: number, eoff: number, size: number, bs: number, which: Which, sink: DiagnosticSink): { partition: GptPartition; structure: Structure } | null {
  if (rawOf(e, E.typeGuid).every((b) => b === 0)) return null;
  const r = new FieldReader(e, eoff);
  const typeGuid = formatGuid(e, E.typeGuid.at);
  const typeName = gptTypeName(typeGuid);
  r.field(E.typeGuid.name, E.typeGuid.at, E.typeGuid.len, typeGuid, `${typeGuid} (${typeName})`, 'guid', ESPEC);
  const guid = formatGuid(e, E.guid.at);
  r.field(E.guid.name, E.guid.at, E.guid.len, guid, guid, 'guid', ESPEC);
  const firstLba = r.num(E.firstLba);
  const lastLba = r.num(E.lastLba);
  const attributes = '0x' + new DataView(e.buffer, e.byteOffset + E.attributes.at, 8).getBigUint64(0, true).toString(16).padStart(16, '0');
  r.field(E.attributes.name, E.attributes.at, E.attributes.len, attributes, attributes, 'flags', ESPEC);
  const nm = r.text(E.name);
  if (lastLba < firstLba) flag(r, E.lastLba.name, `${lastLba} precedes StartingLBA ${firstLba}`);
  const structure: Structure = {
    id: `gpt:${which}:entry:${i + 1}`, type: 'gpt-entry', name: `GPT partition ${i + 1} (${nm || typeName})`,
    offset: eoff, length: size, spec: ESPEC, fields: r.fields, children: [],
  };
  const startBytes = firstLba * bs;
  if (startBytes % 2048 === 0 && lastLba >= firstLba) structure.target = { lba: startBytes / 2048, blocks: Math.ceil(((lastLba - firstLba + 1) * bs) / 2048) };
  const pr = problemsOf(r, structure.name, sink);
  if (pr) structure.problems = pr;
  return { partition: { index: i + 1, typeGuid, typeName, guid, name: nm, firstLba, lastLba, attributes }, structure };
}

interface Entries { crcOk: boolean; partitions: GptPartition[]; structure: Structure | null }

/** Records an entry-array CRC mismatch on the header's PartitionEntryArrayCRC32 field (the fix rewrites it, then the header CRC). */
function flagArrayCrc(h: Header, arr: Uint8Array, name: string, base: number, sink: DiagnosticSink): void {
  const msg = `CRC32 mismatch: computed ${crcText(crc32(arr))} over the entry array`;
  sink.warn(`${H.entriesCrc.name} mismatch: header says ${crcText(h.entriesCrc)}, computed ${crcText(crc32(arr))}`, name, base);
  const f = h.structure.fields.find((x) => x.name === H.entriesCrc.name);
  if (f) {
    f.problem = f.problem ? `${f.problem}; ${msg}` : msg;
    (h.structure.problems ??= []).push(`${H.entriesCrc.name}: ${msg}`);
  }
}

/** Reads (bounded) and CRC-checks the entry array of `h`; parses the entries when `parse`. */
async function readEntries(src: ByteSource, h: Header, bs: number, which: Which, parse: boolean, sink: DiagnosticSink): Promise<Entries> {
  const name = `GPT ${which} partition entry array`;
  const base = h.entriesLba * bs;
  const none = { crcOk: false, partitions: [], structure: null };
  if (h.entrySize < 128 || h.entrySize > MAX_GPT_ENTRY_SIZE || h.entrySize % 128 !== 0) {
    sink.error(`${H.entrySize.name} ${h.entrySize} is not a multiple of 128 between 128 and ${MAX_GPT_ENTRY_SIZE}; entries not read`, `GPT ${which} header`, h.structure.offset + H.entrySize.at);
    return none;
  }
  let count = h.entryCount;
  if (count > MAX_GPT_ENTRIES) {
    sink.error(`${H.entryCount.name} ${count} exceeds the limit of ${MAX_GPT_ENTRIES}; only the first ${MAX_GPT_ENTRIES} are read and the array CRC is not verified`, `GPT ${which} header`, h.structure.offset + H.entryCount.at);
    count = MAX_GPT_ENTRIES;
  }
  const len = count * h.entrySize;
  if (!Number.isSafeInteger(base) || base < bs || base + len > src.size) {
    sink.error(`partition entry array (LBA ${h.entriesLba}, ${len} bytes) lies outside the image; the image may be truncated`, name, Number.isSafeInteger(base) ? base : undefined);
    return none;
  }
  const arr = await readExact(src, base, len, name);
  const crcOk = count === h.entryCount && crc32(arr) === h.entriesCrc;
  if (!crcOk && count === h.entryCount) flagArrayCrc(h, arr, name, base, sink);
  const partitions: GptPartition[] = [];
  const children: Structure[] = [];
  for (let i = 0; parse && i < count; i++) {
    const p = parseEntry(arr.subarray(i * h.entrySize, (i + 1) * h.entrySize), i, base + i * h.entrySize, h.entrySize, bs, which, sink);
    if (!p) continue;
    partitions.push(p.partition);
    children.push(p.structure);
  }
  const structure: Structure = {
    id: `gpt:${which}:entries`, type: 'gpt-entries', name: `${name} (${h.entryCount} × ${h.entrySize} bytes)`,
    offset: base, length: len, spec: ESPEC, fields: [], children,
  };
  if (!crcOk) structure.problems = [count === h.entryCount ? `${H.entriesCrc.name} mismatch` : 'entry count beyond limit; CRC not verified'];
  return { crcOk, partitions, structure };
}

/**
 * Reads the backup header the primary names and its entry array — parsed when `parse` (the
 * primary's array is bad), else only CRC-checked. Null when there is no backup to read.
 */
async function readBackup(src: ByteSource, h: Header, ent: Entries, bs: number, sink: DiagnosticSink):
  Promise<{ backup: NonNullable<GptInfo['backup']>; structures: Structure[]; partitions: GptPartition[] | null }> {
  const boff = h.alternateLba * bs;
  const backup = { found: false, headerCrcOk: false, entriesCrcOk: false, lba: h.alternateLba };
  const structures: Structure[] = [];
  if (!Number.isSafeInteger(boff) || boff + bs > src.size) {
    sink.warn(`backup GPT header at LBA ${h.alternateLba} lies beyond the end of the image (${src.size} bytes); the image may be truncated`, 'GPT primary header', h.structure.offset + H.alternateLba.at);
    return { backup, structures, partitions: null };
  }
  const bb = await readExact(src, boff, bs, 'GPT backup header');
  if (!hasGptSignature(bb)) {
    sink.warn(`no backup GPT header ("EFI PART") at LBA ${h.alternateLba}`, 'GPT backup header', boff);
    return { backup, structures, partitions: null };
  }
  let partitions: GptPartition[] | null = null;
  try {
    const bh = parseHeader(bb, h.alternateLba, bs, 'backup', sink);
    structures.push(bh.structure);
    // The primary's entries are used unless their CRC is bad and an intact backup has its own (UEFI 2.10 §5.3.2).
    const useBackup = !ent.crcOk && ent.structure !== null && bh.headerCrcOk;
    const be = await readEntries(src, bh, bs, 'backup', useBackup, sink);
    if (be.structure) structures.push(be.structure);
    Object.assign(backup, { found: true, headerCrcOk: bh.headerCrcOk, entriesCrcOk: be.crcOk });
    if (bh.alternateLba !== 1) sink.warn(`backup header's AlternateLBA is ${bh.alternateLba}, expected 1`, 'GPT backup header', boff + H.alternateLba.at);
    if (be.crcOk && ent.crcOk && bh.entriesCrc !== h.entriesCrc) sink.warn('primary and backup partition entry arrays differ', 'GPT backup header', boff + H.entriesCrc.at);
    if (useBackup && be.crcOk) {
      partitions = be.partitions;
      sink.warn(`partitions read from the backup partition entry array at LBA ${bh.entriesLba}: the primary array's CRC does not match`, 'GPT backup partition entry array', bh.entriesLba * bs);
    }
  } catch (e) {
    if (!(e instanceof IsoError)) throw e;
    sink.error(e.detail, e.structure ?? 'GPT backup header', e.offset);
  }
  return { backup, structures, partitions };
}

/**
 * Finds and reads the GPT ("EFI PART" at byte 512, else at byte 2048). Null when neither is
 * present. CRC problems, a missing backup and out-of-range arrays are reported through `sink`.
 * When the primary entry array's CRC is bad and the backup header and array are intact, the
 * partitions are the backup's (info.partitionsFrom 'backup').
 */
export async function readGpt(src: ByteSource, sink: DiagnosticSink): Promise<{ info: GptInfo; structures: Structure[] } | null> {
  let bs = 0;
  let block: Uint8Array | null = null;
  for (const cand of [512, 2048]) {
    if (src.size < cand + GPT_HEADER_SIZE) continue;
    const b = await src.read(cand, cand);
    if (hasGptSignature(b)) { bs = cand; block = b; break; }
  }
  if (!block) return null;
  if (block.length < bs) {
    const full = new Uint8Array(bs);
    full.set(block);
    block = full;
  }
  const h = parseHeader(block, 1, bs, 'primary', sink);
  const structures: Structure[] = [h.structure];
  const ent = await readEntries(src, h, bs, 'primary', true, sink);
  if (ent.structure) structures.push(ent.structure);
  let backup: GptInfo['backup'] = null;
  let partitions = ent.partitions;
  let fromBackup = false;
  if (h.alternateLba !== 0 && h.alternateLba !== 1) {
    const b = await readBackup(src, h, ent, bs, sink);
    backup = b.backup;
    structures.push(...b.structures);
    if (b.partitions) { partitions = b.partitions; fromBackup = true; }
  }
  const info: GptInfo = {
    blockSize: bs, diskGuid: h.diskGuid, headerCrcOk: h.headerCrcOk, entriesCrcOk: ent.crcOk,
    currentLba: h.myLba, backupLba: h.alternateLba, firstUsableLba: h.firstUsableLba, lastUsableLba: h.lastUsableLba,
    entriesLba: h.entriesLba, entryCount: h.entryCount, entrySize: h.entrySize, backup, partitions,
  };
  if (fromBackup) info.partitionsFrom = 'backup';
  return { info, structures };
}

// ---- writing ------------------------------------------------------------------------------

export interface GptSpec {
  blockSize: 512 | 2048;
  /** 16 on-disk bytes. */
  diskGuid: Uint8Array;
  /** Raw entry array, entryCount × entrySize bytes. */
  entries: Uint8Array;
  entryCount: number;
  entrySize: number;
  firstUsableLba: number;
  lastUsableLba: number;
  /** Blocks of the whole disk; the backup header goes in the last one. */
  diskBlocks: number;
  primaryEntriesLba: number;
  /** Default: just before the backup header (diskBlocks - 1 - entry array blocks). */
  backupEntriesLba?: number;
}

export interface SerializedGpt {
  /** One block each, the 92-byte header zero-padded. */
  primaryHeader: Uint8Array;
  backupHeader: Uint8Array;
  entries: Uint8Array;
  primaryHeaderOffset: number;
  primaryEntriesOffset: number;
  backupHeaderOffset: number;
  backupEntriesOffset: number;
}

function gptError(msg: string, offset?: number): InvalidArgumentError {
  return new InvalidArgumentError(msg, { structure: 'GPT', offset });
}

/** Throws InvalidArgumentError unless `spec` describes a GPT serializeGpt can write. */
function checkSpec(spec: GptSpec, backupLba: number, backupEntriesLba: number, entryBlocks: number): void {
  const bs = spec.blockSize;
  if (bs !== 512 && bs !== 2048) throw gptError(`block size ${bs} is not 512 or 2048`);
  if (spec.diskGuid.length !== 16) throw gptError(`disk GUID has ${spec.diskGuid.length} bytes, expected 16`);
  if (spec.entrySize < 128 || spec.entrySize % 128 !== 0 || spec.entrySize > MAX_GPT_ENTRY_SIZE) throw gptError(`entry size ${spec.entrySize} is not a multiple of 128 up to ${MAX_GPT_ENTRY_SIZE}`);
  if (!Number.isInteger(spec.entryCount) || spec.entryCount < 1 || spec.entryCount > 0xffffffff) throw gptError(`entry count ${spec.entryCount} out of range`);
  if (spec.entries.length !== spec.entryCount * spec.entrySize) throw gptError(`entry array has ${spec.entries.length} bytes, expected ${spec.entryCount} × ${spec.entrySize}`);
  const ints: Array<[number, string]> = [[spec.diskBlocks, 'disk blocks'], [spec.firstUsableLba, 'first usable LBA'], [spec.lastUsableLba, 'last usable LBA'], [spec.primaryEntriesLba, 'entry array LBA'], [backupEntriesLba, 'backup entry array LBA']];
  for (const [v, what] of ints) if (!Number.isSafeInteger(v) || v < 0) throw gptError(`${what} ${v} is not a block address`);
  if (spec.primaryEntriesLba < 2 || spec.primaryEntriesLba + entryBlocks > spec.firstUsableLba) throw gptError(`primary entry array (LBA ${spec.primaryEntriesLba}, ${entryBlocks} blocks) must lie between LBA 2 and the first usable LBA ${spec.firstUsableLba}`, bs);
  if (spec.lastUsableLba < spec.firstUsableLba - 1 || spec.lastUsableLba >= backupEntriesLba) throw gptError(`last usable LBA ${spec.lastUsableLba} must lie between the first usable LBA ${spec.firstUsableLba} and the backup entry array at LBA ${backupEntriesLba}`);
  if (backupEntriesLba + entryBlocks > backupLba) throw gptError(`backup entry array (LBA ${backupEntriesLba}, ${entryBlocks} blocks) overlaps the backup header at LBA ${backupLba}`);
}

/**
 * The primary and backup GPT headers (UEFI 2.10 §5.3.2 Table 5.5: revision 1.0, HeaderSize 92,
 * HeaderCRC32 over the 92 bytes with the field zeroed, PartitionEntryArrayCRC32 over the whole
 * array) and their byte offsets: primary at LBA 1, backup in the disk's last block, the backup
 * entry array (§5.3.3) just before it unless placed otherwise.
 */
export function serializeGpt(spec: GptSpec): SerializedGpt {
  const bs = spec.blockSize;
  const entryBlocks = gptEntryBlocks(spec.entryCount, spec.entrySize, bs);
  const backupLba = spec.diskBlocks - 1;
  const backupEntriesLba = spec.backupEntriesLba ?? backupLba - entryBlocks;
  checkSpec(spec, backupLba, backupEntriesLba, entryBlocks);
  const entriesCrc = crc32(spec.entries);
  const header = (my: number, alt: number, entriesLba: number): Uint8Array => {
    const b = new Uint8Array(bs);
    putRaw(b, H.signature, Uint8Array.from(SIG, (c) => c.charCodeAt(0)));
    putNum(b, H.revision, 0x00010000);
    putNum(b, H.headerSize, GPT_HEADER_SIZE);
    putNum(b, H.myLba, my);
    putNum(b, H.alternateLba, alt);
    putNum(b, H.firstUsableLba, spec.firstUsableLba);
    putNum(b, H.lastUsableLba, spec.lastUsableLba);
    putRaw(b, H.diskGuid, spec.diskGuid);
    putNum(b, H.entriesLba, entriesLba);
    putNum(b, H.entryCount, spec.entryCount);
    putNum(b, H.entrySize, spec.entrySize);
    putNum(b, H.entriesCrc, entriesCrc);
    putNum(b, H.headerCrc, crc32(b.subarray(0, GPT_HEADER_SIZE)));
    return b;
  };
  return {
    primaryHeader: header(1, backupLba, spec.primaryEntriesLba),
    backupHeader: header(backupLba, 1, backupEntriesLba),
    entries: spec.entries,
    primaryHeaderOffset: bs,
    primaryEntriesOffset: spec.primaryEntriesLba * bs,
    backupHeaderOffset: backupLba * bs,
    backupEntriesOffset: backupEntriesLba * bs,
  };
}

/** The 16 on-disk bytes of a GUID in text form (first three fields little-endian; inverse of formatGuid). */
export function guidBytes(text: string): Uint8Array {
  const hx = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hx)) throw new InvalidArgumentError(`${JSON.stringify(text)} is not a GUID`, { structure: 'GPT' });
  const raw = Array.from({ length: 16 }, (_, i) => parseInt(hx.slice(2 * i, 2 * i + 2), 16));
  return new Uint8Array([raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6], ...raw.slice(8)]);
}

/** One partition entry (UEFI 2.10 §5.3.3 Table 5.6); the name is UTF-16LE, at most 36 code units. */
export function serializeGptEntry(e: { typeGuid: Uint8Array; guid: Uint8Array; firstLba: number; lastLba: number; attributes: bigint; name: string }, entrySize = 128): Uint8Array {
  if (e.name.length > E.name.len / 2) throw new InvalidArgumentError(`partition name ${JSON.stringify(e.name)} is longer than 36 UTF-16 code units`, { structure: 'GPT partition entry' });
  if (e.lastLba < e.firstLba) throw new InvalidArgumentError(`ending LBA ${e.lastLba} precedes starting LBA ${e.firstLba}`, { structure: 'GPT partition entry' });
  const b = new Uint8Array(entrySize);
  putRaw(b, E.typeGuid, e.typeGuid);
  putRaw(b, E.guid, e.guid);
  setGptEntryLbas(b, e.firstLba, e.lastLba);
  putLe64Field(b, E.attributes.at, e.attributes);
  for (let i = 0; i < e.name.length; i++) putLe16(b, E.name.at + 2 * i, e.name.charCodeAt(i), E.name.name);
  return b;
}

function putLe64Field(b: Uint8Array, at: number, v: bigint): void {
  new DataView(b.buffer, b.byteOffset).setBigUint64(at, v, true);
}

/** False for an unused entry (type GUID all zero, UEFI 2.10 §5.3.3). */
export function gptEntryUsed(entry: Uint8Array): boolean {
  return rawOf(entry, E.typeGuid).some((b) => b !== 0);
}

/** StartingLBA and EndingLBA of an entry. */
export function gptEntryLbas(entry: Uint8Array): { first: number; last: number } {
  const r = new FieldReader(entry, 0, '', false);
  return { first: r.num(E.firstLba), last: r.num(E.lastLba) };
}

/** Sets StartingLBA and EndingLBA of an entry in place. */
export function setGptEntryLbas(entry: Uint8Array, first: number, last: number): void {
  putNum(entry, E.firstLba, first);
  putNum(entry, E.lastLba, last);
}

/**
 * The entry array (entryCount × entrySize bytes) holding the decoded partitions, for a GPT whose
 * partitions were read from the backup (the primary array's bytes are damaged). Exact for what
 * the reader decodes: bytes of larger entries beyond 128 are written as zeros.
 */
export function gptEntryArrayOf(info: GptInfo): Uint8Array {
  const out = new Uint8Array(info.entryCount * info.entrySize);
  for (const p of info.partitions) {
    if (p.index > info.entryCount) throw gptError(`partition ${p.index} lies beyond the ${info.entryCount} entries of the primary header`);
    out.set(serializeGptEntry({ typeGuid: guidBytes(p.typeGuid), guid: guidBytes(p.guid), firstLba: p.firstLba, lastLba: p.lastLba, attributes: BigInt(p.attributes), name: p.name }, info.entrySize), (p.index - 1) * info.entrySize);
  }
  return out;
}

// ---- repair (the sector editor's "Recompute") ----------------------------------------------

export interface GptPatch { offset: number; data: Uint8Array }
/** Reads exactly `length` bytes at `offset`, or null when they are not all there. */
export type ReadFull = (offset: number, length: number) => Promise<Uint8Array | null>;

const BLOCK_SIZES = [512, 2048, 4096, 1024];
/** Largest GPT entry array whose CRC is recomputed (UEFI requires at least 16 KiB; 1024 × 4096 bytes at most here). */
const MAX_GPT_ARRAY = MAX_GPT_ENTRIES * MAX_GPT_ENTRY_SIZE;

interface HeaderAt { offset: number; bs: number; header: Uint8Array }

/** Reads the GPT header at `offset` (block size from its MyLBA field, else from `bsHint`). */
async function headerAt(read: ReadFull, offset: number, bsHint?: number): Promise<HeaderAt | null> {
  const head = await read(offset, GPT_HEADER_SIZE);
  if (!head || !hasGptSignature(head)) return null;
  const v = gptHeaderValues(head);
  let bs = v.myLba > 0 && offset % v.myLba === 0 ? offset / v.myLba : bsHint ?? 0;
  if (!BLOCK_SIZES.includes(bs)) bs = bsHint ?? 0;
  if (!BLOCK_SIZES.includes(bs)) return null;
  if (v.headerSize < GPT_HEADER_SIZE || v.headerSize > bs) return null;
  const header = await read(offset, v.headerSize);
  return header ? { offset, bs, header } : null;
}

/** Patches that make the header's entry array CRC and header CRC match the current bytes. */
async function crcPatches(read: ReadFull, h: HeaderAt): Promise<{ patches: GptPatch[]; entries: boolean } | null> {
  const hdr = h.header;
  const v = gptHeaderValues(hdr);
  const patches: GptPatch[] = [];
  let entries = false;
  const len = v.entryCount * v.entrySize;
  if (v.entrySize >= 128 && len > 0 && len <= MAX_GPT_ARRAY) {
    const arr = await read(v.entriesLba * h.bs, len);
    if (arr) {
      const crc = crc32(arr);
      if (crc !== v.entriesCrc) {
        putNum(hdr, H.entriesCrc, crc);
        patches.push({ offset: h.offset + H.entriesCrc.at, data: rawOf(hdr, H.entriesCrc).slice() });
        entries = true;
      }
    }
  }
  const hcrc = gptHeaderCrc(hdr);
  if (hcrc !== v.headerCrc) {
    putNum(hdr, H.headerCrc, hcrc);
    patches.push({ offset: h.offset + H.headerCrc.at, data: rawOf(hdr, H.headerCrc).slice() });
  }
  return patches.length ? { patches, entries } : null;
}

/** The header whose entry array starts at `arrayOffset` (primary at LBA 1, or the backup it names). */
async function headerOfArray(read: ReadFull, arrayOffset: number, backup: boolean): Promise<HeaderAt | null> {
  for (const bs of BLOCK_SIZES) {
    const primary = await headerAt(read, bs, bs);
    if (!primary) continue;
    const candidates: HeaderAt[] = [primary];
    const alt = gptHeaderValues(primary.header).alternateLba;
    if (alt > 1) {
      const b = await headerAt(read, alt * bs, bs);
      if (b) candidates.push(b);
    }
    const order = backup ? candidates.reverse() : candidates;
    for (const c of order) if (gptHeaderValues(c.header).entriesLba * c.bs === arrayOffset) return c;
  }
  return null;
}

/**
 * The patches that make a GPT header (structure type 'gpt-header') or entry array ('gpt-entries',
 * fixed through the header that names it) validate again: PartitionEntryArrayCRC32 recomputed
 * over the current array (`entries` true when it changed), then HeaderCRC32. Null when nothing
 * needs fixing or the header cannot be read.
 */
export async function gptCrcRepair(read: ReadFull, s: Structure): Promise<{ patches: GptPatch[]; entries: boolean } | null> {
  if (s.type !== 'gpt-header' && s.type !== 'gpt-entries') return null;
  const h = s.type === 'gpt-header'
    ? await headerAt(read, s.offset, Number(/\((\d+)-byte blocks\)/.exec(s.name)?.[1]) || undefined)
    : await headerOfArray(read, s.offset, s.id.includes(':backup:'));
  return h ? crcPatches(read, h) : null;
}

// ---- rewriting for a new disk size (repack) -------------------------------------------------

/** Byte range of the backup area (entries + header) the header names, or null when it names none. */
export function gptBackupArea(g: GptInfo): { start: number; end: number } | null {
  if (g.backupLba <= 1) return null;
  const bs = g.blockSize;
  return { start: (g.backupLba - gptEntryBlocks(g.entryCount, g.entrySize, bs)) * bs, end: (g.backupLba + 1) * bs };
}

/** The GPT of a system area (`head`, its first 32 KiB) to rewrite: primary header values and a copy of its entry array. */
export interface GptToRewrite extends GptHeaderValues { diskGuid: Uint8Array; entries: Uint8Array }

/**
 * Reads the GPT `g` describes from `head` for rewriting. The entry array is a copy of the primary
 * one — or, when the reader took the partitions from the backup, rebuilt from them. Throws when
 * the header is not in `head`, the entries have a size the reader does not read, or the array
 * does not lie in `head`.
 */
export function gptForRewrite(head: Uint8Array, g: GptInfo, imageName: string): GptToRewrite {
  const bs = g.blockSize;
  const where = (structure: string, offset: number) => ({ image: imageName, structure, offset });
  const hdr = head.subarray(bs, 2 * bs);
  if (!hasGptSignature(hdr)) throw new UnsupportedFeatureError('the GPT header is not in the system area bytes given', where('GPT primary header', bs));
  const v = gptHeaderValues(hdr);
  const { entrySize: size, entriesLba } = v;
  // The reader does not read entries of another size (it said so): they cannot be carried either.
  if (size < 128 || size % 128 !== 0 || size > MAX_GPT_ENTRY_SIZE) {
    throw new CorruptImageError(`the GPT's ${H.entrySize.name} is ${size}, not a multiple of 128 up to ${MAX_GPT_ENTRY_SIZE}: its partitions cannot be carried into the new image`, where('GPT primary header', bs + H.entrySize.at));
  }
  const arrayBytes = v.entryCount * size;
  const entriesOff = entriesLba * bs;
  if (entriesOff < 2 * bs || entriesOff + arrayBytes > head.length) {
    throw new UnsupportedFeatureError(`the GPT partition entry array (LBA ${entriesLba}, ${arrayBytes} bytes) does not lie within the first ${head.length} bytes`, where('GPT partition entry array', entriesOff));
  }
  const entries = g.partitionsFrom === 'backup' ? gptEntryArrayOf(g) : head.slice(entriesOff, entriesOff + arrayBytes);
  return { ...v, diskGuid: rawOf(hdr, H.diskGuid).slice(), entries };
}

/**
 * Last usable block and backup entry array of the GPT `g` on a disk of `diskBlocks` blocks: the
 * backup header in the last block, its entries just before, and the original's margin between
 * the last usable block and the backup entries kept (0 for xorriso, sgdisk).
 */
export function gptLayoutFor(g: GptInfo, oldLastUsable: number, diskBlocks: number): { lastUsableLba: number; backupEntriesLba: number } {
  const entryBlocks = gptEntryBlocks(g.entryCount, g.entrySize, g.blockSize);
  const backupEntriesLba = diskBlocks - 1 - entryBlocks;
  const oldBackupEntries = g.backupLba - entryBlocks;
  const margin = g.backupLba > 1 && oldBackupEntries - 1 - oldLastUsable >= 0 ? oldBackupEntries - 1 - oldLastUsable : 0;
  return { lastUsableLba: backupEntriesLba - 1 - margin, backupEntriesLba };
}

/**
 * Rewrites the GPT in `head` for a new disk: the primary header's defined bytes (the rest of its
 * block kept as it was) and entry array in place, CRCs recomputed; returns the backup entries
 * and header to write at the new end.
 */
export function rewriteGpt(head: Uint8Array, bs: number, old: GptToRewrite, to: { entries: Uint8Array; lastUsableLba: number; diskBlocks: number; backupEntriesLba: number }): Array<{ offset: number; bytes: Uint8Array }> {
  const gpt = serializeGpt({
    blockSize: bs as 512 | 2048, diskGuid: old.diskGuid, entries: to.entries, entryCount: old.entryCount, entrySize: old.entrySize,
    firstUsableLba: old.firstUsableLba, lastUsableLba: to.lastUsableLba, diskBlocks: to.diskBlocks, primaryEntriesLba: old.entriesLba, backupEntriesLba: to.backupEntriesLba,
  });
  head.set(gpt.primaryHeader.subarray(0, GPT_HEADER_SIZE), gpt.primaryHeaderOffset);
  head.set(to.entries, gpt.primaryEntriesOffset);
  return [{ offset: gpt.backupEntriesOffset, bytes: to.entries }, { offset: gpt.backupHeaderOffset, bytes: gpt.backupHeader }];
}
