// El Torito boot catalog (El Torito 1.0 §2.1 validation entry, §2.2 initial/default entry,
// §2.3 section header entry, §2.4 section entry, §2.5 section entry extension). The catalog is a
// run of 32-byte entries starting at the LBA named by the boot record volume descriptor.
// Over 500 lines on purpose: the catalog's one home — the five entry field tables, the
// validation checksum, the lenient reader with its diagnostics, the serializer and the patcher
// share the tables; split, the offsets would again be spread over several files.
/* eslint-disable max-lines -- the boot catalog's one home (header) */
import { CorruptImageError, InvalidArgumentError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, finishStructure as finish, type Structure } from '../structure/fields';
import { layout, putNum, putRaw, rawOf, type FieldDef } from '../structure/layout';
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
const S21 = `${SPEC} §2.1`;

/** §2.1 validation entry. */
export const VALIDATION_ENTRY = layout({
  headerId: { at: 0, type: 'u8', name: 'Header ID', spec: S21, kind: 'magic' },
  platformId: { at: 1, type: 'u8', name: 'Platform ID', spec: S21, kind: 'enum' },
  reserved: { at: 2, type: 'bytes', len: 2, name: 'Reserved', spec: S21, kind: 'reserved' },
  idString: { at: 4, type: 'ascii', len: 24, name: 'ID string', spec: S21 },
  checksum: { at: 28, type: 'u16le', name: 'Checksum', spec: S21, kind: 'checksum' },
  key: { at: 30, type: 'bytes', len: 2, name: 'Key bytes', spec: S21, kind: 'magic' },
});
/** Bytes 0..11, shared by the initial/default entry (§2.2) and section entries (§2.4). */
function bootRows<S extends string>(spec: S) {
  return {
    indicator: { at: 0, type: 'u8', name: 'Boot indicator', spec, kind: 'enum' },
    media: { at: 1, type: 'u8', name: 'Boot media type', spec, kind: 'enum' },
    loadSegment: { at: 2, type: 'u16le', name: 'Load segment', spec },
    systemType: { at: 4, type: 'u8', name: 'System type', spec },
    unused1: { at: 5, type: 'bytes', len: 1, name: 'Unused', spec, kind: 'reserved' },
    sectorCount: { at: 6, type: 'u16le', name: 'Sector count (512-byte virtual sectors)', spec, kind: 'length' },
    loadRba: { at: 8, type: 'u32le', name: 'Load RBA', spec, kind: 'pointer' },
  } as const;
}
/** §2.2 initial/default entry. */
export const DEFAULT_ENTRY = layout({ ...bootRows(`${SPEC} §2.2`), unused: { at: 12, type: 'bytes', len: 20, name: 'Unused', spec: `${SPEC} §2.2`, kind: 'reserved' } });
/** §2.4 section entry. */
export const SECTION_ENTRY = layout({
  ...bootRows(`${SPEC} §2.4`),
  criteriaType: { at: 12, type: 'u8', name: 'Selection criteria type', spec: `${SPEC} §2.4`, kind: 'enum' },
  criteria: { at: 13, type: 'bytes', len: 19, name: 'Vendor unique selection criteria', spec: `${SPEC} §2.4` },
});
/** §2.3 section header entry. */
export const SECTION_HEADER = layout({
  indicator: { at: 0, type: 'u8', name: 'Header indicator', spec: `${SPEC} §2.3`, kind: 'enum' },
  platformId: { at: 1, type: 'u8', name: 'Platform ID', spec: `${SPEC} §2.3`, kind: 'enum' },
  count: { at: 2, type: 'u16le', name: 'Number of section entries', spec: `${SPEC} §2.3`, kind: 'length' },
  idString: { at: 4, type: 'ascii', len: 28, name: 'ID string', spec: `${SPEC} §2.3` },
});
/** §2.5 section entry extension. */
export const SECTION_EXTENSION = layout({
  indicator: { at: 0, type: 'u8', name: 'Extension indicator', spec: `${SPEC} §2.5`, kind: 'magic' },
  flags: { at: 1, type: 'u8', name: 'Flags', spec: `${SPEC} §2.5`, kind: 'flags' },
  criteria: { at: 2, type: 'bytes', len: 30, name: 'Vendor unique selection criteria', spec: `${SPEC} §2.5` },
});
const V = VALIDATION_ENTRY;
const SE = SECTION_ENTRY;
const SH = SECTION_HEADER;
const X = SECTION_EXTENSION;
type BootTable = typeof DEFAULT_ENTRY | typeof SECTION_ENTRY;
/** Media type bit 5: a §2.5 extension follows (in a section entry and in each extension's flags). */
const EXTENSION_FOLLOWS = 0x20;

