// Fixed-width integers in byte arrays: little-endian, big-endian and ECMA-119's both-byte-order
// pairs (7.2.3: 16-bit LE then BE; 7.3.3: 32-bit LE then BE). The one home of these readers and
// writers: parsers, serializers, checks and repairs all use them. Reads return plain numbers
// (64-bit reads are exact up to 2^53); writers throw InvalidArgumentError for a value that does
// not fit, naming the field.
import { InvalidArgumentError } from '../errors';

export function le16(b: Uint8Array, o: number): number { return b[o] | (b[o + 1] << 8); }
export function be16(b: Uint8Array, o: number): number { return (b[o] << 8) | b[o + 1]; }
export function le32(b: Uint8Array, o: number): number { return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000; }
export function be32(b: Uint8Array, o: number): number { return b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]); }
/** 64-bit little-endian as a number: exact below 2^53 (callers that must know use le64big). */
export function le64(b: Uint8Array, o: number): number { return le32(b, o) + le32(b, o + 4) * 0x100000000; }
export function le64big(b: Uint8Array, o: number): bigint { return BigInt(le32(b, o)) | (BigInt(le32(b, o + 4)) << 32n); }

function fits(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(`${what} ${v} does not fit in ${max === 0xff ? 8 : max === 0xffff ? 16 : max === 0xffffffff ? 32 : 64} bits`);
}

export function putU8(b: Uint8Array, o: number, v: number, what = 'value'): void { fits(v, 0xff, what); b[o] = v; }
export function putLe16(b: Uint8Array, o: number, v: number, what = 'value'): void {
  fits(v, 0xffff, what);
  b[o] = v & 0xff; b[o + 1] = v >>> 8;
}
export function putBe16(b: Uint8Array, o: number, v: number, what = 'value'): void {
  fits(v, 0xffff, what);
  b[o] = v >>> 8; b[o + 1] = v & 0xff;
}
export function putLe32(b: Uint8Array, o: number, v: number, what = 'value'): void {
  fits(v, 0xffffffff, what);
  b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = (v >>> 24) & 0xff;
}
export function putBe32(b: Uint8Array, o: number, v: number, what = 'value'): void {
  fits(v, 0xffffffff, what);
  b[o] = (v >>> 24) & 0xff; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff;
}
export function putLe64(b: Uint8Array, o: number, v: number | bigint, what = 'value'): void {
  const big = BigInt(v);
  if (big < 0n || big > 0xffffffffffffffffn) throw new InvalidArgumentError(`${what} ${v} does not fit in 64 bits`);
  putLe32(b, o, Number(big & 0xffffffffn), what);
  putLe32(b, o + 4, Number(big >> 32n), what);
}
/** ECMA-119 7.2.3: a 16-bit value recorded little-endian then big-endian (4 bytes). */
export function putBoth16(b: Uint8Array, o: number, v: number, what = 'value'): void { putLe16(b, o, v, what); putBe16(b, o + 2, v, what); }
/** ECMA-119 7.3.3: a 32-bit value recorded little-endian then big-endian (8 bytes). */
export function putBoth32(b: Uint8Array, o: number, v: number, what = 'value'): void { putLe32(b, o, v, what); putBe32(b, o + 4, v, what); }
/** A both-byte-order 32-bit field as 8 new bytes. */
export function both32(v: number, what = 'value'): Uint8Array { const b = new Uint8Array(8); putBoth32(b, 0, v, what); return b; }
