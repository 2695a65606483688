// Rock Ridge serialization: SUSP 1.12 entries (SP 5.3, CE 5.1, ER 5.5) and RRIP 1.12 4.1 entries
// (PX, PN, SL, NM, CL, PL, RE, TF) plus the zisofs ZF entry, packed into a directory record's System
// Use field and one Continuation Area. The readers are susp.ts and rrip.ts.
import { InvalidArgumentError, UnsupportedFeatureError } from '../errors';
import { encodeDate7 } from '../iso9660/dates';
import { putBoth32 } from '../bytes/endian';
import { RR_CONTINUE, RR_CURRENT, RR_PARENT, RR_ROOT } from './rrip';
import { concat } from '../bytes/concat';

export { systemUseRoom } from '../iso9660/directoryRecord';

export interface RripAttrs {
  /** NM (left out for "." and ".."). */
  name?: string;
  /** PX: 44 bytes (RRIP 1.12, with the serial number) when ino is given, else 36. */
  mode: number; nlink: number; uid: number; gid: number; ino?: number;
  /** TF, 7-byte form: modify, access, attributes (ctime). */
  mtime: Date | null; atime: Date | null; ctime: Date | null;
  /** SL: symbolic link target. */
  target?: string;
  /** PN: device number. */
  rdev?: { major: number; minor: number };
  /** ZF (zisofs). */
  zisofs?: { algorithm: string; headerSizeDiv4: number; log2BlockSize: number; uncompressedSize: number };
  /** CL: LBA of the relocated directory (in the placeholder record left in the original parent). */
  childLink?: number;
  /** PL: in the relocated directory's ".." record, LBA of the original parent. */
  parentLink?: number;
  /** RE: in the relocated directory's record under rr_moved. */
  relocated?: boolean;
}

/** A CE entry is always 28 bytes (SUSP 5.1). */
export const CE_ENTRY_LENGTH = 28;
/** Largest Continuation Area written for one record (one logical block). */
export const MAX_CONTINUATION = 2048;

/** RRIP 1.10 ER strings, as mkisofs and xorriso write them. */
export const RRIP_ER = {
  id: 'RRIP_1991A',
  descriptor: 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS',
  source: 'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.',
} as const;

/** Most content bytes in one NM or SL entry (255 - 5-byte header). */
const MAX_BODY = 250;

const utf8 = new TextEncoder();

function entry(sig: string, body: ArrayLike<number>): Uint8Array {
  const len = 4 + body.length;
  if (len > 255) throw new InvalidArgumentError(`${sig} entry would be ${len} bytes; a System Use entry holds at most 255`);
  const b = new Uint8Array(len);
  b[0] = sig.charCodeAt(0); b[1] = sig.charCodeAt(1); b[2] = len; b[3] = 1;
  b.set(body, 4);
  return b;
}

function both32(values: number[], what: string): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(`${what} ${v} does not fit in 32 bits`);
    putBoth32(b, i * 8, v);
  });
  return b;
}

function latin1Bytes(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

/** SUSP 5.3 SP: check bytes BE EF, LEN_SKP 0. */
function sp(): Uint8Array { return entry('SP', [0xbe, 0xef, 0]); }

/** SUSP 5.5 ER for RRIP_1991A. */
function er(): Uint8Array {
  const { id, descriptor, source } = RRIP_ER;
  return entry('ER', [id.length, descriptor.length, source.length, 1, ...latin1Bytes(id), ...latin1Bytes(descriptor), ...latin1Bytes(source)]);
}

/** RRIP 1.12 4.1.1 PX. */
function px(a: RripAttrs): Uint8Array {
  const v = [a.mode, a.nlink, a.uid, a.gid];
  if (a.ino !== undefined) v.push(a.ino);
  return entry('PX', both32(v, 'PX field'));
}

/** RRIP 1.12 4.1.6 TF, 7-byte stamps: MODIFY (bit 1), ACCESS (bit 2), ATTRIBUTES (bit 3). */
function tf(a: RripAttrs): Uint8Array | null {
  const stamps: Array<[number, Date | null]> = [[0x02, a.mtime], [0x04, a.atime], [0x08, a.ctime]];
  let flags = 0;
  const body: number[] = [0];
  for (const [bit, d] of stamps) {
    if (!d) continue;
    flags |= bit;
    body.push(...encodeDate7(d));
  }
  if (!flags) return null;
  body[0] = flags;
  return entry('TF', body);
}

/** RRIP 1.12 4.1.2 PN: dev_t high and low 32 bits, glibc encoding (what libisofs writes and image.ts decodes). */
function pn(rdev: { major: number; minor: number }): Uint8Array {
  const { major, minor } = rdev;
  if (!Number.isInteger(major) || major < 0 || major > 0xffffffff || !Number.isInteger(minor) || minor < 0 || minor > 0xffffffff) {
    throw new InvalidArgumentError(`device number ${major}:${minor} does not fit in 32 bits each`);
  }
  const low = (((major & 0xfff) << 8) | (minor & 0xff) | ((minor & 0xfff00) << 12)) >>> 0;
  const high = ((major & 0xfffff000) | ((minor >>> 20) & 0xfff)) >>> 0;
  return entry('PN', both32([high, low], 'PN field'));
}

/** zisofs ZF entry: algorithm, header size / 4, log2 block size, uncompressed size (both-endian 32). */
function zf(z: NonNullable<RripAttrs['zisofs']>): Uint8Array {
  if (z.algorithm.length !== 2) throw new InvalidArgumentError(`ZF algorithm ${JSON.stringify(z.algorithm)} is not two characters`);
  for (const [v, what] of [[z.headerSizeDiv4, 'header size / 4'], [z.log2BlockSize, 'log2 block size']] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new InvalidArgumentError(`ZF ${what} ${v} does not fit in one byte`);
  }
  return entry('ZF', [...latin1Bytes(z.algorithm), z.headerSizeDiv4, z.log2BlockSize, ...both32([z.uncompressedSize], 'ZF uncompressed size')]);
}

/** RRIP 1.12 4.1.4 NM entries: the name in pieces of at most 250 bytes, all but the last flagged CONTINUE. */
function nm(name: string): Uint8Array[] {
  const bytes = utf8.encode(name);
  if (bytes.length === 0) throw new InvalidArgumentError('empty Rock Ridge name');
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += MAX_BODY) {
    const piece = bytes.subarray(i, i + MAX_BODY);
    out.push(entry('NM', [i + MAX_BODY < bytes.length ? RR_CONTINUE : 0, ...piece]));
  }
  return out;
}

