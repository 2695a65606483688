// The "ISO: Show Image Info" report: the facts people read from `xorriso -pvd_info`,
// `-report_el_torito plain` and `-report_system_area plain`, as one Markdown document with links
// to the files inside the image (boot images, boot catalog, partitions that are files).
// Pure (no `vscode` import) so it is unit-tested in plain Node; the extension opens the result in
// an editor. Every string that comes from the image goes through escapeMd (text) or
// linkTarget (link destinations): volume ids, file names and GPT partition names can hold
// Markdown syntax, HTML, `|` and line breaks. The Markdown helpers are markdown.ts.
import type { DiscImage, FileNode } from '../engine/image';
import { DiagnosticSink, type Diagnostic } from '../engine/errors';
import { readBootCatalog } from '../engine/eltorito/bootCatalog';
import type { BootEntry, ElToritoInfo, Emulation, GptInfo, Platform, SystemAreaInfo } from '../engine/types';
import { visible } from '../provider/escape';
import { codeBlock, date, details, escapeMd, humanSize, linkTarget, mdLink, okBad, sizeText, table, val, yesNo } from './markdown';
import { SECTOR_SIZE } from '../engine/bytes/sector';
import { hex } from '../engine/bytes/hex';

export { visible };
export { codeBlock, escapeMd, humanSize, linkTarget, mdLink, sizeText };

export interface ReportOptions {
  /** Display name of the image (e.g. file name or URI). */
  imageLabel: string;
  /** Returns the URI string that opens a path inside this image (the lead passes isowb://… URIs). */
  link(innerPath: string): string;
}

/** Diagnostics listed at most (the engine keeps up to 1,000). */
const MAX_DIAGNOSTICS = 200;

// ---- vocabulary ---------------------------------------------------------------------------------

const PLATFORM_NAMES: Record<string, string> = { x86: 'x86 BIOS', efi: 'UEFI', ppc: 'PowerPC', mac: 'Mac' };
const XORRISO_PLATFORMS: Record<string, string> = { x86: 'BIOS', efi: 'UEFI', ppc: 'PPC', mac: 'Mac' };
const EMULATION_NAMES: Record<Emulation, string> = {
  none: 'no emulation', 'floppy1.2': '1.2 MB floppy', 'floppy1.44': '1.44 MB floppy', 'floppy2.88': '2.88 MB floppy', hdd: 'hard disk',
};
const XORRISO_EMULATIONS: Record<Emulation, string> = { none: 'none', 'floppy1.2': 'fd1.2', 'floppy1.44': 'fd1.4', 'floppy2.88': 'fd2.8', hdd: 'hd' };
const SIZE_SOURCES: Record<BootEntry['imageSizeSource'], string> = {
  file: 'file size', emulation: 'emulated disk size', partition: 'partition size', 'sector-count': 'sector count', 'next-extent': 'up to the next extent',
};
const BOOT_CODES: Record<string, string> = {
  isohybrid: 'isohybrid (SYSLINUX isohdpfx)', grub2: 'GRUB 2', syslinux: 'SYSLINUX', none: 'none (all zero)', unknown: 'unknown',
};
const NAMESPACE_NAMES = { rr: 'Rock Ridge', joliet: 'Joliet', iso9660: 'ISO 9660' } as const;

export function platformName(p: Platform): string {
  return typeof p === 'number' ? hex(p) : PLATFORM_NAMES[p] ?? p;
}
function xorrisoPlatform(p: Platform): string {
  return typeof p === 'number' ? hex(p) : XORRISO_PLATFORMS[p] ?? p;
}

/** GUID text form → xorriso's raw on-disk hex (first three fields little-endian). */
function guidRawHex(g: string): string {
  const h = g.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) return h;
  const b = h.match(/../g)!;
  return [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.slice(8)].join('');
}

// ---- facts gathered beyond DiscImage's own --------------------------------------------------

interface BootExtras {
  /** Load segment as recorded (the engine reports a recorded 0 as 0x07C0, xorriso prints 0x0000). */
  rawSegment: Map<number, number>;
  /** ISOLINUX isohybrid signature 0x7078C0FB at byte 64 of the boot image (xorriso: isohybrid-suitable). */
  isohybrid: Set<number>;
}

