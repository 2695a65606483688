// SUSP 1.12 System Use entries: the 4-byte entry header (4.1) and the SUSP entries themselves —
// CE 5.1, PD 5.2, SP 5.3, ST 5.4, ER 5.5, ES 5.6 — each with its field table, decoder (also
// recording the structure map) and serializer. Body tables give offsets from the first byte after
// the header, as the body readers (FieldReader over SuspEntry.data) see them. The walk over a
// System Use area and its continuation areas is in susp.ts.
import { InvalidArgumentError } from '../errors';
import type { FieldReader, Structure } from '../structure/fields';
import { layout, layoutEnd, putNum, putRaw, rawOf } from '../structure/layout';
import type { SuspEntry } from './susp';

export const SUSP = 'SUSP 1.12';

/** SUSP 4.1: signature word, length (header included), entry version. */
export const SUSP_HEADER = layout({
  signature: { at: 0, type: 'bytes', len: 2, name: 'Signature Word', spec: '4.1', kind: 'magic' },
  length: { at: 2, type: 'u8', name: 'Length', spec: '4.1', kind: 'length' },
  version: { at: 3, type: 'u8', name: 'System Use Entry Version', spec: '4.1' },
});
/** Bytes of the entry header; the body follows. */
export const SUSP_HEADER_SIZE = layoutEnd(SUSP_HEADER);

/** SUSP 5.1 CE body. */
export const CE = layout({
  location: { at: 0, type: 'both32', name: 'Location of Continuation of System Use Area', spec: '5.1', kind: 'pointer' },
  offset: { at: 8, type: 'both32', name: 'Offset to Start of Continuation', spec: '5.1', kind: 'pointer' },
  length: { at: 16, type: 'both32', name: 'Length of the Continuation Area', spec: '5.1', kind: 'length' },
});
/** A CE entry is always 28 bytes (SUSP 5.1). */
export const CE_ENTRY_LENGTH = SUSP_HEADER_SIZE + layoutEnd(CE);

/** SUSP 5.3 SP body. */
export const SP = layout({
  checkBytes: { at: 0, type: 'bytes', len: 2, name: 'Check Bytes', spec: '5.3', kind: 'magic' },
  lenSkp: { at: 2, type: 'u8', name: 'LEN_SKP', spec: '5.3', kind: 'length' },
});
const SP_CHECK = Uint8Array.of(0xbe, 0xef);

/** SUSP 5.5 ER body: the three lengths and the version; the identifier, descriptor and source follow. */
export const ER = layout({
  lenId: { at: 0, type: 'u8', name: 'LEN_ID', spec: '5.5', kind: 'length' },
  lenDes: { at: 1, type: 'u8', name: 'LEN_DES', spec: '5.5', kind: 'length' },
  lenSrc: { at: 2, type: 'u8', name: 'LEN_SRC', spec: '5.5', kind: 'length' },
  version: { at: 3, type: 'u8', name: 'EXT_VER', spec: '5.5' },
});
const ER_FIXED = layoutEnd(ER);

/** SUSP 5.6 ES body. */
export const ES = layout({
  sequence: { at: 0, type: 'u8', name: 'Extension Sequence', spec: '5.6' },
});

export interface ExtensionRef { id: string; descriptor: string; source: string; version: number }

export const SUSP_NAMES: Record<string, [string, string]> = {
  CE: ['Continuation Area (CE)', `${SUSP} 5.1`],
  PD: ['Padding (PD)', `${SUSP} 5.2`],
  SP: ['SUSP indicator (SP)', `${SUSP} 5.3`],
  ST: ['SUSP terminator (ST)', `${SUSP} 5.4`],
  ER: ['Extensions reference (ER)', `${SUSP} 5.5`],
  ES: ['Extension selector (ES)', `${SUSP} 5.6`],
};

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * SP entry (SUSP 5.3): "SP", length 7, version 1, check bytes BE EF, LEN_SKP. Must be the first
 * entry of the System Use field of the root directory's "." record. The version byte is not
 * checked (readers such as Linux only check the signature and check bytes).
 */
