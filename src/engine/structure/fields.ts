// The structure map's model: every on-disk structure the engine decodes, with its byte range and
// fields (Structure, Field), and the FieldReader parsers read through so that parsing records
// the map as a side effect. The sector editor draws it over the bytes; the validator checks it;
// `isowb info --structures` prints it. Field tables (layout.ts) declare where fields are;
// structureMap.ts builds the map of a whole image.
import { be16, be32, le16, le32 } from '../bytes/endian';
import { toHex } from '../bytes/hex';
import type { FieldDef, NumType, TextType } from './layout';

export type FieldKind =
  | 'number' | 'text' | 'date' | 'flags' | 'enum' | 'pointer' | 'length'
  | 'checksum' | 'reserved' | 'bytes' | 'guid' | 'magic';

export interface Field {
  name: string;
  /** Absolute byte offset in the image. */
  offset: number;
  length: number;
  /** Raw bytes as hex (first 64 bytes for longer fields). */
  raw: string;
  /** Decoded value (JSON-safe). */
  value: string | number | boolean | null;
  /** Human-readable decoded value. */
  display: string;
  kind: FieldKind;
  /** Spec reference, e.g. "ECMA-119 8.4.5". */
  spec?: string;
  /** Set when the field is inconsistent (both-endian mismatch, bad checksum, …). */
  problem?: string;
}

export interface Structure {
  /** Stable id within one image, e.g. "vd:16", "eltorito:entry:1", "dir:iso9660:20". */
  id: string;
  /** Machine type, e.g. "pvd", "svd", "boot-record", "terminator", "path-table-l", "dir-record". */
  type: string;
  /** Display name, e.g. "Primary Volume Descriptor". */
  name: string;
  offset: number;
  length: number;
  /** Spec section for the structure as a whole. */
  spec: string;
  fields: Field[];
  children: Structure[];
  problems?: string[];
  /** Where the structure points: an extent (LBA in 2048-byte blocks) and/or a path in the image. */
  target?: { lba?: number; blocks?: number; path?: string };
  /**
   * Set on 'dir-record' structures of subdirectories: DiscImage.expandStructure reads that
   * directory lazily. tree: 'iso9660' (with Rock Ridge when present) or 'joliet'; lba/length:
   * the directory's extent (length 0: a Rock Ridge CL placeholder, read from its "." record);
   * path: the subdirectory's path in that tree.
   */
  expand?: { tree: string; lba: number; length: number; path: string };
}

/** Spec references joined once each ("SUSP 1.12" + "4.1"), shared by every field that cites them. */
const joinedSpecs = new Map<string, string>();

export interface Problem { message: string; offset: number; field: string }

/**
 * Reads fields out of a buffer and records each one (name, absolute offset, raw bytes, decoded
 * value, spec) so a parser produces its part of the structure map as a side effect of parsing.
 * `base` is the absolute image offset of buf[0].
 */
