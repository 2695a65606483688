// Directories in the structure map: the records of one directory as a 'directory' structure
// (one child per record, with its System Use entries; capped for huge directories), and the
// lazy expansion of a subdirectory's record into its directory (the sector editor's tree,
// isowb info --structures). DiscImage (image.ts) exposes these through structures(),
// directoryStructureOf() and expandStructure().
import type { DiagnosticSink } from './errors';
import { IsoError } from './errors';
import type { CachedSource } from './io/fileSource';
import { readExact } from './io/source';
import { directoryRecords, type DirectoryRecord } from './iso9660/directoryRecord';
import { stripVersion } from './iso9660/names';
import { directoryContinuations, readSuspArea, type ContinuationLedger } from './rockridge/susp';
import { decodeBytes, RR_CURRENT, RR_PARENT } from './rockridge/rrip';
import type { Structure } from './structure/fields';
import type { Limits } from './limits';
import { joinPath, parentPath, shortPath } from './paths';
import type { FileNode } from './image';
import type { DirectoryDecoder, NsContext } from './imageDirectory';

/** Records shown in one directory's structure (sector editor, --structures). */
const MAX_STRUCTURE_RECORDS = 4096;
/** Fields shown in one directory's structure (~2,400 Rock Ridge records; ~55 MB of heap). */
const MAX_STRUCTURE_FIELDS = 100_000;

/** The directory structures of one image. */
export class DirectoryStructures {
  constructor(
    private readonly source: CachedSource,
    private readonly diagnostics: DiagnosticSink,
    private readonly limits: Limits,
    private readonly ledger: ContinuationLedger,
    private readonly dirs: DirectoryDecoder,
  ) {}

  /**
   * For a (expandable) 'dir-record' structure whose record is a subdirectory (not "." or ".."; a Rock Ridge CL
   * placeholder counts), the 'directory' structure of that subdirectory in the same tree (ISO
   * 9660 with Rock Ridge, or Joliet), else null. An unreadable directory yields a structure with
   * the problem and no children rather than an exception.
   */
  async expand(ctx: NsContext, s: Structure & { expand: NonNullable<Structure['expand']> }): Promise<Structure[] | null> {
    const { lba, path } = s.expand;
    let { length } = s.expand;
    const bs = ctx.vd.logicalBlockSize;
    const node: FileNode = {
      name: path.slice(path.lastIndexOf('/') + 1), path, type: 'dir', size: length, mode: 0o40555, nlink: 1, uid: 0, gid: 0,
      mtime: null, atime: null, ctime: null, hidden: false, extents: [], ranges: [], dir: { lba, length }, recordOffset: s.offset, namespace: ctx.ns,
    };
    try {
      if (length === 0) {
        // A Rock Ridge CL placeholder: the relocated directory's "." record gives its length.
        const dot = await this.dirs.relocated(ctx, lba, path, s.offset);
        if (!dot) return null;
        length = dot.dataLength;
        node.dir = { lba, length };
      }
      return [await this.directoryStructure(ctx, node)];
    } catch (e) {
      if (!(e instanceof IsoError)) throw e;
      this.diagnostics.error(e.detail, e.structure ?? `directory ${path}`, e.offset);
      return [{
        id: `dir:${treeOf(ctx)}:${lba}`, type: 'directory', name: `Directory ${path} (${ctx.joliet ? 'Joliet' : 'ISO 9660'})`,
        offset: lba * bs, length, spec: 'ECMA-119 6.8.1 / 9.1', fields: [], children: [], problems: [e.detail],
        target: { lba, blocks: Math.ceil(length / bs), path },
      }];
    }
  }