export function detectSusp(rootDotSystemUse: Uint8Array): { skip: number } | null {
  const b = rootDotSystemUse;
  const body = SUSP_HEADER_SIZE;
  if (b.length < body + layoutEnd(SP)) return null;
  const check = rawOf(b, SP.checkBytes, body);
  if (b[0] !== 0x53 || b[1] !== 0x50 || b[SUSP_HEADER.length.at] < 7 || check[0] !== SP_CHECK[0] || check[1] !== SP_CHECK[1]) return null;
  return { skip: b[body + SP.lenSkp.at] };
}

/** ER entry (SUSP 5.5): LEN_ID, LEN_DES, LEN_SRC, EXT_VER, then the three strings; null when truncated. */
export function decodeEr(r: FieldReader): ExtensionRef | null {
  const d = r.buf;
  if (d.length < ER_FIXED) return null;
  const lid = r.num(ER.lenId);
  const ldes = r.num(ER.lenDes);
  const lsrc = r.num(ER.lenSrc);
  const version = r.num(ER.version);
  if (ER_FIXED + lid + ldes + lsrc > d.length) return null;
  const id = r.str('Extension Identifier', ER_FIXED, lid, 'ascii', '5.5');
  const descriptor = r.str('Extension Descriptor', ER_FIXED + lid, ldes, 'ascii', '5.5');
  const source = r.str('Extension Source', ER_FIXED + lid + ldes, lsrc, 'ascii', '5.5');
  return { id, descriptor, source, version };
}

/** What a truncated ER entry holds (for parseEr, which never fails). */
export function partialEr(d: Uint8Array): ExtensionRef {
  const lid = d[ER.lenId.at] ?? 0, ldes = d[ER.lenDes.at] ?? 0, lsrc = d[ER.lenSrc.at] ?? 0;
  const s = (o: number, l: number) => latin1(d.subarray(Math.min(o, d.length), Math.min(o + l, d.length)));
  return { id: s(ER_FIXED, lid), descriptor: s(ER_FIXED + lid, ldes), source: s(ER_FIXED + lid + ldes, lsrc), version: d[ER.version.at] ?? 0 };
}

/** CE body (SUSP 5.1): where the continuation area is; `r` reads the entry's body. */
export function decodeCe(r: FieldReader): { lba: number; offset: number; length: number } {
  return { lba: r.num(CE.location), offset: r.num(CE.offset), length: r.num(CE.length) };
}

/** Records the header fields of an entry (reader over the whole entry). */
export function describeHeader(hdr: FieldReader, e: SuspEntry): void {
  const s = SUSP_HEADER.signature;
  hdr.field(s.name, s.at, s.len, e.sig, JSON.stringify(e.sig), 'magic', s.spec);
  hdr.num(SUSP_HEADER.length);
  hdr.num(SUSP_HEADER.version);
}

/**
 * Records the body of a SUSP entry (CE, PD, SP, ST, ER, ES) into `body`; returns its problems and,
 * for CE, the block it points at.
 */
