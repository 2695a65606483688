// Master Boot Record in sector 0 (UEFI 2.10 §5.2.1 legacy MBR, Table 5.1 and Table 5.2 partition
// record; §5.2.3 protective MBR with one 0xEE partition): 440 bytes boot code, disk signature,
// four 16-byte partition records at 446, signature 55 AA at 510. Its one home: the field tables,
// parse, serialize, CHS computation and the geometry of existing records.
import { InvalidArgumentError, type DiagnosticSink } from '../errors';
import { FieldReader, type Structure } from '../structure/fields';
import { layout, putNum, putRaw, rawOf } from '../structure/layout';
import { le32, le64, putLe32, putLe64 } from '../bytes/endian';

const SPEC = 'UEFI 2.10 §5.2.1';
const PSPEC = 'UEFI 2.10 §5.2.1 Table 5.2';

/** The legacy MBR, UEFI 2.10 §5.2.1 Table 5.1. */
export const MBR = layout({
  bootCode: { at: 0, type: 'bytes', len: 440, name: 'Boot code', spec: SPEC },
  diskSignature: { at: 440, type: 'u32le', name: 'Unique MBR disk signature', spec: SPEC, kind: 'number' },
  unknown: { at: 444, type: 'bytes', len: 2, name: 'Unknown', spec: SPEC, kind: 'reserved' },
  partitions: { at: 446, type: 'bytes', len: 64, name: 'Partition record', spec: SPEC },
  signature: { at: 510, type: 'bytes', len: 2, name: 'Signature', spec: SPEC, kind: 'magic' },
});
/** One partition record, UEFI 2.10 §5.2.1 Table 5.2. */
export const MBR_PARTITION = layout({
  status: { at: 0, type: 'u8', name: 'Boot indicator', spec: PSPEC, kind: 'flags' },
  startChs: { at: 1, type: 'bytes', len: 3, name: 'Starting CHS', spec: PSPEC },
  type: { at: 4, type: 'u8', name: 'OS type', spec: PSPEC, kind: 'enum' },
  endChs: { at: 5, type: 'bytes', len: 3, name: 'Ending CHS', spec: PSPEC },
  startLba: { at: 8, type: 'u32le', name: 'Starting LBA', spec: PSPEC, kind: 'pointer' },
  sectors: { at: 12, type: 'u32le', name: 'Size in LBA', spec: PSPEC, kind: 'length' },
});
const M = MBR;
const P = MBR_PARTITION;
export const MBR_PARTITION_SIZE = 16;
const SIG = new Uint8Array([0x55, 0xaa]);

export interface MbrPartition {
  index: number; // 1..4
  bootable: boolean;
  type: number;
  typeName: string;
  /** In 512-byte sectors, like fdisk. */
  startLba: number;
  sectors: number;
}

export interface MbrInfo {
  signature: string; // disk signature as 0x%08x
  partitions: MbrPartition[];
  protective: boolean;
  /** Recognised boot code: 'isohybrid', 'grub2', 'syslinux', 'none' (zeros), 'unknown'. */
  bootCode: string;
}

/** Byte offset of partition record `i` (0..3) in sector 0. */
export function mbrRecordOffset(i: number): number { return M.partitions.at + i * MBR_PARTITION_SIZE; }

/** The 16-byte partition record `i` (0..3) of sector 0 (a view). */
export function mbrRecord(sector0: Uint8Array, i: number): Uint8Array {
  return sector0.subarray(mbrRecordOffset(i), mbrRecordOffset(i) + MBR_PARTITION_SIZE);
}

/** True when sector 0 ends with 55 AA. */
export function hasMbrSignature(sector0: Uint8Array): boolean {
  return sector0.length >= 512 && sector0[M.signature.at] === SIG[0] && sector0[M.signature.at + 1] === SIG[1];
}

/** Decodes a partition record without recording fields. */
export function mbrRecordValues(rec: Uint8Array): { status: number; type: number; startLba: number; sectors: number } {
  const r = new FieldReader(rec, 0, '', false);
  return { status: r.num(P.status), type: r.num(P.type), startLba: r.num(P.startLba), sectors: r.num(P.sectors) };
}

