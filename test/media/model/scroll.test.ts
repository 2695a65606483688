import { strict as assert } from 'assert';
import {
  clampTop, documentRange, ensureVisible, fullRowsIn, maxTop, revealTop, rowSlotsIn, sectorRange,
  thumbFor, topFromThumb, totalRows, visibleRows, WheelAccumulator,
} from '../../../media/src/model/scroll';

describe('webview scroll math', () => {
  it('counts rows, including a partial last row and an empty document', () => {
    assert.equal(totalRows(0), 1);
    assert.equal(totalRows(1), 1);
    assert.equal(totalRows(16), 1);
    assert.equal(totalRows(17), 2);
    assert.equal(fullRowsIn(405, 20), 20);
    assert.equal(rowSlotsIn(405, 20), 21);
    assert.equal(fullRowsIn(5, 20), 1);
  });

  it('clamps the top row so the last row is at the bottom of the view', () => {
    const r = documentRange(1000 * 16);
    assert.equal(maxTop(r, 40), 960);
    assert.equal(clampTop(5000, r, 40), 960);
    assert.equal(clampTop(-3, r, 40), 0);
    assert.equal(clampTop(NaN, r, 40), 0);
    assert.equal(clampTop(10.6, r, 40), 11);
    // Fewer rows than the view: no scrolling.
    assert.equal(maxTop(documentRange(100), 40), 0);
  });

  it('handles a 4.4 GiB document down to its last row', () => {
    const size = Math.round(4.4 * 2 ** 30); // 4,724,464,026 bytes: the last row holds 10 bytes
    const rows = totalRows(size);
    assert.equal(rows, 295279002);
    const lastRow = rows - 1;
    assert.equal(lastRow * 16, 4724464016);
    assert.equal(size - lastRow * 16, 10);
    const r = documentRange(size);
    const visible = 40;
    const top = ensureVisible(0, lastRow, r, visible);
    assert.equal(top, rows - visible);
    const vis = visibleRows(top, r, visible + 1);
    assert.equal(vis.end, rows, 'the last row is rendered');
    assert.equal(vis.end - vis.start, visible);
    // The thumb at the bottom of the track maps to the last top row and back, exactly.
    const track = 700;
    const th = thumbFor(top, r, visible, track);
    assert.equal(th.height, 24, 'minimum thumb height');
    assert.equal(th.top, track - th.height);
    assert.equal(topFromThumb(track - th.height, r, visible, track), top);
    assert.equal(topFromThumb(10_000, r, visible, track), top);
    assert.equal(topFromThumb(0, r, visible, track), 0);
    // The middle of the track is the middle of the document (one pixel ≈ 437,000 rows).
    const mid = topFromThumb((track - th.height) / 2, r, visible, track);
    assert.ok(Math.abs(mid - (rows - visible) / 2) <= 1);
    const back = thumbFor(mid, r, visible, track);
    assert.ok(Math.abs(back.top - (track - th.height) / 2) < 0.01);
    // Going to a row beyond 4 GiB keeps exact offsets.
    const row4g = Math.floor(2 ** 32 / 16) + 7;
    const t2 = revealTop(0, row4g, r, visible, 2);
    assert.equal(t2, row4g - 2);
    assert.equal(t2 * 16, 2 ** 32 + 5 * 16);
  });

  it('keeps a row in view with the least movement', () => {
    const r = documentRange(16 * 1000);
    assert.equal(ensureVisible(100, 110, r, 20), 100, 'already visible');
    assert.equal(ensureVisible(100, 120, r, 20), 101, 'one below the view');
    assert.equal(ensureVisible(100, 99, r, 20), 99, 'one above the view');
    assert.equal(ensureVisible(100, 500, r, 20, 3), 484, 'with a margin');
    assert.equal(ensureVisible(100, 50, r, 20, 3), 47);
    assert.equal(ensureVisible(100, 999, r, 20, 3), 980, 'clamped at the end');
    assert.equal(ensureVisible(100, 0, r, 20, 3), 0, 'clamped at the start');
  });

  it('reveals a row with context above it unless it is on screen', () => {
    const r = documentRange(16 * 1000);
    assert.equal(revealTop(0, 10, r, 20), 0);
    assert.equal(revealTop(0, 30, r, 20), 28);
    assert.equal(revealTop(500, 30, r, 20), 28);
    assert.equal(revealTop(0, 999, r, 20), 980);
  });

  it('confines sector mode to one sector', () => {
    const size = 5 * 2048 + 100;
    assert.deepEqual(sectorRange(0, size, 2048), { start: 0, end: 128 });
    assert.deepEqual(sectorRange(2048 * 2 + 5, size, 2048), { start: 256, end: 384 });
    // The last, partial sector ends with the document.
    assert.deepEqual(sectorRange(size - 1, size, 2048), { start: 640, end: 647 });
    const r = sectorRange(2048 * 2, size, 2048);
    assert.equal(clampTop(0, r, 40), 256);
    assert.equal(clampTop(10_000, r, 40), 344);
    assert.equal(maxTop(r, 200), 256, 'the whole sector fits');
    assert.deepEqual(thumbFor(256, r, 200, 500), { top: 0, height: 0 });
    assert.deepEqual(visibleRows(256, r, 200), { start: 256, end: 384 });
  });

  it('gives no thumb when everything fits and a proportional one otherwise', () => {
    const r = documentRange(16 * 100);
    assert.deepEqual(thumbFor(0, r, 100, 400), { top: 0, height: 0 });
    const th = thumbFor(50, r, 50, 400);
    assert.equal(th.height, 200);
    assert.equal(th.top, 200);
    assert.equal(topFromThumb(100, r, 50, 400), 25);
  });

  it('turns wheel deltas into rows and keeps the remainder', () => {
    const w = new WheelAccumulator();
    assert.equal(w.rows(10, 0, 20, 30), 0);
    assert.equal(w.rows(10, 0, 20, 30), 1);
    assert.equal(w.rows(100, 0, 20, 30), 5);
    assert.equal(w.rows(-30, 0, 20, 30), -1, 'a change of direction drops the remainder');
    assert.equal(w.rows(3, 1, 20, 30), 3);
    assert.equal(w.rows(0.4, 1, 20, 30), 1);
    assert.equal(w.rows(-1, 2, 20, 30), -30);
  });
});
