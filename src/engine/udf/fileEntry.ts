// ECMA-167 4/14.9 File Entry and 4/14.17 Extended File Entry (OSTA UDF 2.60 2.3.6, 3.3.5) with
// their ICB tag (4/14.6, UDF 2.3.5) and allocation descriptors (4/14.14: short_ad, long_ad,
// ext_ad, or data embedded in the entry). The total length never exceeds one logical block.
import type { DiagnosticSink } from '../errors';
import type { FieldReader, Structure } from '../structure/fields';
import { le16, le32 } from '../bytes/endian';
import { flag, longAd, shortAd, timestamp } from './primitives';
import { TAG, descriptorStructure, reader, tagFields } from './tag';
import { layout, layoutEnd, numOf } from '../structure/layout';

const FILE_TYPES: Record<number, string> = {
  0: 'not specified', 1: 'unallocated space entry', 2: 'partition integrity entry', 3: 'indirect entry', 4: 'directory',
  5: 'file', 6: 'block device', 7: 'character device', 8: 'extended attributes', 9: 'FIFO', 10: 'socket',
  11: 'terminal entry', 12: 'symbolic link', 13: 'stream directory', 248: 'VAT', 249: 'real-time file',
  250: 'metadata file', 251: 'metadata mirror file', 252: 'metadata bitmap file',
};
const AD_KINDS = ['short_ad', 'long_ad', 'ext_ad', 'embedded data'];

/** Most allocation descriptors shown (a fragmented file can have thousands). */
export const MAX_ADS_SHOWN = 64;

export interface UdfAd { length: number; type: number; lbn: number; partition: number | null }

export interface UdfFileEntry {
  structure: Structure;
  fileType: number;
  infoLength: number;
  adKind: number;
  ads: UdfAd[];
}

function icbTag(r: FieldReader): { fileType: number; flags: number } {
  r.u32le('ICB Tag: Prior Recorded Number of Direct Entries', 16, '4/14.6.1');
  r.u16le('ICB Tag: Strategy Type', 20, '4/14.6.2');
  r.bytes('ICB Tag: Strategy Parameter', 22, 2, '4/14.6.3');
  r.u16le('ICB Tag: Maximum Number of Entries', 24, '4/14.6.4');
  r.bytes('ICB Tag: Reserved', 26, 1, '4/14.6.5', 'reserved');
  const fileType = r.buf[27];
  r.field('ICB Tag: File Type', 27, 1, fileType, `${fileType} (${FILE_TYPES[fileType] ?? 'unknown'})`, 'enum', '4/14.6.6');
  const lbn = le32(r.buf, 28), part = le16(r.buf, 32);
  r.field('ICB Tag: Parent ICB Location', 28, 6, `${part}:${lbn}`, lbn || part ? `partition ${part} block ${lbn}` : '(none)', 'pointer', '4/14.6.7');
  const flags = le16(r.buf, 34);
  const names: string[] = [AD_KINDS[flags & 7] ?? `AD type ${flags & 7}`];
  if (flags & 0x08) names.push('sorted');
  if (flags & 0x10) names.push('non-relocatable');
  if (flags & 0x20) names.push('archive');
  if (flags & 0x40) names.push('setuid');
  if (flags & 0x80) names.push('setgid');
  if (flags & 0x100) names.push('sticky');
  if (flags & 0x200) names.push('contiguous');
  if (flags & 0x400) names.push('system');
  if (flags & 0x800) names.push('transformed');
  if (flags & 0x1000) names.push('multi-versions');
  if (flags & 0x2000) names.push('stream');
  const f = r.field('ICB Tag: Flags', 34, 2, flags, `0x${flags.toString(16).padStart(4, '0')} (${names.join(', ')})`, 'flags', '4/14.6.8');
  if ((flags & 7) > 3) flag(r, f, `allocation descriptor type ${flags & 7} is reserved`);
  return { fileType, flags };
}

