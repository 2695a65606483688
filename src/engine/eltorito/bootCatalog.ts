// El Torito boot catalog (El Torito 1.0 §2.1 validation entry, §2.2 initial/default entry,
// §2.3 section header entry, §2.4 section entry, §2.5 section entry extension). The catalog is a
// run of 32-byte entries starting at the LBA named by the boot record volume descriptor.
import { CorruptImageError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure';
import type { BootEntry, ElToritoInfo, Emulation, Platform } from '../types';

export type CatalogEntry = Omit<BootEntry, 'imageSize' | 'imageSizeSource' | 'outsideVolume' | 'bootInfoTable' | 'grub2BootInfo' | 'path'> & {
  /** Absolute byte offset of the 32-byte catalog entry. */
  offset: number;
};

export interface ParsedCatalog {
  validation: ElToritoInfo['validation'];
  entries: CatalogEntry[];
  /** Type 'boot-catalog'; children are the individual catalog entries in order. */
  structure: Structure;
}

const SECTOR = 2048;
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
    const s = Math.floor((i * ENTRY) / SECTOR);
    if (s >= MAX_CATALOG_SECTORS) return null;
    while (this.sectors.length <= s) {
      const off = this.base + this.sectors.length * SECTOR;
      if (off + SECTOR > this.src.size) return null;
      this.sectors.push(await readExact(this.src, off, SECTOR, 'El Torito boot catalog'));
    }
    const within = (i * ENTRY) % SECTOR;
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

function hex(n: number, w = 2): string { return '0x' + n.toString(16).padStart(w, '0'); }

/** Fields shared by the default entry (§2.2) and section entries (§2.4): bytes 0..11. */
function readBootFields(r: FieldReader, section: string): { bootable: boolean; emulation: Emulation; media: number; loadSegment: number; systemType: number; sectorCount: number; loadRba: number } {
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
  return { bootable, emulation, media, loadSegment, systemType, sectorCount, loadRba };
}

/**
 * Parses the boot catalog at `catalogLba` (2048-byte blocks). Throws CorruptImageError when the
 * first entry is not a validation entry at all or the catalog lies beyond the image; smaller
 * defects (checksum, indicators, unterminated sections) become diagnostics and field problems.
 */
export async function readBootCatalog(src: ByteSource, catalogLba: number, sink: DiagnosticSink): Promise<ParsedCatalog> {
  const base = catalogLba * SECTOR;
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

  const children: Structure[] = [validationStruct];
  const entries: CatalogEntry[] = [];

  // §2.2 Initial/default entry.
  const def = await cat.entry(1);
  if (!def) {
    sink.error('catalog ends before the default entry', name, base + ENTRY);
    return { validation, entries, structure: catalogStructure(base, ENTRY, children) };
  }
  const dr = new FieldReader(def, base + ENTRY);
  const d = readBootFields(dr, `${SPEC} §2.2`);
  dr.bytes('Unused', 12, 20, `${SPEC} §2.2`, 'reserved');
  children.push(finish(dr, { id: 'eltorito:entry:0', type: 'eltorito-default-entry', name: 'El Torito initial/default entry', offset: base + ENTRY, length: ENTRY, spec: `${SPEC} §2.2`, target: { lba: d.loadRba } }, sink));
  entries.push({
    index: 0, section: 0, platform: validation.platform, bootable: d.bootable, emulation: d.emulation,
    loadSegment: d.loadSegment, systemType: d.systemType, sectorCount: d.sectorCount, loadRba: d.loadRba, offset: base + ENTRY,
  });

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
      if (bounded) break;
    }
    if (bounded) break;
  }
  if (bounded) {
    const lim = Math.min(MAX_CATALOG_SECTORS * SECTOR, src.size - base);
    sink.warn(`catalog is not terminated within ${Math.floor(lim / SECTOR)} sector(s)${lim < MAX_CATALOG_SECTORS * SECTOR ? ' (end of image)' : ` (limit ${MAX_CATALOG_SECTORS})`}; reading stopped`, name, base);
  } else if (section > 0 && !terminated) {
    sink.warn('last section header is 0x90 (more follow) but no further header follows; expected 0x91 on the final header', name, base + i * ENTRY);
  }
  return { validation, entries, structure: catalogStructure(base, i * ENTRY, children) };
}

function catalogStructure(base: number, length: number, children: Structure[]): Structure {
  return { id: 'eltorito:catalog', type: 'boot-catalog', name: 'El Torito boot catalog', offset: base, length, spec: `${SPEC} §2`, fields: [], children, target: { lba: base / SECTOR, blocks: Math.ceil(length / SECTOR) } };
}