/** A numeric field decoded without recording it. */
function peek(b: Uint8Array, f: FieldDef<'u8' | 'u16le'>, origin = 0): number {
  return new FieldReader(b, 0, '', false).num(f, origin);
}

/** §2.1: the sum of the validation entry's 16 little-endian words, modulo 2^16 (0 when valid). */
export function validationWordSum(entry: Uint8Array, skipChecksum = false): number {
  let sum = 0;
  for (let i = 0; i < ENTRY; i += 2) if (!skipChecksum || i !== V.checksum.at) sum = (sum + (entry[i] | (entry[i + 1] << 8))) & 0xffff;
  return sum;
}

/** The Checksum value that makes the validation entry's words sum to 0 (§2.1). */
export function validationChecksum(entry: Uint8Array): number {
  return (0x10000 - validationWordSum(entry, true)) & 0xffff;
}

/** The patch (offset within the entry, bytes) that makes a validation entry's checksum valid, or null when it is. */
export function validationChecksumFix(entry: Uint8Array): { at: number; data: Uint8Array } | null {
  const ck = validationChecksum(entry);
  if (peek(entry, V.checksum) === ck) return null;
  const e = entry.slice(0, ENTRY);
  putNum(e, V.checksum, ck);
  return { at: V.checksum.at, data: rawOf(e, V.checksum).slice() };
}

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

