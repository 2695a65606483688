import { strict as assert } from 'assert';
import { clampOffset, move, moveTarget, rangeSel, selectAll, selLength, selRange, setCursor } from '../../../media/src/model/selection';

describe('webview selection', () => {
  const size = 100; // rows: 0..5 full, row 6 = offsets 96..99

  it('computes ranges from anchor and cursor in either order', () => {
    assert.deepEqual(selRange({ anchor: 10, cursor: 4 }, size), [4, 11]);
    assert.deepEqual(selRange({ anchor: 4, cursor: 10 }, size), [4, 11]);
    assert.equal(selLength({ anchor: 7, cursor: 7 }, size), 1);
    assert.deepEqual(selRange({ anchor: 500, cursor: 0 }, size), [0, 100], 'clamped to the document');
    assert.deepEqual(selRange({ anchor: 0, cursor: 0 }, 0), [0, 0], 'empty document');
    assert.deepEqual(rangeSel(32, 16, size), { anchor: 47, cursor: 32 });
    assert.deepEqual(rangeSel(90, 50, size), { anchor: 99, cursor: 90 });
    assert.deepEqual(selectAll(size), { anchor: 0, cursor: 99 });
    assert.equal(clampOffset(-5, size), 0);
    assert.equal(clampOffset(1e12, size), 99);
  });

  it('moves by byte, row, page and document, clamped', () => {
    assert.equal(moveTarget(0, 'left', size, 10), 0);
    assert.equal(moveTarget(99, 'right', size, 10), 99);
    assert.equal(moveTarget(5, 'up', size, 10), 5, 'first row: up stays');
    assert.equal(moveTarget(21, 'up', size, 10), 5);
    assert.equal(moveTarget(21, 'down', size, 10), 37);
    assert.equal(moveTarget(83, 'down', size, 10), 99, 'the column is past the end: last byte');
    assert.equal(moveTarget(82, 'down', size, 10), 98);
    assert.equal(moveTarget(98, 'down', size, 10), 98, 'last row: down stays');
    assert.equal(moveTarget(21, 'pageDown', size, 10), 85, 'as far as the column goes');
    assert.equal(moveTarget(85, 'pageDown', size, 10), 99);
    assert.equal(moveTarget(85, 'pageUp', size, 2), 53);
    assert.equal(moveTarget(85, 'pageUp', size, 10), 5);
    assert.equal(moveTarget(37, 'rowStart', size, 10), 32);
    assert.equal(moveTarget(37, 'rowEnd', size, 10), 47);
    assert.equal(moveTarget(97, 'rowEnd', size, 10), 99, 'partial last row');
    assert.equal(moveTarget(37, 'docStart', size, 10), 0);
    assert.equal(moveTarget(37, 'docEnd', size, 10), 99);
  });

  it('extends with Shift and collapses without it', () => {
    let s = { anchor: 10, cursor: 10 };
    s = move(s, 'right', true, size, 10);
    s = move(s, 'down', true, size, 10);
    assert.deepEqual(s, { anchor: 10, cursor: 27 });
    assert.deepEqual(move(s, 'left', false, size, 10), { anchor: 10, cursor: 10 }, 'left collapses to the start');
    assert.deepEqual(move(s, 'right', false, size, 10), { anchor: 27, cursor: 27 }, 'right collapses to the end');
    assert.deepEqual(move(s, 'down', false, size, 10), { anchor: 43, cursor: 43 });
    assert.deepEqual(setCursor(s, 60, true, size), { anchor: 10, cursor: 60 });
    assert.deepEqual(setCursor(s, 60, false, size), { anchor: 60, cursor: 60 });
  });

  it('works past 4 GiB', () => {
    const big = 2 ** 32 + 100;
    assert.equal(moveTarget(0, 'docEnd', big, 10), 2 ** 32 + 99);
    assert.equal(moveTarget(2 ** 32 + 99, 'up', big, 10), 2 ** 32 + 83);
    assert.equal(moveTarget(2 ** 32 - 1, 'down', big, 10), 2 ** 32 + 15);
  });
});
