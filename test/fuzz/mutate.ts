// The fuzzer's mutator: where to mutate (targets taken from the engine's own structure map of the
// clean fixture) and what to write there (seeded, deterministic per fixture + mutant index).
//
// Targets are generic: every field of every structure DiscImage.structures() returns (system area
// MBR/GPT/APM, volume descriptors, path tables, directory records with their SUSP/RRIP entries,
// El Torito, UDF descriptors when the image has a bridge), plus every directory reached through
// expandStructure(), plus the zisofs headers and block pointers of compressed files (file data the
// structure map does not describe). A new structure the engine learns to map (UDF file entries,
// container headers) becomes a target without a change here: its category falls back to 'other'
// until a line below names it.
import * as fs from 'fs';
import { DiscImage, type FileNode } from '../../src/engine/image';
import { FileSource } from '../../src/engine/io/fileSource';
import { mapStructures } from '../../src/engine/structureMap';
import type { Field, Structure } from '../../src/engine/structure/fields';
import { prng } from '../util/prng';

export type Category = 'system' | 'vd' | 'pathtable' | 'dir' | 'susp' | 'ce' | 'eltorito' | 'udf' | 'zisofs' | 'other';

/** One mutable field: absolute offset, byte length, how its value is encoded. */
export interface Target {
  o: number;
  l: number;
  /** Numeric encoding: u8, little/big-endian, ECMA-119 both-byte-order (LE half then BE half), or a byte string. */
  enc: 'u8' | 'le' | 'be' | 'both' | 'raw';
  kind: Field['kind'] | 'zisofs';
  cat: Category;
  /** An LBA/offset-like pointer (gets "another structure's LBA" values). */
  ptr: boolean;
  /** "<structure name> / <field name>", for reproducers. */
  what: string;
}

export interface FixtureTargets {
  fixture: string;
  size: number;
  /** Image size in 2048-byte blocks (rounded up). */
  blocks: number;
  /** End of the volume descriptor set (first sectors = system area + descriptors). */
  vdEnd: number;
  /** End of the metadata span random byte flips go to (descriptors, path tables, directories). */
  metaEnd: number;
  targets: Target[];
  /** Target indices per category (only non-empty categories). */
  byCat: Partial<Record<Category, number[]>>;
  /** LBAs of structures (directories, path tables, catalogs, descriptors, anchors). */
  lbas: number[];
  /** Directory extents (for loops, DAGs and overlaps). */
  dirs: Array<{ lba: number; length: number }>;
  /** Directories expanded while mapping, and milliseconds the map took. */
  expanded: number;
  ms: number;
}

/** One change to the clean image: overwrite bytes at `at`, or cut the image to `truncate` bytes. */
export type Mutation =
  | { at: number; old: string; new: string; what: string }
  | { truncate: number; what: string };

function categoryOf(type: string): Category {
  if (/^(mbr|gpt|apm)/.test(type)) return 'system';
  if (type === 'susp:CE') return 'ce';
  if (type.startsWith('susp:')) return 'susp';
  if (/^path-table/.test(type)) return 'pathtable';
  if (type === 'dir-record' || type === 'directory') return 'dir';
  if (/^(eltorito|boot-catalog|boot-image)/.test(type)) return 'eltorito';
  if (type.startsWith('udf')) return 'udf';
  if (/^(pvd|svd|evd|boot-record|terminator|vd)/.test(type)) return 'vd';
  return 'other';
}

const NUMERIC_KINDS = new Set(['number', 'pointer', 'length', 'flags', 'enum', 'checksum']);

function uint(b: Buffer, le: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[le ? b.length - 1 - i : i]);
  return v;
}

