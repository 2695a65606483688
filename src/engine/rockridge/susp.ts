// System Use Sharing Protocol (SUSP 1.12, IEEE P1281): walks the System Use field of a directory
// record and its Continuation Areas, yielding the System Use entries and their structure-map
// entries. Best-effort: malformed entries become diagnostics, never exceptions.
import { DiagnosticSink, IsoError } from '../errors';
import { FieldReader, Structure } from '../structure/fields';
import { describeRripEntry } from './rrip';

export interface SuspEntry {
  sig: string;
  version: number;
  length: number;
  /** Bytes after the 4-byte header (a view into the area read; length - 4 bytes). */
  data: Uint8Array;
  /** Absolute image offset of the entry's first byte (the signature). */
  offset: number;
}

export interface SuspArea {
  /** Entries in recording order, System Use field first, then each Continuation Area. PD entries are left out. */
  entries: SuspEntry[];
  /** One structure per entry (including PD), type 'susp:XX'. */
  structures: Structure[];
  /** Continuation Areas actually read, in order. */
  continuations: Array<{ lba: number; offset: number; length: number }>;
  /** Decoded ER entries (SUSP 5.5), in order. */
  extensions: ExtensionRef[];
}

export type ReadAt = (absOffset: number, length: number) => Promise<Uint8Array>;

export interface ExtensionRef { id: string; descriptor: string; source: string; version: number }

/** Most Continuation Areas followed for one directory record (without a ledger: see limits.ts). */
export const MAX_CONTINUATIONS = 32;

/**
 * Who owns each continuation area of one image, and the image's budget of them. A continuation
 * area holds the continued System Use entries of ONE directory record (SUSP 5.1: the CE entry of a
 * record points at the continuation of that record's System Use area); no writer shares one
 * between records. A hostile image can point thousands of records at one long chain, so that each
 * listing re-reads and re-parses the whole chain per record: an area already owned by another
 * record is therefore not followed (and reported), which makes every area cost one parse.
 */
export class ContinuationLedger {
  private readonly owners = new Map<number, number>();
  /** The image budget ran out and that was reported. */
  fullReported = false;
  constructor(readonly perRecord: number, readonly perImage: number) {}
  /**
   * Claims the area at absolute offset `area` for the record whose System Use field starts at
   * `owner`: 'ok' for a first claim or the same owner again, 'shared' when another record owns
   * it, 'full' when the image's budget of distinct areas is spent.
   */
  claim(area: number, owner: number): 'ok' | 'shared' | 'full' {
    const o = this.owners.get(area);
    if (o === undefined) {
      if (this.owners.size >= this.perImage) return 'full';
      this.owners.set(area, owner);
      return 'ok';
    }
    return o === owner ? 'ok' : 'shared';
  }
  ownerOf(area: number): number | undefined { return this.owners.get(area); }
  get size(): number { return this.owners.size; }
}

/** The continuation-area budget of one directory listing, and what was refused in it. */
export interface DirectoryContinuations {
  limit: number;
  used: number;
  /** Records whose CE pointed at an area another record owns; the first such area. */
  shared: number;
  firstShared?: { area: number; at: number };
  /** The per-directory or per-image budget ran out (reported once). */
  exhausted: boolean;
}

export function directoryContinuations(limit: number): DirectoryContinuations {
  return { limit, used: 0, shared: 0, exhausted: false };
}
/** Most System Use bytes (field + Continuation Areas) examined for one directory record. */
export const MAX_SUSP_BYTES = 256 * 1024;

const SUSP = 'SUSP 1.12';

