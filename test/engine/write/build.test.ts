// Building an image from a folder (src/engine/write/build.ts) on this host: the output (and a
// killed writer's temp files) is never put into the image of its own folder.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiscImage } from '../../../src/engine/image';
import { buildImage } from '../../../src/engine/write/build';

describe('isowb build: the output is never put into the image of its own folder', function () {
  this.timeout(60_000);
  let tmp = '';
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-hostpaths-build-'));
    fs.mkdirSync(path.join(tmp, 'src', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'src', 'a.txt'), 'a\n');
    fs.writeFileSync(path.join(tmp, 'src', 'sub', 'b.txt'), 'b\n');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const names = async (iso: string): Promise<string[]> => {
    const img = await DiscImage.openFile(iso);
    try {
      const out: string[] = [];
      await img.walk(img.root, (n) => { if (n.path !== '/') out.push(n.path); return true; });
      return out.sort();
    } finally {
      await img.close();
    }
  };

  it('an output named "..x.iso" inside the folder is inside (not "..", outside)', async () => {
    const out = path.join(tmp, 'src', '..x.iso');
    fs.writeFileSync(out, 'the previous output');
    await buildImage(path.join(tmp, 'src'), { output: out, volumeId: 'T', replaceOriginal: true });
    assert.deepEqual(await names(out), ['/a.txt', '/sub', '/sub/b.txt']);
  });

  it('an output reached through a link to the folder, and stale temp files beside it, are left out', async () => {
    fs.symlinkSync(path.join(tmp, 'src'), path.join(tmp, 'link'));
    const out = path.join(tmp, 'link', 'sub', 'out.iso');
    fs.writeFileSync(out, 'the previous output');
    fs.writeFileSync(path.join(tmp, 'src', 'sub', '.other.iso.isowb-999999999-0123abcd.tmp'), 'a killed writer\'s temp file');
    const r = await buildImage(path.join(tmp, 'src'), { output: out, volumeId: 'T', replaceOriginal: true });
    assert.equal(r.output, out);
    assert.deepEqual(await names(out), ['/a.txt', '/sub', '/sub/b.txt']);
  });
});
