// ECMA-167 3/7.2 descriptor tag (OSTA UDF 2.60 2.2.1): the 16 bytes that start every UDF
// descriptor. Tag checksum (3/7.2.3): the sum modulo 256 of bytes 0-3 and 5-15. Descriptor CRC
// (3/7.2.6): CRC-ITU-T (polynomial x^16 + x^12 + x^5 + 1, initial value 0, as in ECMA-167 1/7.2.6)
// over the CRC Length bytes that follow the tag. Tag location (3/7.2.8): the sector (part 3
// descriptors) or partition-relative logical block (part 4) the descriptor was recorded at.
// The tag's field table (TAG) is read by peekTag, tagFields and readDescriptor and by the
// checksum (tagChecksum skips the checksum field itself).
import { CorruptImageError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure/fields';
import { layout, layoutEnd, numOf } from '../structure/layout';

/** ECMA-167 3/7.2 descriptor tag. */
export const TAG = layout({
  id: { at: 0, type: 'u16le', name: 'Tag Identifier', spec: '3/7.2.1', kind: 'enum' },
  version: { at: 2, type: 'u16le', name: 'Descriptor Version', spec: '3/7.2.2' },
  checksum: { at: 4, type: 'u8', name: 'Tag Checksum', spec: '3/7.2.3', kind: 'checksum' },
  reserved: { at: 5, type: 'u8', name: 'Reserved', spec: '3/7.2.4', kind: 'reserved' },
  serial: { at: 6, type: 'u16le', name: 'Tag Serial Number', spec: '3/7.2.5' },
  crc: { at: 8, type: 'u16le', name: 'Descriptor CRC', spec: '3/7.2.6', kind: 'checksum' },
  crcLength: { at: 10, type: 'u16le', name: 'Descriptor CRC Length', spec: '3/7.2.7', kind: 'length' },
  location: { at: 12, type: 'u32le', name: 'Tag Location', spec: '3/7.2.8', kind: 'pointer' },
});

export const TAG_SIZE = layoutEnd(TAG);

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

/** 3/7.2.3 tag checksum of a 16-byte tag: sum of bytes 0-3 and 5-15 (all but the checksum field) modulo 256. */
export function tagChecksum(tag: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < TAG_SIZE; i++) if (i !== TAG.checksum.at) s += tag[i];
  return s & 0xff;
}

/** The bytes the descriptor CRC covers (3/7.2.6): CRC Length bytes after the tag, or null when they run past `b`. */
function crcBytes(b: Uint8Array, crcLength: number): Uint8Array | null {
  return TAG_SIZE + crcLength <= b.length ? b.subarray(TAG_SIZE, TAG_SIZE + crcLength) : null;
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
  const crcLength = numOf(b, TAG.crcLength);
  const covered = crcBytes(b, crcLength);
  const crcOk = covered !== null && crcItu(covered) === numOf(b, TAG.crc);
  return {
    id: numOf(b, TAG.id), version: numOf(b, TAG.version), checksumOk: tagChecksum(b) === numOf(b, TAG.checksum),
    crcOk, crcLength, location: numOf(b, TAG.location), serial: numOf(b, TAG.serial),
  };
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
  const put = (f: (typeof TAG)[keyof typeof TAG], value: number, display: string, kind = f.kind ?? 'number', problem?: string) =>
    r.field(f.name, f.at, f.len, value, display, kind, f.spec, problem);
  const idf = put(TAG.id, t.id, name ? `${t.id} (${name})` : `${t.id} (unknown)`);
  if (expectedIds && !expectedIds.includes(t.id)) r.addProblem(idf, `is ${t.id}, expected ${expectedIds.join(' or ')}`);
  const vf = put(TAG.version, t.version, String(t.version));
  if (t.version !== 2 && t.version !== 3) r.addProblem(vf, `is ${t.version}, expected 2 (NSR02) or 3 (NSR03)`);
  const computed = tagChecksum(b);
  const sum = numOf(b, TAG.checksum);
  put(TAG.checksum, sum, `0x${sum.toString(16).padStart(2, '0')}`, 'checksum',
    t.checksumOk ? undefined : `checksum mismatch: computed 0x${computed.toString(16).padStart(2, '0')}`);
  const res = numOf(b, TAG.reserved);
  put(TAG.reserved, res, String(res), 'reserved', res !== 0 ? 'not zero' : undefined);
  put(TAG.serial, t.serial, String(t.serial));
  const stored = numOf(b, TAG.crc);
  const covered = crcBytes(b, t.crcLength);
  let crcProblem: string | undefined;
  if (covered === null) crcProblem = `cannot verify: CRC length ${t.crcLength} runs past the ${b.length - TAG_SIZE} bytes available`;
  else if (!t.crcOk) crcProblem = `CRC mismatch: computed 0x${crcItu(covered).toString(16).padStart(4, '0')}`;
  put(TAG.crc, stored, `0x${stored.toString(16).padStart(4, '0')}`, 'checksum', crcProblem);
  put(TAG.crcLength, t.crcLength, String(t.crcLength));
  put(TAG.location, t.location, String(t.location), 'pointer',
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
  const want = TAG_SIZE + numOf(first, TAG.crcLength);
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
