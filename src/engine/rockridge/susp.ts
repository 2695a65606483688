// System Use Sharing Protocol (SUSP 1.12, IEEE P1281): walks the System Use field of a directory
// record and its Continuation Areas, yielding the System Use entries and their structure-map
// entries. Best-effort: malformed entries become diagnostics, never exceptions. The entries'
// layouts, decoders and serializers are in suspEntry.ts (SUSP) and the rrip*.ts files (RRIP).
import { DiagnosticSink, IsoError } from '../errors';
import { FieldReader, Structure } from '../structure/fields';
import { describeRripEntry } from './rrip';
import { SUSP, SUSP_HEADER, SUSP_HEADER_SIZE, SUSP_NAMES, decodeCe, decodeEr, describeHeader, describeSuspBody, partialEr, type ExtensionRef } from './suspEntry';

export { detectSusp, type ExtensionRef } from './suspEntry';

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

/** Printable form of a signature word (non-printable bytes as \xNN). */
function sigString(a: number, b: number): string {
  const c = (x: number) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`);
  return c(a) + c(b);
}

/** ER entry (SUSP 5.5): LEN_ID, LEN_DES, LEN_SRC, EXT_VER, then the three strings. */
export function parseEr(e: SuspEntry): ExtensionRef {
  // Truncated: return what is there rather than fail the whole record.
  return decodeEr(new FieldReader(e.data, e.offset + SUSP_HEADER_SIZE, SUSP)) ?? partialEr(e.data);
}

interface Pending { lba: number; offset: number; length: number; at: number }

/** What one readSuspArea call shares with the walk over each of its areas. */
interface Walk { area: SuspArea; sink: DiagnosticSink; structName: string; where: string; record: boolean }

/** Walks one area (System Use field or Continuation Area) from `start`; returns the CE entries it holds (normally at most one). */
function walkArea(w: Walk, buf: Uint8Array, base: number, start: number, label: string): Pending[] {
  const { area, sink, structName, where, record } = w;
  const ces: Pending[] = [];
  let pos = start;
  while (pos + 4 <= buf.length) {
    const at = base + pos;
    const len = buf[pos + SUSP_HEADER.length.at];
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
    const version = buf[pos + SUSP_HEADER.version.at];
    const entry: SuspEntry = { sig, version, length: len, data: buf.subarray(pos + SUSP_HEADER_SIZE, pos + len), offset: at };
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
        ces.push({ ...decodeCe(new FieldReader(entry.data, at + SUSP_HEADER_SIZE, SUSP, false)), at });
      }
    } else if (sig === 'ER') {
      const ref = decodeEr(new FieldReader(entry.data, at + SUSP_HEADER_SIZE, SUSP, false));
      if (ref) area.extensions.push(ref);
    } else if (sig === 'ST') {
      break;
    }
    pos += len;
  }
  return ces;
}

/**
 * Whether the continuation area at image offset `abs` may be read for the record whose System
 * Use field starts at `owner`: the directory's budget, then the image ledger (an area another
 * record owns is not followed). 'stop' ends the record's walk, 'skip' passes over this area.
 */
function budget(abs: number, owner: number, ce: Pending, options: { ledger?: ContinuationLedger; directory?: DirectoryContinuations }, sink: DiagnosticSink, structName: string): 'ok' | 'skip' | 'stop' {
  const { ledger, directory } = options;
  if (directory) {
    if (directory.exhausted) return 'stop';
    if (directory.used >= directory.limit) {
      directory.exhausted = true;
      sink.warn(`more than ${directory.limit} continuation areas in one directory (limit continuationsPerDirectory); the rest of its Rock Ridge continuation areas are not read`, structName, ce.at);
      return 'stop';
    }
  }
  if (ledger) {
    const claim = ledger.claim(abs, owner);
    if (claim === 'shared') {
      if (directory) {
        if (directory.shared++ === 0) directory.firstShared = { area: abs, at: ce.at };
      } else {
        sink.warn(`continuation area at LBA ${ce.lba} offset ${ce.offset} belongs to the record at byte ${ledger.ownerOf(abs)}; not followed (a continuation area continues one record)`, structName, ce.at);
      }
      return 'skip';
    }
    if (claim === 'full') {
      if (!ledger.fullReported) sink.warn(`more than ${ledger.perImage} distinct continuation areas in this image (limit continuationsPerImage); no more are read`, structName, ce.at);
      ledger.fullReported = true;
      return 'stop';
    }
  }
  return 'ok';
}

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

  const start = Math.max(0, skip);
  if (start > systemUse.length) {
    sink.warn(`SUSP skip length ${skip} exceeds the System Use field (${systemUse.length} bytes)`, structName, systemUseAbsOffset);
  }
  total += systemUse.length;
  const w: Walk = { area, sink, structName, where, record };
  let queue = walkArea(w, systemUse, systemUseAbsOffset, start, 'System Use field');
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
    const verdict = budget(abs, systemUseAbsOffset, ce, options, sink, structName);
    if (verdict === 'stop') break;
    if (verdict === 'skip') continue;
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
    const more = walkArea(w, buf.subarray(0, ce.length), abs, 0, `continuation area at LBA ${ce.lba}+${ce.offset}`);
    queue = queue.concat(more);
  }
  return area;
}

/** The structure-map entry for one System Use entry (header fields + decoded body). */
function entryStructure(raw: Uint8Array, e: SuspEntry, where: string, record: boolean): Structure {
  const hdr = new FieldReader(raw, e.offset, SUSP, record);
  describeHeader(hdr, e);
  const body = new FieldReader(e.data, e.offset + SUSP_HEADER_SIZE, SUSP, record);
  let problems: string[] = [];
  let name: string, spec: string;
  let target: Structure['target'];
  const known = SUSP_NAMES[e.sig];
  if (known) {
    [name, spec] = known;
    ({ problems, target } = describeSuspBody(body, e));
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
