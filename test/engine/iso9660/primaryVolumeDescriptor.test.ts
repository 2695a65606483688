// ECMA-119 8.4 primary and 8.5 supplementary (Joliet, ISO 9660:1999 enhanced) volume descriptors
// (src/engine/iso9660/primaryVolumeDescriptor.ts): the parser on hand-made sectors, and
// serializeVolumeDescriptor / patchVolumeDescriptor round-tripped through it.
import * as assert from 'node:assert/strict';
import { DiagnosticSink, InvalidArgumentError } from '../../../src/engine/errors';
import { FILE_FLAGS, serializeDirectoryRecord } from '../../../src/engine/iso9660/directoryRecord';
import {
  JOLIET_ESCAPES, patchVolumeDescriptor, serializeVolumeDescriptor, type PrimaryVd, type VolumeDescriptorSpec,
} from '../../../src/engine/iso9660/primaryVolumeDescriptor';
import { parseVolumeDescriptor, serializeTerminatorVd } from '../../../src/engine/iso9660/volumeDescriptor';
import { assertTiles, both16, both32, noDiagnostics, pvdSector, T0 } from './helpers';

// ---- parsing ------------------------------------------------------------------------------------

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
});

// ---- serializing --------------------------------------------------------------------------------

describe('serializers (writer) round-trip through the parsers', function () {
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
  });
});
