// Apple Partition Map (Inside Macintosh: Devices, "SCSI Manager" chapter: Block0 driver
// descriptor record "ER" and partition map entries "PM", big-endian). The driver descriptor
// sits in block 0 and names the block size; the map occupies blocks 1..pmMapBlkCnt.
import { InvalidArgumentError, IsoError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, finishStructure as finish, type Structure } from '../structure/fields';
import { layout, putNum } from '../structure/layout';

const SPEC = 'Inside Macintosh: Devices, Apple Partition Map';
/** Most map entries we read. */
export const MAX_APM_ENTRIES = 256;

/** Driver descriptor record (Block0) in block 0. */
export const APM_DDR = layout({
  sig: { at: 0, type: 'ascii', len: 2, name: 'sbSig', spec: SPEC, kind: 'magic' },
  blockSize: { at: 2, type: 'u16be', name: 'sbBlkSize', spec: SPEC, kind: 'length' },
  blockCount: { at: 4, type: 'u32be', name: 'sbBlkCount', spec: SPEC, kind: 'length' },
  devType: { at: 8, type: 'u16be', name: 'sbDevType', spec: SPEC },
  devId: { at: 10, type: 'u16be', name: 'sbDevId', spec: SPEC },
  data: { at: 12, type: 'u32be', name: 'sbData', spec: SPEC },
  driverCount: { at: 16, type: 'u16be', name: 'sbDrvrCount', spec: SPEC, kind: 'length' },
});
/** One driver descriptor (8 bytes each from byte 18 of Block0, at most 61). */
export const APM_DRIVER = layout({
  block: { at: 0, type: 'u32be', name: 'ddBlock', spec: SPEC, kind: 'pointer' },
  size: { at: 4, type: 'u16be', name: 'ddSize', spec: SPEC, kind: 'length' },
  type: { at: 6, type: 'u16be', name: 'ddType', spec: SPEC },
});
const DRIVERS_AT = 18;
const DRIVER_SIZE = 8;
const MAX_DRIVERS = 61;
/** Partition map entry "PM", one per map block. */
export const APM_ENTRY = layout({
  sig: { at: 0, type: 'ascii', len: 2, name: 'pmSig', spec: SPEC, kind: 'magic' },
  sigPad: { at: 2, type: 'bytes', len: 2, name: 'pmSigPad', spec: SPEC, kind: 'reserved' },
  mapBlocks: { at: 4, type: 'u32be', name: 'pmMapBlkCnt', spec: SPEC, kind: 'length' },
  start: { at: 8, type: 'u32be', name: 'pmPyPartStart', spec: SPEC, kind: 'pointer' },
  blocks: { at: 12, type: 'u32be', name: 'pmPartBlkCnt', spec: SPEC, kind: 'length' },
  name: { at: 16, type: 'ascii', len: 32, name: 'pmPartName', spec: SPEC },
  type: { at: 48, type: 'ascii', len: 32, name: 'pmParType', spec: SPEC },
  dataStart: { at: 80, type: 'u32be', name: 'pmLgDataStart', spec: SPEC, kind: 'pointer' },
  dataCount: { at: 84, type: 'u32be', name: 'pmDataCnt', spec: SPEC, kind: 'length' },
  status: { at: 88, type: 'u32be', name: 'pmPartStatus', spec: SPEC, kind: 'flags' },
  bootStart: { at: 92, type: 'u32be', name: 'pmLgBootStart', spec: SPEC, kind: 'pointer' },
  bootSize: { at: 96, type: 'u32be', name: 'pmBootSize', spec: SPEC, kind: 'length' },
  bootAddr: { at: 100, type: 'u32be', name: 'pmBootAddr', spec: SPEC },
  bootEntry: { at: 108, type: 'u32be', name: 'pmBootEntry', spec: SPEC },
  bootCksum: { at: 116, type: 'u32be', name: 'pmBootCksum', spec: SPEC, kind: 'checksum' },
  processor: { at: 120, type: 'ascii', len: 16, name: 'pmProcessor', spec: SPEC },
});
const D = APM_DDR;
const PM = APM_ENTRY;
/** Bytes of a map entry we read (the entry occupies a whole map block). */
const ENTRY_BYTES = 512;

export interface ApmPartition {
  index: number;
  name: string;
  type: string;
  /** In the map's block size. */
  startBlock: number;
  blocks: number;
  status: string;
}

export interface ApmInfo {
  blockSize: number;
  partitions: ApmPartition[];
}

const STATUS_BITS = ['valid', 'allocated', 'in use', 'bootable', 'readable', 'writable', 'boot code position-independent', 'OS-specific 1', 'OS-specific 2'];

