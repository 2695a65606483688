// The writer's serializers (dates, directory records, path tables, volume descriptors, names,
// Rock Ridge entries) round-tripped through the engine's own parsers, plus one hand-assembled
// image checked with xorriso, isoinfo and 7z.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiagnosticSink, InvalidArgumentError, UnsupportedFeatureError } from '../../src/engine/errors';
import { MemorySource } from '../../src/engine/io/source';
import { encodeDate17, encodeDate7, parseDate17, parseDate7 } from '../../src/engine/iso9660/dates';
import { directoryRecordLength, FILE_FLAGS, parseDirectoryRecord, readDirectory, serializeDirectoryRecord, systemUseRoom } from '../../src/engine/iso9660/directoryRecord';
import {
  compareIdentifiers, encodeIsoIdentifier, encodeJolietIdentifier, isoNames, jolietNames, stripVersion, type NameRequest,
} from '../../src/engine/iso9660/names';
import { pathTableOrder, readPathTable, serializePathTable, type PathTableSpecEntry } from '../../src/engine/iso9660/pathTable';
import {
  JOLIET_ESCAPES, parseVolumeDescriptor, patchVolumeDescriptor, serializeBootRecordVd, serializeTerminatorVd, serializeVolumeDescriptor,
  type PrimaryVd, type VolumeDescriptorSpec,
} from '../../src/engine/iso9660/volumeDescriptor';
import { parseRockRidge, type RockRidge } from '../../src/engine/rockridge/rrip';
import { CE_ENTRY_LENGTH, packSystemUse, patchCe, rripEntries, type RripAttrs } from '../../src/engine/rockridge/rripWrite';
import { detectSusp, readSuspArea, type SuspArea } from '../../src/engine/rockridge/susp';
import { run, runText } from '../peers/run';
import { prng } from '../util/prng';

const BS = 2048;
const T0 = new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 670));
const noDiagnostics = (sink: DiagnosticSink): void => assert.deepEqual(sink.items, [], JSON.stringify(sink.items));
const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A directory record with Rock Ridge entries, its continuation area placed in a small in-memory image, read back. */
async function rrRoundTrip(a: RripAttrs, kind: 'root-dot' | 'dot' | 'dotdot' | 'normal', id: Uint8Array, ce = { lba: 3, offset: 0 }):
  Promise<{ rr: RockRidge; area: SuspArea; inRecord: Uint8Array; continuation: Uint8Array | null; record: Uint8Array }> {
  const packed = packSystemUse(rripEntries(a, kind), systemUseRoom(id.length));
  const img = new Uint8Array(8 * BS);
  if (packed.continuation) {
    assert.ok(packed.ceOffset !== null);
    patchCe(packed.inRecord, packed.ceOffset, ce.lba, ce.offset, packed.continuation.length);
    img.set(packed.continuation, ce.lba * BS + ce.offset);
  } else {
    assert.equal(packed.ceOffset, null);
  }
  const record = serializeDirectoryRecord({ identifier: id, lba: 5, dataLength: 10, recorded: T0, flags: 0, systemUse: packed.inRecord });
  img.set(record, BS);
  const sink = new DiagnosticSink();
  const parsed = parseDirectoryRecord(img.subarray(BS, 2 * BS), 0, BS, { joliet: false }, sink);
  assert.ok(parsed);
  const area = await readSuspArea(parsed.systemUse, parsed.systemUseOffset, 0, async (o, l) => img.subarray(o, o + l), BS, sink, 'test');
  const rr = parseRockRidge(area.entries, sink, 'test');
  noDiagnostics(sink);
  return { rr, area, inRecord: packed.inRecord, continuation: packed.continuation, record };
}

const baseAttrs: RripAttrs = { mode: 0o100644, nlink: 1, uid: 1000, gid: 100, mtime: T0, atime: T0, ctime: T0 };

