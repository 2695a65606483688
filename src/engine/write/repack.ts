// Repack: an opened image, through an optional change set, into a new image file that keeps the
// source's namespaces, identifiers, El Torito setup and system area (pointers updated).
import * as fs from 'fs';
import type { DiscImage, FileNode } from '../image';
import { DiagnosticSink, InvalidArgumentError, ShortSourceError, UnsupportedFeatureError } from '../errors';
import { shortPath } from '../paths';
import { readBootCatalog } from '../eltorito/bootCatalog';
import { readDirectory } from '../iso9660/directoryRecord';
import { SYSTEM_AREA_SIZE } from '../systemarea';
import { classifyTail } from './systemAreaPlan';
import { hasIsoMd5 } from './isomd5';
import { treeFromImage, walkTree, type EditedTree, type WNode } from './tree';
import { writeImage, type BootEntryJob, type BootJob, type VdPlan } from './writer';
import type { ElToritoInfo } from '../types';
import type { RepackOptions, WriteResult } from './api';
import { SECTOR_SIZE } from '../bytes/sector';
const read = (image: DiscImage, off: number, len: number): Promise<Uint8Array> => image.source.read(off, len);
/** The identifier bytes of an entry's (first) directory record (ECMA-119 9.1.10: length at byte 32). */
const rawId = async (image: DiscImage, n: FileNode): Promise<Uint8Array> => read(image, n.recordOffset + 33, (await read(image, n.recordOffset + 32, 1))[0]);
const IDENT_83 = /^[A-Z0-9_]{1,8}(\.[A-Z0-9_]{0,3})?(;1)?$/;

export async function repack(image: DiscImage, changes: EditedTree | null, opts: RepackOptions): Promise<WriteResult> {
  const sourcePath = opts.sourcePath ?? image.name;
  if (!fs.existsSync(sourcePath) || !fs.statSync(sourcePath).isFile()) {
    throw new InvalidArgumentError(`repack needs the image as a file on disk (got ${sourcePath})`, { image: image.name });
  }
  const notes: string[] = [];
  const warnings: string[] = [];
  // Problems the image model reports while the tree is read (entries skipped for unusable names,
  // data beyond the end of the image …) are problems of this repack.
  const firstDiagnostic = image.diagnostics.items.length;
  const size = image.size;
  const pvd = image.primary;
  const volumeBytes = Math.min(pvd.volumeSpaceSize * SECTOR_SIZE, Math.ceil(size / SECTOR_SIZE) * SECTOR_SIZE);
  const zeroSectors = await udfZeroSectors(image, opts, notes);
  const tree = await treeFromImage(image, changes, opts.signal, warnings);
  refuseShortData(image, tree, opts, warnings);
  const rock = image.namespaces.includes('rr');
  const joliet = image.namespaces.includes('joliet');
  const { vds, hasEnhanced, hadMd5 } = await descriptorPlans(image, joliet);
  const { keep, level } = await isoIdentifiers(image, tree, hasEnhanced);
  const { keepJoliet, jolietMax } = await jolietIdentifiers(image, tree);
  const et = await image.elTorito();
  const boot = et ? await bootJob(image, tree, et) : null;

  const systemArea = await image.systemArea();
  const head = await read(image, 0, Math.min(SYSTEM_AREA_SIZE, size));
  const tail = classifyTail(systemArea, volumeBytes, size);
  const layout = opts.layout ?? 'preserve';
  if (layout === 'compact' && systemArea.apm) {
    throw new UnsupportedFeatureError('the compact layout cannot carry this image\'s Apple partition map / HFS+ hybrid (its HFS+ catalog points at the old file locations, and writing HFS+ is not supported); use the preserving layout, which keeps it working', { image: image.name, structure: 'Apple partition map', offset: 2048 });
  }

  return writeImage({
    imageName: image.name, output: opts.output, replace: !!opts.replaceOriginal, keepBackup: opts.keepBackup,
    tree, layout, rock, joliet, level, jolietMax,
    keepIdentifier: (n) => keep.get(n) ?? null,
    keepJolietIdentifier: (n) => keepJoliet.get(n) ?? null,
    vds,
    source: { path: sourcePath, image, size, volumeBytes, systemArea, elTorito: et, head, tail, zeroSectors, hadMd5 },
    boot, hybrid: null, md5: false, verify: opts.verify ?? true, signal: opts.signal, onProgress: opts.onProgress, notes,
    warnings: [...warnings, ...image.diagnostics.items.slice(firstDiagnostic).map((d) => `${d.structure ? `${d.structure}: ` : ''}${d.message}${d.offset !== undefined ? ` (byte ${d.offset})` : ''}`)],
  });
}

/** UDF: never silently dropped. Dropped when asked: the sectors of its volume recognition sequence
 *  (and, preserving, its anchor at 256) to zero. */
