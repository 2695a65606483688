// The directory hierarchies the writer records (ECMA-119 6.8: directories, records, path tables):
// the ISO 9660 one (with Rock Ridge entries and RRIP 1.12 4.1.5 relocation of directories deeper
// than 8 levels into /rr_moved) and the Joliet one. Sizes are computed before any LBA is known:
// Rock Ridge continuation (CE) entries are fixed-size placeholders patched once areas are placed.
import { directoryRecordLength, serializeDirectoryRecord, FILE_FLAGS } from '../iso9660/directoryRecord';
import { compareIdentifiers, encodeIsoIdentifier, encodeJolietIdentifier, isoNames, jolietNames } from '../iso9660/names';
import { packSystemUse, patchCe, rripEntries, systemUseRoom, type RripAttrs } from '../rockridge/rripWrite';
import { InvalidArgumentError } from '../errors';
import type { WNode } from './tree';
import { SECTOR_SIZE } from '../bytes/sector';

/** Largest extent a directory record can describe in whole sectors (ECMA-119 9.1.4, 32-bit length). */
export const MAX_EXTENT = 0xfffff800;

export interface Packed { inRecord: Uint8Array; continuation: Uint8Array | null; ceOffset: number | null; ce?: { lba: number; offset: number } }

export interface HRecord {
  identifier: Uint8Array;
  node: WNode;
  kind: 'file' | 'dir' | 'placeholder';
  /** For 'dir': the directory; for 'placeholder': the relocated directory (RRIP CL). */
  dir?: HDir;
  su: Packed | null;
  /** Records this entry takes (several for multi-extent files). */
  count: number;
}

export interface HDir {
  node: WNode;
  /** Parent in the recorded hierarchy (rr_moved for a relocated directory); null for the root. */
  parent: HDir | null;
  /** Logical parent (differs from `parent` for relocated directories: RRIP PL). */
  logicalParent: HDir | null;
  depth: number;
  identifier: Uint8Array;
  records: HRecord[];
  dotSu: Packed | null;
  dotdotSu: Packed | null;
  size: number;
  lba: number;
  /** 1-based path table number. */
  ptIndex: number;
  relocated: boolean;
}

export interface HierarchyOptions {
  kind: 'iso' | 'joliet';
  rock: boolean;
  level: 1 | 2 | 3 | 4;
  jolietMax: 64 | 103;
  /** Number of records a file needs (multi-extent). */
  extentCount: (n: WNode) => number;
  /** Original ISO 9660 identifier to keep for an unchanged entry, or null. */
  keepIdentifier?: (n: WNode) => Uint8Array | null;
  imageName: string;
}

const ROOT_ID = new Uint8Array([0]);

function rrAttrs(n: WNode): RripAttrs {
  const a: RripAttrs = { mode: n.mode, nlink: n.type === 'dir' ? Math.max(2, n.nlink) : Math.max(1, n.nlink), uid: n.uid, gid: n.gid, mtime: n.mtime, atime: n.atime, ctime: n.ctime };
  if (n.ino !== undefined) a.ino = n.ino;
  if (n.type === 'symlink') a.target = n.target ?? '';
  if ((n.type === 'char' || n.type === 'block') && n.rdev) a.rdev = n.rdev;
  if (n.data?.kind === 'image' && n.data.zisofs) a.zisofs = n.data.zisofs;
  return a;
}

function pack(entries: Uint8Array[], idLen: number): Packed {
  return packSystemUse(entries, systemUseRoom(idLen));
}

/** Builds one hierarchy; returns its directories in path-table order (root first). */
export function buildHierarchy(root: WNode, o: HierarchyOptions): HDir[] {
  const iso = o.kind === 'iso';
  const rootDir = mkDir(root, null, null, 1, false);
  const reloc: Relocation = { root: rootDir, dir: null, dirs: [] };
  fillDirectory(rootDir, o, reloc);
  if (reloc.dir) nameRelocated(reloc, o);
  // Path-table order = breadth-first over sorted children.
  const order: HDir[] = [];
  const queue: HDir[] = [rootDir];
  while (queue.length) {
    const d = queue.shift()!;
    d.ptIndex = order.length + 1;
    order.push(d);
    finishDirectory(d, iso, iso && o.rock);
    for (const r of d.records) if (r.dir && r.kind === 'dir') queue.push(r.dir);
  }
  return order;
}

