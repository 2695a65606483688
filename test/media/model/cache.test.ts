import { strict as assert } from 'assert';
import { ByteCache } from '../../../media/src/model/cache';

function block(cache: ByteCache, b: number, fill: number): Uint8Array {
  const [, len] = cache.blockSpan(b);
  return new Uint8Array(len).fill(fill);
}

describe('webview byte cache', () => {
  it('aligns requests to blocks and clips them to the document', () => {
    const c = new ByteCache(1024, 8);
    c.reset(5000, 1);
    assert.deepEqual(c.blocksFor(0, 1), [0]);
    assert.deepEqual(c.blocksFor(1000, 1030), [0, 1]);
    assert.deepEqual(c.blocksFor(4090, 9000), [3, 4]);
    assert.deepEqual(c.blocksFor(6000, 7000), []);
    assert.deepEqual(c.blockSpan(4), [4096, 904]);
    assert.deepEqual(c.missing(0, 3000), [0, 1, 2]);
  });

  it('stores answers, serves bytes and keeps requests in flight from being repeated', () => {
    const c = new ByteCache(1024, 8);
    c.reset(5000, 1);
    c.requested(0, 11);
    c.requested(1, 12);
    assert.deepEqual(c.missing(0, 3000), [2], 'pending blocks are not asked for again');
    assert.equal(c.byteAt(5), -1);
    assert.equal(c.receive(11, 0, block(c, 0, 0xaa), 1, [[10, 12]]), 'stored');
    assert.equal(c.byteAt(5), 0xaa);
    assert.equal(c.isEdited(10), true);
    assert.equal(c.isEdited(12), false);
    assert.equal(c.receive(99, 0, block(c, 0, 0), 1, []), 'unknown');
    assert.equal(c.slice(1000, 30), null, 'block 1 not there yet');
    c.receive(12, 1024, block(c, 1, 0xbb), 1, []);
    const s = c.slice(1020, 8)!;
    assert.deepEqual([...s], [0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb]);
    assert.equal(c.byteAt(5000), -1, 'past the end');
  });

  it('evicts the least recently used block beyond its bound', () => {
    const c = new ByteCache(16, 3);
    c.reset(16 * 10, 1);
    for (let b = 0; b < 3; b++) { c.requested(b, b + 1); c.receive(b + 1, b * 16, block(c, b, b), 1, []); }
    c.missing(0, 16); // touch block 0
    c.requested(3, 4);
    c.receive(4, 48, block(c, 3, 3), 1, []);
    assert.equal(c.cachedCount, 3);
    assert.ok(c.has(0) && !c.has(1) && c.has(2) && c.has(3));
  });

  it('drops changed blocks and answers of an older generation', () => {
    const c = new ByteCache(1024, 16);
    c.reset(8192, 5);
    for (let b = 0; b < 4; b++) { c.requested(b, 100 + b); c.receive(100 + b, b * 1024, block(c, b, 1), 5, []); }
    c.requested(4, 200);
    c.requested(5, 201);
    c.invalidate([[1500, 1501], [2500, 2600]], 6);
    assert.equal(c.generation, 6);
    assert.ok(c.has(0) && !c.has(1) && !c.has(2) && c.has(3));
    assert.equal(c.pendingCount, 0, 'requests in flight are forgotten');
    assert.equal(c.receive(200, 4096, block(c, 4, 9), 5, []), 'unknown', 'the old answer is dropped');
    assert.deepEqual(c.missing(0, 8192), [1, 2, 4, 5, 6, 7]);
    c.requested(1, 300);
    assert.equal(c.receive(300, 1024, block(c, 1, 2), 5, []), 'stale', 'an answer read before the change');
    assert.equal(c.has(1), false);
    c.requested(1, 301);
    assert.equal(c.receive(301, 1024, block(c, 1, 2), 6, [[1500, 1501]]), 'stored');
    assert.equal(c.byteAt(1500), 2);
    assert.equal(c.isEdited(1500), true);
  });

  it('drops a huge changed range without iterating every block index', () => {
    const c = new ByteCache(16384, 8);
    c.reset(2 ** 40, 1);
    c.requested(10, 1);
    c.receive(10, 10 * 16384, new Uint8Array(16384), 1, []);
    const t = Date.now();
    c.invalidate([[0, 2 ** 40]], 2);
    assert.ok(Date.now() - t < 100);
    assert.equal(c.cachedCount, 0);
  });

  it('follows a size change', () => {
    const c = new ByteCache(1024, 16);
    c.reset(4096, 1);
    for (let b = 0; b < 4; b++) { c.requested(b, b + 1); c.receive(b + 1, b * 1024, block(c, b, 7), 1, []); }
    c.invalidate([], 2, 2000);
    assert.equal(c.size, 2000);
    assert.ok(c.has(0) && !c.has(1) && !c.has(2) && !c.has(3));
  });

  it('shows typed bytes until a newer read covers them', () => {
    const c = new ByteCache(1024, 16);
    c.reset(2048, 3);
    c.requested(0, 1);
    c.receive(1, 0, block(c, 0, 0), 3, []);
    c.setOverlay(5, 0x41);
    assert.equal(c.byteAt(5), 0x41);
    assert.equal(c.storedByte(5), 0);
    assert.equal(c.slice(4, 3)![1], 0x41);
    // The host's `changed` for the edit, then the re-read.
    c.invalidate([[5, 6]], 4);
    assert.equal(c.byteAt(5), 0x41, 'still shown while the block is re-read');
    c.requested(0, 2);
    c.receive(2, 0, block(c, 0, 0x41), 4, [[5, 6]]);
    assert.equal(c.isOverlaid(5), false);
    assert.equal(c.byteAt(5), 0x41);
    c.setOverlay(6, 0x42);
    c.clearOverlay();
    assert.equal(c.byteAt(6), 0x41);
  });

  it('puts typed bytes over bytes read past the cache', () => {
    const c = new ByteCache(1024, 8);
    c.reset(5000, 1);
    c.setOverlay(4098, 0x41);
    c.setOverlay(4200, 0x42);
    const out = c.overlayOnto(new Uint8Array(100).fill(7), 4100);
    assert.equal(out[0], 7);
    assert.equal(out[99], 7);
    c.setOverlay(4150, 0x43);
    assert.deepEqual([...c.overlayOnto(new Uint8Array(3), 4149)], [0, 0x43, 0], 'only the overlaid offsets change');
  });

  it('keeps a typed byte until the host has acknowledged it, even across an earlier re-read', () => {
    const c = new ByteCache(1024, 16);
    c.reset(2048, 1);
    c.requested(0, 1);
    c.receive(1, 0, block(c, 0, 0), 1, []);
    c.setOverlay(10, 0xaa); // edit 1
    c.setOverlay(11, 0xbb); // edit 2, sent right after
    c.invalidate([[10, 11]], 2); // the host applied edit 1
    c.requested(0, 2);
    const withOnlyEdit1 = block(c, 0, 0);
    withOnlyEdit1[10] = 0xaa;
    c.receive(2, 0, withOnlyEdit1, 2, [[10, 11]]);
    assert.equal(c.isOverlaid(10), false);
    assert.equal(c.byteAt(11), 0xbb, 'edit 2 still shows although the read has a newer generation');
    c.invalidate([[11, 12]], 3);
    c.requested(0, 3);
    const both = withOnlyEdit1.slice();
    both[11] = 0xbb;
    c.receive(3, 0, both, 3, [[10, 12]]);
    assert.equal(c.overlayCount, 0);
    assert.equal(c.byteAt(11), 0xbb);
  });
});

describe('webview byte cache: bytes pushed by the host', () => {
  it('stores whole aligned blocks (and the short last block), ignores misaligned pushes and older generations', () => {
    const c = new ByteCache(16, 100);
    c.reset(40, 2);
    const data = Uint8Array.from({ length: 40 }, (_, i) => i);
    assert.equal(c.prime(0, data, 2, [[3, 5], [20, 30]]), 3);
    assert.ok(c.has(0) && c.has(1) && c.has(2));
    assert.equal(c.prime(8, data.subarray(0, 16), 2, []), 0, 'misaligned');
    assert.equal(c.prime(0, data, 1, []), 0, 'older generation');
  });
});
