// ECMA-119 9.1 directory records and 6.8 directories (src/engine/iso9660/directoryRecord.ts): the
// parser on hand-made bytes, the directory reader, file sections (sectionRange) and the serializer
// round-tripped through the parser.
import * as assert from 'node:assert/strict';
import { CorruptImageError, DiagnosticSink, InvalidArgumentError } from '../../../src/engine/errors';
import { MemorySource } from '../../../src/engine/io/source';
import {
  bytesBelow, directoryRecordLength, FILE_FLAGS, parseDirectoryRecord, rangeOffset, rangePieces, readDirectory, sectionRange, serializeDirectoryRecord, systemUseRoom,
} from '../../../src/engine/iso9660/directoryRecord';
import type { DataRange } from '../../../src/engine/types';
import { ascii, assertTiles, both32, dirExtent, dirRecord, DOT, DOTDOT, noDiagnostics, T0, ucs2 } from './helpers';

// ---- parsing ------------------------------------------------------------------------------------

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

// ---- serializing --------------------------------------------------------------------------------

describe('serializers (writer) round-trip through the parsers', function () {
  describe('directory records (ECMA-119 9.1)', () => {
    it('fields, pad byte, even length and System Use survive parseDirectoryRecord', () => {
      for (const idLen of [1, 2, 11, 12, 31]) {
        for (const suLen of [0, 1, 7, 20]) {
          const id = new Uint8Array(idLen).fill(0x41);
          const su = new Uint8Array(suLen).map((_, i) => 0x50 + i);
          const rec = serializeDirectoryRecord({ identifier: id, lba: 0x12345678, dataLength: 0xfedcba98, recorded: T0, flags: FILE_FLAGS.multiExtent | FILE_FLAGS.hidden, systemUse: su, volumeSequence: 3 });
          assert.equal(rec.length % 2, 0);
          assert.equal(rec.length, directoryRecordLength(idLen, suLen));
          const sink = new DiagnosticSink();
          const p = parseDirectoryRecord(rec, 0, 0, { joliet: false }, sink);
          noDiagnostics(sink);
          assert.ok(p);
          assert.equal(p.length, rec.length);
          assert.equal(p.extentLba, 0x12345678);
          assert.equal(p.dataLength, 0xfedcba98);
          assert.equal(p.recorded?.date.getTime(), Date.UTC(2024, 1, 29, 13, 14, 15));
          assert.ok(p.multiExtent && p.hidden && !p.isDirectory);
          assert.equal(p.volumeSequenceNumber, 3);
          assert.deepEqual([...p.identifier], [...id]);
          // An odd System Use area is followed by one zero byte (the record length is even).
          assert.deepEqual([...p.systemUse.subarray(0, suLen)], [...su]);
          assert.equal(p.systemUse.length, suLen + (suLen & 1));
        }
      }
    });
    it('systemUseRoom is the most a record can take; more, a 0-length identifier or a 4 GiB data length throw', () => {
      for (const idLen of [1, 2, 33, 100, 207]) {
        const room = systemUseRoom(idLen);
        const rec = serializeDirectoryRecord({ identifier: new Uint8Array(idLen).fill(0x42), lba: 1, dataLength: 0, recorded: T0, flags: 2, systemUse: new Uint8Array(room) });
        assert.ok(rec.length <= 254 && rec.length >= 253, `idLen ${idLen}: ${rec.length}`);
        assert.throws(() => serializeDirectoryRecord({ identifier: new Uint8Array(idLen).fill(0x42), lba: 1, dataLength: 0, recorded: T0, flags: 2, systemUse: new Uint8Array(room + 1) }), InvalidArgumentError);
      }
      assert.throws(() => serializeDirectoryRecord({ identifier: new Uint8Array(0), lba: 1, dataLength: 0, recorded: T0, flags: 0 }), InvalidArgumentError);
      assert.throws(() => serializeDirectoryRecord({ identifier: Uint8Array.of(0), lba: 1, dataLength: 2 ** 32, recorded: T0, flags: 0 }), /multi-extent/);
      assert.throws(() => serializeDirectoryRecord({ identifier: Uint8Array.of(0), lba: -1, dataLength: 0, recorded: T0, flags: 0 }), InvalidArgumentError);
    });
  });
});
