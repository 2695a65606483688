// Unit tests for the ISO 9660 / Joliet structure parsers (volume descriptors, directory records,
// path tables, names). Hand-made bytes for bad input; real images built with xorriso/genisoimage
// and checked against isoinfo / xorriso.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorruptImageError, DiagnosticSink, IsoError } from '../../src/engine/errors';
import { FileSource } from '../../src/engine/io/fileSource';
import { MemorySource } from '../../src/engine/io/source';
import {
  bytesBelow, parseDirectoryRecord, rangeOffset, rangePieces, readDirectory, sectionRange, type DirectoryRecord,
} from '../../src/engine/iso9660/directoryRecord';
import { groupMultiExtent, stripVersion } from '../../src/engine/iso9660/names';
import type { DataRange } from '../../src/engine/types';
import {
  crossCheckPathTables, pathTablePaths, readPathTable, type PathTableEntry,
} from '../../src/engine/iso9660/pathTable';
import {
  parseVolumeDescriptor, readVolumeDescriptorSet, type BootRecordVd, type PartitionVd, type PrimaryVd,
} from '../../src/engine/iso9660/volumeDescriptor';

// ---- byte builders ----------------------------------------------------------------------------

function both32(b: Uint8Array, off: number, v: number, be = v): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(off, v, true); dv.setUint32(off + 4, be, false);
}
function both16(b: Uint8Array, off: number, v: number, be = v): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint16(off, v, true); dv.setUint16(off + 2, be, false);
}
function ascii(s: string): Uint8Array { return Uint8Array.from(s, (c) => c.charCodeAt(0)); }
function ucs2(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) { out[2 * i] = s.charCodeAt(i) >> 8; out[2 * i + 1] = s.charCodeAt(i) & 0xff; }
  return out;
}
function putText(b: Uint8Array, off: number, len: number, bytes: Uint8Array, pad = 0x20): void {
  b.fill(pad, off, off + len);
  b.set(bytes.subarray(0, len), off);
}