/** How a field's value is stored, inferred from its length, spec and raw bytes. */
function encodingOf(f: Field): Target['enc'] {
  if (!NUMERIC_KINDS.has(f.kind) || f.length > 8 || f.length === 3 || f.length === 0) return 'raw';
  if (f.length === 1) return 'u8';
  const raw = Buffer.from(f.raw.replace(/…$/, ''), 'hex');
  if ((f.length === 4 || f.length === 8) && (/7\.[23]\.3/.test(f.spec ?? '') || (raw.length === f.length && raw.subarray(0, f.length / 2).equals(Buffer.from(raw.subarray(f.length / 2)).reverse()) && uint(raw.subarray(0, f.length / 2), true) !== uint(raw, true)))) {
    return 'both';
  }
  if (typeof f.value === 'number' && raw.length === f.length) {
    const v = BigInt(Math.trunc(f.value));
    if (uint(raw, true) === v) return 'le';
    if (uint(raw, false) === v) return 'be';
  }
  return 'le';
}

const MAX_EXPANSIONS = 3000;
const MAX_ZISOFS_FILES = 64;

/**
 * Maps the clean image the way `info --structures` and the sector editor do (structures(), every
 * child, expandStructure() of every subdirectory record, each directory once) and turns every
 * field into a target. Also walks the Rock Ridge tree for zisofs files and adds their headers and
 * block pointers. `source` defaults to the file (the large fixture is mapped from its file too:
 * only metadata is read).
 */
export async function computeTargets(fixture: string, file: string): Promise<FixtureTargets> {
  const t0 = Date.now();
  const size = fs.statSync(file).size;
  const targets: Target[] = [];
  const lbas = new Set<number>();
  const dirs: Array<{ lba: number; length: number }> = [];
  let vdEnd = 17 * 2048;
  let metaEnd = 0;
  let expanded = 0;
  let img: DiscImage | null = null;
  try {
    img = await DiscImage.openFile(file);
  } catch {
    img = null; // not ISO 9660 (the GRUB rescue floppy): system area and random bytes only
  }
  const seenDirs = new Set<string>();
  const visit = async (s: Structure): Promise<void> => {
    const cat = categoryOf(s.type);
    if (s.target?.lba !== undefined) lbas.add(s.target.lba);
    if (cat === 'vd') vdEnd = Math.max(vdEnd, s.offset + s.length);
    if (cat !== 'system' && s.type !== 'boot-image' && s.offset < size) metaEnd = Math.max(metaEnd, s.offset + s.length);
    if (s.type === 'directory' && s.target?.lba !== undefined) dirs.push({ lba: s.target.lba, length: s.length });
    for (const f of s.fields) {
      if (f.length <= 0 || f.offset < 0 || f.offset + f.length > size) continue;
      targets.push({
        o: f.offset, l: f.length, enc: encodingOf(f), kind: f.kind, cat,
        ptr: f.kind === 'pointer' || /\b(LBA|Location|RBA|Extent)\b/i.test(f.name),
        what: `${s.name} / ${f.name}`,
      });
    }
    for (const c of s.children) await visit(c);
    if (img && img.isExpandable(s) && s.expand && expanded < MAX_EXPANSIONS) {
      const key = `${s.expand.tree}:${s.expand.lba}`;
      if (seenDirs.has(key)) return;
      seenDirs.add(key);
      expanded++;
      for (const x of (await img.expandStructure(s)) ?? []) await visit(x);
    }
  };
  try {
    if (img) {
      for (const s of await img.structures()) await visit(s);
      await zisofsTargets(img, targets);
    } else {
      const src = await FileSource.open(file);
      try {
        for (const s of (await mapStructures(src)).structures) await visit(s);
      } finally {
        await src.close();
      }
    }
  } finally {
    await img?.close();
  }
  metaEnd = Math.min(size, Math.max(metaEnd, vdEnd, Math.min(size, 256 * 2048)));
  const byCat: Partial<Record<Category, number[]>> = {};
  targets.forEach((t, i) => (byCat[t.cat] ??= []).push(i));
  for (let lba = 16; lba * 2048 < vdEnd; lba++) lbas.add(lba);
  return {
    fixture, size, blocks: Math.ceil(size / 2048), vdEnd: Math.min(vdEnd, size), metaEnd, targets, byCat,
    lbas: [...lbas].filter(l => l > 0).sort((a, b) => a - b), dirs, expanded, ms: Date.now() - t0,
  };
}

