// ECMA-167 3/7.2 descriptor tag (OSTA UDF 2.60 2.2.1): the 16 bytes that start every UDF
// descriptor. Tag checksum (3/7.2.3): the sum modulo 256 of bytes 0-3 and 5-15. Descriptor CRC
// (3/7.2.6): CRC-ITU-T (polynomial x^16 + x^12 + x^5 + 1, initial value 0, as in ECMA-167 1/7.2.6)
// over the CRC Length bytes that follow the tag. Tag location (3/7.2.8): the sector (part 3
// descriptors) or partition-relative logical block (part 4) the descriptor was recorded at.
import { CorruptImageError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure/fields';
import { le16, le32 } from '../bytes/endian';
import { flag } from './primitives';

export const TAG_SIZE = 16;

export const TAG_NAMES: Record<number, string> = {
  1: 'Primary Volume Descriptor', 2: 'Anchor Volume Descriptor Pointer', 3: 'Volume Descriptor Pointer',
  4: 'Implementation Use Volume Descriptor', 5: 'Partition Descriptor', 6: 'Logical Volume Descriptor',
  7: 'Unallocated Space Descriptor', 8: 'Terminating Descriptor', 9: 'Logical Volume Integrity Descriptor',
  256: 'File Set Descriptor', 257: 'File Identifier Descriptor', 258: 'Allocation Extent Descriptor',
  259: 'Indirect Entry', 260: 'Terminal Entry', 261: 'File Entry', 262: 'Extended Attribute Header Descriptor',
  263: 'Unallocated Space Entry', 264: 'Space Bitmap Descriptor', 265: 'Partition Integrity Entry', 266: 'Extended File Entry',
};

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[n] = c;
  }
  return t;
})();

/** CRC-ITU-T / CCITT (poly 0x1021, init 0, not reflected) as ECMA-167 3/7.2.6 uses it. */
export function crcItu(data: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < data.length; i++) c = ((c << 8) & 0xffff) ^ CRC_TABLE[((c >> 8) ^ data[i]) & 0xff];
  return c;
}

/** 3/7.2.3 tag checksum of a 16-byte tag: sum of bytes 0-3 and 5-15 modulo 256. */
export function tagChecksum(tag: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < TAG_SIZE; i++) if (i !== 4) s += tag[i];
  return s & 0xff;
}

export interface TagInfo {
  id: number;
  version: number;
  checksumOk: boolean;
  crcOk: boolean;
  crcLength: number;
  location: number;
  serial: number;
}

/** Decodes a tag without recording fields (recognition while walking a sequence). */
export function peekTag(b: Uint8Array): TagInfo | null {
  if (b.length < TAG_SIZE) return null;
  const crcLength = le16(b, 10);
  const crcOk = TAG_SIZE + crcLength <= b.length && crcItu(b.subarray(TAG_SIZE, TAG_SIZE + crcLength)) === le16(b, 8);
  return { id: le16(b, 0), version: le16(b, 2), checksumOk: tagChecksum(b) === b[4], crcOk, crcLength, location: le32(b, 12), serial: le16(b, 6) };
}

/** True when the bytes look like a descriptor tag of one of `ids` recorded at `location` (checksum not required). */
export function looksLikeTag(b: Uint8Array, ids: number[], location: number): boolean {
  const t = peekTag(b);
  return !!t && ids.includes(t.id) && (t.location === location || t.checksumOk);
}

/**
 * Records the tag fields (with problems for a checksum, CRC or location mismatch) at the start
 * of `r` (whose buffer holds the descriptor and at least CRC Length bytes after the tag, when
 * they exist in the image). `expectedLocation` is the sector or logical block it was read at.
 */