describe('serializers (writer) round-trip through the parsers', function () {
  describe('dates (ECMA-119 9.1.5, 8.4.26.1)', () => {
    it('7-byte dates round-trip to the second, in UTC, and clamp to 1900–2155', () => {
      for (const ms of [0, Date.UTC(1900, 0, 1), Date.UTC(1999, 11, 31, 23, 59, 59), T0.getTime(), Date.UTC(2155, 11, 31, 23, 59, 59)]) {
        const b = encodeDate7(new Date(ms));
        assert.equal(b.length, 7);
        assert.equal(b[6], 0);
        const d = parseDate7(b, 0);
        assert.equal(d?.date.getTime(), Math.floor(ms / 1000) * 1000);
        assert.equal(d?.gmtOffsetMinutes, 0);
      }
      assert.equal(parseDate7(encodeDate7(new Date(Date.UTC(1850, 5, 1))), 0)?.iso, '1900-01-01T00:00:00+00:00');
      assert.equal(parseDate7(encodeDate7(new Date(Date.UTC(2300, 5, 1))), 0)?.iso, '2155-12-31T23:59:59+00:00');
      assert.throws(() => encodeDate7(new Date(NaN)), InvalidArgumentError);
    });
    it('17-byte dates round-trip to the hundredth; null is "not specified"; years clamp to 0001–9999', () => {
      const b = encodeDate17(T0);
      assert.equal(String.fromCharCode(...b.subarray(0, 16)), '2024022913141567');
      assert.equal(b[16], 0);
      assert.equal(parseDate17(b, 0)?.date.getTime(), T0.getTime());
      const n = encodeDate17(null);
      assert.equal(String.fromCharCode(...n.subarray(0, 16)), '0000000000000000');
      assert.equal(n[16], 0);
      assert.equal(parseDate17(n, 0), null);
      assert.equal(parseDate17(encodeDate17(new Date(Date.UTC(12000, 0, 1))), 0)?.iso, '9999-12-31T23:59:59.99+00:00');
      const early = new Date(0); early.setUTCFullYear(-5);
      assert.equal(String.fromCharCode(...encodeDate17(early).subarray(0, 16)), '0001010100000000');
      assert.equal(parseDate17(encodeDate17(new Date(Date.UTC(1970, 0, 1, 0, 0, 0, 999))), 0)?.iso, '1970-01-01T00:00:00.99+00:00');
    });
  });

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

  describe('volume descriptors (ECMA-119 8.2–8.5, El Torito 2.0)', () => {
    const root = serializeDirectoryRecord({ identifier: Uint8Array.of(0), lba: 20, dataLength: 2048, recorded: T0, flags: FILE_FLAGS.directory });
    const spec: VolumeDescriptorSpec = {
      type: 1, systemId: 'LINUX', volumeId: 'MY_VOLUME', volumeSetId: 'SET', publisherId: 'PUBLISHER', preparerId: 'ISO WORKBENCH',
      applicationId: 'APP', copyrightFileId: 'COPYING.;1', abstractFileId: '', bibliographicFileId: 'BIB.;1',
      volumeSpaceSize: 12345, pathTableSize: 42, lPathTableLba: 18, lPathTableOptLba: 19, mPathTableLba: 20, mPathTableOptLba: 21, root,
      created: T0, modified: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)), expires: null, effective: T0,
      applicationUse: Uint8Array.of(1, 2, 3),
    };
    it('a PVD round-trips through parseVolumeDescriptor', () => {
      const b = serializeVolumeDescriptor(spec);
      assert.equal(b.length, 2048);
      const sink = new DiagnosticSink();
      const vd = parseVolumeDescriptor(b, 16, sink) as PrimaryVd;
      noDiagnostics(sink);
      assert.equal(vd.kind, 'primary');
      assert.equal(vd.version, 1);
      assert.equal(vd.fileStructureVersion, 1);
      assert.deepEqual(
        [vd.systemId, vd.volumeId, vd.volumeSetId, vd.publisherId, vd.preparerId, vd.applicationId, vd.copyrightFileId, vd.abstractFileId, vd.bibliographicFileId],
        ['LINUX', 'MY_VOLUME', 'SET', 'PUBLISHER', 'ISO WORKBENCH', 'APP', 'COPYING.;1', '', 'BIB.;1']);
      assert.equal(b[40 + 9], 0x20); // padded with spaces
      assert.deepEqual([vd.volumeSpaceSize, vd.pathTableSize, vd.lPathTableLba, vd.lPathTableOptLba, vd.mPathTableLba, vd.mPathTableOptLba], [12345, 42, 18, 19, 20, 21]);
      assert.deepEqual([vd.volumeSetSize, vd.volumeSequenceNumber, vd.logicalBlockSize], [1, 1, 2048]);
      assert.equal(vd.root.extentLba, 20);
      assert.ok(vd.root.isDirectory);
      assert.equal(vd.created?.date.getTime(), T0.getTime());
      assert.equal(vd.modified?.iso, '2025-01-02T03:04:05+00:00');
      assert.equal(vd.expires, null);
      assert.deepEqual([...b.subarray(883, 887)], [1, 2, 3, 0]);
    });
    it('a Joliet SVD (UCS-2, %/E) and an ISO 9660:1999 enhanced descriptor', () => {
      const j = serializeVolumeDescriptor({ ...spec, type: 2, joliet: true, escapes: JOLIET_ESCAPES[3], volumeId: 'Ünïcode volume name longer than 16', copyrightFileId: 'copyright-file-name-19' });
      const sink = new DiagnosticSink();
      const vd = parseVolumeDescriptor(j, 17, sink) as PrimaryVd;
      noDiagnostics(sink);
      assert.equal(vd.kind, 'supplementary');
      assert.equal(vd.jolietLevel, 3);
      assert.equal(vd.volumeId, 'Ünïcode volume n'); // 32 bytes hold 16 UCS-2 characters
      assert.equal(vd.systemId, 'LINUX');
      assert.equal(vd.copyrightFileId, 'copyright-file-nam'); // 37 bytes: 18 characters + one byte
      assert.deepEqual([...j.subarray(40 + 32 - 2, 40 + 32)], [0x00, 0x6e]);
      assert.deepEqual([...j.subarray(190 + 6, 190 + 10)], [0x00, 0x20, 0x00, 0x20]); // padded with U+0020
      const e = serializeVolumeDescriptor({ ...spec, type: 2, version: 2, fileStructureVersion: 2 });
      const ev = parseVolumeDescriptor(e, 17, sink) as PrimaryVd;
      noDiagnostics(sink);
      assert.equal(ev.kind, 'enhanced');
    });
    it('refuses what cannot be encoded', () => {
      assert.throws(() => serializeVolumeDescriptor({ ...spec, volumeId: 'X'.repeat(33) }), /holds 32/);
      assert.throws(() => serializeVolumeDescriptor({ ...spec, volumeId: 'Ü' }), InvalidArgumentError);
      assert.throws(() => serializeVolumeDescriptor({ ...spec, root: root.subarray(0, 33) }), InvalidArgumentError);
      assert.throws(() => serializeVolumeDescriptor({ ...spec, applicationUse: new Uint8Array(513) }), InvalidArgumentError);
      assert.throws(() => serializeVolumeDescriptor({ ...spec, volumeSpaceSize: 2 ** 32 }), InvalidArgumentError);
    });
    it('patchVolumeDescriptor changes only the layout fields (and the modification date when given)', () => {
      const orig = serializeVolumeDescriptor(spec);
      const root2 = serializeDirectoryRecord({ identifier: Uint8Array.of(0), lba: 99, dataLength: 4096, recorded: T0, flags: FILE_FLAGS.directory });
      const p = patchVolumeDescriptor(orig, { volumeSpaceSize: 777, pathTableSize: 50, lPathTableLba: 60, mPathTableLba: 61, root: root2 });
      assert.notEqual(p, orig);
      const sink = new DiagnosticSink();
      const vd = parseVolumeDescriptor(p, 16, sink) as PrimaryVd;
      noDiagnostics(sink);
      assert.deepEqual([vd.volumeSpaceSize, vd.pathTableSize, vd.lPathTableLba, vd.lPathTableOptLba, vd.mPathTableLba, vd.mPathTableOptLba, vd.root.extentLba, vd.root.dataLength], [777, 50, 60, 0, 61, 0, 99, 4096]);
      const changed = new Set<number>();
      for (let i = 0; i < 2048; i++) if (p[i] !== orig[i]) changed.add(i);
      for (const i of changed) assert.ok((i >= 80 && i < 88) || (i >= 132 && i < 156) || (i >= 156 && i < 190), `byte ${i} changed`);
      const q = patchVolumeDescriptor(orig, { volumeSpaceSize: 777, pathTableSize: 50, lPathTableLba: 60, mPathTableLba: 61, root: root2, modified: new Date(Date.UTC(2030, 5, 6)) });
      assert.equal((parseVolumeDescriptor(q, 16, sink) as PrimaryVd).modified?.iso, '2030-06-06T00:00:00+00:00');
      assert.deepEqual([...q.subarray(813, 830)], [...orig.subarray(813, 830)]);
      assert.throws(() => patchVolumeDescriptor(serializeTerminatorVd(), { volumeSpaceSize: 1, pathTableSize: 1, lPathTableLba: 1, mPathTableLba: 1, root: root2 }), InvalidArgumentError);
    });
    it('boot record (El Torito) and terminator', () => {
      const sink = new DiagnosticSink();
      const br = parseVolumeDescriptor(serializeBootRecordVd(0x1234), 17, sink);
      assert.ok(br.kind === 'boot');
      assert.equal(br.bootSystemId, 'EL TORITO SPECIFICATION');
      assert.equal(br.catalogLba, 0x1234);
      const t = parseVolumeDescriptor(serializeTerminatorVd(), 18, sink);
      assert.equal(t.kind, 'terminator');
      noDiagnostics(sink);
    });
  });

  describe('Rock Ridge entries (SUSP 1.12, RRIP 1.12)', () => {
    it('PX (with and without ino), TF, NM of a short name stay in the record', async () => {
      const { rr, continuation } = await rrRoundTrip({ ...baseAttrs, name: 'hello.txt', ino: 77 }, 'normal', bytes('HELLO.TXT;1'));
      assert.equal(continuation, null);
      assert.deepEqual(rr.px, { mode: 0o100644, nlink: 1, uid: 1000, gid: 100, ino: 77 });
      assert.equal(rr.nm, 'hello.txt');
      assert.equal(rr.tf?.modified?.date.getTime(), Date.UTC(2024, 1, 29, 13, 14, 15));
      assert.ok(rr.tf?.accessed && rr.tf.attributes && !rr.tf.created);
      const r2 = await rrRoundTrip({ ...baseAttrs, mtime: null, atime: null, ctime: null, name: 'x' }, 'normal', bytes('X.;1'));
      assert.deepEqual(r2.rr.px, { mode: 0o100644, nlink: 1, uid: 1000, gid: 100 });
      assert.equal(r2.rr.tf, undefined);
      assert.equal(r2.area.entries.find((e) => e.sig === 'PX')?.length, 36);
    });
    it('a 300-byte name is split into NM pieces across the record and a continuation area (CE)', async () => {
      const name = `${'ä'.repeat(100)}${'n'.repeat(99)}.txt`; // 200 + 99 + 4 = 303 bytes of UTF-8
      const { rr, area, inRecord, continuation } = await rrRoundTrip({ ...baseAttrs, name }, 'normal', bytes('AAAAAAAA.TXT;1'), { lba: 4, offset: 1000 });
      assert.ok(continuation);
      assert.equal(rr.nm, name);
      assert.deepEqual(area.continuations, [{ lba: 4, offset: 1000, length: continuation.length }]);
      const nms = area.entries.filter((e) => e.sig === 'NM');
      assert.ok(nms.length >= 2);
      for (const e of nms.slice(0, -1)) assert.equal(e.data[0] & 1, 1);
      assert.equal(nms[nms.length - 1].data[0], 0);
      assert.ok(inRecord.length <= systemUseRoom(14));
      assert.equal(String.fromCharCode(inRecord[inRecord.length - CE_ENTRY_LENGTH], inRecord[inRecord.length - CE_ENTRY_LENGTH + 1]), 'CE');
    });
    it('a long symlink target: ROOT/CURRENT/PARENT components, long components split with CONTINUE', async () => {
      const target = `/usr/./../${'c'.repeat(300)}/x//${'dd'.repeat(60)}/${'é'.repeat(130)}/`;
      const { rr, area } = await rrRoundTrip({ ...baseAttrs, mode: 0o120777, name: 'link', target }, 'normal', bytes('LINK.;1'));
      assert.equal(rr.sl, target, 'exactly: empty components ("x//", the trailing "/") are written as such');
      assert.ok(area.entries.filter((e) => e.sig === 'SL').length >= 3);
      assert.equal((await rrRoundTrip({ ...baseAttrs, target: '/' }, 'normal', bytes('L.;1'))).rr.sl, '/');
      assert.equal((await rrRoundTrip({ ...baseAttrs, target: '../a/b' }, 'normal', bytes('L.;1'))).rr.sl, '../a/b');
      // A target ending in "/" (a fuzz finding: a repack wrote "nowhere" for "nowhere/" and failed
      // its verification), doubled and leading slashes.
      for (const t of ['nowhere/', 'a//b/', '//x', '///', '//', 'x/./../y/']) {
        assert.equal((await rrRoundTrip({ ...baseAttrs, target: t }, 'normal', bytes('L.;1'))).rr.sl, t);
      }
      assert.throws(() => rripEntries({ ...baseAttrs, target: '' }, 'normal'), InvalidArgumentError);
    });
    it('PN, ZF, CL, PL and RE', async () => {
      const dev = await rrRoundTrip({ ...baseAttrs, mode: 0o20620, rdev: { major: 4, minor: 65 } }, 'normal', bytes('TTY.;1'));
      assert.deepEqual(dev.rr.pn, { high: 0, low: (4 << 8) | 65 });
      const big = await rrRoundTrip({ ...baseAttrs, mode: 0o60660, rdev: { major: 0x12345, minor: 0x6789a } }, 'normal', bytes('BLK.;1'));
      const { high, low } = big.rr.pn as { high: number; low: number };
      // glibc gnu_dev_major/minor of the 64-bit dev_t (what image.ts decodes)
      assert.equal(((low >>> 8) & 0xfff) | (high & 0xfffff000), 0x12345);
      assert.equal((low & 0xff) | ((low >>> 12) & 0xfff00) | ((high & 0xfff) * 0x100000), 0x6789a);
      const z = await rrRoundTrip({ ...baseAttrs, zisofs: { algorithm: 'pz', headerSizeDiv4: 4, log2BlockSize: 15, uncompressedSize: 123456 } }, 'normal', bytes('Z.;1'));
      assert.deepEqual(z.rr.zf, { algorithm: 'pz', headerSizeDiv4: 4, log2BlockSize: 15, uncompressedSize: 123456, version: 1 });
      const cl = await rrRoundTrip({ ...baseAttrs, mode: 0o40755, name: 'deep', childLink: 4242 }, 'normal', bytes('DEEP'));
      assert.equal(cl.rr.cl, 4242);
      const pl = await rrRoundTrip({ ...baseAttrs, mode: 0o40755, parentLink: 777 }, 'dotdot', Uint8Array.of(1));
      assert.equal(pl.rr.pl, 777);
      assert.equal(pl.rr.nm, undefined);
      const re = await rrRoundTrip({ ...baseAttrs, mode: 0o40755, name: 'deep', relocated: true }, 'normal', bytes('DEEP'));
      assert.equal(re.rr.re, true);
    });
    it('root ".": SP first (detectSusp), ER RRIP_1991A in the continuation area', async () => {
      const { rr, area, inRecord, continuation } = await rrRoundTrip({ ...baseAttrs, mode: 0o40755, name: 'ignored' }, 'root-dot', Uint8Array.of(0));
      assert.deepEqual(detectSusp(inRecord), { skip: 0 });
      assert.equal(area.entries[0].sig, 'SP');
      assert.ok(continuation);
      assert.deepEqual(area.extensions.map((e) => [e.id, e.version]), [['RRIP_1991A', 1]]);
      assert.match(area.extensions[0].descriptor, /^THE ROCK RIDGE INTERCHANGE PROTOCOL/);
      assert.equal(rr.nm, undefined);
      assert.equal(rr.px?.mode, 0o40755);
    });
    it('packSystemUse: everything fits → no CE; more than 2048 bytes of continuation → UnsupportedFeatureError', () => {
      const small = packSystemUse(rripEntries({ ...baseAttrs, name: 'a' }, 'normal'), 200);
      assert.equal(small.continuation, null);
      assert.equal(small.ceOffset, null);
      assert.throws(() => packSystemUse(rripEntries({ ...baseAttrs, name: 'n'.repeat(2500) }, 'normal'), 200), (e: unknown) => e instanceof UnsupportedFeatureError && /NM/.test(e.message));
      assert.throws(() => packSystemUse(rripEntries({ ...baseAttrs, name: 'n'.repeat(300) }, 'normal'), 20), UnsupportedFeatureError);
      assert.throws(() => patchCe(small.inRecord, 0, 1, 0, 10), InvalidArgumentError);
    });
    it('300 random names, targets and identifier lengths round-trip', async () => {
      const rand = prng(4711);
      const alphabet = ['a', 'Z', '9', '.', ' ', '-', 'é', 'ß', '中', '😀', '/'];
      const str = (n: number, slash: boolean) => {
        let s = '';
        while (s.length < n) { const c = alphabet[rand() % alphabet.length]; if (c !== '/' || slash) s += c; }
        return s;
      };
      for (let i = 0; i < 300; i++) {
        const name = str(1 + (rand() % 600), false);
        const target = rand() % 2 ? str(1 + (rand() % 500), true) : undefined;
        const idLen = 1 + (rand() % 120);
        const a: RripAttrs = { ...baseAttrs, name, target, ino: rand() % 2 ? i : undefined, rdev: rand() % 3 ? undefined : { major: rand() % 300, minor: rand() % 70000 } };
        const { rr } = await rrRoundTrip(a, 'normal', new Uint8Array(idLen).fill(0x41), { lba: 2 + (rand() % 4), offset: 0 });
        assert.equal(rr.nm, name);
        if (target !== undefined) assert.equal(rr.sl, target);
      }
    });
  });

  describe('names (ECMA-119 7.5, ISO 9660:1999, Joliet)', () => {
    /** 1000 distinct names with many shared prefixes, extensions, case and Unicode variants. */
    function generated(seed: number): NameRequest[] {
      const rand = prng(seed);
      const stems = ['longname', 'LongName', 'longname_with_many_characters_in_it_', 'file', 'Ünïcödé', 'a.b.c', '.hidden', 'with space', '😀emoji', 'x', 'CON', 'a*b?c:d'];
      const exts = ['', '.txt', '.TXT', '.tar.gz', '.jpeg', '.c', '.verylongextensionnamethatgoesonandonandon', '.'];
      const seen = new Set<string>();
      const out: NameRequest[] = [];
      while (out.length < 1000) {
        const stem = stems[rand() % stems.length];
        const name = stem + (rand() % 3 ? String(rand() % 400) : '') + (rand() % 5 === 0 ? 'x'.repeat(rand() % 250) : '') + exts[rand() % exts.length];
        if (seen.has(name)) continue;
        seen.add(name);
        out.push({ name, dir: rand() % 5 === 0 });
      }
      return out;
    }
    const reqs = generated(99);

    function checkUnique(names: string[], strip: boolean): void {
      assert.equal(new Set(names).size, names.length, 'identifiers are not unique');
      if (strip) assert.equal(new Set(names.map(stripVersion)).size, names.length, 'names are not unique once the version is stripped');
    }

    for (const level of [1, 2, 3] as const) {
      it(`level ${level}: 1000 names are legal d-character identifiers, unique, extensions kept`, () => {
        const names = isoNames(reqs, level);
        assert.equal(names.length, reqs.length);
        checkUnique(names, true);
        const maxDir = level === 1 ? 8 : 31;
        names.forEach((n, i) => {
          if (reqs[i].dir) {
            assert.match(n, /^[A-Z0-9_]+$/, n);
            assert.ok(n.length <= maxDir, n);
            return;
          }
          const m = /^([A-Z0-9_]+)\.([A-Z0-9_]*);1$/.exec(n);
          assert.ok(m, n);
          if (level === 1) assert.ok(m[1].length <= 8 && m[2].length <= 3, n);
          else assert.ok(m[1].length + m[2].length <= 30, n);
          const dot = reqs[i].name.lastIndexOf('.');
          const ext = dot > 0 ? reqs[i].name.slice(dot + 1).toUpperCase().replace(/[^A-Z0-9_]/g, '_') : '';
          if (ext.length <= (level === 1 ? 3 : 22)) assert.equal(m[2], ext, `${reqs[i].name} → ${n}`);
        });
        assert.deepEqual(isoNames(reqs, level), names, 'not deterministic');
        // The same directory listed in another order gets the same names.
        const perm = reqs.map((r, i) => ({ r, i })).sort((a, b) => (a.r.name < b.r.name ? 1 : -1));
        const again = isoNames(perm.map((p) => p.r), level);
        perm.forEach((p, j) => assert.equal(again[j], names[p.i]));
      });
    }
    it('level 4: up to 207 bytes, case kept, only NUL and / replaced, no version, unique', () => {
      const names = isoNames(reqs.concat([{ name: 'a/b\0c', dir: false }, { name: '\x01', dir: false }]), 4);
      checkUnique(names, false);
      for (const n of names) {
        assert.ok(encodeIsoIdentifier(n).length <= 207, n);
        assert.ok(!/[\0/]/.test(n) && n !== '\x01' && !n.endsWith(';1'), n);
      }
      assert.equal(names[1000], 'a_b_c');
      assert.equal(names[1001], '_');
      assert.ok(names.includes('Ünïcödé.txt') || reqs.every((r) => r.name !== 'Ünïcödé.txt'));
      const long = isoNames([{ name: `${'é'.repeat(150)}.txt`, dir: false }, { name: `${'é'.repeat(151)}.txt`, dir: false }], 4);
      for (const n of long) { assert.ok(n.endsWith('.txt')); assert.ok(encodeIsoIdentifier(n).length <= 207); }
      assert.notEqual(long[0], long[1]);
    });
    it('collisions get counters in place of the tail of the base, like genisoimage/xorriso', () => {
      const r = (name: string, dir = false) => ({ name, dir });
      assert.deepEqual(isoNames([r('longname1.txt'), r('longname2.txt'), r('longname3.txt')], 1), ['LONGNAME.TXT;1', 'LONGNA00.TXT;1', 'LONGNA01.TXT;1']);
      assert.deepEqual(isoNames([r('readme.txt'), r('README.TXT')], 1), ['README00.TXT;1', 'README.TXT;1']);
      assert.deepEqual(isoNames([r('readme'), r('my.dir', true), r('.bashrc'), r('a')], 1), ['README.;1', 'MY_DIR', '_BASHRC.;1', 'A.;1']);
      assert.deepEqual(isoNames([r('a'), r('a', true)].reverse(), 2), ['A', 'A00.;1']);
      assert.deepEqual(isoNames([r('archive.tar.gz')], 2), ['ARCHIVE_TAR.GZ;1']);
      assert.deepEqual(isoNames([r('x'.repeat(40) + '.txt'), r('x'.repeat(41) + '.txt')], 2), [`${'X'.repeat(27)}.TXT;1`, `${'X'.repeat(25)}00.TXT;1`]);
      // The extension gives way only when the base cannot hold the counter.
      const e = 'E'.repeat(29);
      assert.deepEqual(isoNames([r(`a.${e}1`), r(`a.${e}2`)], 3), [`A.${e};1`, `00.${'E'.repeat(28)};1`]);
    });
    for (const max of [64, 103] as const) {
      it(`Joliet (${max} characters): legal, unique, extension kept`, () => {
        const names = jolietNames(reqs, max);
        checkUnique(names, false);
        names.forEach((n, i) => {
          assert.ok(n.length <= max, n);
          // eslint-disable-next-line no-control-regex
          assert.ok(!/[\0-\x1f*/:;?\\\ud800-\udfff]/.test(n), n);
          const ext = /\.[a-z]{1,4}$/i.exec(reqs[i].name);
          if (!reqs[i].dir && ext) assert.ok(n.endsWith(ext[0]), `${reqs[i].name} → ${n}`);
          assert.equal(encodeJolietIdentifier(n).length, n.length * 2);
        });
        const r = (name: string) => ({ name, dir: false });
        assert.deepEqual(jolietNames([r('a*b?.txt'), r('a_b_.txt'), r('😀.txt')], max), ['a_b_00.txt', 'a_b_.txt', '_.txt']);
      });
    }
    it('encodeJolietIdentifier: UCS-2 BE, outside the BMP → _', () => {
      assert.deepEqual([...encodeJolietIdentifier('aé😀')], [0x00, 0x61, 0x00, 0xe9, 0x00, 0x5f]);
    });
    it('compareIdentifiers: name, then extension (space padded), then version descending', () => {
      const ids = ['A.B;1', 'AB.;1', 'A.;1', 'A.B;2', 'A.BC;1', 'B', '_', 'A0.;1', 'A.B;10'];
      const sorted = ids.map(bytes).sort(compareIdentifiers).map((b) => String.fromCharCode(...b));
      assert.deepEqual(sorted, ['A.;1', 'A.B;10', 'A.B;2', 'A.B;1', 'A.BC;1', 'A0.;1', 'AB.;1', 'B', '_']);
      assert.ok(compareIdentifiers(Uint8Array.of(0), Uint8Array.of(1)) < 0);
      assert.ok(compareIdentifiers(Uint8Array.of(1), bytes('A.;1')) < 0);
      const j = ['ab', 'a', 'a.b', 'B', 'é'].map(encodeJolietIdentifier).sort((x, y) => compareIdentifiers(x, y, true));
      assert.deepEqual(j.map((b) => String.fromCharCode(...Array.from({ length: b.length / 2 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]))), ['B', 'a', 'a.b', 'ab', 'é']);
    });
  });

  describe('a hand-assembled image read by xorriso, isoinfo and 7z', function () {
    this.timeout(60_000);
    // Layout (2048-byte blocks):
    //   0-15  system area, zeros
    //   16    PVD: serializeVolumeDescriptor (23 blocks, path tables at 18/19, root at 20)
    //   17    terminator: serializeTerminatorVd
    //   18/19 type L / type M path table: serializePathTable([root], true / false)
    //   20    root directory: "." (rripEntries 'root-dot': SP, PX, TF + CE → ER at 22),
    //         ".." (PX, TF), "HELLO.TXT;1" (PX, TF, NM "hello.txt") → data at 21,
    //         "LINK.;1" (SL of a 310-byte target, CE), "________.TXT;1" (239-byte NM, CE) → data at 21
    //   21    "Hello, ISO Workbench!\n"
    //   22    continuation areas: the root's "." record (ER RRIP_1991A), then the two long entries
    // Checked with:
    //   xorriso -indev IMG -find / -exec lsdl         → -rw-r--r-- … 22 … '/hello.txt'
    //   isoinfo -R -l -i IMG                          → … 22 … hello.txt, the long name, link -> target
    //   7z l IMG                                      → hello.txt (22 bytes), the long name
    //   xorriso -osirrox on -indev IMG -extract /hello.txt OUT  → the content
    const content = new TextEncoder().encode('Hello, ISO Workbench!\n');
    // 239 bytes: more than the record holds (NM split + CE), within NAME_MAX (xorriso and isoinfo cut longer names)
    const longName = `${'ä'.repeat(60)}${'n'.repeat(115)}.txt`;
    const linkTarget = `/usr/../${'c'.repeat(300)}/x`; // SL component split with CONTINUE, + CE
    let dir: string;
    let img: string;

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-serialize-'));
      img = path.join(dir, 'hand.iso');
      const image = new Uint8Array(23 * BS);
      const when = new Date(Date.UTC(2024, 4, 6, 7, 8, 9));
      const dirAttrs: RripAttrs = { mode: 0o40755, nlink: 2, uid: 0, gid: 0, mtime: when, atime: when, ctime: when };

      const dot = packSystemUse(rripEntries(dirAttrs, 'root-dot'), systemUseRoom(1));
      assert.ok(dot.continuation && dot.ceOffset !== null);
      patchCe(dot.inRecord, dot.ceOffset, 22, 0, dot.continuation.length);
      image.set(dot.continuation, 22 * BS);
      const dotdot = packSystemUse(rripEntries(dirAttrs, 'dotdot'), systemUseRoom(1));
      const fileAttrs: RripAttrs = { mode: 0o100644, nlink: 1, uid: 1000, gid: 1000, mtime: when, atime: when, ctime: when };
      const entries = [
        { req: { name: 'hello.txt', dir: false }, lba: 21, size: content.length, attrs: { ...fileAttrs, name: 'hello.txt' } },
        { req: { name: longName, dir: false }, lba: 21, size: content.length, attrs: { ...fileAttrs, name: longName } },
        { req: { name: 'link', dir: false }, lba: 0, size: 0, attrs: { ...fileAttrs, mode: 0o120777, name: 'link', target: linkTarget } },
      ];
      const ids = isoNames(entries.map((e) => e.req), 1).map(encodeIsoIdentifier);
      assert.equal(String.fromCharCode(...ids[0]), 'HELLO.TXT;1');
      let ceOffset = dot.continuation.length;
      const fileRecords = entries.map((e, i) => {
        const su = packSystemUse(rripEntries(e.attrs, 'normal'), systemUseRoom(ids[i].length));
        if (i === 0) assert.equal(su.continuation, null);
        if (su.continuation && su.ceOffset !== null) {
          patchCe(su.inRecord, su.ceOffset, 22, ceOffset, su.continuation.length);
          image.set(su.continuation, 22 * BS + ceOffset);
          ceOffset += su.continuation.length;
        }
        return { id: ids[i], rec: serializeDirectoryRecord({ identifier: ids[i], lba: e.lba, dataLength: e.size, recorded: when, flags: 0, systemUse: su.inRecord }) };
      }).sort((a, b) => compareIdentifiers(a.id, b.id));
      const records = [
        serializeDirectoryRecord({ identifier: Uint8Array.of(0), lba: 20, dataLength: BS, recorded: when, flags: FILE_FLAGS.directory, systemUse: dot.inRecord }),
        serializeDirectoryRecord({ identifier: Uint8Array.of(1), lba: 20, dataLength: BS, recorded: when, flags: FILE_FLAGS.directory, systemUse: dotdot.inRecord }),
        ...fileRecords.map((r) => r.rec),
      ];
      let pos = 20 * BS;
      for (const r of records) { image.set(r, pos); pos += r.length; }
      image.set(content, 21 * BS);

      const pt: PathTableSpecEntry[] = [{ identifier: Uint8Array.of(0), lba: 20, parent: 1 }];
      const l = serializePathTable(pt, true), m = serializePathTable(pt, false);
      image.set(l, 18 * BS);
      image.set(m, 19 * BS);
      const rootRec = serializeDirectoryRecord({ identifier: Uint8Array.of(0), lba: 20, dataLength: BS, recorded: when, flags: FILE_FLAGS.directory });
      image.set(serializeVolumeDescriptor({
        type: 1, systemId: 'LINUX', volumeId: 'HAND_MADE', volumeSetId: '', publisherId: '', preparerId: 'ISO WORKBENCH TEST',
        applicationId: '', copyrightFileId: '', abstractFileId: '', bibliographicFileId: '',
        volumeSpaceSize: 23, pathTableSize: l.length, lPathTableLba: 18, mPathTableLba: 19, root: rootRec,
        created: when, modified: when, expires: null, effective: null,
      }), 16 * BS);
      image.set(serializeTerminatorVd(), 17 * BS);
      fs.writeFileSync(img, image);
    });
    after(() => { if (dir && !process.env.KEEP_SERIALIZE_IMAGE) fs.rmSync(dir, { recursive: true, force: true }); });

    it('our own reader sees the Rock Ridge name', async () => {
      const src = new MemorySource(new Uint8Array(fs.readFileSync(img)));
      const sink = new DiagnosticSink();
      const recs = await readDirectory(src, 20, BS, BS, { joliet: false, path: '/' }, sink);
      assert.deepEqual(recs.map((r) => r.name), ['.', '..', 'HELLO.TXT;1', 'LINK.;1', '________.TXT;1']);
      const rr = await Promise.all(recs.slice(2).map(async (r) => {
        const area = await readSuspArea(r.systemUse, r.systemUseOffset, 0, (o, n) => src.read(o, n), BS, sink, r.name);
        return parseRockRidge(area.entries, sink, r.name);
      }));
      assert.deepEqual(rr.map((x) => [x.nm, x.sl]), [['hello.txt', undefined], ['link', linkTarget], [longName, undefined]]);
      noDiagnostics(sink);
    });
    it('xorriso lists /hello.txt with its size and mode and extracts its content', async () => {
      const ls = await runText('xorriso', ['-indev', img, '-find', '/', '-exec', 'lsdl']);
      const line = ls.split('\n').find((x) => x.includes('hello.txt'));
      assert.ok(line, ls);
      assert.match(line, /^-rw-r--r--\s+1\s+1000\s+1000\s+22\s.*'\/hello\.txt'$/);
      assert.ok(ls.includes(`'/${longName}'`), ls);
      assert.ok(ls.includes(`'/link' -> '${linkTarget}'`), ls);
      const out = path.join(dir, 'out.txt');
      const r = await run('xorriso', ['-osirrox', 'on', '-indev', img, '-extract', '/hello.txt', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(new Uint8Array(fs.readFileSync(out)), content);
      assert.doesNotMatch(r.stderr, /SORRY|FAILURE|WARNING/, r.stderr);
    });
    it('isoinfo -R lists hello.txt with its size', async () => {
      const ls = await runText('isoinfo', ['-R', '-l', '-i', img]);
      const line = ls.split('\n').find((x) => /\bhello\.txt\b/.test(x));
      assert.ok(line, ls);
      assert.match(line, /-rw-r--r--.*\s22\s/);
      assert.ok(ls.includes(` ${longName} `), ls);
      assert.ok(ls.includes(`link -> ${linkTarget}`), ls);
      const pvd = await runText('isoinfo', ['-d', '-i', img]);
      assert.match(pvd, /Volume id: HAND_MADE/);
      assert.match(pvd, /Rock Ridge signatures version 1 found/);
    });
    it('7z lists hello.txt with its size', async () => {
      const ls = await runText('7z', ['l', img]);
      const line = ls.split('\n').find((x) => /hello\.txt/i.test(x));
      assert.ok(line, ls);
      assert.match(line, /\s22\s/);
      // 7z shows only the start of long Rock Ridge names (it does the same with xorriso's images).
      assert.ok(ls.split('\n').some((x) => /\s22\s+22\s+ääääää/.test(x)), ls);
    });
  });
});
