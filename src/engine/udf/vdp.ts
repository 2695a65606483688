// ECMA-167 3/10.3 Volume Descriptor Pointer: continues a volume descriptor sequence in another extent.
import type { DiagnosticSink } from '../errors';
import type { Structure } from '../structure/fields';
import { extentAd, type ExtentAd } from './primitives';
import { descriptorStructure, reader, tagFields } from './tag';

export function parseVdp(buf: Uint8Array, abs: number, sector: number, sink: DiagnosticSink, label: string): { structure: Structure; next: ExtentAd } {
  const r = reader(buf.subarray(0, Math.min(buf.length, 512)), abs);
  tagFields(r, sector, [3]);
  r.u32le('Volume Descriptor Sequence Number', 16, '3/10.3.2');
  const next = extentAd(r, 'Next Volume Descriptor Sequence Extent', 20, '3/10.3.3');
  const structure = descriptorStructure(r, {
    id: `udf:vdp:${sector}`, type: 'udf-vdp', name: `UDF Volume Descriptor Pointer${label}`, offset: abs, length: 512, spec: 'ECMA-167 3/10.3',
  }, sink);
  return { structure, next };
}