export class FieldReader {
  readonly fields: Field[] = [];
  readonly problems: Problem[] = [];
  private dataView?: DataView;
  private get dv(): DataView {
    return (this.dataView ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }
  private le16(o: number): number { return le16(this.buf, o); }
  private be16(o: number): number { return be16(this.buf, o); }
  private le32(o: number): number { return le32(this.buf, o); }
  private be32(o: number): number { return be32(this.buf, o); }

  /**
   * With `record` false the reader only decodes: no Field objects, no hex — for hot paths
   * (listing 100,000 directory records) where nobody will look at the structure map. Problems
   * are still collected.
   */
  constructor(readonly buf: Uint8Array, readonly base: number, private readonly specPrefix = '', readonly record = true) {
  }

  private spec(s?: string): string | undefined {
    if (s === undefined) return undefined;
    if (!this.specPrefix || /^[A-Z]/.test(s)) return s;
    const key = `${this.specPrefix}\u0000${s}`;
    let j = joinedSpecs.get(key);
    if (j === undefined) {
      j = `${this.specPrefix} ${s}`;
      if (joinedSpecs.size < 4096) joinedSpecs.set(key, j);
    }
    return j;
  }

  private check(off: number, len: number, name: string): void {
    if (off < 0 || off + len > this.buf.length) {
      throw new RangeError(`field ${name} (${off}+${len}) outside buffer of ${this.buf.length}`);
    }
  }

  /** Records a field with a value decoded by the caller. */
  field(name: string, off: number, len: number, value: Field['value'], display?: string, kind: FieldKind = 'number', spec?: string, problem?: string): Field {
    this.check(off, len, name);
    if (!this.record) {
      if (problem) this.problems.push({ message: `${name}: ${problem}`, offset: this.base + off, field: name });
      // A throwaway field: callers may annotate it, nobody keeps it.
      return { name, offset: this.base + off, length: len, raw: '', value, display: '', kind, problem };
    }
    const f: Field = {
      name, offset: this.base + off, length: len,
      raw: toHex(this.buf.subarray(off, off + len)),
      value, display: display ?? String(value), kind,
    };
    const sp = this.spec(spec);
    if (sp) f.spec = sp;
    if (problem) {
      f.problem = problem;
      this.problems.push({ message: `${name}: ${problem}`, offset: this.base + off, field: name });
    }
    this.fields.push(f);
    return f;
  }

  u8(name: string, off: number, spec?: string, kind: FieldKind = 'number'): number {
    this.check(off, 1, name);
    const v = this.buf[off];
    if (this.record) this.field(name, off, 1, v, undefined, kind, spec);
    return v;
  }
  u16le(name: string, off: number, spec?: string, kind: FieldKind = 'number'): number {
    this.check(off, 2, name);
    const v = this.le16(off);
    if (this.record) this.field(name, off, 2, v, undefined, kind, spec);
    return v;
  }
  u16be(name: string, off: number, spec?: string, kind: FieldKind = 'number'): number {
    this.check(off, 2, name);
    const v = this.be16(off);
    if (this.record) this.field(name, off, 2, v, undefined, kind, spec);
    return v;
  }
  u32le(name: string, off: number, spec?: string, kind: FieldKind = 'number'): number {
    this.check(off, 4, name);
    const v = this.le32(off);
    if (this.record) this.field(name, off, 4, v, undefined, kind, spec);
    return v;
  }
  u32be(name: string, off: number, spec?: string, kind: FieldKind = 'number'): number {
    this.check(off, 4, name);
    const v = this.be32(off);
    if (this.record) this.field(name, off, 4, v, undefined, kind, spec);
    return v;
  }
  /** 64-bit little-endian; values above 2^53 are reported as a problem and clamped. */
  u64le(name: string, off: number, spec?: string, kind: FieldKind = 'number'): number {
    this.check(off, 8, name);
    const big = this.dv.getBigUint64(off, true);
    const safe = big <= BigInt(Number.MAX_SAFE_INTEGER);
    const v = safe ? Number(big) : Number.MAX_SAFE_INTEGER;
    this.field(name, off, 8, v, big.toString(), kind, spec, safe ? undefined : 'value exceeds 2^53');
    return v;
  }
  /** ECMA-119 7.2.3 both-byte-order 16-bit field (LE then BE). Mismatch → problem; LE wins. */
  both16(name: string, off: number, spec?: string, kind: FieldKind = 'number'): number {
    this.check(off, 4, name);
    const le = this.le16(off), be = this.be16(off + 2);
    if (this.record || le !== be) this.field(name, off, 4, le, le === be ? String(le) : `${le} (LE) / ${be} (BE)`, kind, spec ?? 'ECMA-119 7.2.3',
      le === be ? undefined : `both-endian mismatch: little-endian ${le}, big-endian ${be}`);
    return le;
  }
  /** ECMA-119 7.3.3 both-byte-order 32-bit field (LE then BE). Mismatch → problem; LE wins. */
  both32(name: string, off: number, spec?: string, kind: FieldKind = 'number'): number {
    this.check(off, 8, name);
    const le = this.le32(off), be = this.be32(off + 4);
    if (this.record || le !== be) this.field(name, off, 8, le, le === be ? String(le) : `${le} (LE) / ${be} (BE)`, kind, spec ?? 'ECMA-119 7.3.3',
      le === be ? undefined : `both-endian mismatch: little-endian ${le}, big-endian ${be}`);
    return le;
  }
  /** Text field: 'ascii' (a/d-characters, trailing spaces trimmed), 'ucs2be' (Joliet), 'utf16le' (GPT). */
  str(name: string, off: number, len: number, enc: 'ascii' | 'ucs2be' | 'utf16le' = 'ascii', spec?: string): string {
    this.check(off, len, name);
    const v = decodeText(this.buf.subarray(off, off + len), enc);
    if (this.record) this.field(name, off, len, v, JSON.stringify(v), 'text', spec);
    return v;
  }
  /** Adds a problem to a recorded field (joined with "; " to one it already has) and to the reader's problems. */
  addProblem(f: Field, msg: string): void {
    f.problem = f.problem ? `${f.problem}; ${msg}` : msg;
    this.problems.push({ message: `${f.name}: ${msg}`, offset: f.offset, field: f.name });
  }
  /** The field recorded last. */
  get last(): Field { return this.fields[this.fields.length - 1]; }
  /** Reads a numeric field from its table entry (origin: where the structure starts in buf). */
  num(f: FieldDef<NumType>, origin = 0): number {
    const o = origin + f.at;
    switch (f.type) {
      case 'u8': return this.u8(f.name, o, f.spec, f.kind);
      case 'u16le': return this.u16le(f.name, o, f.spec, f.kind);
      case 'u16be': return this.u16be(f.name, o, f.spec, f.kind);
      case 'u32le': return this.u32le(f.name, o, f.spec, f.kind);
      case 'u32be': return this.u32be(f.name, o, f.spec, f.kind);
      case 'u64le': return this.u64le(f.name, o, f.spec, f.kind);
      case 'both16': return this.both16(f.name, o, f.spec, f.kind);
      case 'both32': return this.both32(f.name, o, f.spec, f.kind);
      default: throw new RangeError(`field ${f.name}: unknown numeric type ${String(f.type)}`);
    }
  }
  /** Reads a text field from its table entry. */
  text(f: FieldDef<TextType>, origin = 0): string {
    return this.str(f.name, origin + f.at, f.len, f.type, f.spec);
  }
  /** Reads a bytes field from its table entry (a view into buf). */
  raw(f: FieldDef, origin = 0): Uint8Array {
    return this.bytes(f.name, origin + f.at, f.len, f.spec, f.kind);
  }
  bytes(name: string, off: number, len: number, spec?: string, kind: FieldKind = 'bytes'): Uint8Array {
    this.check(off, len, name);
    const b = this.buf.subarray(off, off + len);
    if (this.record) this.field(name, off, len, toHex(b), toHex(b, 32), kind, spec);
    return b;
  }
}

/** Decodes a fixed-width text field and trims padding (spaces and NULs at the end). */
export function decodeText(b: Uint8Array, enc: 'ascii' | 'ucs2be' | 'utf16le'): string {
  let s: string;
  if (enc === 'ascii') {
    s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  } else {
    s = '';
    for (let i = 0; i + 1 < b.length; i += 2) {
      s += String.fromCharCode(enc === 'ucs2be' ? (b[i] << 8) | b[i + 1] : b[i] | (b[i + 1] << 8));
    }
  }
  return s.replace(/[\s\0]+$/u, '');
}

/**
 * The structure of the fields `r` recorded (`s` gives the rest, children start empty); the
 * reader's problems become the structure's and are reported to `sink` under its name.
 */
export function finishStructure(r: FieldReader, s: Omit<Structure, 'fields' | 'children' | 'problems'>, sink: { warn(message: string, structure?: string, offset?: number): void }): Structure {
  const st: Structure = { ...s, fields: r.fields, children: [] };
  if (r.problems.length) {
    st.problems = r.problems.map((p) => p.message);
    for (const p of r.problems) sink.warn(p.message, s.name, p.offset);
  }
  return st;
}
