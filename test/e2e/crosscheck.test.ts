// Black-box cross-checks: our CLI (dist/isowb.js, built by `npm run build`) against xorriso,
// isoinfo, 7z, bsdtar, dumpet and fdisk on every generated fixture (test/fixtures/gen) and on the
// two real GRUB rescue images from Debian's grub-rescue-pc package.
// The >4 GiB multi-extent fixture is always included (it is sparse: cheap on disk).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { fixture, listFixtures, realImage, REAL_IMAGES } from '../fixtures/build';
import { bsdtarExtract, bsdtarList } from '../peers/bsdtar';
import { dumpet } from '../peers/dumpet';
import { fdiskList } from '../peers/fdisk';
import { isoinfoList, isoinfoPvd, jolietAsIsoinfoPrints } from '../peers/isoinfo';
import { S_IFMT, TYPE_BITS } from '../peers/run';
import { sevenZipList } from '../peers/sevenzip';
import { guidFromRawHex, xorrisoElTorito, xorrisoExtract, xorrisoLsdl, xorrisoPvdInfo, xorrisoSystemArea, xorrisoToc } from '../peers/xorriso';
import { CLI, isowb, normIso, ourInfo, ourLs, rmrf, sha256Of, tmpDir, TreeNode, walkTree } from './helpers';

const BIG = 1 << 30; // images larger than this are handled with streaming/sparse extraction

interface Subject {
  name: string;
  get: () => Promise<string>;
  large: boolean;
}

const subjects: Subject[] = [
  ...listFixtures()
    .filter((f) => !f.hostile && !f.noPeers)
    .map((f) => ({ name: f.name, get: () => fixture(f.name), large: f.large })),
  ...REAL_IMAGES.map((n) => ({ name: n, get: () => realImage(n), large: false })),
];

function memo<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

const byPath = <T extends { path: string }>(xs: T[]) => new Map(xs.map((x) => [x.path, x]));
const sortedKeys = (m: Map<string, unknown>) => [...m.keys()].sort();

/** Asserts two path sets are equal, listing what is missing on each side. */
function assertSamePaths(ours: string[], theirs: string[], peer: string): void {
  const a = new Set(ours);
  const b = new Set(theirs);
  const onlyOurs = [...a].filter((p) => !b.has(p));
  const onlyTheirs = [...b].filter((p) => !a.has(p));
  assert.deepEqual({ onlyOurs, onlyTheirs }, { onlyOurs: [], onlyTheirs: [] }, `path sets differ from ${peer}`);
}

/** 16 raw digits YYYYMMDDhhmmsscc + the GMT offset byte (15-minute units) -> epoch seconds. */
function ecmaDigitsToEpoch(d: string, offset15: number): number | null {
  if (!/^\d{16}$/.test(d) || /^0+$/.test(d)) return null;
  const t = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(8, 10), +d.slice(10, 12), +d.slice(12, 14));
  return Math.floor(t / 1000) - offset15 * 15 * 60;
}

/** Reads the signed GMT-offset bytes of the PVD creation (813+16) and modification (830+16) dates. */
function pvdOffsets(image: string): { created: number; modified: number } {
  const fd = fs.openSync(image, 'r');
  try {
    const b = Buffer.alloc(2048);
    fs.readSync(fd, b, 0, 2048, 16 * 2048);
    return { created: b.readInt8(813 + 16), modified: b.readInt8(830 + 16) };
  } finally {
    fs.closeSync(fd);
  }
}

const toEpoch = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  const ms = typeof v === 'number' ? v : Date.parse(String(v));
  assert.ok(Number.isFinite(ms), `unparseable date ${JSON.stringify(v)}`);
  return Math.floor(ms / 1000);
};

const PLATFORM: Record<string, string | number> = { BIOS: 'x86', UEFI: 'efi', PPC: 'ppc', Mac: 'mac' };
const EMULATION: Record<string, string> = { none: 'none', 'fd1.2': 'floppy1.2', 'fd1.4': 'floppy1.44', 'fd2.8': 'floppy2.88', hd: 'hdd' };
/** dumpet's words ("no emulation", "1.44MB floppy diskette emulation", "hard disk emulation"). */
function dumpetEmulation(s: string): string {
  if (/no emulation/i.test(s)) return 'none';
  if (/hard disk/i.test(s)) return 'hdd';
  const m = /(1\.2|1\.44|2\.88)\s*MB? floppy/i.exec(s);
  return m ? `floppy${m[1]}` : s;
}
/** El Torito: a load segment of 0 means the BIOS default 0x7C0; either spelling is accepted. */
function assertSegment(ours: number, raw: number, what: string): void {
  const norm = (v: number) => (v === 0 ? 0x7c0 : v);
  assert.equal(norm(ours), norm(raw), what);
}
const platformOf = (p: string): string | number => PLATFORM[p] ?? parseInt(p, 16);

