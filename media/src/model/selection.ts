// The byte selection: an anchor and a cursor (both byte offsets, inclusive), like a text editor's.
// The selected range is [min, max] inclusive, so a collapsed selection is the cursor's byte.

import { ROW_BYTES } from './notation';

export interface Sel { anchor: number; cursor: number }

export type Move =
  | 'left' | 'right' | 'up' | 'down' | 'pageUp' | 'pageDown'
  | 'rowStart' | 'rowEnd' | 'docStart' | 'docEnd';

export function lastOffset(size: number): number {
  return Math.max(0, size - 1);
}

export function clampOffset(offset: number, size: number): number {
  if (!Number.isFinite(offset)) return 0;
  return Math.min(Math.max(0, Math.floor(offset)), lastOffset(size));
}

export function collapsed(offset: number, size: number): Sel {
  const o = clampOffset(offset, size);
  return { anchor: o, cursor: o };
}

/** [start, end) of the selection; empty only for an empty document. */
export function selRange(sel: Sel, size: number): [number, number] {
  if (size <= 0) return [0, 0];
  const a = clampOffset(sel.anchor, size);
  const c = clampOffset(sel.cursor, size);
  return [Math.min(a, c), Math.max(a, c) + 1];
}

export function selLength(sel: Sel, size: number): number {
  const [s, e] = selRange(sel, size);
  return e - s;
}

export function isCollapsed(sel: Sel): boolean {
  return sel.anchor === sel.cursor;
}

/** Selection of [offset, offset + length) with the cursor on its first byte. */
export function rangeSel(offset: number, length: number, size: number): Sel {
  const start = clampOffset(offset, size);
  const end = clampOffset(offset + Math.max(1, length) - 1, size);
  return { anchor: end, cursor: start };
}

export function setCursor(sel: Sel, offset: number, extend: boolean, size: number): Sel {
  const c = clampOffset(offset, size);
  return { anchor: extend ? clampOffset(sel.anchor, size) : c, cursor: c };
}

/** Where the cursor goes for a key; up/down/page keep the column and stop at the document's edges. */
export function moveTarget(cursor: number, move: Move, size: number, pageRows: number): number {
  const last = lastOffset(size);
  const col = cursor % ROW_BYTES;
  const rowStart = cursor - col;
  const vertical = (delta: number): number => {
    const t = cursor + delta;
    if (t < 0) return col < cursor ? col : cursor;
    if (t > last) {
      // Past the end: the furthest row that has this column, else the last byte.
      const lastRowStart = last - (last % ROW_BYTES);
      let c = lastRowStart + col;
      if (c > last) c -= ROW_BYTES;
      if (c > cursor) return c;
      return rowStart < lastRowStart ? last : cursor;
    }
    return t;
  };
  switch (move) {
    case 'left': return Math.max(0, cursor - 1);
    case 'right': return Math.min(last, cursor + 1);
    case 'up': return vertical(-ROW_BYTES);
    case 'down': return vertical(ROW_BYTES);
    case 'pageUp': return vertical(-ROW_BYTES * Math.max(1, pageRows));
    case 'pageDown': return vertical(ROW_BYTES * Math.max(1, pageRows));
    case 'rowStart': return rowStart;
    case 'rowEnd': return Math.min(last, rowStart + ROW_BYTES - 1);
    case 'docStart': return 0;
    case 'docEnd': return last;
  }
}

export function move(sel: Sel, m: Move, extend: boolean, size: number, pageRows: number): Sel {
  // Left/right on a selection without Shift collapse to its edge (as text editors do).
  if (!extend && !isCollapsed(sel) && (m === 'left' || m === 'right')) {
    const [s, e] = selRange(sel, size);
    return collapsed(m === 'left' ? s : e - 1, size);
  }
  return setCursor(sel, moveTarget(clampOffset(sel.cursor, size), m, size, pageRows), extend, size);
}

export function selectAll(size: number): Sel {
  return { anchor: 0, cursor: lastOffset(size) };
}
