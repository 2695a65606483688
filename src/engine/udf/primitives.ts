// ECMA-167 basic recorded types, read as structure-map fields: charspec (1/7.2.1), dstring with
// OSTA CS0 compressed Unicode (1/7.2.12, OSTA UDF 2.60 2.1.1), timestamp (1/7.3, UDF 2.1.4),
// entity identifier / regid (1/7.4, UDF 2.1.5), extent_ad (3/7.1), lb_addr (4/7.1), short_ad
// (4/14.14.1) and long_ad (4/14.14.2).
import type { Field, FieldReader } from '../structure/fields';
import { be16, le16, le32 } from '../bytes/endian';


/** Marks a recorded field as inconsistent (and records the problem on the reader). */
export function flag(r: FieldReader, f: Field, msg: string): void {
  r.addProblem(f, msg);
}

/** Decodes OSTA CS0 bytes (compression id then 8- or 16-bit characters); null for an unknown id. */
export function decodeCs0(b: Uint8Array): string | null {
  if (b.length === 0) return '';
  const id = b[0];
  let s = '';
  if (id === 8 || id === 254) {
    for (let i = 1; i < b.length; i++) s += String.fromCharCode(b[i]);
  } else if (id === 16 || id === 255) {
    for (let i = 1; i + 1 < b.length; i += 2) s += String.fromCharCode(be16(b, i));
  } else {
    return null;
  }
  return s;
}

/** 1/7.2.12 fixed-length dstring: CS0 bytes, the last byte holds the number of bytes used. */
export function dstring(r: FieldReader, name: string, off: number, len: number, spec = '1/7.2.12'): string {
  const b = r.buf.subarray(off, off + len);
  const used = b[len - 1];
  let value = '';
  let problem: string | undefined;
  if (used === 0) {
    value = '';
  } else if (used > len - 1) {
    problem = `length byte ${used} exceeds the field (${len - 1} bytes)`;
  } else {
    const s = decodeCs0(b.subarray(0, used));
    if (s === null) problem = `unknown compression id ${b[0]} (8 or 16 expected)`;
    else value = s;
  }
  r.field(name, off, len, value, problem ? '(unreadable)' : JSON.stringify(value), 'text', spec, problem);
  return value;
}

/** 1/7.2.1 charspec: type and 63 bytes of information ("OSTA Compressed Unicode" for UDF CS0). */
export function charspec(r: FieldReader, name: string, off: number, spec = '1/7.2.1'): void {
  const t = r.buf[off];
  let info = '';
  for (let i = 1; i < 64 && r.buf[off + i] !== 0; i++) info += String.fromCharCode(r.buf[off + i]);
  r.field(name, off, 64, `CS${t} ${info}`.trim(), `CS${t}${info ? ` "${info}"` : ''}`, 'enum', spec);
}

function pad(n: number, w = 2): string { return String(Math.abs(n)).padStart(w, '0'); }

/** 1/7.3 timestamp: type and time zone, year, month, day, hour, minute, second, 1/100, 1/10000, 1/1000000 s. */
export function timestamp(r: FieldReader, name: string, off: number, spec = '1/7.3'): string | null {
  const b = r.buf;
  if (b.subarray(off, off + 12).every(x => x === 0)) {
    r.field(name, off, 12, null, '(not specified)', 'date', spec);
    return null;
  }
  const tt = le16(b, off);
  const type = tt >> 12;
  let tz = tt & 0x0fff;
  if (tz & 0x800) tz -= 0x1000;
  const y = (le16(b, off + 2) << 16) >> 16; // signed 16-bit year
  const [mo, d, h, mi, s, cs, hu, us] = [b[off + 4], b[off + 5], b[off + 6], b[off + 7], b[off + 8], b[off + 9], b[off + 10], b[off + 11]];
  const micro = cs * 10000 + hu * 100 + us;
  const frac = micro ? `.${String(micro).padStart(6, '0').replace(/0+$/, '')}` : '';
  const zone = tz === -2047 ? '' : `${tz < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(tz) / 60))}:${pad(Math.abs(tz) % 60)}`;
  const iso = `${y < 0 ? '-' : ''}${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${frac}${zone}`;
  let problem: string | undefined;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || cs > 99 || hu > 99 || us > 99) problem = 'a date or time component is out of range';
  else if (type !== 1) problem = `type ${type} (UDF 2.1.4 requires 1, local time)`;
  else if (tz !== -2047 && (tz < -1440 || tz > 1440)) problem = `time zone offset ${tz} minutes is out of range`;
  r.field(name, off, 12, iso, tz === -2047 ? `${iso} (no time zone)` : iso, 'date', spec, problem);
  return iso;
}