async function udfZeroSectors(image: DiscImage, opts: RepackOptions, notes: string[]): Promise<number[]> {
  const zeroSectors: number[] = [];
  if (!image.udf) return zeroSectors;
  if (!opts.dropUdf) {
    throw new UnsupportedFeatureError('this image has a UDF bridge and writing UDF is not supported yet: a repacked image would show the old files to UDF readers (Windows, macOS). Repack with "drop UDF" to write an ISO 9660-only image', { image: image.name, structure: 'volume recognition sequence', offset: 16 * SECTOR_SIZE });
  }
  for (let lba = 16; lba < 16 + 64 && (lba + 1) * SECTOR_SIZE <= image.size; lba++) {
    const id = Buffer.from(await read(image, lba * SECTOR_SIZE + 1, 5)).toString('latin1');
    if (/^(BEA01|NSR02|NSR03|TEA01)$/.test(id)) zeroSectors.push(lba);
  }
  if (opts.layout !== 'compact') zeroSectors.push(256);
  notes.push('the UDF bridge was dropped (asked for): the new image is ISO 9660 only');
  return zeroSectors;
}

/** File data the source does not hold (a truncated or damaged image): never written as silent
 *  zeros. Refused before anything is written, unless asked for (then each file is noted). */
function refuseShortData(image: DiscImage, tree: WNode, opts: RepackOptions, warnings: string[]): void {
  const short: string[] = [];
  for (const n of walkTree(tree)) {
    if (n.type !== 'file' || n.data?.kind !== 'image') continue;
    const have = n.data.ranges.reduce((a, r) => a + r.length, 0);
    if (have >= n.data.size) continue;
    short.push(`${shortPath(n.path)} (${have} of ${n.data.size} bytes)`);
    if (opts.allowShort) n.data.allowShort = true;
  }
  if (short.length === 0) return;
  const list = short.slice(0, 5).join(', ') + (short.length > 5 ? `, and ${short.length - 5} more` : '');
  if (!opts.allowShort) {
    throw new ShortSourceError(`the image is truncated or damaged: ${short.length} file${short.length === 1 ? '' : 's'} ha${short.length === 1 ? 's' : 've'} data beyond its end: ${list}. Nothing was written. To write them anyway, with zeros in place of the missing bytes, repack with --allow-short`, { image: image.name, structure: 'file data', offset: image.size, files: short });
  }
  for (const m of short) warnings.push(`${m.replace(/ \((\d+) of (\d+) bytes\)$/, ': only $1 of $2 bytes exist in the source')}; the rest is written as zeros (--allow-short)`);
}

/** Volume descriptors of the (newest) set at LBA 16, in order. */
async function descriptorPlans(image: DiscImage, joliet: boolean): Promise<{ vds: VdPlan[]; hasEnhanced: boolean; hadMd5: boolean }> {
  const vds: VdPlan[] = [];
  let hasEnhanced = false;
  let hadMd5 = false;
  for (const d of image.descriptors) {
    const bytes = await read(image, d.lba * SECTOR_SIZE, SECTOR_SIZE);
    if (d.kind === 'primary') { vds.push({ kind: 'pvd', template: bytes, lba: d.lba }); hadMd5 = hasIsoMd5(bytes); }
    else if (d.kind === 'enhanced') { vds.push({ kind: 'pvd', template: bytes, lba: d.lba }); hasEnhanced = true; }
    else if (d.kind === 'supplementary' && d.jolietLevel > 0) { if (joliet) vds.push({ kind: 'svd', template: bytes, lba: d.lba }); }
    else if (d.kind === 'boot' && d.catalogLba !== null) vds.push({ kind: 'br', lba: d.lba });
    else if (d.kind === 'terminator') vds.push({ kind: 'term', lba: d.lba });
    else vds.push({ kind: 'keep', lba: d.lba, bytes });
  }
  if (!vds.some((v) => v.kind === 'term')) vds.push({ kind: 'term', lba: (image.descriptors.at(-1)?.lba ?? 16) + 1 });
  return { vds, hasEnhanced, hadMd5 };
}

/** ISO 9660 level and identifiers of the source. */
async function isoIdentifiers(image: DiscImage, tree: WNode, hasEnhanced: boolean): Promise<{ keep: Map<WNode, Uint8Array>; level: 1 | 2 | 3 | 4 }> {
  const keep = new Map<WNode, Uint8Array>();
  let level: 1 | 2 | 3 | 4 = hasEnhanced ? 4 : 3;
  const pvdTree = image.namespace === 'rr' || image.namespace === 'iso9660';
  if (pvdTree) {
    let all83 = true;
    for (const n of walkTree(tree)) {
      if (!n.base || n === tree) continue;
      const id = await rawId(image, n.base);
      keep.set(n, id);
      const s = Buffer.from(id).toString('latin1');
      if (!IDENT_83.test(s)) all83 = false;
    }
    if (!hasEnhanced && all83 && keep.size > 0) level = 1;
  } else {
    const isoRoot = image.namespaceRoot('iso9660');
    if (isoRoot?.dir) {
      const recs = await readDirectory(image.source, isoRoot.dir.lba, isoRoot.dir.length, SECTOR_SIZE, { joliet: false, structures: false }, new DiagnosticSink());
      const names = recs.filter((r) => r.identifier.length > 1).map((r) => r.name);
      if (!hasEnhanced && names.length && names.every((s) => IDENT_83.test(s))) level = 1;
    }
  }
  return { keep, level };
}

