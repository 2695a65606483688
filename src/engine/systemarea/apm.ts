// Apple Partition Map (Inside Macintosh: Devices, "SCSI Manager" chapter: Block0 driver
// descriptor record "ER" and partition map entries "PM", big-endian). The driver descriptor
// sits in block 0 and names the block size; the map occupies blocks 1..pmMapBlkCnt.
import { InvalidArgumentError, IsoError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure/fields';
import type { ApmInfo, ApmPartition } from '../types';
import { putBe32 } from '../bytes/endian';

const SPEC = 'Inside Macintosh: Devices, Apple Partition Map';
/** Most map entries we read. */
export const MAX_APM_ENTRIES = 256;

const STATUS_BITS = ['valid', 'allocated', 'in use', 'bootable', 'readable', 'writable', 'boot code position-independent', 'OS-specific 1', 'OS-specific 2'];

function isSig(b: Uint8Array, off: number, s: string): boolean {
  return b.length >= off + 2 && b[off] === s.charCodeAt(0) && b[off + 1] === s.charCodeAt(1);
}

function statusText(v: number): string {
  const on = STATUS_BITS.filter((_, i) => (v >>> i) & 1);
  return `0x${v.toString(16).padStart(8, '0')}${on.length ? ' (' + on.join(', ') + ')' : ''}`;
}

function finish(r: FieldReader, s: Omit<Structure, 'fields' | 'children' | 'problems'>, sink: DiagnosticSink): Structure {
  const st: Structure = { ...s, fields: r.fields, children: [] };
  if (r.problems.length) {
    st.problems = r.problems.map((p) => p.message);
    for (const p of r.problems) sink.warn(p.message, s.name, p.offset);
  }
  return st;
}

/**
 * Reads the Apple Partition Map when block 0 starts with "ER". The map's block size is taken
 * from the driver descriptor when an entry "PM" is found there, else 512 or 2048 are tried.
 * Null when there is no "ER" or no "PM" entry at block 1 under any of those block sizes.
 */
export async function readApm(src: ByteSource, sink: DiagnosticSink): Promise<{ info: ApmInfo; structures: Structure[] } | null> {
  if (src.size < 512) return null;
  const b0 = await src.read(0, 512);
  if (!isSig(b0, 0, 'ER')) return null;
  const ddrBlock = (b0[2] << 8) | b0[3];
  const candidates = [ddrBlock, 512, 2048].filter((v, i, a) => v >= 512 && v <= 65536 && (v & (v - 1)) === 0 && a.indexOf(v) === i);
  let bs = 0;
  for (const c of candidates) {
    if (src.size < c * 2) continue;
    const h = await src.read(c, 2);
    if (isSig(h, 0, 'PM')) { bs = c; break; }
  }
  if (!bs) return null;

  // Driver descriptor record (Block0).
  const dr = new FieldReader(b0, 0);
  dr.field('sbSig', 0, 2, 'ER', '"ER"', 'magic', SPEC);
  dr.u16be('sbBlkSize', 2, SPEC, 'length');
  if (ddrBlock !== bs) {
    dr.fields[dr.fields.length - 1].problem = `block size ${ddrBlock} does not match the map, which is laid out in ${bs}-byte blocks`;
    dr.problems.push({ message: `sbBlkSize: ${dr.fields[dr.fields.length - 1].problem}`, offset: 2, field: 'sbBlkSize' });
  }
  dr.u32be('sbBlkCount', 4, SPEC, 'length');
  dr.u16be('sbDevType', 8, SPEC);
  dr.u16be('sbDevId', 10, SPEC);
  dr.u32be('sbData', 12, SPEC);
  const drvrCount = dr.u16be('sbDrvrCount', 16, SPEC, 'length');
  for (let i = 0; i < Math.min(drvrCount, 61); i++) {
    const o = 18 + i * 8;
    dr.u32be(`Driver ${i + 1} ddBlock`, o, SPEC, 'pointer');
    dr.u16be(`Driver ${i + 1} ddSize`, o + 4, SPEC, 'length');
    dr.u16be(`Driver ${i + 1} ddType`, o + 6, SPEC);
  }
  const structures: Structure[] = [finish(dr, { id: 'apm:ddr', type: 'apm-ddr', name: 'Apple driver descriptor record', offset: 0, length: 512, spec: SPEC }, sink)];

  const partitions: ApmPartition[] = [];
  const children: Structure[] = [];
  let count = 1;
  for (let i = 1; i <= count; i++) {
    const off = i * bs;
    let e: Uint8Array;
    try {
      if (off + 512 > src.size) {
        sink.warn(`partition map entry ${i} lies beyond the end of the image; the image may be truncated`, 'Apple partition map', off);
        break;
      }
      e = await readExact(src, off, 512, `Apple partition map entry ${i}`);
    } catch (err) {
      if (!(err instanceof IsoError)) throw err;
      sink.error(err.detail, err.structure, err.offset);
      break;
    }
    if (!isSig(e, 0, 'PM')) {
      sink.warn(`partition map entry ${i} has no "PM" signature though the map announces ${count} entries`, 'Apple partition map', off);
      break;
    }
    const r = new FieldReader(e, off);
    r.field('pmSig', 0, 2, 'PM', '"PM"', 'magic', SPEC);
    r.bytes('pmSigPad', 2, 2, SPEC, 'reserved');
    const mapCount = r.u32be('pmMapBlkCnt', 4, SPEC, 'length');
    if (i === 1) {
      count = mapCount;
      if (count === 0 || count > MAX_APM_ENTRIES) {
        r.fields[r.fields.length - 1].problem = `map entry count ${mapCount} outside 1..${MAX_APM_ENTRIES}`;
        r.problems.push({ message: `pmMapBlkCnt: map entry count ${mapCount} outside 1..${MAX_APM_ENTRIES}; reading at most ${MAX_APM_ENTRIES}`, offset: off + 4, field: 'pmMapBlkCnt' });
        count = Math.max(1, Math.min(count, MAX_APM_ENTRIES));
      }
    } else if (mapCount !== count) {
      r.fields[r.fields.length - 1].problem = `differs from the first entry's count ${count}`;
      r.problems.push({ message: `pmMapBlkCnt: ${mapCount} differs from the first entry's count ${count}`, offset: off + 4, field: 'pmMapBlkCnt' });
    }
    const startBlock = r.u32be('pmPyPartStart', 8, SPEC, 'pointer');
    const blocks = r.u32be('pmPartBlkCnt', 12, SPEC, 'length');
    const name = r.str('pmPartName', 16, 32, 'ascii', SPEC);
    const type = r.str('pmParType', 48, 32, 'ascii', SPEC);
    r.u32be('pmLgDataStart', 80, SPEC, 'pointer');
    r.u32be('pmDataCnt', 84, SPEC, 'length');
    const st = r.u32be('pmPartStatus', 88, SPEC, 'flags');
    r.fields[r.fields.length - 1].display = statusText(st);
    r.u32be('pmLgBootStart', 92, SPEC, 'pointer');
    r.u32be('pmBootSize', 96, SPEC, 'length');
    r.u32be('pmBootAddr', 100, SPEC);
    r.u32be('pmBootEntry', 108, SPEC);
    r.u32be('pmBootCksum', 116, SPEC, 'checksum');
    r.str('pmProcessor', 120, 16, 'ascii', SPEC);
    // Inside Macintosh leaves the name/type as C strings; strip anything after a NUL.
    const cname = name.split('\0')[0];
    const ctype = type.split('\0')[0];
    partitions.push({ index: i, name: cname, type: ctype, startBlock, blocks, status: '0x' + st.toString(16).padStart(8, '0') });
    const s = finish(r, { id: `apm:entry:${i}`, type: 'apm-entry', name: `Apple partition map entry ${i} (${cname || ctype})`, offset: off, length: bs, spec: SPEC }, sink);
    const startBytes = startBlock * bs;
    if (startBytes % 2048 === 0) s.target = { lba: startBytes / 2048, blocks: Math.ceil((blocks * bs) / 2048) };
    children.push(s);
  }
  structures.push({ id: 'apm:map', type: 'apm-map', name: `Apple partition map (${bs}-byte blocks)`, offset: bs, length: children.length * bs, spec: SPEC, fields: [], children });
  return { info: { blockSize: bs, partitions }, structures };
}

// ---- writing ------------------------------------------------------------------------------


/**
 * Patches one partition map entry in place (Inside Macintosh: Devices, partition map entry
 * "PM": pmPyPartStart at 8, pmPartBlkCnt at 12, pmDataCnt at 84; big-endian, map blocks).
 */
export function patchApmEntry(entry: Uint8Array, changes: { startBlock?: number; blocks?: number; dataCount?: number }): void {
  if (entry.length < 512 || !isSig(entry, 0, 'PM')) throw new InvalidArgumentError('not an Apple partition map entry ("PM")', { structure: 'Apple partition map' });
  if (changes.startBlock !== undefined) putBe32(entry, 8, changes.startBlock, 'pmPyPartStart');
  if (changes.blocks !== undefined) putBe32(entry, 12, changes.blocks, 'pmPartBlkCnt');
  if (changes.dataCount !== undefined) putBe32(entry, 84, changes.dataCount, 'pmDataCnt');
}

/** Sets the driver descriptor record's sbBlkCount (block 0 "ER", u32be at 4: device size in sbBlkSize blocks). */
export function setApmDiskBlocks(block0: Uint8Array, blocks: number): void {
  if (block0.length < 8 || !isSig(block0, 0, 'ER')) throw new InvalidArgumentError('no Apple driver descriptor record ("ER") in block 0', { structure: 'Apple driver descriptor record' });
  putBe32(block0, 4, blocks, 'sbBlkCount');
}