function mkDir(node: WNode, parent: HDir | null, logicalParent: HDir | null, depth: number, relocated: boolean): HDir {
  return { node, parent, logicalParent, depth, identifier: ROOT_ID, records: [], dotSu: null, dotdotSu: null, size: 0, lba: 0, ptIndex: 0, relocated };
}

/** RRIP 4.1.5 relocation: the root, /rr_moved once needed, and the directories moved into it. */
interface Relocation { root: HDir; dir: HDir | null; dirs: HDir[] }

/** Identifiers for the children of one directory: kept ones as they are, generated ones unique among all. */
function uniqueNames(kids: WNode[], o: HierarchyOptions): Uint8Array[] {
  const iso = o.kind === 'iso';
  const reqs = kids.map((k) => ({ name: k.name, dir: k.type === 'dir' }));
  const key = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
  const kept = kids.map((k) => o.keepIdentifier?.(k) ?? null);
  const gen = iso ? isoNames(reqs, o.level).map(encodeIsoIdentifier) : jolietNames(reqs, o.jolietMax).map(encodeJolietIdentifier);
  const used = new Set<string>();
  kept.forEach((k) => { if (k) used.add(key(k)); });
  return kids.map((_, i) => {
    const keep = kept[i];
    if (keep) return keep;
    let id = gen[i];
    for (let c = 1; used.has(key(id)); c++) id = withCounter(id, c, iso, o.level);
    used.add(key(id));
    return id;
  });
}

/** The records of a directory and, recursively, of its subdirectories. */
function fillDirectory(d: HDir, o: HierarchyOptions, reloc: Relocation): void {
  const iso = o.kind === 'iso';
  // Joliet has no symlinks or devices (mkisofs and xorriso leave them out of it too).
  const kids = (d.node.children ?? []).filter((k) => iso || k.type === 'file' || k.type === 'dir');
  const ids = uniqueNames(kids, o);
  kids.forEach((k, i) => {
    const identifier = ids[i];
    if (k.type === 'dir') {
      const childDepth = d.depth + 1;
      if (iso && childDepth > 8) {
        if (!o.rock) throw new InvalidArgumentError(`${k.path} is nested ${childDepth} levels deep; ISO 9660 allows 8 and only Rock Ridge can relocate deeper directories`, { image: o.imageName });
        // RRIP 4.1.5: a placeholder file (CL) here, the directory itself under /rr_moved (RE), its ".." PL back here.
        if (!reloc.dir) reloc.dir = mkDir(movedNode(), reloc.root, reloc.root, 2, false);
        const moved = mkDir(k, reloc.dir, d, 3, true);
        reloc.dirs.push(moved);
        d.records.push({ identifier, node: k, kind: 'placeholder', dir: moved, su: null, count: 1 });
        fillDirectory(moved, o, reloc);
        return;
      }
      const child = mkDir(k, d, d, childDepth, false);
      child.identifier = identifier;
      d.records.push({ identifier, node: k, kind: 'dir', dir: child, su: null, count: 1 });
      fillDirectory(child, o, reloc);
    } else {
      d.records.push({ identifier, node: k, kind: 'file', su: null, count: k.type === 'file' ? Math.max(1, o.extentCount(k)) : 1 });
    }
  });
}

/** Relocated directories get unique names inside rr_moved; rr_moved itself a unique name in the root. */
function nameRelocated(reloc: Relocation, o: HierarchyOptions): void {
  const movedDir = reloc.dir!;
  const ids = uniqueNames(reloc.dirs.map((r) => r.node), o);
  reloc.dirs.forEach((r, i) => {
    r.identifier = ids[i];
    movedDir.records.push({ identifier: ids[i], node: r.node, kind: 'dir', dir: r, su: null, count: 1 });
  });
  const taken = new Set(reloc.root.records.map((r) => Buffer.from(r.identifier).toString('latin1')));
  let name = 'RR_MOVED';
  for (let c = 1; taken.has(name); c++) name = `RR_MOVED${c}`;
  movedDir.identifier = encodeIsoIdentifier(name);
  movedDir.node.name = name.toLowerCase();
  reloc.root.records.push({ identifier: movedDir.identifier, node: movedDir.node, kind: 'dir', dir: movedDir, su: null, count: 1 });
}

