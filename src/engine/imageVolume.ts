// What an image's volume descriptors say, read at open and on request: the namespaces (one
// context per tree: Rock Ridge, Joliet, plain ISO 9660), whether a UDF recognition sequence
// follows (ECMA-167 2/8.3), and the path tables cross-checked against the directories (ECMA-119
// 6.9). Used by image.ts.
import { DiagnosticSink, IsoError, UnsupportedFeatureError } from './errors';
import type { CachedSource } from './io/fileSource';
import { readExact, type ByteSource } from './io/source';
import { readDirectory } from './iso9660/directoryRecord';
import { stripVersion } from './iso9660/names';
import { crossCheckPathTables, readPathTable } from './iso9660/pathTable';
import type { PrimaryVd, VolumeDescriptor } from './iso9660/volumeDescriptor';
import { ContinuationLedger, detectSusp, readSuspArea } from './rockridge/susp';
import { parseRockRidge } from './rockridge/rrip';
import { SECTOR_SIZE, SYSTEM_AREA_SECTORS } from './bytes/sector';
import type { FileNode } from './image';
import type { NsContext } from './imageDirectory';
import type { Namespace } from './types';

export async function detectUdf(src: ByteSource): Promise<boolean> {
  // ECMA-167 2/8.3 volume recognition sequence: BEA01 … NSR02/NSR03 … TEA01 from LBA 16.
  for (let lba = SYSTEM_AREA_SECTORS; lba < SYSTEM_AREA_SECTORS + 64; lba++) {
    if ((lba + 1) * SECTOR_SIZE > src.size) return false;
    const b = await src.read(lba * SECTOR_SIZE, 6);
    const id = String.fromCharCode(...b.subarray(1, 6));
    if (id === 'NSR02' || id === 'NSR03') return true;
    if (id === 'TEA01') return false;
    if (b[0] === 0 && id === '\0\0\0\0\0') return false;
  }
  return false;
}

/**
 * The namespaces of an image as its descriptors declare them, most capable first: Rock Ridge
 * (SUSP "SP" in the root's "." record, SUSP 5.3, then RRIP entries), Joliet (the supplementary
 * descriptor of the highest level), plain ISO 9660.
 */
export async function buildContexts(src: CachedSource, vds: VolumeDescriptor[], sink: DiagnosticSink, ledger: ContinuationLedger): Promise<NsContext[]> {
  const pvd = vds.find((d): d is PrimaryVd => d.kind === 'primary')!;
  if (pvd.logicalBlockSize !== SECTOR_SIZE) {
    sink.warn(`logical block size ${pvd.logicalBlockSize} (2048 expected)`, 'Primary Volume Descriptor', pvd.lba * SECTOR_SIZE + 128);
    if (![512, 1024, 2048].includes(pvd.logicalBlockSize)) {
      throw new UnsupportedFeatureError(`logical block size ${pvd.logicalBlockSize} is not supported`, { structure: 'Primary Volume Descriptor', offset: pvd.lba * SECTOR_SIZE + 128 });
    }
  }
  const rootOf = (vd: PrimaryVd, ns: Namespace): FileNode => ({
    name: '', path: '/', type: 'dir', size: vd.root.dataLength, mode: 0o40555, nlink: 1, uid: 0, gid: 0,
    mtime: vd.root.recorded?.date ?? null, atime: null, ctime: null, hidden: false,
    extents: [{ lba: vd.root.extentLba, blocks: Math.ceil(vd.root.dataLength / vd.logicalBlockSize), length: vd.root.dataLength }],
    ranges: [], dir: { lba: vd.root.extentLba + vd.root.extAttrLength, length: vd.root.dataLength }, recordOffset: vd.root.offset, namespace: ns,
  });
  const out: NsContext[] = [];
  const iso: NsContext = { ns: 'iso9660', vd: pvd, joliet: false, suspSkip: null, root: rootOf(pvd, 'iso9660') };
  out.push(iso);
  // Rock Ridge: SUSP "SP" in the root directory's "." record (SUSP 5.3), then RRIP entries (ER or PX/NM/…).
  try {
    const recs = await readDirectory(src, pvd.root.extentLba, Math.min(pvd.root.dataLength, pvd.logicalBlockSize), pvd.logicalBlockSize, { joliet: false, path: '/' }, sink);
    const dot = recs[0];
    const sp = dot ? detectSusp(dot.systemUse) : null;
    if (dot && sp) {
      const area = await readSuspArea(dot.systemUse, dot.systemUseOffset, 0, (o, l) => readExact(src, o, l, 'SUSP continuation area of /'), pvd.logicalBlockSize, sink, '/', { ledger });
      const rrSigs = new Set(['PX', 'NM', 'TF', 'RR', 'SL', 'PN', 'CL', 'PL', 'RE', 'ZF']);
      const hasRr = area.entries.some(e => rrSigs.has(e.sig) || (e.sig === 'ER'));
      if (hasRr) {
        const rr: NsContext = { ns: 'rr', vd: pvd, joliet: false, suspSkip: sp.skip, root: rootOf(pvd, 'rr') };
        const info = parseRockRidge(area.entries, sink, '/');
        if (info.px) { rr.root.mode = 0o40000 | (info.px.mode & 0o7777); rr.root.uid = info.px.uid; rr.root.gid = info.px.gid; rr.root.nlink = info.px.nlink; }
        if (info.tf?.modified) rr.root.mtime = info.tf.modified.date;
        out.unshift(rr);
      }
    }
  } catch (e) {
    if (!(e instanceof IsoError)) throw e;
    sink.error(`root directory unreadable: ${e.detail}`, e.structure, e.offset);
  }
  const svd = vds
    .filter((d): d is PrimaryVd => d.kind === 'supplementary' && d.jolietLevel > 0)
    .sort((a, b) => b.jolietLevel - a.jolietLevel)[0];
  if (svd) out.splice(out.length - 1, 0, { ns: 'joliet', vd: svd, joliet: true, suspSkip: null, root: rootOf(svd, 'joliet') });
  return out;
}

