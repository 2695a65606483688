// ECMA-167 2/8.3 Volume Recognition Sequence: 2048-byte volume structure descriptors from byte
// 32768 (each taking max(2048, block size) bytes): the ISO 9660 descriptors ("CD001", decoded by
// the ISO 9660 reader), then the extended area BEA01 (2/9.2) … TEA01 (2/9.3) holding NSR02 or
// NSR03 (3/9.1, the UDF / ECMA-167 marker) and possibly BOOT2 (2/9.4).
import type { DiagnosticSink } from '../errors';
import type { ByteSource } from '../io/source';
import { FieldReader, type Structure } from '../structure/fields';

export const VRS_START = 32768;
/** Most descriptors examined (udftools' limit). */
export const MAX_VRS_DESCRIPTORS = 64;

const NAMES: Record<string, [string, string]> = {
  BEA01: ['Beginning Extended Area Descriptor', 'ECMA-167 2/9.2'],
  TEA01: ['Terminating Extended Area Descriptor', 'ECMA-167 2/9.3'],
  NSR02: ['NSR Descriptor (ECMA-167 2nd edition, UDF ≤ 1.50)', 'ECMA-167 3/9.1'],
  NSR03: ['NSR Descriptor (ECMA-167 3rd edition, UDF ≥ 2.00)', 'ECMA-167 3/9.1'],
  BOOT2: ['Boot Descriptor', 'ECMA-167 2/9.4'],
  CDW02: ['CDW Descriptor (ECMA-168)', 'ECMA-168'],
};

export interface VrsInfo {
  /** Standard identifiers in order, "CD001" included. */
  ids: string[];
  nsr: 'NSR02' | 'NSR03' | null;
  structures: Structure[];
}

function ident(b: Uint8Array): string {
  let s = '';
  for (let i = 1; i < 6; i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * Walks the recognition sequence; returns structures for every non-CD001 descriptor. Stops at
 * an all-zero or unknown descriptor, the image end or MAX_VRS_DESCRIPTORS.
 */
export async function readVrs(src: ByteSource, blockSize: number, sink: DiagnosticSink): Promise<VrsInfo> {
  const step = Math.max(2048, blockSize);
  const out: VrsInfo = { ids: [], nsr: null, structures: [] };
  let inExtended = false;
  for (let i = 0; i < MAX_VRS_DESCRIPTORS; i++) {
    const off = VRS_START + i * step;
    if (off + 2048 > src.size) break;
    const b = await src.read(off, 2048);
    if (b.length < 2048) break;
    const id = ident(b);
    if (id === 'CD001') { out.ids.push(id); continue; }
    const known = NAMES[id];
    if (!known) {
      if (b[0] !== 0 || b.subarray(1, 7).some(x => x !== 0)) {
        if (inExtended) sink.warn(`unknown volume structure descriptor ${JSON.stringify(id)} inside the extended area; recognition stops here`, 'Volume Recognition Sequence', off);
      }
      break;
    }
    out.ids.push(id);
    const lba = Math.floor(off / 2048);
    const r = new FieldReader(b, off, 'ECMA-167');
    const [name, spec] = known;
    const type = b[0];
    r.field('Structure Type', 0, 1, type, String(type), 'number', '2/9.1.1', type !== 0 ? `is ${type}, expected 0` : undefined);
    r.field('Standard Identifier', 1, 5, id, JSON.stringify(id), 'magic', '2/9.1.2');
    const ver = b[6];
    r.field('Structure Version', 6, 1, ver, String(ver), 'number', '2/9.1.3', ver !== 1 ? `is ${ver}, expected 1` : undefined);
    if (id === 'NSR02' || id === 'NSR03') {
      r.bytes('Reserved', 7, 1, '3/9.1.4', 'reserved');
      r.bytes('Structure Data', 8, 2040, '3/9.1.5', 'reserved');
      if (!inExtended) sink.warn(`${id} outside an extended area (no BEA01 before it)`, 'Volume Recognition Sequence', off);
      out.nsr ??= id;
    } else {
      r.bytes('Structure Data', 7, 2041, '2/9.1.4', id === 'BOOT2' ? 'bytes' : 'reserved');
    }
    if (id === 'BEA01') inExtended = true;
    const st: Structure = { id: `udf:vrs:${lba}`, type: 'udf-vrs', name: `${name} (${id})`, offset: off, length: 2048, spec, fields: r.fields, children: [] };
    if (r.problems.length) {
      st.problems = r.problems.map(p => p.message);
      for (const p of r.problems) sink.warn(p.message, st.name, p.offset);
    }
    out.structures.push(st);
    if (id === 'TEA01') inExtended = false;
  }
  if (out.nsr && out.ids.lastIndexOf('TEA01') < out.ids.indexOf(out.nsr)) {
    sink.warn('the extended area holding the NSR descriptor is not closed by TEA01', 'Volume Recognition Sequence', VRS_START);
  }
  return out;
}
