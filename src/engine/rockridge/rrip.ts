// Rock Ridge Interchange Protocol (RRIP 1.12 §4.1) entries, plus the SUSP-conforming zisofs (ZF/Z2)
// and AAIP 2.0 (AL) entries xorriso writes. Every field is read through a FieldReader so the same
// decoders feed both `parseRockRidge` and the structure map (`describeRripEntry`).
import type { DiagnosticSink } from '../errors';
import type { IsoDate } from '../iso9660/dates';
import { date17Field, date7Field } from '../iso9660/dates';
import { toHex } from '../bytes/hex';
import { FieldReader } from '../structure/fields';
import type { SuspEntry } from './susp';
import { concat } from '../bytes/concat';

export interface RockRidge {
  px?: { mode: number; nlink: number; uid: number; gid: number; ino?: number };
  pn?: { high: number; low: number };
  sl?: string;
  nm?: string;
  nmFlags?: number;
  cl?: number; pl?: number; re: boolean;
  tf?: { created?: IsoDate; modified?: IsoDate; accessed?: IsoDate; attributes?: IsoDate; backup?: IsoDate; expiration?: IsoDate; effective?: IsoDate };
  sf?: { virtualSize: number; tableDepth?: number };
  /** `version` is the ZF entry version: 1 = zisofs ("pz"), 2 = zisofs2 ("PZ", …; also signature Z2). */
  zf?: { algorithm: string; headerSizeDiv4: number; log2BlockSize: number; uncompressedSize: number; version: number };
  rr?: number;
  /** AAIP 2.0 attributes; `encoding` tells whether `value` is UTF-8 text or hex. Name "" is the binary ACL. */
  aaip?: Array<{ name: string; value: string; encoding: 'utf8' | 'hex' }>;
  aaipSkipped?: boolean;
  unknown: string[];
}

const RRIP = 'RRIP 1.12';
const SUSP_SIGS = new Set(['CE', 'PD', 'SP', 'ST', 'ER', 'ES']);

// SL/NM/AL flag bits (RRIP 1.12 4.1.3.1, 4.1.4).
export const RR_CONTINUE = 0x01, RR_CURRENT = 0x02, RR_PARENT = 0x04, RR_ROOT = 0x08, RR_VOLROOT = 0x10, RR_HOST = 0x20;

const TF_NAMES = ['created', 'modified', 'accessed', 'attributes', 'backup', 'expiration', 'effective'] as const;
const TF_LONG_FORM = 0x80;

interface Component { flags: number; content: Uint8Array }

type Px = NonNullable<RockRidge['px']>;
type Tf = NonNullable<RockRidge['tf']>;
type Zf = NonNullable<RockRidge['zf']>;
type Sf = NonNullable<RockRidge['sf']>;

/** A decoder's result: the value, plus a problem when the entry is malformed (value may still be partial). */
interface Out<T> { value?: T; problem?: string }

function short(sig: string, len: number, need: number): string {
  return `${sig} entry too short (${len} bytes, needs ${need})`;
}

function fmtOctal(r: FieldReader): void {
  if (!r.record) return;
  const f = r.fields[r.fields.length - 1];
  if (typeof f.value === 'number') f.display = `0${f.value.toString(8)}`;
}

/** PX (RRIP 1.12 4.1.1): mode, links, uid, gid (both-endian 32), serial number (1.12 only, length 44). */
function decodePx(r: FieldReader, e: SuspEntry): Out<Px> {
  if (e.data.length < 32) return { problem: short('PX', e.length, 36) };
  const mode = r.both32('POSIX File Mode', 0, `${RRIP} 4.1.1`, 'flags'); fmtOctal(r);
  const nlink = r.both32('POSIX File Links', 8, `${RRIP} 4.1.1`);
  const uid = r.both32('POSIX File User ID', 16, `${RRIP} 4.1.1`);
  const gid = r.both32('POSIX File Group ID', 24, `${RRIP} 4.1.1`);
  const value: Px = { mode, nlink, uid, gid };
  if (e.data.length >= 40) value.ino = r.both32('POSIX File Serial Number', 32, `${RRIP} 4.1.1`);
  const problem = e.length === 36 || e.length === 44 ? undefined : `PX entry has length ${e.length} (expected 36 or 44)`;
  return { value, problem };
}

