// Pass 3, allocate: gives every block of the new volume its place (ECMA-119 6: descriptors from
// LBA 16, then metadata, then data). Reads the hierarchies (sizes) and the data plan; sets each
// directory's LBA (and patches the parent links and Rock Ridge CE entries that point at them),
// fills in each DataPlan's `alloc`, and produces the path table and continuation area places, the
// boot catalog's LBA and the volume size.
//
// Compact: descriptors, then ISO 9660 directories, continuation areas, path tables, Joliet path
// tables and directories, the boot catalog, file data in plan order, 300 KiB of padding.
// Preserve: new blocks are appended after the old volume, except metadata, which first fills the
// blocks only the old metadata used (see freeMetadataRegion).
import { serializePathTable } from '../../iso9660/pathTable';
import { continuations, MAX_EXTENT, patchLinks, placeContinuations, type FileExtent, type HDir, type Packed } from '../hierarchy';
import type { WNode } from '../tree';
import { SECTOR_SIZE } from '../../bytes/sector';
import type { WriteJob } from './job';
import type { DataPlan, PlannedData } from './planData';
import type { Hierarchies } from './hierarchies';

/** 300 KiB of zeros after what we appended, like mkisofs/xorriso: some readers read ahead past the
 *  last block they need (libburn does), which must not fail at the end of the volume. */
const PAD_BLOCKS = 150;

/** A path table's size and the LBAs of its L (little-endian) and M (big-endian) copies. */
export interface PathTablePlace { size: number; l: number; m: number }

export interface Allocation {
  isoPt: PathTablePlace;
  jolPt: PathTablePlace | null;
  /** Rock Ridge continuation areas: the entries (the first one's `ce.lba` is where they start) and their bytes. */
  ce: { list: Packed[]; blocks: number; bytes: Uint8Array };
  /** The boot catalog's LBA (0 without El Torito). */
  catalogLba: number;
  /** Bytes of new file data (what is not kept in place). */
  bytesToWrite: number;
  volumeBlocks: number;
  volumeBytes: number;
  /** The extents a node's directory records point at. */
  placements(n: WNode): FileExtent[];
}

export function pathTableEntries(dirs: HDir[]): Array<{ identifier: Uint8Array; lba: number; parent: number }> {
  return dirs.map((d) => ({ identifier: d.identifier, lba: d.lba, parent: d.parent ? d.parent.ptIndex : 1 }));
}

/** Hands out blocks: `data` from the end of the volume, `meta` from a free region first. */
class BlockCursor {
  constructor(public next: number, private free: { start: number; end: number }) {}
  data(bytes: number): number { const at = this.next; this.next += Math.ceil(bytes / SECTOR_SIZE); return at; }
  meta(bytes: number): number {
    const n = Math.ceil(bytes / SECTOR_SIZE);
    if (this.free.start + n <= this.free.end) { const at = this.free.start; this.free.start += n; return at; }
    return this.data(bytes);
  }
}

export function allocate(job: WriteJob, data: PlannedData, h: Hierarchies): Allocation {
  const first = data.preserve ? Math.ceil(job.source!.volumeBytes / SECTOR_SIZE) : 16 + job.vds.length;
  // Preserve: the old metadata (between the descriptors and the first block still in use) is free
  // again; new directories, continuation areas and path tables go there first, so metadata still
  // precedes the data it describes (libarchive insists on it for Rock Ridge continuation areas).
  const at = new BlockCursor(first, data.preserve ? freeMetadataRegion(job, [...data.plans.values()]) : { start: 0, end: 0 });
  const meta = allocateMetadata(h, at);
  // El Torito catalog: in place (preserve) or new.
  let catalogLba = job.boot?.catalogLba ?? 0;
  if (job.boot && !data.preserve) catalogLba = at.data(job.boot.catalogBytes?.length ?? SECTOR_SIZE);
  // Boot images: hidden ones (not in the tree), and ones whose node the walk of planData did not
  // reach (a damaged tree can leave the node a boot entry points at out of it: found by npm run fuzz).
  for (const e of job.boot?.entries ?? []) {
    const d = e.node ? data.dataOf(e.node) : e.hidden;
    if (d) data.planFor(d);
  }
  const bytesToWrite = allocateData(data.plans.values(), at);
  if (at.next > first) at.next += PAD_BLOCKS;
  const placements = (n: WNode): FileExtent[] => {
    if (n === data.catalogNode) return [{ lba: catalogLba, length: job.boot?.catalogBytes?.length ?? SECTOR_SIZE }];
    const d = data.dataOf(n);
    if (!d) return [{ lba: 0, length: 0 }];
    return data.planFor(d).alloc!.extents;
  };
  return { ...meta, catalogLba, bytesToWrite, volumeBlocks: at.next, volumeBytes: at.next * SECTOR_SIZE, placements };
}

