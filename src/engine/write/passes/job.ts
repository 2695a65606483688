// What the writer is asked to do: the job every pass reads (passes/*.ts), built by repack.ts (from
// an image and its staged edits) and build.ts (from a folder). Passes never change the job, except
// that the hierarchies pass may leave out an empty /rr_moved (with a note) and passes add notes.
import type { DiscImage } from '../../image';
import { CancelledError } from '../../errors';
import type { VolumeDescriptorSpec } from '../../iso9660/volumeDescriptor';
import type { CatalogSpec } from '../../eltorito/bootCatalog';
import type { HybridSpec, TailRegion } from '../systemAreaPlan';
import type { ElToritoInfo, SystemAreaInfo } from '../../types';
import type { DataRef, WNode } from '../tree';
import type { Layout, WriteProgress } from '../api';

export type VdPlan =
  | { kind: 'pvd' | 'svd'; template?: Uint8Array; spec?: Omit<VolumeDescriptorSpec, 'volumeSpaceSize' | 'pathTableSize' | 'lPathTableLba' | 'mPathTableLba' | 'root'>; lba?: number }
  | { kind: 'br'; lba?: number }
  | { kind: 'term'; lba?: number }
  /** A descriptor written back unchanged (preserve layout: e.g. an enhanced descriptor we don't rewrite). */
  | { kind: 'keep'; lba: number; bytes: Uint8Array };

export interface BootEntryJob {
  /** BootEntry.index numbering (0 = default entry). */
  index: number;
  /** The boot image file in the tree, when it is one. */
  node: WNode | null;
  /** Boot image bytes not in the tree (deleted file, hidden image): carried as hidden data. */
  hidden?: DataRef;
  /** Byte offset of the boot image in the source (preserve: stays there unless replaced; outside the volume: follows the tail move). */
  oldOffset?: number;
  bootInfoTable: boolean;
  grub2BootInfo: boolean;
  /** Update the entry's sector count to the image size (EFI images loaded whole). */
  sectorCountFollows: boolean;
  /** Build: a full entry description. */
  spec?: { platform: number; emulation: 0 | 1 | 2 | 3 | 4; loadSegment: number; systemType: number; sectorCount: number };
}

export interface BootJob {
  /** Repack: the source catalog bytes and where it is. */
  catalogBytes?: Uint8Array;
  catalogLba?: number;
  /** Build: catalog validation/platform data; entries come from `entries[].spec`. */
  catalogSpec?: Omit<CatalogSpec, 'defaultEntry' | 'sections'>;
  /** The catalog file in the tree (e.g. /boot.cat), if any. */
  catalogNode: WNode | null;
  entries: BootEntryJob[];
}

export interface SourceInfo {
  path: string;
  image: DiscImage;
  size: number;
  volumeBytes: number;
  systemArea: SystemAreaInfo;
  elTorito: ElToritoInfo | null;
  head: Uint8Array;
  tail: TailRegion[];
  /** Sectors to zero in the preserved copy (descriptors of older sessions, a dropped UDF bridge). */
  zeroSectors: number[];
  hadMd5: boolean;
}

export interface WriteJob {
  imageName: string;
  output: string;
  replace: boolean;
  keepBackup?: boolean;
  tree: WNode;
  layout: Layout;
  rock: boolean;
  joliet: boolean;
  level: 1 | 2 | 3 | 4;
  jolietMax: 64 | 103;
  keepIdentifier?: (n: WNode) => Uint8Array | null;
  keepJolietIdentifier?: (n: WNode) => Uint8Array | null;
  vds: VdPlan[];
  source: SourceInfo | null;
  boot: BootJob | null;
  hybrid: Omit<HybridSpec, 'volumeBytes' | 'biosBootImageLba' | 'efiImage'> & { efiNode?: WNode | null } | null;
  md5: boolean;
  verify: boolean;
  signal?: AbortSignal;
  onProgress?: (p: WriteProgress) => void;
  notes: string[];
  /** See WriteResult.warnings. */
  warnings?: string[];
}

/** Throws CancelledError once the job's signal is aborted. */
export function checkCancelled(job: WriteJob): void {
  if (job.signal?.aborted) throw new CancelledError('cancelled', { image: job.imageName });
}

/** Reports progress of a phase to the job's listener. */
export function reportProgress(job: WriteJob, phase: string, done: number, total: number): void {
  job.onProgress?.({ phase, done, total });
}

/** Preserve layout: the source image is copied and only what changed is appended. */
export function preserving(job: WriteJob): boolean {
  return job.layout === 'preserve' && !!job.source;
}