/** PN (RRIP 1.12 4.1.2): device number high and low 32 bits. */
function decodePn(r: FieldReader, e: SuspEntry): Out<{ high: number; low: number }> {
  if (e.data.length < 16) return { problem: short('PN', e.length, 20) };
  return { value: { high: r.both32('Dev_t High', 0, `${RRIP} 4.1.2`), low: r.both32('Dev_t Low', 8, `${RRIP} 4.1.2`) } };
}

/** Component records shared by SL (RRIP 1.12 4.1.3.1) and AL (AAIP 2.0): flags, LEN_CP, content. */
function decodeComponents(r: FieldReader, e: SuspEntry, spec: string): Out<{ flags: number; comps: Component[] }> {
  if (e.data.length < 1) return { problem: short(e.sig, e.length, 5) };
  const flags = r.u8('Flags', 0, spec, 'flags');
  const comps: Component[] = [];
  let pos = 1;
  let problem: string | undefined;
  while (pos < e.data.length) {
    if (pos + 2 > e.data.length) { problem = `${e.sig} component record at byte ${pos + 4} is truncated`; break; }
    const cf = r.u8('Component Flags', pos, spec, 'flags');
    const cl = r.u8('Component Length', pos + 1, spec, 'length');
    if (pos + 2 + cl > e.data.length) {
      problem = `${e.sig} component of ${cl} bytes at byte ${pos + 4} runs past the end of the entry`;
      break;
    }
    const content = e.data.subarray(pos + 2, pos + 2 + cl);
    if (cl && r.record) r.field('Component Content', pos + 2, cl, decodeBytes(content), JSON.stringify(decodeBytes(content)), 'text', spec);
    comps.push({ flags: cf, content });
    pos += 2 + cl;
  }
  return { value: { flags, comps }, problem };
}

/** NM (RRIP 1.12 4.1.4): flags, name content. */
function decodeNm(r: FieldReader, e: SuspEntry): Out<{ flags: number; content: Uint8Array }> {
  if (e.data.length < 1) return { problem: short('NM', e.length, 5) };
  const flags = r.u8('Flags', 0, `${RRIP} 4.1.4`, 'flags');
  const content = e.data.subarray(1);
  if (content.length && r.record) r.field('Name Content', 1, content.length, decodeBytes(content), JSON.stringify(decodeBytes(content)), 'text', `${RRIP} 4.1.4`);
  return { value: { flags, content } };
}

/** CL (4.1.5.1) / PL (4.1.5.2): location of the child / parent directory, both-endian 32. */
function decodeLoc(r: FieldReader, e: SuspEntry): Out<number> {
  if (e.data.length < 8) return { problem: short(e.sig, e.length, 12) };
  const name = e.sig === 'CL' ? 'Location of Child Directory' : 'Location of Parent Directory';
  return { value: r.both32(name, 0, `${RRIP} ${e.sig === 'CL' ? '4.1.5.1' : '4.1.5.2'}`, 'pointer') };
}

/** TF (RRIP 1.12 4.1.6): flags, then the flagged stamps in order, 7-byte or 17-byte (LONG_FORM). */
function decodeTf(r: FieldReader, e: SuspEntry): Out<Tf> {
  if (e.data.length < 1) return { problem: short('TF', e.length, 5) };
  const flags = r.u8('Flags', 0, `${RRIP} 4.1.6`, 'flags');
  const size = flags & TF_LONG_FORM ? 17 : 7;
  const tf: Tf = {};
  let pos = 1;
  for (let bit = 0; bit < 7; bit++) {
    if (!(flags & (1 << bit))) continue;
    if (pos + size > e.data.length) return { value: tf, problem: `TF entry announces more time stamps than its ${e.length} bytes hold` };
    const d = size === 17 ? date17Field(r, TF_NAMES[bit], pos, `${RRIP} 4.1.6`) : date7Field(r, TF_NAMES[bit], pos, `${RRIP} 4.1.6`);
    if (d) tf[TF_NAMES[bit]] = d;
    pos += size;
  }
  return { value: tf, problem: pos < e.data.length ? `TF entry has ${e.data.length - pos} unused trailing bytes` : undefined };
}

