// Recomputing checksums and CRCs after a byte edit (the sector editor's "Recompute"): the El
// Torito validation entry checksum (El Torito 1.0 §2.1: the 16 little-endian words of the entry
// sum to 0), the GPT header CRC32 (UEFI 2.10 §5.3.2: over HeaderSize bytes with the CRC field
// zeroed) and the partition entry array CRC32 (stored in the header, so the header CRC follows),
// and the UDF descriptor tag (ECMA-167 3/7.2: descriptor CRC over CRC Length bytes after the tag,
// then the tag checksum over bytes 0-3 and 5-15). `fixableReason` decides from the structure map
// alone; `checksumFix` reads the current bytes (unsaved edits included) and returns the patches.
import type { ByteSource } from './io/source';
import type { Structure } from './structure/fields';
import { crc32 } from './bytes/crc32';
import { crcItu, tagChecksum } from './udf/tag';
import { le16, le32, le64, putLe32 } from './bytes/endian';

export interface Patch { offset: number; data: Uint8Array }

export const FIX_LABELS = {
  elTorito: 'El Torito validation checksum',
  gptHeader: 'GPT header CRC32',
  gptEntries: 'GPT entry array CRC32 (and header CRC)',
  udfTag: 'UDF descriptor tag checksum/CRC',
} as const;

/** Largest GPT entry array whose CRC is recomputed (UEFI requires at least 16 KiB; 1024 × 4096 bytes at most here). */
const MAX_GPT_ARRAY = 4 * 1024 * 1024;

function fieldProblem(s: Structure, name: string): string | undefined {
  return s.fields.find(f => f.name === name)?.problem;
}

/**
 * A short label when this structure has a checksum/CRC that does not match and can be
 * recomputed, else undefined ("El Torito validation checksum", "GPT header CRC32", "GPT entry
 * array CRC32 (and header CRC)", "UDF descriptor tag checksum/CRC"). Pure: decided from the
 * structure's fields/problems/type.
 */
export function fixableReason(s: Structure): string | undefined {
  if (s.type === 'eltorito-validation') return fieldProblem(s, 'Checksum') ? FIX_LABELS.elTorito : undefined;
  if (s.type === 'gpt-header') {
    if (fieldProblem(s, 'PartitionEntryArrayCRC32')?.includes('mismatch')) return FIX_LABELS.gptEntries;
    if (fieldProblem(s, 'HeaderCRC32')?.startsWith('CRC32 mismatch')) return FIX_LABELS.gptHeader;
    return undefined;
  }
  if (s.type === 'gpt-entries') return s.problems?.some(p => p.includes('PartitionEntryArrayCRC32 mismatch')) ? FIX_LABELS.gptEntries : undefined;
  if (s.type.startsWith('udf-')) {
    const ck = fieldProblem(s, 'Tag Checksum');
    const crc = fieldProblem(s, 'Descriptor CRC');
    if (ck || (crc && crc.startsWith('CRC mismatch'))) return FIX_LABELS.udfTag;
  }
  return undefined;
}

function u32bytes(v: number): Uint8Array { const b = new Uint8Array(4); putLe32(b, 0, v); return b; }

async function readFull(src: ByteSource, offset: number, length: number): Promise<Uint8Array | null> {
  if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > src.size) return null;
  const b = await src.read(offset, length);
  return b.length === length ? new Uint8Array(b) : null;
}

async function elToritoFix(src: ByteSource, s: Structure): Promise<Patch[] | null> {
  const e = await readFull(src, s.offset, 32);
  if (!e) return null;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) if (i !== 28) sum = (sum + le16(e, i)) & 0xffff;
  const ck = (0x10000 - sum) & 0xffff;
  if (le16(e, 28) === ck) return null;
  return [{ offset: s.offset + 28, data: new Uint8Array([ck & 0xff, ck >> 8]) }];
}

const GPT_SIG = [0x45, 0x46, 0x49, 0x20, 0x50, 0x41, 0x52, 0x54]; // "EFI PART"
const BLOCK_SIZES = [512, 2048, 4096, 1024];

interface GptHeaderAt { offset: number; bs: number; header: Uint8Array }

