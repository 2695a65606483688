// Path resolution through symbolic links (DiscImage.resolve), images inside images
// (DiscImage.fileSource) and extraction relative to a base folder — the engine features the
// extension's file system provider and Extract command stand on.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NotFoundError, InvalidArgumentError } from '../../src/engine/errors';
import { extract, type ExtractProgress } from '../../src/engine/extract';
import { DiscImage } from '../../src/engine/image';
import { fixture } from '../fixtures/build';

describe('resolve, nested images, extraction base', function () {
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

  describe('extraction relative to a base folder', () => {
    let img: DiscImage;
    before(async () => { img = await DiscImage.openFile(await fixture('rr-joliet')); });
    after(() => img.close());

    it('places the selection relative to its parent and reports the planned total', async () => {
      const dest = path.join(tmp, 'base');
      const seen: ExtractProgress[] = [];
      const r = await extract(img, { paths: ['/sub/inner', '/docs/hello world.txt'], base: '/', dest: path.join(dest, 'full'), onProgress: p => seen.push(p) });
      assert.ok(fs.lstatSync(path.join(dest, 'full', 'sub', 'inner', 'dir-up-link')).isSymbolicLink());
      assert.ok(fs.existsSync(path.join(dest, 'full', 'docs', 'hello world.txt')));
      assert.ok(r.files >= 1);
      const progress: ExtractProgress[] = [];
      await extract(img, { paths: ['/docs'], base: '/', dest: path.join(dest, 'rel'), planTotal: true, onProgress: p => progress.push(p) });
      const docs = await img.readdir('/docs');
      const total = docs.filter(n => n.type === 'file').reduce((s, n) => s + n.size, 0);
      assert.equal(progress[progress.length - 1].totalBytes, total);
      assert.equal(progress[progress.length - 1].bytes, total);
      await extract(img, { paths: ['/sub/inner', '/sub/up-link'], base: '/sub', dest: path.join(dest, 'sub') });
      assert.deepEqual(fs.readdirSync(path.join(dest, 'sub')).sort(), ['inner', 'up-link']);
      await extract(img, { paths: ['/docs'], base: '/docs', dest: path.join(dest, 'contents') });
      assert.deepEqual(fs.readdirSync(path.join(dest, 'contents')).sort(), docs.map(n => n.name).sort());
    });

    it('refuses a selection outside the base and a base with ".."', async () => {
      await assert.rejects(extract(img, { paths: ['/docs'], base: '/sub', dest: path.join(tmp, 'x') }), /not inside the extraction base/);
      await assert.rejects(extract(img, { paths: ['/docs'], base: '/sub/../..', dest: path.join(tmp, 'y') }), InvalidArgumentError);
    });
  });
});