async function bootExtras(img: DiscImage, et: ElToritoInfo): Promise<BootExtras> {
  const out: BootExtras = { rawSegment: new Map(), isohybrid: new Set() };
  try {
    const cat = await readBootCatalog(img.source, et.catalogLba, new DiagnosticSink(50));
    for (const e of cat.entries) {
      const b = await img.source.read(e.offset + 2, 2);
      if (b.length === 2) out.rawSegment.set(e.index, b[0] | (b[1] << 8));
    }
  } catch {
    // the engine already reported the catalog's problems; fall back to its values
  }
  for (const e of et.entries) {
    const b = await img.source.read(e.loadRba * SECTOR_SIZE + 64, 4);
    if (b.length === 4 && b[0] === 0xfb && b[1] === 0xc0 && b[2] === 0x78 && b[3] === 0x70) out.isohybrid.add(e.index);
  }
  return out;
}

/** A file a partition lies in: its path and how far into the file the partition starts. */
interface PartitionFile { path: string; offset: number }

/**
 * For each partition start (a byte offset), the file whose data blocks hold it — xorriso's
 * "partition path" (an EFI partition that is also /boot/grub/efi.img). Only starts inside the
 * ISO volume past the volume descriptors can lie in a file; starts in a boot image or the catalog
 * El Torito already located need no search; the rest are found breadth-first (boot files live near
 * the root) and the walk stops as soon as every start is placed.
 */
async function partitionFiles(img: DiscImage, sa: SystemAreaInfo, et: ElToritoInfo | null): Promise<Map<number, PartitionFile>> {
  const bs = img.volume.blockSize;
  const starts = new Set<number>();
  for (const p of sa.mbr?.partitions ?? []) starts.add(p.startLba * 512);
  if (sa.gpt) for (const p of sa.gpt.partitions) starts.add(p.firstLba * sa.gpt.blockSize);
  if (sa.apm) for (const p of sa.apm.partitions) starts.add(p.startBlock * sa.apm.blockSize);
  const known = new Map<number, string>(); // first block of a file El Torito located → its path
  if (et) {
    if (et.catalogPath) known.set(et.catalogLba, et.catalogPath);
    for (const e of et.entries) if (e.path) known.set(e.loadRba, e.path);
  }
  const out = new Map<number, PartitionFile>();
  const firstData = (Math.max(16, ...img.descriptors.map(d => d.lba)) + 1) * SECTOR_SIZE;
  const pending = new Set<number>();
  for (const b of starts) {
    if (b < firstData || b >= img.volume.volumeBlocks * bs) continue;
    const k = known.get(Math.floor(b / bs));
    if (k) out.set(b, { path: k, offset: b % bs });
    else pending.add(b);
  }
  const seen = new Set<number>();
  let level: FileNode[] = pending.size ? [img.root] : [];
  while (level.length > 0 && pending.size > 0) {
    const next: FileNode[] = [];
    for (const dir of level) {
      if (!dir.dir || seen.has(dir.dir.lba)) continue;
      seen.add(dir.dir.lba);
      for await (const batch of img.readdirStream(dir)) for (const n of batch) {
        if (n.type === 'dir') { next.push(n); continue; }
        if (n.type !== 'file') continue;
        let pos = 0;
        for (const e of n.extents) {
          for (const b of pending) {
            const blk = Math.floor(b / bs);
            if (blk >= e.lba && blk < e.lba + e.blocks) {
              out.set(b, { path: n.path, offset: pos + b - e.lba * bs });
              pending.delete(b);
            }
          }
          pos += e.length;
        }
        if (pending.size === 0) return out;
      }
    }
    level = next;
  }
  return out;
}

// ---- the report ---------------------------------------------------------------------------------

