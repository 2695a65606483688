// Rock Ridge Interchange Protocol (RRIP 1.12 §4.1) entries, plus the SUSP-conforming zisofs (ZF/Z2)
// and AAIP 2.0 (AL) entries xorriso writes: the dispatcher that decodes one record's entries
// (`parseRockRidge`) and describes one entry for the structure map (`describeRripEntry`). Each
// entry's field table, decoder and serializer live with its group: rripAttributes.ts (PX, PN,
// CL, PL, RE, TF, SF, RR), rripNames.ts (NM, SL, AL), zisofs.ts (ZF).
import type { DiagnosticSink } from '../errors';
import { FieldReader } from '../structure/fields';
import type { SuspEntry } from './susp';
import { concat } from '../bytes/concat';
import { RRIP, TF_NAMES, decodeLoc, decodePn, decodePx, decodeRr, decodeSf, decodeTf, type Out, type Px, type Sf, type Tf } from './rripAttributes';
import { RR_CONTINUE, RR_CURRENT, RR_HOST, RR_PARENT, composeAl, composeSl, decodeBytes, decodeComponents, decodeNm, type Component } from './rripNames';
import { decodeZf } from './zisofs';
import { SUSP_HEADER_SIZE } from './suspEntry';

export { RR_CONTINUE, RR_CURRENT, RR_PARENT, RR_ROOT, RR_VOLROOT, RR_HOST, decodeBytes } from './rripNames';

export interface RockRidge {
  px?: Px;
  pn?: { high: number; low: number };
  sl?: string;
  nm?: string;
  nmFlags?: number;
  cl?: number; pl?: number; re: boolean;
  tf?: Tf;
  sf?: Sf;
  /** `version` is the ZF entry version: 1 = zisofs ("pz"), 2 = zisofs2 ("PZ", …; also signature Z2). */
  zf?: { algorithm: string; headerSizeDiv4: number; log2BlockSize: number; uncompressedSize: number; version: number };
  rr?: number;
  /** AAIP 2.0 attributes; `encoding` tells whether `value` is UTF-8 text or hex. Name "" is the binary ACL. */
  aaip?: Array<{ name: string; value: string; encoding: 'utf8' | 'hex' }>;
  aaipSkipped?: boolean;
  unknown: string[];
}

const SUSP_SIGS = new Set(['CE', 'PD', 'SP', 'ST', 'ER', 'ES']);

type Zf = NonNullable<RockRidge['zf']>;

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

/** Entries that continue one another (NM, SL, AL): what was joined so far. */
interface Continued<T> { parts: T[]; continues: boolean; seen: boolean }

/** What parseRockRidge gathers over one record's entries. */
interface Gather {
  rr: RockRidge;
  seen: Set<string>;
  nm: Continued<Uint8Array>;
  sl: Continued<Component>;
  al: Continued<Component>;
  warn: (e: SuspEntry, m: string) => void;
}

/** The next NM/SL/AL entry of a chain: a warning when the previous one did not announce it (CONTINUE). */
function chain<T>(g: Gather, c: Continued<T>, e: SuspEntry, flags: number): void {
  if (c.seen && !c.continues) g.warn(e, `${e.sig} entry follows an ${e.sig} entry without CONTINUE; appended anyway`);
  c.seen = true;
  c.continues = (flags & RR_CONTINUE) !== 0;
}

