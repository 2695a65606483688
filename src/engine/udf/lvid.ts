// ECMA-167 3/10.10 Logical Volume Integrity Descriptor (OSTA UDF 2.60 2.2.6): open/close state,
// free space and size tables, and UDF's implementation use (2.2.6.4: files, directories, revisions).
import type { DiagnosticSink } from '../errors';
import type { Structure } from '../structure/fields';
import { le32 } from '../bytes/endian';
import { extentAd, flag, regid, timestamp, type ExtentAd } from './primitives';
import { descriptorStructure, reader, tagFields } from './tag';

/** Most partitions whose table entries are shown. */
const MAX_PARTITIONS = 64;

export function parseLvid(buf: Uint8Array, abs: number, sector: number, sink: DiagnosticSink): { structure: Structure; next: ExtentAd; closed: boolean } {
  const n = buf.length >= 80 ? le32(buf, 72) : 0;
  const liu = buf.length >= 80 ? le32(buf, 76) : 0;
  const want = 80 + 8 * n + liu;
  const len = Math.min(buf.length, want);
  const r = reader(buf.subarray(0, len), abs);
  tagFields(r, sector, [9]);
  timestamp(r, 'Recording Date and Time', 16, '3/10.10.2');
  const type = r.u32le('Integrity Type', 28, '3/10.10.3', 'enum');
  r.fields[r.fields.length - 1].display = type === 0 ? '0 (open)' : type === 1 ? '1 (close)' : `${type} (unknown)`;
  const next = extentAd(r, 'Next Integrity Extent', 32, '3/10.10.4');
  r.u64le('Unique ID (Logical Volume Header Descriptor)', 40, 'OSTA UDF 2.60 3.2.1');
  r.bytes('Logical Volume Contents Use (rest)', 48, 24, '3/10.10.5', 'reserved');
  r.u32le('Number of Partitions', 72, '3/10.10.6', 'length');
  r.u32le('Length of Implementation Use', 76, '3/10.10.7', 'length');
  if (want > buf.length) flag(r, r.fields[r.fields.length - 1], `tables and implementation use (${want} bytes) run past the ${buf.length} bytes read`);
  const shown = Math.min(n, MAX_PARTITIONS);
  for (let i = 0; i < shown && 80 + (i + 1) * 4 <= len; i++) {
    const v = r.u32le(`Free Space Table [${i}]`, 80 + i * 4, '3/10.10.8', 'length');
    if (v === 0xffffffff) r.fields[r.fields.length - 1].display = 'unknown (0xFFFFFFFF)';
  }
  for (let i = 0; i < shown && 80 + 4 * n + (i + 1) * 4 <= len; i++) {
    const v = r.u32le(`Size Table [${i}]`, 80 + 4 * n + i * 4, '3/10.10.9', 'length');
    if (v === 0xffffffff) r.fields[r.fields.length - 1].display = 'unknown (0xFFFFFFFF)';
  }
  const iu = 80 + 8 * n;
  if (liu >= 46 && iu + 46 <= len) {
    regid(r, 'Implementation ID', iu, 'OSTA UDF 2.60 2.2.6.4');
    r.u32le('Number of Files', iu + 32, 'OSTA UDF 2.60 2.2.6.4');
    r.u32le('Number of Directories', iu + 36, 'OSTA UDF 2.60 2.2.6.4');
    for (const [nm, o] of [['Minimum UDF Read Revision', 40], ['Minimum UDF Write Revision', 42], ['Maximum UDF Write Revision', 44]] as const) {
      const v = r.u16le(nm, iu + o, 'OSTA UDF 2.60 2.2.6.4');
      r.fields[r.fields.length - 1].display = `${(v >> 8).toString(16)}.${(v & 0xff).toString(16).padStart(2, '0')}`;
    }
  }
  const structure = descriptorStructure(r, {
    id: `udf:lvid:${sector}`, type: 'udf-lvid', name: `UDF Logical Volume Integrity Descriptor (${type === 1 ? 'closed' : type === 0 ? 'open' : 'unknown state'})`,
    offset: abs, length: len, spec: 'ECMA-167 3/10.10, OSTA UDF 2.60 2.2.6',
  }, sink);
  return { structure, next, closed: type === 1 };
}
