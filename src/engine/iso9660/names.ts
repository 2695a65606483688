// ECMA-119 7.5 File identifiers (name, extension, ";version") and 6.5.1 multi-extent file sections;
// the ISO 9660 and Joliet name rules: which names each can hold (the edit model's checks) and the
// names the writer makes from any name (isoNames, jolietNames), from one set of Joliet characters.
import { UnsupportedFeatureError } from '../errors';

/**
 * Display name of an ISO 9660 / Joliet file identifier: drops the version (7.5.1 SEPARATOR 2 and
 * version number) and a trailing SEPARATOR 1 left with an empty extension.
 * "FOO.TXT;1" → "FOO.TXT", "FOO.;1" → "FOO", "README." → "README". '.' and '..' are kept.
 */
export function stripVersion(name: string): string {
  if (name === '.' || name === '..') return name;
  let s = name.replace(/;\d*$/u, '');
  if (s.length > 1 && s.endsWith('.')) s = s.slice(0, -1);
  return s.length > 0 ? s : name;
}

/**
 * Groups the records of one directory into files (ECMA-119 6.5.1, 9.1.6 bit 7): consecutive
 * records with the same identifier, all but the last flagged multi-extent, form one file.
 * A group that is broken — followed by a different name, or still flagged multi-extent at the end
 * of the directory — is returned as it is, and reported through `onBroken` when given.
 */
export function groupMultiExtent<T extends { multiExtent: boolean; name: string }>(records: T[], onBroken?: (group: T[], reason: string) => void): T[][] {
  const groups: T[][] = [];
  let open: T[] | null = null;
  for (const rec of records) {
    if (open) {
      if (rec.name === open[0].name) {
        open.push(rec);
        if (!rec.multiExtent) { groups.push(open); open = null; }
        continue;
      }
      onBroken?.(open, `multi-extent file ${JSON.stringify(open[0].name)} is interrupted by ${JSON.stringify(rec.name)} before its last extent`);
      groups.push(open);
      open = null;
    }
    if (rec.multiExtent) open = [rec];
    else groups.push([rec]);
  }
  if (open) {
    onBroken?.(open, `multi-extent file ${JSON.stringify(open[0].name)} has no final extent (the directory ends with a record flagged multi-extent)`);
    groups.push(open);
  }
  return groups;
}

/** Joliet spec 3.3: the characters a Joliet name cannot hold — * / : ; ? \ and control characters (0x00-0x1F). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what Joliet forbids
const JOLIET_FORBIDDEN = /[*/:;?\\\u0000-\u001f]/u;
/** Joliet spec 3.3 (long names, as mkisofs -joliet-long): at most 103 UCS-2 units. */
const JOLIET_MAX_UNITS = 103;

// ---- Name rules (the edit model refuses what a namespace cannot hold) ------------------------

/** Why a name cannot be a Joliet name (≤ 103 UCS-2 units, none of * / : ; ? \ or control characters), or null. */
export function jolietProblem(name: string): string | null {
  if (name.length > JOLIET_MAX_UNITS) return `the name is ${name.length} UCS-2 characters; Joliet names are limited to ${JOLIET_MAX_UNITS}`;
  const bad = JOLIET_FORBIDDEN.exec(name);
  if (bad) return `Joliet names cannot contain ${bad[0] < ' ' ? `control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')}` : JSON.stringify(bad[0])} (forbidden: * / : ; ? \\ and control characters)`;
  return null;
}

/**
 * Why a name is not a legal ISO 9660 identifier at an interchange level, or null. Levels 1–3
 * (ECMA-119 7.5, 7.6): d-characters A–Z 0–9 _; files NAME.EXT with one dot (level 1: 8.3;
 * levels 2–3: at most 30 characters besides the dot); directories without a dot (level 1: 8
 * characters, levels 2–3: 31). Level 4 (ISO 9660:1999): up to 207 bytes, no ";".
 */
