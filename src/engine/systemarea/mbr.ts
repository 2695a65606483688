// Master Boot Record in sector 0 (UEFI 2.10 §5.2.1 legacy MBR, Table 5.1 and Table 5.2 partition
// record; §5.2.3 protective MBR with one 0xEE partition): 440 bytes boot code, disk signature,
// four 16-byte partition records at 446, signature 55 AA at 510.
import { InvalidArgumentError, type DiagnosticSink } from '../errors';
import { FieldReader, type Structure } from '../structure/fields';
import type { MbrInfo, MbrPartition } from '../types';

const SPEC = 'UEFI 2.10 §5.2.1';

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

/**
 * Parses a 512-byte MBR. `base` is the absolute offset of the sector (0 for the image's own
 * system area; the boot image's offset for a hard-disk-emulation image). Null without 55 AA.
 */
export function parseMbr(sector0: Uint8Array, sink: DiagnosticSink, base = 0): { info: MbrInfo; structure: Structure } | null {
  if (sector0.length < 512 || sector0[510] !== 0x55 || sector0[511] !== 0xaa) return null;
  const r = new FieldReader(sector0.subarray(0, 512), base);
  const code = sector0.subarray(0, 440);
  const bootCode = classifyBootCode(code);
  r.field('Boot code', 0, 440, bootCode, `${bootCode} (${440} bytes)`, 'bytes', SPEC);
  const sig = r.u32le('Unique MBR disk signature', 440, SPEC, 'number');
  const signature = '0x' + sig.toString(16).padStart(8, '0');
  r.fields[r.fields.length - 1].display = signature;
  r.bytes('Unknown', 444, 2, SPEC, 'reserved');

  const partitions: MbrPartition[] = [];
  const children: Structure[] = [];
  for (let i = 0; i < 4; i++) {
    const off = 446 + i * 16;
    const pr = new FieldReader(sector0.subarray(off, off + 16), base + off);
    const pspec = 'UEFI 2.10 §5.2.1 Table 5.2';
    const status = sector0[off];
    pr.field('Boot indicator', 0, 1, status, status === 0x80 ? '0x80 bootable' : status === 0 ? '0x00' : '0x' + status.toString(16), 'flags', pspec,
      status === 0 || status === 0x80 ? undefined : `boot indicator 0x${status.toString(16)} is neither 0x00 nor 0x80`);
    pr.bytes('Starting CHS', 1, 3, pspec);
    const type = sector0[off + 4];
    pr.field('OS type', 4, 1, type, `0x${type.toString(16).padStart(2, '0')} ${mbrTypeName(type)}`, 'enum', pspec);
    pr.bytes('Ending CHS', 5, 3, pspec);
    const startLba = pr.u32le('Starting LBA', 8, pspec, 'pointer');
    const sectors = pr.u32le('Size in LBA', 12, pspec, 'length');
    const used = sectors !== 0; // as util-linux fdisk: an entry is in use when its size is non-zero
    if (used) {
      partitions.push({ index: i + 1, bootable: status === 0x80, type, typeName: mbrTypeName(type), startLba, sectors });
    }
    const st: Structure = {
      id: `mbr:part:${i + 1}`, type: 'mbr-partition', name: `MBR partition ${i + 1}${used ? '' : ' (unused)'}`,
      offset: base + off, length: 16, spec: pspec, fields: pr.fields, children: [],
    };
    if (used && startLba % 4 === 0) st.target = { lba: startLba / 4, blocks: Math.ceil(sectors / 4) };
    if (pr.problems.length) {
      st.problems = pr.problems.map((p) => p.message);
      for (const p of pr.problems) sink.warn(p.message, st.name, p.offset);
    }
    children.push(st);
  }
  r.field('Signature', 510, 2, 0xaa55, '55 AA', 'magic', SPEC);

  const protective = partitions.some((p) => p.type === 0xee);
  const pe = partitions.find((p) => p.type === 0xee);
  if (pe && pe.startLba !== 1) sink.warn(`GPT protective partition starts at sector ${pe.startLba}, expected 1 (UEFI 2.10 §5.2.3)`, 'Protective MBR', base + 446 + (pe.index - 1) * 16);
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
  e[0] = p.bootable ? 0x80 : 0x00;
  e.set(chsBytes(p.startLba, geometry), 1);
  e[4] = p.type;
  e.set(chsBytes(p.startLba + p.sectors - 1, geometry), 5);
  new DataView(e.buffer).setUint32(8, p.startLba, true);
  new DataView(e.buffer).setUint32(12, p.sectors, true);
  return e;
}

/**
 * Writes the four partition records of sector 0 (slot i = partition i + 1; null or a missing
 * slot is written empty) and the 55 AA signature. Boot code and disk signature are untouched.
 */
export function setMbrPartitions(sector0: Uint8Array, parts: Array<MbrPartitionSpec | null | undefined>, geometry: ChsGeometry = DEFAULT_GEOMETRY): void {
  if (sector0.length < 512) throw new InvalidArgumentError(`sector 0 needs 512 bytes, got ${sector0.length}`, { structure: 'MBR' });
  if (parts.length > 4) throw new InvalidArgumentError(`an MBR has 4 partition records, got ${parts.length}`, { structure: 'MBR', offset: 446 });
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    sector0.set(p ? serializeMbrPartition(p, geometry) : new Uint8Array(16), 446 + i * 16);
  }
  sector0[510] = 0x55;
  sector0[511] = 0xaa;
}

const GEOMETRIES: ChsGeometry[] = [DEFAULT_GEOMETRY, { heads: 255, sectorsPerTrack: 63 }, { heads: 16, sectorsPerTrack: 63 }, { heads: 128, sectorsPerTrack: 32 }, { heads: 255, sectorsPerTrack: 32 }, { heads: 64, sectorsPerTrack: 63 }];

/** The geometry whose CHS values reproduce the record's start and end CHS bytes, or null (e.g. 0xFE 0xFF 0xFF markers). */
export function geometryOfRecord(record: Uint8Array): ChsGeometry | null {
  const dv = new DataView(record.buffer, record.byteOffset, 16);
  const start = dv.getUint32(8, true);
  const sectors = dv.getUint32(12, true);
  if (sectors === 0) return null;
  const same = (a: number[], o: number) => a[0] === record[o] && a[1] === record[o + 1] && a[2] === record[o + 2];
  return GEOMETRIES.find((g) => same(chsBytes(start, g), 1) && same(chsBytes(start + sectors - 1, g), 5)) ?? null;
}