/** zisofs (and zisofs2) file headers and block pointers of compressed files in the Rock Ridge tree. */
async function zisofsTargets(img: DiscImage, targets: Target[]): Promise<void> {
  if (!img.namespaces.includes('rr')) return;
  img.setNamespace('rr');
  const files: FileNode[] = [];
  await img.walk(img.root, n => {
    if (n.zisofs && n.ranges.length > 0) files.push(n);
    return files.length < MAX_ZISOFS_FILES;
  });
  for (const n of files) {
    const base = n.ranges[0].offset;
    const head = Buffer.from(await img.source.read(base, Math.min(24, n.ranges[0].length)));
    if (head.length < 16) continue;
    const v2 = head[0] === 0xef;
    const add = (o: number, l: number, enc: Target['enc'], name: string, ptr = false, kind: Target['kind'] = 'zisofs'): void => {
      if (o + l <= base + n.ranges[0].length) targets.push({ o, l, enc, kind, cat: 'zisofs', ptr, what: `zisofs header of ${n.path} / ${name}` });
    };
    add(base, 8, 'raw', 'magic', false, 'magic');
    let headerSize: number, log2: number, size: number, ptrSize: number;
    if (v2) {
      add(base + 8, 1, 'u8', 'version'); add(base + 9, 1, 'u8', 'header size / 4'); add(base + 10, 1, 'u8', 'algorithm');
      add(base + 11, 1, 'u8', 'log2 block size'); add(base + 12, 8, 'le', 'uncompressed size');
      headerSize = head[9] * 4; log2 = head[11]; size = Number(head.readBigUInt64LE(12)); ptrSize = 8;
    } else {
      add(base + 8, 4, 'le', 'uncompressed size'); add(base + 12, 1, 'u8', 'header size / 4'); add(base + 13, 1, 'u8', 'log2 block size');
      headerSize = head[12] * 4; log2 = head[13]; size = head.readUInt32LE(8); ptrSize = 4;
    }
    const blocks = log2 >= 15 && log2 <= 17 ? Math.ceil(size / 2 ** log2) : 0;
    // The first, second, last and a few middle block pointers (the table has blocks + 1 entries).
    const picks = new Set([0, 1, blocks - 1, blocks, Math.floor(blocks / 2)].filter(i => i >= 0 && i <= blocks));
    for (const i of picks) add(base + headerSize + i * ptrSize, ptrSize, 'le', `block pointer ${i}`, true);
  }
}

// ---- mutation generation ---------------------------------------------------------------------

/** Uniform [0, 1) and integers from the shared mulberry32 PRNG. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) { this.next = prng(seed); }
  float(): number { return this.next() / 4294967296; }
  int(n: number): number { return Math.floor(this.float() * n); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  bytes(n: number): Buffer { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = this.int(256); return b; }
  /** A 64-bit value (BigInt) with random bits below `bits`. */
  bits(bits: number): bigint {
    let v = 0n;
    for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt(this.next());
    return v & ((1n << BigInt(bits)) - 1n);
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h;
}

