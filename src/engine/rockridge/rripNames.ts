// Rock Ridge names and symbolic links: NM (RRIP 1.12 4.1.4), SL (4.1.3) and the AAIP 2.0 AL entry
// that shares SL's component records — their field tables (offsets from the first byte after the
// 4-byte SUSP header), decoders, the joining of continued entries, serializers and the splitting
// of an NM or SL entry across a continuation area.
import { InvalidArgumentError } from '../errors';
import { concat } from '../bytes/concat';
import { toHex } from '../bytes/hex';
import type { FieldReader } from '../structure/fields';
import { layout, layoutEnd, putNum } from '../structure/layout';
import type { RockRidge } from './rrip';
import { RRIP, short, type Out } from './rripAttributes';
import type { SuspEntry } from './susp';
import { SUSP_HEADER_SIZE, suspEntry } from './suspEntry';

// SL/NM/AL flag bits (RRIP 1.12 4.1.3.1, 4.1.4).
export const RR_CONTINUE = 0x01, RR_CURRENT = 0x02, RR_PARENT = 0x04, RR_ROOT = 0x08, RR_VOLROOT = 0x10, RR_HOST = 0x20;

/** NM, SL and AL bodies start with one flags byte. */
export const NAME_FLAGS = layout({ flags: { at: 0, type: 'u8', name: 'Flags', kind: 'flags' } });
const BODY_START = layoutEnd(NAME_FLAGS);
/** RRIP 1.12 4.1.3.1 component record (SL, and AL in AAIP 2.0): flags, length, then the content. */
export const COMPONENT = layout({
  flags: { at: 0, type: 'u8', name: 'Component Flags', kind: 'flags' },
  length: { at: 1, type: 'u8', name: 'Component Length', kind: 'length' },
});
const COMPONENT_HEAD = layoutEnd(COMPONENT);

export interface Component { flags: number; content: Uint8Array }

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
/** Names are bytes in the writer's character set: UTF-8 when valid (xorriso, modern mkisofs), else Latin-1. */
export function decodeBytes(b: Uint8Array): string {
  try {
    return utf8Decoder.decode(b);
  } catch {
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return s;
  }
}

/** Component records shared by SL (RRIP 1.12 4.1.3.1) and AL (AAIP 2.0): flags, LEN_CP, content. */
export function decodeComponents(r: FieldReader, e: SuspEntry, spec: string): Out<{ flags: number; comps: Component[] }> {
  if (e.data.length < BODY_START) return { problem: short(e.sig, e.length, SUSP_HEADER_SIZE + BODY_START) };
  const flags = r.u8(NAME_FLAGS.flags.name, NAME_FLAGS.flags.at, spec, 'flags');
  const comps: Component[] = [];
  let pos = BODY_START;
  let problem: string | undefined;
  while (pos < e.data.length) {
    if (pos + COMPONENT_HEAD > e.data.length) { problem = `${e.sig} component record at byte ${pos + SUSP_HEADER_SIZE} is truncated`; break; }
    const cf = r.u8(COMPONENT.flags.name, pos + COMPONENT.flags.at, spec, 'flags');
    const cl = r.u8(COMPONENT.length.name, pos + COMPONENT.length.at, spec, 'length');
    const at = pos + COMPONENT_HEAD;
    if (at + cl > e.data.length) {
      problem = `${e.sig} component of ${cl} bytes at byte ${pos + SUSP_HEADER_SIZE} runs past the end of the entry`;
      break;
    }
    const content = e.data.subarray(at, at + cl);
    if (cl && r.record) r.field('Component Content', at, cl, decodeBytes(content), JSON.stringify(decodeBytes(content)), 'text', spec);
    comps.push({ flags: cf, content });
    pos = at + cl;
  }
  return { value: { flags, comps }, problem };
}

/** NM (RRIP 1.12 4.1.4): flags, name content. */
export function decodeNm(r: FieldReader, e: SuspEntry): Out<{ flags: number; content: Uint8Array }> {
  if (e.data.length < BODY_START) return { problem: short('NM', e.length, SUSP_HEADER_SIZE + BODY_START) };
  const flags = r.u8(NAME_FLAGS.flags.name, NAME_FLAGS.flags.at, `${RRIP} 4.1.4`, 'flags');
  const content = e.data.subarray(BODY_START);
  if (content.length && r.record) r.field('Name Content', BODY_START, content.length, decodeBytes(content), JSON.stringify(decodeBytes(content)), 'text', `${RRIP} 4.1.4`);
  return { value: { flags, content } };
}

/** Joins SL component records (RRIP 1.12 4.1.3.1) into a path; CONTINUE joins records of one component. */
export function composeSl(comps: Component[], warn: (m: string) => void): string {
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
export function composeAl(comps: Component[]): { pairs: NonNullable<RockRidge['aaip']>; ok: boolean } {
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
      try { text = utf8Decoder.decode(vb); } catch { text = null; }
      // eslint-disable-next-line no-control-regex
      if (text !== null && /[\x00-\x08\x0e-\x1f\x7f]/.test(text)) text = null;
    }
    pairs.push(text === null ? { name, value: toHex(vb, vb.length), encoding: 'hex' } : { name, value: text, encoding: 'utf8' });
  }
  return { pairs, ok };
}

// ---- Serialization (the writer) -------------------------------------------------------------

/** Most content bytes in one NM or SL entry (255 - 5-byte header). */
const MAX_BODY = 250;

const utf8 = new TextEncoder();

/** An NM body: flags, then the name bytes. */
function nmEntry(flags: number, content: Uint8Array): Uint8Array {
  const body = new Uint8Array(BODY_START + content.length);
  putNum(body, NAME_FLAGS.flags, flags);
  body.set(content, BODY_START);
  return suspEntry('NM', body);
}

