// Lazy directory children in the structure map (DiscImage.expandStructure / isExpandable):
// every directory of the Rock Ridge + Joliet fixture is reached by expanding directory records
// from the root, and the records found that way (path, extent LBA) must be exactly what
// isoinfo -R -l lists; the Joliet tree expands separately with its own ids; Rock Ridge
// relocated directories (CL placeholders) expand to the relocated directory; System Use entries
// are named after their own record's path.
import { strict as assert } from 'assert';
import { DiscImage } from '../../src/engine/image';
import type { Structure } from '../../src/engine/structure/fields';
import { fixture } from '../fixtures/build';
import { isoinfoList } from '../peers/isoinfo';

interface Walk { records: Map<string, number>; ids: string[]; dirs: number }

/** Expands every subdirectory record below `dir`, depth-first, collecting record paths and ids. */
async function expandAll(img: DiscImage, dir: Structure, w: Walk, depth = 0): Promise<void> {
  assert.ok(depth < 64, 'runaway expansion');
  w.dirs++;
  w.ids.push(dir.id);
  for (const c of dir.children) {
    w.ids.push(c.id, ...c.children.map(x => x.id));
    assert.equal(c.type, 'dir-record');
    const name = c.name;
    const dot = name === 'Directory Record "."' || name === 'Directory Record ".."';
    if (dot) {
      assert.equal(img.isExpandable(c), false, `${c.id} (${name}) is not expandable`);
      assert.equal(await img.expandStructure(c), null);
      continue;
    }
    const path = c.target!.path!;
    w.records.set(path, c.target!.lba!);
    // System Use entries carry the record's own path (RRIP NM name), not the directory's.
    for (const su of c.children) assert.ok(su.name.endsWith(` of ${path}`), `${su.name} should name ${path}`);
    if (img.isExpandable(c)) {
      const got = await img.expandStructure(c);
      assert.ok(got && got.length === 1, `${path}: one directory structure`);
      const d = got[0];
      assert.equal(d.type, 'directory');
      assert.equal(d.target?.path, c.expand!.path);
      assert.equal(d.problems, undefined, `${path}: ${d.problems?.join('; ')}`);
      await expandAll(img, d, w, depth + 1);
    } else {
      assert.equal(await img.expandStructure(c), null, `${path}: a file record expands to nothing`);
    }
  }
}

describe('lazy directory structures', function () {
  this.timeout(5 * 60_000);

  it('expands every directory of the Rock Ridge tree to exactly the records isoinfo -R lists (paths and extent LBAs)', async () => {
    const file = await fixture('rr-joliet');
    const img = await DiscImage.openFile(file);
    try {
      const roots = (await img.structures()).filter(s => s.type === 'directory');
      assert.deepEqual(roots.map(r => r.id.split(':')[1]).sort(), ['iso9660', 'joliet'], 'one root directory structure per tree');
      const isoRoot = roots.find(r => r.id.startsWith('dir:iso9660:'))!;
      const w: Walk = { records: new Map(), ids: [], dirs: 0 };
      await expandAll(img, isoRoot, w);
      const peer = await isoinfoList(file, 'rr');
      const want = new Map(peer.map(e => [e.path.replace(/\/$/, ''), e.extents[0].lba]));
      assert.deepEqual([...w.records.keys()].sort(), [...want.keys()].sort());
      for (const [p, lba] of want) assert.equal(w.records.get(p), lba, `${p}: extent LBA`);
      assert.ok(w.dirs >= 8, `${w.dirs} directories expanded`);

      // The Joliet tree: same directories, its own extents and ids.
      const jw: Walk = { records: new Map(), ids: [], dirs: 0 };
      await expandAll(img, roots.find(r => r.id.startsWith('dir:joliet:'))!, jw);
      img.setNamespace('joliet');
      const jolietDirs: string[] = [];
      await img.walk(img.root, n => { if (n.type === 'dir') jolietDirs.push(n.path); });
      assert.equal(jw.dirs, jolietDirs.length + 1, 'every Joliet directory reached');
      const all = [...w.ids, ...jw.ids];
      assert.equal(new Set(all).size, all.length, 'ids are unique across both trees');
    } finally {
      await img.close();
    }
  });

  it('names System Use entries after their own record (a record of /sub is not "of /")', async () => {
    const img = await DiscImage.openFile(await fixture('rr-joliet'));
    try {
      const sub = await img.directoryStructureOf('/sub');
      const inner = sub.children.find(c => c.target?.path === '/sub/inner')!;
      const px = inner.children.find(c => c.type === 'susp:PX')!;
      assert.equal(px.name, 'POSIX file attributes (PX) of /sub/inner');
      const dot = sub.children[0];
      assert.ok(dot.children.every(c => c.name.endsWith(' of /sub')), dot.children.map(c => c.name).join(', '));
      const dotdot = sub.children[1];
      assert.ok(dotdot.children.every(c => c.name.endsWith(' of /')), dotdot.children.map(c => c.name).join(', '));
      assert.equal(img.directoryStructureId(await img.lookup('/sub')), sub.id);
    } finally {
      await img.close();
    }
  });

  it('expands a Rock Ridge relocated directory (CL placeholder) to the directory it stands for', async () => {
    const img = await DiscImage.openFile(await fixture('rr-deep'));
    try {
      let dir = (await img.structures()).find(s => s.id.startsWith('dir:iso9660:'))!;
      let path = '';
      const placeholders: string[] = [];
      for (let i = 0; i <= 12; i++) {
        const name = i === 0 ? 'deep' : `level${i}`;
        path += `/${name}`;
        const rec = dir.children.find(c => c.target?.path === path);
        assert.ok(rec, `record ${path} in ${dir.name}`);
        assert.ok(img.isExpandable(rec), `${path} expandable`);
        if (rec.expand?.length === 0) placeholders.push(path); // a CL placeholder: length read from its "." record
        dir = (await img.expandStructure(rec))![0];
        const names = dir.children.slice(2).map(c => c.target?.path);
        const want = (await img.readdir(path)).map(n => n.path);
        assert.deepEqual(names.filter(n => !/rr_moved/.test(n ?? '')), want, `${path}: records`);
      }
      assert.ok(dir.children.some(c => c.target?.path === `${path}/bottom.txt`));
      // ECMA-119 allows 8 levels: genisoimage relocates level7 (depth 9) into rr_moved.
      assert.deepEqual(placeholders, ['/deep/level1/level2/level3/level4/level5/level6/level7']);
    } finally {
      await img.close();
    }
  });

  it('reports an unreadable subdirectory as a structure with a problem, not an exception', async () => {
    const img = await DiscImage.openFile(await fixture('rr-joliet'));
    try {
      const root = await img.directoryStructureOf('/');
      const rec = root.children.find(c => img.isExpandable(c))!;
      const broken: Structure = { ...rec, expand: { ...rec.expand!, lba: 0x7fffffff } };
      const got = await img.expandStructure(broken);
      assert.equal(got?.length, 1);
      assert.ok(got![0].problems?.length, 'the problem is on the structure');
      assert.equal(got![0].children.length, 0);
      assert.equal(img.isExpandable({ ...rec, type: 'directory' }), false);
    } finally {
      await img.close();
    }
  });
});