function isSig(b: Uint8Array, s: 'ER' | 'PM'): boolean {
  return b.length >= 2 && b[0] === s.charCodeAt(0) && b[1] === s.charCodeAt(1);
}

/** A numeric field of a DDR or map entry, decoded without recording it. */
function peek(b: Uint8Array, f: typeof D.blockSize | typeof PM.dataCount): number {
  return new FieldReader(b, 0, '', false).num(f);
}

function statusText(v: number): string {
  const on = STATUS_BITS.filter((_, i) => (v >>> i) & 1);
  return `0x${v.toString(16).padStart(8, '0')}${on.length ? ' (' + on.join(', ') + ')' : ''}`;
}

/** Marks the field just read as inconsistent. */
function flagLast(r: FieldReader, problem: string, message = problem): void {
  const f = r.fields[r.fields.length - 1];
  f.problem = problem;
  r.problems.push({ message: `${f.name}: ${message}`, offset: f.offset, field: f.name });
}

/** The driver descriptor record's structure (Block0), `bs` the block size the map was found with. */
function parseDdr(b0: Uint8Array, bs: number, sink: DiagnosticSink): Structure {
  const dr = new FieldReader(b0, 0);
  dr.field(D.sig.name, D.sig.at, D.sig.len, 'ER', '"ER"', 'magic', SPEC);
  const ddrBlock = dr.num(D.blockSize);
  if (ddrBlock !== bs) flagLast(dr, `block size ${ddrBlock} does not match the map, which is laid out in ${bs}-byte blocks`);
  for (const f of [D.blockCount, D.devType, D.devId, D.data]) dr.num(f);
  const drvrCount = dr.num(D.driverCount);
  for (let i = 0; i < Math.min(drvrCount, MAX_DRIVERS); i++) {
    const o = DRIVERS_AT + i * DRIVER_SIZE;
    for (const f of [APM_DRIVER.block, APM_DRIVER.size, APM_DRIVER.type]) dr[f.type](`Driver ${i + 1} ${f.name}`, o + f.at, f.spec, f.kind);
  }
  return finish(dr, { id: 'apm:ddr', type: 'apm-ddr', name: 'Apple driver descriptor record', offset: 0, length: 512, spec: SPEC }, sink);
}

/** Parses map entry `i` (at `off`, `bs`-byte blocks); `count` is the map size the first entry announced. */
function parseEntry(e: Uint8Array, i: number, off: number, bs: number, count: number, sink: DiagnosticSink): { partition: ApmPartition; structure: Structure; count: number } {
  const r = new FieldReader(e, off);
  r.field(PM.sig.name, PM.sig.at, PM.sig.len, 'PM', '"PM"', 'magic', SPEC);
  r.raw(PM.sigPad);
  const mapCount = r.num(PM.mapBlocks);
  if (i === 1) {
    count = mapCount;
    if (count === 0 || count > MAX_APM_ENTRIES) {
      flagLast(r, `map entry count ${mapCount} outside 1..${MAX_APM_ENTRIES}`, `map entry count ${mapCount} outside 1..${MAX_APM_ENTRIES}; reading at most ${MAX_APM_ENTRIES}`);
      count = Math.max(1, Math.min(count, MAX_APM_ENTRIES));
    }
  } else if (mapCount !== count) {
    flagLast(r, `differs from the first entry's count ${count}`, `${mapCount} differs from the first entry's count ${count}`);
  }
  const startBlock = r.num(PM.start);
  const blocks = r.num(PM.blocks);
  const name = r.text(PM.name);
  const type = r.text(PM.type);
  r.num(PM.dataStart);
  r.num(PM.dataCount);
  const st = r.num(PM.status);
  r.fields[r.fields.length - 1].display = statusText(st);
  for (const f of [PM.bootStart, PM.bootSize, PM.bootAddr, PM.bootEntry, PM.bootCksum]) r.num(f);
  r.text(PM.processor);
  // Inside Macintosh leaves the name/type as C strings; strip anything after a NUL.
  const cname = name.split('\0')[0];
  const ctype = type.split('\0')[0];
  const partition = { index: i, name: cname, type: ctype, startBlock, blocks, status: '0x' + st.toString(16).padStart(8, '0') };
  const structure = finish(r, { id: `apm:entry:${i}`, type: 'apm-entry', name: `Apple partition map entry ${i} (${cname || ctype})`, offset: off, length: bs, spec: SPEC }, sink);
  const startBytes = startBlock * bs;
  if (startBytes % 2048 === 0) structure.target = { lba: startBytes / 2048, blocks: Math.ceil((blocks * bs) / 2048) };
  return { partition, structure, count };
}

