import { strict as assert } from 'assert';
import type { StructNode } from '../../../src/shared/sectorProtocol';
import { StructSelection } from '../../../media/src/model/structSelection';

function n(id: string, offset: number, length: number, children: StructNode[] = [], lazy = false): StructNode {
  return { id, type: 't', name: id, offset, length, spec: '', fields: [], children, lazy };
}

/** A fresh decoding of the same image: new objects, the same ids. */
function decode(): StructNode[] {
  return [n('sa', 0, 32768), n('vd:16', 32768, 2048), n('dir:20', 40960, 2048, [], true)];
}

describe('webview structure selection', () => {
  it('follows the cursor into the innermost structure and stays while the cursor is inside', () => {
    const s = new StructSelection();
    s.setRoots(decode());
    assert.equal(s.follow(32800), true);
    assert.equal(s.selected!.id, 'vd:16');
    assert.equal(s.follow(33000), false, 'still inside');
    assert.equal(s.follow(36000), true, 'outside every structure');
    assert.equal(s.selected, null);
    assert.equal(s.follow(37000), false);
  });

  it('keeps the selection by id across a new decoding', () => {
    const s = new StructSelection();
    s.setRoots(decode());
    s.select(s.index.byId.get('vd:16')!);
    const roots = decode();
    s.setRoots(roots);
    assert.equal(s.selected, roots[1]);
    assert.deepEqual(s.selectedPath()!.map((x) => x.id), ['vd:16']);
  });

  it('waits for a lazy parent\'s children to select a node inside it', () => {
    const s = new StructSelection();
    const first = decode();
    first[2].children = [n('rec:40960', 40960, 34)];
    first[2].lazy = false;
    s.setRoots(first);
    s.select(s.index.byId.get('rec:40960')!);
    s.setRoots(decode());
    assert.equal(s.selected, null, 'not in the new tree yet');
    assert.equal(s.claimWanted(), null);
    assert.equal(s.has('dir:20'), true);
    s.addChildren('dir:20', [n('rec:40960', 40960, 34)]);
    const got = s.claimWanted();
    assert.equal(got?.id, 'rec:40960');
    assert.equal(s.selected, got);
    assert.deepEqual(s.selectedPath()!.map((x) => x.id), ['dir:20', 'rec:40960']);
    assert.equal(s.index.byId.get('dir:20')!.lazy, false);
  });

  it('a new selection cancels the wait', () => {
    const s = new StructSelection();
    const first = decode();
    first[2].children = [n('rec:40960', 40960, 34)];
    s.setRoots(first);
    s.select(s.index.byId.get('rec:40960')!);
    s.setRoots(decode());
    s.select(s.index.byId.get('sa')!);
    s.addChildren('dir:20', [n('rec:40960', 40960, 34)]);
    assert.equal(s.claimWanted(), null);
    assert.equal(s.selected!.id, 'sa');
  });
});
