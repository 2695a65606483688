// ECMA-167 3/10.6 Logical Volume Descriptor (OSTA UDF 2.60 2.2.4) with its partition maps:
// type 1 (3/10.7.2) and type 2 (3/10.7.3) — UDF virtual (2.2.8), sparable (2.2.9) and
// metadata (2.2.10) partition maps. The Logical Volume Contents Use holds the long_ad of the
// File Set Descriptor (UDF 2.2.4.1).
import type { DiagnosticSink } from '../errors';
import { FieldReader, type Structure } from '../structure/fields';
import { le16, le32 } from '../bytes/endian';
import { charspec, dstring, extentAd, flag, longAd, regid, type ExtentAd, type LongAd } from './primitives';
import { descriptorStructure, reader, tagFields } from './tag';

/** Most partition maps decoded (UDF volumes have one to three). */
export const MAX_PARTITION_MAPS = 64;

export type PartitionMap =
  | { kind: 'physical'; partition: number }
  | { kind: 'virtual' | 'sparable' | 'unknown'; partition: number; ident: string }
  | { kind: 'metadata'; partition: number; ident: string; metadataFile: number; mirrorFile: number; bitmapFile: number };

export interface UdfLvd {
  structure: Structure;
  sequenceNumber: number;
  blockSize: number;
  logicalVolumeId: string;
  domain: string;
  fsd: LongAd;
  integrity: ExtentAd;
  maps: PartitionMap[];
}

function parseMap(b: Uint8Array, abs: number, i: number, sink: DiagnosticSink, parentId: string): { map: PartitionMap; structure: Structure } | null {
  const r = new FieldReader(b, abs, 'ECMA-167');
  const type = b[0];
  r.u8('Partition Map Type', 0, '3/10.7.1', 'enum');
  r.u8('Partition Map Length', 1, '3/10.7.1', 'length');
  let map: PartitionMap;
  let name: string;
  let spec: string;
  if (type === 1) {
    if (b.length < 6) return null;
    r.u16le('Volume Sequence Number', 2, '3/10.7.2.3');
    const partition = r.u16le('Partition Number', 4, '3/10.7.2.4');
    map = { kind: 'physical', partition };
    name = `Type 1 partition map ${i} (partition ${partition})`;
    spec = 'ECMA-167 3/10.7.2';
  } else if (type === 2) {
    if (b.length < 64) return null;
    r.bytes('Reserved', 2, 2, 'OSTA UDF 2.60 2.2.8', 'reserved');
    const ident = regid(r, 'Partition Type Identifier', 4, '3/10.7.3.4');
    r.u16le('Volume Sequence Number', 36, 'OSTA UDF 2.60 2.2.8');
    const partition = r.u16le('Partition Number', 38, 'OSTA UDF 2.60 2.2.8');
    if (ident === '*UDF Sparable Partition') {
      r.u16le('Packet Length', 40, 'OSTA UDF 2.60 2.2.9', 'length');
      const n = r.u8('Number of Sparing Tables', 42, 'OSTA UDF 2.60 2.2.9');
      r.u32le('Size of Each Sparing Table', 44, 'OSTA UDF 2.60 2.2.9', 'length');
      for (let k = 0; k < Math.min(n, 4); k++) r.u32le(`Location of Sparing Table ${k + 1}`, 48 + k * 4, 'OSTA UDF 2.60 2.2.9', 'pointer');
      map = { kind: 'sparable', partition, ident };
      spec = 'OSTA UDF 2.60 2.2.9';
    } else if (ident === '*UDF Metadata Partition') {
      const metadataFile = r.u32le('Metadata File Location', 40, 'OSTA UDF 2.60 2.2.10', 'pointer');
      const mirrorFile = r.u32le('Metadata Mirror File Location', 44, 'OSTA UDF 2.60 2.2.10', 'pointer');
      const bitmapFile = r.u32le('Metadata Bitmap File Location', 48, 'OSTA UDF 2.60 2.2.10', 'pointer');
      r.u32le('Allocation Unit Size', 52, 'OSTA UDF 2.60 2.2.10', 'length');
      r.u16le('Alignment Unit Size', 56, 'OSTA UDF 2.60 2.2.10', 'length');
      r.u8('Flags', 58, 'OSTA UDF 2.60 2.2.10', 'flags');
      map = { kind: 'metadata', partition, ident, metadataFile, mirrorFile, bitmapFile };
      spec = 'OSTA UDF 2.60 2.2.10';
    } else if (ident === '*UDF Virtual Partition') {
      map = { kind: 'virtual', partition, ident };
      spec = 'OSTA UDF 2.60 2.2.8';
    } else {
      map = { kind: 'unknown', partition, ident };
      spec = 'ECMA-167 3/10.7.3';
    }
    name = `Type 2 partition map ${i} (${ident.replace(/^\*UDF /, '') || 'unknown'}, partition ${partition})`;
  } else {
    return null;
  }
  const structure = descriptorStructure(r, { id: `${parentId}:map:${i}`, type: 'udf-partition-map', name, offset: abs, length: b.length, spec }, sink);
  return { map, structure };
}