function permissions(p: number): string {
  const bit = (m: number, c: string) => (p & m ? c : '-');
  const trio = (sh: number) => bit(4 << sh, 'r') + bit(2 << sh, 'w') + bit(1 << sh, 'x') + bit(8 << sh, 'a') + bit(16 << sh, 'd');
  return `${trio(10)} ${trio(5)} ${trio(0)} (user group other: read write execute chattr delete)`;
}

/** 4/14.14 allocation descriptors (short_ad, long_ad or ext_ad) in [adStart, adEnd) of a file entry, up to MAX_ADS_SHOWN. */
function allocationDescriptors(r: FieldReader, adKind: number, adStart: number, adEnd: number, sink: DiagnosticSink, where: string, abs: number): UdfAd[] {
  const ads: UdfAd[] = [];
  const size = adKind === 0 ? 8 : adKind === 1 ? 16 : 20;
  let i = 0;
  for (let p = adStart; p + size <= adEnd; p += size, i++) {
    const raw = le32(r.buf, p);
    if (raw === 0) break; // an extent length of 0 ends the descriptors (4/12.1)
    if (i >= MAX_ADS_SHOWN) {
      sink.warn(`more than ${MAX_ADS_SHOWN} allocation descriptors; the rest are not shown`, where, abs + p);
      break;
    }
    if (adKind === 0) {
      const a = shortAd(r, `Allocation Descriptor ${i + 1} (short_ad)`, p, '4/14.14.1');
      ads.push({ length: a.length, type: a.type, lbn: a.position, partition: null });
    } else if (adKind === 1) {
      const a = longAd(r, `Allocation Descriptor ${i + 1} (long_ad)`, p, '4/14.14.2');
      ads.push({ length: a.length, type: a.type, lbn: a.lbn, partition: a.partition });
    } else {
      r.bytes(`Allocation Descriptor ${i + 1} (ext_ad)`, p, 20, '4/14.14.3', 'pointer');
    }
  }
  return ads;
}

/**
 * The fields every FE / EFE ends its fixed part with, from FE_TAIL_AT (FE, 4/14.9.17-20) or
 * EFE_TAIL_AT (EFE, 4/14.17.21-24); the extended attributes and allocation descriptors follow.
 */
const FE_TAIL = layout({
  impl: { at: 0, type: 'bytes', len: 32, name: 'Implementation Identifier' },
  uniqueId: { at: 32, type: 'u64le', name: 'Unique ID' },
  lea: { at: 40, type: 'u32le', name: 'Length of Extended Attributes', kind: 'length' },
  lad: { at: 44, type: 'u32le', name: 'Length of Allocation Descriptors', kind: 'length' },
});
const FE_TAIL_AT = 128;
const EFE_TAIL_AT = 168;

/**
 * Parses an FE (tag 261) or EFE (tag 266) at `abs` (partition-relative logical block `block`,
 * absolute sector `sector`); `what` names it ("root directory").
 */
