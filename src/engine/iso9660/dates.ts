// ECMA-119 dates: the 17-byte volume descriptor date-time (8.4.26.1) and the 7-byte
// directory-record date-time (9.1.5). Both carry an offset from GMT in 15-minute steps.
import { InvalidArgumentError } from '../errors';
import type { FieldReader } from '../structure/fields';

export interface IsoDate {
  /** The instant. */
  readonly date: Date;
  /** ISO 8601 in the recorded zone, e.g. "2024-01-02T03:04:05.06+01:00". */
  readonly iso: string;
  /** Recorded offset from GMT in minutes (-720..780). */
  readonly gmtOffsetMinutes: number;
}

function pad(n: number, w = 2): string { return String(n).padStart(w, '0'); }

/** An IsoDate whose ISO 8601 text is only built when asked for (listings need only the instant). */
class RecordedDate implements IsoDate {
  constructor(
    readonly date: Date, readonly gmtOffsetMinutes: number,
    private readonly y: number, private readonly mo: number, private readonly d: number,
    private readonly h: number, private readonly mi: number, private readonly s: number, private readonly cs: number,
  ) {}
  get iso(): string {
    const { y, mo, d, h, mi, s, cs } = this;
    const off = this.gmtOffsetMinutes;
    const a = Math.abs(off);
    const frac = cs ? `.${pad(cs)}` : '';
    return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${frac}${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  }
  toJSON(): string { return this.iso; }
}

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, cs: number, offQ: number): IsoDate | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || cs > 99) return null;
  const off = (offQ > 127 ? offQ - 256 : offQ) * 15; // signed 8-bit count of 15-minute intervals
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, cs * 10) - off * 60_000;
  return new RecordedDate(new Date(utc), off, y, mo, d, h, mi, s, cs);
}

/** ECMA-119 8.4.26.1: "YYYYMMDDhhmmsscc" digits + offset byte. All-zero ("0000…", 0) → null (not specified). */
export function parseDate17(b: Uint8Array, off: number): IsoDate | null {
  let digits = '';
  for (let i = 0; i < 16; i++) digits += String.fromCharCode(b[off + i]);
  if (!/^\d{16}$/.test(digits) || /^0{16}$/.test(digits)) return null;
  const n = (s: number, l: number) => parseInt(digits.slice(s, s + l), 10);
  return build(n(0, 4), n(4, 2), n(6, 2), n(8, 2), n(10, 2), n(12, 2), n(14, 2), b[off + 16]);
}

/** ECMA-119 9.1.5: years since 1900, month, day, hour, minute, second, GMT offset. All-zero → null. */
export function parseDate7(b: Uint8Array, off: number): IsoDate | null {
  let zero = true;
  for (let i = 0; i < 7; i++) if (b[off + i] !== 0) { zero = false; break; }
  if (zero) return null;
  return build(1900 + b[off], b[off + 1], b[off + 2], b[off + 3], b[off + 4], b[off + 5], 0, b[off + 6]);
}

/** Reads a 17-byte date as a recorded field. */
export function date17Field(r: FieldReader, name: string, off: number, spec = 'ECMA-119 8.4.26.1'): IsoDate | null {
  const d = parseDate17(r.buf, off);
  if (r.record) r.field(name, off, 17, d ? d.iso : null, d ? d.iso : '(not specified)', 'date', spec);
  return d;
}

/** Reads a 7-byte date as a recorded field. */
export function date7Field(r: FieldReader, name: string, off: number, spec = 'ECMA-119 9.1.5'): IsoDate | null {
  const d = parseDate7(r.buf, off);
  if (r.record) r.field(name, off, 7, d ? d.iso : null, d ? d.iso : '(not specified)', 'date', spec);
  return d;
}

// ---- Serialization (the writer) -------------------------------------------------------------

function checkDate(d: Date, what: string): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(t)) throw new InvalidArgumentError(`${what}: ${String(d)} is not a valid date`);
  return t;
}

/**
 * ECMA-119 9.1.5: 7-byte recording date and time, written in UTC (offset 0). Instants before
 * 1900-01-01 or after 2155-12-31 23:59:59 (what the year byte can hold) are clamped to those bounds.
 */
export function encodeDate7(d: Date): Uint8Array {
  const t = checkDate(d, '7-byte date');
  const lo = Date.UTC(1900, 0, 1), hi = Date.UTC(2155, 11, 31, 23, 59, 59);
  const u = new Date(Math.min(hi, Math.max(lo, t)));
  return Uint8Array.of(u.getUTCFullYear() - 1900, u.getUTCMonth() + 1, u.getUTCDate(), u.getUTCHours(), u.getUTCMinutes(), u.getUTCSeconds(), 0);
}

/** 0001-01-01T00:00:00Z (Date.UTC maps years 0–99 to 1900–1999). */
const YEAR1 = new Date(0).setUTCFullYear(1, 0, 1);

/**
 * ECMA-119 8.4.26.1: 17-byte "YYYYMMDDhhmmsscc" + offset, written in UTC (offset 0). null →
 * "0000000000000000" and 0 (not specified). Years outside 0001–9999 are clamped.
 */
export function encodeDate17(d: Date | null): Uint8Array {
  const out = new Uint8Array(17);
  if (d === null) {
    out.fill(0x30, 0, 16);
    return out;
  }
  const t = checkDate(d, '17-byte date');
  const lo = YEAR1, hi = Date.UTC(9999, 11, 31, 23, 59, 59, 990);
  const u = new Date(Math.min(hi, Math.max(lo, t)));
  const text = pad(u.getUTCFullYear(), 4) + pad(u.getUTCMonth() + 1) + pad(u.getUTCDate())
    + pad(u.getUTCHours()) + pad(u.getUTCMinutes()) + pad(u.getUTCSeconds()) + pad(Math.floor(u.getUTCMilliseconds() / 10));
  for (let i = 0; i < 16; i++) out[i] = text.charCodeAt(i);
  return out;
}