export async function imageReport(img: DiscImage, opts: ReportOptions): Promise<string> {
  const et = await img.elTorito();
  const sa = await img.systemArea();
  const extras = et ? await bootExtras(img, et) : { rawSegment: new Map<number, number>(), isohybrid: new Set<number>() };
  const files = await partitionFiles(img, sa, et);
  const pathTableProblems = await img.checkPathTables();
  const link = (p: string) => mdLink(p, opts.link(p));
  const fileAtByte = (byteStart: number): PartitionFile | undefined => files.get(byteStart);
  const parts: string[] = [];
  parts.push(`# ${escapeMd(opts.imageLabel)}\n`);
  parts.push(summarySection(img, et, sa));
  parts.push(...volumeSection(img), ...namespacesSection(img), ...descriptorsSection(img));
  // -- El Torito
  parts.push('## El Torito\n');
  if (!et) parts.push('No El Torito boot record: the image does not boot from CD/DVD.\n');
  else parts.push(elToritoSection(et, sa, extras, link));
  // -- system area
  parts.push('## System area\n');
  parts.push(systemAreaSection(img, sa, link, fileAtByte));
  parts.push(...problemsSection(img, pathTableProblems));
  return parts.join('\n');
}

/** Sizes, volume id, the namespace shown and how the image boots. */
function summarySection(img: DiscImage, et: ElToritoInfo | null, sa: SystemAreaInfo): string {
  const v = img.volume;
  const volumeBytes = v.volumeBlocks * v.blockSize;
  const summary: string[] = [];
  summary.push(`- **Image size:** ${sizeText(img.size)}, ${Math.floor(img.size / SECTOR_SIZE)} blocks of ${SECTOR_SIZE} bytes${img.size % SECTOR_SIZE ? ` + ${img.size % SECTOR_SIZE} bytes` : ''}`);
  summary.push(`- **ISO volume:** ${v.volumeBlocks} blocks of ${v.blockSize} bytes = ${sizeText(volumeBytes)}`);
  if (img.size > volumeBytes) summary.push(`- **Beyond the volume:** ${sizeText(img.size - volumeBytes)} (appended partitions or padding)`);
  else if (img.size < volumeBytes) summary.push(`- **Truncated?** the image is ${sizeText(volumeBytes - img.size)} shorter than its volume says`);
  summary.push(`- **Volume id:** ${val(v.volumeId)}`);
  summary.push(`- **Shown namespace:** ${NAMESPACE_NAMES[img.namespace]}${img.sessions.length > 1 ? `, session ${img.session.index} of ${img.sessions.length}` : ''}`);
  const boot: string[] = [];
  if (et) boot.push(`El Torito (${et.entries.map(e => platformName(e.platform)).join(', ')})`);
  if (sa.mbr) boot.push(`MBR (boot code: ${escapeMd(BOOT_CODES[sa.mbr.bootCode] ?? sa.mbr.bootCode)})`);
  if (sa.gpt) boot.push('GPT');
  if (sa.apm) boot.push('Apple Partition Map');
  summary.push(`- **Boot:** ${boot.length ? boot.join('; ') : 'not bootable (no El Torito record, no partition table)'}`);
  return summary.join('\n') + '\n';
}

/** The Primary Volume Descriptor's fields. */
function volumeSection(img: DiscImage): string[] {
  const parts: string[] = [];
  const v = img.volume;
  const volumeBytes = v.volumeBlocks * v.blockSize;
  parts.push('## Volume (Primary Volume Descriptor)\n');
  parts.push(table(['Field', 'Value'], [
    ['System id', val(v.systemId)],
    ['Volume id', val(v.volumeId)],
    ['Volume set id', val(v.volumeSetId)],
    ['Publisher id', val(v.publisherId)],
    ['Data preparer id', val(v.preparerId)],
    ['Application id', val(v.applicationId)],
    ['Copyright file id', val(v.copyrightFileId)],
    ['Abstract file id', val(v.abstractFileId)],
    ['Bibliographic file id', val(v.bibliographicFileId)],
    ['Created', date(v.created)],
    ['Modified', date(v.modified)],
    ['Expires', date(v.expires)],
    ['Effective', date(v.effective)],
    ['Volume size', `${v.volumeBlocks} blocks = ${sizeText(volumeBytes)}`],
    ['Logical block size', `${v.blockSize} bytes`],
    ['Volume set', `volume ${v.volumeSequenceNumber} of ${v.volumeSetSize}`],
    ['File structure version', v.fileStructureVersion === 2 ? '2 — ISO 9660:1999 (enhanced volume descriptor present)' : `${v.fileStructureVersion} — ECMA-119 / ISO 9660:1988`],
  ]));
  return parts;
}

