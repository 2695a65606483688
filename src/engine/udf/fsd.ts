// ECMA-167 4/14.1 File Set Descriptor (OSTA UDF 2.60 2.3.2): names the root directory's ICB.
import type { DiagnosticSink } from '../errors';
import type { Structure } from '../structure/fields';
import { charspec, dstring, longAd, regid, timestamp, type LongAd } from './primitives';
import { descriptorStructure, reader, tagFields } from './tag';

export interface UdfFsd { structure: Structure; root: LongAd; streamDir: LongAd; fileSetId: string }

/** `block` is the partition-relative logical block (the tag location), `sector` the absolute one. */
export function parseFsd(buf: Uint8Array, abs: number, block: number, sector: number, sink: DiagnosticSink): UdfFsd {
  const r = reader(buf.subarray(0, Math.min(buf.length, 512)), abs);
  tagFields(r, block, [256]);
  timestamp(r, 'Recording Date and Time', 16, '4/14.1.2');
  r.u16le('Interchange Level', 28, '4/14.1.3');
  r.u16le('Maximum Interchange Level', 30, '4/14.1.4');
  r.u32le('Character Set List', 32, '4/14.1.5', 'flags');
  r.u32le('Maximum Character Set List', 36, '4/14.1.6', 'flags');
  r.u32le('File Set Number', 40, '4/14.1.7');
  r.u32le('File Set Descriptor Number', 44, '4/14.1.8');
  charspec(r, 'Logical Volume Identifier Character Set', 48, '4/14.1.9');
  dstring(r, 'Logical Volume Identifier', 112, 128, '4/14.1.10');
  charspec(r, 'File Set Character Set', 240, '4/14.1.11');
  const fileSetId = dstring(r, 'File Set Identifier', 304, 32, '4/14.1.12');
  dstring(r, 'Copyright File Identifier', 336, 32, '4/14.1.13');
  dstring(r, 'Abstract File Identifier', 368, 32, '4/14.1.14');
  const root = longAd(r, 'Root Directory ICB', 400, '4/14.1.15');
  regid(r, 'Domain Identifier', 416, '4/14.1.16');
  longAd(r, 'Next Extent', 448, '4/14.1.17');
  const streamDir = longAd(r, 'System Stream Directory ICB', 464, '4/14.1.18');
  r.bytes('Reserved', 480, 32, '4/14.1.19', 'reserved');
  const structure = descriptorStructure(r, {
    id: `udf:fsd:${sector}`, type: 'udf-fsd', name: `UDF File Set Descriptor (${JSON.stringify(fileSetId)})`, offset: abs, length: 512,
    spec: 'ECMA-167 4/14.1, OSTA UDF 2.60 2.3.2',
  }, sink);
  return { structure, root, streamDir, fileSetId };
}
