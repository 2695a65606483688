// Scroll math for the virtualized hex view. The view scrolls by whole rows; the position is the
// index of the top row. A 4 GiB image has 268 million rows of 16 bytes, far more pixels than any
// element may be tall, so the scrollbar is our own: its thumb maps linearly between the first and
// the last possible top row. Everything here is plain numbers (exact up to 2^53), no DOM.

import { ROW_BYTES } from './notation';

/** Rows [start, end) that the view may show: the whole document, or one sector in sector mode. */
export interface RowRange { start: number; end: number }

export function totalRows(size: number): number {
  return Math.max(1, Math.ceil(size / ROW_BYTES));
}

export function documentRange(size: number): RowRange {
  return { start: 0, end: totalRows(size) };
}

/** The rows of the sector holding `offset` (sector mode), cut at the end of the document. */
export function sectorRange(offset: number, size: number, sectorSize: number): RowRange {
  const rowsPerSector = Math.max(1, Math.floor(sectorSize / ROW_BYTES));
  const sector = Math.floor(Math.max(0, offset) / sectorSize);
  const start = sector * rowsPerSector;
  return { start, end: Math.max(start + 1, Math.min(start + rowsPerSector, totalRows(size))) };
}

/** Rows that fit entirely in `height` pixels (at least 1). */
export function fullRowsIn(height: number, rowHeight: number): number {
  return Math.max(1, Math.floor(height / rowHeight));
}

/** Row slots to render for `height` pixels: the full rows plus a partly visible one. */
export function rowSlotsIn(height: number, rowHeight: number): number {
  return Math.max(1, Math.ceil(height / rowHeight));
}

/** The last top row: the one that shows the last row of the range at the bottom of the view. */
export function maxTop(range: RowRange, visible: number): number {
  return Math.max(range.start, range.end - visible);
}

export function clampTop(top: number, range: RowRange, visible: number): number {
  if (!Number.isFinite(top)) return range.start;
  return Math.min(Math.max(Math.round(top), range.start), maxTop(range, visible));
}

/** Rows [first, end) on screen for a top row and `slots` row slots. */
export function visibleRows(top: number, range: RowRange, slots: number): RowRange {
  const first = Math.max(range.start, top);
  return { start: first, end: Math.min(range.end, first + slots) };
}

/**
 * The top row after making `row` fully visible with `margin` rows of context when the view has to
 * move; unchanged when the row is already on screen.
 */
export function ensureVisible(top: number, row: number, range: RowRange, visible: number, margin = 0): number {
  const m = Math.max(0, Math.min(margin, Math.floor((visible - 1) / 2)));
  let t = top;
  if (row < top) t = row - m;
  else if (row >= top + visible) t = row - visible + 1 + m;
  return clampTop(t, range, visible);
}

/**
 * The top row for revealing `row` (go to, search hit, structure): unchanged when the row is on
 * screen and not in the last `margin` rows; else the row is placed `context` rows below the top.
 */
export function revealTop(top: number, row: number, range: RowRange, visible: number, context = 2): number {
  const c = Math.max(0, Math.min(context, visible - 1));
  if (row >= top && row < top + visible) return clampTop(top, range, visible);
  return clampTop(row - c, range, visible);
}

export interface Thumb { top: number; height: number }

/** Thumb geometry for a scrollbar track of `track` pixels; height 0 when nothing scrolls. */
export function thumbFor(top: number, range: RowRange, visible: number, track: number, minThumb = 24): Thumb {
  const rows = range.end - range.start;
  if (rows <= visible || track <= 0) return { top: 0, height: 0 };
  const height = Math.min(track, Math.max(minThumb, Math.round((track * visible) / rows)));
  const span = maxTop(range, visible) - range.start;
  const free = track - height;
  const t = clampTop(top, range, visible) - range.start;
  return { top: span > 0 ? (free * t) / span : 0, height };
}

/** The top row for a thumb dragged to `thumbTop` pixels (inverse of thumbFor). */
export function topFromThumb(thumbTop: number, range: RowRange, visible: number, track: number, minThumb = 24): number {
  const th = thumbFor(range.start, range, visible, track, minThumb);
  const free = track - th.height;
  if (th.height === 0 || free <= 0) return range.start;
  const frac = Math.min(1, Math.max(0, thumbTop / free));
  const span = maxTop(range, visible) - range.start;
  return clampTop(range.start + frac * span, range, visible);
}

/**
 * Turns wheel deltas into whole rows, keeping the remainder so slow trackpad scrolling still moves.
 * deltaMode: 0 pixels, 1 lines, 2 pages (as in WheelEvent).
 */
export class WheelAccumulator {
  private rest = 0;
  rows(delta: number, deltaMode: number, rowHeight: number, pageRows: number): number {
    if (deltaMode === 1) return Math.trunc(delta) || Math.sign(delta);
    if (deltaMode === 2) return Math.round(delta * pageRows);
    if (Math.sign(delta) !== Math.sign(this.rest)) this.rest = 0;
    this.rest += delta;
    const rows = Math.trunc(this.rest / rowHeight);
    this.rest -= rows * rowHeight;
    return rows;
  }
  reset(): void { this.rest = 0; }
}
