// ECMA-119 9.4 Path table record (6.9 path table, 6.9.1 order): its field table in the L
// (little-endian) and M (big-endian) variants, used by the reader and serializePathTable.
import { CorruptImageError, InvalidArgumentError, UnsupportedFeatureError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure/fields';
import { layout, layoutEnd, putNum } from '../structure/layout';
import { decodeIdentifier } from './directoryRecord';
import { comparePadded } from './names';

/** ECMA-119 9.4.1-9.4.4 (numbers 7.3.1/7.2.1 in a type L table, 7.3.2/7.2.2 in a type M one); the identifier follows. */
function pathTableLayout(littleEndian: boolean) {
  return layout({
    identifierLength: { at: 0, type: 'u8', name: 'Length of Directory Identifier', spec: '9.4.1', kind: 'length' },
    extAttrLength: { at: 1, type: 'u8', name: 'Extended Attribute Record Length', spec: '9.4.2', kind: 'length' },
    extentLba: { at: 2, type: littleEndian ? 'u32le' : 'u32be', name: 'Location of Extent', spec: littleEndian ? '9.4.3 / 7.3.1' : '9.4.3 / 7.3.2', kind: 'pointer' },
    parent: { at: 6, type: littleEndian ? 'u16le' : 'u16be', name: 'Parent Directory Number', spec: littleEndian ? '9.4.4 / 7.2.1' : '9.4.4 / 7.2.2', kind: 'pointer' },
  });
}
export const PATH_TABLE_L = pathTableLayout(true);
export const PATH_TABLE_M = pathTableLayout(false);
type PathTableLayout = typeof PATH_TABLE_L;
/** Fixed part of a path table record before the directory identifier (9.4.5). */
const PT_FIXED = layoutEnd(PATH_TABLE_L);

/** Bytes of a path table record with this identifier length (a pad byte after an odd one, 9.4.6). */
function recordLength(identifierLength: number): number {
  return PT_FIXED + identifierLength + (identifierLength & 1);
}

/** Path tables larger than this are treated as corrupt. */
export const MAX_PATH_TABLE_SIZE = 16 * 1024 * 1024;

export interface PathTableEntry {
  /** Directory number, 1-based (the root is 1). */
  index: number;
  /** Directory identifier as recorded; '' for the root (identifier 0x00). */
  name: string;
  extentLba: number;
  parentIndex: number;
  extAttrLength: number;
  /** Absolute byte offset of the entry. */
  offset: number;
}

/**
 * Reads one path table (type L: little-endian numbers, type M: big-endian). Joliet tables hold
 * UCS-2 BE identifiers. Structural problems (truncated entry, identifier length 0, bad parent
 * numbers) go to the structure's problems and the sink; parsing stops at the first entry that
 * cannot be delimited. Size > 16 MiB or a table beyond the image end → CorruptImageError.
 */
export async function readPathTable(src: ByteSource, lba: number, size: number, littleEndian: boolean, joliet: boolean, sink: DiagnosticSink, blockSize = 2048, structures = true): Promise<{ entries: PathTableEntry[]; structure: Structure }> {
  const kind = littleEndian ? 'l' : 'm';
  const label = `${littleEndian ? 'Type L' : 'Type M'} Path Table${joliet ? ' (Joliet)' : ''}`;
  const start = lba * blockSize;
  if (size > MAX_PATH_TABLE_SIZE) {
    throw new CorruptImageError(`path table size ${size} exceeds the limit of ${MAX_PATH_TABLE_SIZE} bytes`, { image: src.name, structure: label, offset: start });
  }
  const buf = await readExact(src, start, size, label);
  const structure: Structure = {
    id: `pathtable-${kind}:${lba}`,
    type: `path-table-${kind}`,
    name: label,
    offset: start,
    length: size,
    spec: 'ECMA-119 9.4',
    fields: [],
    children: [],
  };
  const problems: Array<{ message: string; offset: number }> = [];
  const entries: PathTableEntry[] = [];
  const T = littleEndian ? PATH_TABLE_L : PATH_TABLE_M;

  let pos = 0;
  while (pos < size) {
    const index = entries.length + 1;
    const abs = start + pos;
    if (size - pos < PT_FIXED) {
      problems.push({ message: `${size - pos} trailing bytes after entry ${index - 1} are too short for an entry`, offset: abs });
      break;
    }
    const lenDi = buf[pos + T.identifierLength.at];
    if (lenDi === 0) {
      problems.push({ message: `entry ${index}: directory identifier length is 0; the rest of the table is not readable`, offset: abs });
      break;
    }
    if (pos + PT_FIXED + lenDi > size) {
      problems.push({ message: `entry ${index}: ${PT_FIXED + lenDi} bytes run past the end of the table (${size - pos} bytes left)`, offset: abs });
      break;
    }
    const entryLen = Math.min(size - pos, recordLength(lenDi));
    const r = new FieldReader(buf.subarray(pos, pos + entryLen), abs, 'ECMA-119', structures);
    const entry = parseEntry(r, T, index, lenDi, joliet, entries[entries.length - 1]);
    const child: Structure = {
      id: `pathtable-${kind}:${lba}:${index}`,
      type: 'path-table-entry',
      name: `Path Table Record ${index}${entry.name === '' ? ' (root)' : ` ${JSON.stringify(entry.name)}`}`,
      offset: abs,
      length: entryLen,
      spec: 'ECMA-119 9.4',
      fields: r.fields,
      children: [],
      target: { lba: entry.extentLba },
    };
    if (r.problems.length) {
      child.problems = r.problems.map((p) => p.message);
      for (const p of r.problems) problems.push({ message: `entry ${index}: ${p.message}`, offset: p.offset });
    }
    if (structures) structure.children.push(child);
    entries.push(entry);
    pos += entryLen;
  }
  if (size === 0) problems.push({ message: 'path table is empty (size 0)', offset: start });
  if (problems.length) {
    structure.problems = problems.map((p) => p.message);
    for (const p of problems) sink.warn(p.message, label, p.offset);
  }
  return { entries, structure };
}

/** One path table record (r reads exactly its bytes), with its problems: root first, parents earlier and in order (6.9.1). */
function parseEntry(r: FieldReader, T: PathTableLayout, index: number, lenDi: number, joliet: boolean, prev: PathTableEntry | undefined): PathTableEntry {
  const abs = r.base;
  r.num(T.identifierLength);
  const extAttrLength = r.num(T.extAttrLength);
  const extentLba = r.num(T.extentLba);
  const parentIndex = r.num(T.parent);
  const rawName = decodeIdentifier(r.buf.subarray(PT_FIXED, PT_FIXED + lenDi), joliet);
  const name = rawName === '.' ? '' : rawName;
  r.field('Directory Identifier', PT_FIXED, lenDi, name, name === '' ? '(root)' : JSON.stringify(name), 'text', joliet ? 'Joliet 3 / ECMA-119 9.4.5' : '9.4.5');
  const padAt = PT_FIXED + lenDi;
  if (lenDi & 1) {
    if (r.buf.length > padAt) r.field('Padding Field', padAt, 1, r.buf[padAt], String(r.buf[padAt]), 'reserved', '9.4.6');
    else r.problems.push({ message: 'Padding Field: missing at the end of the table', offset: abs + padAt, field: 'Padding Field' });
  }
  const parentAt = abs + T.parent.at;
  if (index === 1) {
    if (name !== '') r.problems.push({ message: 'Directory Identifier: the first entry should be the root (identifier 0x00)', offset: abs + PT_FIXED, field: 'Directory Identifier' });
    if (parentIndex !== 1) r.problems.push({ message: `Parent Directory Number: the root's parent should be 1, is ${parentIndex}`, offset: parentAt, field: T.parent.name });
  } else {
    if (name === '') r.problems.push({ message: 'Directory Identifier: only the root may have identifier 0x00', offset: abs + PT_FIXED, field: 'Directory Identifier' });
    if (parentIndex < 1 || parentIndex >= index) {
      r.problems.push({ message: `Parent Directory Number: ${parentIndex} does not name an earlier entry (6.9.1)`, offset: parentAt, field: T.parent.name });
    } else if (prev && parentIndex < prev.parentIndex) {
      r.problems.push({ message: `Parent Directory Number: entries are not ordered by parent number (6.9.1): ${parentIndex} after ${prev.parentIndex}`, offset: parentAt, field: T.parent.name });
    }
  }
  return { index, name, extentLba, parentIndex, extAttrLength, offset: abs };
}

/** Resolves every entry to its full path; returns the paths and the entries that could not be resolved. */
export function resolvePathTable(entries: PathTableEntry[]): { paths: Map<string, number>; problems: string[] } {
  const byIndex = new Map<number, PathTableEntry>();
  for (const e of entries) if (!byIndex.has(e.index)) byIndex.set(e.index, e);
  const resolved = new Map<number, string | null>();
  const problems: string[] = [];

  const resolve = (start: PathTableEntry): string | null => {
    const chain: PathTableEntry[] = [];
    const seen = new Set<number>();
    let cur: PathTableEntry | undefined = start;
    let base: string | null = null;
    while (cur) {
      const known = resolved.get(cur.index);
      if (known !== undefined) { base = known; break; }
      if (cur.index === 1) { base = '/'; resolved.set(1, '/'); break; }
      if (seen.has(cur.index)) {
        problems.push(`path table entry ${start.index} (${JSON.stringify(start.name)}): parent chain loops at entry ${cur.index}`);
        base = null; break;
      }
      seen.add(cur.index);
      chain.push(cur);
      const parent = byIndex.get(cur.parentIndex);
      if (!parent) {
        problems.push(`path table entry ${cur.index} (${JSON.stringify(cur.name)}): parent ${cur.parentIndex} does not exist`);
        base = null; break;
      }
      cur = parent;
    }
    // Walk back down, assigning paths (or null when the chain is broken).
    for (let i = chain.length - 1; i >= 0; i--) {
      const e = chain[i];
      if (base !== null && e.name !== '') base = base === '/' ? `/${e.name}` : `${base}/${e.name}`;
      else base = null;
      resolved.set(e.index, base);
    }
    return base;
  };

  const paths = new Map<string, number>();
  for (const e of entries) {
    const p = resolve(e);
    if (p === null) continue;
    if (paths.has(p)) {
      if (e.index !== 1) problems.push(`path table entry ${e.index}: duplicate path ${p}`);
      continue;
    }
    paths.set(p, e.extentLba);
  }
  return { paths, problems };
}

/** Full path ("/", "/BOOT", "/BOOT/GRUB") → extent LBA; entries with broken or looping parent chains are left out. */
export function pathTablePaths(entries: PathTableEntry[]): Map<string, number> {
  return resolvePathTable(entries).paths;
}

const MAX_MESSAGES = 200;

/**
 * Compares the L table with the M table (entry by entry) and the L table with the directory
 * tree (`dirs`: path → extent LBA, paths spelled as in the path table). Returns human-readable
 * problems (at most ~200).
 */
export function crossCheckPathTables(l: PathTableEntry[], m: PathTableEntry[] | null, dirs: Map<string, number>): string[] {
  const out: string[] = [];
  let dropped = 0;
  const add = (s: string): void => { if (out.length < MAX_MESSAGES) out.push(s); else dropped++; };

  if (m) {
    if (l.length !== m.length) add(`the L path table has ${l.length} entries, the M path table ${m.length}`);
    const n = Math.min(l.length, m.length);
    for (let i = 0; i < n; i++) {
      const a = l[i], b = m[i];
      const diffs: string[] = [];
      if (a.name !== b.name) diffs.push(`name ${JSON.stringify(a.name)} vs ${JSON.stringify(b.name)}`);
      if (a.extentLba !== b.extentLba) diffs.push(`extent ${a.extentLba} vs ${b.extentLba}`);
      if (a.parentIndex !== b.parentIndex) diffs.push(`parent ${a.parentIndex} vs ${b.parentIndex}`);
      if (a.extAttrLength !== b.extAttrLength) diffs.push(`extended attribute length ${a.extAttrLength} vs ${b.extAttrLength}`);
      if (diffs.length) add(`path table entry ${a.index}: L and M differ: ${diffs.join(', ')}`);
    }
  }

  const { paths, problems } = resolvePathTable(l);
  for (const p of problems) add(p);
  for (const [path, lba] of dirs) {
    const t = paths.get(path);
    if (t === undefined) add(`directory ${path} is missing from the path table`);
    else if (t !== lba) add(`directory ${path}: the path table says LBA ${t}, the directory tree says LBA ${lba}`);
  }
  for (const path of paths.keys()) {
    if (!dirs.has(path)) add(`the path table lists ${path}, which is not in the directory tree`);
  }
  if (dropped) out.push(`… and ${dropped} more path table problems`);
  return out;
}

// ---- Serialization (the writer) -------------------------------------------------------------

export interface PathTableSpecEntry {
  identifier: Uint8Array;
  lba: number;
  /** 1-based number of the parent entry; the root is entry 1, with identifier [0] and parent 1. */
  parent: number;
}

/**
 * ECMA-119 9.4: one path table (type L: little-endian numbers, type M: big-endian), entries in
 * the order given (see pathTableOrder). No extended attribute records.
 */
export function serializePathTable(entries: PathTableSpecEntry[], littleEndian: boolean): Uint8Array {
  if (entries.length > 0xffff) {
    throw new UnsupportedFeatureError(`${entries.length} directories: a path table numbers at most 65535 (ECMA-119 9.4.4 parent numbers are 16-bit)`);
  }
  let size = 0;
  for (const e of entries) {
    if (e.identifier.length < 1 || e.identifier.length > 255) throw new InvalidArgumentError(`path table identifier length ${e.identifier.length} is not between 1 and 255`);
    size += recordLength(e.identifier.length);
  }
  const T = littleEndian ? PATH_TABLE_L : PATH_TABLE_M;
  const b = new Uint8Array(size);
  let pos = 0;
  entries.forEach((e, i) => {
    putNum(b, T.extentLba, e.lba, pos, `path table entry ${i + 1}: extent location`);
    if (!Number.isInteger(e.parent) || e.parent < 1 || e.parent > i + 1 || (i > 0 && e.parent === i + 1)) {
      throw new InvalidArgumentError(`path table entry ${i + 1}: parent number ${e.parent} does not name an earlier entry`);
    }
    putNum(b, T.identifierLength, e.identifier.length, pos);
    // Extended attribute record length stays 0 (none).
    putNum(b, T.parent, e.parent, pos);
    b.set(e.identifier, pos + PT_FIXED);
    pos += recordLength(e.identifier.length);
  });
  return b;
}

/**
 * ECMA-119 6.9.1 order of path table entries: by depth (level in the hierarchy), then by parent
 * directory number, then by identifier (shorter one padded with 0x20). Stable; returns a new array.
 * `parentIndex` must already be the parent's number in the final table, so callers number the
 * directories one depth at a time. `joliet`: identifiers are UCS-2 BE (padded with U+0020).
 */
export function pathTableOrder<T extends { identifier: Uint8Array; parentIndex: number; depth: number }>(dirs: T[], joliet = false): T[] {
  const unit = joliet ? 2 : 1;
  return dirs.slice().sort((a, b) => a.depth - b.depth || a.parentIndex - b.parentIndex || comparePadded(a.identifier, b.identifier, unit));
}
