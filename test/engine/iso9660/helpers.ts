// Shared by the ISO 9660 structure tests (test/engine/iso9660/*.test.ts) and the Rock Ridge writer's:
// hand-made bytes (both-endian numbers, text, directory records and extents, volume descriptor
// sectors), the check that a structure's fields tile it, and the serializer tests' date and
// no-diagnostics check.
import * as assert from 'node:assert/strict';
import type { DiagnosticSink } from '../../../src/engine/errors';

export const BS = 2048;
export const T0 = new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 670));
export const noDiagnostics = (sink: DiagnosticSink): void => assert.deepEqual(sink.items, [], JSON.stringify(sink.items));

// ---- byte builders ----------------------------------------------------------------------------

export function both32(b: Uint8Array, off: number, v: number, be = v): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(off, v, true); dv.setUint32(off + 4, be, false);
}
export function both16(b: Uint8Array, off: number, v: number, be = v): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint16(off, v, true); dv.setUint16(off + 2, be, false);
}
export function ascii(s: string): Uint8Array { return Uint8Array.from(s, (c) => c.charCodeAt(0)); }
export function ucs2(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) { out[2 * i] = s.charCodeAt(i) >> 8; out[2 * i + 1] = s.charCodeAt(i) & 0xff; }
  return out;
}
export function putText(b: Uint8Array, off: number, len: number, bytes: Uint8Array, pad = 0x20): void {
  b.fill(pad, off, off + len);
  b.set(bytes.subarray(0, len), off);
}

export interface RecOpts { id: Uint8Array; lba?: number; size?: number; flags?: number; su?: Uint8Array; fileUnit?: number; gap?: number; extAttr?: number }
export function dirRecord(o: RecOpts): Uint8Array {
  const lenFi = o.id.length;
  const pad = lenFi % 2 === 0 ? 1 : 0;
  const su = o.su ?? new Uint8Array(0);
  const len = 33 + lenFi + pad + su.length;
  const b = new Uint8Array(len);
  b[0] = len;
  b[1] = o.extAttr ?? 0;
  both32(b, 2, o.lba ?? 0);
  both32(b, 10, o.size ?? 0);
  b.set([124, 1, 2, 3, 4, 5, 4], 18); // 2024-01-02 03:04:05 +01:00
  b[25] = o.flags ?? 0;
  b[26] = o.fileUnit ?? 0;
  b[27] = o.gap ?? 0;
  both16(b, 28, 1);
  b[32] = lenFi;
  b.set(o.id, 33);
  b.set(su, 33 + lenFi + pad);
  return b;
}
export const DOT = new Uint8Array([0]);
export const DOTDOT = new Uint8Array([1]);

/** A directory extent of `sectors` 2048-byte sectors; `sectorsOfRecords[i]` are packed into sector i. */
export function dirExtent(sectorsOfRecords: Uint8Array[][]): Uint8Array {
  const out = new Uint8Array(sectorsOfRecords.length * 2048);
  sectorsOfRecords.forEach((recs, i) => {
    let p = i * 2048;
    for (const r of recs) { out.set(r, p); p += r.length; }
  });
  return out;
}

export interface PvdOpts { type?: number; version?: number; volumeId?: string; joliet?: 0 | 1 | 2 | 3; spaceSize?: number; blockSize?: number; rootLba?: number; rootSize?: number; fsv?: number }
export function pvdSector(o: PvdOpts = {}): Uint8Array {
  const b = new Uint8Array(2048);
  b[0] = o.type ?? 1;
  b.set(ascii('CD001'), 1);
  b[6] = o.version ?? 1;
  const j = o.joliet ?? 0;
  const text = (s: string) => (j ? ucs2(s) : ascii(s));
  const pad = j ? 0 : 0x20;
  putText(b, 8, 32, text('LINUX'), pad);
  putText(b, 40, 32, text(o.volumeId ?? 'TESTVOL'), pad);
  both32(b, 80, o.spaceSize ?? 40);
  if (j) b.set([0x25, 0x2f, [0, 0x40, 0x43, 0x45][j]], 88);
  both16(b, 120, 1);
  both16(b, 124, 1);
  both16(b, 128, o.blockSize ?? 2048);
  both32(b, 132, 10);
  new DataView(b.buffer).setUint32(140, 20, true);
  new DataView(b.buffer).setUint32(148, 21, false);
  b.set(dirRecord({ id: DOT, lba: o.rootLba ?? 22, size: o.rootSize ?? 2048, flags: 2 }), 156);
  for (const [off, len] of [[190, 128], [318, 128], [446, 128], [574, 128], [702, 37], [739, 37], [776, 37]]) putText(b, off, len, new Uint8Array(0), pad);
  putText(b, 190, 128, text('VOLSET'), pad);
  b.set(ascii('2024010203040506'), 813); b[829] = 4;
  b.fill(0x30, 830, 846);
  b.fill(0x30, 847, 863);
  b.fill(0x30, 864, 880);
  b[881] = o.fsv ?? 1;
  return b;
}
export function simpleVd(type: number, fill?: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(2048);
  b[0] = type; b.set(ascii('CD001'), 1); b[6] = 1;
  fill?.(b);
  return b;
}
export function image(sectors: Map<number, Uint8Array>, total: number): Uint8Array {
  const img = new Uint8Array(total * 2048);
  for (const [lba, s] of sectors) img.set(s, lba * 2048);
  return img;
}

/** The fields of a structure cover [start, start+len) exactly, in order, without gaps or overlaps. */
export function assertTiles(fields: Array<{ offset: number; length: number; name: string }>, start: number, len: number): void {
  let at = start;
  for (const f of fields) {
    assert.equal(f.offset, at, `field ${f.name} starts at ${f.offset}, expected ${at}`);
    at += f.length;
  }
  assert.equal(at, start + len);
}
