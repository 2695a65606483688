// ECMA-167 3/10.5 Partition Descriptor (OSTA UDF 2.60 2.2.14); for "+NSR02"/"+NSR03" contents
// the Partition Contents Use holds the Partition Header Descriptor (4/14.3).
import type { DiagnosticSink } from '../errors';
import type { Structure } from '../structure/fields';
import { flag, regid, shortAd } from './primitives';
import { descriptorStructure, reader, tagFields } from './tag';

const ACCESS = ['not specified', 'read-only', 'write-once', 'rewritable', 'overwritable'];

export interface UdfPd { structure: Structure; sequenceNumber: number; number: number; start: number; length: number; accessType: number }

export function parsePd(buf: Uint8Array, abs: number, sector: number, sink: DiagnosticSink, label: string): UdfPd {
  const r = reader(buf.subarray(0, Math.min(buf.length, 512)), abs);
  tagFields(r, sector, [5]);
  const sequenceNumber = r.u32le('Volume Descriptor Sequence Number', 16, '3/10.5.2');
  const flags = r.u16le('Partition Flags', 20, '3/10.5.3', 'flags');
  r.fields[r.fields.length - 1].display = flags & 1 ? '1 (space allocated)' : `${flags}`;
  const number = r.u16le('Partition Number', 22, '3/10.5.4');
  const contents = regid(r, 'Partition Contents', 24, '3/10.5.5');
  if (contents === '+NSR02' || contents === '+NSR03') {
    shortAd(r, 'Unallocated Space Table', 56, '4/14.3.1');
    shortAd(r, 'Unallocated Space Bitmap', 64, '4/14.3.2');
    shortAd(r, 'Partition Integrity Table', 72, '4/14.3.3');
    shortAd(r, 'Freed Space Table', 80, '4/14.3.4');
    shortAd(r, 'Freed Space Bitmap', 88, '4/14.3.5');
    r.bytes('Reserved', 96, 88, '4/14.3.6', 'reserved');
  } else {
    r.bytes('Partition Contents Use', 56, 128, '3/10.5.6');
  }
  const accessType = r.u32le('Access Type', 184, '3/10.5.7', 'enum');
  const af = r.fields[r.fields.length - 1];
  af.display = `${accessType} (${ACCESS[accessType] ?? 'unknown'})`;
  if (accessType > 4) flag(r, af, `unknown access type ${accessType}`);
  const start = r.u32le('Partition Starting Location', 188, '3/10.5.8', 'pointer');
  const length = r.u32le('Partition Length', 192, '3/10.5.9', 'length');
  regid(r, 'Implementation Identifier', 196, '3/10.5.10');
  r.bytes('Implementation Use', 228, 128, '3/10.5.11');
  r.bytes('Reserved', 356, 156, '3/10.5.12', 'reserved');
  const structure = descriptorStructure(r, {
    id: `udf:pd:${sector}`, type: 'udf-pd', name: `UDF Partition Descriptor ${number}${label}`, offset: abs, length: 512,
    spec: 'ECMA-167 3/10.5, OSTA UDF 2.60 2.2.14',
  }, sink);
  return { structure, sequenceNumber, number, start, length, accessType };
}