interface RecOpts { id: Uint8Array; lba?: number; size?: number; flags?: number; su?: Uint8Array; fileUnit?: number; gap?: number; extAttr?: number }
function dirRecord(o: RecOpts): Uint8Array {
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
const DOT = new Uint8Array([0]);
const DOTDOT = new Uint8Array([1]);

/** A directory extent of `sectors` 2048-byte sectors; `sectorsOfRecords[i]` are packed into sector i. */
function dirExtent(sectorsOfRecords: Uint8Array[][]): Uint8Array {
  const out = new Uint8Array(sectorsOfRecords.length * 2048);
  sectorsOfRecords.forEach((recs, i) => {
    let p = i * 2048;
    for (const r of recs) { out.set(r, p); p += r.length; }
  });
  return out;
}

interface PvdOpts { type?: number; version?: number; volumeId?: string; joliet?: 0 | 1 | 2 | 3; spaceSize?: number; blockSize?: number; rootLba?: number; rootSize?: number; fsv?: number }
function pvdSector(o: PvdOpts = {}): Uint8Array {
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
function simpleVd(type: number, fill?: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(2048);
  b[0] = type; b.set(ascii('CD001'), 1); b[6] = 1;
  fill?.(b);
  return b;
}
function image(sectors: Map<number, Uint8Array>, total: number): Uint8Array {
  const img = new Uint8Array(total * 2048);
  for (const [lba, s] of sectors) img.set(s, lba * 2048);
  return img;
}

/** The fields of a structure cover [start, start+len) exactly, in order, without gaps or overlaps. */
function assertTiles(fields: Array<{ offset: number; length: number; name: string }>, start: number, len: number): void {
  let at = start;
  for (const f of fields) {
    assert.equal(f.offset, at, `field ${f.name} starts at ${f.offset}, expected ${at}`);
    at += f.length;
  }
  assert.equal(at, start + len);
}

// ---- names --------------------------------------------------------------------------------------

describe('iso9660 names', () => {
  it('stripVersion drops ";N" and an empty extension', () => {
    assert.equal(stripVersion('FOO.TXT;1'), 'FOO.TXT');
    assert.equal(stripVersion('FOO.;1'), 'FOO');
    assert.equal(stripVersion('README.'), 'README');
    assert.equal(stripVersion('README'), 'README');
    assert.equal(stripVersion('long joliet name.txt;1'), 'long joliet name.txt');
    assert.equal(stripVersion('A;32767'), 'A');
    assert.equal(stripVersion('.'), '.');
    assert.equal(stripVersion('..'), '..');
    assert.equal(stripVersion('a;b'), 'a;b');
  });

  it('groupMultiExtent groups consecutive same-name records ending with a non-multi-extent one', () => {
    const r = (name: string, multiExtent: boolean) => ({ name, multiExtent });
    const recs = [r('A;1', false), r('BIG;1', true), r('BIG;1', true), r('BIG;1', false), r('C;1', false)];
    const groups = groupMultiExtent(recs);
    assert.deepEqual(groups.map((g) => g.length), [1, 3, 1]);
    assert.equal(groups[1][0], recs[1]);
    assert.equal(groups[1][2], recs[3]);
  });

  it('groupMultiExtent closes a group broken by another name or by the end, and reports it', () => {
    const r = (name: string, multiExtent: boolean) => ({ name, multiExtent });
    const broken: string[] = [];
    const groups = groupMultiExtent([r('BIG;1', true), r('OTHER;1', false), r('END;1', true)], (g, reason) => broken.push(`${g[0].name}|${reason}`));
    assert.deepEqual(groups.map((g) => g.map((x) => x.name)), [['BIG;1'], ['OTHER;1'], ['END;1']]);
    assert.equal(broken.length, 2);
    assert.match(broken[0], /^BIG;1\|.*interrupted by "OTHER;1"/);
    assert.match(broken[1], /^END;1\|.*no final extent/);
  });
});

// ---- directory records --------------------------------------------------------------------------

describe('iso9660 directory records', () => {
  it('parses every field with absolute offsets and spec references', () => {
    const su = ascii('RRXX');
    const rec = dirRecord({ id: ascii('FOO.TXT;1'), lba: 1234, size: 5000, flags: 0x01, su });
    const buf = new Uint8Array(100);
    buf.set(rec, 10);
    const sink = new DiagnosticSink();
    const r = parseDirectoryRecord(buf, 10, 4096, { joliet: false }, sink)!;
    assert.equal(r.offset, 4106);
    assert.equal(r.length, 33 + 9 + 4);
    assert.equal(r.extentLba, 1234);
    assert.equal(r.dataLength, 5000);
    assert.equal(r.name, 'FOO.TXT;1');
    assert.equal(r.hidden, true);
    assert.equal(r.isDirectory, false);
    assert.equal(r.multiExtent, false);
    assert.equal(r.volumeSequenceNumber, 1);
    assert.equal(r.recorded!.iso, '2024-01-02T03:04:05+01:00');
    // LEN_FI 9 is odd → no padding byte; System Use starts right after the identifier.
    assert.equal(r.systemUseOffset, 4106 + 33 + 9);
    assert.deepEqual([...r.systemUse], [...su]);
    assert.equal(r.structure.type, 'dir-record');
    assert.equal(r.structure.id, 'dirrec:4106');
    assert.equal(r.structure.offset, 4106);
    const loc = r.structure.fields.find((f) => f.name === 'Location of Extent')!;
    assert.equal(loc.offset, 4106 + 2);
    assert.equal(loc.length, 8);
    assert.equal(loc.spec, 'ECMA-119 9.1.3');
    assert.equal(r.structure.fields.find((f) => f.name === 'File Identifier')!.offset, 4106 + 33);
    assert.equal(r.structure.problems, undefined);
    assert.equal(sink.items.length, 0);
    assertTiles(r.structure.fields, 4106, r.length);
    const even = parseDirectoryRecord(dirRecord({ id: ascii('AB'), su: ascii('XY') }), 0, 0, { joliet: false }, sink)!;
    assertTiles(even.structure.fields, 0, even.length);
  });

  it('names "." and "..", adds the padding byte for even identifier lengths, decodes Joliet UCS-2 BE', () => {
    const sink = new DiagnosticSink();
    assert.equal(parseDirectoryRecord(dirRecord({ id: DOT, flags: 2 }), 0, 0, { joliet: true }, sink)!.name, '.');
    assert.equal(parseDirectoryRecord(dirRecord({ id: DOTDOT, flags: 2 }), 0, 0, { joliet: true }, sink)!.name, '..');
    const j = parseDirectoryRecord(dirRecord({ id: ucs2('Ünïcode näme.txt;1') }), 0, 0, { joliet: true }, sink)!;
    assert.equal(j.name, 'Ünïcode näme.txt;1');
    assert.equal(j.systemUseOffset, 33 + 36 + 1);
    assert.equal(j.systemUse.length, 0);
    const even = parseDirectoryRecord(dirRecord({ id: ascii('AB'), su: ascii('XY') }), 0, 0, { joliet: false }, sink)!;
    assert.equal(even.systemUseOffset, 36);
    assert.equal(String.fromCharCode(...even.systemUse), 'XY');
    assert.equal(sink.items.length, 0);
  });

  it('returns null on the zero padding at the end of a sector', () => {
    assert.equal(parseDirectoryRecord(new Uint8Array(40), 0, 0, { joliet: false }, new DiagnosticSink()), null);
  });

  it('throws CorruptImageError with the absolute offset for length < 34, record beyond buffer, identifier beyond record', () => {
    const sink = new DiagnosticSink();
    const short = dirRecord({ id: ascii('A') }); short[0] = 20;
    assert.throws(() => parseDirectoryRecord(short, 0, 8192, { joliet: false }, sink),
      (e: unknown) => e instanceof CorruptImageError && e.offset === 8192 && /less than the minimum of 34/.test(e.message));
    const rec = dirRecord({ id: ascii('ABC') });
    assert.throws(() => parseDirectoryRecord(rec.subarray(0, 30), 0, 100, { joliet: false }, sink),
      (e: unknown) => e instanceof CorruptImageError && e.offset === 100 && /runs past the end/.test(e.message));
    const badFi = dirRecord({ id: ascii('ABC') }); badFi[32] = 50;
    assert.throws(() => parseDirectoryRecord(badFi, 0, 200, { joliet: false }, sink),
      (e: unknown) => e instanceof CorruptImageError && e.offset === 200 && /identifier length 50/.test(e.message));
  });

  it('reports a both-endian mismatch as a problem and uses the little-endian value', () => {
    const rec = dirRecord({ id: ascii('X;1'), lba: 0 });
    both32(rec, 2, 77, 78);
    const sink = new DiagnosticSink();
    const r = parseDirectoryRecord(rec, 0, 0, { joliet: false, path: '/DIR' }, sink)!;
    assert.equal(r.extentLba, 77);
    assert.match(r.structure.problems![0], /Location of Extent: both-endian mismatch: little-endian 77, big-endian 78/);
    assert.equal(sink.items.length, 1);
    assert.equal(sink.items[0].offset, 2);
    assert.match(sink.items[0].structure!, /\/DIR/);
  });

  it('flags a multi-extent directory and decodes all flag bits', () => {
    const r = parseDirectoryRecord(dirRecord({ id: ascii('D'), flags: 0x02 | 0x04 | 0x08 | 0x10 | 0x80 }), 0, 0, { joliet: false }, new DiagnosticSink())!;
    assert.deepEqual([r.isDirectory, r.associated, r.recordFormat, r.protection, r.multiExtent, r.hidden], [true, true, true, true, true, false]);
    assert.ok(r.structure.problems!.some((p) => /cannot be multi-extent/.test(p)));
  });
});

describe('iso9660 readDirectory', () => {
  const dirLba = 2;
  function imgWith(extent: Uint8Array, totalBytes = 2048 * 2 + extent.length): MemorySource {
    const img = new Uint8Array(totalBytes);
    img.set(extent.subarray(0, Math.max(0, Math.min(extent.length, totalBytes - dirLba * 2048))), dirLba * 2048);
    return new MemorySource(img, 'test.iso');
  }

  it('reads records across sectors, skipping the zero padding at the end of each sector', () => {
    const filler = Array.from({ length: 40 }, (_, i) => dirRecord({ id: ascii(`FILE${String(i).padStart(2, '0')}.TXT;1`), lba: 100 + i, size: i }));
    // 40 records of 48 bytes: 42 fit in a sector with "." and ".." so put 30 + 10.
    const extent = dirExtent([[dirRecord({ id: DOT, lba: dirLba, size: 4096, flags: 2 }), dirRecord({ id: DOTDOT, lba: dirLba, size: 4096, flags: 2 }), ...filler.slice(0, 30)], filler.slice(30)]);
    const sink = new DiagnosticSink();
    const recs = readDirectory(imgWith(extent), dirLba, 4096, 2048, { joliet: false, path: '/' }, sink);
    return recs.then((rs) => {
      assert.equal(rs.length, 42);
      assert.deepEqual(rs.slice(0, 3).map((r) => r.name), ['.', '..', 'FILE00.TXT;1']);
      assert.equal(rs[32].name, 'FILE30.TXT;1');
      assert.equal(rs[32].offset, (dirLba + 1) * 2048);
      assert.equal(rs[41].extentLba, 139);
      assert.equal(rs[2].structure.target!.path, '/FILE00.TXT;1');
      assert.deepEqual(sink.items, []);
    });
  });

  it('a corrupt record → diagnostic with directory path and absolute offset, then the next sector is read', async () => {
    const bad = dirRecord({ id: ascii('BAD;1') }); bad[0] = 10;
    const extent = dirExtent([
      [dirRecord({ id: DOT, flags: 2, lba: dirLba }), dirRecord({ id: DOTDOT, flags: 2 }), bad, dirRecord({ id: ascii('LOST;1') })],
      [dirRecord({ id: ascii('NEXT;1') })],
    ]);
    const sink = new DiagnosticSink();
    const rs = await readDirectory(imgWith(extent), dirLba, 4096, 2048, { joliet: false, path: '/BOOT' }, sink);
    assert.deepEqual(rs.map((r) => r.name), ['.', '..', 'NEXT;1']);
    assert.equal(sink.items.length, 1);
    assert.equal(sink.items[0].severity, 'error');
    assert.match(sink.items[0].structure!, /\/BOOT/);
    assert.equal(sink.items[0].offset, dirLba * 2048 + 34 + 34);
    assert.match(sink.items[0].message, /less than the minimum of 34.*next sector/);
  });

  it('a record crossing the sector boundary is corrupt; the following sector is still read', async () => {
    const extent = new Uint8Array(4096);
    extent.set(dirRecord({ id: DOT, flags: 2 }), 0);
    let p = 34;
    for (let i = 0; i < 8; i++) { // 8 records of 250 bytes: the sector is full up to byte 2034
      const r = dirRecord({ id: ascii(`F${i};1`), su: new Uint8Array(212) });
      assert.equal(r.length, 250);
      extent.set(r, p); p += r.length;
    }
    const long = dirRecord({ id: ascii('CROSS;1'), su: new Uint8Array(60) });
    extent.set(long.subarray(0, 2048 - p), p); // only its first 14 bytes are in sector 0
    extent.set(dirRecord({ id: ascii('B;1') }), 2048);
    const sink = new DiagnosticSink();
    const rs = await readDirectory(imgWith(extent), dirLba, 4096, 2048, { joliet: false, path: '/X' }, sink);
    assert.deepEqual(rs.map((r) => r.name), ['.', 'F0;1', 'F1;1', 'F2;1', 'F3;1', 'F4;1', 'F5;1', 'F6;1', 'F7;1', 'B;1']);
    const errors = sink.items.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].offset, dirLba * 2048 + 2034);
    assert.match(errors[0].message, /record of 100 bytes runs past the end of its logical sector \(14 bytes left\); skipping to the next sector/);
  });

  it('an extent beyond the image end is a CorruptImageError; a partly readable one yields its sectors + a diagnostic', async () => {
    const extent = dirExtent([[dirRecord({ id: DOT, flags: 2 }), dirRecord({ id: DOTDOT, flags: 2 })], [dirRecord({ id: ascii('GONE;1') })]]);
    const src = imgWith(extent, 3 * 2048); // only the first sector of the 2-sector extent exists
    await assert.rejects(readDirectory(src, 50, 2048, 2048, { joliet: false, path: '/Z' }, new DiagnosticSink()),
      (e: unknown) => e instanceof CorruptImageError && e.offset === 50 * 2048 && /beyond the end of the image/.test(e.message));
    const sink = new DiagnosticSink();
    const rs = await readDirectory(src, dirLba, 4096, 2048, { joliet: false, path: '/Y' }, sink);
    assert.deepEqual(rs.map((r) => r.name), ['.', '..']);
    assert.match(sink.items[0].message, /only 2048 of 4096 bytes exist/);
  });

  it('refuses directory sizes over 64 MiB without reading them', async () => {
    let reads = 0;
    const src = { name: 'x', size: 1 << 30, read: async () => { reads++; return new Uint8Array(0); }, close: async () => undefined };
    await assert.rejects(readDirectory(src, 20, 0xffffffff, 2048, { joliet: false, path: '/' }, new DiagnosticSink()),
      (e: unknown) => e instanceof CorruptImageError && e.offset === 20 * 2048);
    assert.equal(reads, 0);
  });

  it('warns about non-zero bytes hidden in the padding after a zero byte', async () => {
    const extent = dirExtent([[dirRecord({ id: DOT, flags: 2 }), dirRecord({ id: DOTDOT, flags: 2 })]]);
    extent[500] = 0x22;
    const sink = new DiagnosticSink();
    const rs = await readDirectory(imgWith(extent), dirLba, 2048, 2048, { joliet: false, path: '/P' }, sink);
    assert.equal(rs.length, 2);
    assert.equal(sink.items.length, 1);
    assert.equal(sink.items[0].offset, dirLba * 2048 + 500);
    assert.match(sink.items[0].message, /non-zero bytes in the padding/);
  });

  it('warns about an empty directory and one not starting with "." and ".."', async () => {
    const sink = new DiagnosticSink();
    assert.deepEqual(await readDirectory(imgWith(new Uint8Array(2048)), dirLba, 0, 2048, { joliet: false }, sink), []);
    assert.match(sink.items[0].message, /data length 0/);
    const sink2 = new DiagnosticSink();
    const rs = await readDirectory(imgWith(dirExtent([[dirRecord({ id: ascii('A;1') })]])), dirLba, 2048, 2048, { joliet: false }, sink2);
    assert.equal(rs.length, 1);
    assert.match(sink2.items[0].message, /does not start with "\." and "\.\."/);
  });

  it('sectionRange: contiguous after the extended attribute record, or one strided range of file units and gaps', () => {
    const pieces = (r: DataRange | null) => (r ? [...rangePieces(r, 0, r.length)] : []);
    assert.deepEqual(sectionRange(100, 0, 5000, 0, 0, 2048), { offset: 100 * 2048, length: 5000 });
    assert.deepEqual(sectionRange(100, 2, 5000, 0, 0, 2048), { offset: 102 * 2048, length: 5000 });
    assert.equal(sectionRange(100, 0, 0, 2, 1, 2048), null);
    // units of 2 blocks, gaps of 1: blocks 100-101, 103-104, 106(part)
    assert.deepEqual(pieces(sectionRange(100, 0, 4 * 2048 + 10, 2, 1, 2048)), [
      { offset: 100 * 2048, length: 4096 }, { offset: 103 * 2048, length: 4096 }, { offset: 106 * 2048, length: 10 },
    ]);
    // a 1-block extended attribute record takes the first block of the first unit
    assert.deepEqual(pieces(sectionRange(100, 1, 3 * 2048, 2, 1, 2048)), [
      { offset: 101 * 2048, length: 2048 }, { offset: 103 * 2048, length: 4096 },
    ]);
    // an EAR longer than a unit: 3 blocks with units of 2 → data starts in the second unit's second block
    assert.deepEqual(pieces(sectionRange(100, 3, 2048 + 5, 2, 1, 2048)), [
      { offset: 104 * 2048, length: 2048 }, { offset: 106 * 2048, length: 5 },
    ]);
    // a piece of the middle: bytes 3000..5000 of units of 1 block with gaps of 1
    const r = sectionRange(10, 0, 10 * 2048, 1, 1, 2048)!;
    assert.deepEqual([...rangePieces(r, 3000, 2000)], [{ offset: 12 * 2048 + 952, length: 1096 }, { offset: 14 * 2048, length: 904 }]);
    assert.equal(rangeOffset(r, 2048 * 4 + 7), 18 * 2048 + 7);
  });

  it('sectionRange: 0xFFFFFFFF bytes in 1-block units is one range, and its bytes inside an image are computed, not listed', () => {
    const r = sectionRange(50, 0, 0xffffffff, 1, 1, 2048)!;
    assert.ok(r.stride, 'strided');
    assert.equal(r.length, 0xffffffff);
    // an image of 300 MiB: units at LBA 50, 52, … below 300 MiB
    const size = 300 * 1024 * 1024;
    const units = Math.ceil((size / 2048 - 50) / 2);
    assert.equal(bytesBelow(r, size), units * 2048);
    assert.equal(bytesBelow(r, 50 * 2048), 0);
    assert.equal(bytesBelow(r, 51 * 2048 - 1), 2047);
    assert.equal(bytesBelow(r, 52 * 2048 + 1), 2049);
    assert.equal(bytesBelow({ offset: 4096, length: 100 }, 4100), 4);
    assert.equal(bytesBelow({ offset: 4096, length: 100 }, 1 << 20), 100);
  });
});

