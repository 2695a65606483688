// Rock Ridge serialization of one directory record: its SUSP and RRIP entries in recording order
// (rripEntries) and their packing into the record's System Use field and one Continuation Area
// (packSystemUse, patchCe). Each entry's layout and serializer live with its structure:
// suspEntry.ts (SP, CE, ER), rripAttributes.ts (PX, PN, CL, PL, RE, TF), rripNames.ts (NM, SL),
// zisofs.ts (ZF).
import { UnsupportedFeatureError } from '../errors';
import { concat } from '../bytes/concat';
import { serializeLoc, serializePn, serializePx, serializeRe, serializeTf } from './rripAttributes';
import { serializeNm, serializeSl, splitNameEntry } from './rripNames';
import { CE_ENTRY_LENGTH, cePlaceholder, fillCe, serializeEr, serializeSp } from './suspEntry';
import { serializeZf } from './zisofs';

export { systemUseRoom } from '../iso9660/directoryRecord';
export { CE_ENTRY_LENGTH } from './suspEntry';

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

/** Largest Continuation Area written for one record (one logical block). */
export const MAX_CONTINUATION = 2048;

/** RRIP 1.10 ER strings, as mkisofs and xorriso write them. */
export const RRIP_ER = {
  id: 'RRIP_1991A',
  descriptor: 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS',
  source: 'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.',
} as const;

/**
 * Complete SUSP entries for one directory record, in recording order. 'root-dot' (the root's "."
 * record) starts with SP and ends with ER (RRIP_1991A), which may go to the continuation area.
 * NM is left out for "." and "..".
 */
export function rripEntries(a: RripAttrs, kind: 'root-dot' | 'dot' | 'dotdot' | 'normal'): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (kind === 'root-dot') out.push(serializeSp());
  out.push(serializePx(a));
  const t = serializeTf(a.mtime, a.atime, a.ctime);
  if (t) out.push(t);
  if (a.rdev) out.push(serializePn(a.rdev));
  if (a.childLink !== undefined) out.push(serializeLoc('CL', a.childLink));
  if (a.parentLink !== undefined) out.push(serializeLoc('PL', a.parentLink));
  if (a.relocated) out.push(serializeRe());
  if (a.zisofs) out.push(serializeZf(a.zisofs));
  if (a.target !== undefined) out.push(...serializeSl(a.target));
  if (a.name !== undefined && kind === 'normal') out.push(...serializeNm(a.name));
  if (kind === 'root-dot') out.push(serializeEr(RRIP_ER));
  return out;
}

const RR_NAME_HINT = ' (is the name or the symbolic link target several kilobytes long?)';

const sigOf = (e: Uint8Array): string => String.fromCharCode(e[0], e[1]);

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
  const split = splitNameEntry(rest[0], cap - used);
  if (split) {
    head.push(split[0]);
    used += split[0].length;
    rest[0] = split[1];
  }
  head.push(cePlaceholder());
  let n = 0;
  for (const e of rest) {
    n += e.length;
    if (n > MAX_CONTINUATION) {
      throw new UnsupportedFeatureError(`Rock Ridge ${sigOf(e)} entry does not fit: the System Use entries of one record need more than ${MAX_CONTINUATION} bytes of continuation area${RR_NAME_HINT}`);
    }
  }
  return { inRecord: concat(head), continuation: concat(rest), ceOffset: used };
}

/** Fills the CE placeholder (SUSP 5.1: block, offset and length, each both-endian 32); the area stays within one 2048-byte block. */
export function patchCe(inRecord: Uint8Array, ceOffset: number, lba: number, offset: number, length: number): void {
  fillCe(inRecord, ceOffset, lba, offset, length, MAX_CONTINUATION);
}
