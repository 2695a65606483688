// Rock Ridge (RRIP 1.12 4.1) attribute entries — PX 4.1.1, PN 4.1.2, CL/PL/RE 4.1.5, TF 4.1.6,
// SF 4.1.7, and RR (RRIP 1.09) — each with its field table (offsets from the first byte after the
// 4-byte SUSP header), its decoder (recording the structure map through a FieldReader) and its
// serializer. Names and symbolic links (NM, SL, AL) are in rripNames.ts, ZF in zisofs.ts.
import { InvalidArgumentError } from '../errors';
import type { IsoDate } from '../iso9660/dates';
import { date17Field, date7Field, encodeDate7 } from '../iso9660/dates';
import type { FieldReader } from '../structure/fields';
import { layout, layoutEnd, putNum } from '../structure/layout';
import type { SuspEntry } from './susp';
import { SUSP_HEADER_SIZE, suspEntry } from './suspEntry';

export const RRIP = 'RRIP 1.12';

/** A decoder's result: the value, plus a problem when the entry is malformed (value may still be partial). */
export interface Out<T> { value?: T; problem?: string }

export function short(sig: string, len: number, need: number): string {
  return `${sig} entry too short (${len} bytes, needs ${need})`;
}

/** RRIP 1.12 4.1.1 PX body (the serial number only in RRIP 1.12, length 44). */
export const PX = layout({
  mode: { at: 0, type: 'both32', name: 'POSIX File Mode', spec: `${RRIP} 4.1.1`, kind: 'flags' },
  nlink: { at: 8, type: 'both32', name: 'POSIX File Links', spec: `${RRIP} 4.1.1` },
  uid: { at: 16, type: 'both32', name: 'POSIX File User ID', spec: `${RRIP} 4.1.1` },
  gid: { at: 24, type: 'both32', name: 'POSIX File Group ID', spec: `${RRIP} 4.1.1` },
  ino: { at: 32, type: 'both32', name: 'POSIX File Serial Number', spec: `${RRIP} 4.1.1` },
});
/** RRIP 1.12 4.1.2 PN body. */
export const PN = layout({
  high: { at: 0, type: 'both32', name: 'Dev_t High', spec: `${RRIP} 4.1.2` },
  low: { at: 8, type: 'both32', name: 'Dev_t Low', spec: `${RRIP} 4.1.2` },
});
/** RRIP 1.12 4.1.5.1 CL and 4.1.5.2 PL bodies. */
export const CL = layout({ location: { at: 0, type: 'both32', name: 'Location of Child Directory', spec: `${RRIP} 4.1.5.1`, kind: 'pointer' } });
export const PL = layout({ location: { at: 0, type: 'both32', name: 'Location of Parent Directory', spec: `${RRIP} 4.1.5.2`, kind: 'pointer' } });
/** RRIP 1.12 4.1.6 TF body: flags, then the flagged time stamps (7 or 17 bytes each). */
export const TF = layout({ flags: { at: 0, type: 'u8', name: 'Flags', spec: `${RRIP} 4.1.6`, kind: 'flags' } });
/** RRIP 1.12 4.1.7 SF body; RRIP 1.10 drafts recorded only `size` (length 12). */
export const SF = layout({
  high: { at: 0, type: 'both32', name: 'Virtual File Size High', spec: `${RRIP} 4.1.7`, kind: 'length' },
  low: { at: 8, type: 'both32', name: 'Virtual File Size Low', spec: `${RRIP} 4.1.7`, kind: 'length' },
  tableDepth: { at: 16, type: 'u8', name: 'Table Depth', spec: `${RRIP} 4.1.7` },
});
const SF_SHORT = layout({ size: { at: 0, type: 'both32', name: 'Virtual File Size', spec: `${RRIP} 4.1.7`, kind: 'length' } });
/** RRIP 1.09 4.1.1 RR body (dropped in 1.12). */
export const RR = layout({ flags: { at: 0, type: 'u8', name: 'Flags', spec: 'RRIP 1.09 4.1.1', kind: 'flags' } });