export function iso9660NameProblem(name: string, kind: 'file' | 'dir', level: 1 | 2 | 3 | 4): string | null {
  if (level === 4) {
    if (Buffer.byteLength(name, 'utf8') > 207) return 'ISO 9660:1999 names are limited to 207 bytes';
    if (name.includes(';')) return 'ISO 9660 names cannot contain ";" (it separates the version number)';
    return null;
  }
  const suggestion = name.toUpperCase().replace(/[^A-Z0-9_.]/g, '_');
  if (/[a-z]/.test(name) && /^[A-Za-z0-9_.]*$/.test(name)) return `ISO 9660 names are upper case (d-characters A–Z, 0–9, _): use ${JSON.stringify(suggestion)}`;
  if (kind === 'dir') {
    if (!/^[A-Z0-9_]+$/.test(name)) return `ISO 9660 directory names may contain only A–Z, 0–9 and _ (no dot)${/[^A-Z0-9_]/.test(name) ? `, e.g. ${JSON.stringify(suggestion.replace(/\./g, '_'))}` : ''}`;
    const max = level === 1 ? 8 : 31;
    if (name.length > max) return `ISO 9660 level ${level === 1 ? 1 : '2/3'} directory names are limited to ${max} characters`;
    return null;
  }
  if (!/^[A-Z0-9_]*(\.[A-Z0-9_]*)?$/.test(name)) return `ISO 9660 file names may contain only A–Z, 0–9, _ and one dot, e.g. ${JSON.stringify(suggestion)}`;
  const dot = name.indexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base === '' && ext === '') return 'an ISO 9660 file name needs a name or an extension';
  if (level === 1) {
    if (base.length > 8 || ext.length > 3) return 'ISO 9660 level 1 file names are limited to 8 characters and a 3-character extension (8.3)';
  } else if (base.length + ext.length > 30) {
    return 'ISO 9660 level 2/3 file names are limited to 30 characters besides the dot';
  }
  return null;
}

// ---- Serialization (the writer) -------------------------------------------------------------
// ECMA-119 7.5 / 7.6 identifiers, ISO 9660:1999 7.5 (level 4), Joliet spec 3.3 (UCS-2 names), 9.3 order.

export interface NameRequest { name: string; dir: boolean }

/** A name being built: base, separator ('.' or '') and extension, before the version is added. */
interface Parts { base: string; sep: string; ext: string }

interface Scheme {
  /** Mangled and truncated parts of a request (they already fit). */
  parts(r: NameRequest): Parts;
  /** Units the base may take beside this separator + extension. */
  maxBase(p: Parts, dir: boolean): number;
  /** Length in the scheme's units (characters, or UTF-8 bytes at level 4). */
  len(s: string): number;
  format(p: Parts, dir: boolean): string;
  /** Uniqueness key: two entries with the same key would read back as the same name. */
  key(p: Parts, dir: boolean): string;
}

const utf8enc = new TextEncoder();
const utf8Length = (s: string): number => utf8enc.encode(s).length;

