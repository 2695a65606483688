// Master Boot Record in sector 0 (UEFI 2.10 §5.2.1 legacy MBR, Table 5.1 and Table 5.2 partition
// record; §5.2.3 protective MBR with one 0xEE partition): 440 bytes boot code, disk signature,
// four 16-byte partition records at 446, signature 55 AA at 510.
import type { DiagnosticSink } from '../errors';
import { FieldReader, type Structure } from '../structure';
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
