// Staged changes on disk (src/provider/stagingStore.ts): content files, atomic state, garbage
// collection, and a change set saved there restored onto the same image (the reload path).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChangeSet } from '../../src/engine/edit/changeSet';
import { DiscImage } from '../../src/engine/image';
import { StagingStore, type PersistedState } from '../../src/provider/stagingStore';
import { fixture } from '../fixtures/build';

describe('staging store', function () {
  this.timeout(120_000);
  let root: string;
  let store: StagingStore;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-staging-'));
    store = new StagingStore(path.join(root, 'staging'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps one folder per image key (case-insensitive, as authorities are)', () => {
    assert.equal(store.dirOf('abcd'), store.dirOf('ABCD'));
    assert.notEqual(store.dirOf('abcd'), store.dirOf('abce'));
    assert.match(path.basename(store.dirOf('abcd')), /^[0-9a-f]{16}$/);
    assert.equal(path.dirname(store.contentDir('abcd')), store.dirOf('abcd'));
  });

  it('writes content files, saves and loads state, collects unreferenced content, removes all', async () => {
    const a = await store.newContentFile('k', new TextEncoder().encode('hello'));
    const b = await store.newContentFile('k', new Uint8Array(0));
    assert.equal(a.size, 5);
    assert.equal(fs.readFileSync(a.path, 'utf8'), 'hello');
    assert.equal(b.size, 0);
    assert.notEqual(a.path, b.path);
    assert.equal(path.dirname(a.path), store.contentDir('k'));
    assert.equal(store.load('k'), null);
    const state: PersistedState = {
      version: 1, imageUri: 'file:///x.iso', key: 'k', savedAt: 1, count: 1,
      changes: { version: 1, image: { path: '/x.iso', size: 1, mtimeMs: 2 }, namespace: 'rr', ops: [] },
    };
    await store.save(state);
    assert.deepEqual(store.load('k'), state);
    assert.deepEqual(store.load('K'), state);
    assert.deepEqual(store.list(), [state]);
    assert.deepEqual(fs.readdirSync(store.dirOf('k')).sort(), ['content', 'state.json'], 'no temp file left');
    const c = await store.newContentFile('k', new Uint8Array([1]));
    assert.equal(await store.gc('k', [a.path], [b.path]), 1, 'only the candidates are considered');
    assert.ok(fs.existsSync(c.path), 'another window\'s file is left alone');
    assert.ok(!fs.existsSync(b.path));
    assert.equal(await store.gc('k', [a.path]), 1);
    assert.ok(fs.existsSync(a.path));
    assert.ok(!fs.existsSync(b.path));
    await store.remove('k');
    assert.ok(!fs.existsSync(store.dirOf('k')));
    assert.equal(store.load('k'), null);
    assert.deepEqual(store.list(), []);
  });

  it('reports a damaged or foreign state file instead of using it', async () => {
    fs.mkdirSync(store.dirOf('k'), { recursive: true });
    fs.writeFileSync(path.join(store.dirOf('k'), 'state.json'), '{ not json');
    const bad: string[] = [];
    assert.equal(store.load('k', w => bad.push(w)), null);
    assert.equal(bad.length, 1);
    fs.writeFileSync(path.join(store.dirOf('k'), 'state.json'), JSON.stringify({ version: 1, key: 'other', imageUri: 'file:///o.iso', changes: { ops: [] } }));
    assert.equal(store.load('k', w => bad.push(w)), null);
    assert.match(bad[1], /another image/);
  });

  it('restores a change set saved through it onto the same image', async () => {
    const file = await fixture('rr-joliet');
    const img = await DiscImage.openFile(file);
    try {
      const cs = new ChangeSet(img, file);
      await cs.writeFile('/docs/new.txt', await store.newContentFile('img', new TextEncoder().encode('staged\n')));
      await cs.rename('/README.TXT', '/README.md');
      await store.save({ version: 1, imageUri: `file://${file}`, key: 'img', savedAt: Date.now(), count: cs.summary().length, changes: cs.toJSON() });
      const loaded = store.load('img')!;
      assert.equal(loaded.count, 2);
      const again = await ChangeSet.fromJSON(img, file, loaded.changes);
      assert.deepEqual(again.summary(), cs.summary());
      const n = (await again.stat('/docs/new.txt'))!;
      assert.equal(Buffer.from(await again.read(n, 0, 100)).toString(), 'staged\n');
      assert.equal(await store.gc('img', again.contentFiles()), 0);
    } finally {
      await img.close();
    }
  });
});