/** Partition type names as util-linux fdisk prints them, plus a few ISO-hybrid specific ones. */
const TYPE_NAMES: Record<number, string> = {
  0x00: 'Empty', 0x01: 'FAT12', 0x04: 'FAT16 <32M', 0x05: 'Extended', 0x06: 'FAT16', 0x07: 'HPFS/NTFS/exFAT',
  0x0b: 'W95 FAT32', 0x0c: 'W95 FAT32 (LBA)', 0x0e: 'W95 FAT16 (LBA)', 0x0f: "W95 Ext'd (LBA)",
  0x11: 'Hidden FAT12', 0x14: 'Hidden FAT16 <32M', 0x16: 'Hidden FAT16',
  0x17: 'Hidden HPFS/NTFS', // also isohybrid's default type for the partition covering the ISO
  0x1b: 'Hidden W95 FAT32', 0x1c: 'Hidden W95 FAT32 (LBA)', 0x1e: 'Hidden W95 FAT16 (LBA)', 0x27: 'Hidden NTFS WinRE',
  0x82: 'Linux swap / Solaris', 0x83: 'Linux', 0x85: 'Linux extended', 0x8e: 'Linux LVM',
  0x96: 'CHRP ISO-9660', 0xa5: 'FreeBSD', 0xa6: 'OpenBSD', 0xa8: 'Darwin UFS', 0xa9: 'NetBSD', 0xab: 'Darwin boot',
  0xaf: 'HFS / HFS+', 0xda: 'Non-FS data', 0xee: 'GPT', 0xef: 'EFI (FAT-12/16/32)', 0xfd: 'Linux raid autodetect',
};

export function mbrTypeName(t: number): string { return TYPE_NAMES[t] ?? 'unknown'; }

function contains(hay: Uint8Array, needle: string): boolean {
  const n = needle.length;
  outer: for (let i = 0; i + n <= hay.length; i++) {
    for (let j = 0; j < n; j++) if (hay[i + j] !== needle.charCodeAt(j)) continue outer;
    return true;
  }
  return false;
}

/**
 * Recognises the boot code in bytes 0..439 by strings unique to each loader:
 * syslinux isohdp[fp]x.bin ("isolinux.bin missing or corrupt"), GRUB 2 boot.img /
 * boot_hybrid.img ("GRUB \0Geom\0Hard Disk\0Read\0 Error"), syslinux mbr.bin / gptmbr.bin /
 * altmbr.bin ("Missing operating system" / "Missing OS" plus syslinux's "Multiple active
 * partitions" or "Operating system load error"). All zero → 'none'.
 */
export function classifyBootCode(code: Uint8Array): string {
  if (code.every((b) => b === 0)) return 'none';
  if (contains(code, 'isolinux.bin missing or corrupt')) return 'isohybrid';
  if (contains(code, 'GRUB \0Geom\0Hard Disk\0Read\0 Error')) return 'grub2';
  if (contains(code, 'Multiple active partitions') || (contains(code, 'Missing operating system.') && contains(code, 'Operating system load error.'))) return 'syslinux';
  return 'unknown';
}

/** Parses partition record `i` of sector 0 (the structure, and the partition when in use). */
function parseRecord(sector0: Uint8Array, i: number, base: number, sink: DiagnosticSink): { partition: MbrPartition | null; structure: Structure } {
  const off = mbrRecordOffset(i);
  const pr = new FieldReader(mbrRecord(sector0, i), base + off);
  const status = sector0[off + P.status.at];
  pr.field(P.status.name, P.status.at, P.status.len, status, status === 0x80 ? '0x80 bootable' : status === 0 ? '0x00' : '0x' + status.toString(16), 'flags', PSPEC,
    status === 0 || status === 0x80 ? undefined : `boot indicator 0x${status.toString(16)} is neither 0x00 nor 0x80`);
  pr.raw(P.startChs);
  const type = sector0[off + P.type.at];
  pr.field(P.type.name, P.type.at, P.type.len, type, `0x${type.toString(16).padStart(2, '0')} ${mbrTypeName(type)}`, 'enum', PSPEC);
  pr.raw(P.endChs);
  const startLba = pr.num(P.startLba);
  const sectors = pr.num(P.sectors);
  const used = sectors !== 0; // as util-linux fdisk: an entry is in use when its size is non-zero
  const st: Structure = {
    id: `mbr:part:${i + 1}`, type: 'mbr-partition', name: `MBR partition ${i + 1}${used ? '' : ' (unused)'}`,
    offset: base + off, length: MBR_PARTITION_SIZE, spec: PSPEC, fields: pr.fields, children: [],
  };
  if (used && startLba % 4 === 0) st.target = { lba: startLba / 4, blocks: Math.ceil(sectors / 4) };
  if (pr.problems.length) {
    st.problems = pr.problems.map((p) => p.message);
    for (const p of pr.problems) sink.warn(p.message, st.name, p.offset);
  }
  return { partition: used ? { index: i + 1, bootable: status === 0x80, type, typeName: mbrTypeName(type), startLba, sectors } : null, structure: st };
}

/**
 * Parses a 512-byte MBR. `base` is the absolute offset of the sector (0 for the image's own
 * system area; the boot image's offset for a hard-disk-emulation image). Null without 55 AA.
 */