/** The PRNG seed of one mutant: a mix of the campaign seed, the fixture name and the mutant index. */
export function mutantSeed(seed: number, fixture: string, index: number): number {
  let h = (fnv1a(fixture) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  h = (h ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

export interface GenerateOptions {
  /** Most mutation steps per mutant (1..N, skewed towards few; a compound step writes up to 3 fields). */
  maxMutations: number;
  /** False for the sparse >4 GiB fixture: no truncation (the overlay cannot cut), metadata only. */
  truncate: boolean;
}

/** Reads `len` clean bytes at `at` (clipped at the end of the image). */
export type ReadClean = (at: number, len: number) => Buffer;

function encode(v: bigint, len: number, le: boolean): Buffer {
  const b = Buffer.alloc(len);
  const mask = (1n << BigInt(len * 8)) - 1n;
  let x = ((v % (mask + 1n)) + (mask + 1n)) & mask;
  for (let i = 0; i < len; i++) { b[le ? i : len - 1 - i] = Number(x & 0xffn); x >>= 8n; }
  return b;
}

const HOSTILE_TEXT = ['..', '.', '/', 'a/b', '../../../../tmp/x', '\0', '\x1b]0;pwned\x07', '\x1b[2J', '[x](command:workbench.action.terminal.new)', 'CON', 'a\\b', ':', '\u00ff\u00fe'];

/** A new value for a numeric field of `len` bytes (both-endian fields: one half's width). */
function numericValue(rng: Rng, t: Target, width: number, old: bigint, ft: FixtureTargets): [bigint, string] {
  const bits = width * 8;
  const max = (1n << BigInt(bits)) - 1n;
  const small = BigInt(2 + rng.int(31));
  const choices: Array<() => [bigint, string]> = [
    () => [0n, '0'], () => [1n, '1'], () => [max, 'max'], () => [max - 1n, 'max-1'],
    () => [old + 1n, '+1'], () => [old - 1n, '-1'], () => [old + small, `+${small}`], () => [old - small, `-${small}`],
    () => [rng.bits(bits), 'random'], () => { const k = rng.int(bits); return [1n << BigInt(k), `2^${k}`]; },
    () => [1n << BigInt(bits - 1), 'sign bit'], () => [old | (1n << BigInt(bits - 1)), 'old|sign bit'],
    () => [BigInt(ft.blocks) + BigInt(rng.int(3) - 1), 'image blocks±1'],
    () => [old * 2n, 'old*2'], () => [old * 2048n, 'old*2048'],
  ];
  if (t.ptr || t.kind === 'length') {
    const lbaChoices: Array<() => [bigint, string]> = [
      () => ft.lbas.length ? [BigInt(rng.pick(ft.lbas)), 'another structure\'s LBA'] : [0n, '0'],
      () => ft.dirs.length ? [BigInt(rng.pick(ft.dirs).lba), 'a directory\'s LBA'] : [16n, 'LBA 16'],
      () => [BigInt(ft.blocks), 'image blocks'], () => [BigInt(ft.size), 'image bytes'], () => [BigInt(ft.blocks * 4), 'image 512-byte sectors'],
      () => ft.dirs.length ? [BigInt(rng.pick(ft.dirs).length), 'a directory\'s length'] : [2048n, '2048'],
    ];
    choices.push(...lbaChoices, ...lbaChoices); // weighted: pointers mostly point elsewhere
  }
  return rng.pick(choices)();
}

/** New bytes for a byte-string field (text, dates, magic, GUIDs, reserved, blobs). */
function rawValue(rng: Rng, t: Target, old: Buffer): [Buffer, string] {
  const b = Buffer.from(old);
  const r = rng.int(8);
  if (r === 0) return [rng.bytes(b.length), 'random bytes'];
  if (r === 1) { b.fill(0); return [b, 'zeros']; }
  if (r === 2) { b.fill(0xff); return [b, '0xff…']; }
  if (r === 3 && (t.kind === 'text')) {
    const s = Buffer.from(rng.pick(HOSTILE_TEXT), 'latin1');
    const at = rng.int(Math.max(1, b.length - s.length + 1));
    s.copy(b, at, 0, Math.min(s.length, b.length - at));
    return [b, `text ${JSON.stringify(s.toString('latin1'))}`];
  }
  if (r === 4) { const i = rng.int(b.length); b[i] ^= 1 << rng.int(8); return [b, `bit flip at +${i}`]; }
  // A short run of random bytes somewhere in the field.
  const len = Math.min(b.length, 1 + rng.int(8));
  const at = rng.int(b.length - len + 1);
  rng.bytes(len).copy(b, at);
  return [b, `random run +${at}..${at + len}`];
}

/** A mutation of one target field. */
function mutateTarget(rng: Rng, t: Target, ft: FixtureTargets, read: ReadClean): Mutation {
  const old = read(t.o, t.l);
  let nu: Buffer;
  let how: string;
  if (t.enc === 'raw') {
    [nu, how] = rawValue(rng, t, old);
  } else if (t.enc === 'both') {
    const half = t.l / 2;
    const [v, h] = numericValue(rng, t, half, uint(old.subarray(0, half), true), ft);
    const le = encode(v, half, true), be = encode(v, half, false);
    const r = rng.int(10);
    if (r === 0) { nu = Buffer.concat([le, old.subarray(half)]); how = `${h} (little-endian half only)`; }
    else if (r === 1) { nu = Buffer.concat([old.subarray(0, half), be]); how = `${h} (big-endian half only)`; }
    else { nu = Buffer.concat([le, be]); how = h; }
  } else {
    const le = t.enc !== 'be';
    if (rng.int(8) === 0) { nu = Buffer.from(old); const i = rng.int(t.l); nu[i] ^= 1 << rng.int(8); how = 'bit flip'; }
    else { const [v, h] = numericValue(rng, t, t.l, uint(old, le), ft); nu = encode(v, t.l, le); how = h; }
  }
  return { at: t.o, old: old.toString('hex'), new: nu.toString('hex'), what: `${t.what} := ${how}` };
}

/** Targets the compound mutations start from (found once per fixture map). */
interface Anchors { extents: Target[]; ces: Target[]; zfSizes: Target[] }
const anchorCache = new WeakMap<FixtureTargets, Anchors>();
function anchors(ft: FixtureTargets): Anchors {
  let a = anchorCache.get(ft);
  if (!a) {
    a = {
      extents: ft.targets.filter(t => t.cat === 'dir' && t.enc === 'both' && t.what.endsWith('/ Location of Extent')),
      ces: ft.targets.filter(t => t.cat === 'ce' && t.enc === 'both' && t.what.endsWith('/ Location of Continuation of System Use Area')),
      zfSizes: ft.targets.filter(t => t.what.endsWith('/ Uncompressed Size') || t.what.endsWith('/ uncompressed size')),
    };
    anchorCache.set(ft, a);
  }
  return a;
}

function both32(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(v >>> 0, 0);
  b.writeUInt32BE(v >>> 0, 4);
  return b;
}

/**
 * Mutations of several fields that only make sense together, aimed at the shapes of known hostile
 * images: a directory record re-pointed at another directory (extent, length and directory flag:
 * loops, DAGs, overlaps), a Rock Ridge CE entry copied from another record (continuation areas
 * shared by many records), an interleaved file (file unit size, gap, a huge length), a zisofs
 * file claiming a huge size. Each field is its own mutation, so delta debugging can drop parts.
 */
function compound(rng: Rng, ft: FixtureTargets, read: ReadClean): Mutation[] {
  const a = anchors(ft);
  const kinds = [
    a.extents.length && ft.dirs.length ? 'graft' : '', a.ces.length >= 2 ? 'share-ce' : '',
    a.extents.length ? 'interleave' : '', a.zfSizes.length ? 'zisofs-size' : '',
  ].filter(Boolean);
  if (!kinds.length) return [];
  const put = (at: number, nu: Buffer, what: string): Mutation => ({ at, old: read(at, nu.length).toString('hex'), new: nu.toString('hex'), what });
  switch (rng.pick(kinds)) {
    case 'graft': {
      const t = rng.pick(a.extents), d = rng.pick(ft.dirs);
      const flags = read(t.o + 23, 1)[0] | 2;
      const rec = t.what.replace(/ \/ Location of Extent$/, '');
      return [
        put(t.o, both32(d.lba), `${rec}: extent := directory at LBA ${d.lba} (graft)`),
        put(t.o + 8, both32(d.length), `${rec}: data length := ${d.length} (graft)`),
        put(t.o + 23, Buffer.from([flags]), `${rec}: flags |= directory (graft)`),
      ];
    }
    case 'share-ce': {
      const from = rng.pick(a.ces), to = rng.pick(a.ces);
      return [put(to.o, read(from.o, 24), `${to.what.replace(/ \/ Location.*$/, '')} := the CE of ${from.what.replace(/ \/ Location.*$/, '')} (shared continuation area)`)];
    }
    case 'interleave': {
      const t = rng.pick(a.extents);
      const rec = t.what.replace(/ \/ Location of Extent$/, '');
      const len = rng.pick([0xffffffff, 300 * 1024 * 1024, ft.size, ft.size * 4]);
      return [
        put(t.o + 24, Buffer.from([1 + rng.int(3)]), `${rec}: file unit size (interleave)`),
        put(t.o + 25, Buffer.from([1 + rng.int(3)]), `${rec}: interleave gap (interleave)`),
        put(t.o + 8, both32(len), `${rec}: data length := ${len} (interleave)`),
      ];
    }
    default: {
      const t = rng.pick(a.zfSizes);
      const v = rng.pick([0xffffffff, 0x80000000, 1 << 30]);
      const nu = t.enc === 'both' ? both32(v) : t.l === 8 ? Buffer.from(encode(BigInt(v) * BigInt(1 + rng.int(1000)), 8, true)) : encode(BigInt(v), t.l, true);
      return [put(t.o, nu, `${t.what} := ${v} (zisofs expansion)`)];
    }
  }
}

/** The mutations of one mutant (deterministic in seed, fixture and index). */
export function generateMutations(ft: FixtureTargets, seed: number, index: number, read: ReadClean, opts: GenerateOptions): Mutation[] {
  const rng = new Rng(mutantSeed(seed, ft.fixture, index));
  const n = 1 + Math.floor(rng.float() ** 2 * opts.maxMutations);
  const out: Mutation[] = [];
  const cats = (Object.keys(ft.byCat) as Category[]);
  let truncated = false;
  for (let k = 0; k < n; k++) {
    const r = rng.float();
    if (r < 0.08 && ft.targets.length > 0) {
      const c = compound(rng, ft, read);
      if (c.length) { out.push(...c); continue; }
    }
    if (r < 0.6 && ft.targets.length > 0) {
      // A targeted field: first a category (so 10,000 directory records do not drown 4 MBR
      // entries), then a field in it.
      const idx = ft.byCat[rng.pick(cats)]!;
      out.push(mutateTarget(rng, ft.targets[rng.pick(idx)], ft, read));
    } else if (r < 0.75) {
      // Random bytes in the first sectors: the system area and the volume descriptors.
      const len = 1 + rng.int(rng.int(4) === 0 ? 64 : 4);
      const at = rng.int(Math.max(1, ft.vdEnd - len));
      const nu = rng.int(3) === 0 ? Buffer.alloc(len, rng.pick([0, 0xff])) : rng.bytes(len);
      out.push({ at, old: read(at, len).toString('hex'), new: nu.toString('hex'), what: `first sectors: ${len} byte(s) at ${at}` });
    } else if (r < 0.92 || !opts.truncate || truncated) {
      // A byte anywhere in the metadata span (path tables, directories, continuation areas, catalogs).
      const at = rng.int(Math.max(1, ft.metaEnd));
      const nu = Buffer.from([rng.pick([0, 0xff, rng.int(256), rng.int(256)])]);
      out.push({ at, old: read(at, 1).toString('hex'), new: nu.toString('hex'), what: `metadata byte at ${at}` });
    } else {
      // Truncation, mostly at a sector boundary: inside the descriptors, right after a structure,
      // anywhere.
      truncated = true;
      const s = rng.int(4);
      let cut: number;
      if (s === 0) cut = (16 + rng.int(Math.max(1, ft.vdEnd / 2048 - 15))) * 2048;
      else if (s === 1 && ft.lbas.length) cut = (rng.pick(ft.lbas) + rng.int(2)) * 2048;
      else if (s === 2) cut = rng.int(ft.size);
      else cut = rng.int(ft.blocks) * 2048;
      cut = Math.min(cut, ft.size);
      out.push({ truncate: cut, what: `truncate to ${cut} bytes${cut % 2048 === 0 ? ` (${cut / 2048} sectors)` : ''}` });
    }
  }
  return out;
}

/** Applies overwrites and the (last) truncation to a copy of the clean image. */
export function applyMutations(clean: Buffer, muts: Mutation[]): Buffer {
  const b = Buffer.from(clean);
  let cut = b.length;
  for (const m of muts) {
    if ('truncate' in m) { cut = Math.min(cut, m.truncate); continue; }
    const nu = Buffer.from(m.new, 'hex');
    nu.copy(b, m.at, 0, Math.max(0, Math.min(nu.length, b.length - m.at)));
  }
  return cut < b.length ? b.subarray(0, cut) : b;
}