/** One SL component record: flags, length, content. */
type SlComponent = { flags: number; content: Uint8Array };

/** Components of a symlink target: ROOT for a leading '/', CURRENT / PARENT for "." / "..", empty parts dropped. */
function slComponents(target: string): SlComponent[] {
  if (target === '') throw new InvalidArgumentError('empty symbolic link target');
  const comps: SlComponent[] = [];
  const parts = target === '/' ? [] : target.split('/');
  if (target.startsWith('/')) { comps.push({ flags: RR_ROOT, content: new Uint8Array(0) }); parts.shift(); }
  // An empty part ("a//b", "dir/") is an empty component: readers (Linux, libarchive, ours) put
  // a slash between components, so the target reads back exactly as it was.
  for (const part of parts) {
    if (part === '') comps.push({ flags: 0, content: new Uint8Array(0) });
    else if (part === '.') comps.push({ flags: RR_CURRENT, content: new Uint8Array(0) });
    else if (part === '..') comps.push({ flags: RR_PARENT, content: new Uint8Array(0) });
    else comps.push({ flags: 0, content: utf8.encode(part) });
  }
  return comps;
}

/** Builds an SL entry (RRIP 1.12 4.1.3) from component records. */
function slEntry(flags: number, comps: SlComponent[]): Uint8Array {
  const body: number[] = [flags];
  for (const c of comps) body.push(c.flags, c.content.length, ...c.content);
  return entry('SL', body);
}

/**
 * RRIP 1.12 4.1.3 SL entries: components packed into entries of at most 250 body bytes; a
 * component is split (component flag CONTINUE) only when it cannot fit whole into an empty entry;
 * all entries but the last carry the entry flag CONTINUE.
 */
function sl(target: string): Uint8Array[] {
  const groups: SlComponent[][] = [[]];
  let used = 1; // entry flags byte
  for (const c of slComponents(target)) {
    let content = c.content;
    for (;;) {
      const room = MAX_BODY - used;
      if (2 + content.length <= room) {
        groups[groups.length - 1].push({ flags: c.flags, content });
        used += 2 + content.length;
        break;
      }
      if (2 + content.length > MAX_BODY - 1 && room >= 3) {
        groups[groups.length - 1].push({ flags: c.flags | RR_CONTINUE, content: content.subarray(0, room - 2) });
        content = content.subarray(room - 2);
      }
      groups.push([]);
      used = 1;
    }
  }
  return groups.map((g, i) => slEntry(i < groups.length - 1 ? RR_CONTINUE : 0, g));
}

/**
 * Complete SUSP entries for one directory record, in recording order. 'root-dot' (the root's "."
 * record) starts with SP and ends with ER (RRIP_1991A), which may go to the continuation area.
 * NM is left out for "." and "..".
 */
export function rripEntries(a: RripAttrs, kind: 'root-dot' | 'dot' | 'dotdot' | 'normal'): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (kind === 'root-dot') out.push(sp());
  out.push(px(a));
  const t = tf(a);
  if (t) out.push(t);
  if (a.rdev) out.push(pn(a.rdev));
  if (a.childLink !== undefined) out.push(entry('CL', both32([a.childLink], 'CL location')));
  if (a.parentLink !== undefined) out.push(entry('PL', both32([a.parentLink], 'PL location')));
  if (a.relocated) out.push(entry('RE', []));
  if (a.zisofs) out.push(zf(a.zisofs));
  if (a.target !== undefined) out.push(...sl(a.target));
  if (a.name !== undefined && kind === 'normal') out.push(...nm(a.name));
  if (kind === 'root-dot') out.push(er());
  return out;
}