/** Fields shared by the default entry (§2.2) and section entries (§2.4): bytes 0..11. */
function readBootFields(r: FieldReader, T: BootTable): { bootable: boolean; emulation: Emulation; media: number; loadSegment: number; rawLoadSegment: number; systemType: number; sectorCount: number; loadRba: number } {
  const ind = peek(r.buf, T.indicator);
  const bootable = ind === 0x88;
  r.field(T.indicator.name, T.indicator.at, T.indicator.len, ind, bootable ? '0x88 bootable' : ind === 0 ? '0x00 not bootable' : hex(ind), 'enum', T.indicator.spec,
    ind === 0x88 || ind === 0 ? undefined : `invalid boot indicator ${hex(ind)} (expected 0x88 or 0x00)`);
  const media = peek(r.buf, T.media);
  const emu = media & 0x0f;
  const emulation = EMULATIONS[emu] ?? 'none';
  const extra: string[] = [];
  if (media & EXTENSION_FOLLOWS) extra.push('extension follows');
  if (media & 0x40) extra.push('ATAPI driver');
  if (media & 0x80) extra.push('SCSI drivers');
  r.field(T.media.name, T.media.at, T.media.len, media, `${EMULATION_NAMES[emu] ?? `unknown (${emu})`}${extra.length ? ', ' + extra.join(', ') : ''}`, 'enum', T.media.spec,
    emu > 4 ? `unknown emulation type ${emu} (read as no emulation)` : undefined);
  const seg = peek(r.buf, T.loadSegment);
  const loadSegment = seg === 0 ? 0x07c0 : seg;
  r.field(T.loadSegment.name, T.loadSegment.at, T.loadSegment.len, loadSegment, seg === 0 ? '0 (default 0x07C0)' : hex(seg, 4), 'number', T.loadSegment.spec);
  const systemType = r.num(T.systemType);
  r.raw(T.unused1);
  const sectorCount = r.num(T.sectorCount);
  const loadRba = r.num(T.loadRba);
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

/** §2.1: the validation entry's structure and values. Throws when it is not a validation entry at all. */
function parseValidation(first: Uint8Array, base: number, src: ByteSource, sink: DiagnosticSink): Pick<ParsedCatalog, 'validation' | 'validationRaw'> & { structure: Structure } {
  const vr = new FieldReader(first, base);
  const headerId = peek(first, V.headerId);
  const [k0, k1] = rawOf(first, V.key);
  const keyOk = k0 === 0x55 && k1 === 0xaa;
  if (headerId !== 1 && !keyOk) {
    throw new CorruptImageError(`no validation entry (header id ${hex(headerId)}, key ${hex(k0)} ${hex(k1)}; expected 0x01 and 55 AA)`, { image: src.name, structure: 'El Torito validation entry', offset: base });
  }
  const field = (f: FieldDef, value: number | boolean, display: string, problem?: string) => vr.field(f.name, f.at, f.len, value, display, f.kind, f.spec, problem);
  field(V.headerId, headerId, hex(headerId), headerId === 1 ? undefined : `header id is ${hex(headerId)}, expected 0x01`);
  const pid = peek(first, V.platformId);
  field(V.platformId, pid, platformName(pid), PLATFORMS[pid] === undefined ? `unknown platform ${hex(pid)}` : undefined);
  vr.raw(V.reserved);
  const idString = vr.text(V.idString);
  const sum = validationWordSum(first);
  const checksumOk = sum === 0;
  const ck = peek(first, V.checksum);
  field(V.checksum, ck, hex(ck, 4), checksumOk ? undefined : `16-bit word sum is ${hex(sum, 4)}, expected 0`);
  field(V.key, keyOk, keyOk ? '55 AA' : `${hex(k0)} ${hex(k1)}`, keyOk ? undefined : 'expected 55 AA');
  return {
    structure: finish(vr, { id: 'eltorito:validation', type: 'eltorito-validation', name: 'El Torito validation entry', offset: base, length: ENTRY, spec: S21 }, sink),
    validation: { platform: platformOf(pid), idString, checksumOk, keyOk },
    validationRaw: { platformId: pid, idString: rawText(rawOf(first, V.idString)) },
  };
}

/** Walks the entries after the default entry: §2.3 section headers, §2.4 section entries and §2.5 extensions. */
class SectionWalk {
  i = 2;
  section = 0;
  terminated = false;
  /** The walk hit MAX_CATALOG_SECTORS or the end of the image. */
  bounded = false;
  readonly sections: CatalogSection[] = [];
  constructor(private readonly cat: CatalogReader, private readonly base: number, readonly children: Structure[], readonly entries: CatalogEntry[], readonly raw: CatalogEntryRaw[], private readonly sink: DiagnosticSink) {}

  async run(): Promise<void> {
    while (!this.terminated) {
      const e = await this.cat.entry(this.i);
      if (!e) { this.bounded = true; break; }
      const off = this.base + this.i * ENTRY;
      const ind = peek(e, SH.indicator);
      if (ind === 0x00) break; // no (further) section headers
      if (ind !== 0x90 && ind !== 0x91) {
        this.sink.warn(`unexpected entry ${hex(ind)} where a section header (0x90/0x91) was expected; catalog reading stops here`, 'El Torito section header', off);
        break;
      }
      const section = ++this.section;
      const hr = new FieldReader(e, off);
      hr.field(SH.indicator.name, SH.indicator.at, SH.indicator.len, ind, ind === 0x91 ? '0x91 final section header' : '0x90 more headers follow', 'enum', SH.indicator.spec);
      const hp = peek(e, SH.platformId);
      hr.field(SH.platformId.name, SH.platformId.at, SH.platformId.len, hp, platformName(hp), 'enum', SH.platformId.spec, PLATFORMS[hp] === undefined ? `unknown platform ${hex(hp)}` : undefined);
      const count = hr.num(SH.count);
      const sid = hr.text(SH.idString);
      this.sections.push({ platformId: hp, idString: rawText(rawOf(e, SH.idString)), count, offset: off });
      this.children.push(finish(hr, { id: `eltorito:section:${section}`, type: 'eltorito-section-header', name: `El Torito section header ${section}`, offset: off, length: ENTRY, spec: `${SPEC} §2.3` }, this.sink));
      if (ind === 0x91) this.terminated = true;
      this.i++;
      for (let n = 0; n < count && !this.bounded; n++) {
        if (!(await this.sectionEntry(section, count, n, off, hp, sid))) break;
      }
      if (this.bounded) break;
    }
  }

  /** Reads section entry `n` and its extensions; false when the section ends early. */
  private async sectionEntry(section: number, count: number, n: number, off: number, hp: number, sid: string): Promise<boolean> {
    const se = await this.cat.entry(this.i);
    if (!se) { this.bounded = true; return false; }
    const soff = this.base + this.i * ENTRY;
    const sind = peek(se, SE.indicator);
    if (sind === 0x90 || sind === 0x91 || sind === 0x44) {
      this.sink.warn(`section ${section} announces ${count} entries but only ${n} precede the next ${sind === 0x44 ? 'extension' : 'header'}`, 'El Torito section header', off);
      return false;
    }
    if (se.every((b) => b === 0)) {
      this.sink.warn(`section ${section} announces ${count} entries but only ${n} precede an empty (all-zero) entry`, 'El Torito section header', off);
      return false;
    }
    if (sind !== 0x88 && sind !== 0x00) {
      this.sink.warn(`section ${section} announces ${count} entries but entry ${n + 1} has indicator ${hex(sind)}; section reading stops here`, 'El Torito section entry', soff);
      return false;
    }
    const index = this.entries.length;
    const sr = new FieldReader(se, soff);
    const s = readBootFields(sr, SE);
    const critType = sr.num(SE.criteriaType);
    const first = sr.raw(SE.criteria);
    this.children.push(finish(sr, { id: `eltorito:entry:${index}`, type: 'eltorito-section-entry', name: `El Torito section entry ${index}`, offset: soff, length: ENTRY, spec: `${SPEC} §2.4`, target: { lba: s.loadRba } }, this.sink));
    this.i++;
    const { crit, ext } = await this.extensions(index, s.media, first);
    const entry: CatalogEntry = {
      index, section, platform: platformOf(hp), bootable: s.bootable, emulation: s.emulation, loadSegment: s.loadSegment,
      systemType: s.systemType, sectorCount: s.sectorCount, loadRba: s.loadRba, offset: soff, idString: sid,
    };
    if (critType !== 0 || ext > 0 || crit.some((b) => b !== 0)) {
      entry.selectionCriteria = { type: critType, data: Array.from(crit, (b) => b.toString(16).padStart(2, '0')).join('') };
    }
    this.entries.push(entry);
    this.raw.push({ media: s.media, loadSegment: s.rawLoadSegment });
    return true;
  }

  /** §2.5 extensions follow while bit 5 (of the entry's media byte, then of each extension's flags) is set. */
  private async extensions(index: number, media: number, crit: Uint8Array): Promise<{ crit: Uint8Array; ext: number }> {
    let more = (media & EXTENSION_FOLLOWS) !== 0;
    let ext = 0;
    while (more) {
      const x = await this.cat.entry(this.i);
      if (!x) { this.bounded = true; break; }
      const xoff = this.base + this.i * ENTRY;
      const xind = peek(x, X.indicator);
      if (xind !== 0x44) {
        this.sink.warn(`section entry ${index} announces an extension entry but ${hex(xind)} follows`, 'El Torito section entry extension', xoff);
        break;
      }
      ext++;
      const xr = new FieldReader(x, xoff);
      xr.field(X.indicator.name, X.indicator.at, X.indicator.len, 0x44, '0x44', 'magic', X.indicator.spec);
      const flags = peek(x, X.flags);
      more = (flags & EXTENSION_FOLLOWS) !== 0;
      xr.field(X.flags.name, X.flags.at, X.flags.len, flags, more ? 'further extensions follow' : 'final extension', 'flags', X.flags.spec);
      const xb = xr.raw(X.criteria);
      const joined = new Uint8Array(crit.length + xb.length);
      joined.set(crit); joined.set(xb, crit.length);
      crit = joined;
      this.children.push(finish(xr, { id: `eltorito:entry:${index}:ext:${ext}`, type: 'eltorito-section-extension', name: `El Torito section entry ${index} extension ${ext}`, offset: xoff, length: ENTRY, spec: `${SPEC} §2.5` }, this.sink));
      this.i++;
    }
    return { crit, ext };
  }
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
  const { validation, validationRaw, structure: validationStruct } = parseValidation(first, base, src, sink);
  const children: Structure[] = [validationStruct];
  const entries: CatalogEntry[] = [];
  const raw: CatalogEntryRaw[] = [];

  // §2.2 Initial/default entry.
  const def = await cat.entry(1);
  if (!def) {
    sink.error('catalog ends before the default entry', name, base + ENTRY);
    return { validation, validationRaw, sections: [], entries, raw, structure: catalogStructure(base, ENTRY, children) };
  }
  const dr = new FieldReader(def, base + ENTRY);
  const d = readBootFields(dr, DEFAULT_ENTRY);
  dr.raw(DEFAULT_ENTRY.unused);
  children.push(finish(dr, { id: 'eltorito:entry:0', type: 'eltorito-default-entry', name: 'El Torito initial/default entry', offset: base + ENTRY, length: ENTRY, spec: `${SPEC} §2.2`, target: { lba: d.loadRba } }, sink));
  entries.push({
    index: 0, section: 0, platform: validation.platform, bootable: d.bootable, emulation: d.emulation,
    loadSegment: d.loadSegment, systemType: d.systemType, sectorCount: d.sectorCount, loadRba: d.loadRba, offset: base + ENTRY,
  });
  raw.push({ media: d.media, loadSegment: d.rawLoadSegment });

  const w = new SectionWalk(cat, base, children, entries, raw, sink);
  await w.run();
  if (w.bounded) {
    const lim = Math.min(MAX_CATALOG_SECTORS * SECTOR_SIZE, src.size - base);
    sink.warn(`catalog is not terminated within ${Math.floor(lim / SECTOR_SIZE)} sector(s)${lim < MAX_CATALOG_SECTORS * SECTOR_SIZE ? ' (end of image)' : ` (limit ${MAX_CATALOG_SECTORS})`}; reading stopped`, name, base);
  } else if (w.section > 0 && !w.terminated) {
    sink.warn('last section header is 0x90 (more follow) but no further header follows; expected 0x91 on the final header', name, base + w.i * ENTRY);
  }
  return { validation, validationRaw, sections: w.sections, entries, raw, structure: catalogStructure(base, w.i * ENTRY, children) };
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


function checkInt(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(`${what} ${v} is outside 0..${max}`, { structure: 'El Torito boot catalog' });
}

/** Latin-1 text into a field, NUL-padded (the entry starts zeroed). */
function putText(dst: Uint8Array, f: FieldDef, s: string, what: string): void {
  if (s.length > f.len) throw new InvalidArgumentError(`${what} ${JSON.stringify(s)} is longer than ${f.len} characters`, { structure: 'El Torito boot catalog' });
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new InvalidArgumentError(`${what} ${JSON.stringify(s)} has a character outside Latin-1`, { structure: 'El Torito boot catalog' });
    dst[f.at + i] = c;
  }
}

/** Writes bytes 0..11 shared by §2.2 and §2.4 entries (bit 5 of the media byte set when §2.5 extensions follow). */
function putBootFields(e: Uint8Array, s: CatalogEntrySpec, extensions: boolean, what: string): void {
  checkInt(s.emulation, 4, `${what}: emulation`);
  checkInt(s.loadSegment, 0xffff, `${what}: load segment`);
  checkInt(s.systemType, 0xff, `${what}: system type`);
  checkInt(s.sectorCount, 0xffff, `${what}: sector count`);
  checkInt(s.loadRba, 0xffffffff, `${what}: load RBA`);
  putNum(e, SE.indicator, s.bootable ? 0x88 : 0x00);
  putNum(e, SE.media, s.emulation | ((s.mediaFlags ?? 0) & 0xd0) | (extensions ? EXTENSION_FOLLOWS : 0));
  putNum(e, SE.loadSegment, s.loadSegment);
  putNum(e, SE.systemType, s.systemType);
  putNum(e, SE.sectorCount, s.sectorCount);
  putNum(e, SE.loadRba, s.loadRba);
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
  putNum(v, V.headerId, 1);
  putNum(v, V.platformId, spec.validation.platform);
  putText(v, V.idString, spec.validation.idString, 'validation ID string');
  putRaw(v, V.key, new Uint8Array([0x55, 0xaa]));
  putNum(v, V.checksum, validationChecksum(v));
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
    putNum(h, SH.indicator, si === spec.sections.length - 1 ? 0x91 : 0x90);
    putNum(h, SH.platformId, sec.platform);
    putNum(h, SH.count, sec.entries.length);
    putText(h, SH.idString, sec.idString, `section ${si + 1} ID string`);
    rows.push(h);
    sec.entries.forEach((es, ei) => {
      const what = `section ${si + 1} entry ${ei + 1}`;
      // §2.4 section entry, then §2.5 extensions for criteria beyond 19 bytes.
      const crit = es.selectionCriteria?.data ?? new Uint8Array(0);
      const extCount = Math.max(0, Math.ceil((crit.length - SE.criteria.len) / X.criteria.len));
      const e = new Uint8Array(ENTRY);
      putBootFields(e, es, extCount > 0, what);
      if (es.selectionCriteria) {
        checkInt(es.selectionCriteria.type, 0xff, `${what}: selection criteria type`);
        putNum(e, SE.criteriaType, es.selectionCriteria.type);
      }
      putRaw(e, SE.criteria, crit.subarray(0, SE.criteria.len));
      rows.push(e);
      for (let x = 0; x < extCount; x++) {
        const xe = new Uint8Array(ENTRY);
        putNum(xe, X.indicator, 0x44);
        putNum(xe, X.flags, x < extCount - 1 ? EXTENSION_FOLLOWS : 0);
        const from = SE.criteria.len + x * X.criteria.len;
        putRaw(xe, X.criteria, crit.subarray(from, from + X.criteria.len));
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
  if (n < 2 || peek(catalog, V.headerId) !== 1) return offs;
  offs.push(ENTRY);
  let i = 2;
  let last = false;
  while (!last && i < n) {
    const ind = peek(catalog, SH.indicator, i * ENTRY);
    if (ind !== 0x90 && ind !== 0x91) break;
    last = ind === 0x91;
    const count = peek(catalog, SH.count, i * ENTRY);
    i++;
    for (let k = 0; k < count && i < n; k++) {
      const o = i * ENTRY;
      const ind = peek(catalog, SE.indicator, o);
      if (ind !== 0x88 && ind !== 0x00) break;
      if (catalog.subarray(o, o + ENTRY).every((b) => b === 0)) break;
      offs.push(o);
      let more = (peek(catalog, SE.media, o) & EXTENSION_FOLLOWS) !== 0;
      i++;
      while (more && i < n && peek(catalog, X.indicator, i * ENTRY) === 0x44) {
        more = (peek(catalog, X.flags, i * ENTRY) & EXTENSION_FOLLOWS) !== 0;
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
      putNum(out, SE.sectorCount, u.sectorCount, o);
    }
    if (u.loadRba !== undefined) {
      checkInt(u.loadRba, 0xffffffff, `entry ${u.index}: load RBA`);
      putNum(out, SE.loadRba, u.loadRba, o);
    }
  }
  return out;
}
