// Field tables: the layout of an on-disk structure declared once — each field's offset, width,
// encoding, spec section and display name — and used by the parser (FieldReader.num/text/raw,
// which also records the field for the structure map), the serializer (putNum/putRaw) and any
// check or repair that touches the raw bytes. In the spirit of pycdlib's one format string per
// descriptor: a structure's offsets appear in its table and nowhere else.
import { InvalidArgumentError } from '../errors';
import { be16, be32, le16, le32, le64, putBe16, putBe32, putBoth16, putBoth32, putLe16, putLe32, putLe64, putU8 } from '../bytes/endian';
import type { FieldKind } from './fields';

export type NumType = 'u8' | 'u16le' | 'u16be' | 'u32le' | 'u32be' | 'u64le' | 'both16' | 'both32';
export type TextType = 'ascii' | 'ucs2be' | 'utf16le';
export type FieldType = NumType | TextType | 'bytes';

export interface FieldDef<T extends FieldType = FieldType> {
  /** The field's name as the spec gives it (shown in the structure map). */
  readonly name: string;
  /** Offset from the start of the structure. */
  readonly at: number;
  readonly len: number;
  readonly type: T;
  /** Spec section (appended to the reader's prefix, e.g. "8.4.8" → "ECMA-119 8.4.8"). */
  readonly spec?: string;
  readonly kind?: FieldKind;
}

const WIDTH: Record<NumType, number> = { u8: 1, u16le: 2, u16be: 2, u32le: 4, u32be: 4, u64le: 8, both16: 4, both32: 8 };

type Row<T extends FieldType> = T extends NumType
  ? { at: number; type: T; name: string; spec?: string; kind?: FieldKind; len?: never }
  : { at: number; type: T; name: string; len: number; spec?: string; kind?: FieldKind };

/** A structure's field table: numeric widths are implied by their type, text and bytes give len. */
export function layout<T extends { [k: string]: Row<FieldType> }>(rows: T): { readonly [K in keyof T]: FieldDef<T[K]['type']> } {
  const out: Record<string, FieldDef> = {};
  for (const [key, row] of Object.entries(rows)) {
    const len = row.len ?? WIDTH[row.type as NumType];
    out[key] = Object.freeze({ name: row.name, at: row.at, len, type: row.type, spec: row.spec, kind: row.kind });
  }
  return Object.freeze(out) as { readonly [K in keyof T]: FieldDef<T[K]['type']> };
}

/** Byte just past the last field of a table (the structure's recorded size when it ends with a field). */
export function layoutEnd(table: { readonly [k: string]: FieldDef }): number {
  let end = 0;
  for (const f of Object.values(table)) end = Math.max(end, f.at + f.len);
  return end;
}

/**
 * Writes a number into its field (origin: where the structure starts in b). Throws
 * InvalidArgumentError "<what> <v> does not fit in <n> bits" when it does not fit; `what`
 * defaults to the field's name (serializers pass the wording of their own messages).
 */
export function putNum(b: Uint8Array, f: FieldDef<NumType>, v: number | bigint, origin = 0, what = f.name): void {
  const o = origin + f.at;
  if (f.type === 'u64le') { putLe64(b, o, v, what); return; }
  const n = Number(v);
  switch (f.type) {
    case 'u8': putU8(b, o, n, what); break;
    case 'u16le': putLe16(b, o, n, what); break;
    case 'u16be': putBe16(b, o, n, what); break;
    case 'u32le': putLe32(b, o, n, what); break;
    case 'u32be': putBe32(b, o, n, what); break;
    case 'both16': putBoth16(b, o, n, what); break;
    case 'both32': putBoth32(b, o, n, what); break;
  }
}

/**
 * Reads a number from its field without recording it (checks and code that does not build the
 * structure map). Both-byte-order fields give their little-endian half; u64le is exact below 2^53.
 */
export function numOf(b: Uint8Array, f: FieldDef<NumType>, origin = 0): number {
  const o = origin + f.at;
  switch (f.type) {
    case 'u8': return b[o];
    case 'u16le': case 'both16': return le16(b, o);
    case 'u16be': return be16(b, o);
    case 'u32le': case 'both32': return le32(b, o);
    case 'u32be': return be32(b, o);
    case 'u64le': return le64(b, o);
    default: throw new RangeError(`field ${f.name}: unknown numeric type ${String(f.type)}`);
  }
}

/** Copies bytes into a field; shorter input leaves the rest as it was, longer input throws. */
export function putRaw(b: Uint8Array, f: FieldDef, bytes: Uint8Array, origin = 0): void {
  if (bytes.length > f.len) throw new InvalidArgumentError(`${f.name} is ${bytes.length} bytes; the field holds ${f.len}`);
  b.set(bytes, origin + f.at);
}

/** The field's bytes (a view, not a copy). */
export function rawOf(b: Uint8Array, f: FieldDef, origin = 0): Uint8Array {
  return b.subarray(origin + f.at, origin + f.at + f.len);
}