export function tagFields(r: FieldReader, expectedLocation: number, expectedIds?: number[]): TagInfo {
  const b = r.buf;
  const t = peekTag(b)!;
  const name = TAG_NAMES[t.id];
  const idf = r.field('Tag Identifier', 0, 2, t.id, name ? `${t.id} (${name})` : `${t.id} (unknown)`, 'enum', '3/7.2.1');
  if (expectedIds && !expectedIds.includes(t.id)) flag(r, idf, `is ${t.id}, expected ${expectedIds.join(' or ')}`);
  const vf = r.field('Descriptor Version', 2, 2, t.version, String(t.version), 'number', '3/7.2.2');
  if (t.version !== 2 && t.version !== 3) flag(r, vf, `is ${t.version}, expected 2 (NSR02) or 3 (NSR03)`);
  const computed = tagChecksum(b);
  r.field('Tag Checksum', 4, 1, b[4], `0x${b[4].toString(16).padStart(2, '0')}`, 'checksum', '3/7.2.3',
    t.checksumOk ? undefined : `checksum mismatch: computed 0x${computed.toString(16).padStart(2, '0')}`);
  r.field('Reserved', 5, 1, b[5], String(b[5]), 'reserved', '3/7.2.4', b[5] !== 0 ? 'not zero' : undefined);
  r.field('Tag Serial Number', 6, 2, t.serial, String(t.serial), 'number', '3/7.2.5');
  const stored = le16(b, 8);
  let crcProblem: string | undefined;
  if (TAG_SIZE + t.crcLength > b.length) crcProblem = `cannot verify: CRC length ${t.crcLength} runs past the ${b.length - TAG_SIZE} bytes available`;
  else if (!t.crcOk) crcProblem = `CRC mismatch: computed 0x${crcItu(b.subarray(TAG_SIZE, TAG_SIZE + t.crcLength)).toString(16).padStart(4, '0')}`;
  r.field('Descriptor CRC', 8, 2, stored, `0x${stored.toString(16).padStart(4, '0')}`, 'checksum', '3/7.2.6', crcProblem);
  r.field('Descriptor CRC Length', 10, 2, t.crcLength, String(t.crcLength), 'length', '3/7.2.7');
  r.field('Tag Location', 12, 4, t.location, String(t.location), 'pointer', '3/7.2.8',
    t.location !== expectedLocation ? `is ${t.location} but the descriptor was found at ${expectedLocation}` : undefined);
  return t;
}

/** Most bytes a descriptor (tag + CRC Length) can span. */
export const MAX_DESCRIPTOR = TAG_SIZE + 0xffff;

/**
 * Reads the descriptor at absolute `offset`: one block, extended to cover the CRC Length when
 * the tag announces more (bounded by the image end and MAX_DESCRIPTOR).
 */
export async function readDescriptor(src: ByteSource, offset: number, blockSize: number, what: string): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + TAG_SIZE > src.size) {
    throw new CorruptImageError('lies beyond the end of the image', { image: src.name, structure: what, offset: Number.isSafeInteger(offset) ? offset : undefined });
  }
  // Every descriptor's fixed part fits in 512 bytes; a block cut short by the image end is damage.
  const need = Math.min(blockSize, 512);
  if (offset + need > src.size) {
    throw new CorruptImageError(`cut short by the end of the image (${src.size - offset} of ${need} bytes); the image may be truncated`, { image: src.name, structure: what, offset });
  }
  const first = await readExact(src, offset, Math.min(blockSize, src.size - offset), what);
  const want = TAG_SIZE + le16(first, 10);
  if (want <= first.length || offset + first.length >= src.size) return first;
  return readExact(src, offset, Math.min(want, MAX_DESCRIPTOR, src.size - offset), what);
}

/** A FieldReader over a descriptor with ECMA-167 spec references. */
export function reader(buf: Uint8Array, abs: number): FieldReader {
  return new FieldReader(buf, abs, 'ECMA-167');
}

/** The structure-map entry of a parsed descriptor; its problems also go to the sink. */
export function descriptorStructure(r: FieldReader, s: Omit<Structure, 'fields' | 'children' | 'problems'>, sink: DiagnosticSink, children: Structure[] = []): Structure {
  const st: Structure = { ...s, fields: r.fields, children };
  if (r.problems.length) {
    st.problems = r.problems.map(p => p.message);
    for (const p of r.problems) sink.warn(p.message, s.name, p.offset);
  }
  return st;
}
