// Extraction (src/engine/extract.ts) through the engine API: a selection placed relative to a base
// folder, and the planned total in progress reports. The CLI's extraction is cross-checked
// against peer tools in test/e2e/extract.test.ts.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InvalidArgumentError } from '../../src/engine/errors';
import { extract, type ExtractProgress } from '../../src/engine/extract';
import { DiscImage } from '../../src/engine/image';
import { fixture } from '../fixtures/build';

describe('extract', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-extract-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

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
