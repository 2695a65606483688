// ECMA-167 3/10.1 Primary Volume Descriptor (OSTA UDF 2.60 2.2.2).
import type { DiagnosticSink } from '../errors';
import type { Structure } from '../structure/fields';
import { charspec, dstring, extentAd, regid, timestamp } from './primitives';
import { descriptorStructure, reader, tagFields } from './tag';

export interface UdfPvd { structure: Structure; sequenceNumber: number; volumeId: string; volumeSetId: string; recorded: string | null }

export function parsePvd(buf: Uint8Array, abs: number, sector: number, sink: DiagnosticSink, label: string): UdfPvd {
  const r = reader(buf.subarray(0, Math.min(buf.length, 512)), abs);
  tagFields(r, sector, [1]);
  const sequenceNumber = r.u32le('Volume Descriptor Sequence Number', 16, '3/10.1.2');
  r.u32le('Primary Volume Descriptor Number', 20, '3/10.1.3');
  const volumeId = dstring(r, 'Volume Identifier', 24, 32, '3/10.1.4');
  r.u16le('Volume Sequence Number', 56, '3/10.1.5');
  r.u16le('Maximum Volume Sequence Number', 58, '3/10.1.6');
  r.u16le('Interchange Level', 60, '3/10.1.7');
  r.u16le('Maximum Interchange Level', 62, '3/10.1.8');
  r.u32le('Character Set List', 64, '3/10.1.9', 'flags');
  r.u32le('Maximum Character Set List', 68, '3/10.1.10', 'flags');
  const volumeSetId = dstring(r, 'Volume Set Identifier', 72, 128, '3/10.1.11');
  charspec(r, 'Descriptor Character Set', 200, '3/10.1.12');
  charspec(r, 'Explanatory Character Set', 264, '3/10.1.13');
  extentAd(r, 'Volume Abstract', 328, '3/10.1.14');
  extentAd(r, 'Volume Copyright Notice', 336, '3/10.1.15');
  regid(r, 'Application Identifier', 344, '3/10.1.16');
  const recorded = timestamp(r, 'Recording Date and Time', 376, '3/10.1.17');
  regid(r, 'Implementation Identifier', 388, '3/10.1.18');
  r.bytes('Implementation Use', 420, 64, '3/10.1.19');
  r.u32le('Predecessor Volume Descriptor Sequence Location', 484, '3/10.1.20', 'pointer');
  r.u16le('Flags', 488, '3/10.1.21', 'flags');
  r.bytes('Reserved', 490, 22, '3/10.1.22', 'reserved');
  const structure = descriptorStructure(r, {
    id: `udf:pvd:${sector}`, type: 'udf-pvd', name: `UDF Primary Volume Descriptor${label}`, offset: abs, length: 512,
    spec: 'ECMA-167 3/10.1, OSTA UDF 2.60 2.2.2',
  }, sink);
  return { structure, sequenceNumber, volumeId, volumeSetId, recorded };
}
