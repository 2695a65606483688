// Public data types of the image model (what `DiscImage` returns and `isowb --json` prints). The
// decoded partition tables live with their parsers (systemarea/mbr.ts, gpt.ts, apm.ts) and are
// re-exported here; the volume fields come from iso9660/primaryVolumeDescriptor.ts.
import type { VolumeFields, VolumeIdentifierName } from './iso9660/primaryVolumeDescriptor';
import type { ApmInfo } from './systemarea/apm';
import type { GptInfo } from './systemarea/gpt';
import type { MbrInfo } from './systemarea/mbr';

export type { ApmInfo, ApmPartition } from './systemarea/apm';
export type { GptInfo, GptPartition } from './systemarea/gpt';
export type { MbrInfo, MbrPartition } from './systemarea/mbr';

export type Namespace = 'rr' | 'joliet' | 'iso9660';
export type EntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** The POSIX attributes an entry carries through editing and writing (Rock Ridge records them). */
export interface EntryAttributes {
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: Date;
  atime: Date | null;
  ctime: Date | null;
  target?: string;
  rdev?: { major: number; minor: number };
  hidden: boolean;
}

/**
 * Where a stretch of file data lies in the image: `length` bytes from byte `offset`, contiguous
 * unless `stride` is given. An interleaved file section (ECMA-119 6.4.3) is one strided range:
 * its bytes come in file units of `unit` bytes, each followed by a gap of `gap` bytes, the first
 * unit entered `phase` bytes in (after an extended attribute record). See iso9660/directoryRecord.ts.
 */
export interface DataRange {
  offset: number;
  length: number;
  stride?: { unit: number; gap: number; phase: number };
}

export interface Extent {
  /** Logical block address (in the volume's logical block size, 2048 in practice). */
  lba: number;
  /** Number of logical blocks the extent spans (ceil(length / blockSize)). */
  blocks: number;
  /** Data length in bytes of this extent. */
  length: number;
}

/**
 * The volume as `isowb info --json` prints it: the primary descriptor's fields under their
 * VolumeFields names (iso9660/primaryVolumeDescriptor.ts), except the block size and volume size,
 * which keep their documented JSON keys (blockSize = logicalBlockSize, volumeBlocks =
 * volumeSpaceSize), and the dates, which are ISO 8601 text.
 */
export interface VolumeInfo extends Pick<VolumeFields, VolumeIdentifierName | 'volumeSetSize' | 'volumeSequenceNumber' | 'fileStructureVersion'> {
  blockSize: number;
  volumeBlocks: number;
  /** ISO 8601 with offset, or null when the field is unset. */
  created: string | null;
  modified: string | null;
  expires: string | null;
  effective: string | null;
}

export interface SessionInfo {
  index: number;
  /** LBA of the session's first volume descriptor set block (16 + start). */
  startLba: number;
  volumeBlocks: number;
  volumeId: string;
  created: string | null;
}

export type Platform = 'x86' | 'ppc' | 'mac' | 'efi' | number;
export type Emulation = 'none' | 'floppy1.2' | 'floppy1.44' | 'floppy2.88' | 'hdd';

export interface BootEntry {
  /** 0 = initial/default entry, then section entries in catalog order. */
  index: number;
  /** Section index (0 for the default entry). */
  section: number;
  platform: Platform;
  bootable: boolean;
  emulation: Emulation;
  loadSegment: number;
  systemType: number;
  sectorCount: number;
  loadRba: number;
  /** Section entry selection criteria type and bytes (hex), when present. */
  selectionCriteria?: { type: number; data: string };
  /** Size in bytes of the boot image as located (from the directory record, partition, or emulation size). */
  imageSize: number;
  /** How imageSize was determined. */
  imageSizeSource: 'file' | 'emulation' | 'partition' | 'sector-count' | 'next-extent';
  /** True when the boot image lies beyond the ISO volume (e.g. appended EFI partition). */
  outsideVolume: boolean;
  bootInfoTable: boolean;
  grub2BootInfo: boolean;
  /** Path of the file whose extent is the boot image, or null. */
  path: string | null;
  /** Section id string (from the section header), when present. */
  idString?: string;
}

export interface ElToritoInfo {
  /** LBA of the boot record volume descriptor. */
  bootRecordLba: number;
  catalogLba: number;
  catalogPath: string | null;
  validation: { platform: Platform; idString: string; checksumOk: boolean; keyOk: boolean };
  entries: BootEntry[];
}

export interface SystemAreaInfo {
  /** True when the first 32 KiB are all zero. */
  empty: boolean;
  mbr: MbrInfo | null;
  gpt: GptInfo | null;
  apm: ApmInfo | null;
}
