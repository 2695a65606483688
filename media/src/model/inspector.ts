// The data inspector's decoders: the value at the cursor read as every common type. Each decoder
// takes the bytes starting at the cursor (possibly fewer than it needs near the end of the image,
// then it returns null) and is pure, so the unit tests pin them with known byte vectors.
import { formatGuid } from '../../../src/engine/systemarea/guids';

export interface InspectorRow {
  /** Stable key (tests, DOM ids). */
  key: string;
  label: string;
  /** The decoded value; null when there are not enough bytes. */
  value: string | null;
  /** Bytes the type spans (the inspector highlights them on hover). */
  length: number;
  /** A problem with the value (both-endian mismatch, invalid date). */
  problem?: string;
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function int(b: Uint8Array, bytes: 1 | 2 | 4, signed: boolean, le: boolean): number | null {
  if (b.length < bytes) return null;
  const d = dv(b);
  switch (bytes) {
    case 1: return signed ? d.getInt8(0) : d.getUint8(0);
    case 2: return signed ? d.getInt16(0, le) : d.getUint16(0, le);
    case 4: return signed ? d.getInt32(0, le) : d.getUint32(0, le);
  }
}

export function int64(b: Uint8Array, signed: boolean, le: boolean): bigint | null {
  if (b.length < 8) return null;
  return signed ? dv(b).getBigInt64(0, le) : dv(b).getBigUint64(0, le);
}

/** Float as the shortest decimal that reads back to the same float32 / float64. */
export function float(b: Uint8Array, bytes: 4 | 8, le: boolean): string | null {
  if (b.length < bytes) return null;
  const v = bytes === 4 ? dv(b).getFloat32(0, le) : dv(b).getFloat64(0, le);
  if (bytes === 8 || !Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

export interface BothEndian { value: number; le: number; be: number; ok: boolean }

/** ISO 9660 both-byte orders (ECMA-119 7.2.3 / 7.3.3): little-endian then big-endian copy. */
export function bothEndian(b: Uint8Array, bytes: 2 | 4): BothEndian | null {
  if (b.length < bytes * 2) return null;
  const d = dv(b);
  const le = bytes === 2 ? d.getUint16(0, true) : d.getUint32(0, true);
  const be = bytes === 2 ? d.getUint16(2, false) : d.getUint32(4, false);
  return { value: le, le, be, ok: le === be };
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** GMT offset in 15-minute units → "+01:00". */
export function gmtOffset(units: number): string {
  const mins = units * 15;
  const sign = mins < 0 ? '-' : '+';
  const a = Math.abs(mins);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

export interface IsoDate { text: string; problem?: string }

/** The out-of-range parts of a recorded date (ECMA-119 9.1.5 / 8.4.26.1), as an IsoDate. */
function checked(text: string, p: { y?: number; mo: number; d: number; h: number; mi: number; s: number; off: number }): IsoDate {
  const bad: string[] = [];
  if ((p.y !== undefined && p.y < 1) || p.mo < 1 || p.mo > 12) bad.push(p.y !== undefined && p.y < 1 ? 'year' : 'month');
  if (p.d < 1 || p.d > 31) bad.push('day');
  if (p.h > 23) bad.push('hour');
  if (p.mi > 59) bad.push('minute');
  if (p.s > 59) bad.push('second');
  if (p.off < -48 || p.off > 52) bad.push('GMT offset');
  return bad.length ? { text, problem: `invalid ${bad.join(', ')}` } : { text };
}

/**
 * ECMA-119 9.1.5 directory-record date: 7 bytes — years since 1900, month, day, hour, minute,
 * second, GMT offset (signed, 15-minute units, -48..+52). All zeros: not specified.
 */
export function isoDate7(b: Uint8Array): IsoDate | null {
  if (b.length < 7) return null;
  if (b.subarray(0, 7).every((x) => x === 0)) return { text: 'not specified' };
  const [y, mo, d, h, mi, s] = b;
  const off = (b[6] << 24) >> 24;
  return checked(`${1900 + y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)} ${gmtOffset(off)}`, { mo, d, h, mi, s, off });
}

/**
 * ECMA-119 8.4.26.1 volume-descriptor date: 16 ASCII digits (YYYYMMDDHHMMSScc, cc hundredths) and
 * a GMT offset byte (signed, 15-minute units). Digits all '0' and offset 0: not specified.
 */
export function isoDate17(b: Uint8Array): IsoDate | null {
  if (b.length < 17) return null;
  const digits = String.fromCharCode(...b.subarray(0, 16));
  const off = (b[16] << 24) >> 24;
  if ((digits === '0000000000000000' || b.subarray(0, 16).every((x) => x === 0)) && off === 0) return { text: 'not specified' };
  if (!/^[0-9]{16}$/.test(digits)) {
    return { text: JSON.stringify(digits.replace(/[^\x20-\x7e]/g, '.')), problem: 'not 16 digits' };
  }
  const f = (i: number, w: number): number => Number(digits.slice(i, i + w));
  const [y, mo, d, h, mi, s, cs] = [f(0, 4), f(4, 2), f(6, 2), f(8, 2), f(10, 2), f(12, 2), f(14, 2)];
  return checked(`${pad(y, 4)}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}.${pad(cs)} ${gmtOffset(off)}`, { y, mo, d, h, mi, s, off });
}

/** One character of a quoted preview: escapes for controls, quotes and backslashes. */
function visible(code: number): string {
  if (code === 0) return '\\0';
  if (code === 0x22) return '\\"';
  if (code === 0x5c) return '\\\\';
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return '\\x' + code.toString(16).padStart(2, '0');
  if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
  return String.fromCharCode(code);
}

/** Up to `chars` UCS-2 big-endian characters (Joliet), stopping at NUL; quoted. */
export function ucs2be(b: Uint8Array, chars = 8): string | null {
  if (b.length < 2) return null;
  let s = '';
  for (let i = 0; i + 1 < b.length && i / 2 < chars; i += 2) {
    const c = (b[i] << 8) | b[i + 1];
    if (c === 0) break;
    s += visible(c);
  }
  return `"${s}"`;
}

/** Up to `chars` ASCII characters, other bytes escaped; quoted. */
export function ascii(b: Uint8Array, chars = 16): string | null {
  if (b.length < 1) return null;
  let s = '';
  for (let i = 0; i < Math.min(chars, b.length); i++) s += b[i] >= 0x80 ? '\\x' + b[i].toString(16) : visible(b[i]);
  return `"${s}"`;
}

/** A GUID as GPT/UEFI store it: the first three groups little-endian, the rest as bytes. */
export function guid(b: Uint8Array): string | null {
  return b.length < 16 ? null : formatGuid(b);
}

export function binary(b: Uint8Array): string | null {
  if (b.length < 1) return null;
  const s = b[0].toString(2).padStart(8, '0');
  return `${s.slice(0, 4)} ${s.slice(4)}`;
}

function num(v: number | bigint | null): string | null {
  return v === null ? null : String(v);
}

function withHex(v: number | bigint | null, bytes: number): string | null {
  if (v === null) return null;
  const big = BigInt(v);
  const u = big < 0n ? big + (1n << BigInt(bytes * 8)) : big;
  return `${String(v)}  (0x${u.toString(16).toUpperCase().padStart(bytes * 2, '0')})`;
}

/** Every row of the inspector for the bytes at the cursor. */
export function inspect(b: Uint8Array, le: boolean): InspectorRow[] {
  const e = le ? 'LE' : 'BE';
  const rows: InspectorRow[] = [
    { key: 'binary', label: 'Binary', value: binary(b), length: 1 },
    { key: 'uint8', label: 'uint8', value: withHex(int(b, 1, false, le), 1), length: 1 },
    { key: 'int8', label: 'int8', value: num(int(b, 1, true, le)), length: 1 },
    { key: 'uint16', label: `uint16 ${e}`, value: withHex(int(b, 2, false, le), 2), length: 2 },
    { key: 'int16', label: `int16 ${e}`, value: num(int(b, 2, true, le)), length: 2 },
    { key: 'uint32', label: `uint32 ${e}`, value: withHex(int(b, 4, false, le), 4), length: 4 },
    { key: 'int32', label: `int32 ${e}`, value: num(int(b, 4, true, le)), length: 4 },
    { key: 'uint64', label: `uint64 ${e}`, value: num(int64(b, false, le)), length: 8 },
    { key: 'int64', label: `int64 ${e}`, value: num(int64(b, true, le)), length: 8 },
    { key: 'float32', label: `float32 ${e}`, value: float(b, 4, le), length: 4 },
    { key: 'float64', label: `float64 ${e}`, value: float(b, 8, le), length: 8 },
  ];
  for (const [bytes, key] of [[2, 'both16'], [4, 'both32']] as const) {
    const v = bothEndian(b, bytes);
    rows.push({
      key, label: `Both-endian ${bytes * 8}`, length: bytes * 2,
      value: v === null ? null : v.ok ? String(v.value) : `LE ${v.le} ≠ BE ${v.be}`,
      problem: v && !v.ok ? 'little- and big-endian copies differ' : undefined,
    });
  }
  const d7 = isoDate7(b);
  rows.push({ key: 'date7', label: 'Date (7-byte)', value: d7 && d7.text, length: 7, problem: d7?.problem });
  const d17 = isoDate17(b);
  rows.push({ key: 'date17', label: 'Date (17-byte)', value: d17 && d17.text, length: 17, problem: d17?.problem });
  rows.push({ key: 'ascii', label: 'ASCII', value: ascii(b, 16), length: Math.min(16, b.length) });
  rows.push({ key: 'ucs2be', label: 'UCS-2 BE', value: ucs2be(b, 8), length: Math.min(16, b.length - (b.length % 2)) });
  rows.push({ key: 'guid', label: 'GUID (GPT)', value: guid(b), length: 16 });
  return rows;
}

/** Bytes the inspector wants at the cursor. */
export const INSPECT_BYTES = 17;