/** Longest prefix of `s` (whole code points) of at most `max` units. */
function truncateUnits(s: string, max: number, len: (s: string) => number): string {
  if (len(s) <= max) return s;
  if (max <= 0) return '';
  let out = '';
  for (const ch of s) {
    if (len(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/** ECMA-119 7.4.1 d-characters: A-Z 0-9 _; lowercase ASCII is uppercased, anything else becomes '_'. */
function dChars(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(c - 0x20);
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f) out += ch;
    else out += '_';
  }
  return out;
}

/** Base and extension at the last dot; a leading dot (".bashrc") is not an extension separator. */
function splitExt(name: string): { base: string; ext: string | null } {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? { base: name.slice(0, dot), ext: name.slice(dot + 1) } : { base: name, ext: null };
}

function isoScheme(level: 1 | 2 | 3 | 4): Scheme {
  const len = level === 4 ? utf8Length : (s: string) => s.length;
  if (level === 4) {
    // ISO 9660:1999 7.5: up to 207 bytes, any character but 0x00 and '/'; no version, no forced separator.
    const clean = (s: string) => {
      const t = s.replace(/[\0/]/g, '_');
      return t === '\x01' ? '_' : t; // [0x01] is the ".." identifier
    };
    return {
      len,
      parts(r) {
        const n = clean(r.name);
        const sp = r.dir ? { base: n, ext: null } : splitExt(n);
        let p: Parts = sp.ext === null ? { base: sp.base, sep: '', ext: '' } : { base: sp.base, sep: '.', ext: sp.ext };
        if (len(p.base + p.sep + p.ext) > 207) {
          if (p.sep && len(p.ext) + 1 <= 207 - 16) p = { ...p, base: truncateUnits(p.base, 207 - 1 - len(p.ext), len) };
          else p = { base: truncateUnits(p.base + p.sep + p.ext, 207, len), sep: '', ext: '' };
        }
        return p;
      },
      maxBase: (p) => 207 - len(p.sep + p.ext),
      format: (p) => p.base + p.sep + p.ext,
      key: (p) => p.base + p.sep + p.ext,
    };
  }
  const fileMax = level === 1 ? 8 : 30; // level 1: 8.3; levels 2-3: name + extension <= 30 (7.5.1)
  const dirMax = level === 1 ? 8 : 31;  // 7.6.3
  return {
    len,
    parts(r) {
      if (r.dir) return { base: dChars(r.name).slice(0, dirMax) || '_', sep: '', ext: '' };
      const sp = splitExt(r.name);
      let base = dChars(sp.base) || '_';
      let ext = sp.ext === null ? '' : dChars(sp.ext);
      if (level === 1) {
        base = base.slice(0, 8);
        ext = ext.slice(0, 3);
      } else if (base.length + ext.length > 30) {
        if (ext.length > 22) ext = ext.slice(0, Math.max(22, 30 - base.length));
        base = base.slice(0, 30 - ext.length);
      }
      return { base, sep: '.', ext };
    },
    maxBase: (p, dir) => (dir ? dirMax : level === 1 ? fileMax : fileMax - p.ext.length),
    format: (p, dir) => (dir ? p.base : `${p.base}.${p.ext};1`),
    key: (p, dir) => (dir || p.ext === '' ? p.base : `${p.base}.${p.ext}`),
  };
}

/** The n-th collision counter: 00-99, then 000-999, then 0000-9999 … */
function counterText(n: number): string {
  let digits = 2, span = 100;
  while (n >= span) { n -= span; digits++; span *= 10; }
  return String(n).padStart(digits, '0');
}

/** Parts with the tail of the base replaced by `counter`; the extension shrinks only when the base cannot hold the counter. */
function withCounter(s: Scheme, p: Parts, dir: boolean, counter: string): Parts | null {
  let ext = p.ext;
  for (;;) {
    const q = { base: p.base, sep: p.sep, ext };
    const room = s.maxBase(q, dir) - s.len(counter);
    if (room >= 0) return { ...q, base: truncateUnits(p.base, room, s.len) + counter };
    if (ext === '') return null;
    ext = Array.from(ext).slice(0, -1).join('');
  }
}

/** Makes the names of one directory unique; result i belongs to request i. */
function uniquify(reqs: NameRequest[], s: Scheme, foldCase: boolean): string[] {
  const parts = reqs.map((r) => s.parts(r));
  const keys = parts.map((p, i) => s.key(p, reqs[i].dir));
  // Which request of a group of equal keys keeps the plain name: the one already spelled that way,
  // then one equal ignoring case, then the smallest original name, then the first request.
  const exactness = (i: number): number => {
    const n = reqs[i].name;
    if (n === keys[i]) return 0;
    return foldCase && n.toUpperCase() === keys[i] ? 1 : 2;
  };
  const order = reqs.map((_, i) => i).sort((a, b) => {
    if (keys[a] !== keys[b]) return keys[a] < keys[b] ? -1 : 1;
    const ea = exactness(a), eb = exactness(b);
    if (ea !== eb) return ea - eb;
    const na = reqs[a].name, nb = reqs[b].name;
    if (na !== nb) return na < nb ? -1 : 1;
    return a - b;
  });
  const used = new Set<string>(keys);
  const out: string[] = new Array(reqs.length);
  const next = new Map<string, number>();
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    if (j === 0 || keys[order[j - 1]] !== keys[i]) { // first of its group: keeps the plain name
      out[i] = s.format(parts[i], reqs[i].dir);
      continue;
    }
    let k = next.get(keys[i]) ?? 0;
    for (;; k++) {
      const q = withCounter(s, parts[i], reqs[i].dir, counterText(k));
      if (!q) throw new UnsupportedFeatureError(`cannot make a unique name for ${JSON.stringify(reqs[i].name)} in its directory`);
      const key = s.key(q, reqs[i].dir);
      if (used.has(key)) continue;
      used.add(key);
      out[i] = s.format(q, reqs[i].dir);
      break;
    }
    next.set(keys[i], k + 1);
  }
  return out;
}

/**
 * ISO 9660 identifiers for the entries of ONE directory. Level 1: 8.3 d-characters; levels 2-3:
 * name + extension up to 30 (directories 31) d-characters; files get "." and ";1" (ECMA-119 7.5.1).
 * Level 4 (ISO 9660:1999): up to 207 UTF-8 bytes, case kept, only 0x00 and '/' replaced, no version.
 * Collisions get a counter in place of the tail of the base name ("LONGNA00.TXT;1"); the entry
 * already spelled like the plain name keeps it. All results are unique, also after the version
 * and an empty extension are stripped (a file "A.;1" and a directory "A" would both read as "A").
 */
export function isoNames(reqs: NameRequest[], level: 1 | 2 | 3 | 4): string[] {
  return uniquify(reqs, isoScheme(level), level !== 4);
}

/**
 * Joliet names (Joliet spec 3.3: up to 64 UCS-2 characters, 103 with long names) for the entries of
 * ONE directory: control characters, * / : ; ? \ and characters outside the BMP → '_', truncated
 * keeping the extension, collisions resolved with a counter as isoNames; no ";1" (like xorriso).
 */
export function jolietNames(reqs: NameRequest[], maxChars: 64 | typeof JOLIET_MAX_UNITS = 64): string[] {
  const len = (t: string) => t.length;
  const clean = (t: string) => {
    let out = '';
    for (const ch of t) {
      const c = ch.codePointAt(0) as number;
      out += c > 0xffff || (c >= 0xd800 && c <= 0xdfff) || JOLIET_FORBIDDEN.test(ch) ? '_' : ch;
    }
    return out;
  };
  const scheme: Scheme = {
    len,
    parts(r) {
      const n = clean(r.name);
      const sp = r.dir ? { base: n, ext: null } : splitExt(n);
      let p: Parts = sp.ext === null ? { base: sp.base, sep: '', ext: '' } : { base: sp.base, sep: '.', ext: sp.ext };
      if (len(p.base + p.sep + p.ext) > maxChars) {
        if (p.sep && p.ext.length + 1 <= maxChars - 8) p = { ...p, base: p.base.slice(0, maxChars - 1 - p.ext.length) };
        else p = { base: (p.base + p.sep + p.ext).slice(0, maxChars), sep: '', ext: '' };
      }
      return p;
    },
    maxBase: (p) => maxChars - len(p.sep + p.ext),
    format: (p) => p.base + p.sep + p.ext,
    key: (p) => p.base + p.sep + p.ext,
  };
  return uniquify(reqs, scheme, false);
}

/** Identifier bytes of an ISO 9660 name: UTF-8 (identical to the characters for levels 1-3, which are ASCII). */
export function encodeIsoIdentifier(name: string): Uint8Array {
  return utf8enc.encode(name);
}

/** Identifier bytes of a Joliet name: UCS-2 big-endian; characters outside the BMP (and lone surrogates) → '_'. */
export function encodeJolietIdentifier(name: string): Uint8Array {
  const units: number[] = [];
  for (const ch of name) {
    const c = ch.codePointAt(0) as number;
    units.push(c > 0xffff || (c >= 0xd800 && c <= 0xdfff) ? 0x5f : c);
  }
  const b = new Uint8Array(units.length * 2);
  units.forEach((u, i) => { b[2 * i] = u >> 8; b[2 * i + 1] = u & 0xff; });
  return b;
}

/**
 * Compares two byte strings, the shorter padded with 0x20 (unit 1) or with 00 20 (unit 2, UCS-2)
 * as ECMA-119 9.3 and 6.9.1 order identifiers.
 */
export function comparePadded(a: Uint8Array, b: Uint8Array, unit: 1 | 2 = 1): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const pad = unit === 2 && (i & 1) === 0 ? 0x00 : 0x20;
    const x = i < a.length ? a[i] : pad;
    const y = i < b.length ? b[i] : pad;
    if (x !== y) return x - y;
  }
  return 0;
}