export function parseMbr(sector0: Uint8Array, sink: DiagnosticSink, base = 0): { info: MbrInfo; structure: Structure } | null {
  if (!hasMbrSignature(sector0)) return null;
  const r = new FieldReader(sector0.subarray(0, 512), base);
  const bootCode = classifyBootCode(rawOf(sector0, M.bootCode));
  r.field(M.bootCode.name, M.bootCode.at, M.bootCode.len, bootCode, `${bootCode} (${M.bootCode.len} bytes)`, 'bytes', SPEC);
  const sig = r.num(M.diskSignature);
  const signature = '0x' + sig.toString(16).padStart(8, '0');
  r.fields[r.fields.length - 1].display = signature;
  r.raw(M.unknown);

  const partitions: MbrPartition[] = [];
  const children: Structure[] = [];
  for (let i = 0; i < 4; i++) {
    const rec = parseRecord(sector0, i, base, sink);
    if (rec.partition) partitions.push(rec.partition);
    children.push(rec.structure);
  }
  r.field(M.signature.name, M.signature.at, M.signature.len, 0xaa55, '55 AA', 'magic', SPEC);

  const protective = partitions.some((p) => p.type === 0xee);
  const pe = partitions.find((p) => p.type === 0xee);
  if (pe && pe.startLba !== 1) sink.warn(`GPT protective partition starts at sector ${pe.startLba}, expected 1 (UEFI 2.10 §5.2.3)`, 'Protective MBR', base + mbrRecordOffset(pe.index - 1));
  const structure: Structure = {
    id: base === 0 ? 'mbr' : `mbr@${base}`, type: 'mbr', name: protective ? 'Protective MBR' : 'Master Boot Record',
    offset: base, length: 512, spec: protective ? 'UEFI 2.10 §5.2.3' : SPEC, fields: r.fields, children,
  };
  return { info: { signature, partitions, protective, bootCode }, structure };
}

// ---- writing ------------------------------------------------------------------------------

/** A partition record to write (UEFI 2.10 §5.2.1 Table 5.2), LBAs in 512-byte sectors. */
export interface MbrPartitionSpec { bootable: boolean; type: number; startLba: number; sectors: number }
/** The CHS geometry the CHS fields are computed with (xorriso and isohybrid default to 64 heads, 32 sectors). */
export interface ChsGeometry { heads: number; sectorsPerTrack: number }

export const DEFAULT_GEOMETRY: ChsGeometry = { heads: 64, sectorsPerTrack: 32 };

/**
 * The 3 CHS bytes of a 512-byte sector address, computed as libisofs iso_compute_cyl_head_sec()
 * and syslinux isohybrid do: head, sector | (cylinder bits 8-9 << 6), cylinder bits 0-7; at or
 * beyond 1024 cylinders the address is clamped to cylinder 1023, the last head and the last
 * sector (0xFE 0xFF 0xFF for 255 heads × 63 sectors; 0x3F 0xE0 0xFF for 64 × 32).
 */
export function chsBytes(lba: number, g: ChsGeometry = DEFAULT_GEOMETRY): [number, number, number] {
  const spc = g.heads * g.sectorsPerTrack;
  let cyl = Math.floor(lba / spc);
  let head = Math.floor((lba % spc) / g.sectorsPerTrack);
  let sec = (lba % g.sectorsPerTrack) + 1;
  if (cyl >= 1024) { cyl = 1023; head = g.heads - 1; sec = g.sectorsPerTrack; }
  return [head & 0xff, (sec & 0x3f) | ((cyl >> 2) & 0xc0), cyl & 0xff];
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(`${what} ${v} does not fit an MBR partition record (0..0xFFFFFFFF)`, { structure: 'MBR partition record' });
}

/** One 16-byte partition record (UEFI 2.10 §5.2.1 Table 5.2); all zero when `sectors` is 0. */
export function serializeMbrPartition(p: MbrPartitionSpec, geometry: ChsGeometry = DEFAULT_GEOMETRY): Uint8Array {
  const e = new Uint8Array(16);
  checkU32(p.startLba, 'start LBA');
  checkU32(p.sectors, 'sector count');
  if (!Number.isInteger(p.type) || p.type < 0 || p.type > 0xff) throw new InvalidArgumentError(`partition type ${p.type} is not a byte`, { structure: 'MBR partition record' });
  if (p.sectors === 0) return e;
  putNum(e, P.status, p.bootable ? 0x80 : 0x00);
  putRaw(e, P.startChs, Uint8Array.from(chsBytes(p.startLba, geometry)));
  putNum(e, P.type, p.type);
  putRaw(e, P.endChs, Uint8Array.from(chsBytes(p.startLba + p.sectors - 1, geometry)));
  putNum(e, P.startLba, p.startLba);
  putNum(e, P.sectors, p.sectors);
  return e;
}

