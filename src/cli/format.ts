// Text and JSON renderings for the CLI. The JSON shapes are a stable contract (see README).
// The text renderings escape every string that comes from the image (src/cli/terminal.ts); the
// JSON ones keep them exact.
import type { DiscImage, FileNode } from '../engine/image';
import type { Diagnostic } from '../engine/errors';
import type { ElToritoInfo, Namespace, SessionInfo, SystemAreaInfo, VolumeInfo } from '../engine/types';
import { quoted, termText as t } from './terminal';

export interface InfoJson {
  image: string;
  size: number;
  volume: VolumeInfo;
  namespaces: Namespace[];
  namespace: Namespace;
  udf: boolean;
  sessions: SessionInfo[];
  eltorito: ElToritoInfo | null;
  systemArea: SystemAreaInfo;
  pathTableProblems: string[];
  warnings: Diagnostic[];
}

export async function infoJson(img: DiscImage): Promise<InfoJson> {
  const eltorito = await img.elTorito();
  const systemArea = await img.systemArea();
  const pathTableProblems = await img.checkPathTables();
  return {
    image: img.name, size: img.size, volume: img.volume, namespaces: img.namespaces, namespace: img.namespace,
    udf: img.udf, sessions: img.sessions, eltorito, systemArea, pathTableProblems, warnings: img.warnings,
  };
}

export interface LsJson {
  path: string;
  type: FileNode['type'];
  size: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  mtime: string | null;
  target?: string;
  rdev?: { major: number; minor: number };
  ino?: number;
  hidden?: boolean;
  zisofs?: boolean;
  extents: Array<{ lba: number; blocks: number }>;
}

export function lsJson(n: FileNode): LsJson {
  const o: LsJson = {
    path: n.path, type: n.type, size: n.size, mode: n.mode, nlink: n.nlink, uid: n.uid, gid: n.gid,
    mtime: n.mtime ? n.mtime.toISOString() : null,
    extents: n.extents.map(e => ({ lba: e.lba, blocks: e.blocks })),
  };
  if (n.target !== undefined) o.target = n.target;
  if (n.rdev) o.rdev = n.rdev;
  if (n.ino !== undefined) o.ino = n.ino;
  if (n.hidden) o.hidden = true;
  if (n.zisofs) o.zisofs = true;
  return o;
}

