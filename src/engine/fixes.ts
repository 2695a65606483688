// Recomputing checksums and CRCs after a byte edit (the sector editor's "Recompute"): the El
// Torito validation entry checksum (El Torito 1.0 §2.1: the 16 little-endian words of the entry
// sum to 0), the GPT header CRC32 (UEFI 2.10 §5.3.2: over HeaderSize bytes with the CRC field
// zeroed) and the partition entry array CRC32 (stored in the header, so the header CRC follows),
// and the UDF descriptor tag (ECMA-167 3/7.2: descriptor CRC over CRC Length bytes after the tag,
// then the tag checksum over bytes 0-3 and 5-15). `fixableReason` decides from the structure map
// alone; `checksumFix` reads the current bytes (unsaved edits included) and returns the patches.
// The El Torito and GPT repairs live with their structures (eltorito/bootCatalog.ts,
// systemarea/gpt.ts); the UDF tag repair stays here until udf/tag.ts offers one.
import type { ByteSource } from './io/source';
import type { Structure } from './structure/fields';
import { VALIDATION_ENTRY, validationChecksumFix } from './eltorito/bootCatalog';
import { GPT_HEADER, gptCrcRepair } from './systemarea/gpt';
import { crcItu, tagChecksum } from './udf/tag';
import { le16 } from './bytes/endian';

export interface Patch { offset: number; data: Uint8Array }

export const FIX_LABELS = {
  elTorito: 'El Torito validation checksum',
  gptHeader: 'GPT header CRC32',
  gptEntries: 'GPT entry array CRC32 (and header CRC)',
  udfTag: 'UDF descriptor tag checksum/CRC',
} as const;

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
  if (s.type === 'eltorito-validation') return fieldProblem(s, VALIDATION_ENTRY.checksum.name) ? FIX_LABELS.elTorito : undefined;
  if (s.type === 'gpt-header') {
    if (fieldProblem(s, GPT_HEADER.entriesCrc.name)?.includes('mismatch')) return FIX_LABELS.gptEntries;
    if (fieldProblem(s, GPT_HEADER.headerCrc.name)?.startsWith('CRC32 mismatch')) return FIX_LABELS.gptHeader;
    return undefined;
  }
  if (s.type === 'gpt-entries') return s.problems?.some(p => p.includes(`${GPT_HEADER.entriesCrc.name} mismatch`)) ? FIX_LABELS.gptEntries : undefined;
  if (s.type.startsWith('udf-')) {
    const ck = fieldProblem(s, 'Tag Checksum');
    const crc = fieldProblem(s, 'Descriptor CRC');
    if (ck || (crc && crc.startsWith('CRC mismatch'))) return FIX_LABELS.udfTag;
  }
  return undefined;
}

async function readFull(src: ByteSource, offset: number, length: number): Promise<Uint8Array | null> {
  if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > src.size) return null;
  const b = await src.read(offset, length);
  return b.length === length ? new Uint8Array(b) : null;
}

async function elToritoFix(src: ByteSource, s: Structure): Promise<Patch[] | null> {
  const e = await readFull(src, s.offset, 32);
  const fix = e && validationChecksumFix(e);
  return fix ? [{ offset: s.offset + fix.at, data: fix.data }] : null;
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
    const r = await gptCrcRepair((offset, length) => readFull(src, offset, length), s);
    return r ? { label: r.entries ? FIX_LABELS.gptEntries : FIX_LABELS.gptHeader, patches: r.patches } : null;
  }
  if (s.type.startsWith('udf-') && s.fields.some(f => f.name === 'Tag Checksum')) {
    const p = await udfTagFix(src, s);
    return p ? { label: FIX_LABELS.udfTag, patches: p } : null;
  }
  return null;
}
