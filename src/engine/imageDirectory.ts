// Directory decoding: the records of one directory (iso9660/directoryRecord.ts) become FileNodes
// of one namespace — multi-extent sections grouped, "." / ".." / associated files left out, Rock
// Ridge entries applied (name, type and mode, owners, times, links, device numbers, zisofs),
// relocated directories (CL/PL/RE) shown where they belong and rr_moved hidden, data ranges kept
// inside the image; with the budgets of limits.ts and warnings for what is odd. DiscImage
// (image.ts) lists directories through it and caches the result.
import { DiagnosticSink } from './errors';
import type { CachedSource } from './io/fileSource';
import { readExact } from './io/source';
import { bytesBelow, directoryRecords, readDirectory, sectionRange, type DirectoryRecord } from './iso9660/directoryRecord';
import { stripVersion } from './iso9660/names';
import type { PrimaryVd } from './iso9660/volumeDescriptor';
import { directoryContinuations, readSuspArea, type ContinuationLedger, type DirectoryContinuations } from './rockridge/susp';
import { parseRockRidge, type RockRidge } from './rockridge/rrip';
import type { Limits } from './limits';
import { MODE_BY_TYPE, typeOfMode } from './fileMode';
import { joinPath, shortPath } from './paths';
import type { FileNode } from './image';
import type { DataRange, EntryType, Extent, Namespace } from './types';

/** One namespace tree of the image: its volume descriptor, and how its records are read. */
export interface NsContext {
  ns: Namespace;
  vd: PrimaryVd;
  joliet: boolean;
  suspSkip: number | null;
  root: FileNode;
}

/** Names per directory remembered for the duplicate-name check. */
const DUPLICATE_CHECK_NAMES = 65_536;

/** Decodes the directories of one image. */
export class DirectoryDecoder {
  constructor(
    private readonly source: CachedSource,
    private readonly diagnostics: DiagnosticSink,
    private readonly limits: Limits,
    /** Owners of Rock Ridge continuation areas, and the image's budget of them. */
    private readonly ledger: ContinuationLedger,
  ) {}