/** Sorts a directory's records (ECMA-119 9.3), packs their Rock Ridge entries and sizes the directory. */
function finishDirectory(d: HDir, iso: boolean, rock: boolean): void {
  d.records.sort((a, b) => compareIdentifiers(a.identifier, b.identifier, !iso));
  if (rock) {
    d.dotSu = pack(rripEntries(rrAttrs(d.node), d.parent ? 'dot' : 'root-dot'), 1);
    const up = d.logicalParent ?? d;
    const dd = rrAttrs(up.node);
    if (d.relocated && d.logicalParent) dd.parentLink = 0; // patched with the logical parent's LBA
    d.dotdotSu = pack(rripEntries(dd, 'dotdot'), 1);
    for (const r of d.records) {
      const a = rrAttrs(r.node);
      a.name = r.node.name;
      if (r.kind === 'placeholder') a.childLink = 0;
      if (r.kind === 'dir' && r.dir?.relocated) a.relocated = true;
      r.su = pack(rripEntries(a, 'normal'), r.identifier.length);
    }
  }
  let size = 0;
  const add = (len: number): void => {
    if ((size % SECTOR_SIZE) + len > SECTOR_SIZE) size += SECTOR_SIZE - (size % SECTOR_SIZE);
    size += len;
  };
  add(directoryRecordLength(1, d.dotSu?.inRecord.length ?? 0));
  add(directoryRecordLength(1, d.dotdotSu?.inRecord.length ?? 0));
  for (const r of d.records) for (let i = 0; i < r.count; i++) add(directoryRecordLength(r.identifier.length, r.su?.inRecord.length ?? 0));
  d.size = Math.ceil(size / SECTOR_SIZE) * SECTOR_SIZE;
}

/** A generated identifier that collided with a kept one: a counter replaces the end of the name part. */
function withCounter(id: Uint8Array, c: number, iso: boolean, level: number): Uint8Array {
  if (iso) {
    const m = /^(.*?)(\.[^.;]*)?(;1)?$/.exec(Buffer.from(id).toString('latin1'))!;
    const tag = String(c);
    const room = level === 1 ? 8 : level === 4 ? 200 : 30 - (m[2]?.length ?? 0);
    return encodeIsoIdentifier(m[1].slice(0, Math.max(1, room - tag.length)) + tag + (m[2] ?? '') + (m[3] ?? ''));
  }
  const name = Buffer.from(id).swap16().toString('utf16le');
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const tag = String(c);
  return encodeJolietIdentifier(stem.slice(0, Math.max(1, 64 - ext.length - tag.length)) + tag + ext);
}

function movedNode(): WNode {
  return { name: 'rr_moved', type: 'dir', mode: 0o40555, uid: 0, gid: 0, nlink: 2, mtime: new Date(), atime: null, ctime: null, hidden: false, data: null, children: [], path: '/rr_moved' };
}

/** All continuation areas of a hierarchy, so they can be placed. */
export function continuations(dirs: HDir[]): Packed[] {
  const out: Packed[] = [];
  for (const d of dirs) {
    for (const p of [d.dotSu, d.dotdotSu, ...d.records.map((r) => r.su)]) if (p?.continuation) out.push(p);
  }
  return out;
}

/** Places continuation areas into consecutive blocks starting at `lba`; returns the blocks used and the bytes. */
export function placeContinuations(list: Packed[], lba: number): { blocks: number; bytes: Uint8Array } {
  let block = 0;
  let off = 0;
  for (const p of list) {
    const len = p.continuation!.length;
    if (off + len > SECTOR_SIZE) { block++; off = 0; }
    p.ce = { lba: lba + block, offset: off };
    off += len;
  }
  const blocks = list.length ? block + 1 : 0;
  const bytes = new Uint8Array(blocks * SECTOR_SIZE);
  for (const p of list) bytes.set(p.continuation!, (p.ce!.lba - lba) * SECTOR_SIZE + p.ce!.offset);
  return { blocks, bytes };
}