export function parseLvd(buf: Uint8Array, abs: number, sector: number, sink: DiagnosticSink, label: string): UdfLvd {
  const mtl = buf.length >= 268 ? le32(buf, 264) : 0;
  const len = Math.min(buf.length, 440 + mtl);
  const r = reader(buf.subarray(0, len), abs);
  tagFields(r, sector, [6]);
  const sequenceNumber = r.u32le('Volume Descriptor Sequence Number', 16, '3/10.6.2');
  charspec(r, 'Descriptor Character Set', 20, '3/10.6.3');
  const logicalVolumeId = dstring(r, 'Logical Volume Identifier', 84, 128, '3/10.6.4');
  const blockSize = r.u32le('Logical Block Size', 212, '3/10.6.5', 'length');
  const bsField = r.fields[r.fields.length - 1];
  if (blockSize < 512 || blockSize > 65536 || (blockSize & (blockSize - 1)) !== 0) flag(r, bsField, `${blockSize} is not a power of two between 512 and 65536`);
  const domain = regid(r, 'Domain Identifier', 216, '3/10.6.6');
  const fsd = longAd(r, 'Logical Volume Contents Use (File Set Descriptor)', 248, 'OSTA UDF 2.60 2.2.4.1');
  const mtf = r.u32le('Map Table Length', 264, '3/10.6.8', 'length');
  if (440 + mtl > buf.length) flag(r, r.fields[r.fields.length - 1], `partition maps (${mtl} bytes) run past the ${buf.length}-byte descriptor`);
  void mtf;
  const nMaps = r.u32le('Number of Partition Maps', 268, '3/10.6.9', 'length');
  regid(r, 'Implementation Identifier', 272, '3/10.6.10');
  r.bytes('Implementation Use', 304, 128, '3/10.6.11');
  const integrity = extentAd(r, 'Integrity Sequence Extent', 432, '3/10.6.12');
  const id = `udf:lvd:${sector}`;
  const maps: PartitionMap[] = [];
  const children: Structure[] = [];
  let pos = 440;
  for (let i = 0; i < Math.min(nMaps, MAX_PARTITION_MAPS) && pos + 2 <= len; i++) {
    const ml = buf[pos + 1];
    if (ml < 2 || pos + ml > len) {
      sink.warn(`partition map ${i} has length ${ml}, which does not fit; the remaining maps are not read`, `UDF Logical Volume Descriptor${label}`, abs + pos);
      break;
    }
    const m = parseMap(buf.subarray(pos, pos + ml), abs + pos, i, sink, id);
    if (m) { maps.push(m.map); children.push(m.structure); } else sink.warn(`partition map ${i}: unknown type ${buf[pos]} or short length ${ml}`, `UDF Logical Volume Descriptor${label}`, abs + pos);
    pos += ml;
  }
  if (nMaps > MAX_PARTITION_MAPS) sink.warn(`${nMaps} partition maps; only the first ${MAX_PARTITION_MAPS} are decoded`, `UDF Logical Volume Descriptor${label}`, abs + 268);
  void le16;
  const structure = descriptorStructure(r, {
    id, type: 'udf-lvd', name: `UDF Logical Volume Descriptor${label}`, offset: abs, length: len, spec: 'ECMA-167 3/10.6, OSTA UDF 2.60 2.2.4',
  }, sink, children);
  return { structure, sequenceNumber, blockSize, logicalVolumeId, domain, fsd, integrity, maps };
}