/** Directories, continuation areas and path tables, in the order of the header comment. */
function allocateMetadata(h: Hierarchies, at: BlockCursor): Pick<Allocation, 'isoPt' | 'jolPt' | 'ce'> {
  const ptSize = (dirs: HDir[]): number => serializePathTable(pathTableEntries(dirs), true).length;
  const placePt = (dirs: HDir[]): PathTablePlace => {
    const pt = { size: ptSize(dirs), l: 0, m: 0 };
    pt.l = at.meta(pt.size); pt.m = at.meta(pt.size);
    return pt;
  };
  for (const d of h.iso) d.lba = at.meta(d.size);
  patchLinks(h.iso);
  const list = continuations(h.iso);
  const ceBlocks = placeContinuations(list, 0).blocks;
  const ce = placeContinuations(list, ceBlocks ? at.meta(ceBlocks * SECTOR_SIZE) : 0);
  const isoPt = placePt(h.iso);
  const jolPt = h.jol ? placePt(h.jol) : null;
  if (h.jol) for (const d of h.jol) d.lba = at.meta(d.size);
  return { isoPt, jolPt, ce: { list, ...ce } };
}

/** Kept data keeps its extents; new data gets fresh blocks in plan order. Returns the new bytes. */
function allocateData(plans: Iterable<DataPlan>, at: BlockCursor): number {
  let bytes = 0;
  for (const p of plans) {
    if (p.keep && p.data.kind === 'image') { p.alloc = { lba: p.data.extents[0]?.lba ?? 0, extents: p.data.extents.map((e) => ({ lba: e.lba, length: e.length })) }; continue; }
    const lba = p.size === 0 ? 0 : at.data(p.size);
    p.alloc = { lba, extents: splitExtents(lba, p.size) };
    bytes += p.size;
  }
  return bytes;
}

function splitExtents(lba: number, size: number): FileExtent[] {
  if (size === 0) return [{ lba, length: 0 }];
  const out: FileExtent[] = [];
  let left = size;
  let at = lba;
  while (left > 0) {
    const len = Math.min(left, MAX_EXTENT);
    out.push({ lba: at, length: len });
    at += len / SECTOR_SIZE;
    left -= len;
  }
  return out;
}

/**
 * Blocks of the source that only old metadata used: from after the volume descriptor set up to the
 * first block still referenced (kept file data, the boot catalog, boot images, partitions that
 * start inside the volume, a UDF anchor).
 */
function freeMetadataRegion(job: WriteJob, planned: DataPlan[]): { start: number; end: number } {
  const src = job.source!;
  const start = Math.max(...job.vds.map((v) => v.lba ?? 16)) + 1;
  let end = Math.floor(src.volumeBytes / SECTOR_SIZE);
  const bound = (lba: number): void => { if (lba >= start && lba < end) end = lba; };
  for (const p of planned) if (p.keep && p.data.kind === 'image') for (const e of p.data.extents) if (e.length > 0) bound(e.lba);
  if (job.boot?.catalogLba !== undefined) bound(job.boot.catalogLba);
  for (const e of job.boot?.entries ?? []) if (e.oldOffset !== undefined) bound(Math.floor(e.oldOffset / SECTOR_SIZE));
  const sa = src.systemArea;
  for (const p of sa.mbr?.partitions ?? []) if (p.type !== 0xee) bound(Math.floor(p.startLba / 4));
  for (const p of sa.gpt?.partitions ?? []) bound(Math.floor((p.firstLba * (sa.gpt!.blockSize)) / SECTOR_SIZE));
  for (const p of sa.apm?.partitions ?? []) bound(Math.floor((p.startBlock * sa.apm!.blockSize) / SECTOR_SIZE));
  if (src.image.udf) bound(256);
  for (const z of src.zeroSectors) bound(z);
  return { start, end: Math.max(start, end) };
}