/** Reads map entry `i`, or null (with a diagnostic) when it is beyond the image, unreadable or not "PM". */
async function readEntry(src: ByteSource, i: number, off: number, count: number, sink: DiagnosticSink): Promise<Uint8Array | null> {
  let e: Uint8Array;
  try {
    if (off + ENTRY_BYTES > src.size) {
      sink.warn(`partition map entry ${i} lies beyond the end of the image; the image may be truncated`, 'Apple partition map', off);
      return null;
    }
    e = await readExact(src, off, ENTRY_BYTES, `Apple partition map entry ${i}`);
  } catch (err) {
    if (!(err instanceof IsoError)) throw err;
    sink.error(err.detail, err.structure, err.offset);
    return null;
  }
  if (!isSig(e, 'PM')) {
    sink.warn(`partition map entry ${i} has no "PM" signature though the map announces ${count} entries`, 'Apple partition map', off);
    return null;
  }
  return e;
}

/**
 * Reads the Apple Partition Map when block 0 starts with "ER". The map's block size is taken
 * from the driver descriptor when an entry "PM" is found there, else 512 or 2048 are tried.
 * Null when there is no "ER" or no "PM" entry at block 1 under any of those block sizes.
 */
export async function readApm(src: ByteSource, sink: DiagnosticSink): Promise<{ info: ApmInfo; structures: Structure[] } | null> {
  if (src.size < 512) return null;
  const b0 = await src.read(0, 512);
  if (!isSig(b0, 'ER')) return null;
  const ddrBlock = peek(b0, D.blockSize);
  const candidates = [ddrBlock, 512, 2048].filter((v, i, a) => v >= 512 && v <= 65536 && (v & (v - 1)) === 0 && a.indexOf(v) === i);
  let bs = 0;
  for (const c of candidates) {
    if (src.size < c * 2) continue;
    const h = await src.read(c, 2);
    if (isSig(h, 'PM')) { bs = c; break; }
  }
  if (!bs) return null;
  const structures: Structure[] = [parseDdr(b0, bs, sink)];
  const partitions: ApmPartition[] = [];
  const children: Structure[] = [];
  let count = 1;
  for (let i = 1; i <= count; i++) {
    const e = await readEntry(src, i, i * bs, count, sink);
    if (!e) break;
    const p = parseEntry(e, i, i * bs, bs, count, sink);
    count = p.count;
    partitions.push(p.partition);
    children.push(p.structure);
  }
  structures.push({ id: 'apm:map', type: 'apm-map', name: `Apple partition map (${bs}-byte blocks)`, offset: bs, length: children.length * bs, spec: SPEC, fields: [], children });
  return { info: { blockSize: bs, partitions }, structures };
}

// ---- writing ------------------------------------------------------------------------------

/** Patches one partition map entry in place (pmPyPartStart, pmPartBlkCnt, pmDataCnt; big-endian, map blocks). */
export function patchApmEntry(entry: Uint8Array, changes: { startBlock?: number; blocks?: number; dataCount?: number }): void {
  if (entry.length < ENTRY_BYTES || !isSig(entry, 'PM')) throw new InvalidArgumentError('not an Apple partition map entry ("PM")', { structure: 'Apple partition map' });
  if (changes.startBlock !== undefined) putNum(entry, PM.start, changes.startBlock);
  if (changes.blocks !== undefined) putNum(entry, PM.blocks, changes.blocks);
  if (changes.dataCount !== undefined) putNum(entry, PM.dataCount, changes.dataCount);
}

/** pmDataCnt of a map entry. */
export function apmEntryDataCount(entry: Uint8Array): number { return peek(entry, PM.dataCount); }

/** The driver descriptor record's sbBlkSize and sbBlkCount (block 0 "ER"; the count in sbBlkSize blocks). */
export function apmDiskBlocks(block0: Uint8Array): { blockSize: number; blocks: number } {
  return { blockSize: peek(block0, D.blockSize), blocks: peek(block0, D.blockCount) };
}

/** Sets the driver descriptor record's sbBlkCount (device size in sbBlkSize blocks). */
export function setApmDiskBlocks(block0: Uint8Array, blocks: number): void {
  if (block0.length < 8 || !isSig(block0, 'ER')) throw new InvalidArgumentError('no Apple driver descriptor record ("ER") in block 0', { structure: 'Apple driver descriptor record' });
  putNum(block0, D.blockCount, blocks);
}
