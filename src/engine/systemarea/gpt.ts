// GUID Partition Table (UEFI 2.10 §5.3.2 GPT header, Table 5.5; §5.3.3 GPT partition entry
// array, Table 5.6). The primary header is at LBA 1; ISO hybrids use 512-byte LBAs, a few
// CD-oriented images 2048-byte ones, so both are tried. All LBAs are in the header's own block size.
import { InvalidArgumentError, IsoError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure/fields';
import type { GptInfo, GptPartition } from '../types';
import { crc32 } from '../bytes/crc32';
import { formatGuid, gptTypeName } from './guids';

const HSPEC = 'UEFI 2.10 §5.3.2';
const ESPEC = 'UEFI 2.10 §5.3.3';
/** Largest entry array we read: 1024 entries of at most 4096 bytes. */
export const MAX_GPT_ENTRIES = 1024;
export const MAX_GPT_ENTRY_SIZE = 4096;
const SIG = 'EFI PART';

interface Header {
  structure: Structure;
  headerCrcOk: boolean;
  currentLba: number; backupLba: number; firstUsableLba: number; lastUsableLba: number;
  diskGuid: string; entriesLba: number; entryCount: number; entrySize: number; entriesCrc: number;
}

function hasSig(b: Uint8Array): boolean {
  if (b.length < 8) return false;
  for (let i = 0; i < 8; i++) if (b[i] !== SIG.charCodeAt(i)) return false;
  return true;
}

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

function parseHeader(block: Uint8Array, lba: number, bs: number, which: 'primary' | 'backup', sink: DiagnosticSink): Header {
  const base = lba * bs;
  const r = new FieldReader(block, base);
  r.field('Signature', 0, 8, SIG, JSON.stringify(SIG), 'magic', HSPEC);
  const rev = r.u32le('Revision', 8, HSPEC);
  r.fields[r.fields.length - 1].display = `${rev >>> 16}.${rev & 0xffff}`;
  const headerSize = r.u32le('HeaderSize', 12, HSPEC, 'length');
  const sizeOk = headerSize >= 92 && headerSize <= bs;
  if (!sizeOk) flag(r, 'HeaderSize', `header size ${headerSize} outside 92..${bs}`);
  const stored = new DataView(block.buffer, block.byteOffset, block.byteLength).getUint32(16, true);
  let headerCrcOk = false;
  let computed = 0;
  if (sizeOk) {
    const copy = block.slice(0, headerSize);
    copy.fill(0, 16, 20);
    computed = crc32(copy);
    headerCrcOk = computed === stored;
  }
  r.field('HeaderCRC32', 16, 4, stored, '0x' + stored.toString(16).padStart(8, '0'), 'checksum', HSPEC,
    headerCrcOk ? undefined : sizeOk ? `CRC32 mismatch: computed 0x${computed.toString(16).padStart(8, '0')}` : 'cannot verify: bad header size');
  r.bytes('Reserved', 20, 4, HSPEC, 'reserved');
  const currentLba = r.u64le('MyLBA', 24, HSPEC, 'pointer');
  const backupLba = r.u64le('AlternateLBA', 32, HSPEC, 'pointer');
  const firstUsableLba = r.u64le('FirstUsableLBA', 40, HSPEC, 'pointer');
  const lastUsableLba = r.u64le('LastUsableLBA', 48, HSPEC, 'pointer');
  const diskGuid = formatGuid(block, 56);
  r.field('DiskGUID', 56, 16, diskGuid, diskGuid, 'guid', HSPEC);
  const entriesLba = r.u64le('PartitionEntryLBA', 72, HSPEC, 'pointer');
  const entryCount = r.u32le('NumberOfPartitionEntries', 80, HSPEC, 'length');
  const entrySize = r.u32le('SizeOfPartitionEntry', 84, HSPEC, 'length');
  const entriesCrc = r.u32le('PartitionEntryArrayCRC32', 88, HSPEC, 'checksum');
  r.fields[r.fields.length - 1].display = '0x' + entriesCrc.toString(16).padStart(8, '0');
  if (currentLba !== lba) flag(r, 'MyLBA', `is ${currentLba} but the header was found at LBA ${lba}`);
  const name = `GPT ${which} header`;
  const structure: Structure = {
    id: `gpt:${which}:header`, type: 'gpt-header', name: `${name} (${bs}-byte blocks)`, offset: base, length: sizeOk ? headerSize : 92,
    spec: HSPEC, fields: r.fields, children: [],
  };
  const pr = problemsOf(r, name, sink);
  if (pr) structure.problems = pr;
  if (bs === 2048) structure.target = { lba };
  return { structure, headerCrcOk, currentLba, backupLba, firstUsableLba, lastUsableLba, diskGuid, entriesLba, entryCount, entrySize, entriesCrc };
}

/** Reads (bounded) and CRC-checks the entry array of `h`; parses the entries when `parse`. */
async function readEntries(src: ByteSource, h: Header, bs: number, which: 'primary' | 'backup', parse: boolean, sink: DiagnosticSink):
  Promise<{ crcOk: boolean; partitions: GptPartition[]; structure: Structure | null }> {
  const name = `GPT ${which} partition entry array`;
  const base = h.entriesLba * bs;
  const none = { crcOk: false, partitions: [], structure: null };
  if (h.entrySize < 128 || h.entrySize > MAX_GPT_ENTRY_SIZE || h.entrySize % 128 !== 0) {
    sink.error(`SizeOfPartitionEntry ${h.entrySize} is not a multiple of 128 between 128 and ${MAX_GPT_ENTRY_SIZE}; entries not read`, `GPT ${which} header`, h.structure.offset + 84);
    return none;
  }
  let count = h.entryCount;
  if (count > MAX_GPT_ENTRIES) {
    sink.error(`NumberOfPartitionEntries ${count} exceeds the limit of ${MAX_GPT_ENTRIES}; only the first ${MAX_GPT_ENTRIES} are read and the array CRC is not verified`, `GPT ${which} header`, h.structure.offset + 80);
    count = MAX_GPT_ENTRIES;
  }
  const len = count * h.entrySize;
  if (!Number.isSafeInteger(base) || base < bs || base + len > src.size) {
    sink.error(`partition entry array (LBA ${h.entriesLba}, ${len} bytes) lies outside the image; the image may be truncated`, name, Number.isSafeInteger(base) ? base : undefined);
    return none;
  }
  const arr = await readExact(src, base, len, name);
  const crcOk = count === h.entryCount && crc32(arr) === h.entriesCrc;
  if (!crcOk && count === h.entryCount) {
    const msg = `CRC32 mismatch: computed 0x${crc32(arr).toString(16).padStart(8, '0')} over the entry array`;
    sink.warn(`PartitionEntryArrayCRC32 mismatch: header says 0x${h.entriesCrc.toString(16).padStart(8, '0')}, computed 0x${crc32(arr).toString(16).padStart(8, '0')}`, name, base);
    // The stored CRC lives in the header: flag that field too (the fix rewrites it, then the header CRC).
    const f = h.structure.fields.find((x) => x.name === 'PartitionEntryArrayCRC32');
    if (f) {
      f.problem = f.problem ? `${f.problem}; ${msg}` : msg;
      (h.structure.problems ??= []).push(`PartitionEntryArrayCRC32: ${msg}`);
    }
  }
  const partitions: GptPartition[] = [];
  const children: Structure[] = [];
  if (parse) {
    for (let i = 0; i < count; i++) {
      const e = arr.subarray(i * h.entrySize, (i + 1) * h.entrySize);
      if (e.subarray(0, 16).every((b) => b === 0)) continue; // unused entry (UEFI 2.10 §5.3.3)
      const eoff = base + i * h.entrySize;
      const r = new FieldReader(e, eoff);
      const typeGuid = formatGuid(e, 0);
      const typeName = gptTypeName(typeGuid);
      r.field('PartitionTypeGUID', 0, 16, typeGuid, `${typeGuid} (${typeName})`, 'guid', ESPEC);
      const guid = formatGuid(e, 16);
      r.field('UniquePartitionGUID', 16, 16, guid, guid, 'guid', ESPEC);
      const firstLba = r.u64le('StartingLBA', 32, ESPEC, 'pointer');
      const lastLba = r.u64le('EndingLBA', 40, ESPEC, 'pointer');
      const attrs = new DataView(e.buffer, e.byteOffset + 48, 8).getBigUint64(0, true);
      const attributes = '0x' + attrs.toString(16).padStart(16, '0');
      r.field('Attributes', 48, 8, attributes, attributes, 'flags', ESPEC);
      const nm = r.str('PartitionName', 56, 72, 'utf16le', ESPEC);
      if (lastLba < firstLba) flag(r, 'EndingLBA', `${lastLba} precedes StartingLBA ${firstLba}`);
      partitions.push({ index: i + 1, typeGuid, typeName, guid, name: nm, firstLba, lastLba, attributes });
      const st: Structure = {
        id: `gpt:${which}:entry:${i + 1}`, type: 'gpt-entry', name: `GPT partition ${i + 1} (${nm || typeName})`,
        offset: eoff, length: h.entrySize, spec: ESPEC, fields: r.fields, children: [],
      };
      const startBytes = firstLba * bs;
      if (startBytes % 2048 === 0 && lastLba >= firstLba) st.target = { lba: startBytes / 2048, blocks: Math.ceil(((lastLba - firstLba + 1) * bs) / 2048) };
      const pr = problemsOf(r, st.name, sink);
      if (pr) st.problems = pr;
      children.push(st);
    }
  }
  const structure: Structure = {
    id: `gpt:${which}:entries`, type: 'gpt-entries', name: `${name} (${h.entryCount} × ${h.entrySize} bytes)`,
    offset: base, length: len, spec: ESPEC, fields: [], children,
  };
  if (!crcOk) structure.problems = [count === h.entryCount ? 'PartitionEntryArrayCRC32 mismatch' : 'entry count beyond limit; CRC not verified'];
  return { crcOk, partitions, structure };
}

/**
 * Finds and reads the GPT ("EFI PART" at byte 512, else at byte 2048). Null when neither is
 * present. CRC problems, a missing backup and out-of-range arrays are reported through `sink`.
 */
export async function readGpt(src: ByteSource, sink: DiagnosticSink): Promise<{ info: GptInfo; structures: Structure[] } | null> {
  let bs = 0;
  let block: Uint8Array | null = null;
  for (const cand of [512, 2048]) {
    if (src.size < cand + 92) continue;
    const b = await src.read(cand, cand);
    if (hasSig(b)) { bs = cand; block = b; break; }
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
  if (h.backupLba !== 0 && h.backupLba !== 1) {
    const boff = h.backupLba * bs;
    backup = { found: false, headerCrcOk: false, entriesCrcOk: false, lba: h.backupLba };
    if (!Number.isSafeInteger(boff) || boff + bs > src.size) {
      sink.warn(`backup GPT header at LBA ${h.backupLba} lies beyond the end of the image (${src.size} bytes); the image may be truncated`, 'GPT primary header', h.structure.offset + 32);
    } else {
      const bb = await readExact(src, boff, bs, 'GPT backup header');
      if (!hasSig(bb)) {
        sink.warn(`no backup GPT header ("EFI PART") at LBA ${h.backupLba}`, 'GPT backup header', boff);
      } else {
        try {
          const bh = parseHeader(bb, h.backupLba, bs, 'backup', sink);
          structures.push(bh.structure);
          const be = await readEntries(src, bh, bs, 'backup', false, sink);
          if (be.structure) structures.push(be.structure);
          backup = { found: true, headerCrcOk: bh.headerCrcOk, entriesCrcOk: be.crcOk, lba: h.backupLba };
          if (bh.backupLba !== 1) sink.warn(`backup header's AlternateLBA is ${bh.backupLba}, expected 1`, 'GPT backup header', boff + 32);
          if (be.crcOk && ent.crcOk && bh.entriesCrc !== h.entriesCrc) sink.warn('primary and backup partition entry arrays differ', 'GPT backup header', boff + 88);
        } catch (e) {
          if (!(e instanceof IsoError)) throw e;
          sink.error(e.detail, e.structure ?? 'GPT backup header', e.offset);
        }
      }
    }
  }
  const info: GptInfo = {
    blockSize: bs, diskGuid: h.diskGuid, headerCrcOk: h.headerCrcOk, entriesCrcOk: ent.crcOk,
    currentLba: h.currentLba, backupLba: h.backupLba, firstUsableLba: h.firstUsableLba, lastUsableLba: h.lastUsableLba,
    entriesLba: h.entriesLba, entryCount: h.entryCount, entrySize: h.entrySize, backup, partitions: ent.partitions,
  };
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

/**
 * The primary and backup GPT headers (UEFI 2.10 §5.3.2 Table 5.5: revision 1.0, HeaderSize 92,
 * HeaderCRC32 over the 92 bytes with the field zeroed, PartitionEntryArrayCRC32 over the whole
 * array) and their byte offsets: primary at LBA 1, backup in the disk's last block, the backup
 * entry array (§5.3.3) just before it unless placed otherwise.
 */
export function serializeGpt(spec: GptSpec): SerializedGpt {
  const bs = spec.blockSize;
  if (bs !== 512 && bs !== 2048) throw gptError(`block size ${bs} is not 512 or 2048`);
  if (spec.diskGuid.length !== 16) throw gptError(`disk GUID has ${spec.diskGuid.length} bytes, expected 16`);
  if (spec.entrySize < 128 || spec.entrySize % 128 !== 0 || spec.entrySize > MAX_GPT_ENTRY_SIZE) throw gptError(`entry size ${spec.entrySize} is not a multiple of 128 up to ${MAX_GPT_ENTRY_SIZE}`);
  if (!Number.isInteger(spec.entryCount) || spec.entryCount < 1 || spec.entryCount > 0xffffffff) throw gptError(`entry count ${spec.entryCount} out of range`);
  const arrayBytes = spec.entryCount * spec.entrySize;
  if (spec.entries.length !== arrayBytes) throw gptError(`entry array has ${spec.entries.length} bytes, expected ${spec.entryCount} × ${spec.entrySize}`);
  const entryBlocks = Math.ceil(arrayBytes / bs);
  const backupLba = spec.diskBlocks - 1;
  const backupEntriesLba = spec.backupEntriesLba ?? backupLba - entryBlocks;
  const ints: Array<[number, string]> = [[spec.diskBlocks, 'disk blocks'], [spec.firstUsableLba, 'first usable LBA'], [spec.lastUsableLba, 'last usable LBA'], [spec.primaryEntriesLba, 'entry array LBA'], [backupEntriesLba, 'backup entry array LBA']];
  for (const [v, what] of ints) if (!Number.isSafeInteger(v) || v < 0) throw gptError(`${what} ${v} is not a block address`);
  if (spec.primaryEntriesLba < 2 || spec.primaryEntriesLba + entryBlocks > spec.firstUsableLba) throw gptError(`primary entry array (LBA ${spec.primaryEntriesLba}, ${entryBlocks} blocks) must lie between LBA 2 and the first usable LBA ${spec.firstUsableLba}`, bs);
  if (spec.lastUsableLba < spec.firstUsableLba - 1 || spec.lastUsableLba >= backupEntriesLba) throw gptError(`last usable LBA ${spec.lastUsableLba} must lie between the first usable LBA ${spec.firstUsableLba} and the backup entry array at LBA ${backupEntriesLba}`);
  if (backupEntriesLba + entryBlocks > backupLba) throw gptError(`backup entry array (LBA ${backupEntriesLba}, ${entryBlocks} blocks) overlaps the backup header at LBA ${backupLba}`);
  const entriesCrc = crc32(spec.entries);
  const header = (my: number, alt: number, entriesLba: number): Uint8Array => {
    const b = new Uint8Array(bs);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < 8; i++) b[i] = SIG.charCodeAt(i);
    dv.setUint32(8, 0x00010000, true);
    dv.setUint32(12, 92, true);
    dv.setBigUint64(24, BigInt(my), true);
    dv.setBigUint64(32, BigInt(alt), true);
    dv.setBigUint64(40, BigInt(spec.firstUsableLba), true);
    dv.setBigUint64(48, BigInt(spec.lastUsableLba), true);
    b.set(spec.diskGuid, 56);
    dv.setBigUint64(72, BigInt(entriesLba), true);
    dv.setUint32(80, spec.entryCount, true);
    dv.setUint32(84, spec.entrySize, true);
    dv.setUint32(88, entriesCrc, true);
    dv.setUint32(16, crc32(b.subarray(0, 92)), true);
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
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new InvalidArgumentError(`${JSON.stringify(text)} is not a GUID`, { structure: 'GPT' });
  const raw = Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
  return new Uint8Array([raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6], ...raw.slice(8)]);
}

/** One partition entry (UEFI 2.10 §5.3.3 Table 5.6); the name is UTF-16LE, at most 36 code units. */
export function serializeGptEntry(e: { typeGuid: Uint8Array; guid: Uint8Array; firstLba: number; lastLba: number; attributes: bigint; name: string }, entrySize = 128): Uint8Array {
  if (e.name.length > 36) throw new InvalidArgumentError(`partition name ${JSON.stringify(e.name)} is longer than 36 UTF-16 code units`, { structure: 'GPT partition entry' });
  if (e.lastLba < e.firstLba) throw new InvalidArgumentError(`ending LBA ${e.lastLba} precedes starting LBA ${e.firstLba}`, { structure: 'GPT partition entry' });
  const b = new Uint8Array(entrySize);
  const dv = new DataView(b.buffer);
  b.set(e.typeGuid, 0);
  b.set(e.guid, 16);
  dv.setBigUint64(32, BigInt(e.firstLba), true);
  dv.setBigUint64(40, BigInt(e.lastLba), true);
  dv.setBigUint64(48, e.attributes, true);
  for (let i = 0; i < e.name.length; i++) dv.setUint16(56 + 2 * i, e.name.charCodeAt(i), true);
  return b;
}