  /**
   * Decodes a directory into nodes, batch by batch (one batch per DIRECTORY_CHUNK of records):
   * multi-extent sections grouped into one file (at most `limits.extentsPerFile` extents), "."
   * and ".." and associated files left out, Rock Ridge applied, rr_moved hidden at the root when
   * everything in it is shown elsewhere, at most `limits.entriesPerDirectory` entries.
   */
  async *listBatches(ctx: NsContext, dir: FileNode): AsyncGenerator<FileNode[]> {
    const bs = ctx.vd.logicalBlockSize;
    const where = shortPath(dir.path);
    const names = new Set<string>();
    const continuations = directoryContinuations(this.limits.continuationsPerDirectory);
    const maxEntries = this.limits.entriesPerDirectory;
    const maxExtents = this.limits.extentsPerFile;
    let count = 0;
    let open: DirectoryRecord[] | null = null;
    let dropped = 0;
    let previous = '';
    let out: FileNode[] = [];
    const rrRoot = ctx.ns === 'rr' && dir.path === '/';
    // Groups of one batch, decoded into nodes one by one (no extra promise per record).
    const decode = async (groups: DirectoryRecord[][]): Promise<void> => {
      for (const group of groups) {
        const first = group[0];
        if (first.associated) continue;
        const node = await this.makeNode(ctx, dir, group, continuations);
        if (!node) continue;
        if (rrRoot && node.type === 'dir' && /^\.?rr_moved$/i.test(node.name) && await this.onlyRelocated(ctx, node)) continue;
        // Duplicate names: every name is remembered up to DUPLICATE_CHECK_NAMES (memory stays
        // bounded in a huge directory); beyond, a duplicate is found when it follows its twin,
        // as the sorted ISO 9660 and Joliet orders (ECMA-119 9.3) place it.
        if (names.has(node.name) || node.name === previous) this.diagnostics.warn(`duplicate name ${JSON.stringify(node.name)} in ${where}`, 'directory record', first.offset);
        if (names.size < DUPLICATE_CHECK_NAMES) names.add(node.name);
        previous = node.name;
        out.push(node);
      }
    };
    try {
      let groups: DirectoryRecord[][] = [];
      for await (const batch of directoryRecords(this.source, dir.dir!.lba, dir.dir!.length, bs, { joliet: ctx.joliet, path: dir.path, structures: false }, this.diagnostics)) {
        for (const r of batch) {
          if (r.identifier.length === 1 && r.identifier[0] <= 1) continue;
          // ECMA-119 6.5.1 / 9.1.6: the sections of a multi-extent file are consecutive records
          // with the same name, all but the last flagged multi-extent.
          if (open) {
            if (r.name === open[0].name) {
              if (open.length < maxExtents) open.push(r);
              else if (dropped++ === 0) this.diagnostics.warn(`${joinPath(where, stripVersion(r.name))} has more than ${maxExtents} extents (limit extentsPerFile); the rest are left out`, 'directory record', r.offset);
              if (!r.multiExtent) { groups.push(open); open = null; dropped = 0; }
              continue;
            }
            this.diagnostics.warn(`multi-extent file ${JSON.stringify(open[0].name)} is interrupted by ${JSON.stringify(r.name)} before its last extent`, 'directory record', r.offset);
            groups.push(open);
            open = null;
            dropped = 0;
          }
          if (count + groups.length >= maxEntries) {
            await decode(groups);
            this.diagnostics.warn(`${where} has more than ${maxEntries} entries (limit entriesPerDirectory); the rest are not listed`, 'directory record', r.offset);
            if (out.length) yield out;
            return;
          }
          if (r.multiExtent) open = [r];
          else groups.push([r]);
        }
        count += groups.length;
        await decode(groups);
        groups = [];
        if (out.length) { yield out; out = []; }
      }
      if (open) {
        this.diagnostics.warn(`multi-extent file ${JSON.stringify(open[0].name)} has no final extent (the directory ends with a record flagged multi-extent)`, 'directory record', open[open.length - 1].offset);
        await decode([open]);
      }
      if (out.length) yield out;
    } finally {
      this.reportContinuations(continuations, where);
    }
  }

  /** One warning for the continuation areas a listing refused as another record's. */
  reportContinuations(c: DirectoryContinuations, where: string): void {
    if (c.shared === 0) return;
    const f = c.firstShared!;
    this.diagnostics.warn(`${c.shared} record${c.shared === 1 ? '' : 's'} in ${where} point${c.shared === 1 ? 's' : ''} at Rock Ridge continuation areas that belong to other records (the first: the area at byte ${f.area}, owned by the record at byte ${this.ledger.ownerOf(f.area)}); those areas were not read again`, `System Use area in ${where}`, f.at);
  }

  /**
   * True when the relocation directory ("rr_moved") holds relocated directories (RRIP 4.1.5) and
   * nothing else: each is shown where it belongs. An empty one is a user's folder of that name
   * (a writer creates rr_moved only to relocate): shown.
   */
  private async onlyRelocated(ctx: NsContext, moved: FileNode): Promise<boolean> {
    const records = await readDirectory(this.source, moved.dir!.lba, moved.dir!.length, ctx.vd.logicalBlockSize, { joliet: false, path: moved.path, structures: false }, this.diagnostics);
    let relocated = 0;
    for (const r of records) {
      if (r.identifier.length === 1 && r.identifier[0] <= 1) continue;
      const rr = await this.rockRidgeOf(ctx, r, moved.path);
      if (!rr?.re) return false; // it holds something real: keep it visible
      relocated++;
    }
    return relocated > 0;
  }

  private async rockRidgeOf(ctx: NsContext, r: DirectoryRecord, where: string, directory?: DirectoryContinuations): Promise<RockRidge | null> {
    if (ctx.suspSkip === null || r.systemUse.length === 0) return null;
    const area = await readSuspArea(r.systemUse, r.systemUseOffset, ctx.suspSkip, (o, l) => readExact(this.source, o, l, `SUSP continuation area of ${where}`), ctx.vd.logicalBlockSize, this.diagnostics, where, { structures: false, ledger: this.ledger, directory });
    if (area.entries.length === 0) return null;
    return parseRockRidge(area.entries, this.diagnostics, where);
  }

