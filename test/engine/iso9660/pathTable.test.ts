// ECMA-119 9.4 path tables (src/engine/iso9660/pathTable.ts): L and M tables on hand-made bytes,
// the cross-check against the directory tree, and the serializer and ordering round-tripped
// through the reader.
import * as assert from 'node:assert/strict';
import { CorruptImageError, DiagnosticSink, InvalidArgumentError } from '../../../src/engine/errors';
import { MemorySource } from '../../../src/engine/io/source';
import { encodeJolietIdentifier } from '../../../src/engine/iso9660/names';
import {
  crossCheckPathTables, pathTableOrder, pathTablePaths, readPathTable, serializePathTable, type PathTableEntry, type PathTableSpecEntry,
} from '../../../src/engine/iso9660/pathTable';
import { ascii, ascii as bytes, assertTiles, BS, DOT, noDiagnostics, ucs2 } from './helpers';

// ---- parsing ------------------------------------------------------------------------------------

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

// ---- serializing --------------------------------------------------------------------------------

describe('serializers (writer) round-trip through the parsers', function () {
  describe('path tables (ECMA-119 9.4)', () => {
    const entries: PathTableSpecEntry[] = [
      { identifier: Uint8Array.of(0), lba: 20, parent: 1 },
      { identifier: bytes('BOOT'), lba: 21, parent: 1 },
      { identifier: bytes('EFI'), lba: 22, parent: 1 },
      { identifier: bytes('GRUB'), lba: 23, parent: 2 },
      { identifier: bytes('X86_64_EFI'), lba: 0x01020304, parent: 2 },
    ];
    for (const le of [true, false]) {
      it(`type ${le ? 'L' : 'M'} round-trips through readPathTable`, async () => {
        const t = serializePathTable(entries, le);
        const img = new Uint8Array(4 * BS);
        img.set(t, 2 * BS);
        const sink = new DiagnosticSink();
        const { entries: got } = await readPathTable(new MemorySource(img), 2, t.length, le, false, sink);
        noDiagnostics(sink);
        assert.deepEqual(got.map((e) => [e.name, e.extentLba, e.parentIndex]), [['', 20, 1], ['BOOT', 21, 1], ['EFI', 22, 1], ['GRUB', 23, 2], ['X86_64_EFI', 0x01020304, 2]]);
      });
    }
    it('Joliet identifiers (UCS-2) round-trip; bad parents throw', async () => {
      const j: PathTableSpecEntry[] = [{ identifier: Uint8Array.of(0), lba: 30, parent: 1 }, { identifier: encodeJolietIdentifier('Données ✓'), lba: 31, parent: 1 }];
      const t = serializePathTable(j, true);
      const sink = new DiagnosticSink();
      const { entries: got } = await readPathTable(new MemorySource(t), 0, t.length, true, true, sink);
      noDiagnostics(sink);
      assert.equal(got[1].name, 'Données ✓');
      assert.throws(() => serializePathTable([{ identifier: Uint8Array.of(0), lba: 1, parent: 1 }, { identifier: bytes('A'), lba: 2, parent: 2 }], true), InvalidArgumentError);
      assert.throws(() => serializePathTable([{ identifier: Uint8Array.of(0), lba: 1, parent: 2 }], true), InvalidArgumentError);
    });
    it('pathTableOrder sorts by depth, parent number, identifier (padded with spaces), stably', () => {
      const d = (id: string, parentIndex: number, depth: number, tag: number) => ({ identifier: bytes(id), parentIndex, depth, tag });
      const dirs = [d('ZED', 1, 2, 1), d('B', 2, 3, 2), d('A', 3, 3, 3), d('AB', 1, 2, 4), d('A', 1, 2, 5), d('A', 1, 2, 6), d('\0', 1, 1, 0), d('A_', 1, 2, 7)];
      assert.deepEqual(pathTableOrder(dirs).map((x) => x.tag), [0, 5, 6, 4, 7, 1, 2, 3]);
      const j = (id: string, tag: number) => ({ identifier: encodeJolietIdentifier(id), parentIndex: 1, depth: 2, tag });
      assert.deepEqual(pathTableOrder([j('ab', 1), j('a', 2), j('B', 3)], true).map((x) => x.tag), [3, 2, 1]);
    });
  });
});
