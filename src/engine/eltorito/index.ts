// El Torito 1.0: the boot catalog (§2) and the boot images its entries point at. A catalog entry
// gives only a load RBA and a count of 512-byte sectors to load, so the real extent of each
// image is located from the file tree, the emulation type, or the partition tables.
import { DiagnosticSink } from '../errors';
import type { ByteSource } from '../io/source';
import type { Structure } from '../structure/fields';
import type { BootEntry, ElToritoInfo, SystemAreaInfo } from '../types';
import { readBootCatalog, type CatalogEntry } from './bootCatalog';
import { bootInfoTableFields, grub2BootInfoFields, hasBootInfoTable, hasGrub2BootInfo } from './bootInfo';
import { parseMbr } from '../systemarea/mbr';
import { SECTOR_SIZE } from '../bytes/sector';

export { readBootCatalog, type CatalogEntry, type ParsedCatalog } from './bootCatalog';
export { hasBootInfoTable, hasGrub2BootInfo } from './bootInfo';

export interface FileAtLba { path: string; size: number }

/** Bytes read from the start of each boot image to detect boot info patches. */
const HEAD = 2560;
const FLOPPY_SIZES: Record<string, number> = { 'floppy1.2': 1_228_800, 'floppy1.44': 1_474_560, 'floppy2.88': 2_949_120 };

interface Located { imageSize: number; imageSizeSource: BootEntry['imageSizeSource']; path: string | null }

/** The partition (MBR first, then GPT) that starts exactly at byte `start`, as a byte length. */
function partitionAt(sys: SystemAreaInfo, start: number): number | null {
  for (const p of sys.mbr?.partitions ?? []) {
    if (p.type !== 0xee && p.startLba * 512 === start) return p.sectors * 512;
  }
  const g = sys.gpt;
  if (g) {
    for (const p of g.partitions) {
      if (p.firstLba * g.blockSize === start && p.lastLba >= p.firstLba) return (p.lastLba - p.firstLba + 1) * g.blockSize;
    }
  }
  return null;
}

async function locate(src: ByteSource, e: CatalogEntry, volumeBlocks: number, sys: SystemAreaInfo, fileAt: (lba: number) => FileAtLba | null, sink: DiagnosticSink): Promise<Located> {
  const file = fileAt(e.loadRba);
  if (file) return { imageSize: file.size, imageSizeSource: 'file', path: file.path };
  const floppy = FLOPPY_SIZES[e.emulation];
  if (floppy !== undefined) return { imageSize: floppy, imageSizeSource: 'emulation', path: null };
  const start = e.loadRba * SECTOR_SIZE;
  if (e.loadRba >= volumeBlocks) {
    const size = partitionAt(sys, start);
    if (size !== null) return { imageSize: size, imageSizeSource: 'partition', path: null };
  }
  if (e.emulation === 'hdd' && start + 512 <= src.size) {
    // Hard-disk emulation: the image is a disk with an MBR; its size is the end of its last partition.
    const s0 = await src.read(start, 512);
    const mbr = parseMbr(s0, new DiagnosticSink(20), start);
    if (mbr && mbr.info.partitions.length) {
      const end = Math.max(...mbr.info.partitions.map((p) => p.startLba + p.sectors));
      return { imageSize: end * 512, imageSizeSource: 'emulation', path: null };
    }
    sink.warn(`hard-disk emulation image at LBA ${e.loadRba} has no MBR with partitions; size taken from the sector count`, `El Torito boot image ${e.index}`, start);
  }
  return { imageSize: e.sectorCount * 512, imageSizeSource: 'sector-count', path: null };
}

/**
 * Reads the boot catalog and locates every boot image. Throws CorruptImageError (from
 * readBootCatalog) when there is no readable catalog; per-image problems become diagnostics.
 */
export async function readElTorito(src: ByteSource, bootRecordLba: number, catalogLba: number, volumeBlocks: number, systemArea: SystemAreaInfo,
  fileAt: (lba: number) => FileAtLba | null, sink: DiagnosticSink): Promise<{ info: ElToritoInfo; structures: Structure[] }> {
  const cat = await readBootCatalog(src, catalogLba, sink);
  const structures: Structure[] = [cat.structure];
  const entries: BootEntry[] = [];
  for (const e of cat.entries) {
    const where = `El Torito boot image ${e.index}`;
    const start = e.loadRba * SECTOR_SIZE;
    const loc = await locate(src, e, volumeBlocks, systemArea, fileAt, sink);
    const outsideVolume = e.loadRba >= volumeBlocks;
    const problems: string[] = [];
    if (start >= src.size) {
      problems.push(`starts at byte ${start}, beyond the end of the image (${src.size} bytes)`);
    } else if (start + loc.imageSize > src.size) {
      problems.push(`ends at byte ${start + loc.imageSize}, beyond the end of the image (${src.size} bytes); the image may be truncated`);
    }
    if (loc.imageSize === 0) problems.push('size is 0 (sector count 0 and no file, partition or emulation size found)');
    for (const p of problems) sink.warn(p, where, start);

    let head = start < src.size ? await src.read(start, HEAD) : new Uint8Array(0);
    // A size from a file, partition or emulation bounds the image; a sector count is only what the
    // firmware loads first (GRUB's eltorito.img loads 4 sectors but patches byte 2548), so not then.
    if (loc.imageSizeSource !== 'sector-count' && loc.imageSize > 0 && head.length > loc.imageSize) head = head.subarray(0, loc.imageSize);
    const pvd = bootRecordLba - 1;
    const bootInfoTable = hasBootInfoTable(head, e.loadRba, 16) || (pvd !== 16 && pvd > 0 && hasBootInfoTable(head, e.loadRba, pvd));
    const grub2BootInfo = hasGrub2BootInfo(head, e.loadRba);

    const entry: BootEntry = {
      index: e.index, section: e.section, platform: e.platform, bootable: e.bootable, emulation: e.emulation,
      loadSegment: e.loadSegment, systemType: e.systemType, sectorCount: e.sectorCount, loadRba: e.loadRba,
      imageSize: loc.imageSize, imageSizeSource: loc.imageSizeSource, outsideVolume, bootInfoTable, grub2BootInfo, path: loc.path,
    };
    if (e.selectionCriteria) entry.selectionCriteria = e.selectionCriteria;
    if (e.idString !== undefined) entry.idString = e.idString;
    entries.push(entry);

    const fields = [...(bootInfoTable ? bootInfoTableFields(head, start) : []), ...(grub2BootInfo ? grub2BootInfoFields(head, start) : [])];
    const platform = typeof e.platform === 'number' ? `platform 0x${e.platform.toString(16)}` : e.platform;
    const st: Structure = {
      id: `eltorito:image:${e.index}`, type: 'boot-image',
      name: `Boot image ${e.index} (${platform}, ${e.emulation === 'none' ? 'no emulation' : e.emulation}${loc.path ? ', ' + loc.path : ''})`,
      offset: start, length: loc.imageSize, spec: e.section === 0 ? 'El Torito 1.0 §2.2' : 'El Torito 1.0 §2.4', fields, children: [],
      target: { lba: e.loadRba, blocks: Math.ceil(loc.imageSize / SECTOR_SIZE), ...(loc.path ? { path: loc.path } : {}) },
    };
    if (problems.length) st.problems = problems;
    structures.push(st);
  }
  const catalogPath = fileAt(catalogLba)?.path ?? null;
  return { info: { bootRecordLba, catalogLba, catalogPath, validation: cat.validation, entries }, structures };
}
