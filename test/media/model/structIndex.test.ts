import { strict as assert } from 'assert';
import type { FieldInfo, StructNode } from '../../../src/shared/sectorProtocol';
import { SegmentMap, StructureIndex } from '../../../media/src/model/structIndex';

function f(name: string, offset: number, length: number, kind: FieldInfo['kind'] = 'number'): FieldInfo {
  return { name, offset, length, raw: '', display: '', kind };
}
function n(id: string, offset: number, length: number, fields: FieldInfo[] = [], children: StructNode[] = []): StructNode {
  return { id, type: 't', name: id, offset, length, spec: '', fields, children };
}

describe('webview structure index', () => {
  const rr = n('susp:40960', 40960, 237, [f('ER signature', 40960, 2, 'magic'), f('ER length', 40962, 1)]);
  const dot = n('dirrec:38912', 38912, 132, [f('Length', 38912, 1, 'length'), f('Extent', 38914, 8, 'pointer'), f('System use', 38946, 98, 'bytes')], [
    n('susp:38946', 38946, 7, [f('SP signature', 38946, 2, 'magic'), f('SP check', 38950, 2)]),
    rr,
  ]);
  const dir = n('dir:19', 38912, 2048, [], [dot]);
  const pvd = n('vd:16', 32768, 2048, [f('Type', 32768, 1, 'enum'), f('Id', 32769, 5, 'magic'), f('Root record', 32924, 34, 'pointer')], [
    n('dirrec:32924', 32924, 34, [f('Length', 32924, 1, 'length'), f('Extent', 32926, 8, 'pointer')]),
  ]);
  const idx = new StructureIndex([n('mbr', 0, 512, [f('Boot code', 0, 440, 'bytes')]), pvd, dir]);

  it('finds the innermost structure and field', () => {
    assert.equal(idx.nodeAt(100)!.id, 'mbr');
    assert.equal(idx.nodeAt(600), null);
    assert.equal(idx.nodeAt(32768)!.id, 'vd:16');
    assert.equal(idx.nodeAt(32930)!.id, 'dirrec:32924');
    assert.equal(idx.nodeAt(32958)!.id, 'vd:16', 'just past the child');
    assert.equal(idx.nodeAt(34815)!.id, 'vd:16');
    assert.equal(idx.nodeAt(34816), null);
    const h = idx.at(32927);
    assert.equal(h.node!.id, 'dirrec:32924');
    assert.equal(h.field!.name, 'Extent', 'the child field (8 bytes) beats the parent field (34 bytes)');
    assert.equal(h.fieldNode!.id, 'dirrec:32924');
    const h2 = idx.at(32924 + 20);
    assert.equal(h2.field!.name, 'Root record');
    assert.equal(h2.fieldNode!.id, 'vd:16');
  });

  it('handles children outside their parent (continuation areas) and overlapping fields', () => {
    assert.equal(idx.nodeAt(40961)!.id, 'susp:40960');
    assert.equal(idx.at(40962).field!.name, 'ER length');
    assert.equal(idx.nodeAt(38947)!.id, 'susp:38946');
    assert.equal(idx.at(38951).field!.name, 'SP check');
    assert.equal(idx.at(38960).field!.name, 'System use');
    assert.equal(idx.at(38960).node!.id, 'dirrec:38912');
    assert.equal(idx.at(39500).node!.id, 'dir:19');
    assert.equal(idx.at(39500).field, null);
  });

  it('gives paths, parents and per-structure fields', () => {
    const er = idx.byId.get('susp:40960')!;
    assert.deepEqual(idx.path(er).map((x) => x.id), ['dir:19', 'dirrec:38912', 'susp:40960']);
    assert.equal(idx.depth(er), 2);
    assert.ok(idx.isAncestor(dir, er));
    assert.ok(!idx.isAncestor(pvd, er));
    assert.equal(idx.fieldOf(pvd, 32927)!.name, 'Root record', 'only the structure\'s own fields');
    assert.equal(idx.fieldOf(pvd, 32800), null);
    assert.equal(idx.nodeCount, 7);
    assert.equal(idx.fieldCount, 13);
  });

  it('builds and answers fast for 60,000 fields', () => {
    const recs: StructNode[] = [];
    for (let i = 0; i < 10000; i++) {
      const o = 1_000_000 + i * 64;
      recs.push(n(`rec:${i}`, o, 64, [f('a', o, 1), f('b', o + 2, 8), f('c', o + 10, 4), f('d', o + 14, 16), f('e', o + 30, 30), f('f', o + 60, 4)],
        [n(`sub:${i}`, o + 30, 30, [f('x', o + 30, 2)])]));
    }
    const t0 = Date.now();
    const big = new StructureIndex([n('dir', 1_000_000, 640_000, [], recs)]);
    const built = Date.now() - t0;
    assert.ok(built < 1500, `built in ${built} ms`);
    assert.equal(big.fieldCount, 70000);
    const t1 = Date.now();
    let found = 0;
    for (let i = 0; i < 200_000; i++) {
      const o = 1_000_000 + ((i * 7919) % 640_000);
      if (big.at(o).node) found++;
    }
    assert.equal(found, 200_000);
    assert.ok(Date.now() - t1 < 1000);
    assert.equal(big.at(1_000_000 + 64 * 5000 + 31).field!.name, 'x');
    assert.equal(big.at(1_000_000 + 64 * 5000 + 31).node!.id, 'sub:5000');
    assert.equal(big.at(1_000_000 + 64 * 5000 + 1).field, null, 'a gap between fields');
  });

  it('lists segments overlapping a range', () => {
    const m = new SegmentMap([0, 5, 20, 40], [10, 7, 30, 40], (a, b) => a > b);
    assert.deepEqual([...m.overlapping(0, 100)], [[0, 5, 0], [5, 7, 1], [7, 10, 0], [20, 30, 2]]);
    assert.deepEqual([...m.overlapping(6, 21)], [[5, 7, 1], [7, 10, 0], [20, 30, 2]]);
    assert.equal(m.find(15), -1);
    assert.equal(m.find(-1), -1);
    assert.equal(m.find(30), -1);
  });
});