/** RRIP 1.12 4.1.4 NM entries: the name in pieces of at most 250 bytes, all but the last flagged CONTINUE. */
export function serializeNm(name: string): Uint8Array[] {
  const bytes = utf8.encode(name);
  if (bytes.length === 0) throw new InvalidArgumentError('empty Rock Ridge name');
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += MAX_BODY) {
    out.push(nmEntry(i + MAX_BODY < bytes.length ? RR_CONTINUE : 0, bytes.subarray(i, i + MAX_BODY)));
  }
  return out;
}

/** Components of a symlink target: ROOT for a leading '/', CURRENT / PARENT for "." / "..", empty parts dropped. */
function slComponents(target: string): Component[] {
  if (target === '') throw new InvalidArgumentError('empty symbolic link target');
  const comps: Component[] = [];
  const parts = target === '/' ? [] : target.split('/');
  if (target.startsWith('/')) { comps.push({ flags: RR_ROOT, content: new Uint8Array(0) }); parts.shift(); }
  // An empty part ("a//b", "dir/") is an empty component: readers (Linux, libarchive, ours) put
  // a slash between components, so the target reads back exactly as it was.
  for (const part of parts) {
    if (part === '') comps.push({ flags: 0, content: new Uint8Array(0) });
    else if (part === '.') comps.push({ flags: RR_CURRENT, content: new Uint8Array(0) });
    else if (part === '..') comps.push({ flags: RR_PARENT, content: new Uint8Array(0) });
    else comps.push({ flags: 0, content: utf8.encode(part) });
  }
  return comps;
}

/** Builds an SL entry (RRIP 1.12 4.1.3) from component records. */
function slEntry(flags: number, comps: Component[]): Uint8Array {
  let size = BODY_START;
  for (const c of comps) size += COMPONENT_HEAD + c.content.length;
  const body = new Uint8Array(size);
  putNum(body, NAME_FLAGS.flags, flags);
  let pos = BODY_START;
  for (const c of comps) {
    putNum(body, COMPONENT.flags, c.flags, pos);
    putNum(body, COMPONENT.length, c.content.length, pos);
    body.set(c.content, pos + COMPONENT_HEAD);
    pos += COMPONENT_HEAD + c.content.length;
  }
  return suspEntry('SL', body);
}

/**
 * RRIP 1.12 4.1.3 SL entries: components packed into entries of at most 250 body bytes; a
 * component is split (component flag CONTINUE) only when it cannot fit whole into an empty entry;
 * all entries but the last carry the entry flag CONTINUE.
 */
export function serializeSl(target: string): Uint8Array[] {
  const groups: Component[][] = [[]];
  let used = BODY_START; // entry flags byte
  for (const c of slComponents(target)) {
    let content = c.content;
    for (;;) {
      const room = MAX_BODY - used;
      if (COMPONENT_HEAD + content.length <= room) {
        groups[groups.length - 1].push({ flags: c.flags, content });
        used += COMPONENT_HEAD + content.length;
        break;
      }
      if (COMPONENT_HEAD + content.length > MAX_BODY - BODY_START && room >= COMPONENT_HEAD + 1) {
        groups[groups.length - 1].push({ flags: c.flags | RR_CONTINUE, content: content.subarray(0, room - COMPONENT_HEAD) });
        content = content.subarray(room - COMPONENT_HEAD);
      }
      groups.push([]);
      used = BODY_START;
    }
  }
  return groups.map((g, i) => slEntry(i < groups.length - 1 ? RR_CONTINUE : 0, g));
}

/**
 * Splits an NM or SL entry so that its first part takes at most `room` bytes; null when no useful
 * first part fits. The first part gets the entry flag CONTINUE; an SL component cut in two gets
 * the component flag CONTINUE.
 */
export function splitNameEntry(e: Uint8Array, room: number): [Uint8Array, Uint8Array] | null {
  const sig = String.fromCharCode(e[0], e[1]);
  const start = SUSP_HEADER_SIZE + BODY_START;
  const flags = e[SUSP_HEADER_SIZE + NAME_FLAGS.flags.at];
  if (sig === 'NM') {
    const content = e.subarray(start);
    const n = room - start;
    if (n < 1 || n >= content.length) return null;
    return [nmEntry(flags | RR_CONTINUE, content.subarray(0, n)), nmEntry(flags, content.subarray(n))];
  }
  if (sig !== 'SL') return null;
  const comps: Component[] = [];
  for (let p = start; p + COMPONENT_HEAD <= e.length; p += COMPONENT_HEAD + e[p + COMPONENT.length.at]) {
    comps.push({ flags: e[p + COMPONENT.flags.at], content: e.subarray(p + COMPONENT_HEAD, p + COMPONENT_HEAD + e[p + COMPONENT.length.at]) });
  }
  const head: Component[] = [];
  let used = start;
  let i = 0;
  for (; i < comps.length && used + COMPONENT_HEAD + comps[i].content.length <= room; i++) {
    head.push(comps[i]);
    used += COMPONENT_HEAD + comps[i].content.length;
  }
  const tail = comps.slice(i);
  if (tail.length && room - used >= COMPONENT_HEAD + 1 && tail[0].content.length > 1) {
    const c = tail[0];
    const n = Math.min(room - used - COMPONENT_HEAD, c.content.length - 1);
    head.push({ flags: c.flags | RR_CONTINUE, content: c.content.subarray(0, n) });
    tail[0] = { flags: c.flags, content: c.content.subarray(n) };
  }
  if (!head.length || !tail.length) return null;
  return [slEntry(flags | RR_CONTINUE, head), slEntry(flags, tail)];
}
