// Repack and build through the CLI (dist/isowb.js), cross-checked with xorriso, 7-Zip and bsdtar:
// every fixture (test/fixtures/gen/*.sh) and the real GRUB rescue image is repacked unchanged and
// with files added/replaced/removed, in both layouts; the peers must read exactly the expected tree
// and contents, and xorriso must report the same El Torito and system-area setup (LBAs may move).
import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fixture, listFixtures, realImage } from '../fixtures/build';
import { xorrisoElTorito, xorrisoLsdl, xorrisoSystemArea, type LsdlEntry, type XorrisoBootImage } from '../peers/xorriso';
import { sevenZipList } from '../peers/sevenzip';
import { bsdtarList } from '../peers/bsdtar';
import { run } from '../peers/run';
import { CLI } from './helpers';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-repack-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

async function isowb(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await run(process.execPath, [CLI, ...args], { timeoutMs: 10 * 60_000 });
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function sha(b: Uint8Array): string { return createHash('sha256').update(b).digest('hex'); }

/** xorriso's extraction of one file from an image. */
async function xorrisoCat(image: string, p: string): Promise<Buffer> {
  const out = path.join(TMP, `x-${Math.random().toString(16).slice(2)}`);
  const r = await run('xorriso', ['-osirrox', 'on', '-indev', image, '-extract', p, out]);
  assert.equal(r.code, 0, `xorriso -extract ${p}: ${r.stderr.toString()}`);
  const b = fs.readFileSync(out);
  fs.rmSync(out, { force: true });
  return b;
}

const key = (e: LsdlEntry): string => `${e.path} ${e.type} ${e.type === 'dir' ? '' : e.size ?? ''} ${e.target ?? ''}`;
/** Tree as xorriso reads it, minus the boot catalog's own size quirks and rr_moved. */
async function tree(image: string): Promise<string[]> {
  return (await xorrisoLsdl(image)).filter((e) => !/^\/rr_moved(\/|$)/i.test(e.path)).map(key).sort();
}

interface Case { name: string; image: () => Promise<string>; joliet: boolean; rock: boolean }

const SKIP = new Set(['escape']);
/** Images whose system area carries an Apple partition map + HFS+ (grub-mkrescue makes them). */
const APM_HYBRIDS = new Set(['apm-hfsplus', 'grub-mkrescue']); // hostile fixture: extract-safety tests only
const CASES: Case[] = [
  ...listFixtures().filter((f) => !f.hostile && !f.large && !SKIP.has(f.name)).map((f) => ({ name: f.name, image: () => fixture(f.name), joliet: true, rock: true })),
  { name: 'grub-rescue-cdrom (real)', image: () => realImage('grub-rescue-cdrom.iso'), joliet: false, rock: true },
];

describe('isowb repack: peers read the expected tree, boot setup carried over', function () {
  this.timeout(10 * 60_000);

  for (const c of CASES) {
    describe(c.name, () => {
      for (const layout of ['preserve', 'compact'] as const) {
        it(`unchanged, ${layout} layout: same tree, same boot catalog and system area`, async function () {
          const src = await c.image();
          const out = path.join(TMP, `${c.name.replace(/\W+/g, '_')}-${layout}-same.iso`);
          const extra = c.name === 'udf-bridge' ? ['--drop-udf'] : [];
          const r = await isowb(['repack', src, '-o', out, '--layout', layout, '-q', ...extra]);
          if (layout === 'compact' && APM_HYBRIDS.has(c.name)) {
            // An HFS+ hybrid cannot be relaid out (no HFS+ writer): refused clearly, nothing written.
            assert.equal(r.code, 1);
            assert.match(r.stderr, /compact layout cannot carry .*Apple partition map/);
            assert.ok(!fs.existsSync(out));
            assert.deepEqual(fs.readdirSync(TMP).filter((n) => n.includes('.isowb-')), []);
            return;
          }
          assert.equal(r.code, 0, r.stderr);
          assert.deepEqual(await tree(out), await tree(src));
          await sameBoot(src, out);
          fs.rmSync(out, { force: true });
        });
      }

      it('with a file added, one replaced, one removed and a directory made (preserve): xorriso, 7z and bsdtar agree', async function () {
        const src = await c.image();
        const before = await xorrisoLsdl(src);
        const files = before.filter((e) => e.type === 'file' && (e.size ?? 0) > 0 && (e.size ?? 0) < 1 << 20 && !/boot\.cat|catalog|eltorito|isolinux\.bin|\.img$|efi/i.test(e.path));
        assert.ok(files.length >= 1, 'the image has a small file to edit');
        const replaced = files[0];
        const victim = files.length > 1 ? files[files.length - 1] : null;
        const add = path.join(TMP, 'added.txt');
        fs.writeFileSync(add, 'added by isowb repack\n'.repeat(100));
        const rep = path.join(TMP, 'replaced.bin');
        fs.writeFileSync(rep, Buffer.alloc(5000, 0x5a));
        const out = path.join(TMP, `${c.name.replace(/\W+/g, '_')}-edit.iso`);
        const extra = c.name === 'udf-bridge' ? ['--drop-udf'] : [];
        if (victim) extra.push('--rm', victim.path);
        // Upper-case names: legal in every namespace (ISO 9660-only images have no other names).
        const r = await isowb(['repack', src, '-o', out, '-q', '--add', `${add}=/ISOWB.TXT`, '--replace', `${rep}=${replaced.path}`, '--mkdir', '/NEWDIR', ...extra]);
        assert.equal(r.code, 0, r.stderr);
        const expected = before.filter((e) => e.path !== victim?.path).map((e) => (e.path === replaced.path ? { ...e, size: 5000 } : e));
        expected.push({ path: '/ISOWB.TXT', type: 'file', perm: 0, nlink: 1, uid: 0, gid: 0, size: fs.statSync(add).size });
        expected.push({ path: '/NEWDIR', type: 'dir', perm: 0, nlink: 1, uid: 0, gid: 0, size: 0 });
        const want = expected.filter((e) => !/^\/rr_moved(\/|$)/i.test(e.path)).map(key).sort();
        assert.deepEqual(await tree(out), want);
        assert.equal(sha(await xorrisoCat(out, '/ISOWB.TXT')), sha(fs.readFileSync(add)));
        assert.equal(sha(await xorrisoCat(out, replaced.path)), sha(fs.readFileSync(rep)));
        // 7-Zip and bsdtar (each in the namespace it prefers): exactly the removed path is gone and
        // exactly the added file and directory are new.
        const norm = (p: string): string => p.replace(/^\/+/, '').replace(/\/$/, '').toUpperCase();
        const clean = (xs: string[]): Set<string> => new Set(xs.map(norm).filter((p) => p && !/^\[BOOT\]/.test(p) && !/^RR_MOVED(\/|$)/.test(p)));
        const peers: Array<[string, (img: string) => Promise<string[]>]> = [
          ['7z', async (img) => (await sevenZipList(img)).map((e) => e.path)],
          ['bsdtar', async (img) => (await bsdtarList(img)).map((e) => e.path)],
        ];
        for (const [peer, list] of peers) {
          const a = clean(await list(src));
          const b = clean(await list(out));
          const gone = [...a].filter((p) => !b.has(p));
          const added = [...b].filter((p) => !a.has(p)).sort();
          assert.deepEqual(added, ['ISOWB.TXT', 'NEWDIR'], `${peer}: new paths`);
          assert.equal(gone.length, victim ? 1 : 0, `${peer}: removed paths ${JSON.stringify(gone)}`);
        }
        await sameBoot(src, out);
        fs.rmSync(out, { force: true });
      });
    });
  }
});

/** xorriso reports the same El Torito entries and system-area layout kinds for both images. */
async function sameBoot(src: string, out: string): Promise<void> {
  const a = await xorrisoElTorito(src);
  const b = await xorrisoElTorito(out);
  assert.equal(!!b, !!a, 'El Torito present in both or neither');
  if (a && b) {
    assert.equal(b.images.length, a.images.length, 'boot entries');
    for (let i = 0; i < a.images.length; i++) {
      const x: XorrisoBootImage = a.images[i];
      const y: XorrisoBootImage = b.images[i];
      assert.deepEqual([y.platform, y.bootable, y.emulation, y.loadSegment, y.systemType, y.opts.join(' ')], [x.platform, x.bootable, x.emulation, x.loadSegment, x.systemType, x.opts.join(' ')], `boot entry ${i + 1}`);
      assert.equal(y.path ?? null, x.path ?? null, `boot entry ${i + 1} path`);
      // The boot image bytes are the same (wherever they moved to).
      const n = Math.max(1, Math.min(x.sectorCount, 64)) * 512;
      const bytesA = Buffer.alloc(n), bytesB = Buffer.alloc(n);
      const fa = fs.openSync(src, 'r'), fb = fs.openSync(out, 'r');
      fs.readSync(fa, bytesA, 0, n, x.lba * 2048); fs.readSync(fb, bytesB, 0, n, y.lba * 2048);
      fs.closeSync(fa); fs.closeSync(fb);
      if (x.opts.includes('boot-info-table')) { bytesA.fill(0, 8, 64); bytesB.fill(0, 8, 64); }
      if (x.opts.includes('grub2-boot-info') && n > 2556) { bytesA.fill(0, 2548, 2556); bytesB.fill(0, 2548, 2556); }
      assert.ok(bytesA.equals(bytesB), `boot image ${i + 1} has the same bytes`);
    }
  }
  const sa = await xorrisoSystemArea(src);
  const sb = await xorrisoSystemArea(out);
  const kinds = (s: typeof sa): string => s.summary.join(' ').replace(/cyl-align-\S+/g, '').replace(/\s+/g, ' ').trim();
  assert.equal(kinds(sb), kinds(sa), 'system area summary');
  assert.equal(sb.mbr.length, sa.mbr.length, 'MBR partitions');
  assert.deepEqual(sb.mbr.map((p) => [p.index, p.type, p.status]), sa.mbr.map((p) => [p.index, p.type, p.status]));
  assert.equal(sb.gpt?.partitions.length ?? 0, sa.gpt?.partitions.length ?? 0, 'GPT partitions');
  if (sa.gpt && sb.gpt) assert.deepEqual(sb.gpt.partitions.map((p) => [p.name, p.typeGuidHex]), sa.gpt.partitions.map((p) => [p.name, p.typeGuidHex]));
  assert.equal(sb.apm?.partitions.length ?? 0, sa.apm?.partitions.length ?? 0, 'APM partitions');
}

describe('isowb repack: a multi-extent file over 4 GiB (sparse fixture large-multiextent)', function () {
  this.timeout(10 * 60_000);
  for (const layout of ['preserve', 'compact'] as const) {
    it(`${layout}: xorriso reads the 4.4 GiB file with the same size and the same last bytes; a file added beside it`, async () => {
      const src = await fixture('large-multiextent');
      const add = path.join(TMP, 'beside.txt');
      fs.writeFileSync(add, 'beside a big file\n');
      const out = path.join(TMP, `large-${layout}.iso`);
      const r = await isowb(['repack', src, '-o', out, '--layout', layout, '-q', '--add', `${add}=/beside.txt`]);
      assert.equal(r.code, 0, r.stderr);
      const want = [...(await tree(src)), key({ path: '/beside.txt', type: 'file', perm: 0, nlink: 1, uid: 0, gid: 0, size: fs.statSync(add).size })].sort();
      assert.deepEqual(await tree(out), want);
      // The tail of the file (in its last extent) reads the same through xorriso in both images.
      const tail = async (img: string): Promise<string> => (await run('xorriso', ['-osirrox', 'on', '-indev', img, '-extract_cut', '/big.bin', String(4718592000 - 65536), '65536', path.join(TMP, 'tail.bin')])).code === 0 ? sha(fs.readFileSync(path.join(TMP, 'tail.bin'))) : 'failed';
      assert.equal(await tail(out), await tail(src));
      fs.rmSync(out, { force: true });
    });
  }
});

describe('isowb repack: names Joliet cannot hold', function () {
  this.timeout(60_000);
  it('a Rock Ridge name with ":" "?" and 120 characters keeps its name in Rock Ridge and gets a legal Joliet name', async () => {
    const src = await fixture('rr-joliet');
    const add = path.join(TMP, 'odd.txt');
    fs.writeFileSync(add, 'odd name\n');
    const name = `odd:name?${'x'.repeat(111)}.txt`;
    const out = path.join(TMP, 'odd-names.iso');
    const r = await isowb(['repack', src, '-o', out, '-q', '--add', `${add}=/${name}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await xorrisoLsdl(out)).some((e) => e.path === `/${name}`), 'Rock Ridge keeps the name');
    // isoinfo -J lists the Joliet tree: the new name is cut to the Joliet length, ':' and '?' replaced.
    const joliet = (await run('isoinfo', ['-J', '-f', '-i', out])).stdout.toString().split('\n');
    const j = joliet.find((l) => /^\/odd_name_x+/.test(l));
    assert.ok(j, `a Joliet name for the file in ${joliet.slice(0, 50).join(' ')}`);
    // The source uses long Joliet names (xorriso -joliet-long): 103 characters at most.
    assert.ok(!/[:?*;\\]/.test(j) && j.length - 1 <= 103, `legal Joliet name: ${j}`);
    fs.rmSync(out);
  });
});