export function describeSuspBody(body: FieldReader, e: SuspEntry): { problems: string[]; target?: Structure['target'] } {
  const problems: string[] = [];
  const need: Record<string, number> = { CE: layoutEnd(CE), SP: layoutEnd(SP), ES: layoutEnd(ES) };
  if ((need[e.sig] ?? 0) > e.data.length) {
    problems.push(`${e.sig} entry too short (${e.length} bytes, needs ${need[e.sig] + SUSP_HEADER_SIZE}); ignored`);
  } else if (e.sig === 'CE') {
    const { lba } = decodeCe(body);
    return { problems, target: { lba, blocks: 1 } };
  } else if (e.sig === 'SP') {
    const c = SP.checkBytes;
    const ok = e.data[0] === SP_CHECK[0] && e.data[1] === SP_CHECK[1];
    body.field(c.name, c.at, c.len, `${e.data[0].toString(16)}${e.data[1].toString(16)}`, ok ? 'BE EF' : 'bad', 'magic', c.spec, ok ? undefined : 'check bytes are not BE EF');
    body.num(SP.lenSkp);
  } else if (e.sig === 'ER') {
    if (!decodeEr(body)) problems.push('ER entry shorter than its announced identifier/descriptor/source');
  } else if (e.sig === 'ES') {
    body.num(ES.sequence);
  } else if (e.sig === 'PD' && e.data.length) {
    body.bytes('Padding Area', 0, e.data.length, '5.2', 'reserved');
  }
  return { problems };
}

// ---- Serialization (the writer) -------------------------------------------------------------

/** One System Use entry: header (version 1) and body; more than 255 bytes → InvalidArgumentError. */
export function suspEntry(sig: string, body: ArrayLike<number>): Uint8Array {
  const len = SUSP_HEADER_SIZE + body.length;
  if (len > 255) throw new InvalidArgumentError(`${sig} entry would be ${len} bytes; a System Use entry holds at most 255`);
  const b = new Uint8Array(len);
  putRaw(b, SUSP_HEADER.signature, Uint8Array.of(sig.charCodeAt(0), sig.charCodeAt(1)));
  putNum(b, SUSP_HEADER.length, len);
  putNum(b, SUSP_HEADER.version, 1);
  b.set(body, SUSP_HEADER_SIZE);
  return b;
}

/** SUSP 5.3 SP: check bytes BE EF, LEN_SKP 0. */
export function serializeSp(): Uint8Array {
  const body = new Uint8Array(layoutEnd(SP));
  putRaw(body, SP.checkBytes, SP_CHECK);
  return suspEntry('SP', body);
}

/** SUSP 5.5 ER entry (version 1) naming one extension. */
export function serializeEr(ref: Omit<ExtensionRef, 'version'>): Uint8Array {
  const bytes = (s: string) => Array.from(s, (c) => c.charCodeAt(0) & 0xff);
  const body = new Uint8Array(ER_FIXED);
  putNum(body, ER.lenId, ref.id.length);
  putNum(body, ER.lenDes, ref.descriptor.length);
  putNum(body, ER.lenSrc, ref.source.length);
  putNum(body, ER.version, 1);
  return suspEntry('ER', [...body, ...bytes(ref.id), ...bytes(ref.descriptor), ...bytes(ref.source)]);
}

/** A CE entry with location, offset and length 0: the placeholder patchCe fills. */
export function cePlaceholder(): Uint8Array {
  return suspEntry('CE', new Uint8Array(layoutEnd(CE)));
}

/**
 * Fills a CE placeholder (SUSP 5.1: block, offset and length, each both-endian 32) at `ceOffset`
 * of a System Use field; the area must end within its block of `blockSize` bytes.
 */
export function fillCe(systemUse: Uint8Array, ceOffset: number, lba: number, offset: number, length: number, blockSize: number): void {
  if (ceOffset < 0 || ceOffset + CE_ENTRY_LENGTH > systemUse.length || systemUse[ceOffset] !== 0x43 || systemUse[ceOffset + 1] !== 0x45) {
    throw new InvalidArgumentError(`no CE entry at offset ${ceOffset} of the System Use field`);
  }
  if (offset + length > blockSize) throw new InvalidArgumentError(`continuation area at offset ${offset}, ${length} bytes, crosses the end of its block`);
  const at = ceOffset + SUSP_HEADER_SIZE;
  putNum(systemUse, CE.location, lba, at, 'CE field');
  putNum(systemUse, CE.offset, offset, at, 'CE field');
  putNum(systemUse, CE.length, length, at, 'CE field');
}
