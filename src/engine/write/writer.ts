// The image writer: lays out a tree (ECMA-119 6: volume descriptors from LBA 16, path tables,
// directories, Rock Ridge continuation areas, the El Torito catalog, file data) and writes it
// through `safeWrite`. Two layouts: 'preserve' copies the source image (a clone where the file
// system has one, else a streaming copy that keeps holes: io/copy.ts) and appends only what
// changed (unchanged data and boot images keep their LBAs); 'compact' lays everything out afresh.
// The system area and anything after the volume (appended partitions, GPT backup) are re-planned
// by systemAreaPlan so every pointer matches the new layout.
import * as fs from 'fs';
import { DiscImage } from '../image';
import { CancelledError, CorruptImageError, InternalError, InvalidArgumentError, IsoError } from '../errors';
import { rangePieces } from '../iso9660/directoryRecord';
import { patchVolumeDescriptor, serializeBootRecordVd, serializeTerminatorVd, serializeVolumeDescriptor, type VolumeDescriptorSpec } from '../iso9660/volumeDescriptor';
import { serializePathTable } from '../iso9660/pathTable';
import { patchBootCatalog, serializeBootCatalog, type CatalogSpec } from '../eltorito/bootCatalog';
import { BootInfoChecksum, writeBootInfoTable, writeGrub2BootInfo } from '../eltorito/bootInfo';
import { buildSystemArea, planSystemArea, type ByteMove, type HybridSpec, type SystemAreaPlan, type TailRegion } from './systemAreaPlan';
import type { ElToritoInfo, SystemAreaInfo } from '../types';
import { implantIsoMd5 } from './isomd5';
import { buildHierarchy, continuations, MAX_EXTENT, patchLinks, placeContinuations, rootRecord, serializeDirectory, type FileExtent, type HDir } from './hierarchy';
import { walkTree, type DataRef, type WNode } from './tree';
import { safeWrite } from './output';
import { cloneOrCopy } from '../io/copy';
import type { Layout, VerifyReport, WriteProgress, WriteResult } from './api';
import { SECTOR_SIZE } from '../bytes/sector';

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

interface Alloc { lba: number; extents: FileExtent[] }

const PAD_BLOCKS = 150;

/**
 * Blocks of the source that only old metadata used: from after the volume descriptor set up to the
 * first block still referenced (kept file data, the boot catalog, boot images, partitions that
 * start inside the volume, a UDF anchor).
 */