/** SF (RRIP 1.12 4.1.7): virtual size high/low (both-endian 32) and table depth; RRIP 1.10 drafts used length 12. */
function decodeSf(r: FieldReader, e: SuspEntry): Out<Sf> {
  if (e.data.length >= 17) {
    const high = r.both32('Virtual File Size High', 0, `${RRIP} 4.1.7`, 'length');
    const low = r.both32('Virtual File Size Low', 8, `${RRIP} 4.1.7`, 'length');
    const tableDepth = r.u8('Table Depth', 16, `${RRIP} 4.1.7`);
    const virtualSize = high * 2 ** 32 + low;
    return { value: { virtualSize, tableDepth }, problem: Number.isSafeInteger(virtualSize) ? undefined : 'SF virtual size exceeds 2^53' };
  }
  if (e.data.length >= 8) return { value: { virtualSize: r.both32('Virtual File Size', 0, `${RRIP} 4.1.7`, 'length') } };
  return { problem: short('SF', e.length, 21) };
}

/** ZF / Z2 (zisofs, SUSP-conforming, not RRIP): algorithm, header size/4, log2 block size, size. */
function decodeZf(r: FieldReader, e: SuspEntry): Out<Zf> {
  if (e.data.length < 12) return { problem: short(e.sig, e.length, 16) };
  const spec = 'zisofs ZF entry';
  const algorithm = r.str('Algorithm', 0, 2, 'ascii', spec);
  const headerSizeDiv4 = r.u8('Header Size Div 4', 2, spec, 'length');
  const log2BlockSize = r.u8('Log2 of Block Size', 3, spec);
  // Version 1: uncompressed size both-endian 32; version 2 (zisofs2): 64-bit little-endian.
  const uncompressedSize = e.version >= 2
    ? r.u64le('Uncompressed Size', 4, spec, 'length')
    : r.both32('Uncompressed Size', 4, spec, 'length');
  return { value: { algorithm, headerSizeDiv4, log2BlockSize, uncompressedSize, version: e.version } };
}

/** RR (RRIP 1.09 §4.1.1, dropped in 1.12): flags telling which RRIP entries are present. */
function decodeRr(r: FieldReader, e: SuspEntry): Out<number> {
  if (e.data.length < 1) return { problem: short('RR', e.length, 5) };
  return { value: r.u8('Flags', 0, 'RRIP 1.09 4.1.1', 'flags') };
}

const NAMES: Record<string, [string, string]> = {
  PX: ['POSIX file attributes (PX)', `${RRIP} 4.1.1`],
  PN: ['POSIX device number (PN)', `${RRIP} 4.1.2`],
  SL: ['Symbolic link (SL)', `${RRIP} 4.1.3`],
  NM: ['Alternate name (NM)', `${RRIP} 4.1.4`],
  CL: ['Child link (CL)', `${RRIP} 4.1.5.1`],
  PL: ['Parent link (PL)', `${RRIP} 4.1.5.2`],
  RE: ['Relocated directory (RE)', `${RRIP} 4.1.5.3`],
  TF: ['Time stamps (TF)', `${RRIP} 4.1.6`],
  SF: ['Sparse file (SF)', `${RRIP} 4.1.7`],
  RR: ['Rock Ridge extensions in use (RR)', 'RRIP 1.09 4.1.1'],
  ZF: ['zisofs compression (ZF)', 'zisofs ZF entry'],
  Z2: ['zisofs2 compression (Z2)', 'zisofs2 Z2 entry'],
  AL: ['AAIP attribute list (AL)', 'AAIP 2.0'],
};

/**
 * Records the body fields (after the 4-byte header) of a non-SUSP System Use entry into `r`
 * (a FieldReader over `e.data` based at e.offset + 4) and names the structure.
 */
export function describeRripEntry(r: FieldReader, e: SuspEntry): { name: string; spec: string; problem?: string } {
  const known = NAMES[e.sig];
  if (!known) {
    if (e.data.length) r.bytes('Entry Data', 0, e.data.length, 'unknown entry');
    return { name: `System Use entry "${e.sig}" (not understood)`, spec: 'SUSP 1.12 4.1' };
  }
  const out = decodeAny(r, e);
  return { name: known[0], spec: known[1], problem: out.problem };
}

