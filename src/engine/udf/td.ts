// ECMA-167 3/10.9 (and 4/14.2) Terminating Descriptor: ends a volume descriptor sequence (or a
// logical volume integrity / file set descriptor sequence).
import type { DiagnosticSink } from '../errors';
import type { Structure } from '../structure/fields';
import { descriptorStructure, reader, tagFields } from './tag';

export function parseTd(buf: Uint8Array, abs: number, location: number, sink: DiagnosticSink, label: string, idPrefix = 'udf:td'): { structure: Structure } {
  const r = reader(buf.subarray(0, Math.min(buf.length, 512)), abs);
  tagFields(r, location, [8]);
  if (r.buf.length >= 512) r.bytes('Reserved', 16, 496, '3/10.9.2', 'reserved');
  const structure = descriptorStructure(r, {
    id: `${idPrefix}:${location}`, type: 'udf-td', name: `UDF Terminating Descriptor${label}`, offset: abs, length: 512, spec: 'ECMA-167 3/10.9',
  }, sink);
  return { structure };
}