/** Namespaces present and shown, UDF, sessions. */
function namespacesSection(img: DiscImage): string[] {
  const parts: string[] = [];
  parts.push('## Namespaces\n');
  const joliet = img.descriptors.reduce((m, d) => (d.kind === 'supplementary' ? Math.max(m, d.jolietLevel) : m), 0);
  const nsNote = { rr: 'POSIX names, permissions, owners, symlinks, devices', joliet: `Unicode names (UCS-2)${joliet ? `, level ${joliet}` : ''}`, iso9660: 'plain ISO 9660 names' };
  parts.push(table(['Namespace', 'Present', 'Shown', 'Notes'], (['rr', 'joliet', 'iso9660'] as const).map(ns => [
    NAMESPACE_NAMES[ns], yesNo(img.namespaces.includes(ns)), img.namespace === ns ? '**shown**' : '', img.namespaces.includes(ns) ? nsNote[ns] : '',
  ])));
  parts.push(img.udf
    ? '**UDF:** a UDF bridge is present (UDF volume recognition sequence). Reading UDF is not supported yet; the ISO 9660 side is shown.\n'
    : '**UDF:** not present.\n');
  if (img.sessions.length > 1) {
    parts.push('## Sessions\n');
    parts.push(table(['Session', 'Start LBA', 'Blocks', 'Volume id', 'Created', 'Shown'], img.sessions.map(s => [
      String(s.index), String(s.startLba), String(s.volumeBlocks), val(s.volumeId), date(s.created), s.index === img.session.index ? '**shown**' : '',
    ]), [true, true, true]));
  } else {
    const s = img.sessions[0];
    parts.push(`**Sessions:** one${s ? ` (starting at LBA ${s.startLba})` : ''}.\n`);
  }
  return parts;
}

/** The volume descriptor set. */
function descriptorsSection(img: DiscImage): string[] {
  const parts: string[] = [];
  parts.push('## Volume descriptors\n');
  parts.push(table(['LBA', 'Type', 'Identifier'], img.descriptors.map(d => {
    switch (d.kind) {
      case 'primary': return [String(d.lba), 'Primary (1)', val(d.volumeId)];
      case 'supplementary': return [String(d.lba), `Supplementary (2)${d.jolietLevel ? `, Joliet level ${d.jolietLevel}` : ''}`, val(d.volumeId)];
      case 'enhanced': return [String(d.lba), 'Enhanced (2, version 2), ISO 9660:1999', val(d.volumeId)];
      case 'boot': return [String(d.lba), 'Boot record (0)', `${val(d.bootSystemId)}${d.catalogLba !== null ? ` → catalog at LBA ${d.catalogLba}` : ''}`];
      case 'partition': return [String(d.lba), 'Volume partition (3)', `${val(d.partitionId)} (LBA ${d.partitionLba}, ${d.partitionSize} blocks)`];
      case 'terminator': return [String(d.lba), 'Set terminator (255)', '—'];
      default: return [String(d.lba), `Unknown (${d.type})`, '—'];
    }
  }), [true]));
  return parts;
}