const TYPE_CHAR: Record<FileNode['type'], string> = { file: '-', dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p', socket: 's' };

export function modeString(n: FileNode): string {
  const m = n.mode;
  const rwx = (s: number, x: number, special: string) =>
    (m & (4 << s) ? 'r' : '-') + (m & (2 << s) ? 'w' : '-') +
    (m & x ? (m & (1 << s) ? special.toLowerCase() : special.toUpperCase()) : m & (1 << s) ? 'x' : '-');
  return TYPE_CHAR[n.type] + rwx(6, 0o4000, 's') + rwx(3, 0o2000, 's') + rwx(0, 0o1000, 't');
}

export function formatLsLine(n: FileNode): string {
  const size = n.rdev ? `${n.rdev.major}, ${n.rdev.minor}` : String(n.size);
  const time = n.mtime ? n.mtime.toISOString().replace('T', ' ').slice(0, 19) : '-'.padEnd(19);
  return `${modeString(n)} ${String(n.nlink).padStart(3)} ${String(n.uid).padStart(5)} ${String(n.gid).padStart(5)} ${size.padStart(12)} ${time} ${t(n.path)}${n.target !== undefined ? ` -> ${t(n.target)}` : ''}`;
}

/** One diagnostic as a line of text (not yet escaped): "structure: message (byte N)". */
export function diagnosticText(d: Diagnostic): string {
  return `${d.structure ? `${d.structure}: ` : ''}${d.message}${d.offset !== undefined ? ` (byte ${d.offset})` : ''}`;
}

/**
 * Starts watching the diagnostics the image records from now on (an entry skipped for an unusable
 * name, a duplicate name, a directory loop, data beyond the end of the image, ...: problems met
 * while listing or reading). The returned function gives them as text lines (not yet escaped),
 * with a last line counting those the image's bounded list could not keep.
 */
export function watchDiagnostics(img: DiscImage): () => string[] {
  const first = img.diagnostics.items.length;
  const dropped = img.diagnostics.droppedCount;
  return () => {
    const lines = img.diagnostics.items.slice(first).map(diagnosticText);
    const more = img.diagnostics.droppedCount - dropped;
    if (more > 0) lines.push(`${more} more problem(s) not listed (the image's list of diagnostics is full)`);
    return lines;
  };
}

function kv(rows: Array<[string, string | number | boolean | null]>): string {
  const w = Math.max(...rows.map(r => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)} : ${v === null || v === '' ? '-' : v}`).join('\n') + '\n';
}

/** termText for a value that may be missing. */
const tn = (s: string | null | undefined): string | null => (s === null || s === undefined ? null : t(s));

export function formatInfo(d: InfoJson): string {
  const v = d.volume;
  let s = `Image: ${t(d.image)} (${d.size} bytes)\n\nVolume (Primary Volume Descriptor)\n`;
  s += kv([
    ['Volume id', t(v.volumeId)], ['System id', t(v.systemId)], ['Volume set id', t(v.volumeSetId)], ['Publisher id', t(v.publisherId)],
    ['Preparer id', t(v.preparerId)], ['Application id', t(v.applicationId)], ['Block size', v.blockSize],
    ['Volume size', `${v.volumeBlocks} blocks (${v.volumeBlocks * v.blockSize} bytes)`],
    ['Created', tn(v.created)], ['Modified', tn(v.modified)], ['Expires', tn(v.expires)], ['Effective', tn(v.effective)],
    ['File structure', v.fileStructureVersion === 2 ? 'ISO 9660:1999 (enhanced descriptor present)' : 'ECMA-119'],
  ]);
  s += `\nNamespaces: ${d.namespaces.map(n => t(n)).join(', ')} (showing ${t(d.namespace)})${d.udf ? '; a UDF bridge is present (not read)' : ''}\n`;
  s += `\nSessions\n`;
  for (const x of d.sessions) s += `  ${x.index}: start LBA ${x.startLba}, ${x.volumeBlocks} blocks, volume id ${t(x.volumeId) || '-'}\n`;
  s += '\nEl Torito\n';
  if (!d.eltorito) s += '  (no El Torito boot record)\n';
  else {
    const e = d.eltorito;
    s += kv([
      ['Boot record LBA', e.bootRecordLba], ['Catalog LBA', e.catalogLba], ['Catalog file', tn(e.catalogPath)],
      ['Validation', `platform ${t(String(e.validation.platform))}, id ${quoted(e.validation.idString)}, checksum ${e.validation.checksumOk ? 'ok' : 'BAD'}, key 55 AA ${e.validation.keyOk ? 'ok' : 'BAD'}`],
    ]);
    s += '  Idx  Sec Platform Boot  Emulation   Seg    Sys  Sectors  Load LBA   Image size  Patched         Path\n';
    for (const x of e.entries) {
      const patched = [x.bootInfoTable ? 'boot-info-table' : '', x.grub2BootInfo ? 'grub2-boot-info' : ''].filter(Boolean).join(',') || '-';
      s += `  ${String(x.index).padStart(3)}  ${String(x.section).padStart(3)} ${t(String(x.platform)).padEnd(8)} ${(x.bootable ? 'yes' : 'no').padEnd(5)} ${t(x.emulation).padEnd(11)} 0x${x.loadSegment.toString(16).padStart(4, '0')} 0x${x.systemType.toString(16).padStart(2, '0')} ${String(x.sectorCount).padStart(7)}  ${String(x.loadRba).padStart(8)}  ${String(x.imageSize).padStart(11)}  ${patched.padEnd(15)} ${tn(x.path) ?? (x.outsideVolume ? '(outside the ISO volume)' : '-')}\n`;
    }
  }
  s += '\nSystem area\n';
  const sa = d.systemArea;
  if (sa.empty) s += '  (all zero)\n';
  if (sa.mbr) {
    s += `  MBR: disk signature ${t(sa.mbr.signature)}, boot code ${t(sa.mbr.bootCode)}${sa.mbr.protective ? ', protective' : ''}\n`;
    s += '    #  Boot  Type  Start (512-byte sectors)      Sectors  Type name\n';
    for (const x of sa.mbr.partitions) s += `    ${x.index}  ${x.bootable ? ' *  ' : '    '}  0x${x.type.toString(16).padStart(2, '0')}  ${String(x.startLba).padStart(24)}  ${String(x.sectors).padStart(11)}  ${t(x.typeName)}\n`;
  }
  if (sa.gpt) {
    const g = sa.gpt;
    s += `  GPT (${g.blockSize}-byte blocks): disk GUID ${t(g.diskGuid)}, header CRC ${g.headerCrcOk ? 'ok' : 'BAD'}, entries CRC ${g.entriesCrcOk ? 'ok' : 'BAD'}, backup ${g.backup ? (g.backup.found ? `at ${g.backup.lba} (${g.backup.headerCrcOk && g.backup.entriesCrcOk ? 'ok' : 'BAD'})` : 'missing') : '-'}\n`;
    for (const x of g.partitions) s += `    ${x.index}: ${x.firstLba}-${x.lastLba}  ${t(x.typeName)} (${t(x.typeGuid)})  ${quoted(x.name)}\n`;
  }
  if (sa.apm) {
    s += `  Apple Partition Map (${sa.apm.blockSize}-byte blocks)\n`;
    for (const x of sa.apm.partitions) s += `    ${x.index}: start ${x.startBlock}, ${x.blocks} blocks  ${t(x.type)}  ${quoted(x.name)}\n`;
  }
  if (!sa.empty && !sa.mbr && !sa.gpt && !sa.apm) s += '  (not zero, but no MBR, GPT or APM recognised)\n';
  if (d.pathTableProblems.length) s += `\nPath tables\n${d.pathTableProblems.map(p => `  ${t(p)}\n`).join('')}`;
  if (d.warnings.length) s += `\nWarnings\n${d.warnings.map(w => `  ${t(w.severity)}: ${t(diagnosticText(w))}\n`).join('')}`;
  return s;
}