  private async makeNode(ctx: NsContext, parent: FileNode, group: DirectoryRecord[], continuations?: DirectoryContinuations): Promise<FileNode | null> {
    const first = group[0];
    const bs = ctx.vd.logicalBlockSize;
    const isoName = stripVersion(first.name);
    const provisionalPath = joinPath(parent.path, isoName);
    let rr = ctx.ns === 'rr' ? await this.rockRidgeOf(ctx, first, provisionalPath, continuations) : null;
    if (rr?.re) return null; // relocated directory: shown where its CL placeholder is
    const name = rr?.nm ?? isoName;
    if (name === '' || name === '.' || name === '..' || name.includes('/')) {
      this.diagnostics.warn(`unusable name ${JSON.stringify(name)} in ${shortPath(parent.path)}; entry skipped`, 'directory record', first.offset);
      return null;
    }
    const path = joinPath(parent.path, name);
    let dirExtent: { lba: number; length: number } | undefined;
    let isDir = first.isDirectory;
    if (rr?.cl !== undefined) {
      // RRIP 4.1.5.1: a placeholder file standing for a directory relocated to rr_moved.
      const moved = await this.relocated(ctx, rr.cl, path, first.offset);
      if (moved) {
        isDir = true;
        dirExtent = { lba: rr.cl, length: moved.dataLength };
        const movedRr = await this.rockRidgeOf(ctx, moved, path, continuations);
        if (movedRr) rr = { ...movedRr, nm: rr.nm, cl: rr.cl, re: false };
      }
    } else if (isDir) {
      // Records start after the extended attribute record, if any (ECMA-119 9.1.2).
      dirExtent = { lba: first.extentLba + first.extAttrLength, length: first.dataLength };
    }
    const { type, mode } = typeAndMode(isDir, rr);
    const extents: Extent[] = group.map(r => ({ lba: r.extentLba, blocks: Math.ceil(r.dataLength / bs), length: r.dataLength }));
    let ranges: DataRange[] = [];
    if (type === 'file') {
      // One range per section; an interleaved section is one strided range (however many units).
      for (const r of group) {
        const range = sectionRange(r.extentLba, r.extAttrLength, r.dataLength, r.fileUnitSize, r.interleaveGap, bs);
        if (range) ranges.push(range);
      }
      const last = ranges[ranges.length - 1];
      if (last && (last.stride || ranges.length > 1 || last.offset + last.length > this.source.size)) ranges = this.clampRanges(ranges, path, first.offset);
    }
    const recordedSize = group.reduce((a, r) => a + r.dataLength, 0);
    const tf = rr?.tf;
    const node: FileNode = {
      name, path, type,
      size: type === 'file' ? recordedSize : type === 'dir' ? (dirExtent?.length ?? 0) : 0,
      mode,
      nlink: rr?.px?.nlink ?? 1,
      uid: rr?.px?.uid ?? 0,
      gid: rr?.px?.gid ?? 0,
      mtime: tf?.modified?.date ?? first.recorded?.date ?? null,
      atime: tf?.accessed?.date ?? null,
      ctime: tf?.attributes?.date ?? null,
      hidden: first.hidden,
      extents,
      ranges,
      recordOffset: first.offset,
      namespace: ctx.ns,
    };
    if (dirExtent) node.dir = dirExtent;
    if (rr) this.applyRockRidge(node, rr, first);
    return node;
  }