export async function checkPathTables(source: ByteSource, trees: NsContext[], diagnostics: DiagnosticSink): Promise<string[]> {
  const problems: string[] = [];
  for (const c of trees) {
    const vd = c.vd;
    const label = c.joliet ? 'Joliet' : 'ISO 9660';
    try {
      const l = await readPathTable(source, vd.lPathTableLba, vd.pathTableSize, true, c.joliet, diagnostics, vd.logicalBlockSize, false);
      const m = vd.mPathTableLba ? await readPathTable(source, vd.mPathTableLba, vd.pathTableSize, false, c.joliet, diagnostics, vd.logicalBlockSize, false) : null;
      const dirs = await plainDirectoryMap(source, c, diagnostics);
      for (const p of crossCheckPathTables(l.entries, m?.entries ?? null, dirs)) {
        problems.push(`${label}: ${p}`);
        diagnostics.warn(p, `${label} path table`, vd.lPathTableLba * vd.logicalBlockSize);
      }
    } catch (e) {
      if (!(e instanceof IsoError)) throw e;
      problems.push(`${label}: ${e.detail}`);
      diagnostics.error(e.detail, e.structure, e.offset);
    }
  }
  return problems;
}

/** path → extent LBA of every directory of a tree as recorded (no Rock Ridge relocation). */
async function plainDirectoryMap(source: ByteSource, c: NsContext, diagnostics: DiagnosticSink): Promise<Map<string, number>> {
  const bs = c.vd.logicalBlockSize;
  const rootLba = c.vd.root.extentLba + c.vd.root.extAttrLength;
  const out = new Map<string, number>([['/', rootLba]]);
  const seen = new Set<number>();
  // Only directory records are followed and nothing but (path, LBA) is kept: this walks
  // every directory of a 100,000-file image without building a node per file.
  const rec = async (lba: number, length: number, path: string, depth: number): Promise<void> => {
    if (seen.has(lba) || depth > 1000) return;
    seen.add(lba);
    const records = await readDirectory(source, lba, length, bs, { joliet: c.joliet, path, structures: false, directoriesOnly: true }, diagnostics);
    for (const r of records) {
      if (!r.isDirectory || (r.identifier.length === 1 && r.identifier[0] <= 1)) continue;
      const p = path === '/' ? `/${stripVersion(r.name)}` : `${path}/${stripVersion(r.name)}`;
      const childLba = r.extentLba + r.extAttrLength;
      out.set(p, childLba);
      await rec(childLba, r.dataLength, p, depth + 1);
    }
  };
  await rec(rootLba, c.vd.root.dataLength, '/', 0);
  return out;
}