/**
 * 1/7.4 entity identifier (regid): flags, 23-byte identifier, 8-byte suffix. UDF identifiers
 * ("*OSTA UDF Compliant", "*UDF …") carry the UDF revision (BCD) in the suffix (UDF 2.1.5.3).
 */
export function regid(r: FieldReader, name: string, off: number, spec = '1/7.4'): string {
  const b = r.buf;
  let id = '';
  for (let i = 1; i < 24 && b[off + i] !== 0; i++) id += String.fromCharCode(b[off + i]);
  const suffix = b.subarray(off + 24, off + 32);
  let extra = '';
  if (id.startsWith('*OSTA UDF') || id.startsWith('*UDF')) {
    const rev = le16(suffix, 0);
    extra = ` (UDF ${(rev >> 8).toString(16)}.${(rev & 0xff).toString(16).padStart(2, '0')})`;
  } else if (suffix.some(x => x !== 0)) {
    extra = ` (suffix ${Array.from(suffix, x => x.toString(16).padStart(2, '0')).join('')})`;
  }
  const flags = b[off];
  r.field(name, off, 32, id, `${JSON.stringify(id)}${extra}${flags ? `, flags 0x${flags.toString(16)}` : ''}`, 'text', spec);
  return id;
}

export interface ExtentAd { length: number; location: number }

/** 3/7.1 extent_ad: length in bytes, location (logical sector). */
export function extentAd(r: FieldReader, name: string, off: number, spec = '3/7.1'): ExtentAd {
  const length = le32(r.buf, off), location = le32(r.buf, off + 4);
  r.field(name, off, 8, `${location}+${length}`, length ? `sector ${location}, ${length} bytes` : '(none)', 'pointer', spec);
  return { length, location };
}

export interface LongAd { length: number; type: number; lbn: number; partition: number }

const AD_TYPES = ['recorded', 'allocated, not recorded', 'not allocated', 'next extent of allocation descriptors'];

/** 4/14.14.2 long_ad: extent length (top 2 bits: type), lb_addr (4/7.1), 6 bytes implementation use. */
export function longAd(r: FieldReader, name: string, off: number, spec = '4/14.14.2'): LongAd {
  const raw = le32(r.buf, off);
  const length = raw % 0x40000000, type = Math.floor(raw / 0x40000000);
  const lbn = le32(r.buf, off + 4), partition = le16(r.buf, off + 8);
  r.field(name, off, 16, `${partition}:${lbn}+${length}`, length ? `partition ${partition} block ${lbn}, ${length} bytes${type ? `, ${AD_TYPES[type]}` : ''}` : '(none)', 'pointer', spec);
  return { length, type, lbn, partition };
}

export interface ShortAd { length: number; type: number; position: number }

/** 4/14.14.1 short_ad: extent length (top 2 bits: type), position (logical block in the partition). */
export function shortAd(r: FieldReader, name: string, off: number, spec = '4/14.14.1'): ShortAd {
  const raw = le32(r.buf, off);
  const length = raw % 0x40000000, type = Math.floor(raw / 0x40000000);
  const position = le32(r.buf, off + 4);
  r.field(name, off, 8, `${position}+${length}`, length ? `block ${position}, ${length} bytes${type ? `, ${AD_TYPES[type]}` : ''}` : '(none)', 'pointer', spec);
  return { length, type, position };
}
