// ECMA-167 3/10.2 Anchor Volume Descriptor Pointer (OSTA UDF 2.60 2.2.3): at sector 256 and at
// two of N-256 and N (N = last sector); points at the main and reserve volume descriptor sequences.
import type { DiagnosticSink } from '../errors';
import type { Structure } from '../structure/fields';
import { extentAd, type ExtentAd } from './primitives';
import { descriptorStructure, reader, tagFields } from './tag';

export interface Avdp { structure: Structure; main: ExtentAd; reserve: ExtentAd; checksumOk: boolean }

export function parseAvdp(buf: Uint8Array, abs: number, sector: number, sink: DiagnosticSink): Avdp {
  const r = reader(buf.subarray(0, Math.min(buf.length, 512)), abs);
  const t = tagFields(r, sector, [2]);
  const main = extentAd(r, 'Main Volume Descriptor Sequence Extent', 16, '3/10.2.2');
  const reserve = extentAd(r, 'Reserve Volume Descriptor Sequence Extent', 24, '3/10.2.3');
  if (r.buf.length >= 512) r.bytes('Reserved', 32, 480, '3/10.2.4', 'reserved');
  const structure = descriptorStructure(r, {
    id: `udf:avdp:${sector}`, type: 'udf-avdp', name: `UDF Anchor Volume Descriptor Pointer (sector ${sector})`,
    offset: abs, length: 512, spec: 'ECMA-167 3/10.2, OSTA UDF 2.60 2.2.3',
  }, sink);
  return { structure, main, reserve, checksumOk: t.checksumOk };
}