/** Path-table problems and the diagnostics of the reading. */
function problemsSection(img: DiscImage, pathTableProblems: string[]): string[] {
  const parts: string[] = [];
  if (pathTableProblems.length) {
    parts.push('## Path tables\n');
    parts.push(pathTableProblems.map(p => `- ${escapeMd(p)}`).join('\n') + '\n');
  }
  const diags = dedupe(img.warnings).filter(d => !pathTableProblems.some(p => d.structure?.endsWith('path table') && p.endsWith(`: ${d.message}`)));
  const dropped = img.diagnostics.droppedCount;
  if (diags.length || dropped) {
    parts.push('## Diagnostics\n');
    parts.push('Problems found while reading (reading went on, the way xorriso or 7-Zip would):\n');
    const shown = diags.slice(0, MAX_DIAGNOSTICS).map(d => {
      const where = `${d.structure ? ` ${escapeMd(d.structure)}` : ''}${d.offset !== undefined ? ` at byte ${d.offset} (LBA ${Math.floor(d.offset / SECTOR_SIZE)})` : ''}`;
      return `- **${d.severity}**${where ? `,${where}` : ''}: ${escapeMd(d.message)}`;
    });
    const more = diags.length - shown.length + dropped;
    if (more > 0) shown.push(`- … and ${more} more`);
    parts.push(shown.join('\n') + '\n');
  }
  return parts;
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter(d => {
    const k = `${d.severity}\0${d.structure ?? ''}\0${d.offset ?? ''}\0${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function elToritoSection(et: ElToritoInfo, sa: SystemAreaInfo, extras: BootExtras, link: (p: string) => string): string {
  let s = '';
  const val0 = et.validation;
  s += `- **Boot record:** LBA ${et.bootRecordLba}\n`;
  s += `- **Boot catalog:** LBA ${et.catalogLba}, ${et.catalogPath ? link(et.catalogPath) : 'hidden (no file in the tree)'}\n`;
  s += `- **Validation entry:** platform ${platformName(val0.platform)}, id string ${val0.idString ? `“${escapeMd(val0.idString)}”` : '—'}, checksum ${okBad(val0.checksumOk)}, key bytes 55 AA ${okBad(val0.keyOk)}\n`;
  s += '\n';

  const rows = et.entries.map(e => {
    const flags = [e.bootInfoTable ? 'boot-info-table' : '', e.grub2BootInfo ? 'grub2-boot-info' : '', extras.isohybrid.has(e.index) ? 'isohybrid-suitable' : ''].filter(Boolean);
    const section = e.section === 0 ? 'initial' : `section ${e.section}${e.idString ? ` “${escapeMd(e.idString)}”` : ''}`;
    let where: string;
    if (e.path) where = link(e.path);
    else if (e.outsideVolume) where = `— (${escapeMd(appendedPartition(sa, e.loadRba) ?? 'outside the ISO volume')})`;
    else where = '— (not a file)';
    return [
      String(e.index + 1), section, platformName(e.platform), yesNo(e.bootable), EMULATION_NAMES[e.emulation] ?? e.emulation,
      segmentText(extras.rawSegment.get(e.index) ?? e.loadSegment), hex(e.systemType), String(e.sectorCount), String(e.loadRba),
      sizeText(e.imageSize), SIZE_SOURCES[e.imageSizeSource] ?? e.imageSizeSource, flags.length ? flags.join(', ') : '—',
      e.outsideVolume ? 'yes' : 'no', where,
    ];
  });
  s += table(['N', 'Section', 'Platform', 'Bootable', 'Emulation', 'Load segment', 'System type', 'Sectors (512 B)', 'Load RBA', 'Image size', 'Size from', 'Patched / flags', 'Outside volume', 'Boot image'],
    rows, [true, false, false, false, false, false, false, true, true]);
  s += '\nSectors: what the firmware loads first, in 512-byte units. Image size: the boot image as located (the file, partition or emulated disk it is).\n';
  const selection = et.entries.filter(e => e.selectionCriteria);
  if (selection.length) {
    s += '\n' + selection.map(e => `- Entry ${e.index + 1} selection criteria: type ${e.selectionCriteria!.type}, bytes ${escapeMd(e.selectionCriteria!.data)}`).join('\n') + '\n';
  }

  // xorriso -report_el_torito plain, line for line
  const pad = (x: string | number, n: number) => String(x).padStart(n);
  const lines = [`El Torito catalog  : ${et.catalogLba}`];
  if (et.catalogPath) lines.push(`El Torito cat path : ${et.catalogPath}`);
  lines.push('El Torito images   :   N  Pltf  B   Emul  Ld_seg  Hdpt  Ldsiz         LBA');
  for (const e of et.entries) {
    const seg = extras.rawSegment.get(e.index) ?? e.loadSegment;
    lines.push(`El Torito boot img : ${pad(e.index + 1, 3)}  ${pad(xorrisoPlatform(e.platform), 4)}  ${e.bootable ? 'y' : 'n'}  ${pad(XORRISO_EMULATIONS[e.emulation] ?? e.emulation, 5)}  ${hex(seg, 4)}  ${hex(e.systemType)}  ${pad(e.sectorCount, 5)}  ${pad(e.loadRba, 10)}`);
  }
  for (const e of et.entries) {
    if (e.path) lines.push(`El Torito img path : ${pad(e.index + 1, 3)}  ${e.path}`);
    const o = [e.bootInfoTable ? 'boot-info-table' : '', extras.isohybrid.has(e.index) ? 'isohybrid-suitable' : '', e.grub2BootInfo ? 'grub2-boot-info' : ''].filter(Boolean);
    if (o.length) lines.push(`El Torito img opts : ${pad(e.index + 1, 3)}  ${o.join(' ')}`);
    if (!e.path) lines.push(`El Torito img blks : ${pad(e.index + 1, 3)}  ${Math.ceil(e.imageSize / SECTOR_SIZE)}`);
  }
  s += '\n' + details('The same in the layout of <code>xorriso -report_el_torito plain</code>', codeBlock(lines));
  return s;
}

/** A recorded load segment; 0 means the BIOS default 0x07C0 (El Torito 1.0 §2.2). */
function segmentText(seg: number): string {
  return seg === 0 ? '0x0000 (= 0x07C0)' : hex(seg, 4);
}

/** "MBR partition 2" / "GPT partition 3" when a partition starts at the image's first byte. */
function appendedPartition(sa: SystemAreaInfo, loadRba: number): string | null {
  const start = loadRba * SECTOR_SIZE;
  const m = sa.mbr?.partitions.find(p => p.type !== 0xee && p.startLba * 512 === start);
  if (m) return `appended MBR partition ${m.index}`;
  const g = sa.gpt?.partitions.find(p => p.firstLba * sa.gpt!.blockSize === start);
  if (g) return `appended GPT partition ${g.index}`;
  return null;
}

function gptSizeBytes(g: GptInfo, p: { firstLba: number; lastLba: number }): number {
  return p.lastLba >= p.firstLba ? (p.lastLba - p.firstLba + 1) * g.blockSize : 0;
}

function systemAreaSection(img: DiscImage, sa: SystemAreaInfo, link: (p: string) => string, fileAtByte: (b: number) => PartitionFile | undefined): string {
  let s = '';
  if (sa.empty) return 'The first 32 KiB are all zero: no MBR, GPT or Apple Partition Map (not a hybrid image).\n';
  if (!sa.mbr && !sa.gpt && !sa.apm) s += 'The first 32 KiB are not all zero, but hold no MBR, GPT or Apple Partition Map that could be recognised.\n';
  const fileCell = (byteStart: number) => {
    const f = fileAtByte(byteStart);
    return !f ? '—' : f.offset ? `${link(f.path)} (from byte ${f.offset} of the file)` : link(f.path);
  };
  const x: string[] = []; // xorriso -report_system_area plain lines
  const pad = (v: string | number, n: number) => String(v).padStart(n);
  x.push(`ISO image size/512 : ${(img.volume.volumeBlocks * img.volume.blockSize) / 512}`);

  if (sa.mbr) {
    const m = sa.mbr;
    s += '### Master Boot Record\n\n';
    s += `- **Disk signature:** ${escapeMd(m.signature)}\n`;
    s += `- **Boot code:** ${escapeMd(BOOT_CODES[m.bootCode] ?? m.bootCode)}\n`;
    s += `- **Protective MBR (GPT disk):** ${yesNo(m.protective)}\n\n`;
    if (m.partitions.length === 0) s += 'No partitions.\n';
    else {
      s += table(['#', 'Boot', 'Type', 'Type name', 'Start (512 B sectors)', 'Sectors', 'Size', 'File'], m.partitions.map(p => [
        String(p.index), p.bootable ? 'active' : '', hex(p.type), escapeMd(p.typeName), String(p.startLba), String(p.sectors), sizeText(p.sectors * 512), fileCell(p.startLba * 512),
      ]), [true, false, false, false, true, true]);
    }
    x.push('MBR partition table:   N Status  Type        Start       Blocks');
    for (const p of m.partitions) x.push(`MBR partition      : ${pad(p.index, 3)}   ${hex(p.bootable ? 0x80 : 0)}  ${hex(p.type)}  ${pad(p.startLba, 11)}  ${pad(p.sectors, 11)}`);
    for (const p of m.partitions) {
      const f = fileAtByte(p.startLba * 512);
      if (f) x.push(`MBR partition path : ${pad(p.index, 3)}  ${f.path}`);
    }
  }

  if (sa.gpt) {
    const g = sa.gpt;
    s += `${s ? '\n' : ''}### GUID Partition Table\n\n`;
    s += `- **Block size:** ${g.blockSize} bytes (the LBAs below count these)\n`;
    s += `- **Disk GUID:** ${escapeMd(g.diskGuid)}\n`;
    s += `- **Header:** at LBA ${g.currentLba}, CRC ${okBad(g.headerCrcOk)}\n`;
    s += `- **Partition entries:** ${g.entryCount} × ${g.entrySize} bytes at LBA ${g.entriesLba}, CRC ${okBad(g.entriesCrcOk)}\n`;
    const b = g.backup;
    s += `- **Backup header:** ${b ? (b.found ? `found at LBA ${b.lba}, header CRC ${okBad(b.headerCrcOk)}, entries CRC ${okBad(b.entriesCrcOk)}` : `**missing** (expected at LBA ${b.lba})`) : `not checked (header says LBA ${g.backupLba})`}\n`;
    s += `- **Usable LBAs:** ${g.firstUsableLba} – ${g.lastUsableLba}\n\n`;
    if (g.partitions.length === 0) s += 'No partitions.\n';
    else {
      s += table(['#', 'Type', 'Type GUID', 'Name', 'First LBA', 'Last LBA', 'Size', 'Attributes', 'Partition GUID', 'File'], g.partitions.map(p => [
        String(p.index), escapeMd(p.typeName), escapeMd(p.typeGuid), val(p.name), String(p.firstLba), String(p.lastLba), sizeText(gptSizeBytes(g, p)),
        escapeMd(p.attributes), escapeMd(p.guid), fileCell(p.firstLba * g.blockSize),
      ]), [true, false, false, false, true, true]);
    }
    const to512 = (n: number) => (n * g.blockSize) / 512;
    x.push('GPT                :   N  Info');
    x.push(`GPT disk GUID      :      ${guidRawHex(g.diskGuid)}`);
    for (const p of g.partitions) {
      const nameHex = p.name.split('').map(c => c.charCodeAt(0)).map(u => hex(u & 0xff).slice(2) + hex(u >> 8).slice(2)).join('');
      if (p.name) x.push(`GPT partition name : ${pad(p.index, 3)}  ${nameHex}`, `GPT partname local : ${pad(p.index, 3)}  ${p.name}`);
      x.push(`GPT partition GUID : ${pad(p.index, 3)}  ${guidRawHex(p.guid)}`);
      x.push(`GPT type GUID      : ${pad(p.index, 3)}  ${guidRawHex(p.typeGuid)}`);
      x.push(`GPT partition flags: ${pad(p.index, 3)}  ${p.attributes}`);
      x.push(`GPT start and size : ${pad(p.index, 3)}  ${to512(p.firstLba)}  ${to512(gptSizeBytes(g, p) / g.blockSize)}`);
      const f = fileAtByte(p.firstLba * g.blockSize);
      if (f) x.push(`GPT partition path : ${pad(p.index, 3)}  ${f.path}`);
    }
  }

  if (sa.apm) {
    const a = sa.apm;
    s += `${s ? '\n' : ''}### Apple Partition Map\n\n`;
    s += `- **Block size:** ${a.blockSize} bytes (start and size below count these)\n\n`;
    s += table(['#', 'Name', 'Type', 'Start block', 'Blocks', 'Size', 'Status', 'File'], a.partitions.map(p => [
      String(p.index), val(p.name), val(p.type), String(p.startBlock), String(p.blocks), sizeText(p.blocks * a.blockSize), escapeMd(p.status), fileCell(p.startBlock * a.blockSize),
    ]), [true, false, false, true, true]);
    // xorriso numbers the partitions after the map's own entry
    x.push('APM                :   N  Info');
    x.push(`APM block size     :      ${a.blockSize}`);
    a.partitions.filter(p => p.type !== 'Apple_partition_map').forEach((p, i) => {
      x.push(`APM partition name : ${pad(i + 1, 3)}  ${p.name}`, `APM partition type : ${pad(i + 1, 3)}  ${p.type}`, `APM start and size : ${pad(i + 1, 3)}  ${p.startBlock}  ${p.blocks}`);
      const f = fileAtByte(p.startBlock * a.blockSize);
      if (f) x.push(`APM partition path : ${pad(i + 1, 3)}  ${f.path}`);
    });
  }
  if (sa.mbr || sa.gpt || sa.apm) s += '\n' + details('The same in the layout of <code>xorriso -report_system_area plain</code>', codeBlock(x));
  return s;
}