function decodeAny(r: FieldReader, e: SuspEntry): Out<unknown> {
  switch (e.sig) {
    case 'PX': return decodePx(r, e);
    case 'PN': return decodePn(r, e);
    case 'SL': return decodeComponents(r, e, `${RRIP} 4.1.3`);
    case 'AL': return decodeComponents(r, e, 'AAIP 2.0');
    case 'NM': return decodeNm(r, e);
    case 'CL': case 'PL': return decodeLoc(r, e);
    case 'RE': return { value: true };
    case 'TF': return decodeTf(r, e);
    case 'SF': return decodeSf(r, e);
    case 'ZF': case 'Z2': return decodeZf(r, e);
    case 'RR': return decodeRr(r, e);
    default: return {};
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Names are bytes in the writer's character set: UTF-8 when valid (xorriso, modern mkisofs), else Latin-1. */
export function decodeBytes(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return s;
  }
}


/** Joins SL component records (RRIP 1.12 4.1.3.1) into a path; CONTINUE joins records of one component. */
function composeSl(comps: Component[], warn: (m: string) => void): string {
  let out = '';
  let needSep = false;
  let pending: Uint8Array[] | null = null; // bytes of a component continued by CONTINUE
  const emit = (text: string) => { out += (needSep ? '/' : '') + text; needSep = true; };
  for (const c of comps) {
    const special = c.flags & (RR_CURRENT | RR_PARENT | RR_ROOT | RR_VOLROOT | RR_HOST);
    if (special && pending) { emit(decodeBytes(concat(pending))); pending = null; }
    if (c.flags & RR_CURRENT) emit('.');
    else if (c.flags & RR_PARENT) emit('..');
    else if (c.flags & (RR_ROOT | RR_VOLROOT | RR_HOST)) {
      // VOLROOT (mount point) and HOST (host name) have no meaning inside an image: read as the root.
      if (c.flags & (RR_VOLROOT | RR_HOST)) warn(`SL component flag ${c.flags & RR_VOLROOT ? 'VOLROOT' : 'HOST'} read as the root directory`);
      if (!out.endsWith('/')) out += '/';
      needSep = false;
    } else {
      (pending ??= []).push(c.content);
      if (!(c.flags & RR_CONTINUE)) { emit(decodeBytes(concat(pending))); pending = null; }
    }
  }
  if (pending) emit(decodeBytes(concat(pending)));
  return out;
}

const AAIP_NS = ['', '', 'system.', 'user.', 'isofs.', 'trusted.', 'security.'];

/** AAIP 2.0: components alternate name / value; CONTINUE joins records of one component. */
function composeAl(comps: Component[]): { pairs: NonNullable<RockRidge['aaip']>; ok: boolean } {
  const joined: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  for (const c of comps) {
    pending.push(c.content);
    if (!(c.flags & RR_CONTINUE)) { joined.push(concat(pending)); pending = []; }
  }
  let ok = pending.length === 0 && joined.length % 2 === 0 && comps.every(c => (c.flags & ~RR_CONTINUE) === 0);
  const pairs: NonNullable<RockRidge['aaip']> = [];
  for (let i = 0; i + 1 < joined.length; i += 2) {
    const nb = joined[i], vb = joined[i + 1];
    let name: string;
    if (nb.length && nb[0] >= 0x01 && nb[0] <= 0x1f) {
      if (nb[0] === 0x01) name = decodeBytes(nb.subarray(1));
      else if (nb[0] < AAIP_NS.length) name = AAIP_NS[nb[0]] + decodeBytes(nb.subarray(1));
      else { ok = false; name = decodeBytes(nb); }
    } else name = decodeBytes(nb);
    let text: string | null = null;
    if (name !== '') {
      try { text = utf8.decode(vb); } catch { text = null; }
      // eslint-disable-next-line no-control-regex
      if (text !== null && /[\x00-\x08\x0e-\x1f\x7f]/.test(text)) text = null;
    }
    pairs.push(text === null ? { name, value: toHex(vb, vb.length), encoding: 'hex' } : { name, value: text, encoding: 'utf8' });
  }
  return { pairs, ok };
}

/**
 * Decodes the Rock Ridge (and ZF/AL) information of one directory record from its SUSP entries.
 * Malformed entries are reported to `sink` and skipped or used partially.
 */
export function parseRockRidge(entries: SuspEntry[], sink: DiagnosticSink, where: string): RockRidge {
  const rr: RockRidge = { re: false, unknown: [] };
  const warn = (e: SuspEntry, m: string) => sink.warn(`${where}: ${m}`, `${e.sig} entry of ${where}`, e.offset);
  const seen = new Set<string>();
  const dup = (e: SuspEntry): boolean => {
    if (seen.has(e.sig)) { warn(e, `duplicate ${e.sig} entry ignored`); return true; }
    seen.add(e.sig);
    return false;
  };
  const nmParts: Uint8Array[] = [];
  let nmContinues = false;
  let nmSeen = false;
  const slComps: Component[] = [];
  let slContinues = false;
  let slSeen = false;
  const alComps: Component[] = [];
  let alContinues = false;
  let alSeen = false;

  for (const e of entries) {
    if (SUSP_SIGS.has(e.sig)) continue;
    if (!NAMES[e.sig]) {
      if (!rr.unknown.includes(e.sig)) rr.unknown.push(e.sig);
      continue;
    }
    const expectVersion = e.sig === 'Z2' ? 2 : e.sig === 'ZF' ? (e.version === 2 ? 2 : 1) : 1;
    if (e.version !== expectVersion) warn(e, `${e.sig} entry has version ${e.version} (expected ${expectVersion})`);
    const r = new FieldReader(e.data, e.offset + 4, '', false); // decode only; readSuspArea builds the structure map
    const out = decodeAny(r, e);
    if (out.problem) warn(e, out.problem);
    for (const p of r.problems) sink.warn(`${where}: ${e.sig} entry: ${p.message}`, `${e.sig} entry of ${where}`, p.offset);
    if (out.value === undefined) continue;
    switch (e.sig) {
      case 'PX': if (!dup(e)) rr.px = out.value as Px; break;
      case 'PN': if (!dup(e)) rr.pn = out.value as { high: number; low: number }; break;
      case 'CL': if (!dup(e)) rr.cl = out.value as number; break;
      case 'PL': if (!dup(e)) rr.pl = out.value as number; break;
      case 'RE': rr.re = true; break;
      case 'SF': if (!dup(e)) rr.sf = out.value as Sf; break;
      case 'ZF': case 'Z2': if (!rr.zf) rr.zf = out.value as Zf; else warn(e, `duplicate ${e.sig} entry ignored`); break;
      case 'RR': if (!dup(e)) rr.rr = out.value as number; break;
      case 'TF': {
        const tf = out.value as Tf;
        rr.tf ??= {};
        for (const k of TF_NAMES) if (tf[k] && !rr.tf[k]) rr.tf[k] = tf[k];
        break;
      }
      case 'NM': {
        const v = out.value as { flags: number; content: Uint8Array };
        if (nmSeen && !nmContinues) warn(e, 'NM entry follows an NM entry without CONTINUE; appended anyway');
        nmSeen = true;
        rr.nmFlags = (rr.nmFlags ?? 0) | v.flags;
        nmContinues = (v.flags & RR_CONTINUE) !== 0;
        if (v.flags & (RR_CURRENT | RR_PARENT)) {
          if (v.content.length) warn(e, 'NM entry with CURRENT/PARENT flag also has name content; content ignored');
        } else nmParts.push(v.content);
        if (v.flags & RR_HOST) warn(e, 'NM entry with HOST flag (host name) has no meaning inside an image');
        break;
      }
      case 'SL': {
        const v = out.value as { flags: number; comps: Component[] };
        if (slSeen && !slContinues) warn(e, 'SL entry follows an SL entry without CONTINUE; appended anyway');
        slSeen = true;
        slContinues = (v.flags & RR_CONTINUE) !== 0;
        slComps.push(...v.comps);
        break;
      }
      case 'AL': {
        const v = out.value as { flags: number; comps: Component[] };
        if (alSeen && !alContinues) warn(e, 'AL entry follows an AL entry without CONTINUE; appended anyway');
        alSeen = true;
        alContinues = (v.flags & RR_CONTINUE) !== 0;
        alComps.push(...v.comps);
        if (out.problem) rr.aaipSkipped = true;
        break;
      }
    }
  }

  if (nmSeen) {
    const f = rr.nmFlags ?? 0;
    if (f & RR_CURRENT) rr.nm = '.';
    else if (f & RR_PARENT) rr.nm = '..';
    else if (nmParts.length) rr.nm = decodeBytes(concat(nmParts));
    if (nmContinues) sink.warn(`${where}: last NM entry has CONTINUE set but no NM entry follows`, `NM entry of ${where}`);
  }
  if (slSeen) {
    const last = entries.filter(x => x.sig === 'SL').pop() as SuspEntry;
    rr.sl = composeSl(slComps, m => warn(last, m));
    if (slContinues) warn(last, 'last SL entry has CONTINUE set but no SL entry follows');
  }
  if (alSeen) {
    const { pairs, ok } = composeAl(alComps);
    if (!ok || alContinues) {
      rr.aaipSkipped = true;
      sink.warn(`${where}: AAIP attribute list is incomplete or malformed; decoded ${pairs.length} pair(s)`, `AL entry of ${where}`);
    }
    rr.aaip = pairs;
  }
  return rr;
}