/** Printable form of a signature word (non-printable bytes as \xNN). */
function sigString(a: number, b: number): string {
  const c = (x: number) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`);
  return c(a) + c(b);
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * SP entry (SUSP 5.3): "SP", length 7, version 1, check bytes BE EF, LEN_SKP. Must be the first
 * entry of the System Use field of the root directory's "." record. The version byte is not
 * checked (readers such as Linux only check the signature and check bytes).
 */
export function detectSusp(rootDotSystemUse: Uint8Array): { skip: number } | null {
  const b = rootDotSystemUse;
  if (b.length < 7) return null;
  if (b[0] !== 0x53 || b[1] !== 0x50 || b[2] < 7 || b[4] !== 0xbe || b[5] !== 0xef) return null;
  return { skip: b[6] };
}

/** ER entry (SUSP 5.5): LEN_ID, LEN_DES, LEN_SRC, EXT_VER, then the three strings. */
export function parseEr(e: SuspEntry): ExtensionRef {
  const r = new FieldReader(e.data, e.offset + 4, SUSP);
  const ref = decodeEr(r);
  if (!ref) {
    // Truncated: return what is there rather than fail the whole record.
    const d = e.data;
    const lid = d[0] ?? 0, ldes = d[1] ?? 0, lsrc = d[2] ?? 0;
    const s = (o: number, l: number) => latin1(d.subarray(Math.min(o, d.length), Math.min(o + l, d.length)));
    return { id: s(4, lid), descriptor: s(4 + lid, ldes), source: s(4 + lid + ldes, lsrc), version: d[3] ?? 0 };
  }
  return ref;
}

function decodeEr(r: FieldReader): ExtensionRef | null {
  const d = r.buf;
  if (d.length < 4) return null;
  const lid = r.u8('LEN_ID', 0, '5.5', 'length');
  const ldes = r.u8('LEN_DES', 1, '5.5', 'length');
  const lsrc = r.u8('LEN_SRC', 2, '5.5', 'length');
  const version = r.u8('EXT_VER', 3, '5.5');
  if (4 + lid + ldes + lsrc > d.length) return null;
  const id = r.str('Extension Identifier', 4, lid, 'ascii', '5.5');
  const descriptor = r.str('Extension Descriptor', 4 + lid, ldes, 'ascii', '5.5');
  const source = r.str('Extension Source', 4 + lid + ldes, lsrc, 'ascii', '5.5');
  return { id, descriptor, source, version };
}

const SUSP_NAMES: Record<string, [string, string]> = {
  CE: ['Continuation Area (CE)', `${SUSP} 5.1`],
  PD: ['Padding (PD)', `${SUSP} 5.2`],
  SP: ['SUSP indicator (SP)', `${SUSP} 5.3`],
  ST: ['SUSP terminator (ST)', `${SUSP} 5.4`],
  ER: ['Extensions reference (ER)', `${SUSP} 5.5`],
  ES: ['Extension selector (ES)', `${SUSP} 5.6`],
};

interface Pending { lba: number; offset: number; length: number; at: number }

/**
 * Walks a System Use field (skipping `skip` bytes, SUSP 5.3 LEN_SKP) and the Continuation Areas
 * its CE entries point to (SUSP 5.1). Stops an area at ST (5.4), leaves PD (5.2) out of `entries`,
 * decodes ER (5.5). Loop-safe: each (lba, offset) is read once, at most MAX_CONTINUATIONS areas and
 * MAX_SUSP_BYTES bytes in total. Problems go to `sink`; reading continues where it can.
 * `options.structures: false` skips building the structure map (hot paths such as listings).
 */
export async function readSuspArea(
  systemUse: Uint8Array, systemUseAbsOffset: number, skip: number, readAt: ReadAt,
  blockSize: number, sink: DiagnosticSink, where: string,
  options: {
    structures?: boolean;
    /** Ownership and image budget of continuation areas (DiscImage passes its own). */
    ledger?: ContinuationLedger;
    /** The listing's budget; shared areas are counted there instead of one warning each. */
    directory?: DirectoryContinuations;
  } = {},
): Promise<SuspArea> {
  const record = options.structures !== false;
  const { ledger, directory } = options;
  const maxContinuations = ledger?.perRecord ?? MAX_CONTINUATIONS;
  const area: SuspArea = { entries: [], structures: [], continuations: [], extensions: [] };
  const structName = `System Use area of ${where}`;
  const visited = new Set<string>();
  let total = 0;

  // Walks one area; returns the CE entries it holds (normally at most one).
  const walk = (buf: Uint8Array, base: number, start: number, label: string): Pending[] => {
    const ces: Pending[] = [];
    let pos = start;
    while (pos + 4 <= buf.length) {
      const at = base + pos;
      const len = buf[pos + 2];
      if (buf[pos] === 0 && buf[pos + 1] === 0) {
        // Zero fill after the last entry: padding (e.g. the odd-length pad byte, or a block tail).
        let allZero = true;
        for (let i = pos; i < buf.length; i++) if (buf[i] !== 0) { allZero = false; break; }
        if (!allZero) sink.warn(`${label}: zero signature followed by non-zero bytes; rest of area ignored`, structName, at);
        break;
      }
      const sig = sigString(buf[pos], buf[pos + 1]);
      if (len < 4) {
        sink.warn(`${label}: entry "${sig}" has length ${len} (< 4); rest of area ignored`, structName, at);
        break;
      }
      if (pos + len > buf.length) {
        sink.warn(`${label}: entry "${sig}" of length ${len} extends ${pos + len - buf.length} bytes beyond the end of the area; rest of area ignored`, structName, at);
        break;
      }
      const version = buf[pos + 3];
      const entry: SuspEntry = { sig, version, length: len, data: buf.subarray(pos + 4, pos + len), offset: at };
      // Problems of RRIP/ZF/AL entries are reported by parseRockRidge; only SUSP entries need
      // decoding here when no structure map is wanted.
      if (record || SUSP_NAMES[sig]) {
        const st = entryStructure(buf.subarray(pos, pos + len), entry, where, record);
        if (record) area.structures.push(st);
        if (st.problems && SUSP_NAMES[sig]) for (const p of st.problems) sink.warn(`${label}: ${p}`, structName, at);
      }
      if (sig !== 'PD') area.entries.push(entry);

      if (sig === 'CE') {
        if (len >= 28) { // a shorter CE is reported through its structure's problems and ignored
          const r = new FieldReader(entry.data, at + 4, SUSP, false);
          ces.push({ lba: r.both32('lba', 0), offset: r.both32('offset', 8), length: r.both32('length', 16), at });
        }
      } else if (sig === 'ER') {
        const ref = decodeEr(new FieldReader(entry.data, at + 4, SUSP, false));
        if (ref) area.extensions.push(ref);
      } else if (sig === 'ST') {
        break;
      }
      pos += len;
    }
    return ces;
  };

  const start = Math.max(0, skip);
  if (start > systemUse.length) {
    sink.warn(`SUSP skip length ${skip} exceeds the System Use field (${systemUse.length} bytes)`, structName, systemUseAbsOffset);
  }
  total += systemUse.length;
  let queue = walk(systemUse, systemUseAbsOffset, start, 'System Use field');
  if (queue.length > 1) sink.warn(`System Use field has ${queue.length} CE entries; all are followed`, structName, systemUseAbsOffset);

  while (queue.length) {
    const ce = queue.shift() as Pending;
    const key = `${ce.lba}:${ce.offset}`;
    if (visited.has(key)) {
      sink.warn(`CE entry points again to continuation area at LBA ${ce.lba} offset ${ce.offset} (loop); not followed`, structName, ce.at);
      continue;
    }
    visited.add(key);
    if (area.continuations.length >= maxContinuations) {
      sink.warn(`more than ${maxContinuations} continuation areas for one record (limit continuationsPerRecord); the rest are ignored`, structName, ce.at);
      break;
    }
    if (ce.length === 0) continue;
    if (ce.length < 4) {
      sink.warn(`CE entry announces a continuation area of only ${ce.length} bytes; ignored`, structName, ce.at);
      continue;
    }
    if (ce.offset >= blockSize || ce.offset + ce.length > blockSize) {
      // SUSP 5.1 keeps a Continuation Area within one logical block; some writers differ, so read anyway.
      sink.warn(`continuation area (offset ${ce.offset}, length ${ce.length}) crosses the end of its ${blockSize}-byte block`, structName, ce.at);
    }
    if (total + ce.length > MAX_SUSP_BYTES) {
      sink.warn(`System Use data exceeds ${MAX_SUSP_BYTES} bytes; continuation area at LBA ${ce.lba} not read`, structName, ce.at);
      break;
    }
    const abs = ce.lba * blockSize + ce.offset;
    if (!Number.isSafeInteger(abs)) {
      sink.warn(`continuation area address LBA ${ce.lba} offset ${ce.offset} is out of range`, structName, ce.at);
      continue;
    }
    if (directory) {
      if (directory.exhausted) break;
      if (directory.used >= directory.limit) {
        directory.exhausted = true;
        sink.warn(`more than ${directory.limit} continuation areas in one directory (limit continuationsPerDirectory); the rest of its Rock Ridge continuation areas are not read`, structName, ce.at);
        break;
      }
    }
    if (ledger) {
      const claim = ledger.claim(abs, systemUseAbsOffset);
      if (claim === 'shared') {
        if (directory) {
          if (directory.shared++ === 0) directory.firstShared = { area: abs, at: ce.at };
        } else {
          sink.warn(`continuation area at LBA ${ce.lba} offset ${ce.offset} belongs to the record at byte ${ledger.ownerOf(abs)}; not followed (a continuation area continues one record)`, structName, ce.at);
        }
        continue;
      }
      if (claim === 'full') {
        if (!ledger.fullReported) sink.warn(`more than ${ledger.perImage} distinct continuation areas in this image (limit continuationsPerImage); no more are read`, structName, ce.at);
        ledger.fullReported = true;
        break;
      }
    }
    if (directory) directory.used++;
    let buf: Uint8Array;
    try {
      buf = await readAt(abs, ce.length);
    } catch (e) {
      if (!(e instanceof IsoError)) throw e;
      sink.warn(`continuation area at LBA ${ce.lba} offset ${ce.offset} (${ce.length} bytes) cannot be read: ${e.detail}`, structName, abs);
      continue;
    }
    if (buf.length < ce.length) {
      sink.warn(`continuation area at LBA ${ce.lba} offset ${ce.offset}: only ${buf.length} of ${ce.length} bytes exist (beyond the end of the image?)`, structName, abs);
      if (buf.length < 4) continue;
    }
    total += ce.length;
    area.continuations.push({ lba: ce.lba, offset: ce.offset, length: ce.length });
    const more = walk(buf.subarray(0, ce.length), abs, 0, `continuation area at LBA ${ce.lba}+${ce.offset}`);
    queue = queue.concat(more);
  }
  return area;
}

/** The structure-map entry for one System Use entry (header fields + decoded body). */
function entryStructure(raw: Uint8Array, e: SuspEntry, where: string, record: boolean): Structure {
  const hdr = new FieldReader(raw, e.offset, SUSP, record);
  hdr.field('Signature Word', 0, 2, e.sig, JSON.stringify(e.sig), 'magic', '4.1');
  hdr.u8('Length', 2, '4.1', 'length');
  hdr.u8('System Use Entry Version', 3, '4.1');
  const body = new FieldReader(e.data, e.offset + 4, SUSP, record);
  const problems: string[] = [];
  let name: string, spec: string;
  let target: Structure['target'];
  const known = SUSP_NAMES[e.sig];
  if (known) {
    [name, spec] = known;
    const need: Record<string, number> = { CE: 24, SP: 3, ES: 1 };
    if ((need[e.sig] ?? 0) > e.data.length) {
      problems.push(`${e.sig} entry too short (${e.length} bytes, needs ${need[e.sig] + 4}); ignored`);
    } else if (e.sig === 'CE') {
      const lba = body.both32('Location of Continuation of System Use Area', 0, '5.1', 'pointer');
      body.both32('Offset to Start of Continuation', 8, '5.1', 'pointer');
      body.both32('Length of the Continuation Area', 16, '5.1', 'length');
      target = { lba, blocks: 1 };
    } else if (e.sig === 'SP') {
      const ok = e.data[0] === 0xbe && e.data[1] === 0xef;
      body.field('Check Bytes', 0, 2, `${e.data[0].toString(16)}${e.data[1].toString(16)}`, ok ? 'BE EF' : 'bad', 'magic', '5.3', ok ? undefined : 'check bytes are not BE EF');
      body.u8('LEN_SKP', 2, '5.3', 'length');
    } else if (e.sig === 'ER') {
      if (!decodeEr(body)) problems.push('ER entry shorter than its announced identifier/descriptor/source');
    } else if (e.sig === 'ES') {
      body.u8('Extension Sequence', 0, '5.6');
    } else if (e.sig === 'PD' && e.data.length) {
      body.bytes('Padding Area', 0, e.data.length, '5.2', 'reserved');
    }
  } else {
    const d = describeRripEntry(body, e);
    name = d.name;
    spec = d.spec;
    if (d.problem) problems.push(d.problem);
  }
  for (const p of hdr.problems.concat(body.problems)) problems.push(p.message);
  const st: Structure = {
    id: `susp:${e.offset}`,
    type: `susp:${e.sig}`,
    name: `${name} of ${where}`,
    offset: e.offset,
    length: e.length,
    spec,
    fields: hdr.fields.concat(body.fields),
    children: [],
  };
  if (problems.length) st.problems = problems;
  if (target) st.target = target;
  return st;
}