  async directoryStructure(ctx: NsContext, dir: FileNode): Promise<Structure> {
    const bs = ctx.vd.logicalBlockSize;
    const tree = treeOf(ctx);
    const records: DirectoryRecord[] = [];
    let capped = false;
    for await (const batch of directoryRecords(this.source, dir.dir!.lba, dir.dir!.length, bs, { joliet: ctx.joliet, path: dir.path }, this.diagnostics)) {
      for (const r of batch) {
        if (records.length === MAX_STRUCTURE_RECORDS) { capped = true; break; }
        records.push(r);
      }
      if (capped) break;
    }
    const continuations = directoryContinuations(this.limits.continuationsPerDirectory);
    const children: Structure[] = [];
    let fields = 0;
    const countFields = (x: Structure): number => x.children.reduce((a, c) => a + countFields(c), x.fields.length);
    for (const r of records) {
      if (fields >= MAX_STRUCTURE_FIELDS) { capped = true; break; }
      const isDot = r.identifier.length === 1 && r.identifier[0] === 0;
      const isDotDot = r.identifier.length === 1 && r.identifier[0] === 1;
      // The record's own path: its directory for ".", the parent for "..", else directory + name.
      let recPath = isDot ? dir.path : isDotDot ? parentPath(dir.path) : joinPath(dir.path, stripVersion(r.name));
      let s = r.structure;
      let cl: number | undefined;
      if (ctx.suspSkip !== null && r.systemUse.length > 0 && !ctx.joliet) {
        const area = await readSuspArea(r.systemUse, r.systemUseOffset, ctx.suspSkip, (o, l) => readExact(this.source, o, l, 'SUSP continuation area'), bs, this.diagnostics, recPath, { ledger: this.ledger, directory: continuations });
        const nm = isDot || isDotDot ? null : rockRidgeName(area.entries);
        if (nm !== null && nm !== '' && !nm.includes('/')) {
          const rrPath = joinPath(dir.path, nm);
          const suffix = ` of ${recPath}`;
          for (const st of area.structures) if (st.name.endsWith(suffix)) st.name = st.name.slice(0, -suffix.length) + ` of ${rrPath}`;
          recPath = rrPath;
        }
        const clEntry = area.entries.find(e => e.sig === 'CL' && e.data.length >= 8);
        if (clEntry) cl = (clEntry.data[0] | (clEntry.data[1] << 8) | (clEntry.data[2] << 16)) + clEntry.data[3] * 0x1000000;
        s = { ...s, children: [...s.children, ...area.structures] };
      }
      if (!isDot && !isDotDot) {
        if (r.isDirectory) s = { ...s, expand: { tree, lba: r.extentLba + r.extAttrLength, length: r.dataLength, path: recPath } };
        else if (cl !== undefined) s = { ...s, expand: { tree, lba: cl, length: 0, path: recPath } };
      }
      if (s.target?.path !== undefined && !isDot && s.target.path !== recPath) s = { ...s, target: { ...s.target, path: recPath } };
      fields += countFields(s);
      children.push(s);
    }
    this.dirs.reportContinuations(continuations, shortPath(dir.path));
    const st: Structure = {
      id: `dir:${tree}:${dir.dir!.lba}`, type: 'directory', name: `Directory ${dir.path} (${ctx.joliet ? 'Joliet' : 'ISO 9660'})`,
      offset: dir.dir!.lba * bs, length: dir.dir!.length, spec: 'ECMA-119 6.8.1 / 9.1', fields: [], children,
      target: { lba: dir.dir!.lba, blocks: Math.ceil(dir.dir!.length / bs), path: dir.path },
    };
    if (capped) st.problems = [children.length < MAX_STRUCTURE_RECORDS ? `only the first ${children.length} records are shown (their fields reach ${MAX_STRUCTURE_FIELDS.toLocaleString('en-US')})` : `only the first ${MAX_STRUCTURE_RECORDS} records are shown`];
    return st;
  }
}

/** Key of a directory tree: Rock Ridge and plain ISO 9660 share one tree, Joliet has its own. */
export function treeOf(ctx: NsContext): 'iso9660' | 'joliet' {
  return ctx.joliet ? 'joliet' : 'iso9660';
}

/** The Rock Ridge name (RRIP 4.1.4 NM entries, concatenated) of a record's System Use entries, or null. */
function rockRidgeName(entries: Array<{ sig: string; data: Uint8Array }>): string | null {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (e.sig !== 'NM' || e.data.length < 1) continue;
    if (e.data[0] & (RR_CURRENT | RR_PARENT)) return null;
    parts.push(e.data.subarray(1));
  }
  if (parts.length === 0) return null;
  return decodeBytes(Buffer.concat(parts));
}
