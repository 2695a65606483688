// The system area of a written image (ECMA-119 6.2.1: the first 16 sectors, left to the system):
// when an image is repacked its MBR (UEFI 2.10 §5.2), GPT (§5.3) and Apple Partition Map
// (Inside Macintosh: Devices) still describe the old layout. planSystemArea rewrites them for the
// new one — partitions covering the ISO grow with it, partitions in moved regions follow them,
// the GPT backup goes to the new end, boot-code pointers to a moved El Torito boot image are
// updated — and keeps every byte it does not understand. buildSystemArea makes a fresh hybrid
// system area (isohybrid MBR, optionally with a GPT) for an image built from a folder.
import { createHash } from 'node:crypto';
import { InvalidArgumentError, UnsupportedFeatureError } from '../errors';
import type { ElToritoInfo, SystemAreaInfo } from '../types';
import { apmDiskBlocks, apmEntryDataCount, patchApmEntry, setApmDiskBlocks } from '../systemarea/apm';
import {
  gptBackupArea, gptEntryBlocks, gptEntryLbas, gptEntryUsed, gptForRewrite, gptHeaderValues, gptLayoutFor, guidBytes, rewriteGpt,
  serializeGpt, serializeGptEntry, setGptEntryLbas,
} from '../systemarea/gpt';
import {
  hybridBootCodeFor, MBR, MBR_HYBRID_CODE_SIZE, mbrGeometry, mbrRecord, mbrRecordOffset, mbrRecordValues, moveMbrRecord,
  setHybridBootBlock, setMbrPartitions, type ChsGeometry, type MbrPartitionSpec,
} from '../systemarea/mbr';
import { putRaw } from '../structure/layout';
import { SECTOR_SIZE } from '../bytes/sector';
import { hex } from '../bytes/hex';

/** A region of the old image now at `to` in the new one (`newLength`: its length there when it changed, e.g. a replaced boot image). */
export interface ByteMove { from: number; to: number; length: number; newLength?: number }

export interface TailRegion { offset: number; length: number; kind: 'partition' | 'gpt-backup' | 'padding'; description: string }

export interface SystemAreaPlanInput {
  imageName: string;
  /** The original first 32768 bytes. */
  head: Uint8Array;
  info: SystemAreaInfo;
  elTorito: ElToritoInfo | null;
  oldVolumeBytes: number;
  oldImageSize: number;
  /** End of the new ISO volume (multiple of 2048). */
  newVolumeBytes: number;
  /** Moved regions: carried tail partitions, replaced/moved boot images. */
  moves: ByteMove[];
}

export interface SystemAreaPlan {
  /** New first 32768 bytes. */
  head: Uint8Array;
  /** Bytes to write beyond the head, e.g. the GPT backup entries and header at the new end. */
  writes: Array<{ offset: number; bytes: Uint8Array }>;
  /** Total size of the new image (the original's padding rule kept). */
  imageSize: number;
  /** What was updated, for the user. */
  notes: string[];
  /** El Torito entries whose boot image lies in a moved region, with their new load RBA (for patchBootCatalog). */
  catalogUpdates?: Array<{ index: number; loadRba: number }>;
  /** GPT entries left out (they lay beyond the new last usable block; each is in `notes`). */
  removedGptPartitions?: number;
}

export interface HybridSpec {
  kind: 'mbr' | 'gpt';
  imageName: string;
  volumeBytes: number;
  /** 2048-byte LBA of the El Torito BIOS boot image. */
  biosBootImageLba?: number;
  /** At least 432 bytes of isohybrid MBR code (e.g. /usr/lib/ISOLINUX/isohdpfx.bin); absent: no BIOS boot code. */
  mbrCode?: Uint8Array;
  /** Whose MBR code it is: syslinux's isohybrid (default; u32 LBA*4 at 432) or GRUB's boot_hybrid.img (xorriso grub2_mbr: u64 LBA*4+4). */
  mbrCodeKind?: 'isohybrid' | 'grub2';
  /** The EFI FAT image inside the volume: becomes the ESP partition. */
  efiImage?: { offset: number; length: number };
}