// ---- path tables --------------------------------------------------------------------------------

function ptEntry(name: Uint8Array, lba: number, parent: number, le: boolean): Uint8Array {
  const n = name.length;
  const b = new Uint8Array(8 + n + (n & 1));
  b[0] = n;
  const dv = new DataView(b.buffer);
  dv.setUint32(2, lba, le);
  dv.setUint16(6, parent, le);
  b.set(name, 8);
  return b;
}
function ptTable(entries: Array<[Uint8Array, number, number]>, le: boolean): Uint8Array {
  const parts = entries.map(([n, l, p]) => ptEntry(n, l, p, le));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

describe('iso9660 path tables', () => {
  const rows: Array<[Uint8Array, number, number]> = [[DOT, 20, 1], [ascii('BOOT'), 21, 1], [ascii('DOCS'), 23, 1], [ascii('GRUB'), 22, 2]];

  it('reads L and M tables to the same entries with absolute offsets and child structures', async () => {
    const l = ptTable(rows, true), m = ptTable(rows, false);
    const img = new Uint8Array(20 * 2048);
    img.set(l, 10 * 2048); img.set(m, 12 * 2048);
    const src = new MemorySource(img);
    const sink = new DiagnosticSink();
    const L = await readPathTable(src, 10, l.length, true, false, sink);
    const M = await readPathTable(src, 12, m.length, false, false, sink);
    assert.deepEqual(sink.items, []);
    assert.deepEqual(L.entries.map((e) => [e.index, e.name, e.extentLba, e.parentIndex]), [[1, '', 20, 1], [2, 'BOOT', 21, 1], [3, 'DOCS', 23, 1], [4, 'GRUB', 22, 2]]);
    assert.deepEqual(M.entries.map((e) => ({ ...e, offset: 0 })), L.entries.map((e) => ({ ...e, offset: 0 })));
    assert.equal(L.entries[1].offset, 10 * 2048 + 10);
    assert.equal(L.structure.type, 'path-table-l');
    assert.equal(L.structure.id, 'pathtable-l:10');
    assert.equal(M.structure.type, 'path-table-m');
    assert.equal(L.structure.children.length, 4);
    assert.equal(L.structure.children[3].target!.lba, 22);
    assertTiles(L.structure.children.map((c) => ({ ...c })), 10 * 2048, l.length);
    for (const c of L.structure.children) assertTiles(c.fields, c.offset, c.length);
    assert.equal(L.structure.children[3].fields.find((f) => f.name === 'Parent Directory Number')!.offset, 10 * 2048 + 34 + 6);
    assert.deepEqual([...pathTablePaths(L.entries)], [['/', 20], ['/BOOT', 21], ['/DOCS', 23], ['/BOOT/GRUB', 22]]);
    assert.deepEqual(crossCheckPathTables(L.entries, M.entries, new Map([['/', 20], ['/BOOT', 21], ['/DOCS', 23], ['/BOOT/GRUB', 22]])), []);
  });

  it('decodes Joliet identifiers as UCS-2 BE in both tables', async () => {
    const t = ptTable([[DOT, 30, 1], [ucs2('a long directory name'), 31, 1]], true);
    const { entries } = await readPathTable(new MemorySource(t), 0, t.length, true, true, new DiagnosticSink());
    assert.equal(entries[1].name, 'a long directory name');
  });

  it('stops at an identifier length of 0 and at a truncated entry, with problems at absolute offsets', async () => {
    const t = ptTable(rows, true);
    const zero = new Uint8Array(t.length + 12); zero.set(t); // 12 zero bytes: identifier length 0
    const sink = new DiagnosticSink();
    const r = await readPathTable(new MemorySource(zero), 0, zero.length, true, false, sink);
    assert.equal(r.entries.length, 4);
    assert.match(r.structure.problems![0], /entry 5: directory identifier length is 0/);
    assert.equal(sink.items[0].offset, t.length);
    const sink2 = new DiagnosticSink();
    const r2 = await readPathTable(new MemorySource(t), 0, t.length - 3, true, false, sink2);
    assert.equal(r2.entries.length, 3);
    assert.match(sink2.items[0].message, /entry 4: 12 bytes run past the end of the table/);
  });

  it('refuses path tables over 16 MiB and tables beyond the image end', async () => {
    await assert.rejects(readPathTable(new MemorySource(new Uint8Array(4096)), 1, 17 * 1024 * 1024, true, false, new DiagnosticSink()),
      (e: unknown) => e instanceof CorruptImageError && /exceeds the limit/.test(e.message));
    await assert.rejects(readPathTable(new MemorySource(new Uint8Array(4096)), 5, 100, true, false, new DiagnosticSink()),
      (e: unknown) => e instanceof CorruptImageError && e.offset === 5 * 2048);
  });

  it('flags bad parent numbers; pathTablePaths survives parent loops and out-of-range parents', async () => {
    const t = ptTable([[DOT, 20, 1], [ascii('A'), 21, 3], [ascii('B'), 22, 2], [ascii('C'), 23, 99], [ascii('D'), 24, 1]], true);
    const r = await readPathTable(new MemorySource(t), 0, t.length, true, false, new DiagnosticSink());
    assert.ok(r.structure.problems!.some((p) => /entry 2: .*3 does not name an earlier entry/.test(p)));
    assert.ok(r.structure.problems!.some((p) => /entry 4: .*99 does not name an earlier entry/.test(p)));
    const paths = pathTablePaths(r.entries);
    assert.deepEqual([...paths], [['/', 20], ['/D', 24]]);
    // a self-parented non-root entry
    const self: PathTableEntry[] = [{ index: 1, name: '', extentLba: 1, parentIndex: 1, extAttrLength: 0, offset: 0 }, { index: 2, name: 'X', extentLba: 2, parentIndex: 2, extAttrLength: 0, offset: 0 }];
    assert.deepEqual([...pathTablePaths(self)], [['/', 1]]);
    const problems = crossCheckPathTables(r.entries, null, new Map([['/', 20], ['/D', 24]]));
    assert.ok(problems.some((p) => /loops/.test(p)));
    assert.ok(problems.some((p) => /parent 99 does not exist/.test(p)));
  });

  it('crossCheckPathTables reports L/M differences, missing directories and LBA mismatches', () => {
    const e = (index: number, name: string, extentLba: number, parentIndex: number): PathTableEntry => ({ index, name, extentLba, parentIndex, extAttrLength: 0, offset: 0 });
    const l = [e(1, '', 20, 1), e(2, 'BOOT', 21, 1), e(3, 'EXTRA', 25, 1)];
    const m = [e(1, '', 20, 1), e(2, 'BOOT', 29, 1)];
    const problems = crossCheckPathTables(l, m, new Map([['/', 20], ['/BOOT', 22], ['/DOCS', 23]]));
    assert.deepEqual(problems, [
      'the L path table has 3 entries, the M path table 2',
      'path table entry 2: L and M differ: extent 21 vs 29',
      'directory /BOOT: the path table says LBA 21, the directory tree says LBA 22',
      'directory /DOCS is missing from the path table',
      'the path table lists /EXTRA, which is not in the directory tree',
    ]);
  });
});

// ---- volume descriptors -------------------------------------------------------------------------

describe('iso9660 volume descriptors', () => {
  it('parses a primary volume descriptor with fields at absolute offsets', () => {
    const sink = new DiagnosticSink();
    const vd = parseVolumeDescriptor(pvdSector(), 16, sink) as PrimaryVd;
    assert.equal(vd.kind, 'primary');
    assert.equal(vd.volumeId, 'TESTVOL');
    assert.equal(vd.systemId, 'LINUX');
    assert.equal(vd.volumeSetId, 'VOLSET');
    assert.equal(vd.publisherId, '');
    assert.equal(vd.volumeSpaceSize, 40);
    assert.equal(vd.logicalBlockSize, 2048);
    assert.equal(vd.pathTableSize, 10);
    assert.equal(vd.lPathTableLba, 20);
    assert.equal(vd.mPathTableLba, 21);
    assert.equal(vd.jolietLevel, 0);
    assert.equal(vd.escapeSequences, '');
    assert.equal(vd.created!.iso, '2024-01-02T03:04:05.06+01:00');
    assert.equal(vd.modified, null);
    assert.equal(vd.root.extentLba, 22);
    assert.equal(vd.root.offset, 16 * 2048 + 156);
    assert.equal(vd.root.isDirectory, true);
    assert.equal(vd.structure.type, 'pvd');
    assert.equal(vd.structure.id, 'vd:16');
    assert.equal(vd.structure.children[0].type, 'dir-record');
    const f = vd.structure.fields.find((x) => x.name === 'Volume Space Size')!;
    assert.deepEqual([f.offset, f.length, f.spec], [16 * 2048 + 80, 8, 'ECMA-119 8.4.8']);
    assert.equal(vd.structure.problems, undefined);
    assert.deepEqual(sink.items, []);
    assertTiles(vd.structure.fields, 16 * 2048, 2048);
    assertTiles(vd.structure.children[0].fields, 16 * 2048 + 156, 34);
  });

  it('throws CorruptImageError naming the offset when "CD001" is missing or the sector is short', () => {
    const b = pvdSector(); b.set(ascii('BEA01'), 1);
    assert.throws(() => parseVolumeDescriptor(b, 16, new DiagnosticSink(), 'x.iso'),
      (e: unknown) => e instanceof CorruptImageError && e.offset === 16 * 2048 + 1 && e.image === 'x.iso' && /"BEA01"/.test(e.message));
    assert.throws(() => parseVolumeDescriptor(pvdSector().subarray(0, 100), 16, new DiagnosticSink()),
      (e: unknown) => e instanceof CorruptImageError && /truncated/.test(e.message));
  });

  it('reports a both-endian mismatch, an unusable block size and a bad root record', () => {
    const b = pvdSector();
    both32(b, 80, 40, 41);
    both16(b, 128, 0);
    b[156] = 0; // root record length byte
    const sink = new DiagnosticSink();
    const vd = parseVolumeDescriptor(b, 16, sink) as PrimaryVd;
    assert.equal(vd.volumeSpaceSize, 40);
    assert.equal(vd.logicalBlockSize, 2048);
    assert.ok(vd.structure.problems!.some((p) => /Volume Space Size: both-endian mismatch/.test(p)));
    assert.ok(vd.structure.problems!.some((p) => /Logical Block Size: 0 is not a power of two.*assuming 2048/.test(p)));
    assert.equal(vd.root.extentLba, 22);
    assert.ok(vd.root.structure.problems!.some((p) => /Length of Directory Record: is 0, expected 34/.test(p)));
    assert.ok(sink.items.some((d) => d.offset === 16 * 2048 + 80));
  });

  it('decodes a Joliet SVD (UCS-2 BE ids, level from escape sequences) and an enhanced descriptor', () => {
    for (const level of [1, 2, 3] as const) {
      const vd = parseVolumeDescriptor(pvdSector({ type: 2, joliet: level, volumeId: 'Jöliet Vol' }), 17, new DiagnosticSink()) as PrimaryVd;
      assert.equal(vd.kind, 'supplementary');
      assert.equal(vd.jolietLevel, level);
      assert.equal(vd.volumeId, 'Jöliet Vol');
      assert.equal(vd.volumeSetId, 'VOLSET');
      assert.equal(vd.escapeSequences, ['', '252f40', '252f43', '252f45'][level]);
      assert.equal(vd.structure.type, 'svd');
      assertTiles(vd.structure.fields, 17 * 2048, 2048);
    }
    const evd = parseVolumeDescriptor(pvdSector({ type: 2, version: 2, fsv: 2 }), 17, new DiagnosticSink()) as PrimaryVd;
    assert.equal(evd.kind, 'enhanced');
    assert.equal(evd.structure.type, 'evd');
    assert.equal(evd.fileStructureVersion, 2);
    assert.equal(evd.jolietLevel, 0);
    assert.equal(evd.volumeId, 'TESTVOL');
  });

  it('parses El Torito boot records, partition descriptors, terminators and unknown types', () => {
    const boot = parseVolumeDescriptor(simpleVd(0, (b) => { b.set(ascii('EL TORITO SPECIFICATION'), 7); new DataView(b.buffer).setUint32(0x47, 34, true); }), 17, new DiagnosticSink()) as BootRecordVd;
    assert.deepEqual([boot.kind, boot.bootSystemId, boot.catalogLba, boot.structure.type], ['boot', 'EL TORITO SPECIFICATION', 34, 'boot-record']);
    assert.equal(boot.structure.fields.find((f) => f.name === 'Boot Catalog Pointer')!.offset, 17 * 2048 + 0x47);
    const other = parseVolumeDescriptor(simpleVd(0, (b) => b.set(ascii('SOMETHING ELSE'), 7)), 17, new DiagnosticSink()) as BootRecordVd;
    assert.equal(other.catalogLba, null);
    assertTiles(boot.structure.fields, 17 * 2048, 2048);
    assertTiles(other.structure.fields, 17 * 2048, 2048);
    const part = parseVolumeDescriptor(simpleVd(3, (b) => { putText(b, 40, 32, ascii('PART')); both32(b, 72, 500); both32(b, 80, 64); }), 18, new DiagnosticSink()) as PartitionVd;
    assert.deepEqual([part.kind, part.partitionId, part.partitionLba, part.partitionSize], ['partition', 'PART', 500, 64]);
    assertTiles(part.structure.fields, 18 * 2048, 2048);
    const term = parseVolumeDescriptor(simpleVd(255), 19, new DiagnosticSink());
    assertTiles(term.structure.fields, 19 * 2048, 2048);
    assert.deepEqual([term.kind, term.structure.type], ['terminator', 'terminator']);
    const sink = new DiagnosticSink();
    const unk = parseVolumeDescriptor(simpleVd(42), 20, sink);
    assert.equal(unk.kind, 'unknown');
    assert.match(sink.items[0].message, /unknown volume descriptor type 42/);
  });

  it('reads a set up to the terminator', async () => {
    const img = image(new Map([[16, pvdSector()], [17, pvdSector({ type: 2, joliet: 3 })], [18, simpleVd(255)], [19, pvdSector({ volumeId: 'AFTER' })]]), 40);
    const sink = new DiagnosticSink();
    const vds = await readVolumeDescriptorSet(new MemorySource(img), 16, sink);
    assert.deepEqual(vds.map((v) => v.kind), ['primary', 'supplementary', 'terminator']);
    assert.deepEqual(sink.items, []);
  });

  it('ends a set without terminator at a non-CD001 sector or the image end, with a diagnostic', async () => {
    const img = image(new Map([[16, pvdSector()]]), 30); // LBA 17 is zeros
    const sink = new DiagnosticSink();
    const vds = await readVolumeDescriptorSet(new MemorySource(img), 16, sink);
    assert.deepEqual(vds.map((v) => v.kind), ['primary']);
    assert.match(sink.items[0].message, /treating it as the end of the volume descriptor set/);
    assert.equal(sink.items[0].offset, 17 * 2048);
    const img2 = image(new Map([[16, pvdSector({ spaceSize: 17 })]]), 17);
    const sink2 = new DiagnosticSink();
    assert.equal((await readVolumeDescriptorSet(new MemorySource(img2), 16, sink2)).length, 1);
    assert.match(sink2.items[0].message, /ends at LBA 17 before a volume descriptor set terminator/);
  });

  it('throws without a primary descriptor, and on a too-small image', async () => {
    const img = image(new Map([[16, pvdSector({ type: 2, joliet: 3 })], [17, simpleVd(255)]]), 20);
    await assert.rejects(readVolumeDescriptorSet(new MemorySource(img, 'nopvd.iso'), 16, new DiagnosticSink()),
      (e: unknown) => e instanceof CorruptImageError && e.image === 'nopvd.iso' && e.offset === 16 * 2048 && /no Primary Volume Descriptor/.test(e.message));
    await assert.rejects(readVolumeDescriptorSet(new MemorySource(new Uint8Array(10 * 2048)), 16, new DiagnosticSink()),
      (e: unknown) => e instanceof CorruptImageError && /too small/.test(e.message));
    await assert.rejects(readVolumeDescriptorSet(new MemorySource(new Uint8Array(20 * 2048), 'zero.iso'), 16, new DiagnosticSink()),
      (e: unknown) => e instanceof CorruptImageError && e.image === 'zero.iso' && /expected "CD001"/.test(e.message));
  });

  it('stops after 256 descriptors when there is no terminator, and warns about a truncated image', async () => {
    const n = 300;
    const img = new Uint8Array((16 + n) * 2048);
    const pvd = pvdSector({ spaceSize: 100000 });
    for (let i = 0; i < n; i++) img.set(pvd, (16 + i) * 2048);
    const sink = new DiagnosticSink(5000);
    const vds = await readVolumeDescriptorSet(new MemorySource(img), 16, sink);
    assert.equal(vds.length, 256);
    assert.ok(sink.items.some((d) => /no volume descriptor set terminator within 256/.test(d.message)));
    assert.ok(sink.items.some((d) => /volume space size 100000 blocks .* exceeds the image size/.test(d.message)));
  });
});

// ---- real images --------------------------------------------------------------------------------

function run(cmd: string, args: string[], encoding: BufferEncoding = 'utf8'): string {
  return execFileSync(cmd, args, { encoding, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** isoinfo -d "Key: value" lines. */
function isoinfoD(iso: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of run('isoinfo', ['-d', '-i', iso]).split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 2).trim());
    else if (line.trim()) m.set(line.replace(/:$/, '').trim(), '');
  }
  return m;
}

/** isoinfo -l [-J]: directory path → [name, lba, size] (without "." and ".."). */
function isoinfoL(iso: string, joliet: boolean): Map<string, Array<[string, number, number]>> {
  const out = new Map<string, Array<[string, number, number]>>();
  let cur: Array<[string, number, number]> = [];
  // Joliet names are printed converted to ISO 8859-1 (our test names fit in it).
  for (const line of run('isoinfo', ['-l', ...(joliet ? ['-J', '-j', 'iso8859-1'] : []), '-i', iso], 'latin1').split('\n')) {
    const d = /^Directory listing of (.*)$/.exec(line);
    if (d) { cur = []; out.set(d[1].length > 1 ? d[1].replace(/\/$/, '') : '/', cur); continue; }
    const f = /\s(\d+)\s+\w{3}\s+\d+\s+\d{4}\s+\[\s*(\d+)\s+[0-9a-f]+\]\s{2}(.*?)\s*$/.exec(line);
    if (f && f[3] !== '.' && f[3] !== '..') cur.push([f[3], Number(f[2]), Number(f[1])]);
  }
  return out;
}

/** isoinfo -p [-J]: path table entries as [index, parent, extent, name]. */
function isoinfoP(iso: string, joliet: boolean): { lba: number; size: number; rows: Array<[number, number, number, string]> } {
  const text = run('isoinfo', ['-p', ...(joliet ? ['-J'] : []), '-i', iso]);
  const h = /Path table starts at block (\d+), size (\d+)/.exec(text)!;
  const rows: Array<[number, number, number, string]> = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+):\s+(\d+)\s+([0-9a-f]+)\s?(.*?)\s*$/.exec(line);
    if (m) rows.push([Number(m[1]), Number(m[2]), parseInt(m[3], 16), m[4]]);
  }
  return { lba: Number(h[1]), size: Number(h[2]), rows };
}