/** Records one decoded entry's value; a second PX, PN, CL, PL, SF, RR or ZF is reported and ignored. */
function apply(g: Gather, e: SuspEntry, out: Out<unknown>): void {
  const { rr } = g;
  const dup = (): boolean => {
    if (g.seen.has(e.sig)) { g.warn(e, `duplicate ${e.sig} entry ignored`); return true; }
    g.seen.add(e.sig);
    return false;
  };
  switch (e.sig) {
    case 'PX': if (!dup()) rr.px = out.value as Px; break;
    case 'PN': if (!dup()) rr.pn = out.value as { high: number; low: number }; break;
    case 'CL': if (!dup()) rr.cl = out.value as number; break;
    case 'PL': if (!dup()) rr.pl = out.value as number; break;
    case 'RE': rr.re = true; break;
    case 'SF': if (!dup()) rr.sf = out.value as Sf; break;
    case 'ZF': case 'Z2': if (!rr.zf) rr.zf = out.value as Zf; else g.warn(e, `duplicate ${e.sig} entry ignored`); break;
    case 'RR': if (!dup()) rr.rr = out.value as number; break;
    case 'TF': {
      const tf = out.value as Tf;
      rr.tf ??= {};
      for (const k of TF_NAMES) if (tf[k] && !rr.tf[k]) rr.tf[k] = tf[k];
      break;
    }
    case 'NM': {
      const v = out.value as { flags: number; content: Uint8Array };
      chain(g, g.nm, e, v.flags);
      rr.nmFlags = (rr.nmFlags ?? 0) | v.flags;
      if (v.flags & (RR_CURRENT | RR_PARENT)) {
        if (v.content.length) g.warn(e, 'NM entry with CURRENT/PARENT flag also has name content; content ignored');
      } else g.nm.parts.push(v.content);
      if (v.flags & RR_HOST) g.warn(e, 'NM entry with HOST flag (host name) has no meaning inside an image');
      break;
    }
    case 'SL': case 'AL': {
      const v = out.value as { flags: number; comps: Component[] };
      const c = e.sig === 'SL' ? g.sl : g.al;
      chain(g, c, e, v.flags);
      c.parts.push(...v.comps);
      if (e.sig === 'AL' && out.problem) rr.aaipSkipped = true;
      break;
    }
  }
}

/** Joins the NM, SL and AL chains once every entry is read. */
function finish(g: Gather, entries: SuspEntry[], sink: DiagnosticSink, where: string): void {
  const { rr } = g;
  if (g.nm.seen) {
    const f = rr.nmFlags ?? 0;
    if (f & RR_CURRENT) rr.nm = '.';
    else if (f & RR_PARENT) rr.nm = '..';
    else if (g.nm.parts.length) rr.nm = decodeBytes(concat(g.nm.parts));
    if (g.nm.continues) sink.warn(`${where}: last NM entry has CONTINUE set but no NM entry follows`, `NM entry of ${where}`);
  }
  if (g.sl.seen) {
    const last = entries.filter(x => x.sig === 'SL').pop() as SuspEntry;
    rr.sl = composeSl(g.sl.parts, m => g.warn(last, m));
    if (g.sl.continues) g.warn(last, 'last SL entry has CONTINUE set but no SL entry follows');
  }
  if (g.al.seen) {
    const { pairs, ok } = composeAl(g.al.parts);
    if (!ok || g.al.continues) {
      rr.aaipSkipped = true;
      sink.warn(`${where}: AAIP attribute list is incomplete or malformed; decoded ${pairs.length} pair(s)`, `AL entry of ${where}`);
    }
    rr.aaip = pairs;
  }
}

/**
 * Decodes the Rock Ridge (and ZF/AL) information of one directory record from its SUSP entries.
 * Malformed entries are reported to `sink` and skipped or used partially.
 */
export function parseRockRidge(entries: SuspEntry[], sink: DiagnosticSink, where: string): RockRidge {
  const g: Gather = {
    rr: { re: false, unknown: [] },
    seen: new Set<string>(),
    nm: { parts: [], continues: false, seen: false },
    sl: { parts: [], continues: false, seen: false },
    al: { parts: [], continues: false, seen: false },
    warn: (e, m) => sink.warn(`${where}: ${m}`, `${e.sig} entry of ${where}`, e.offset),
  };
  for (const e of entries) {
    if (SUSP_SIGS.has(e.sig)) continue;
    if (!NAMES[e.sig]) {
      if (!g.rr.unknown.includes(e.sig)) g.rr.unknown.push(e.sig);
      continue;
    }
    const expectVersion = e.sig === 'Z2' ? 2 : e.sig === 'ZF' ? (e.version === 2 ? 2 : 1) : 1;
    if (e.version !== expectVersion) g.warn(e, `${e.sig} entry has version ${e.version} (expected ${expectVersion})`);
    const r = new FieldReader(e.data, e.offset + SUSP_HEADER_SIZE, '', false); // decode only; readSuspArea builds the structure map
    const out = decodeAny(r, e);
    if (out.problem) g.warn(e, out.problem);
    for (const p of r.problems) sink.warn(`${where}: ${e.sig} entry: ${p.message}`, `${e.sig} entry of ${where}`, p.offset);
    if (out.value !== undefined) apply(g, e, out);
  }
  finish(g, entries, sink, where);
  return g.rr;
}