export const TF_NAMES = ['created', 'modified', 'accessed', 'attributes', 'backup', 'expiration', 'effective'] as const;
const TF_LONG_FORM = 0x80;

export type Px = { mode: number; nlink: number; uid: number; gid: number; ino?: number };
export type Tf = { created?: IsoDate; modified?: IsoDate; accessed?: IsoDate; attributes?: IsoDate; backup?: IsoDate; expiration?: IsoDate; effective?: IsoDate };
export type Sf = { virtualSize: number; tableDepth?: number };

function fmtOctal(r: FieldReader): void {
  if (!r.record) return;
  const f = r.last;
  if (typeof f.value === 'number') f.display = `0${f.value.toString(8)}`;
}

/** PX (RRIP 1.12 4.1.1): mode, links, uid, gid (both-endian 32), serial number (1.12 only, length 44). */
export function decodePx(r: FieldReader, e: SuspEntry): Out<Px> {
  if (e.data.length < PX.ino.at) return { problem: short('PX', e.length, SUSP_HEADER_SIZE + PX.ino.at) };
  const mode = r.num(PX.mode); fmtOctal(r);
  const value: Px = { mode, nlink: r.num(PX.nlink), uid: r.num(PX.uid), gid: r.num(PX.gid) };
  if (e.data.length >= layoutEnd(PX)) value.ino = r.num(PX.ino);
  const problem = e.length === 36 || e.length === 44 ? undefined : `PX entry has length ${e.length} (expected 36 or 44)`;
  return { value, problem };
}

/** PN (RRIP 1.12 4.1.2): device number high and low 32 bits. */
export function decodePn(r: FieldReader, e: SuspEntry): Out<{ high: number; low: number }> {
  if (e.data.length < layoutEnd(PN)) return { problem: short('PN', e.length, SUSP_HEADER_SIZE + layoutEnd(PN)) };
  return { value: { high: r.num(PN.high), low: r.num(PN.low) } };
}

/** CL (4.1.5.1) / PL (4.1.5.2): location of the child / parent directory, both-endian 32. */
export function decodeLoc(r: FieldReader, e: SuspEntry): Out<number> {
  const f = (e.sig === 'CL' ? CL : PL).location;
  if (e.data.length < f.len) return { problem: short(e.sig, e.length, SUSP_HEADER_SIZE + f.len) };
  return { value: r.num(f) };
}

/** TF (RRIP 1.12 4.1.6): flags, then the flagged stamps in order, 7-byte or 17-byte (LONG_FORM). */
export function decodeTf(r: FieldReader, e: SuspEntry): Out<Tf> {
  if (e.data.length < 1) return { problem: short('TF', e.length, 5) };
  const flags = r.num(TF.flags);
  const size = flags & TF_LONG_FORM ? 17 : 7;
  const tf: Tf = {};
  let pos = layoutEnd(TF);
  for (let bit = 0; bit < 7; bit++) {
    if (!(flags & (1 << bit))) continue;
    if (pos + size > e.data.length) return { value: tf, problem: `TF entry announces more time stamps than its ${e.length} bytes hold` };
    const d = size === 17 ? date17Field(r, TF_NAMES[bit], pos, `${RRIP} 4.1.6`) : date7Field(r, TF_NAMES[bit], pos, `${RRIP} 4.1.6`);
    if (d) tf[TF_NAMES[bit]] = d;
    pos += size;
  }
  return { value: tf, problem: pos < e.data.length ? `TF entry has ${e.data.length - pos} unused trailing bytes` : undefined };
}