function freeMetadataRegion(job: WriteJob, planned: Array<{ keep: boolean; size: number; data: DataRef }>): { start: number; end: number } {
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

function dataKey(d: DataRef): string | object {
  if (d.kind === 'image') return `i:${d.ranges[0]?.offset ?? -1}:${d.size}`;
  if (d.kind === 'file') return d.id ? `h:${d.id}` : `f:${d.path}`;
  return d;
}

/** Can this image data stay where it is (preserve layout)? Plain extents only: each extent is one
 *  range starting at its LBA (no extended attribute record, not interleaved). */
function preservable(d: DataRef): boolean {
  if (d.kind !== 'image') return false;
  const real = d.extents.filter((e) => e.length > 0);
  const ranges = d.ranges.filter((r) => r.length > 0);
  if (real.length !== ranges.length) return false;
  return real.every((e, i) => !ranges[i].stride && ranges[i].offset === e.lba * SECTOR_SIZE && ranges[i].length === e.length);
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

export async function writeImage(job: WriteJob): Promise<WriteResult> {
  const t0 = Date.now();
  const check = (): void => { if (job.signal?.aborted) throw new CancelledError('cancelled', { image: job.imageName }); };
  const progress = (phase: string, done: number, total: number): void => job.onProgress?.({ phase, done, total });
  const preserve = job.layout === 'preserve' && !!job.source;

  // ---- where every file's data goes --------------------------------------------------------
  // One plan per distinct data (hard links share one); looked up per record several times, so the
  // plan is also remembered per DataRef object.
  type Plan = { keep: boolean; size: number; data: DataRef; alloc?: Alloc };
  const planned = new Map<string | object, Plan>();
  const planOf = new WeakMap<DataRef, Plan>();
  const dataOf = (n: WNode): DataRef | null => (n.type === 'file' ? n.data : null);
  const entryFor = (d: DataRef): Plan => {
    let p = planOf.get(d);
    if (p) return p;
    const k = dataKey(d);
    p = planned.get(k);
    if (!p) {
      p = { keep: preserve && preservable(d), size: d.size, data: d };
      planned.set(k, p);
    }
    planOf.set(d, p);
    return p;
  };
  const catalogNode = job.boot?.catalogNode ?? null;
  for (const n of walkTree(job.tree)) {
    if (n === catalogNode) continue;
    const d = dataOf(n);
    if (d) entryFor(d);
  }
  const extentCount = (n: WNode): number => {
    if (n === catalogNode) return 1;
    const d = dataOf(n);
    if (!d) return 1;
    const p = entryFor(d);
    if (p.keep && d.kind === 'image') return Math.max(1, d.extents.length);
    return Math.max(1, Math.ceil(d.size / MAX_EXTENT));
  };

  // ---- hierarchies ---------------------------------------------------------------------------
  if (job.rock) reserveRelocationName(job);
  const iso = buildHierarchy(job.tree, { kind: 'iso', rock: job.rock, level: job.level, jolietMax: job.jolietMax, extentCount, keepIdentifier: job.keepIdentifier, imageName: job.imageName });
  const jol = job.joliet ? buildHierarchy(job.tree, { kind: 'joliet', rock: false, level: job.level, jolietMax: job.jolietMax, extentCount, keepIdentifier: job.keepJolietIdentifier, imageName: job.imageName }) : null;
  check();

  // ---- allocation ----------------------------------------------------------------------------
  const vdCount = job.vds.length;
  let next = preserve ? Math.ceil(job.source!.volumeBytes / SECTOR_SIZE) : 16 + vdCount;
  const alloc = (bytes: number): number => { const at = next; next += Math.ceil(bytes / SECTOR_SIZE); return at; };
  // Preserve: the old metadata (between the descriptors and the first block still in use) is free
  // again; new directories, continuation areas and path tables go there first, so metadata still
  // precedes the data it describes (libarchive insists on it for Rock Ridge continuation areas).
  const free = preserve ? freeMetadataRegion(job, [...planned.values()]) : { start: 0, end: 0 };
  const allocMeta = (bytes: number): number => {
    const n = Math.ceil(bytes / SECTOR_SIZE);
    if (free.start + n <= free.end) { const at = free.start; free.start += n; return at; }
    return alloc(bytes);
  };
  const ptEntries = (dirs: HDir[]) => dirs.map((d) => ({ identifier: d.identifier, lba: d.lba, parent: d.parent ? d.parent.ptIndex : 1 }));
  const ptSize = (dirs: HDir[]): number => serializePathTable(ptEntries(dirs), true).length;
  for (const d of iso) d.lba = allocMeta(d.size);
  patchLinks(iso);
  const ceList = continuations(iso);
  const ceBlocks = placeContinuations(ceList, 0).blocks;
  const ce = placeContinuations(ceList, ceBlocks ? allocMeta(ceBlocks * SECTOR_SIZE) : 0);
  const isoPt = { size: ptSize(iso), l: 0, m: 0 };
  isoPt.l = allocMeta(isoPt.size); isoPt.m = allocMeta(isoPt.size);
  const jolPt = jol ? { size: ptSize(jol), l: 0, m: 0 } : null;
  if (jolPt) { jolPt.l = allocMeta(jolPt.size); jolPt.m = allocMeta(jolPt.size); }
  if (jol) for (const d of jol) d.lba = allocMeta(d.size);

  // El Torito catalog: in place (preserve) or new.
  let catalogLba = job.boot?.catalogLba ?? 0;
  let catalogBytes: Uint8Array | null = null;
  if (job.boot) {
    const size = job.boot.catalogBytes?.length ?? SECTOR_SIZE;
    if (!preserve) catalogLba = alloc(size);
  }
  // Boot images: hidden ones (not in the tree), and ones whose node the walk above did not reach
  // (a damaged tree can leave the node a boot entry points at out of it: found by npm run fuzz).
  for (const e of job.boot?.entries ?? []) {
    const d = e.node ? dataOf(e.node) : e.hidden;
    if (d) entryFor(d);
  }
  // New file data.
  let bytesToWrite = 0;
  for (const p of planned.values()) {
    if (p.keep && p.data.kind === 'image') { p.alloc = { lba: p.data.extents[0]?.lba ?? 0, extents: p.data.extents.map((e) => ({ lba: e.lba, length: e.length })) }; continue; }
    const lba = p.size === 0 ? 0 : alloc(p.size);
    p.alloc = { lba, extents: splitExtents(lba, p.size) };
    bytesToWrite += p.size;
  }
  // 300 KiB of zeros after what we appended, like mkisofs/xorriso: some readers read ahead past
  // the last block they need (libburn does), which must not fail at the end of the volume.
  const appended = next > (preserve ? Math.ceil(job.source!.volumeBytes / SECTOR_SIZE) : 16 + vdCount);
  if (appended) next += PAD_BLOCKS;
  const volumeBlocks = next;
  const volumeBytes = volumeBlocks * SECTOR_SIZE;
  const placements = (n: WNode): FileExtent[] => {
    if (n === catalogNode) return [{ lba: catalogLba, length: job.boot?.catalogBytes?.length ?? SECTOR_SIZE }];
    const d = dataOf(n);
    if (!d) return [{ lba: 0, length: 0 }];
    return entryFor(d).alloc!.extents;
  };
  check();

  // ---- what moved (for the system area and the catalog) -------------------------------------
  const moves: ByteMove[] = [];
  const src = job.source;
  let tailCursor = volumeBytes;
  const tailMoves: Array<ByteMove & { region: TailRegion }> = [];
  if (src) {
    for (const region of src.tail) {
      if (region.kind !== 'partition') continue;
      const align = region.offset % (1 << 20) === 0 ? 1 << 20 : SECTOR_SIZE;
      tailCursor = Math.ceil(tailCursor / align) * align;
      tailMoves.push({ from: region.offset, to: tailCursor, length: region.length, region });
      moves.push({ from: region.offset, to: tailCursor, length: region.length });
      tailCursor += region.length;
    }
    for (const p of planned.values()) {
      if (p.keep || p.data.kind !== 'image' || p.size === 0) continue;
      const r0 = p.data.ranges[0];
      if (r0 && !r0.stride && p.data.ranges.length === 1) moves.push({ from: r0.offset, to: p.alloc!.lba * SECTOR_SIZE, length: r0.length });
    }
  }
  const movedOffset = (off: number): number => {
    for (const m of moves) if (off >= m.from && off < m.from + m.length) return m.to + (off - m.from);
    return off;
  };

  // ---- El Torito -------------------------------------------------------------------------------
  const bootPatches = new Map<string | object, Uint8Array>(); // data key → patched head bytes
  let biosBootLba: number | undefined;
  if (job.boot) {
    const updates: Array<{ index: number; loadRba?: number; sectorCount?: number }> = [];
    const specs: Array<NonNullable<BootEntryJob['spec']> & { loadRba: number }> = [];
    for (const e of job.boot.entries) {
      const d = e.node ? dataOf(e.node) : e.hidden ?? null;
      let lba: number;
      let size = 0;
      let moved = false;
      if (d) {
        const p = entryFor(d);
        lba = p.alloc!.lba;
        size = p.size;
        moved = !p.keep;
      } else if (e.oldOffset !== undefined) {
        lba = Math.floor(movedOffset(e.oldOffset) / SECTOR_SIZE);
      } else {
        throw new InternalError(`El Torito entry ${e.index} has no boot image`, { image: job.imageName });
      }
      if (e.spec ? e.spec.platform === 0 : e.index === 0) biosBootLba ??= lba;
      const u: { index: number; loadRba?: number; sectorCount?: number } = { index: e.index, loadRba: lba };
      if (e.sectorCountFollows && d) u.sectorCount = Math.min(0xffff, Math.ceil(size / 512));
      updates.push(u);
      if (e.spec) specs.push({ ...e.spec, loadRba: lba, sectorCount: u.sectorCount ?? e.spec.sectorCount });
      if (d && moved && (e.bootInfoTable || e.grub2BootInfo)) bootPatches.set(dataKey(d), await patchedBootHead(job, d, lba, e));
    }
    if (job.boot.catalogBytes) catalogBytes = patchBootCatalog(job.boot.catalogBytes, updates);
    else if (job.boot.catalogSpec) {
      const [first, ...rest] = specs;
      const entry = (s: typeof first) => ({ platform: s.platform, bootable: true, emulation: s.emulation, loadSegment: s.loadSegment, systemType: s.systemType, sectorCount: s.sectorCount, loadRba: s.loadRba });
      catalogBytes = serializeBootCatalog({
        ...job.boot.catalogSpec,
        defaultEntry: entry(first),
        sections: rest.map((s) => ({ platform: s.platform, idString: '', entries: [entry(s)] })),
      });
    }
  }

  // ---- volume descriptors --------------------------------------------------------------------
  const now = new Date();
  const vdBytes: Array<{ lba: number; bytes: Uint8Array }> = [];
  job.vds.forEach((v, i) => {
    const lba = preserve && v.lba !== undefined ? v.lba : 16 + i;
    if (v.kind === 'keep') { vdBytes.push({ lba: preserve ? v.lba : 16 + i, bytes: v.bytes }); return; }
    if (v.kind === 'term') { vdBytes.push({ lba, bytes: serializeTerminatorVd() }); return; }
    if (v.kind === 'br') { vdBytes.push({ lba, bytes: serializeBootRecordVd(catalogLba) }); return; }
    const h = v.kind === 'pvd' ? iso : jol;
    const pt = v.kind === 'pvd' ? isoPt : jolPt;
    if (!h || !pt) throw new InternalError(`no ${v.kind === 'pvd' ? 'ISO 9660' : 'Joliet'} hierarchy for a descriptor`, { image: job.imageName });
    const fields = { volumeSpaceSize: volumeBlocks, pathTableSize: pt.size, lPathTableLba: pt.l, mPathTableLba: pt.m, lPathTableOptLba: 0, mPathTableOptLba: 0, root: rootRecord(h[0]) };
    if (v.template) vdBytes.push({ lba, bytes: patchVolumeDescriptor(v.template, { ...fields, modified: now }) });
    else vdBytes.push({ lba, bytes: serializeVolumeDescriptor({ ...v.spec!, ...fields }) });
  });

  // ---- system area ---------------------------------------------------------------------------
  let sys: SystemAreaPlan | null = null;
  if (src) {
    sys = planSystemArea({
      imageName: job.imageName, head: src.head, info: src.systemArea, elTorito: src.elTorito,
      oldVolumeBytes: src.volumeBytes, oldImageSize: src.size, newVolumeBytes: volumeBytes, moves,
    });
  } else if (job.hybrid) {
    const { efiNode, ...spec } = job.hybrid;
    const efi = efiNode ? dataOf(efiNode) : null;
    sys = buildSystemArea({ ...spec, volumeBytes, biosBootImageLba: biosBootLba, efiImage: efi ? { offset: entryFor(efi).alloc!.lba * SECTOR_SIZE, length: efi.size } : undefined });
  }
  const imageSize = Math.max(sys?.imageSize ?? volumeBytes, tailCursor, volumeBytes);
  if (sys) job.notes.push(...sys.notes);

  // ---- write -----------------------------------------------------------------------------------
  let bytesCopied = 0;
  let bytesWritten = 0;
  const totalWrite = bytesToWrite + tailMoves.reduce((a, m) => a + m.length, 0);
  const writeAll = async (temp: string): Promise<void> => {
    if (preserve) {
      progress('copying the image', 0, src!.size);
      await cloneOrCopy(src!.path, temp, { size: src!.size, signal: job.signal, onProgress: (d) => progress('copying the image', d, src!.size) });
      bytesCopied = src!.size;
    }
    check();
    const out = await fs.promises.open(temp, preserve ? 'r+' : 'w');
    const srcFd = src ? await fs.promises.open(src.path, 'r') : null;
    try {
      // Everything past the old volume is re-planned: drop it (holes) before writing the new layout.
      await out.truncate(preserve ? src!.volumeBytes : 0);
      await out.truncate(imageSize);
      const put = async (bytes: Uint8Array, offset: number): Promise<void> => {
        let done = 0;
        while (done < bytes.length) {
          const { bytesWritten: n } = await out.write(bytes, done, bytes.length - done, offset + done);
          if (n <= 0) throw new InternalError('short write', { image: job.imageName });
          done += n;
        }
      };
      if (src) for (const s of src.zeroSectors) await put(new Uint8Array(SECTOR_SIZE), s * SECTOR_SIZE);
      if (sys) await put(sys.head, 0);
      for (const v of vdBytes) await put(v.bytes, v.lba * SECTOR_SIZE);
      const writePt = async (dirs: HDir[], pt: { l: number; m: number }): Promise<void> => {
        const entries = ptEntries(dirs);
        await put(serializePathTable(entries, true), pt.l * SECTOR_SIZE);
        await put(serializePathTable(entries, false), pt.m * SECTOR_SIZE);
      };
      await writePt(iso, isoPt);
      if (jol && jolPt) await writePt(jol, jolPt);
      for (const d of iso) await put(serializeDirectory(d, placements), d.lba * SECTOR_SIZE);
      if (jol) for (const d of jol) await put(serializeDirectory(d, placements), d.lba * SECTOR_SIZE);
      if (ce.blocks) await put(ce.bytes, (ceList[0].ce!.lba) * SECTOR_SIZE);
      if (catalogBytes) await put(catalogBytes, catalogLba * SECTOR_SIZE);
      check();
      // File data. Consecutive small files are gathered into one large write (a 100k-file build
      // would otherwise make 100k write calls); all-zero 4 MiB chunks stay holes (compact).
      const buf = new Uint8Array(4 << 20);
      const batch = new Uint8Array(8 << 20);
      let bStart = -1;
      let bLen = 0;
      const flush = async (): Promise<void> => { if (bLen) await put(batch.subarray(0, bLen), bStart); bStart = -1; bLen = 0; };
      const putData = async (chunk: Uint8Array, offset: number): Promise<void> => {
        if (chunk.length >= batch.length / 2) { await flush(); await put(chunk, offset); return; }
        const end = bStart + bLen;
        if (bStart < 0 || offset < end || offset - end >= SECTOR_SIZE || offset - bStart + chunk.length > batch.length) { await flush(); bStart = offset; }
        const at = offset - bStart;
        if (at > bLen) batch.fill(0, bLen, at);
        batch.set(chunk, at);
        bLen = at + chunk.length;
      };
      const step = (): void => progress('writing data', bytesWritten, totalWrite);
      let lastStep = 0;
      for (const p of planned.values()) {
        if (p.keep || p.size === 0) continue;
        const at = p.alloc!.lba * SECTOR_SIZE;
        const head = bootPatches.get(dataKey(p.data));
        await copyData(p.data, srcFd, buf, async (chunk, pos) => {
          check();
          if (head && pos < head.length) chunk.set(head.subarray(pos, Math.min(head.length, pos + chunk.length)).subarray(0, Math.min(chunk.length, head.length - pos)));
          if (!preserve && !head && chunk.length === buf.length && isZero(chunk)) { bytesWritten += chunk.length; return; }
          await putData(chunk, at + pos);
          bytesWritten += chunk.length;
          if (bytesWritten - lastStep > 16 << 20) { lastStep = bytesWritten; step(); }
        });
      }
      for (const m of tailMoves) {
        await copyData({ kind: 'image', ranges: [{ offset: m.from, length: m.length }], size: m.length, extents: [] }, srcFd, buf, async (chunk, pos) => {
          check();
          await putData(chunk, m.to + pos);
          bytesWritten += chunk.length;
          step();
        });
      }
      await flush();
      step();
      if (sys) for (const w of sys.writes) await put(w.bytes, w.offset);
      await out.sync();
    } finally {
      await out.close();
      await srcFd?.close();
    }
    check();
    if (job.md5 || src?.hadMd5) {
      await implantIsoMd5(temp, { signal: job.signal, force: true, onProgress: (d: number, t: number) => progress('implanting the MD5 checksum', d, t) });
      job.notes.push('isomd5sum implanted (checkisomd5)');
    }
  };

  let verify: VerifyReport | null = null;
  const verifyTemp = async (temp: string): Promise<void> => {
    if (!job.verify) return;
    progress('verifying', 0, 0);
    verify = await verifyOutput(temp, job, catalogLba, catalogBytes !== null, sys?.removedGptPartitions ?? 0);
    if (verify.problems.length) throw new InternalError(`the written image did not verify: ${verify.problems.slice(0, 5).join('; ')}`, { image: job.output });
  };
  try {
    const notes = await safeWrite({ output: job.output, replace: job.replace, keepBackup: job.keepBackup, protect: src ? [src.path] : [], signal: job.signal }, writeAll, verifyTemp);
    job.notes.push(...notes);
  } catch (e) {
    throw translateIo(e, job.output);
  }
  const size = fs.statSync(job.output).size;
  return { output: job.output, layout: preserve ? 'preserve' : 'compact', size, bytesCopied, bytesWritten, verify, notes: job.notes, warnings: job.warnings ?? [], ms: Date.now() - t0 };
}

function translateIo(e: unknown, output: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return new InvalidArgumentError(`no space left on the device writing ${output}; nothing was changed`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new InvalidArgumentError(`cannot write ${output}: ${(e as Error).message}`);
  return e;
}

function isZero(b: Uint8Array): boolean {
  const w = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
  for (let i = w.length * 4; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Streams a data reference in chunks: `sink(chunk, positionInFile)`. */
async function copyData(d: DataRef, srcFd: fs.promises.FileHandle | null, buf: Uint8Array, sink: (chunk: Uint8Array, pos: number) => Promise<void>): Promise<void> {
  if (d.kind === 'bytes') { await sink(d.bytes.slice(), 0); return; }
  if (d.kind === 'file' && d.size <= buf.length) {
    // Small files: one synchronous read (no thread-pool round trips per file).
    const fd = fs.openSync(d.path, 'r');
    try {
      let pos = 0;
      while (pos < d.size) {
        const n = fs.readSync(fd, buf, pos, d.size - pos, pos);
        if (n <= 0) throw new InvalidArgumentError(`${d.path} is shorter than when it was staged (${pos} of ${d.size} bytes)`);
        pos += n;
      }
    } finally { fs.closeSync(fd); }
    if (d.size > 0) await sink(buf.subarray(0, d.size), 0);
    return;
  }
  if (d.kind === 'file') {
    const fh = await fs.promises.open(d.path, 'r');
    try {
      let pos = 0;
      while (pos < d.size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, d.size - pos), pos);
        if (bytesRead <= 0) throw new InvalidArgumentError(`${d.path} is shorter than when it was staged (${pos} of ${d.size} bytes)`);
        await sink(buf.subarray(0, bytesRead), pos);
        pos += bytesRead;
      }
    } finally { await fh.close(); }
    return;
  }
  if (!srcFd) throw new InternalError('image data without a source image');
  let pos = 0;
  for (const r of d.ranges) {
    // An interleaved range (ECMA-119 6.4.3) is read piece by piece, one buffer at a time.
    for (let done = 0; done < r.length;) {
      let fill = 0;
      for (const piece of rangePieces(r, done, Math.min(buf.length, r.length - done))) {
        const { bytesRead } = await srcFd.read(buf, fill, piece.length, piece.offset);
        if (bytesRead < piece.length) throw new CorruptImageError(`the source image ends inside a file extent at byte ${piece.offset + bytesRead}`);
        fill += piece.length;
      }
      await sink(buf.subarray(0, fill), pos);
      done += fill;
      pos += fill;
    }
  }
  if (pos < d.size && !d.allowShort) throw new CorruptImageError(`the source image holds only ${pos} of the file's ${d.size} bytes`);
}

/** The first bytes of a moved boot image with its boot info table / GRUB2 boot info rewritten. */
async function patchedBootHead(job: WriteJob, d: DataRef, lba: number, e: BootEntryJob): Promise<Uint8Array> {
  const headLen = Math.min(d.size, 4096);
  const head = new Uint8Array(headLen);
  const srcFd = job.source ? await fs.promises.open(job.source.path, 'r') : null;
  const sum = new BootInfoChecksum();
  try {
    const buf = new Uint8Array(1 << 20);
    const chunks: Array<{ chunk: Uint8Array; pos: number }> = [];
    await copyData(d, srcFd, buf, async (chunk, pos) => {
      if (pos < headLen) head.set(chunk.subarray(0, Math.min(chunk.length, headLen - pos)), pos);
      if (pos + chunk.length > headLen) chunks.push({ chunk: chunk.slice(Math.max(0, headLen - pos)), pos: Math.max(pos, headLen) });
    });
    if (e.grub2BootInfo && headLen >= 2556) writeGrub2BootInfo(head, 0, lba);
    if (e.bootInfoTable) {
      sum.update(head.subarray(64), 64);
      for (const c of chunks) sum.update(c.chunk, c.pos);
      writeBootInfoTable(head, 16, lba, d.size, sum.value);
    }
  } finally { await srcFd?.close(); }
  return head;
}

// ---- verification ----------------------------------------------------------------------------

/**
 * Rock Ridge relocates directories deeper than 8 levels into /rr_moved, and readers know that
 * directory by its name (libarchive calls any other place of an RE entry invalid; ours and
 * libarchive hide it). A tree that needs relocation and has a /rr_moved of its own: an empty
 * directory (what a mounted or extracted image shows of its relocation directory) is left out
 * with a note; anything else is refused, naming it.
 */
function reserveRelocationName(job: WriteJob): void {
  const own = job.tree.children?.find((c) => c.name === 'rr_moved');
  if (!own) return;
  const deep = (n: WNode, depth: number): boolean => n.type === 'dir' && (depth > 8 || (n.children ?? []).some((c) => deep(c, depth + 1)));
  if (!(job.tree.children ?? []).some((c) => deep(c, 2))) return;
  if (own.type === 'dir' && (own.children ?? []).length === 0) {
    job.tree.children = job.tree.children!.filter((c) => c !== own);
    job.notes.push('/rr_moved: an empty directory of the name Rock Ridge gives its relocation directory (directories deeper than 8 levels go there); left out, the relocation directory takes its place');
    return;
  }
  throw new InvalidArgumentError(`/rr_moved: the tree has directories deeper than 8 levels, which Rock Ridge relocates into a directory of this name (readers know it by its name), and a ${own.type === 'dir' ? 'non-empty directory' : own.type} of its own named rr_moved: rename it`, { image: job.imageName, structure: 'directory tree' });
}

async function verifyOutput(file: string, job: WriteJob, catalogLba: number, hasCatalog: boolean, removedGpt: number): Promise<VerifyReport> {
  const problems: string[] = [];
  let entries = 0;
  const img = await DiscImage.openFile(file);
  try {
    const ns = job.rock ? 'rr' : job.joliet ? 'joliet' : 'iso9660';
    if (!img.namespaces.includes(ns)) problems.push(`the ${ns} namespace is missing`);
    else img.setNamespace(ns);
    const norm = (s: string): string => (ns === 'iso9660' ? s.toUpperCase().replace(/;1$/, '').replace(/\.$/, '') : s);
    const cmp = async (want: WNode, got: import('../image').FileNode, depth: number): Promise<void> => {
      if (depth > 300 || problems.length > 20) return;
      const kids = await img.readdir(got, false);
      const byName = new Map(kids.map((k) => [norm(k.name), k]));
      const expected = want.children ?? [];
      if (ns !== 'iso9660' && kids.length !== expected.length) problems.push(`${want.path}: ${kids.length} entries, expected ${expected.length}`);
      for (const w of expected) {
        entries++;
        const g = byName.get(norm(w.name));
        if (!g) { if (ns !== 'iso9660') problems.push(`${w.path} is missing`); continue; }
        if (ns !== 'iso9660' && g.type !== w.type) problems.push(`${w.path}: type ${g.type}, expected ${w.type}`);
        if (w.type === 'file') {
          const size = w.data?.kind === 'image' && w.data.zisofs ? w.data.zisofs.uncompressedSize : w.data?.size ?? 0;
          if (w !== job.boot?.catalogNode && g.size !== size) problems.push(`${w.path}: size ${g.size}, expected ${size}`);
        }
        if (w.type === 'symlink' && job.rock && g.target !== w.target) problems.push(`${w.path}: link target ${g.target}, expected ${w.target}`);
        if (w.type === 'dir' && g.type === 'dir') await cmp(w, g, depth + 1);
      }
    };
    await cmp(job.tree, img.root, 1);
    let bootEntries = 0;
    if (job.boot) {
      const et = await img.elTorito();
      if (!et) problems.push('the El Torito boot catalog is missing');
      else {
        bootEntries = et.entries.length;
        if (hasCatalog && et.catalogLba !== catalogLba) problems.push(`boot catalog at LBA ${et.catalogLba}, expected ${catalogLba}`);
        if (et.entries.length !== job.boot.entries.length) problems.push(`${et.entries.length} boot entries, expected ${job.boot.entries.length}`);
        // A catalog is carried as it was: a checksum the source already had wrong stays wrong.
        if (!et.validation.checksumOk && job.source?.elTorito?.validation.checksumOk !== false) problems.push('boot catalog validation checksum is wrong');
      }
    }
    const sa = await img.systemArea();
    let partitions = 0;
    if (sa.mbr) partitions += sa.mbr.partitions.length;
    if (sa.gpt) {
      partitions += sa.gpt.partitions.length;
      if (!sa.gpt.headerCrcOk || !sa.gpt.entriesCrcOk) problems.push('GPT CRC mismatch');
      if (sa.gpt.backup && (!sa.gpt.backup.found || !sa.gpt.backup.headerCrcOk)) problems.push('GPT backup header missing or bad');
    }
    if (job.source) {
      const before = job.source.systemArea;
      if (!!before.mbr !== !!sa.mbr) problems.push('MBR presence changed');
      if (!!before.gpt !== !!sa.gpt) problems.push('GPT presence changed');
      if (!!before.apm !== !!sa.apm) problems.push('Apple partition map presence changed');
      // Entries the plan left out (beyond the new last usable block) were noted, not lost by the write.
      if (before.gpt && sa.gpt && before.gpt.partitions.length - removedGpt !== sa.gpt.partitions.length) problems.push(`GPT has ${sa.gpt.partitions.length} partitions, the original ${before.gpt.partitions.length}${removedGpt ? ` less ${removedGpt} left out` : ''}`);
      if (before.mbr && sa.mbr && before.mbr.partitions.length !== sa.mbr.partitions.length) problems.push(`MBR has ${sa.mbr.partitions.length} partitions, the original ${before.mbr.partitions.length}`);
    }
    return { entries, bootEntries, partitions, problems };
  } catch (e) {
    if (e instanceof IsoError) problems.push(e.message);
    else throw e;
    return { entries, bootEntries: 0, partitions: 0, problems };
  } finally {
    await img.close();
  }
}
