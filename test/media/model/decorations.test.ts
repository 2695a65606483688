import { strict as assert } from 'assert';
import type { FieldInfo, StructNode } from '../../../src/shared/sectorProtocol';
import { decorateFields, EDGE_END, EDGE_PROBLEM, EDGE_START, KIND_INDEX } from '../../../media/src/model/decorations';
import { StructureIndex } from '../../../media/src/model/structIndex';

function f(name: string, offset: number, length: number, kind: FieldInfo['kind'], problem?: string): FieldInfo {
  return { name, offset, length, raw: '', display: '', kind, problem };
}

describe('webview field decorations', () => {
  const node: StructNode = {
    id: 'vd:16', type: 'pvd', name: 'PVD', offset: 100, length: 40, spec: '', children: [],
    fields: [f('Type', 100, 1, 'enum'), f('Id', 101, 5, 'magic'), f('Checksum', 110, 4, 'checksum', 'bad'), f('Tail', 130, 10, 'bytes')],
  };
  const index = new StructureIndex([node]);

  it('tints the fields on screen and marks their edges and problems', () => {
    const kinds = new Uint8Array(32).fill(9);
    const edges = new Uint8Array(32).fill(9);
    decorateFields(index, node, 96, 128, kinds, edges);
    assert.equal(kinds[0], 0, 'before the structure: cleared');
    assert.equal(kinds[4], KIND_INDEX.enum);
    assert.equal(edges[4], EDGE_START | EDGE_END, 'a one-byte field starts and ends at its byte');
    assert.deepEqual([...kinds.subarray(5, 10)], new Array(5).fill(KIND_INDEX.magic));
    assert.equal(edges[5], EDGE_START);
    assert.equal(edges[9], EDGE_END);
    assert.equal(edges[7], 0);
    assert.deepEqual([...edges.subarray(14, 18)], [EDGE_START | EDGE_PROBLEM, EDGE_PROBLEM, EDGE_PROBLEM, EDGE_END | EDGE_PROBLEM]);
    assert.equal(kinds[20], 0, 'between fields');
  });

  it('leaves the edges of fields cut by the screen unmarked', () => {
    const kinds = new Uint8Array(8);
    const edges = new Uint8Array(8);
    decorateFields(index, node, 132, 136, kinds, edges);
    assert.deepEqual([...kinds.subarray(0, 4)], new Array(4).fill(KIND_INDEX.bytes));
    assert.deepEqual([...edges.subarray(0, 4)], [0, 0, 0, 0]);
  });

  it('clears everything without a selected structure or one off screen', () => {
    const kinds = new Uint8Array(8).fill(3);
    const edges = new Uint8Array(8).fill(3);
    decorateFields(index, null, 100, 108, kinds, edges);
    assert.deepEqual([...kinds, ...edges], new Array(16).fill(0));
    kinds.fill(3);
    decorateFields(index, node, 0, 8, kinds, edges);
    assert.deepEqual([...kinds], new Array(8).fill(0));
  });
});