  /** The Rock Ridge entries that add to a node: link target (SL), device (PN), serial (PX), sparse (SF), zisofs (ZF). */
  private applyRockRidge(node: FileNode, rr: RockRidge, first: DirectoryRecord): void {
    const type = node.type;
    if (type === 'symlink') node.target = rr.sl ?? '';
    if ((type === 'char' || type === 'block') && rr.pn) node.rdev = devNumbers(rr.pn.high, rr.pn.low);
    if (rr.px?.ino !== undefined) node.ino = rr.px.ino;
    if (rr.sf) node.sparse = true;
    if (rr.zf && type === 'file') {
      if ((rr.zf.algorithm === 'pz' && rr.zf.version === 1) || (rr.zf.algorithm === 'PZ' && rr.zf.version === 2)) {
        node.zisofs = { compressedSize: node.size, log2BlockSize: rr.zf.log2BlockSize, algorithm: rr.zf.algorithm, headerSizeDiv4: rr.zf.headerSizeDiv4 };
        node.size = rr.zf.uncompressedSize;
      } else {
        this.diagnostics.warn(`unknown compression ${JSON.stringify(rr.zf.algorithm)} on ${node.path}; raw bytes shown`, 'Rock Ridge ZF', first.systemUseOffset);
      }
    }
  }

  /** Reads the "." record of a relocated directory (RRIP CL target). */
  async relocated(ctx: NsContext, lba: number, path: string, at: number): Promise<DirectoryRecord | null> {
    const bs = ctx.vd.logicalBlockSize;
    if ((lba + 1) * bs > this.source.size) {
      this.diagnostics.warn(`Rock Ridge CL of ${path} points beyond the image (LBA ${lba})`, 'Rock Ridge CL', at);
      return null;
    }
    const recs = await readDirectory(this.source, lba, bs, bs, { joliet: false, path, structures: false }, this.diagnostics);
    const dot = recs[0];
    if (!dot || !(dot.identifier.length === 1 && dot.identifier[0] === 0)) {
      this.diagnostics.warn(`Rock Ridge CL of ${path} does not point at a directory (LBA ${lba})`, 'Rock Ridge CL', at);
      return null;
    }
    return dot;
  }

  /** Keeps data ranges inside the image: a file whose extent runs past the end is cut (like 7-Zip) with a warning. */
  private clampRanges(ranges: DataRange[], path: string, at: number): DataRange[] {
    const size = this.source.size;
    let cut = false;
    const out: DataRange[] = [];
    for (const r of ranges) {
      const n = bytesBelow(r, size);
      if (n < r.length) cut = true;
      if (n > 0) out.push(n === r.length ? r : { ...r, length: n });
    }
    if (cut) this.diagnostics.warn(`data of ${shortPath(path)} extends beyond the end of the image; the file reads short`, 'directory record', at);
    return out;
  }
}

/**
 * A node's type and st_mode: without Rock Ridge, read and execute for everybody, as the Linux
 * kernel (fs/isofs: "read and execute permission for everybody") and xorriso show it; with it,
 * the PX mode (a directory record stays a directory) and SL making a symbolic link.
 */
function typeAndMode(isDir: boolean, rr: RockRidge | null): { type: EntryType; mode: number } {
  let type: EntryType = isDir ? 'dir' : 'file';
  let mode = isDir ? 0o40555 : 0o100555;
  if (rr?.px) {
    const t = typeOfMode(rr.px.mode);
    if (t && !(isDir && t !== 'dir')) { type = t; mode = rr.px.mode; } else mode = MODE_BY_TYPE[type] | (rr.px.mode & 0o7777);
  }
  if (rr?.sl !== undefined && !isDir) { type = 'symlink'; mode = MODE_BY_TYPE.symlink | (mode & 0o7777); }
  return { type, mode };
}

/**
 * RRIP 4.1.2: PN holds the high and low 32 bits of the dev_t. mkisofs and xorriso store glibc's
 * 64-bit encoding (gnu_dev_makedev), decoded here.
 */
function devNumbers(high: number, low: number): { major: number; minor: number } {
  const major = ((low >>> 8) & 0xfff) | ((high & 0xfffff000) >>> 0);
  const minor = (((low & 0xff) | ((low >>> 12) & 0xfff00)) >>> 0) + (high & 0xfff) * 0x100000;
  return { major: major >>> 0, minor };
}