/** Splits an identifier into name, extension and version (9.3 compares them in that order). */
function identifierParts(id: Uint8Array, unit: 1 | 2): { name: Uint8Array; ext: Uint8Array; version: number } {
  const at = (i: number) => (unit === 2 ? (id[i] << 8) | id[i + 1] : id[i]);
  const n = id.length - (id.length % unit);
  let semi = -1;
  for (let i = n - unit; i >= 0; i -= unit) if (at(i) === 0x3b) { semi = i; break; }
  const end = semi >= 0 ? semi : n;
  let dot = -1;
  for (let i = 0; i < end; i += unit) if (at(i) === 0x2e) { dot = i; break; }
  let version = 0;
  if (semi >= 0) {
    for (let i = semi + unit; i < n; i += unit) {
      const c = at(i);
      if (c < 0x30 || c > 0x39) break;
      version = version * 10 + (c - 0x30);
    }
  }
  return {
    name: id.subarray(0, dot >= 0 ? dot : end),
    ext: dot >= 0 ? id.subarray(dot + unit, end) : new Uint8Array(0),
    version,
  };
}

/**
 * ECMA-119 9.3 order of directory records: file name, then extension (the shorter padded with
 * 0x20), then version descending. `joliet`: the identifiers are UCS-2 BE (compared per character,
 * padded with U+0020).
 */
export function compareIdentifiers(a: Uint8Array, b: Uint8Array, joliet = false): number {
  const unit = joliet ? 2 : 1;
  const pa = identifierParts(a, unit), pb = identifierParts(b, unit);
  return comparePadded(pa.name, pb.name, unit) || comparePadded(pa.ext, pb.ext, unit) || pb.version - pa.version;
}