/**
 * Writes the four partition records of sector 0 (slot i = partition i + 1; null or a missing
 * slot is written empty) and the 55 AA signature. Boot code and disk signature are untouched.
 */
export function setMbrPartitions(sector0: Uint8Array, parts: Array<MbrPartitionSpec | null | undefined>, geometry: ChsGeometry = DEFAULT_GEOMETRY): void {
  if (sector0.length < 512) throw new InvalidArgumentError(`sector 0 needs 512 bytes, got ${sector0.length}`, { structure: 'MBR' });
  if (parts.length > 4) throw new InvalidArgumentError(`an MBR has 4 partition records, got ${parts.length}`, { structure: 'MBR', offset: M.partitions.at });
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    sector0.set(p ? serializeMbrPartition(p, geometry) : new Uint8Array(MBR_PARTITION_SIZE), mbrRecordOffset(i));
  }
  putRaw(sector0, M.signature, SIG);
}

const GEOMETRIES: ChsGeometry[] = [DEFAULT_GEOMETRY, { heads: 255, sectorsPerTrack: 63 }, { heads: 16, sectorsPerTrack: 63 }, { heads: 128, sectorsPerTrack: 32 }, { heads: 255, sectorsPerTrack: 32 }, { heads: 64, sectorsPerTrack: 63 }];

/** The geometry whose CHS values reproduce the record's start and end CHS bytes, or null (e.g. 0xFE 0xFF 0xFF markers). */
export function geometryOfRecord(record: Uint8Array): ChsGeometry | null {
  const { startLba: start, sectors } = mbrRecordValues(record);
  if (sectors === 0) return null;
  const same = (a: number[], o: number) => a[0] === record[o] && a[1] === record[o + 1] && a[2] === record[o + 2];
  return GEOMETRIES.find((g) => same(chsBytes(start, g), P.startChs.at) && same(chsBytes(start + sectors - 1, g), P.endChs.at)) ?? null;
}

/**
 * Moves a partition record in place to `startLba` + `sectors`: its CHS values recomputed with the
 * geometry its old ones were written with (else `fallback`), or kept when no known geometry
 * explains them (e.g. 0xFE 0xFF 0xFF markers); boot indicator and type kept.
 */
export function moveMbrRecord(rec: Uint8Array, startLba: number, sectors: number, fallback: ChsGeometry = DEFAULT_GEOMETRY): void {
  const g = geometryOfRecord(rec);
  const old = rec.slice();
  rec.set(serializeMbrPartition({ bootable: false, type: old[P.type.at], startLba, sectors }, g ?? fallback));
  putRaw(rec, P.status, rawOf(old, P.status));
  if (!g) {
    putRaw(rec, P.startChs, rawOf(old, P.startChs));
    putRaw(rec, P.endChs, rawOf(old, P.endChs));
  }
}

/** The CHS geometry of sector 0's records (the first one whose CHS values a known geometry reproduces), default 64 × 32. */
export function mbrGeometry(sector0: Uint8Array): ChsGeometry {
  for (let i = 0; i < 4; i++) {
    const g = geometryOfRecord(mbrRecord(sector0, i));
    if (g) return g;
  }
  return DEFAULT_GEOMETRY;
}

// ---- hybrid boot code ---------------------------------------------------------------------

/**
 * Where hybrid MBR boot code keeps the 512-byte block address of the El Torito BIOS boot image it
 * loads: syslinux isohdpfx.bin (isohybrid.c) a u32le LBA*4, GRUB's boot_hybrid.img (xorriso
 * grub2_mbr) a u64le LBA*4+4. The code before it is the loader's own.
 */
export const MBR_HYBRID_CODE_SIZE = 432;
export type HybridBootCode = 'isohybrid' | 'grub2';

/** Writes the boot image's 512-byte block address where `kind`'s MBR code reads it. */
export function setHybridBootBlock(sector0: Uint8Array, kind: HybridBootCode, block: number): void {
  if (kind === 'grub2') putLe64(sector0, MBR_HYBRID_CODE_SIZE, block + 4);
  else putLe32(sector0, MBR_HYBRID_CODE_SIZE, block);
}

/** Whose pointer to the boot image at 512-byte block `block` sector 0 holds, or null. */
export function hybridBootCodeFor(sector0: Uint8Array, block: number): HybridBootCode | null {
  const cur = le64(sector0, MBR_HYBRID_CODE_SIZE);
  if (cur === block && le32(sector0, MBR_HYBRID_CODE_SIZE + 4) === 0) return 'isohybrid';
  if (cur === block + 4) return 'grub2';
  return null;
}
