// ECMA-167 3/10.4 Implementation Use Volume Descriptor; OSTA UDF 2.60 2.2.7 defines its
// "*UDF LV Info" contents (2.2.7.2 LVInformation: charset, logical volume id, three info strings).
import type { DiagnosticSink } from '../errors';
import type { Structure } from '../structure/fields';
import { charspec, dstring, regid } from './primitives';
import { descriptorStructure, reader, tagFields } from './tag';

export function parseIuvd(buf: Uint8Array, abs: number, sector: number, sink: DiagnosticSink, label: string): { structure: Structure } {
  const r = reader(buf.subarray(0, Math.min(buf.length, 512)), abs);
  tagFields(r, sector, [4]);
  r.u32le('Volume Descriptor Sequence Number', 16, '3/10.4.2');
  const impl = regid(r, 'Implementation Identifier', 20, '3/10.4.3');
  if (impl === '*UDF LV Info') {
    charspec(r, 'LVI Charset', 52, 'OSTA UDF 2.60 2.2.7.2.1');
    dstring(r, 'Logical Volume Identifier', 116, 128, 'OSTA UDF 2.60 2.2.7.2.2');
    dstring(r, 'LV Info 1', 244, 36, 'OSTA UDF 2.60 2.2.7.2.3');
    dstring(r, 'LV Info 2', 280, 36, 'OSTA UDF 2.60 2.2.7.2.3');
    dstring(r, 'LV Info 3', 316, 36, 'OSTA UDF 2.60 2.2.7.2.3');
    regid(r, 'Implementation ID', 352, 'OSTA UDF 2.60 2.2.7.2.4');
    r.bytes('Implementation Use', 384, 128, 'OSTA UDF 2.60 2.2.7.2.5');
  } else {
    r.bytes('Implementation Use', 52, 460, '3/10.4.4');
  }
  const structure = descriptorStructure(r, {
    id: `udf:iuvd:${sector}`, type: 'udf-iuvd', name: `UDF Implementation Use Volume Descriptor${label}`, offset: abs, length: 512,
    spec: 'ECMA-167 3/10.4, OSTA UDF 2.60 2.2.7',
  }, sink);
  return { structure };
}
