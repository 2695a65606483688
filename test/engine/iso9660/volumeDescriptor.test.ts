// ECMA-119 8 the volume descriptor set (src/engine/iso9660/volumeDescriptor.ts): boot record,
// partition, terminator and unknown descriptors, the set reader on hand-made sectors, the boot
// record and terminator serializers, and whole images made by xorriso / genisoimage read from the
// set down (descriptors, directories, path tables) and checked against isoinfo / xorriso.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorruptImageError, DiagnosticSink, IsoError } from '../../../src/engine/errors';
import { FileSource } from '../../../src/engine/io/fileSource';
import { MemorySource } from '../../../src/engine/io/source';
import { readDirectory, type DirectoryRecord } from '../../../src/engine/iso9660/directoryRecord';
import { crossCheckPathTables, readPathTable } from '../../../src/engine/iso9660/pathTable';
import {
  parseVolumeDescriptor, readVolumeDescriptorSet, serializeBootRecordVd, serializeTerminatorVd, type BootRecordVd, type PartitionVd, type PrimaryVd,
} from '../../../src/engine/iso9660/volumeDescriptor';
import { ascii, assertTiles, both32, image, noDiagnostics, putText, pvdSector, simpleVd } from './helpers';

describe('iso9660 volume descriptors', () => {
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

// ---- serializing --------------------------------------------------------------------------------

describe('serializers (writer) round-trip through the parsers', function () {
  describe('volume descriptors (ECMA-119 8.2–8.5, El Torito 2.0)', () => {
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