/** SF (RRIP 1.12 4.1.7): virtual size high/low (both-endian 32) and table depth; RRIP 1.10 drafts used length 12. */
export function decodeSf(r: FieldReader, e: SuspEntry): Out<Sf> {
  if (e.data.length >= layoutEnd(SF)) {
    const high = r.num(SF.high);
    const low = r.num(SF.low);
    const tableDepth = r.num(SF.tableDepth);
    const virtualSize = high * 2 ** 32 + low;
    return { value: { virtualSize, tableDepth }, problem: Number.isSafeInteger(virtualSize) ? undefined : 'SF virtual size exceeds 2^53' };
  }
  if (e.data.length >= layoutEnd(SF_SHORT)) return { value: { virtualSize: r.num(SF_SHORT.size) } };
  return { problem: short('SF', e.length, SUSP_HEADER_SIZE + layoutEnd(SF)) };
}

/** RR (RRIP 1.09 §4.1.1, dropped in 1.12): flags telling which RRIP entries are present. */
export function decodeRr(r: FieldReader, e: SuspEntry): Out<number> {
  if (e.data.length < 1) return { problem: short('RR', e.length, 5) };
  return { value: r.num(RR.flags) };
}

// ---- Serialization (the writer) -------------------------------------------------------------

/** RRIP 1.12 4.1.1 PX: 44 bytes with the serial number, else 36. */
export function serializePx(a: Px): Uint8Array {
  const withIno = a.ino !== undefined;
  const body = new Uint8Array(withIno ? layoutEnd(PX) : PX.ino.at);
  putNum(body, PX.mode, a.mode, 0, 'PX field');
  putNum(body, PX.nlink, a.nlink, 0, 'PX field');
  putNum(body, PX.uid, a.uid, 0, 'PX field');
  putNum(body, PX.gid, a.gid, 0, 'PX field');
  if (withIno) putNum(body, PX.ino, a.ino as number, 0, 'PX field');
  return suspEntry('PX', body);
}

/** RRIP 1.12 4.1.6 TF, 7-byte stamps: MODIFY (bit 1), ACCESS (bit 2), ATTRIBUTES (bit 3); null when none is given. */
export function serializeTf(mtime: Date | null, atime: Date | null, ctime: Date | null): Uint8Array | null {
  const stamps: Array<[number, Date | null]> = [[0x02, mtime], [0x04, atime], [0x08, ctime]];
  let flags = 0;
  const body: number[] = [0];
  for (const [bit, d] of stamps) {
    if (!d) continue;
    flags |= bit;
    body.push(...encodeDate7(d));
  }
  if (!flags) return null;
  body[TF.flags.at] = flags;
  return suspEntry('TF', body);
}

/** RRIP 1.12 4.1.2 PN: dev_t high and low 32 bits, glibc encoding (what libisofs writes and image.ts decodes). */
export function serializePn(rdev: { major: number; minor: number }): Uint8Array {
  const { major, minor } = rdev;
  if (!Number.isInteger(major) || major < 0 || major > 0xffffffff || !Number.isInteger(minor) || minor < 0 || minor > 0xffffffff) {
    throw new InvalidArgumentError(`device number ${major}:${minor} does not fit in 32 bits each`);
  }
  // glibc's dev_t bit packing (an encoding of its own, not a byte order).
  const low = (((major & 0xfff) << 8) | (minor & 0xff) | ((minor & 0xfff00) << 12)) >>> 0;
  const high = ((major & 0xfffff000) | ((minor >>> 20) & 0xfff)) >>> 0;
  const body = new Uint8Array(layoutEnd(PN));
  putNum(body, PN.high, high, 0, 'PN field');
  putNum(body, PN.low, low, 0, 'PN field');
  return suspEntry('PN', body);
}

/** RRIP 1.12 4.1.5.1 CL / 4.1.5.2 PL: a directory's location. */
export function serializeLoc(sig: 'CL' | 'PL', lba: number): Uint8Array {
  const f = (sig === 'CL' ? CL : PL).location;
  const body = new Uint8Array(f.len);
  putNum(body, f, lba, 0, `${sig} location`);
  return suspEntry(sig, body);
}

/** RRIP 1.12 4.1.5.3 RE: no body. */
export function serializeRe(): Uint8Array {
  return suspEntry('RE', []);
}