export function parseFileEntry(buf: Uint8Array, abs: number, block: number, sector: number, blockSize: number, sink: DiagnosticSink, what: string): UdfFileEntry {
  const b = buf.subarray(0, Math.min(buf.length, blockSize));
  const extended = numOf(b, TAG.id) === 266;
  const tail = extended ? EFE_TAIL_AT : FE_TAIL_AT;
  const fixed = tail + layoutEnd(FE_TAIL);
  const lea = b.length >= fixed ? numOf(b, FE_TAIL.lea, tail) : 0;
  const lad = b.length >= fixed ? numOf(b, FE_TAIL.lad, tail) : 0;
  const total = fixed + lea + lad;
  const len = Math.min(b.length, total);
  const r = reader(b.subarray(0, len), abs);
  tagFields(r, block, [261, 266]);
  const { fileType, flags } = icbTag(r);
  r.u32le('Uid', 36, '4/14.9.3');
  r.u32le('Gid', 40, '4/14.9.4');
  const perm = r.u32le('Permissions', 44, '4/14.9.5', 'flags');
  r.fields[r.fields.length - 1].display = permissions(perm);
  r.u16le('File Link Count', 48, '4/14.9.6');
  r.u8('Record Format', 50, '4/14.9.7');
  r.u8('Record Display Attributes', 51, '4/14.9.8');
  r.u32le('Record Length', 52, '4/14.9.9', 'length');
  const infoLength = r.u64le('Information Length', 56, '4/14.9.10', 'length');
  if (extended) {
    r.u64le('Object Size', 64, '4/14.17.11', 'length');
    r.u64le('Logical Blocks Recorded', 72, '4/14.17.12', 'length');
    timestamp(r, 'Access Date and Time', 80, '4/14.17.13');
    timestamp(r, 'Modification Date and Time', 92, '4/14.17.14');
    timestamp(r, 'Creation Date and Time', 104, '4/14.17.15');
    timestamp(r, 'Attribute Date and Time', 116, '4/14.17.16');
    r.u32le('Checkpoint', 128, '4/14.17.17');
    r.bytes('Reserved', 132, 4, '4/14.17.18', 'reserved');
    longAd(r, 'Extended Attribute ICB', 136, '4/14.17.19');
    longAd(r, 'Stream Directory ICB', 152, '4/14.17.20');
  } else {
    r.u64le('Logical Blocks Recorded', 64, '4/14.9.11', 'length');
    timestamp(r, 'Access Date and Time', 72, '4/14.9.12');
    timestamp(r, 'Modification Date and Time', 84, '4/14.9.13');
    timestamp(r, 'Attribute Date and Time', 96, '4/14.9.14');
    r.u32le('Checkpoint', 108, '4/14.9.15');
    longAd(r, 'Extended Attribute ICB', 112, '4/14.9.16');
  }
  const o = tail;
  const sp = (n: number) => (extended ? `4/14.17.${n + 4}` : `4/14.9.${n}`);
  // regid recorded by hand: the entity id helper lives in primitives but needs the spec per variant.
  let impl = '';
  for (let i = 1; i < 24 && r.buf[o + i]; i++) impl += String.fromCharCode(r.buf[o + i]);
  const T = FE_TAIL;
  r.field(T.impl.name, o + T.impl.at, T.impl.len, impl, JSON.stringify(impl), 'text', sp(17));
  r.u64le(T.uniqueId.name, o + T.uniqueId.at, sp(18));
  r.u32le(T.lea.name, o + T.lea.at, sp(19), 'length');
  r.u32le(T.lad.name, o + T.lad.at, sp(20), 'length');
  if (total > b.length) flag(r, r.fields[r.fields.length - 1], `extended attributes (${lea}) and allocation descriptors (${lad}) run past the ${b.length}-byte block`);
  if (lea > 0 && fixed + lea <= len) r.bytes('Extended Attributes', fixed, lea, sp(21));
  const adKind = flags & 7;
  const adStart = fixed + lea;
  const adEnd = Math.min(len, adStart + lad);
  let ads: UdfAd[] = [];
  if (adKind === 3) {
    if (adEnd > adStart) r.bytes('Embedded Data', adStart, adEnd - adStart, sp(22));
  } else {
    ads = allocationDescriptors(r, adKind, adStart, adEnd, sink, `UDF ${what}`, abs);
  }
  const kind = extended ? 'Extended File Entry' : 'File Entry';
  const structure = descriptorStructure(r, {
    id: `udf:fe:${sector}`, type: 'udf-fe', name: `UDF ${kind} of the ${what} (${FILE_TYPES[fileType] ?? `type ${fileType}`})`,
    offset: abs, length: len, spec: extended ? 'ECMA-167 4/14.17, OSTA UDF 2.60 3.3.5' : 'ECMA-167 4/14.9, OSTA UDF 2.60 2.3.6',
  }, sink);
  return { structure, fileType, infoLength, adKind, ads };
}