/** Unchanged entries keep their Joliet identifiers: walk the Joliet tree beside ours (files match
 *  by extent, directories by name or by the name cut to the Joliet length). */
async function jolietIdentifiers(image: DiscImage, tree: WNode): Promise<{ keepJoliet: Map<WNode, Uint8Array>; jolietMax: 64 | 103 }> {
  let jolietMax: 64 | 103 = 64;
  const keepJoliet = new Map<WNode, Uint8Array>();
  const jroot = image.namespaceRoot('joliet');
  if (!jroot) return { keepJoliet, jolietMax };
  const keepId = async (c: WNode, m: FileNode): Promise<void> => {
    if (m.name.length > 64) jolietMax = 103;
    keepJoliet.set(c, await rawId(image, m));
  };
  const pair = async (w: WNode, j: FileNode, depth: number): Promise<void> => {
    if (depth > 256 || !w.children) return;
    const kids = await image.readdir(j, false);
    const byLba = new Map<number, FileNode[]>();
    const dirs = kids.filter((k) => k.type === 'dir');
    for (const k of kids) if (k.type === 'file' && k.extents[0]) byLba.set(k.extents[0].lba, [...(byLba.get(k.extents[0].lba) ?? []), k]);
    for (const c of w.children) {
      if (!c.base) continue;
      if (c.type === 'dir') {
        const m = dirs.find((d) => d.name === c.name) ?? dirs.find((d) => c.name.length > d.name.length && c.name.startsWith(d.name.replace(/\.[^.]*$/, '')));
        if (!m) continue;
        await keepId(c, m);
        await pair(c, m, depth + 1);
      } else if (c.type === 'file' && c.base.extents[0]) {
        // Hard links share an extent: prefer the same name, and never give two entries one identifier.
        const cands = byLba.get(c.base.extents[0].lba) ?? [];
        const m = cands.find((k) => k.name === c.name) ?? cands.find((k) => c.name.startsWith(k.name.replace(/\.[^.]*$/, ''))) ?? (cands.length === 1 ? cands[0] : undefined);
        if (!m) continue;
        cands.splice(cands.indexOf(m), 1);
        await keepId(c, m);
      }
    }
  };
  if (image.namespace === 'joliet') {
    for (const n of walkTree(tree)) if (n.base && n !== tree) keepJoliet.set(n, await rawId(image, n.base));
  } else await pair(tree, jroot, 1);
  return { keepJoliet, jolietMax };
}

/** El Torito: the source catalog's bytes and each entry's boot image (a tree file, or hidden data). */
async function bootJob(image: DiscImage, tree: WNode, et: ElToritoInfo): Promise<BootJob> {
  const parsed = await readBootCatalog(image.source, et.catalogLba, new DiagnosticSink());
  const end = Math.max(...parsed.entries.map((e) => e.offset + 32), et.catalogLba * SECTOR_SIZE + 64);
  const catalogBytes = await read(image, et.catalogLba * SECTOR_SIZE, Math.ceil((end - et.catalogLba * SECTOR_SIZE) / SECTOR_SIZE) * SECTOR_SIZE);
  const byLba = new Map<number, WNode>();
  for (const n of walkTree(tree)) {
    const o: FileNode | undefined = n.origin;
    if (n.type === 'file' && o?.extents[0]) byLba.set(o.extents[0].lba, n);
  }
  const entries: BootEntryJob[] = et.entries.map((e) => {
    const node = e.outsideVolume ? null : byLba.get(e.loadRba) ?? null;
    const job: BootEntryJob = {
      index: e.index, node, bootInfoTable: e.bootInfoTable, grub2BootInfo: e.grub2BootInfo,
      sectorCountFollows: e.platform === 'efi' && e.sectorCount * 512 >= e.imageSize,
      oldOffset: e.loadRba * SECTOR_SIZE,
    };
    if (!node && !e.outsideVolume) job.hidden = { kind: 'image', ranges: [{ offset: e.loadRba * SECTOR_SIZE, length: e.imageSize }], size: e.imageSize, extents: [{ lba: e.loadRba, blocks: Math.ceil(e.imageSize / SECTOR_SIZE), length: e.imageSize }] };
    return job;
  });
  return { catalogBytes, catalogLba: et.catalogLba, catalogNode: byLba.get(et.catalogLba) ?? null, entries };
}
