// El Torito boot catalog (El Torito 1.0 §2.1 validation entry, §2.2 initial/default entry,
// §2.3 section header entry, §2.4 section entry, §2.5 section entry extension). The catalog is a
// run of 32-byte entries starting at the LBA named by the boot record volume descriptor.
import { CorruptImageError, InvalidArgumentError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure/fields';
import type { BootEntry, ElToritoInfo, Emulation, Platform } from '../types';
import { SECTOR_SIZE } from '../bytes/sector';
import { hex } from '../bytes/hex';

export type CatalogEntry = Omit<BootEntry, 'imageSize' | 'imageSizeSource' | 'outsideVolume' | 'bootInfoTable' | 'grub2BootInfo' | 'path'> & {
  /** Absolute byte offset of the 32-byte catalog entry. */
  offset: number;
};

/** Raw fields of a boot entry that CatalogEntry reports interpreted. */
export interface CatalogEntryRaw {
  /** Boot media type byte (emulation in bits 0-3, §2.4 flags in bits 5-7). */
  media: number;
  /** Load segment field as stored (0 means the default 0x07C0, which CatalogEntry.loadSegment reports). */
  loadSegment: number;
}

/** A §2.3 section header as read (the raw values, so an unchanged catalog can be rewritten identically). */
export interface CatalogSection {
  platformId: number;
  /** ID string with trailing NULs removed (spaces kept). */
  idString: string;
  /** Number of section entries the header announces. */
  count: number;
  /** Absolute byte offset of the header entry. */
  offset: number;
}

export interface ParsedCatalog {
  validation: ElToritoInfo['validation'];
  /** Raw platform id byte and ID string (trailing NULs removed) of the validation entry. */
  validationRaw: { platformId: number; idString: string };
  sections: CatalogSection[];
  entries: CatalogEntry[];
  /** Raw fields of `entries[i]`, same order. */
  raw: CatalogEntryRaw[];
  /** Type 'boot-catalog'; children are the individual catalog entries in order. */
  structure: Structure;
}

const ENTRY = 32;
/** Upper bound on the catalog size we walk (64 sectors = 4096 entries). */
export const MAX_CATALOG_SECTORS = 64;
const SPEC = 'El Torito 1.0';

const PLATFORMS: Record<number, Platform> = { 0: 'x86', 1: 'ppc', 2: 'mac', 0xef: 'efi' };
const PLATFORM_NAMES: Record<number, string> = { 0: '80x86', 1: 'PowerPC', 2: 'Mac', 0xef: 'EFI' };
const EMULATIONS: Emulation[] = ['none', 'floppy1.2', 'floppy1.44', 'floppy2.88', 'hdd'];
const EMULATION_NAMES = ['no emulation', '1.2 MB floppy', '1.44 MB floppy', '2.88 MB floppy', 'hard disk'];

export function platformOf(n: number): Platform { return PLATFORMS[n] ?? n; }
function platformName(n: number): string { return PLATFORM_NAMES[n] ?? `unknown (0x${n.toString(16)})`; }

/** Reads catalog sectors lazily and never beyond MAX_CATALOG_SECTORS or the end of the image. */
class CatalogReader {
  private readonly sectors: Uint8Array[] = [];
  constructor(private readonly src: ByteSource, readonly base: number) {}
  /** The 32-byte entry `i`, or null when it lies beyond the bound or the image. */
  async entry(i: number): Promise<Uint8Array | null> {
    const s = Math.floor((i * ENTRY) / SECTOR_SIZE);
    if (s >= MAX_CATALOG_SECTORS) return null;
    while (this.sectors.length <= s) {
      const off = this.base + this.sectors.length * SECTOR_SIZE;
      if (off + SECTOR_SIZE > this.src.size) return null;
      this.sectors.push(await readExact(this.src, off, SECTOR_SIZE, 'El Torito boot catalog'));
    }
    const within = (i * ENTRY) % SECTOR_SIZE;
    return this.sectors[s].subarray(within, within + ENTRY);
  }
}

function finish(r: FieldReader, s: Omit<Structure, 'fields' | 'problems' | 'children'>, sink: DiagnosticSink): Structure {
  const st: Structure = { ...s, fields: r.fields, children: [] };
  if (r.problems.length) {
    st.problems = r.problems.map((p) => p.message);
    for (const p of r.problems) sink.warn(p.message, s.name, p.offset);
  }
  return st;
}


/** Fields shared by the default entry (§2.2) and section entries (§2.4): bytes 0..11. */
function readBootFields(r: FieldReader, section: string): { bootable: boolean; emulation: Emulation; media: number; loadSegment: number; rawLoadSegment: number; systemType: number; sectorCount: number; loadRba: number } {
  const ind = r.buf[0];
  const bootable = ind === 0x88;
  r.field('Boot indicator', 0, 1, ind, bootable ? '0x88 bootable' : ind === 0 ? '0x00 not bootable' : hex(ind), 'enum', section,
    ind === 0x88 || ind === 0 ? undefined : `invalid boot indicator ${hex(ind)} (expected 0x88 or 0x00)`);
  const media = r.buf[1];
  const emu = media & 0x0f;
  const emulation = EMULATIONS[emu] ?? 'none';
  const extra: string[] = [];
  if (media & 0x20) extra.push('extension follows');
  if (media & 0x40) extra.push('ATAPI driver');
  if (media & 0x80) extra.push('SCSI drivers');
  r.field('Boot media type', 1, 1, media, `${EMULATION_NAMES[emu] ?? `unknown (${emu})`}${extra.length ? ', ' + extra.join(', ') : ''}`, 'enum', section,
    emu > 4 ? `unknown emulation type ${emu} (read as no emulation)` : undefined);
  const seg = r.buf[2] | (r.buf[3] << 8);
  const loadSegment = seg === 0 ? 0x07c0 : seg;
  r.field('Load segment', 2, 2, loadSegment, seg === 0 ? '0 (default 0x07C0)' : hex(seg, 4), 'number', section);
  const systemType = r.u8('System type', 4, section);
  r.bytes('Unused', 5, 1, section, 'reserved');
  const sectorCount = r.u16le('Sector count (512-byte virtual sectors)', 6, section, 'length');
  const loadRba = r.u32le('Load RBA', 8, section, 'pointer');
  return { bootable, emulation, media, loadSegment, rawLoadSegment: seg, systemType, sectorCount, loadRba };
}

/** Latin-1 text of `b` without trailing NULs (trailing spaces are kept, unlike decodeText). */
function rawText(b: Uint8Array): string {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * Parses the boot catalog at `catalogLba` (2048-byte blocks). Throws CorruptImageError when the
 * first entry is not a validation entry at all or the catalog lies beyond the image; smaller
 * defects (checksum, indicators, unterminated sections) become diagnostics and field problems.
 */
export async function readBootCatalog(src: ByteSource, catalogLba: number, sink: DiagnosticSink): Promise<ParsedCatalog> {
  const base = catalogLba * SECTOR_SIZE;
  const name = 'El Torito boot catalog';
  if (!Number.isSafeInteger(base) || base < 0 || base + ENTRY > src.size) {
    throw new CorruptImageError(`catalog LBA ${catalogLba} lies beyond the end of the image (${src.size} bytes)`, { image: src.name, structure: name, offset: base });
  }
  const cat = new CatalogReader(src, base);
  const first = await cat.entry(0);
  if (!first) {
    throw new CorruptImageError(`catalog sector at LBA ${catalogLba} is incomplete; the image may be truncated`, { image: src.name, structure: name, offset: base });
  }

  // §2.1 Validation entry.
  const vr = new FieldReader(first, base);
  const headerId = first[0];
  const keyOk = first[30] === 0x55 && first[31] === 0xaa;
  if (headerId !== 1 && !keyOk) {
    throw new CorruptImageError(`no validation entry (header id ${hex(headerId)}, key ${hex(first[30])} ${hex(first[31])}; expected 0x01 and 55 AA)`, { image: src.name, structure: 'El Torito validation entry', offset: base });
  }
  vr.field('Header ID', 0, 1, headerId, hex(headerId), 'magic', `${SPEC} §2.1`, headerId === 1 ? undefined : `header id is ${hex(headerId)}, expected 0x01`);
  const pid = first[1];
  vr.field('Platform ID', 1, 1, pid, platformName(pid), 'enum', `${SPEC} §2.1`, PLATFORMS[pid] === undefined ? `unknown platform ${hex(pid)}` : undefined);
  vr.bytes('Reserved', 2, 2, `${SPEC} §2.1`, 'reserved');
  const idString = vr.str('ID string', 4, 24, 'ascii', `${SPEC} §2.1`);
  let sum = 0;
  for (let i = 0; i < ENTRY; i += 2) sum = (sum + (first[i] | (first[i + 1] << 8))) & 0xffff;
  const checksumOk = sum === 0;
  const ck = first[28] | (first[29] << 8);
  vr.field('Checksum', 28, 2, ck, hex(ck, 4), 'checksum', `${SPEC} §2.1`, checksumOk ? undefined : `16-bit word sum is ${hex(sum, 4)}, expected 0`);
  vr.field('Key bytes', 30, 2, keyOk, keyOk ? '55 AA' : `${hex(first[30])} ${hex(first[31])}`, 'magic', `${SPEC} §2.1`, keyOk ? undefined : 'expected 55 AA');
  const validationStruct = finish(vr, { id: 'eltorito:validation', type: 'eltorito-validation', name: 'El Torito validation entry', offset: base, length: ENTRY, spec: `${SPEC} §2.1` }, sink);
  const validation: ElToritoInfo['validation'] = { platform: platformOf(pid), idString, checksumOk, keyOk };
  const validationRaw = { platformId: pid, idString: rawText(first.subarray(4, 28)) };

  const children: Structure[] = [validationStruct];
  const entries: CatalogEntry[] = [];
  const sections: CatalogSection[] = [];
  const raw: CatalogEntryRaw[] = [];

  // §2.2 Initial/default entry.
  const def = await cat.entry(1);
  if (!def) {
    sink.error('catalog ends before the default entry', name, base + ENTRY);
    return { validation, validationRaw, sections, entries, raw, structure: catalogStructure(base, ENTRY, children) };
  }
  const dr = new FieldReader(def, base + ENTRY);
  const d = readBootFields(dr, `${SPEC} §2.2`);
  dr.bytes('Unused', 12, 20, `${SPEC} §2.2`, 'reserved');
  children.push(finish(dr, { id: 'eltorito:entry:0', type: 'eltorito-default-entry', name: 'El Torito initial/default entry', offset: base + ENTRY, length: ENTRY, spec: `${SPEC} §2.2`, target: { lba: d.loadRba } }, sink));
  entries.push({
    index: 0, section: 0, platform: validation.platform, bootable: d.bootable, emulation: d.emulation,
    loadSegment: d.loadSegment, systemType: d.systemType, sectorCount: d.sectorCount, loadRba: d.loadRba, offset: base + ENTRY,
  });
  raw.push({ media: d.media, loadSegment: d.rawLoadSegment });

  // §2.3 section headers, each followed by its §2.4 section entries (and §2.5 extensions).
  let i = 2;
  let section = 0;
  let terminated = false;
  let bounded = false;
  while (!terminated) {
    const e = await cat.entry(i);
    if (!e) { bounded = true; break; }
    const off = base + i * ENTRY;
    const ind = e[0];
    if (ind === 0x00) break; // no (further) section headers
    if (ind !== 0x90 && ind !== 0x91) {
      sink.warn(`unexpected entry ${hex(ind)} where a section header (0x90/0x91) was expected; catalog reading stops here`, 'El Torito section header', off);
      break;
    }
    section++;
    const hr = new FieldReader(e, off);
    hr.field('Header indicator', 0, 1, ind, ind === 0x91 ? '0x91 final section header' : '0x90 more headers follow', 'enum', `${SPEC} §2.3`);
    const hp = e[1];
    hr.field('Platform ID', 1, 1, hp, platformName(hp), 'enum', `${SPEC} §2.3`, PLATFORMS[hp] === undefined ? `unknown platform ${hex(hp)}` : undefined);
    const count = hr.u16le('Number of section entries', 2, `${SPEC} §2.3`, 'length');
    const sid = hr.str('ID string', 4, 28, 'ascii', `${SPEC} §2.3`);
    sections.push({ platformId: hp, idString: rawText(e.subarray(4, 32)), count, offset: off });
    children.push(finish(hr, { id: `eltorito:section:${section}`, type: 'eltorito-section-header', name: `El Torito section header ${section}`, offset: off, length: ENTRY, spec: `${SPEC} §2.3` }, sink));
    if (ind === 0x91) terminated = true;
    i++;

    let n = 0;
    for (; n < count; n++) {
      const se = await cat.entry(i);
      if (!se) { bounded = true; break; }
      const soff = base + i * ENTRY;
      if (se[0] === 0x90 || se[0] === 0x91 || se[0] === 0x44) {
        sink.warn(`section ${section} announces ${count} entries but only ${n} precede the next ${se[0] === 0x44 ? 'extension' : 'header'}`, 'El Torito section header', off);
        break;
      }
      if (se.every((b) => b === 0)) {
        sink.warn(`section ${section} announces ${count} entries but only ${n} precede an empty (all-zero) entry`, 'El Torito section header', off);
        break;
      }
      if (se[0] !== 0x88 && se[0] !== 0x00) {
        sink.warn(`section ${section} announces ${count} entries but entry ${n + 1} has indicator ${hex(se[0])}; section reading stops here`, 'El Torito section entry', soff);
        break;
      }
      const index = entries.length;
      const sr = new FieldReader(se, soff);
      const s = readBootFields(sr, `${SPEC} §2.4`);
      const critType = sr.u8('Selection criteria type', 12, `${SPEC} §2.4`, 'enum');
      let crit = sr.bytes('Vendor unique selection criteria', 13, 19, `${SPEC} §2.4`);
      const entryStruct = finish(sr, { id: `eltorito:entry:${index}`, type: 'eltorito-section-entry', name: `El Torito section entry ${index}`, offset: soff, length: ENTRY, spec: `${SPEC} §2.4`, target: { lba: s.loadRba } }, sink);
      children.push(entryStruct);
      i++;
      // §2.5 extensions follow while bit 5 (of the entry's media byte, then of each extension's byte 1) is set.
      let more = (s.media & 0x20) !== 0;
      let ext = 0;
      while (more) {
        const x = await cat.entry(i);
        if (!x) { bounded = true; break; }
        const xoff = base + i * ENTRY;
        if (x[0] !== 0x44) {
          sink.warn(`section entry ${index} announces an extension entry but ${hex(x[0])} follows`, 'El Torito section entry extension', xoff);
          break;
        }
        ext++;
        const xr = new FieldReader(x, xoff);
        xr.field('Extension indicator', 0, 1, 0x44, '0x44', 'magic', `${SPEC} §2.5`);
        more = (x[1] & 0x20) !== 0;
        xr.field('Flags', 1, 1, x[1], more ? 'further extensions follow' : 'final extension', 'flags', `${SPEC} §2.5`);
        const xb = xr.bytes('Vendor unique selection criteria', 2, 30, `${SPEC} §2.5`);
        const joined = new Uint8Array(crit.length + xb.length);
        joined.set(crit); joined.set(xb, crit.length);
        crit = joined;
        children.push(finish(xr, { id: `eltorito:entry:${index}:ext:${ext}`, type: 'eltorito-section-extension', name: `El Torito section entry ${index} extension ${ext}`, offset: xoff, length: ENTRY, spec: `${SPEC} §2.5` }, sink));
        i++;
      }
      const entry: CatalogEntry = {
        index, section, platform: platformOf(hp), bootable: s.bootable, emulation: s.emulation, loadSegment: s.loadSegment,
        systemType: s.systemType, sectorCount: s.sectorCount, loadRba: s.loadRba, offset: soff, idString: sid,
      };
      if (critType !== 0 || ext > 0 || crit.some((b) => b !== 0)) {
        entry.selectionCriteria = { type: critType, data: Array.from(crit, (b) => b.toString(16).padStart(2, '0')).join('') };
      }
      entries.push(entry);
      raw.push({ media: s.media, loadSegment: s.rawLoadSegment });
      if (bounded) break;
    }
    if (bounded) break;
  }
  if (bounded) {
    const lim = Math.min(MAX_CATALOG_SECTORS * SECTOR_SIZE, src.size - base);
    sink.warn(`catalog is not terminated within ${Math.floor(lim / SECTOR_SIZE)} sector(s)${lim < MAX_CATALOG_SECTORS * SECTOR_SIZE ? ' (end of image)' : ` (limit ${MAX_CATALOG_SECTORS})`}; reading stopped`, name, base);
  } else if (section > 0 && !terminated) {
    sink.warn('last section header is 0x90 (more follow) but no further header follows; expected 0x91 on the final header', name, base + i * ENTRY);
  }
  return { validation, validationRaw, sections, entries, raw, structure: catalogStructure(base, i * ENTRY, children) };
}

function catalogStructure(base: number, length: number, children: Structure[]): Structure {
  return { id: 'eltorito:catalog', type: 'boot-catalog', name: 'El Torito boot catalog', offset: base, length, spec: `${SPEC} §2`, fields: [], children, target: { lba: base / SECTOR_SIZE, blocks: Math.ceil(length / SECTOR_SIZE) } };
}

// ---- writing ------------------------------------------------------------------------------

/** One boot entry to write: the initial/default entry (El Torito 1.0 §2.2) or a section entry (§2.4). */
export interface CatalogEntrySpec {
  /** Informational: the platform byte written is the validation entry's (default entry) or the section header's. */
  platform: number;
  bootable: boolean;
  emulation: 0 | 1 | 2 | 3 | 4;
  /** Written as given (0 means the BIOS default 0x07C0). */
  loadSegment: number;
  systemType: number;
  /** 512-byte virtual sectors loaded by the BIOS. */
  sectorCount: number;
  loadRba: number;
  /** Section entries only: criteria type (byte 12) and vendor bytes (19 in the entry, 30 per §2.5 extension). */
  selectionCriteria?: { type: number; data: Uint8Array };
  /** Bits 4, 6, 7 of the boot media type byte (§2.4: 0x40 ATAPI driver, 0x80 SCSI drivers); bit 5 is derived. */
  mediaFlags?: number;
}

export interface CatalogSpec {
  validation: { platform: number; idString: string };
  defaultEntry: CatalogEntrySpec;
  sections: Array<{ platform: number; idString: string; entries: CatalogEntrySpec[] }>;
}

const CRIT_IN_ENTRY = 19;
const CRIT_PER_EXT = 30;

function checkInt(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(`${what} ${v} is outside 0..${max}`, { structure: 'El Torito boot catalog' });
}

function putText(dst: Uint8Array, off: number, len: number, s: string, what: string): void {
  if (s.length > len) throw new InvalidArgumentError(`${what} ${JSON.stringify(s)} is longer than ${len} characters`, { structure: 'El Torito boot catalog' });
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new InvalidArgumentError(`${what} ${JSON.stringify(s)} has a character outside Latin-1`, { structure: 'El Torito boot catalog' });
    dst[off + i] = c;
  }
}

function putLe(dst: Uint8Array, off: number, v: number, bytes: number): void {
  for (let i = 0; i < bytes; i++) dst[off + i] = Math.floor(v / 2 ** (8 * i)) & 0xff;
}

/** Writes bytes 0..11 shared by §2.2 and §2.4 entries (bit 5 of the media byte set when §2.5 extensions follow). */
function putBootFields(e: Uint8Array, s: CatalogEntrySpec, extensions: boolean, what: string): void {
  checkInt(s.emulation, 4, `${what}: emulation`);
  checkInt(s.loadSegment, 0xffff, `${what}: load segment`);
  checkInt(s.systemType, 0xff, `${what}: system type`);
  checkInt(s.sectorCount, 0xffff, `${what}: sector count`);
  checkInt(s.loadRba, 0xffffffff, `${what}: load RBA`);
  e[0] = s.bootable ? 0x88 : 0x00;
  e[1] = s.emulation | ((s.mediaFlags ?? 0) & 0xd0) | (extensions ? 0x20 : 0);
  putLe(e, 2, s.loadSegment, 2);
  e[4] = s.systemType;
  putLe(e, 6, s.sectorCount, 2);
  putLe(e, 8, s.loadRba, 4);
}

/**
 * Serializes a boot catalog (El Torito 1.0 §2.1-§2.5): validation entry with its checksum and
 * 55 AA key, the initial/default entry, then each section header (0x90, the last 0x91) followed
 * by its section entries and their extensions. Zero-padded to a multiple of 2048 bytes.
 */
export function serializeBootCatalog(spec: CatalogSpec): Uint8Array {
  if (spec.defaultEntry.selectionCriteria) throw new InvalidArgumentError('the initial/default entry has no selection criteria (El Torito 1.0 §2.2)', { structure: 'El Torito boot catalog' });
  const rows: Uint8Array[] = [];
  // §2.1 validation entry.
  const v = new Uint8Array(ENTRY);
  checkInt(spec.validation.platform, 0xff, 'validation platform');
  v[0] = 1;
  v[1] = spec.validation.platform;
  putText(v, 4, 24, spec.validation.idString, 'validation ID string');
  v[30] = 0x55; v[31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < ENTRY; i += 2) sum = (sum + (v[i] | (v[i + 1] << 8))) & 0xffff;
  const ck = (0x10000 - sum) & 0xffff;
  v[28] = ck & 0xff; v[29] = ck >> 8;
  rows.push(v);
  // §2.2 initial/default entry.
  const d = new Uint8Array(ENTRY);
  putBootFields(d, spec.defaultEntry, false, 'default entry');
  rows.push(d);
  spec.sections.forEach((sec, si) => {
    // §2.3 section header.
    const h = new Uint8Array(ENTRY);
    checkInt(sec.platform, 0xff, `section ${si + 1}: platform`);
    checkInt(sec.entries.length, 0xffff, `section ${si + 1}: entry count`);
    h[0] = si === spec.sections.length - 1 ? 0x91 : 0x90;
    h[1] = sec.platform;
    putLe(h, 2, sec.entries.length, 2);
    putText(h, 4, 28, sec.idString, `section ${si + 1} ID string`);
    rows.push(h);
    sec.entries.forEach((es, ei) => {
      const what = `section ${si + 1} entry ${ei + 1}`;
      // §2.4 section entry, then §2.5 extensions for criteria beyond 19 bytes.
      const crit = es.selectionCriteria?.data ?? new Uint8Array(0);
      const extCount = Math.max(0, Math.ceil((crit.length - CRIT_IN_ENTRY) / CRIT_PER_EXT));
      const e = new Uint8Array(ENTRY);
      putBootFields(e, es, extCount > 0, what);
      if (es.selectionCriteria) {
        checkInt(es.selectionCriteria.type, 0xff, `${what}: selection criteria type`);
        e[12] = es.selectionCriteria.type;
      }
      e.set(crit.subarray(0, CRIT_IN_ENTRY), 13);
      rows.push(e);
      for (let x = 0; x < extCount; x++) {
        const xe = new Uint8Array(ENTRY);
        xe[0] = 0x44;
        xe[1] = x < extCount - 1 ? 0x20 : 0;
        const from = CRIT_IN_ENTRY + x * CRIT_PER_EXT;
        xe.set(crit.subarray(from, from + CRIT_PER_EXT), 2);
        rows.push(xe);
      }
    });
  });
  const out = new Uint8Array(Math.ceil((rows.length * ENTRY) / SECTOR_SIZE) * SECTOR_SIZE);
  rows.forEach((r, i) => out.set(r, i * ENTRY));
  return out;
}

function hexBytes(h: string): Uint8Array {
  const b = new Uint8Array(h.length >> 1);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return b;
}

function entrySpecOf(e: CatalogEntry, r: CatalogEntryRaw, platform: number): CatalogEntrySpec {
  const emu = r.media & 0x0f;
  const s: CatalogEntrySpec = {
    platform, bootable: e.bootable, emulation: (emu <= 4 ? emu : 0) as CatalogEntrySpec['emulation'],
    loadSegment: r.loadSegment, systemType: e.systemType, sectorCount: e.sectorCount, loadRba: e.loadRba,
  };
  if (r.media & 0xd0) s.mediaFlags = r.media & 0xd0;
  if (e.selectionCriteria) s.selectionCriteria = { type: e.selectionCriteria.type, data: hexBytes(e.selectionCriteria.data) };
  return s;
}

/** The spec of a parsed catalog: serializeBootCatalog(catalogSpecOf(p)) rewrites an unchanged catalog identically. */
export function catalogSpecOf(parsed: ParsedCatalog): CatalogSpec {
  const def = parsed.entries[0];
  if (!def || def.index !== 0) throw new CorruptImageError('the catalog has no initial/default entry', { structure: 'El Torito boot catalog', offset: parsed.structure.offset + ENTRY });
  const vp = parsed.validationRaw.platformId;
  const sections = parsed.sections.map((h, i) => ({
    platform: h.platformId, idString: h.idString,
    entries: parsed.entries.flatMap((e, k) => (e.section === i + 1 ? [entrySpecOf(e, parsed.raw[k], h.platformId)] : [])),
  }));
  return { validation: { platform: vp, idString: parsed.validationRaw.idString }, defaultEntry: entrySpecOf(def, parsed.raw[0], vp), sections };
}

/** Byte offsets (within `catalog`) of the boot entries, in BootEntry.index order. */
function entryOffsets(catalog: Uint8Array): number[] {
  const n = Math.floor(catalog.length / ENTRY);
  const offs: number[] = [];
  if (n < 2 || catalog[0] !== 1) return offs;
  offs.push(ENTRY);
  let i = 2;
  let last = false;
  while (!last && i < n) {
    const ind = catalog[i * ENTRY];
    if (ind !== 0x90 && ind !== 0x91) break;
    last = ind === 0x91;
    const count = catalog[i * ENTRY + 2] | (catalog[i * ENTRY + 3] << 8);
    i++;
    for (let k = 0; k < count && i < n; k++) {
      const o = i * ENTRY;
      if (catalog[o] !== 0x88 && catalog[o] !== 0x00) break;
      if (catalog.subarray(o, o + ENTRY).every((b) => b === 0)) break;
      offs.push(o);
      let more = (catalog[o + 1] & 0x20) !== 0;
      i++;
      while (more && i < n && catalog[i * ENTRY] === 0x44) {
        more = (catalog[i * ENTRY + 1] & 0x20) !== 0;
        i++;
      }
    }
  }
  return offs;
}

/**
 * A copy of `catalog` with the load RBA and/or sector count of the given entries replaced
 * (El Torito 1.0 §2.2/§2.4 bytes 6-7 and 8-11). `index` numbers entries as BootEntry.index does.
 */
export function patchBootCatalog(catalog: Uint8Array, updates: Array<{ index: number; loadRba?: number; sectorCount?: number }>): Uint8Array {
  const out = new Uint8Array(catalog);
  const offs = entryOffsets(catalog);
  for (const u of updates) {
    const o = offs[u.index];
    if (o === undefined) throw new InvalidArgumentError(`boot entry ${u.index} is not in the catalog (it has ${offs.length})`, { structure: 'El Torito boot catalog' });
    if (u.sectorCount !== undefined) {
      checkInt(u.sectorCount, 0xffff, `entry ${u.index}: sector count`);
      putLe(out, o + 6, u.sectorCount, 2);
    }
    if (u.loadRba !== undefined) {
      checkInt(u.loadRba, 0xffffffff, `entry ${u.index}: load RBA`);
      putLe(out, o + 8, u.loadRba, 4);
    }
  }
  return out;
}