/** Reads the GPT header at `offset` (block size from its MyLBA field, else from `bsHint`). */
async function readGptHeader(src: ByteSource, offset: number, bsHint?: number): Promise<GptHeaderAt | null> {
  const head = await readFull(src, offset, 92);
  if (!head || !GPT_SIG.every((c, i) => head[i] === c)) return null;
  const my = le64(head, 24);
  let bs = my > 0 && offset % my === 0 ? offset / my : bsHint ?? 0;
  if (!BLOCK_SIZES.includes(bs)) bs = bsHint ?? 0;
  if (!BLOCK_SIZES.includes(bs)) return null;
  const size = le32(head, 12);
  if (size < 92 || size > bs) return null;
  const header = await readFull(src, offset, size);
  return header ? { offset, bs, header } : null;
}

/** Patches that make the header's entry array CRC and header CRC match the current bytes. */
async function gptHeaderFix(src: ByteSource, h: GptHeaderAt): Promise<{ patches: Patch[]; entries: boolean } | null> {
  const hdr = h.header;
  const patches: Patch[] = [];
  let entries = false;
  const entriesLba = le64(hdr, 72), count = le32(hdr, 80), size = le32(hdr, 84);
  const len = count * size;
  if (size >= 128 && len > 0 && len <= MAX_GPT_ARRAY) {
    const arr = await readFull(src, entriesLba * h.bs, len);
    if (arr) {
      const crc = crc32(arr);
      if (crc !== le32(hdr, 88)) {
        const b = u32bytes(crc);
        hdr.set(b, 88);
        patches.push({ offset: h.offset + 88, data: b });
        entries = true;
      }
    }
  }
  const copy = new Uint8Array(hdr);
  copy.fill(0, 16, 20);
  const hcrc = crc32(copy);
  if (hcrc !== le32(hdr, 16)) patches.push({ offset: h.offset + 16, data: u32bytes(hcrc) });
  return patches.length ? { patches, entries } : null;
}

/** The header whose entry array starts at `arrayOffset` (primary at LBA 1, or the backup it names). */
async function headerOfArray(src: ByteSource, arrayOffset: number, backup: boolean): Promise<GptHeaderAt | null> {
  for (const bs of BLOCK_SIZES) {
    const primary = await readGptHeader(src, bs, bs);
    if (!primary) continue;
    const candidates: GptHeaderAt[] = [primary];
    const alt = le64(primary.header, 32);
    if (alt > 1) {
      const b = await readGptHeader(src, alt * bs, bs);
      if (b) candidates.push(b);
    }
    const order = backup ? candidates.reverse() : candidates;
    for (const c of order) if (le64(c.header, 72) * c.bs === arrayOffset) return c;
  }
  return null;
}

async function udfTagFix(src: ByteSource, s: Structure): Promise<Patch[] | null> {
  const tag = await readFull(src, s.offset, 16);
  if (!tag) return null;
  const crcLen = le16(tag, 10);
  const body = await readFull(src, s.offset + 16, crcLen);
  if (!body) return null;
  const patches: Patch[] = [];
  const crc = crcItu(body);
  if (crc !== le16(tag, 8)) {
    const b = new Uint8Array([crc & 0xff, crc >> 8]);
    tag.set(b, 8);
    patches.push({ offset: s.offset + 8, data: b });
  }
  const ck = tagChecksum(tag);
  if (ck !== tag[4]) patches.push({ offset: s.offset + 4, data: new Uint8Array([ck]) });
  return patches.length ? patches : null;
}

/**
 * The bytes to write so the structure validates again, read from `src` (which may be a
 * PatchedSource with unsaved edits). Null when nothing to fix (or the structure has no
 * recomputable checksum).
 */
export async function checksumFix(src: ByteSource, s: Structure): Promise<{ label: string; patches: Patch[] } | null> {
  if (s.type === 'eltorito-validation') {
    const p = await elToritoFix(src, s);
    return p ? { label: FIX_LABELS.elTorito, patches: p } : null;
  }
  if (s.type === 'gpt-header' || s.type === 'gpt-entries') {
    const backup = s.id.includes(':backup:');
    const h = s.type === 'gpt-header'
      ? await readGptHeader(src, s.offset, Number(/\((\d+)-byte blocks\)/.exec(s.name)?.[1]) || undefined)
      : await headerOfArray(src, s.offset, backup);
    if (!h) return null;
    const r = await gptHeaderFix(src, h);
    if (!r) return null;
    return { label: r.entries ? FIX_LABELS.gptEntries : FIX_LABELS.gptHeader, patches: r.patches };
  }
  if (s.type.startsWith('udf-') && s.fields.some(f => f.name === 'Tag Checksum')) {
    const p = await udfTagFix(src, s);
    return p ? { label: FIX_LABELS.udfTag, patches: p } : null;
  }
  return null;
}