const SYSTEM_AREA = 32768;
const MIB = 1 << 20;
const U32_MAX = 0xffffffff;
const BASIC_DATA = guidBytes('EBD0A0A2-B9E5-4433-87C0-68B6B72699C7');
const EFI_SYSTEM = guidBytes('C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
/** Attributes libisofs gives its GPT entries: bit 60 (read-only) and bit 0 (required). */
const XORRISO_GPT_FLAGS = (1n << 60n) | 1n;

const roundUp = (v: number, a: number): number => Math.ceil(v / a) * a;

// ---- the tail ---------------------------------------------------------------------------------

interface PartRef { start: number; end: number; what: string }

/** Every partition the system area describes, as byte ranges (the APM's own map entry left out). */
function partitionRefs(info: SystemAreaInfo): PartRef[] {
  const refs: PartRef[] = [];
  for (const p of info.mbr?.partitions ?? []) {
    if (p.type === 0xee) continue;
    refs.push({ start: p.startLba * 512, end: (p.startLba + p.sectors) * 512, what: `MBR partition ${p.index} (type ${hex(p.type)})` });
  }
  const g = info.gpt;
  for (const p of g?.partitions ?? []) {
    if (p.lastLba < p.firstLba) continue;
    refs.push({ start: p.firstLba * g!.blockSize, end: (p.lastLba + 1) * g!.blockSize, what: `GPT partition ${p.index}${p.name ? ` "${p.name}"` : ''}` });
  }
  const a = info.apm;
  for (const p of a?.partitions ?? []) {
    if (p.type === 'Apple_partition_map') continue;
    refs.push({ start: p.startBlock * a!.blockSize, end: (p.startBlock + p.blocks) * a!.blockSize, what: `APM partition ${p.index}${p.name ? ` "${p.name}"` : ''}` });
  }
  return refs;
}

/**
 * What lies after the ISO volume in the original, in order and without gaps: partitions that must
 * be carried (an appended ESP, with the MBR/GPT/APM entries that reference it), the GPT backup
 * (regenerated by planSystemArea, not carried) and padding.
 */
export function classifyTail(info: SystemAreaInfo, volumeBytes: number, imageSize: number): TailRegion[] {
  if (imageSize <= volumeBytes) return [];
  const parts: Array<{ start: number; end: number; what: string[] }> = [];
  for (const r of partitionRefs(info).filter((x) => x.start >= volumeBytes && x.start < imageSize && x.end > x.start).sort((x, y) => x.start - y.start)) {
    const end = Math.min(r.end, imageSize);
    const last = parts[parts.length - 1];
    if (last && r.start < last.end) {
      last.end = Math.max(last.end, end);
      last.what.push(r.what);
    } else parts.push({ start: r.start, end, what: [r.what] });
  }
  const out: TailRegion[] = parts.map((p) => ({ offset: p.start, length: p.end - p.start, kind: 'partition' as const, description: p.what.join(', ') }));
  const b = info.gpt && gptBackupArea(info.gpt);
  if (b) {
    const start = Math.max(b.start, volumeBytes, ...parts.filter((p) => p.start < b.end).map((p) => p.end));
    const end = Math.min(b.end, imageSize);
    if (end > start) out.push({ offset: start, length: end - start, kind: 'gpt-backup', description: `GPT backup entries and header (LBA ${info.gpt!.backupLba})` });
  }
  out.sort((x, y) => x.offset - y.offset);
  const filled: TailRegion[] = [];
  let pos = volumeBytes;
  for (const r of out) {
    if (r.offset > pos) filled.push({ offset: pos, length: r.offset - pos, kind: 'padding', description: 'padding' });
    filled.push(r);
    pos = r.offset + r.length;
  }
  if (pos < imageSize) filled.push({ offset: pos, length: imageSize - pos, kind: 'padding', description: 'padding' });
  return filled;
}

// ---- planning ---------------------------------------------------------------------------------

interface Ends {
  /** Old end offset → new end offset, for partitions that cover the ISO volume. */
  map: Array<[number, number, string]>;
}

class Planner {
  readonly head: Uint8Array;
  readonly notes: string[] = [];
  readonly writes: SystemAreaPlan['writes'] = [];
  removedGptPartitions = 0;
  private readonly where: { image: string; structure: string };

  constructor(readonly input: SystemAreaPlanInput) {
    const { head, imageName, newVolumeBytes, oldVolumeBytes, oldImageSize, moves } = input;
    this.where = { image: imageName, structure: 'system area' };
    if (head.length < SYSTEM_AREA) throw new InvalidArgumentError(`the system area needs the first ${SYSTEM_AREA} bytes, got ${head.length}`, { ...this.where, offset: 0 });
    if (!Number.isSafeInteger(newVolumeBytes) || newVolumeBytes < SYSTEM_AREA || newVolumeBytes % SECTOR_SIZE !== 0) throw new InvalidArgumentError(`new volume size ${newVolumeBytes} is not a multiple of ${SECTOR_SIZE} beyond the system area`, this.where);
    if (!Number.isSafeInteger(oldVolumeBytes) || !Number.isSafeInteger(oldImageSize) || oldImageSize < oldVolumeBytes) throw new InvalidArgumentError(`old volume ${oldVolumeBytes} / image ${oldImageSize} bytes are inconsistent`, this.where);
    for (const m of moves) {
      if (![m.from, m.to, m.length].every((v) => Number.isSafeInteger(v) && v >= 0) || m.length === 0) throw new InvalidArgumentError(`bad move ${JSON.stringify(m)}`, this.where);
      if (m.to < SYSTEM_AREA) throw new InvalidArgumentError(`move ${JSON.stringify(m)} lands in the system area`, { ...this.where, offset: m.to });
    }
    this.head = new Uint8Array(head.subarray(0, SYSTEM_AREA));
  }

  /** The move containing old offset `off`, or null. */
  moveOf(off: number): ByteMove | null {
    return this.input.moves.find((m) => off >= m.from && off < m.from + m.length) ?? null;
  }

  /** New place of an old partition [start, end): moved, grown (covering the volume) or kept. */
  relocate(start: number, end: number, ends: Ends): { start: number; end: number; why: string } | null {
    const m = this.moveOf(start);
    if (m) {
      const s = m.to + (start - m.from);
      let e = s + (end - start);
      if (m.newLength !== undefined && start === m.from && end - start >= m.length) e = s + m.newLength + (end - start - m.length);
      return s === start && e === end ? null : { start: s, end: e, why: `follows its data from byte ${m.from} to ${m.to}` };
    }
    if (start < this.input.oldVolumeBytes) {
      for (const [oldEnd, newEnd, what] of ends.map) {
        if (end === oldEnd && newEnd > start) return newEnd === end ? null : { start, end: newEnd, why: `covers the ISO volume to ${what}` };
      }
    }
    return null;
  }

  /** The new end of the content: the volume, or the last moved region when it lies beyond. */
  contentEnd(): number {
    let end = this.input.newVolumeBytes;
    for (const m of this.input.moves) end = Math.max(end, m.to + (m.newLength ?? m.length));
    return end;
  }
}

/** Size of the new image following the padding rule of the original. */
function newImageSize(p: Planner, gptBackupBytes: number, cyl: number): { size: number; rule: string } {
  const { info, oldVolumeBytes, oldImageSize } = p.input;
  const tail = classifyTail(info, oldVolumeBytes, oldImageSize);
  const oldContentEnd = Math.max(oldVolumeBytes, ...tail.filter((r) => r.kind === 'partition').map((r) => r.offset + r.length));
  const oldBackupInTail = tail.filter((r) => r.kind === 'gpt-backup').reduce((a, r) => a + r.length, 0);
  const content = p.contentEnd();
  if (info.mbr && oldImageSize % cyl === 0) {
    return { size: roundUp(content + gptBackupBytes, cyl), rule: `padded to a multiple of the ${cyl / 1024} KiB cylinder like the original` };
  }
  const trailing = Math.max(0, oldImageSize - oldContentEnd - oldBackupInTail);
  const align = oldImageSize % SECTOR_SIZE === 0 ? SECTOR_SIZE : 512;
  return { size: roundUp(content + trailing + gptBackupBytes, align), rule: trailing ? `${trailing} bytes of trailing padding kept from the original` : `a multiple of ${align} bytes` };
}

function planMbr(p: Planner, geometry: ChsGeometry, imageSize: number, ends: Ends): void {
  const { head, input } = p;
  const { info } = input;
  if (!info.mbr) return;
  const oldSectors = Math.floor(input.oldImageSize / 512);
  const newSectors = Math.floor(imageSize / 512);
  for (let i = 0; i < 4; i++) {
    const rec = mbrRecord(head, i);
    const { type, startLba: start, sectors } = mbrRecordValues(rec);
    if (sectors === 0) continue;
    let nStart = start;
    let nSectors = sectors;
    let why = '';
    if (type === 0xee) {
      // UEFI 2.10 §5.2.3: the protective partition covers the whole disk (or 0xFFFFFFFF sectors).
      if (start + sectors === oldSectors || sectors === U32_MAX || start + sectors === Math.floor(input.oldVolumeBytes / 512)) {
        nSectors = Math.min(newSectors - start, U32_MAX);
        why = 'protective partition covers the whole disk';
      }
    } else {
      const r = p.relocate(start * 512, (start + sectors) * 512, ends);
      if (r) {
        nStart = r.start / 512;
        nSectors = Math.ceil((r.end - r.start) / 512);
        why = r.why;
      }
    }
    if (!why && start + sectors > newSectors && type !== 0xee) {
      p.notes.push(`MBR partition ${i + 1} (type ${hex(type)}, sectors ${start}..${start + sectors - 1}) lies beyond the new end of the image (${newSectors} sectors); kept as it was`);
    }
    if (nStart === start && nSectors === sectors) continue;
    if (nStart > U32_MAX || nSectors < 1) throw new UnsupportedFeatureError(`MBR partition ${i + 1} would start at sector ${nStart}, beyond what an MBR can address`, { image: input.imageName, structure: `MBR partition ${i + 1}`, offset: mbrRecordOffset(i) });
    nSectors = Math.min(nSectors, U32_MAX);
    moveMbrRecord(rec, nStart, nSectors, geometry);
    p.notes.push(`MBR partition ${i + 1} (type ${hex(type)}): sectors ${start}+${sectors} → ${nStart}+${nSectors} (${why})`);
  }
  planMbrBootCode(p);
}

/** Points isohybrid / GRUB2 MBR boot code at the El Torito BIOS boot image when it moved. */
function planMbrBootCode(p: Planner): void {
  const { head, input } = p;
  const bios = input.elTorito?.entries.find((e) => e.index === 0 && e.platform === 'x86') ?? input.elTorito?.entries.find((e) => e.platform === 'x86');
  if (!bios || input.info.mbr?.bootCode === 'none') return;
  const m = p.moveOf(bios.loadRba * SECTOR_SIZE);
  if (!m) return;
  const newBlock = (m.to + (bios.loadRba * SECTOR_SIZE - m.from)) / 512;
  const oldBlock = bios.loadRba * 4;
  const kind = hybridBootCodeFor(head, oldBlock);
  if (!kind) return;
  setHybridBootBlock(head, kind, newBlock);
  p.notes.push(kind === 'isohybrid'
    ? `isohybrid MBR: boot image address ${oldBlock} → ${newBlock} (512-byte blocks)`
    : `GRUB2 MBR: boot image address ${oldBlock + 4} → ${newBlock + 4} (512-byte blocks + 4)`);
}

/** Moves, cuts or removes each GPT entry for the new layout (in place in `entries`). */
function relocateGptEntries(p: Planner, entries: Uint8Array, size: number, bs: number, entriesOff: number, lastUsable: number, ends: Ends): void {
  for (let i = 0; i < entries.length / size; i++) {
    const e = entries.subarray(i * size, (i + 1) * size);
    if (!gptEntryUsed(e)) continue;
    const { first, last } = gptEntryLbas(e);
    if (last < first) continue;
    let nFirst = first;
    let nLast = last;
    let why = '';
    const r = p.relocate(first * bs, (last + 1) * bs, ends);
    if (r) {
      nFirst = Math.floor(r.start / bs);
      nLast = Math.ceil(r.end / bs) - 1;
      why = r.why;
      if (r.start % bs) throw new UnsupportedFeatureError(`GPT partition ${i + 1} would start at byte ${r.start}, not on a ${bs}-byte block`, { image: p.input.imageName, structure: `GPT partition ${i + 1}`, offset: entriesOff + i * size });
    }
    if (nLast > lastUsable) {
      if (nFirst > lastUsable) {
        e.fill(0);
        p.removedGptPartitions++;
        p.notes.push(`GPT partition ${i + 1} (blocks ${first}..${last}) lies beyond the new last usable block ${lastUsable}: removed`);
        continue;
      }
      nLast = lastUsable;
      why = why ? `${why}, cut at the last usable block` : 'cut at the new last usable block';
    }
    if (nFirst === first && nLast === last) continue;
    setGptEntryLbas(e, nFirst, nLast);
    p.notes.push(`GPT partition ${i + 1}: blocks ${first}..${last} → ${nFirst}..${nLast} (${why})`);
  }
}

function planGpt(p: Planner, imageSize: number, volEnds: Ends): void {
  const { head, input } = p;
  const g = input.info.gpt;
  if (!g) return;
  const bs = g.blockSize;
  const old = gptForRewrite(head, g, input.imageName);
  const diskBlocks = Math.floor(imageSize / bs);
  const { lastUsableLba: lastUsable, backupEntriesLba } = gptLayoutFor(g, old.lastUsableLba, diskBlocks);
  const oldUsableEnd = (old.lastUsableLba + 1) * bs;
  const newUsableEnd = (lastUsable + 1) * bs;
  const ends: Ends = {
    map: [
      ...volEnds.map,
      [oldUsableEnd, newUsableEnd, 'the last usable block'],
      [Math.floor(oldUsableEnd / SECTOR_SIZE) * SECTOR_SIZE, Math.floor(newUsableEnd / SECTOR_SIZE) * SECTOR_SIZE, 'the last usable 2048-byte block'],
    ],
  };
  relocateGptEntries(p, old.entries, old.entrySize, bs, old.entriesLba * bs, lastUsable, ends);
  p.writes.push(...rewriteGpt(head, bs, old, { entries: old.entries, lastUsableLba: lastUsable, diskBlocks, backupEntriesLba }));
  if (g.partitionsFrom === 'backup') p.notes.push('GPT: the primary partition entry array was damaged; the partitions were taken from the backup');
  p.notes.push(`GPT: last usable block ${old.lastUsableLba} → ${lastUsable}; backup entries at block ${backupEntriesLba}, backup header at block ${diskBlocks - 1}; CRCs recomputed`);
  const oldBackup = gptBackupArea(g);
  if (oldBackup && oldBackup.end <= input.oldVolumeBytes) {
    p.notes.push(`GPT: the old backup at block ${g.backupLba} lay inside the old ISO volume and stays there unused`);
  }
}

function planApm(p: Planner, imageSize: number, ends: Ends): void {
  const { head, input } = p;
  const a = input.info.apm;
  if (!a) return;
  const bs = a.blockSize;
  for (const part of a.partitions) {
    const off = part.index * bs;
    if (off + 512 > SYSTEM_AREA) {
      p.notes.push(`APM entry ${part.index} lies beyond the system area; kept as it was`);
      continue;
    }
    if (part.type === 'Apple_partition_map') continue;
    const e = head.subarray(off, off + 512);
    const start = part.startBlock * bs;
    const end = (part.startBlock + part.blocks) * bs;
    const r = p.relocate(start, end, ends);
    if (!r) {
      if (end > imageSize) p.notes.push(`APM partition ${part.index} "${part.name}" (blocks ${part.startBlock}+${part.blocks}) lies beyond the new end of the image; kept as it was`);
      continue;
    }
    if (r.start % bs) {
      p.notes.push(`APM partition ${part.index} "${part.name}" would start at byte ${r.start}, not on a ${bs}-byte block; kept as it was`);
      continue;
    }
    const nStart = r.start / bs;
    const nBlocks = Math.floor((r.end - r.start) / bs);
    const dataCount = apmEntryDataCount(e);
    patchApmEntry(e, { startBlock: nStart, blocks: nBlocks, ...(dataCount === part.blocks ? { dataCount: nBlocks } : {}) });
    p.notes.push(`APM partition ${part.index} "${part.name}": blocks ${part.startBlock}+${part.blocks} → ${nStart}+${nBlocks} (${r.why})`);
  }
  // sbBlkCount is the device size only when it matched the old image; in hybrids it holds MBR boot code.
  const { blockSize: sbBlkSize, blocks: sbBlkCount } = apmDiskBlocks(head);
  if (sbBlkSize >= 512 && sbBlkCount === Math.floor(input.oldImageSize / sbBlkSize)) {
    setApmDiskBlocks(head, Math.floor(imageSize / sbBlkSize));
    p.notes.push(`APM driver descriptor: device size → ${Math.floor(imageSize / sbBlkSize)} blocks of ${sbBlkSize}`);
  }
}

/**
 * The system area for the repacked image: new first 32 KiB, the writes beyond them (GPT backup)
 * and the new image size. MBR/GPT/APM partitions that cover the ISO volume (start inside it, end
 * at the old volume end, image end or — GPT — last usable block) grow to the new one; partitions
 * in moved regions follow them; others are kept. The protective 0xEE partition covers the new
 * disk; GPT headers, entry array CRCs and the backup at the new end are regenerated; isohybrid
 * and GRUB2 MBR pointers to a moved BIOS boot image are updated. Bytes not understood are kept.
 */
export function planSystemArea(input: SystemAreaPlanInput): SystemAreaPlan {
  const p = new Planner(input);
  const { info } = input;
  const geometry = mbrGeometry(p.head);
  const cyl = geometry.heads * geometry.sectorsPerTrack * 512;
  let gptBackupBytes = 0;
  if (info.gpt) {
    const bs = info.gpt.blockSize;
    const v = gptHeaderValues(p.head, bs);
    gptBackupBytes = (gptEntryBlocks(v.entryCount, v.entrySize, bs) + 1) * bs;
  }
  const { size: imageSize, rule } = newImageSize(p, gptBackupBytes, cyl);
  // A partition that ended on a cylinder boundary at the volume end (xorriso's cyl-align-on pads the
  // volume) ends on the next cylinder boundary, before any region moved behind the new volume.
  let volEnd = input.newVolumeBytes;
  if (info.mbr && input.oldVolumeBytes % cyl === 0) {
    const next = Math.min(imageSize, ...input.moves.filter((m) => m.to >= input.newVolumeBytes).map((m) => m.to));
    volEnd = Math.max(volEnd, Math.min(roundUp(volEnd, cyl), next));
  }
  // Image end first: when the old volume filled the image (xorriso puts padding and the GPT
  // backup inside it), a partition ending there covered the whole disk and still should.
  const ends: Ends = {
    map: [
      [input.oldImageSize, imageSize, 'the end of the image'],
      [input.oldVolumeBytes, volEnd, 'the end of the ISO volume'],
    ],
  };
  planMbr(p, geometry, imageSize, ends);
  planGpt(p, imageSize, ends);
  planApm(p, imageSize, ends);
  p.notes.push(`image size ${imageSize} bytes (${rule})`);
  const catalogUpdates: Array<{ index: number; loadRba: number }> = [];
  for (const e of input.elTorito?.entries ?? []) {
    const m = p.moveOf(e.loadRba * SECTOR_SIZE);
    if (!m) continue;
    const to = m.to + (e.loadRba * SECTOR_SIZE - m.from);
    if (to % SECTOR_SIZE === 0 && to / SECTOR_SIZE !== e.loadRba) catalogUpdates.push({ index: e.index, loadRba: to / SECTOR_SIZE });
  }
  return { head: p.head, writes: p.writes, imageSize, notes: p.notes, catalogUpdates, removedGptPartitions: p.removedGptPartitions };
}

// ---- building ---------------------------------------------------------------------------------

/** 16 deterministic bytes for `label` of this image, as a version-4 GUID when `guid`. */
function derived(spec: HybridSpec, label: string, guid: boolean): Uint8Array {
  const b = new Uint8Array(createHash('md5').update(`isowb\0${spec.imageName}\0${spec.volumeBytes}\0${label}`).digest());
  if (guid) {
    b[7] = (b[7] & 0x0f) | 0x40; // version 4 (field 3 is stored little-endian)
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  }
  return b;
}

/**
 * A hybrid system area for an image built from a folder, as xorriso -as mkisofs makes it with
 * -isohybrid-mbr (kind 'mbr': partition 1 bootable, type 0x17, from sector 0 over the whole
 * image; the EFI image as partition 2, type 0xEF) or additionally -isohybrid-gpt-basdat (kind
 * 'gpt': partition 1 type 0x00, and a GPT with entries at LBA 2..63, a basic data partition
 * "ISOHybrid" from block 0 over the ISO and an EFI System partition over the EFI image, backup
 * at the end). The image is padded to a 1 MiB cylinder (64 heads × 32 sectors).
 */
export function buildSystemArea(spec: HybridSpec): SystemAreaPlan {
  const where = { image: spec.imageName, structure: 'system area' };
  const { volumeBytes, kind } = spec;
  if (kind !== 'mbr' && kind !== 'gpt') throw new InvalidArgumentError(`hybrid kind ${String(kind)} is not 'mbr' or 'gpt'`, where);
  if (!Number.isSafeInteger(volumeBytes) || volumeBytes < SYSTEM_AREA + 3 * SECTOR_SIZE || volumeBytes % SECTOR_SIZE !== 0) throw new InvalidArgumentError(`volume size ${volumeBytes} is not a multiple of ${SECTOR_SIZE} holding the volume descriptors`, where);
  const efi = spec.efiImage;
  if (efi && (efi.offset % SECTOR_SIZE !== 0 || efi.offset < SYSTEM_AREA || efi.length <= 0 || efi.offset + efi.length > volumeBytes)) {
    throw new InvalidArgumentError(`EFI image (${efi.length} bytes at ${efi.offset}) must be a non-empty 2048-aligned region of the volume`, { ...where, offset: efi.offset });
  }
  if (spec.mbrCode && spec.mbrCode.length < MBR_HYBRID_CODE_SIZE) throw new InvalidArgumentError(`MBR code has ${spec.mbrCode.length} bytes, expected at least ${MBR_HYBRID_CODE_SIZE}`, { ...where, offset: 0 });
  if (spec.mbrCode && spec.biosBootImageLba === undefined) throw new InvalidArgumentError('isohybrid MBR code needs the El Torito BIOS boot image it loads (biosBootImageLba)', { ...where, offset: MBR_HYBRID_CODE_SIZE });
  const notes: string[] = [];
  const writes: SystemAreaPlan['writes'] = [];
  const head = new Uint8Array(SYSTEM_AREA);
  const gpt = kind === 'gpt';
  // xorriso's GPT layout: 248 entries of 128 bytes at LBA 2..63, first usable LBA 64.
  const entryCount = 248;
  const entrySize = 128;
  const entryBlocks = (entryCount * entrySize) / 512;
  const imageSize = roundUp(volumeBytes + (gpt ? (entryBlocks + 1) * 512 : 0), MIB);
  const sectors = imageSize / 512;

  if (spec.mbrCode) {
    head.set(spec.mbrCode.subarray(0, MBR_HYBRID_CODE_SIZE));
    setHybridBootBlock(head, spec.mbrCodeKind === 'grub2' ? 'grub2' : 'isohybrid', spec.biosBootImageLba! * 4);
    notes.push(`${spec.mbrCodeKind === 'grub2' ? 'GRUB2' : 'isohybrid'} MBR boot code (${spec.mbrCode.length} bytes) loading the boot image at block ${spec.biosBootImageLba! * 4}`);
  }
  putRaw(head, MBR.diskSignature, derived(spec, 'mbr-id', false).subarray(0, MBR.diskSignature.len));
  const parts: MbrPartitionSpec[] = [{ bootable: true, type: gpt ? 0x00 : 0x17, startLba: 0, sectors: Math.min(sectors, U32_MAX) }];
  if (efi) parts.push({ bootable: false, type: 0xef, startLba: efi.offset / 512, sectors: Math.ceil(efi.length / 512) });
  setMbrPartitions(head, parts);
  notes.push(`MBR partition 1 (type ${hex(parts[0].type)}, bootable) over the whole image${efi ? '; partition 2 (type 0xef) over the EFI image' : ''}`);

  if (gpt) {
    const entries = new Uint8Array(entryCount * entrySize);
    const diskBlocks = sectors;
    const backupEntriesLba = diskBlocks - 1 - entryBlocks;
    const lastUsable = backupEntriesLba - 1;
    // libisofs rounds the ISO partition down to whole 2048-byte blocks.
    const isoEnd = Math.floor((lastUsable + 1) / 4) * 4;
    entries.set(serializeGptEntry({ typeGuid: BASIC_DATA, guid: derived(spec, 'gpt-part-1', true), firstLba: 0, lastLba: isoEnd - 1, attributes: XORRISO_GPT_FLAGS, name: 'ISOHybrid' }), 0);
    if (efi) {
      const first = efi.offset / 512;
      entries.set(serializeGptEntry({ typeGuid: EFI_SYSTEM, guid: derived(spec, 'gpt-part-2', true), firstLba: first, lastLba: first + Math.ceil(efi.length / 512) - 1, attributes: XORRISO_GPT_FLAGS, name: 'EFI boot partition' }), entrySize);
    }
    const g = serializeGpt({
      blockSize: 512, diskGuid: derived(spec, 'gpt-disk', true), entries, entryCount, entrySize,
      firstUsableLba: 2 + entryBlocks, lastUsableLba: lastUsable, diskBlocks, primaryEntriesLba: 2, backupEntriesLba,
    });
    head.set(g.primaryHeader, g.primaryHeaderOffset);
    head.set(g.entries, g.primaryEntriesOffset);
    writes.push({ offset: g.backupEntriesOffset, bytes: g.entries }, { offset: g.backupHeaderOffset, bytes: g.backupHeader });
    notes.push(`GPT: basic data partition over the ISO${efi ? ', EFI System partition over the EFI image' : ''}; backup header at block ${diskBlocks - 1}`);
  }
  notes.push(`image size ${imageSize} bytes (padded to a 1 MiB cylinder like xorriso)`);
  return { head, writes, imageSize, notes };
}