const RR_NAME_HINT = ' (is the name or the symbolic link target several kilobytes long?)';

const sigOf = (e: Uint8Array): string => String.fromCharCode(e[0], e[1]);

/**
 * Splits an NM or SL entry so that its first part takes at most `room` bytes; null when no useful
 * first part fits. The first part gets the entry flag CONTINUE; an SL component cut in two gets
 * the component flag CONTINUE.
 */
function splitEntry(e: Uint8Array, room: number): [Uint8Array, Uint8Array] | null {
  const sig = sigOf(e);
  const flags = e[4];
  if (sig === 'NM') {
    const content = e.subarray(5);
    const n = room - 5;
    if (n < 1 || n >= content.length) return null;
    return [entry('NM', [flags | RR_CONTINUE, ...content.subarray(0, n)]), entry('NM', [flags, ...content.subarray(n)])];
  }
  if (sig !== 'SL') return null;
  const comps: SlComponent[] = [];
  for (let p = 5; p + 2 <= e.length; p += 2 + e[p + 1]) comps.push({ flags: e[p], content: e.subarray(p + 2, p + 2 + e[p + 1]) });
  const head: SlComponent[] = [];
  let used = 5;
  let i = 0;
  for (; i < comps.length && used + 2 + comps[i].content.length <= room; i++) {
    head.push(comps[i]);
    used += 2 + comps[i].content.length;
  }
  const tail = comps.slice(i);
  if (tail.length && room - used >= 3 && tail[0].content.length > 1) {
    const c = tail[0];
    const n = Math.min(room - used - 2, c.content.length - 1);
    head.push({ flags: c.flags | RR_CONTINUE, content: c.content.subarray(0, n) });
    tail[0] = { flags: c.flags, content: c.content.subarray(n) };
  }
  if (!head.length || !tail.length) return null;
  return [slEntry(flags | RR_CONTINUE, head), slEntry(flags, tail)];
}


/**
 * SUSP 5.1: splits entries (in order) between the record's System Use field (at most `room` bytes,
 * see systemUseRoom) and ONE Continuation Area of at most 2048 bytes. When they do not all fit,
 * the in-record part ends with a CE entry whose location, offset and length are zero, at
 * `ceOffset` (patch it with patchCe). Only NM and SL entries are split (CONTINUE flag).
 * A continuation over 2048 bytes → UnsupportedFeatureError naming the entry.
 */
export function packSystemUse(entries: Uint8Array[], room: number): { inRecord: Uint8Array; continuation: Uint8Array | null; ceOffset: number | null } {
  let total = 0;
  for (const e of entries) total += e.length;
  if (total <= room) return { inRecord: concat(entries), continuation: null, ceOffset: null };
  const cap = room - CE_ENTRY_LENGTH;
  if (cap < 0) {
    throw new UnsupportedFeatureError(`the directory record has room for ${room} System Use bytes, too few for a CE entry (${CE_ENTRY_LENGTH}); shorten the ISO 9660 name`);
  }
  const head: Uint8Array[] = [];
  let used = 0;
  let i = 0;
  for (; i < entries.length && used + entries[i].length <= cap; i++) {
    head.push(entries[i]);
    used += entries[i].length;
  }
  const rest = entries.slice(i);
  const split = splitEntry(rest[0], cap - used);
  if (split) {
    head.push(split[0]);
    used += split[0].length;
    rest[0] = split[1];
  }
  const ce = new Uint8Array(CE_ENTRY_LENGTH);
  ce[0] = 0x43; ce[1] = 0x45; ce[2] = CE_ENTRY_LENGTH; ce[3] = 1;
  head.push(ce);
  let n = 0;
  for (const e of rest) {
    n += e.length;
    if (n > MAX_CONTINUATION) {
      throw new UnsupportedFeatureError(`Rock Ridge ${sigOf(e)} entry does not fit: the System Use entries of one record need more than ${MAX_CONTINUATION} bytes of continuation area${RR_NAME_HINT}`);
    }
  }
  return { inRecord: concat(head), continuation: concat(rest), ceOffset: used };
}

/** Fills the CE placeholder (SUSP 5.1: block, offset and length, each both-endian 32). */
export function patchCe(inRecord: Uint8Array, ceOffset: number, lba: number, offset: number, length: number): void {
  if (ceOffset < 0 || ceOffset + CE_ENTRY_LENGTH > inRecord.length || inRecord[ceOffset] !== 0x43 || inRecord[ceOffset + 1] !== 0x45) {
    throw new InvalidArgumentError(`no CE entry at offset ${ceOffset} of the System Use field`);
  }
  if (offset + length > MAX_CONTINUATION) throw new InvalidArgumentError(`continuation area at offset ${offset}, ${length} bytes, crosses the end of its block`);
  inRecord.set(both32([lba, offset, length], 'CE field'), ceOffset + 4);
}
