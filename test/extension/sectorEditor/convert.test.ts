// The engine structure → panel node conversion, on the structure map of a real image.
import { strict as assert } from 'assert';
import { toNodes, walk } from '../../../src/extension/sectorEditor/convert';
import { DiscImage } from '../../../src/engine/image';
import { fixableReason } from '../../../src/engine/fixes';
import type { Structure } from '../../../src/engine/structure/fields';
import { realImage } from '../../fixtures/build';

describe('sector editor host: structure nodes', function () {
  this.timeout(60_000);
  let structures: Structure[];
  let img: DiscImage;
  before(async () => {
    img = await DiscImage.openFile(await realImage('grub-rescue-cdrom.iso'));
    structures = await img.structures();
  });
  after(() => img.close());

  it('keeps every structure and field, indexes every id, marks subdirectories lazy', () => {
    const index = new Map<string, Structure>();
    const nodes = toNodes(structures, { isExpandable: s => img.isExpandable(s), fixableReason }, index);
    const all = [...walk(structures)];
    assert.equal(index.size, new Set(all.map(s => s.id)).size);
    const flat = (ns: typeof nodes): typeof nodes => ns.flatMap(n => [n, ...flat(n.children)]);
    const nodeList = flat(nodes);
    assert.equal(nodeList.length, all.length);
    for (const [i, s] of all.entries()) {
      assert.equal(nodeList[i].id, s.id);
      assert.equal(nodeList[i].fields.length, s.fields.length);
      assert.deepEqual(nodeList[i].fields.map(f => [f.offset, f.length, f.display]), s.fields.map(f => [f.offset, f.length, f.display]));
    }
    const boot = nodeList.find(n => n.type === 'dir-record' && n.target?.path === '/boot');
    assert.ok(boot?.lazy, 'the /boot record loads its directory lazily');
    assert.ok(!nodeList.some(n => n.fixable), 'an intact image has nothing to fix');
  });
});