describe('cross-check against real tools', function () {
  this.timeout(20 * 60_000);

  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  });

  for (const s of subjects) {
    describe(s.name, function () {
      let img = '';
      before(async function () {
        img = await s.get();
      });
      const info = memo(() => ourInfo(img));
      const ours = memo(() => ourLs(img));
      const hasRR = memo(async () => ((await info()).namespaces as string[]).includes('rr'));
      const hasJoliet = memo(async () => ((await info()).namespaces as string[]).includes('joliet'));
      const isBig = () => fs.statSync(img).size > BIG;
      /** Our default view with ISO names normalised when neither RR nor Joliet is there. */
      const oursNorm = memo(async () => {
        const iso = !(await hasRR()) && !(await hasJoliet());
        return (await ours()).map((e) => (iso ? { ...e, path: normIso(e.path) } : e));
      });
      const cleanup: string[] = [];
      const bsdtarTree = memo(async () => {
        const dir = tmpDir(`bsdtar-${s.name}`);
        cleanup.push(dir);
        const r = await bsdtarExtract(img, dir, isBig() ? ['-S'] : []);
        assert.equal(r.code, 0, `bsdtar xf failed: ${r.stderr}`);
        return { dir, tree: await walkTree(dir) };
      });
      after(function () {
        for (const d of cleanup) rmrf(d);
      });

      it('namespaces and volume ids match isoinfo -d and xorriso -pvd_info', async function () {
        const [inf, pvd, xp] = [await info(), await isoinfoPvd(img), await xorrisoPvdInfo(img)];
        const v = inf.volume;
        const t = (x: unknown) => String(x ?? '').trim();
        for (const k of ['systemId', 'volumeId', 'volumeSetId', 'publisherId', 'preparerId', 'applicationId'] as const) {
          assert.equal(t(v[k]), t(pvd[k]), `${k} vs isoinfo`);
          assert.equal(t(v[k]), t(xp[k]), `${k} vs xorriso`);
        }
        assert.equal(v.blockSize, pvd.blockSize, 'blockSize');
        assert.equal(v.volumeBlocks, pvd.volumeBlocks, 'volumeBlocks');
        assert.equal((inf.namespaces as string[]).includes('joliet'), pvd.joliet, 'joliet presence vs isoinfo');
        assert.equal((inf.namespaces as string[]).includes('rr'), pvd.rockRidge, 'Rock Ridge presence vs isoinfo');
        const off = pvdOffsets(img);
        assert.equal(toEpoch(v.created), ecmaDigitsToEpoch(xp.created, off.created), 'created');
        assert.equal(toEpoch(v.modified), ecmaDigitsToEpoch(xp.modified, off.modified), 'modified');
      });

      it('ls -R --json matches xorriso lsdl (paths, types, sizes, modes, owners, link targets)', async function () {
        const mine = byPath(await oursNorm());
        const theirs = (await xorrisoLsdl(img)).filter((e) => e.path !== '/');
        const rr = await hasRR();
        const iso = !rr && !(await hasJoliet());
        const their = byPath(theirs.map((e) => (iso ? { ...e, path: normIso(e.path) } : e)));
        // xorriso lists the (emptied) /rr_moved of relocated trees; hiding it is allowed, but if we
        // show it, it must be a directory
        if (their.has('/rr_moved') && !mine.has('/rr_moved')) their.delete('/rr_moved');
        assertSamePaths(sortedKeys(mine), sortedKeys(their), 'xorriso');
        for (const [p, x] of their) {
          const o = mine.get(p)!;
          assert.equal(o.type, x.type, `type of ${p}`);
          if (x.type === 'file') assert.equal(o.size, x.size, `size of ${p}`);
          if (x.target !== undefined) assert.equal(o.target, x.target, `symlink target of ${p}`);
          // Without Rock Ridge both show the kernel's default, r-x for everybody (fs/isofs).
          assert.equal(o.mode & 0o7777, x.perm, `permissions of ${p}: ${(o.mode & 0o7777).toString(8)} vs ${x.perm.toString(8)}`);
          assert.equal(o.mode & S_IFMT, TYPE_BITS[x.type], `type bits of mode of ${p}`);
          if (rr) {
            assert.equal(o.uid, x.uid, `uid of ${p}`);
            assert.equal(o.gid, x.gid, `gid of ${p}`);
          }
        }
      });

      it('nlink matches the Rock Ridge PX field as isoinfo -R -l prints it', async function () {
        if (!(await hasRR())) {
          // no PX entries without Rock Ridge: nothing to compare; assert that our view is plain
          assert.ok(!(await ours()).some((e) => e.type === 'symlink'), 'symlinks without Rock Ridge?');
          return;
        }
        const mine = byPath(await ours());
        for (const e of await isoinfoList(img, 'rr')) {
          const o = mine.get(e.path);
          if (!o) continue; // path sets are checked against xorriso; isoinfo shows rr_moved contents too
          assert.equal(o.nlink, e.nlink, `nlink of ${e.path}`);
        }
      });

      it('ls matches bsdtar tvf (paths, types, sizes)', async function () {
        const mine = byPath(await oursNorm());
        const iso = !(await hasRR()) && !(await hasJoliet());
        const their = byPath((await bsdtarList(img)).map((e) => (iso ? { ...e, path: normIso(e.path) } : e)));
        const mineKeys = sortedKeys(mine).filter((p) => p !== '/rr_moved'); // bsdtar always hides rr_moved
        assertSamePaths(mineKeys, sortedKeys(their), 'bsdtar');
        for (const [p, x] of their) {
          const o = mine.get(p)!;
          assert.equal(o.type, x.type, `type of ${p}`);
          if (x.type === 'file' && x.hardlinkTo === undefined) assert.equal(o.size, x.size, `size of ${p}`);
          if (x.target !== undefined) assert.equal(o.target, x.target, `target of ${p}`);
        }
      });

      it('Joliet/ISO view matches 7z l -slt (paths, sizes)', async function () {
        const joliet = await hasJoliet();
        if (!joliet && (await hasRR())) {
          // 7z then mixes RR names with the unrelocated ISO tree (see peers/sevenzip.ts): only the
          // non-relocated files are comparable, by name and size
          const mine = byPath(await ours());
          const seven = (await sevenZipList(img)).filter((e) => !e.path.startsWith('/[BOOT]/') && !/^\/rr_moved\//i.test(e.path));
          const zisofs = s.name === 'zisofs';
          let compared = 0;
          for (const x of seven) {
            const o = mine.get(x.path);
            assert.ok(o || /^\/rr_moved$/i.test(x.path), `7z lists ${x.path}, we do not`);
            if (o && !x.dir && o.type === 'file' && !zisofs) {
              assert.equal(o.size, x.size, `size of ${x.path}`);
              compared++;
            }
          }
          assert.ok(compared > 0 || zisofs, 'nothing compared with 7z');
          return;
        }
        const mine = byPath((await ourLs(img, joliet ? 'joliet' : 'iso9660')).map((e) => (joliet ? e : { ...e, path: normIso(e.path) })));
        const their = byPath((await sevenZipList(img)).filter((e) => !e.path.startsWith('/[BOOT]/')));
        assertSamePaths(sortedKeys(mine), sortedKeys(their), '7z');
        const zisofs = s.name === 'zisofs'; // 7z can't decompress zisofs: it reports stored sizes
        for (const [p, x] of their) {
          const o = mine.get(p)!;
          assert.equal(o.type === 'dir', x.dir, `dir-ness of ${p}`);
          if (!x.dir && !zisofs) assert.equal(o.size, x.size, `size of ${p}`);
        }
      });

      it('--namespace iso9660 matches isoinfo -l (paths, sizes, extent LBAs)', async function () {
        const mine = byPath((await ourLs(img, 'iso9660')).map((e) => ({ ...e, path: normIso(e.path) })));
        const their = byPath((await isoinfoList(img, 'iso9660')).map((e) => ({ ...e, path: normIso(e.path) })));
        assertSamePaths(sortedKeys(mine), sortedKeys(their), 'isoinfo -l');
        for (const [p, x] of their) {
          const o = mine.get(p)!;
          assert.equal(o.type === 'dir', x.type === 'dir', `dir-ness of ${p}`);
          if (x.type !== 'dir') {
            assert.equal(o.size, x.size, `size of ${p}`);
            if (x.size > 0) assert.deepEqual(o.extents.map((e) => e.lba), x.extents.map((e) => e.lba), `extent LBAs of ${p}`);
          } else assert.equal(o.extents[0]?.lba, x.extents[0].lba, `directory LBA of ${p}`);
        }
      });

      it('--namespace joliet matches isoinfo -J -l (or is refused when there is no Joliet)', async function () {
        if (!(await hasJoliet())) {
          const r = await isowb(['ls', img, '/', '-R', '--json', '--namespace', 'joliet']);
          assert.equal(r.code, 1, 'asking for a missing namespace is an error');
          assert.ok(r.stderr.trim().length > 0, 'with a message');
          return;
        }
        const mine = byPath((await ourLs(img, 'joliet')).map((e) => ({ ...e, path: jolietAsIsoinfoPrints(e.path) })));
        const their = byPath(await isoinfoList(img, 'joliet'));
        assertSamePaths(sortedKeys(mine), sortedKeys(their), 'isoinfo -J -l');
        for (const [p, x] of their) {
          const o = mine.get(p)!;
          assert.equal(o.type === 'dir', x.type === 'dir', `dir-ness of ${p}`);
          if (x.type !== 'dir') assert.equal(o.size, x.size, `size of ${p}`);
        }
      });

      it('isowb cat gives the same bytes as bsdtar and xorriso extraction (sha256 of every file)', async function () {
        const files = (await ours()).filter((e) => e.type === 'file');
        assert.ok(files.length > 0, 'no files listed');
        if (isBig()) {
          // stream everything: isowb cat vs bsdtar -xOf vs xorriso -extract with sparse output
          const xdir = tmpDir(`xorriso-${s.name}`);
          try {
            const r = await sha256Of('xorriso', ['-osirrox', 'on:sparse=1m', '-indev', img, '-extract', '/', xdir]);
            assert.equal(r.code, 0, r.stderr);
            for (const f of files) {
              const a = await sha256Of(process.execPath, [CLI, 'cat', img, f.path]);
              assert.equal(a.code, 0, `isowb cat ${f.path}: ${a.stderr}`);
              assert.equal(a.bytes, f.size, `bytes of ${f.path}`);
              const b = await sha256Of('bsdtar', ['-xOf', img, f.path.slice(1)]);
              assert.equal(a.hash, b.hash, `${f.path} vs bsdtar`);
              const c = await sha256Of('cat', [path.join(xdir, f.path)]);
              assert.equal(a.hash, c.hash, `${f.path} vs xorriso`);
            }
          } finally {
            rmrf(xdir);
          }
          return;
        }
        const bt = (await bsdtarTree()).tree;
        const xdir = tmpDir(`xorriso-${s.name}`);
        try {
          await xorrisoExtract(img, xdir);
          const xt = await walkTree(xdir);
          const iso = !(await hasRR()) && !(await hasJoliet());
          const key = (p: string) => (iso ? normIso(p) : p);
          const norm = (t: Map<string, TreeNode>) => new Map([...t].map(([k, v]) => [key(k), v]));
          const [btn, xtn] = [norm(bt), norm(xt)];
          for (const f of files) {
            const a = await sha256Of(process.execPath, [CLI, 'cat', img, f.path]);
            assert.equal(a.code, 0, `isowb cat ${f.path}: ${a.stderr}`);
            assert.equal(a.bytes, f.size, `bytes of ${f.path}`);
            const p = key(f.path);
            assert.equal(a.hash, btn.get(p)?.sha256, `${f.path} vs bsdtar`);
            assert.equal(a.hash, xtn.get(p)?.sha256, `${f.path} vs xorriso`);
          }
        } finally {
          rmrf(xdir);
        }
      });

      it('isowb extract of the whole image equals bsdtar xf (content, symlinks, modes, mtimes)', async function () {
        const { tree: bt } = await bsdtarTree();
        const dir = tmpDir(`ours-${s.name}`);
        try {
          const r = await isowb(['extract', img, '-o', dir]);
          assert.equal(r.code, 0, `isowb extract failed: ${r.stderr}`);
          const mine = await walkTree(dir);
          const iso = !(await hasRR()) && !(await hasJoliet());
          const key = (p: string) => (iso ? normIso(p) : p);
          const theirs = new Map([...bt].map(([k, v]) => [key(k), v]));
          const mineN = new Map([...mine].map(([k, v]) => [key(k), v]));
          const special = (t: string) => t === 'char' || t === 'block' || t === 'fifo' || t === 'socket';
          // device nodes/fifos are not part of the extract contract: compared only if we made them
          const theirKeys = [...theirs.keys()].filter((k) => !special(theirs.get(k)!.type) || mineN.has(k));
          assertSamePaths([...mineN.keys()].filter((k) => k !== '/rr_moved'), theirKeys, 'bsdtar xf');
          const rr = await hasRR();
          for (const k of theirKeys) {
            const [o, t] = [mineN.get(k)!, theirs.get(k)!];
            assert.equal(o.type, t.type, `type of ${k}`);
            if (t.type === 'file') {
              assert.equal(o.size, t.size, `size of ${k}`);
              assert.equal(o.sha256, t.sha256, `content of ${k}`);
            }
            if (t.type === 'symlink') assert.equal(o.target, t.target, `target of ${k}`);
            if (rr) assert.equal(o.perm.toString(8), t.perm.toString(8), `permissions of ${k}`);
            if (t.type !== 'symlink' || rr) assert.equal(o.mtimeSec, t.mtimeSec, `mtime of ${k}`);
          }
        } finally {
          rmrf(dir);
        }
      });

      it('El Torito entries match xorriso -report_el_torito and dumpet', async function () {
        const inf = await info();
        const [xe, de] = [await xorrisoElTorito(img), await dumpet(img)];
        if (!xe) {
          assert.equal(inf.eltorito, null, 'xorriso sees no boot catalog');
          assert.equal(de, null, 'dumpet sees no boot catalog either');
          return;
        }
        const et = inf.eltorito;
        assert.ok(et, 'we found no El Torito catalog');
        assert.equal(et.catalogLba, xe.catalogLba, 'catalog LBA');
        if (xe.catalogPath) assert.equal(et.catalogPath, xe.catalogPath, 'catalog path');
        assert.equal(et.validation.checksumOk, true, 'validation checksum');
        assert.equal(et.validation.keyOk, true, 'validation key bytes');
        assert.equal(et.entries.length, xe.images.length, 'number of boot entries');
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        et.entries.forEach((o: any, i: number) => {
          const x = xe.images[i];
          const w = `entry ${i + 1}`;
          assert.equal(o.platform, platformOf(x.platform), `${w} platform`);
          assert.equal(o.bootable, x.bootable, `${w} bootable`);
          assert.equal(o.emulation, EMULATION[x.emulation] ?? x.emulation, `${w} emulation`);
          assertSegment(o.loadSegment, x.loadSegment, `${w} load segment`);
          assert.equal(o.systemType, x.systemType, `${w} system type`);
          assert.equal(o.sectorCount, x.sectorCount, `${w} sector count`);
          assert.equal(o.loadRba, x.lba, `${w} load RBA`);
          assert.equal(o.bootInfoTable, x.opts.includes('boot-info-table'), `${w} boot-info-table`);
          assert.equal(o.grub2BootInfo, x.opts.includes('grub2-boot-info'), `${w} grub2-boot-info`);
          if (x.path) assert.equal(o.path, x.path, `${w} path`);
          assert.equal(o.outsideVolume, x.lba >= inf.volume.volumeBlocks, `${w} outsideVolume`);
        });
        assert.ok(de, 'dumpet found no catalog');
        assert.equal(et.validation.platform, platformOf(xe.images[0].platform), 'validation platform');
        assert.equal(de.entries.length, et.entries.length, 'dumpet entry count');
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        et.entries.forEach((o: any, i: number) => {
          const d = de.entries[i];
          const w = `entry ${i + 1} vs dumpet`;
          assert.equal(o.bootable, d.bootable, `${w} bootable`);
          assert.equal(o.emulation, dumpetEmulation(d.emulation), `${w} emulation`);
          assertSegment(o.loadSegment, d.loadSegment, `${w} load segment`);
          assert.equal(o.systemType, d.systemType, `${w} system type`);
          assert.equal(o.sectorCount, d.sectorCount, `${w} sector count`);
          assert.equal(o.loadRba, d.lba, `${w} LBA`);
        });
      });

      it('MBR/GPT/APM match xorriso -report_system_area and fdisk -l', async function () {
        const sa = (await info()).systemArea;
        const [xs, fd] = [await xorrisoSystemArea(img), await fdiskList(img)];
        // MBR
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const mbrParts = ((sa.mbr?.partitions ?? []) as any[]).filter((p) => p.sectors > 0 || p.type !== 0);
        assert.deepEqual(
          mbrParts.map((p) => ({ index: p.index, bootable: p.bootable, type: p.type, start: p.startLba, sectors: p.sectors })),
          xs.mbr.map((m) => ({ index: m.index, bootable: m.status === 0x80, type: m.type, start: m.start, sectors: m.blocks })),
          'MBR partitions vs xorriso',
        );
        if (fd.label === 'dos') {
          assert.deepEqual(
            mbrParts.map((p) => ({ index: p.index, bootable: p.bootable, type: p.type, start: p.startLba, sectors: p.sectors })),
            fd.dos.map((d) => ({ index: d.index, bootable: d.bootable, type: d.type, start: d.start, sectors: d.sectors })),
            'MBR partitions vs fdisk',
          );
        }
        // GPT
        if (!xs.gpt) assert.equal(sa.gpt ?? null, null, 'xorriso sees no GPT');
        else {
          assert.ok(sa.gpt, 'we found no GPT');
          assert.equal(String(sa.gpt.diskGuid).toUpperCase(), guidFromRawHex(xs.gpt.diskGuidHex), 'disk GUID');
          assert.equal(sa.gpt.headerCrcOk, true, 'GPT header CRC');
          assert.equal(sa.gpt.entriesCrcOk, true, 'GPT entries CRC');
          const g = (p: { index: number; typeGuid: string; guid: string; name: string; firstLba: number; lastLba: number }) => ({
            index: p.index, typeGuid: String(p.typeGuid).toUpperCase(), guid: String(p.guid).toUpperCase(), name: p.name, firstLba: p.firstLba, lastLba: p.lastLba,
          });
          assert.deepEqual(
            sa.gpt.partitions.map(g),
            xs.gpt.partitions.map((p) => g({ index: p.index, typeGuid: guidFromRawHex(p.typeGuidHex), guid: guidFromRawHex(p.guidHex), name: p.name, firstLba: p.start, lastLba: p.start + p.size - 1 })),
            'GPT partitions vs xorriso',
          );
          if (fd.label === 'gpt') {
            assert.deepEqual(
              sa.gpt.partitions.map(g),
              fd.gpt.map((p) => g({ index: p.index, typeGuid: p.typeGuid, guid: p.guid, name: p.name, firstLba: p.start, lastLba: p.end })),
              'GPT partitions vs fdisk',
            );
          }
        }
        // APM
        if (!xs.apm) assert.equal(sa.apm ?? null, null, 'xorriso sees no APM');
        else {
          assert.ok(sa.apm, 'we found no APM');
          assert.equal(sa.apm.blockSize, xs.apm.blockSize, 'APM block size');
          // xorriso lists the real partitions, not the map itself (Apple_partition_map entry)
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const real = (sa.apm.partitions as any[]).filter((p) => p.type !== 'Apple_partition_map');
          assert.deepEqual(
            real.map((p) => ({ name: p.name, type: p.type, start: p.startBlock, size: p.blocks })),
            xs.apm.partitions.map((p) => ({ name: p.name, type: p.type, start: p.start, size: p.size })),
            'APM partitions vs xorriso',
          );
        }
      });

      it('sessions match xorriso -toc', async function () {
        const inf = await info();
        const toc = await xorrisoToc(img);
        assert.ok(toc.length >= 1, 'xorriso found no session');
        assert.equal(inf.sessions.length, toc.length, 'number of sessions');
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        inf.sessions.forEach((o: any, i: number) => {
          const t = toc[i];
          assert.equal(o.startLba, t.startLba, `session ${i + 1} start`);
          assert.equal(String(o.volumeId).trim(), t.volumeId, `session ${i + 1} volume id`);
          // xorriso's Size counts from the session start; the PVD's volume space size counts from
          // LBA 0 - the contract does not say which one volumeBlocks is, so either is accepted
          assert.ok(o.volumeBlocks === t.blocks || o.volumeBlocks === t.startLba + t.blocks, `session ${i + 1} size ${o.volumeBlocks} vs ${t.startLba}+${t.blocks}`);
        });
      });
    });
  }
});

