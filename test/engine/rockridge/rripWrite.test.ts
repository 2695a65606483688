// Rock Ridge serialization of a directory record (src/engine/rockridge/rripWrite.ts): rripEntries,
// packSystemUse and patchCe round-tripped through the SUSP and RRIP parsers, plus one image
// assembled by hand from the writer's serializers and checked with xorriso, isoinfo and 7z.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiagnosticSink, InvalidArgumentError, UnsupportedFeatureError } from '../../../src/engine/errors';
import { MemorySource } from '../../../src/engine/io/source';
import { FILE_FLAGS, parseDirectoryRecord, readDirectory, serializeDirectoryRecord, systemUseRoom } from '../../../src/engine/iso9660/directoryRecord';
import { compareIdentifiers, encodeIsoIdentifier, isoNames } from '../../../src/engine/iso9660/names';
import { serializePathTable, type PathTableSpecEntry } from '../../../src/engine/iso9660/pathTable';
import { serializeTerminatorVd, serializeVolumeDescriptor } from '../../../src/engine/iso9660/volumeDescriptor';
import { parseRockRidge, type RockRidge } from '../../../src/engine/rockridge/rrip';
import { CE_ENTRY_LENGTH, packSystemUse, patchCe, rripEntries, type RripAttrs } from '../../../src/engine/rockridge/rripWrite';
import { detectSusp, readSuspArea, type SuspArea } from '../../../src/engine/rockridge/susp';
import { run, runText } from '../../peers/run';
import { prng } from '../../util/prng';
import { ascii as bytes, noDiagnostics, T0 } from '../iso9660/helpers';
import { BS } from './helpers';

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