/** Walks the tree from a volume descriptor's root; returns path → records and path → directory LBA. */
async function walk(src: FileSource | MemorySource, vd: PrimaryVd, sink: DiagnosticSink): Promise<{ listing: Map<string, DirectoryRecord[]>; dirs: Map<string, number> }> {
  const listing = new Map<string, DirectoryRecord[]>();
  const dirs = new Map<string, number>();
  const queue: Array<[string, number, number]> = [['/', vd.root.extentLba, vd.root.dataLength]];
  const seen = new Set<number>();
  while (queue.length) {
    const [p, lba, len] = queue.shift()!;
    if (seen.has(lba)) continue;
    seen.add(lba);
    dirs.set(p, lba);
    const recs = await readDirectory(src, lba, len, vd.logicalBlockSize, { joliet: vd.jolietLevel > 0, path: p }, sink);
    const kids = recs.filter((r) => r.name !== '.' && r.name !== '..');
    listing.set(p, kids);
    for (const k of kids) if (k.isDirectory) queue.push([p === '/' ? `/${k.name}` : `${p}/${k.name}`, k.extentLba, k.dataLength]);
  }
  return { listing, dirs };
}

describe('iso9660 against xorriso / genisoimage images', function () {
  this.timeout(60000);
  let tmp = '';
  const longName = `${'a'.repeat(80)}_long_name_file.txt`; // 99 chars: needs -joliet-long (> 64)

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-iso9660-'));
    const src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'boot', 'grub'), { recursive: true });
    fs.mkdirSync(path.join(src, 'docs', 'deep', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(src, 'boot', 'grub', 'grub.cfg'), 'set timeout=5\n');
    fs.writeFileSync(path.join(src, 'boot', 'boot.img'), Buffer.alloc(2048, 0xaa));
    fs.writeFileSync(path.join(src, 'readme.txt'), 'hello\n');
    fs.writeFileSync(path.join(src, 'docs', longName), 'x'.repeat(5000));
    fs.writeFileSync(path.join(src, 'docs', 'deep', 'deeper', 'Ünïcode.txt'), 'u');
    for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(src, 'docs', `file${String(i).padStart(3, '0')}.dat`), String(i)); // > 1 sector of records
  });
  after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  it('xorriso -J -joliet-long + El Torito: PVD, Joliet SVD, boot record, directories and path tables match isoinfo/xorriso', async () => {
    const iso = path.join(tmp, 'x.iso');
    // The image under test:
    run('xorriso', ['-as', 'mkisofs', '-J', '-joliet-long', '-V', 'MYVOL', '-publisher', 'PUB', '-sysid', 'SYS', '-A', 'APP', '-volset', 'VSET',
      '-b', 'boot/boot.img', '-no-emul-boot', '-boot-load-size', '4', '-o', iso, path.join(tmp, 'src')]);
    const src = await FileSource.open(iso);
    try {
      const sink = new DiagnosticSink();
      const vds = await readVolumeDescriptorSet(src, 16, sink);
      assert.deepEqual(vds.map((v) => v.kind), ['primary', 'boot', 'supplementary', 'terminator']);
      const pvd = vds[0] as PrimaryVd, boot = vds[1] as BootRecordVd, svd = vds[2] as PrimaryVd;

      // isoinfo -d -i x.iso
      const d = isoinfoD(iso);
      assert.equal(pvd.systemId, d.get('System id'));
      assert.equal(pvd.volumeId, d.get('Volume id'));
      assert.equal(pvd.volumeSetId, d.get('Volume set id'));
      assert.equal(pvd.publisherId, d.get('Publisher id'));
      assert.equal(pvd.preparerId, d.get('Data preparer id'));
      assert.equal(pvd.applicationId, d.get('Application id'));
      assert.equal(pvd.volumeSpaceSize, Number(d.get('Volume size is')));
      assert.equal(pvd.logicalBlockSize, Number(d.get('Logical block size is')));
      assert.equal(pvd.volumeSetSize, Number(d.get('Volume set size is')));
      assert.equal(pvd.volumeSequenceNumber, Number(d.get('Volume set sequence number is')));
      assert.ok(d.has('Joliet with UCS level 3 found'));
      const torito = /boot catalog is in sector (\d+)/.exec(run('isoinfo', ['-d', '-i', iso]))!;
      assert.equal(boot.bootSystemId, 'EL TORITO SPECIFICATION');
      assert.equal(boot.catalogLba, Number(torito[1]));

      // xorriso -indev x.iso -pvd_info
      const info = new Map(run('xorriso', ['-indev', iso, '-pvd_info']).split('\n')
        .map((l) => /^([A-Za-z. ]+?)\s*: (.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => [m[1], m[2]]));
      assert.equal(info.get('PVD address'), `${pvd.lba}s`);
      assert.equal(pvd.volumeId, info.get('Volume Id'));
      assert.equal(pvd.publisherId, info.get('Publisher Id'));
      assert.equal(pvd.applicationId, info.get('App Id'));
      assert.equal(pvd.systemId, info.get('System Id'));
      const digits = (x: PrimaryVd['created']) => (x ? x.iso.slice(0, 19).replace(/\D/g, '') : '00000000000000');
      assert.equal(digits(pvd.created), info.get('Creation Time')!.slice(0, 14));
      assert.equal(digits(pvd.modified), info.get('Modif. Time')!.slice(0, 14));
      assert.equal(pvd.expires, null);
      assert.equal(info.get('Expir. Time'), '0000000000000000');

      // The Joliet SVD: level 3, UCS-2 ids.
      assert.equal(svd.jolietLevel, 3);
      assert.equal(svd.escapeSequences, '252f45');
      assert.equal(svd.volumeId, 'MYVOL');
      assert.equal(svd.publisherId, 'PUB');
      assert.equal(svd.volumeSpaceSize, pvd.volumeSpaceSize);
      assert.notEqual(svd.root.extentLba, pvd.root.extentLba);

      // Directory records vs isoinfo -l (ISO 9660 names with ";1") and -l -J (Joliet names, > 64 chars).
      for (const [vd, joliet] of [[pvd, false], [svd, true]] as const) {
        const { listing, dirs } = await walk(src, vd, sink);
        const expected = isoinfoL(iso, joliet);
        assert.deepEqual([...listing.keys()].sort(), [...expected.keys()].sort());
        for (const [p, recs] of listing) {
          assert.deepEqual(recs.map((r) => [r.name, r.extentLba, r.dataLength]), expected.get(p), `listing of ${p}`);
        }
        // The path tables (isoinfo -p shows the L table) and their cross-check against the tree.
        const pt = isoinfoP(iso, joliet);
        assert.equal(vd.pathTableSize, pt.size);
        assert.equal(vd.lPathTableLba, pt.lba);
        const L = await readPathTable(src, vd.lPathTableLba, vd.pathTableSize, true, joliet, sink);
        const M = await readPathTable(src, vd.mPathTableLba, vd.pathTableSize, false, joliet, sink);
        assert.deepEqual(L.entries.map((e) => [e.index, e.parentIndex, e.extentLba, e.name]), pt.rows);
        assert.deepEqual(crossCheckPathTables(L.entries, M.entries, dirs), []);
        if (joliet) {
          const docs = listing.get('/docs')!;
          assert.ok(docs.some((r) => r.name === longName && r.name.length > 64));
          assert.ok(listing.get('/docs/deep/deeper')!.some((r) => r.name === 'Ünïcode.txt'));
        } else {
          assert.ok(listing.get('/')!.some((r) => r.name === 'README.TXT;1'));
          // xorriso -as mkisofs adds Rock Ridge: the root "." record's System Use starts with SUSP "SP".
          const root = await readDirectory(src, vd.root.extentLba, vd.root.dataLength, 2048, { joliet: false, path: '/' }, sink);
          assert.deepEqual([...root[0].systemUse.subarray(0, 7)], [0x53, 0x50, 7, 1, 0xbe, 0xef, 0]);
          assert.equal(root[0].systemUseOffset, root[0].offset + 34);
        }
        assert.ok(listing.get('/DOCS') ?? listing.get('/docs'));
        assert.ok((listing.get('/DOCS') ?? listing.get('/docs'))!.length >= 61);
      }
      assert.deepEqual(sink.items, []);
    } finally {
      await src.close();
    }
  });

  it('corrupted copies of a real image: only typed errors or diagnostics, never a crash or a hang', async () => {
    const iso = path.join(tmp, 'fuzz.iso');
    // The image under test:
    run('xorriso', ['-as', 'mkisofs', '-J', '-joliet-long', '-V', 'FUZZ', '-o', iso, path.join(tmp, 'src')]);
    const orig = new Uint8Array(fs.readFileSync(iso));
    let seed = 12345;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    let typedErrors = 0, diagnostics = 0;
    for (let iter = 0; iter < 300; iter++) {
      const img = orig.slice();
      for (let k = 0; k < 1 + rnd(12); k++) img[16 * 2048 + rnd(30 * 2048)] = rnd(256); // descriptors, path tables, directories
      const src = new MemorySource(img, `fuzz-${iter}.iso`);
      const sink = new DiagnosticSink();
      try {
        const vds = await readVolumeDescriptorSet(src, 16, sink);
        for (const vd of vds) {
          if (vd.kind !== 'primary' && vd.kind !== 'supplementary' && vd.kind !== 'enhanced') continue;
          try {
            const { dirs } = await walk(src, vd, sink);
            const L = await readPathTable(src, vd.lPathTableLba, vd.pathTableSize, true, vd.jolietLevel > 0, sink);
            crossCheckPathTables(L.entries, null, dirs);
          } catch (e) {
            if (!(e instanceof IsoError)) throw e;
            typedErrors++;
          }
        }
      } catch (e) {
        if (!(e instanceof IsoError)) throw e;
        typedErrors++;
      }
      diagnostics += sink.items.length;
    }
    assert.ok(typedErrors > 0 && diagnostics > 0, `typed errors ${typedErrors}, diagnostics ${diagnostics}`);
  });

  it('genisoimage -iso-level 4: the ISO 9660:1999 enhanced volume descriptor', async () => {
    const iso = path.join(tmp, 'g4.iso');
    // The image under test:
    run('genisoimage', ['-quiet', '-iso-level', '4', '-J', '-V', 'V4', '-o', iso, path.join(tmp, 'src')]);
    const src = await FileSource.open(iso);
    try {
      const sink = new DiagnosticSink();
      const vds = await readVolumeDescriptorSet(src, 16, sink);
      assert.deepEqual(vds.map((v) => v.kind), ['primary', 'enhanced', 'supplementary', 'terminator']);
      const d = isoinfoD(iso);
      assert.ok(d.has('CD-ROM uses ISO 9660:1999 relaxed format'));
      const evd = vds[1] as PrimaryVd;
      assert.equal(evd.version, 2);
      assert.equal(evd.fileStructureVersion, 2);
      assert.equal(evd.volumeId, d.get('Volume id'));
      assert.equal(evd.structure.type, 'evd');
      assert.equal((vds[2] as PrimaryVd).jolietLevel, 3);
      // The enhanced tree holds untranslated names without versions.
      const root = await readDirectory(src, evd.root.extentLba, evd.root.dataLength, 2048, { joliet: false, path: '/' }, sink);
      assert.ok(root.some((r) => r.name === 'readme.txt'));
      assert.deepEqual(sink.items, []);
    } finally {
      await src.close();
    }
  });
});
