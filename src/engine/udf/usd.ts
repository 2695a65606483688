// ECMA-167 3/10.8 Unallocated Space Descriptor (OSTA UDF 2.60 2.2.5): extents of unallocated volume space.
import type { DiagnosticSink } from '../errors';
import type { Structure } from '../structure/fields';
import { extentAd, flag } from './primitives';
import { descriptorStructure, reader, tagFields } from './tag';

/** Most allocation descriptors shown. */
const MAX_SHOWN = 256;

export function parseUsd(buf: Uint8Array, abs: number, sector: number, sink: DiagnosticSink, label: string): { structure: Structure } {
  const r = reader(buf, abs);
  tagFields(r, sector, [7]);
  r.u32le('Volume Descriptor Sequence Number', 16, '3/10.8.2');
  const n = r.u32le('Number of Allocation Descriptors', 20, '3/10.8.3', 'length');
  const fit = Math.floor((buf.length - 24) / 8);
  if (n > fit) flag(r, r.fields[r.fields.length - 1], `${n} descriptors do not fit in the ${buf.length}-byte descriptor (room for ${fit})`);
  const shown = Math.min(n, fit, MAX_SHOWN);
  for (let i = 0; i < shown; i++) extentAd(r, `Allocation Descriptor ${i + 1}`, 24 + i * 8, '3/10.8.4');
  const structure = descriptorStructure(r, {
    id: `udf:usd:${sector}`, type: 'udf-usd', name: `UDF Unallocated Space Descriptor${label}`, offset: abs, length: 24 + Math.min(n, fit) * 8,
    spec: 'ECMA-167 3/10.8, OSTA UDF 2.60 2.2.5',
  }, sink);
  return { structure };
}