function finalSu(p: Packed | null): Uint8Array | undefined {
  if (!p) return undefined;
  const su = p.inRecord.slice();
  if (p.ceOffset !== null && p.ce) patchCe(su, p.ceOffset, p.ce.lba, p.ce.offset, p.continuation!.length);
  return su;
}

/** Writes a 32-bit both-endian value into the RRIP CL/PL entry found in a system use area. */
function patchLinkEntry(su: Uint8Array, sig: 'CL' | 'PL', lba: number, cont: Uint8Array | null): void {
  const patchIn = (b: Uint8Array): boolean => {
    let i = 0;
    while (i + 4 <= b.length) {
      const len = b[i + 2];
      if (len < 4) break;
      if (b[i] === sig.charCodeAt(0) && b[i + 1] === sig.charCodeAt(1) && len >= 12) {
        const dv = new DataView(b.buffer, b.byteOffset + i + 4, 8);
        dv.setUint32(0, lba, true);
        dv.setUint32(4, lba, false);
        return true;
      }
      i += len;
    }
    return false;
  };
  if (!patchIn(su) && cont) patchIn(cont);
}

/** Fills RRIP CL (placeholders) and PL (".." of relocated directories) once directory LBAs are known, before continuation areas are placed. */
export function patchLinks(dirs: HDir[]): void {
  for (const d of dirs) {
    if (d.relocated && d.logicalParent && d.dotdotSu) patchLinkEntry(d.dotdotSu.inRecord, 'PL', d.logicalParent.lba, d.dotdotSu.continuation);
    for (const r of d.records) if (r.kind === 'placeholder' && r.su) patchLinkEntry(r.su.inRecord, 'CL', r.dir!.lba, r.su.continuation);
  }
}

export interface FileExtent { lba: number; length: number }

/** Serializes one directory's records into its extent bytes. */
export function serializeDirectory(d: HDir, placements: (n: WNode) => FileExtent[]): Uint8Array {
  const out = new Uint8Array(d.size);
  let pos = 0;
  const put = (rec: Uint8Array): void => {
    if ((pos % SECTOR_SIZE) + rec.length > SECTOR_SIZE) pos += SECTOR_SIZE - (pos % SECTOR_SIZE);
    out.set(rec, pos);
    pos += rec.length;
  };
  const when = (n: WNode): Date => n.mtime;
  put(serializeDirectoryRecord({ identifier: new Uint8Array([0]), lba: d.lba, dataLength: d.size, recorded: when(d.node), flags: FILE_FLAGS.directory, systemUse: finalSu(d.dotSu) }));
  const up = d.parent ?? d;
  put(serializeDirectoryRecord({ identifier: new Uint8Array([1]), lba: up.lba, dataLength: up.size, recorded: when(up.node), flags: FILE_FLAGS.directory, systemUse: finalSu(d.dotdotSu) }));
  for (const r of d.records) {
    const hidden = r.node.hidden ? FILE_FLAGS.hidden : 0;
    if (r.kind === 'dir') {
      put(serializeDirectoryRecord({ identifier: r.identifier, lba: r.dir!.lba, dataLength: r.dir!.size, recorded: when(r.node), flags: FILE_FLAGS.directory | hidden, systemUse: finalSu(r.su) }));
    } else if (r.kind === 'placeholder') {
      put(serializeDirectoryRecord({ identifier: r.identifier, lba: 0, dataLength: 0, recorded: when(r.node), flags: hidden, systemUse: finalSu(r.su) }));
    } else {
      const ext = r.node.type === 'file' ? placements(r.node) : [{ lba: 0, length: 0 }];
      const su = finalSu(r.su);
      ext.forEach((e, i) => {
        const last = i === ext.length - 1;
        put(serializeDirectoryRecord({ identifier: r.identifier, lba: e.lba, dataLength: e.length, recorded: when(r.node), flags: hidden | (last ? 0 : FILE_FLAGS.multiExtent), systemUse: su }));
      });
    }
  }
  return out;
}

/** The 34-byte root record for a volume descriptor. */
export function rootRecord(root: HDir): Uint8Array {
  return serializeDirectoryRecord({ identifier: new Uint8Array([0]), lba: root.lba, dataLength: root.size, recorded: root.node.mtime, flags: FILE_FLAGS.directory });
}
