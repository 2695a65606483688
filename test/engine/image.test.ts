// The image model (src/engine/image.ts) through the engine API (not the CLI): the structure map,
// streaming reads, namespaces, sessions, what happens on damaged images, path resolution through
// symbolic links (DiscImage.resolve) and images inside images (DiscImage.fileSource). Images come from the fixture
// generators (test/fixtures/gen/*.sh) and Debian's GRUB rescue image (fetch-grub-rescue.sh).
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiscImage } from '../../src/engine/image';
import { CorruptImageError, InvalidArgumentError, IsoError, NotFoundError } from '../../src/engine/errors';
import { MemorySource } from '../../src/engine/io/source';
import type { Structure } from '../../src/engine/structure/fields';
import { fixture, realImage, REPO_ROOT } from '../fixtures/build';
import { run } from '../peers/run';

function flatten(list: Structure[]): Structure[] {
  const out: Structure[] = [];
  const visit = (s: Structure) => { out.push(s); s.children.forEach(visit); };
  list.forEach(visit);
  return out;
}

describe('image model', function () {
  this.timeout(5 * 60_000);

  describe('structure map of the GRUB rescue image', () => {
    let structures: Structure[] = [];
    let img: DiscImage;
    before(async () => {
      img = await DiscImage.openFile(await realImage('grub-rescue-cdrom.iso'));
      structures = await img.structures();
    });
    after(() => img.close());

    it('has the system area, every volume descriptor, both path tables, the root directory and the boot catalog', () => {
      const types = new Set(flatten(structures).map(s => s.type));
      for (const t of ['mbr', 'pvd', 'boot-record', 'terminator', 'path-table-l', 'path-table-m', 'directory', 'dir-record', 'boot-catalog', 'boot-image']) {
        assert.ok(types.has(t), `structure type ${t} missing (have ${[...types].join(', ')})`);
      }
    });

    it('places every field inside its structure and gives it raw bytes that match the image', async () => {
      const all = flatten(structures);
      let checked = 0;
      for (const s of all) {
        for (const f of s.fields) {
          assert.ok(f.offset >= s.offset && f.offset + f.length <= s.offset + Math.max(s.length, 1), `${s.name}/${f.name} at ${f.offset}+${f.length} outside ${s.offset}+${s.length}`);
          if (f.length > 0 && f.length <= 64) {
            const raw = await img.source.read(f.offset, f.length);
            assert.equal(f.raw, Buffer.from(raw).toString('hex'), `${s.name}/${f.name} raw bytes`);
            checked++;
          }
        }
      }
      assert.ok(checked > 100, `only ${checked} fields checked`);
    });

    it('names the El Torito default entry with its spec section and points at the boot image file', () => {
      const cat = flatten(structures).find(s => s.type === 'boot-catalog')!;
      assert.equal(cat.offset, 48 * 2048); // xorriso -report_el_torito: "El Torito catalog : 48 1"
      const image = flatten(structures).find(s => s.type === 'boot-image')!;
      assert.equal(image.target?.path, '/boot/grub/i386-pc/eltorito.img');
      assert.match(image.spec, /El Torito/);
      const pvd = flatten(structures).find(s => s.type === 'pvd')!;
      const volId = pvd.fields.find(f => f.name === 'Volume Identifier')!;
      assert.equal(volId.value, 'ISOIMAGE');
      assert.match(volId.spec ?? '', /ECMA-119 8\.4/);
    });
  });

  describe('streaming reads', () => {
    it('streams a multi-extent file over 4 GiB with bounded memory and reads across the extent boundary', async () => {
      const img = await DiscImage.openFile(await fixture('large-multiextent'));
      try {
        let big = null;
        await img.walk(img.root, n => { if (n.type === 'file' && n.extents.length > 1) { big = n; return false; } return true; });
        assert.ok(big, 'no multi-extent file found');
        const node = big as unknown as import('../../src/engine/image').FileNode;
        assert.ok(node.size > 4 * 1024 ** 3, `size ${node.size}`);
        // A 1 MiB window that straddles the first extent boundary, read at random, must equal the
        // same window read through the stream (two different code paths).
        const boundary = node.extents[0].length;
        const direct = await img.read(node, boundary - 512 * 1024, 1024 * 1024);
        assert.equal(direct.length, 1024 * 1024);
        const chunks: Buffer[] = [];
        for await (const c of img.createReadStream(node, boundary - 512 * 1024, boundary + 512 * 1024)) chunks.push(Buffer.from(c));
        assert.ok(Buffer.concat(chunks).equals(Buffer.from(direct)));
        // Stream the last 64 MiB and watch memory: it must not grow with the amount read.
        const rss0 = process.memoryUsage().rss;
        let total = 0;
        const h = createHash('sha256');
        for await (const c of img.createReadStream(node, node.size - 64 * 1024 * 1024)) { total += c.length; h.update(c); }
        assert.equal(total, 64 * 1024 * 1024);
        const grown = process.memoryUsage().rss - rss0;
        assert.ok(grown < 48 * 1024 * 1024, `RSS grew by ${(grown / 1048576).toFixed(1)} MiB while streaming 64 MiB`);
      } finally {
        await img.close();
      }
    });
  });

  describe('namespaces and sessions', () => {
    it('switches namespaces and refuses one the image lacks', async () => {
      const img = await DiscImage.openFile(await fixture('rr-joliet'));
      try {
        assert.deepEqual(img.namespaces, ['rr', 'joliet', 'iso9660']);
        assert.equal(img.namespace, 'rr');
        const rrNames = (await img.readdir('/')).map(n => n.name);
        img.setNamespace('iso9660');
        const isoNames = (await img.readdir('/')).map(n => n.name);
        assert.ok(isoNames.every(n => n === n.toUpperCase()), `ISO 9660 names not upper case: ${isoNames.join(' ')}`);
        assert.notDeepEqual(rrNames, isoNames);
      } finally {
        await img.close();
      }
      const jolietOnly = await DiscImage.openFile(await fixture('joliet-only'));
      try {
        assert.throws(() => jolietOnly.setNamespace('rr'), InvalidArgumentError);
      } finally {
        await jolietOnly.close();
      }
    });

    it('opens every session of a grown image, each with its own tree', async () => {
      // test/fixtures/gen/multisession.sh: session 1 adds /s1 (a.txt, gone.txt) and /common.txt "v1",
      // session 2 adds /s2/b.txt and replaces /common.txt ("v2 longer"), session 3 removes /s1/gone.txt.
      const file = await fixture('multisession');
      const img = await DiscImage.openFile(file);
      assert.deepEqual(img.sessions.map(s => s.volumeId), ['SESSION1', 'SESSION2', 'SESSION3']);
      assert.equal(img.session.index, 3, 'the newest session is read by default');
      await img.close();
      const expect = [
        { has: ['/s1/a.txt', '/s1/gone.txt'], lacks: ['/s2'], common: 'v1\n' },
        { has: ['/s1/gone.txt', '/s2/b.txt'], lacks: [], common: 'v2 longer\n' },
        { has: ['/s1/a.txt', '/s2/b.txt'], lacks: ['/s1/gone.txt'], common: 'v2 longer\n' },
      ];
      for (const [i, e] of expect.entries()) {
        const s = await DiscImage.openFile(file, { session: i + 1 });
        try {
          for (const p of e.has) assert.ok(await s.stat(p), `session ${i + 1} lacks ${p}`);
          for (const p of e.lacks) assert.equal(await s.stat(p), null, `session ${i + 1} has ${p}`);
          const common = await s.lookup('/common.txt');
          assert.equal(Buffer.from(await s.read(common, 0, common.size)).toString(), e.common);
        } finally {
          await s.close();
        }
      }
      await assert.rejects(DiscImage.openFile(file, { session: 4 }), InvalidArgumentError);
    });
  });

  describe('damaged images', () => {
    let good: Buffer;
    before(async () => { good = fs.readFileSync(await realImage('grub-rescue-cdrom.iso')); });

    it('rejects a file too small to hold volume descriptors, naming the structure and offset', async () => {
      const err = await DiscImage.open(new MemorySource(good.subarray(0, 20000), 'tiny.iso')).then(() => null, e => e);
      assert.ok(err instanceof CorruptImageError, String(err));
      assert.equal(err.image, 'tiny.iso');
      assert.equal(err.offset, 32768);
      assert.match(err.message, /tiny\.iso.*volume descriptor/);
    });

    it('rejects an image without CD001 as not ISO 9660', async () => {
      const b = Buffer.from(good);
      b.write('XXXXX', 16 * 2048 + 1, 'latin1');
      await assert.rejects(DiscImage.open(new MemorySource(b, 'nocd001.iso')), (e: unknown) => e instanceof CorruptImageError && /CD001/.test((e as Error).message));
    });

    it('reads a truncated image best-effort: every entry listed or a typed error, never a crash', async () => {
      for (const cut of [0.95, 0.8, 0.5, 0.2]) {
        const b = good.subarray(0, Math.floor(good.length * cut / 2048) * 2048);
        let img: DiscImage;
        try {
          img = await DiscImage.open(new MemorySource(b, `cut-${cut}.iso`));
        } catch (e) {
          assert.ok(e instanceof IsoError, `cut ${cut}: ${e}`);
          continue;
        }
        try {
          await img.walk(img.root, async n => {
            if (n.type !== 'file') return;
            try {
              const data = await img.read(n, 0, n.size);
              assert.ok(data.length <= n.size);
            } catch (e) {
              assert.ok(e instanceof IsoError, `cut ${cut} ${n.path}: ${e}`);
            }
          });
          await img.elTorito();
          await img.structures().catch(e => assert.ok(e instanceof IsoError, String(e)));
        } catch (e) {
          assert.ok(e instanceof IsoError, `cut ${cut}: ${e}`);
        }
        if (cut < 0.9) assert.ok(img.warnings.length > 0, `cut ${cut}: no warning about the missing data`);
      }
    });

    it('survives a directory that contains itself (loop) without hanging', async () => {
      // Point the first subdirectory record of the root at the root's own extent.
      const img0 = await DiscImage.open(new MemorySource(good, 'loop.iso'), { namespace: 'iso9660' });
      const rootLba = img0.root.dir!.lba;
      const kids = await img0.readdir('/');
      const sub = kids.find(k => k.type === 'dir')!;
      await img0.close();
      const b = Buffer.from(good);
      const rec = sub.recordOffset;
      b.writeUInt32LE(rootLba, rec + 2);
      b.writeUInt32BE(rootLba, rec + 6);
      const img = await DiscImage.open(new MemorySource(b, 'loop.iso'));
      let n = 0;
      await img.walk(img.root, () => { n++; });
      assert.ok(n < 10_000, `${n} entries: the loop was followed`);
      assert.ok(img.warnings.some(w => /loop/.test(w.message)), 'no loop warning');
      await img.close();
    });

    it('reports a missing path as NotFoundError with the image name', async () => {
      const img = await DiscImage.open(new MemorySource(good, 'grub.iso'));
      await assert.rejects(img.lookup('/no/such/file'), (e: unknown) => e instanceof NotFoundError && /grub\.iso/.test((e as Error).message));
      await img.close();
    });
  });

  describe('isowb info --structures', () => {
    it('prints the structure map as JSON that matches the engine', async () => {
      const file = await realImage('grub-rescue-cdrom.iso');
      const cli = path.join(REPO_ROOT, 'dist', 'isowb.js');
      const r = await run(process.execPath, [cli, 'info', file, '--structures'], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const parsed = JSON.parse(r.stdout.toString('utf8')) as Structure[];
      const img = await DiscImage.openFile(file);
      const mine = await img.structures();
      await img.close();
      assert.deepEqual(parsed.map(s => [s.type, s.offset, s.length]), mine.map(s => [s.type, s.offset, s.length]));
    });
  });
});

describe('image model: resolve and nested images', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-resolve-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('symbolic links (rr-joliet fixture)', () => {
    let img: DiscImage;
    before(async () => { img = await DiscImage.openFile(await fixture('rr-joliet')); });
    after(() => img.close());

    it('follows relative links, links to directories and ".." inside targets', async () => {
      assert.equal((await img.resolve('/rel-link')).path, '/docs/hello world.txt');
      assert.equal((await img.resolve('/dir-link/hello world.txt')).path, '/docs/hello world.txt');
      assert.equal((await img.resolve('/sub/up-link')).path, '/README.TXT');
      const d = await img.resolve('/sub/inner/dir-up-link');
      assert.equal(d.type, 'dir');
      assert.equal(d.path, '/docs');
      assert.equal((await img.resolve('/sub/inner/dir-up-link/hello world.txt')).size, 6);
    });

    it('returns the link itself when asked not to follow the last component', async () => {
      const l = await img.resolve('/rel-link', false);
      assert.equal(l.type, 'symlink');
      assert.equal(l.target, 'docs/hello world.txt');
    });

    it('reports dangling links and absolute targets outside the image as not found', async () => {
      await assert.rejects(img.resolve('/dangling-link'), NotFoundError);
      await assert.rejects(img.resolve('/abs-link'), NotFoundError); // /etc/passwd is not in the image
      assert.equal((await img.resolve('/dangling-link', false)).type, 'symlink');
    });
  });

  it('stops a symbolic link loop with a clear error', async () => {
    // xorriso -as mkisofs -R -o loop.iso tree   (tree: a -> b, b -> a, self -> self, ok.txt)
    const tree = path.join(tmp, 'loop');
    fs.mkdirSync(tree);
    fs.writeFileSync(path.join(tree, 'ok.txt'), 'ok\n');
    fs.symlinkSync('b', path.join(tree, 'a'));
    fs.symlinkSync('a', path.join(tree, 'b'));
    fs.symlinkSync('self/x', path.join(tree, 'self'));
    const iso = path.join(tmp, 'loop.iso');
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', iso, tree], { stdio: 'pipe' });
    const img = await DiscImage.openFile(iso);
    try {
      await assert.rejects(img.resolve('/a'), /too many levels of symbolic links/);
      await assert.rejects(img.resolve('/self'), /too many levels of symbolic links/);
      assert.equal((await img.resolve('/ok.txt')).size, 3);
    } finally {
      await img.close();
    }
  });

  it('opens an image stored inside another image through fileSource', async () => {
    // inner.iso: xorriso -as mkisofs -R -J -V INNER -o inner.iso innertree
    // outer.iso: xorriso -as mkisofs -R -V OUTER -o outer.iso outertree   (outertree/images/inner.iso)
    const inner = path.join(tmp, 'innertree');
    fs.mkdirSync(path.join(inner, 'etc'), { recursive: true });
    const text = 'nested image file\n'.repeat(1000);
    fs.writeFileSync(path.join(inner, 'etc', 'nested.txt'), text);
    const outer = path.join(tmp, 'outertree', 'images');
    fs.mkdirSync(outer, { recursive: true });
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-V', 'INNER', '-o', path.join(outer, 'inner.iso'), inner], { stdio: 'pipe' });
    const outerIso = path.join(tmp, 'outer.iso');
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-V', 'OUTER', '-o', outerIso, path.join(tmp, 'outertree')], { stdio: 'pipe' });
    const img = await DiscImage.openFile(outerIso);
    try {
      const node = await img.resolve('/images/inner.iso');
      const src = img.fileSource(node);
      assert.equal(src.size, fs.statSync(path.join(outer, 'inner.iso')).size);
      const nested = await DiscImage.open(src);
      assert.equal(nested.volume.volumeId, 'INNER');
      const f = await nested.resolve('/etc/nested.txt');
      assert.equal(Buffer.from(await nested.read(f, 0, f.size)).toString(), text);
      await nested.close(); // closes only the nested view
      assert.equal((await img.resolve('/images/inner.iso')).size, src.size, 'the outer image stays usable');
      assert.throws(() => img.fileSource(img.root), InvalidArgumentError);
    } finally {
      await img.close();
    }
  });
});
