// Rendering: once per animation frame, the page is drawn from the view model (state.ts). A frame
// asks the host for the blocks on screen that the byte cache lacks (then those the inspector
// reads, then a screen of read-ahead each way), draws the grid's rows with the selected
// structure's fields over them, the scrollbar, the toolbar's sector and the panels, and reports
// the first paint and the time to paint a jump to the host (perf).

import { decorateFields } from '../model/decorations';
import { INSPECT_BYTES } from '../model/inspector';
import { offsetDigits, ROW_BYTES } from '../model/notation';
import { totalRows, visibleRows, type RowRange } from '../model/scroll';
import { setAttr } from '../ui/dom';
import type { App } from './app';

export class Renderer {
  private framePending = false;
  private firstPaintDone = false;
  /** Per byte on screen: the selected structure's field kind and edges (model/decorations.ts). */
  private kinds = new Uint8Array(0);
  private edges = new Uint8Array(0);

  constructor(private readonly app: App) {}

  schedule(): void {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => this.frame());
  }

  private frame(): void {
    this.framePending = false;
    const s = this.app.state;
    if (!s.doc) return;
    const range = s.range();
    s.clampTop();
    const vis = visibleRows(s.top, range, s.slots);
    const base = vis.start * ROW_BYTES;
    const end = Math.min(s.size, vis.end * ROW_BYTES);
    this.read(base, end);
    this.drawGrid(range, base, end);
    const { toolbar, grid, scrollbar } = this.app.layout;
    scrollbar.update();
    const ss = s.sectorSize;
    toolbar.setSector(s.sectorMode, Math.floor(s.sel.cursor / ss), Math.floor(Math.max(0, s.size - 1) / ss));
    setAttr(grid.viewport, 'aria-rowcount', String(totalRows(s.size)));
    const [selStart, selEnd] = s.selRange();
    this.app.panels.update(selEnd - selStart);
    this.perf(vis, base);
  }

  /** Visible rows first, then the cursor's inspector bytes, then a screen of read-ahead each way. */
  private read(base: number, end: number): void {
    const s = this.app.state;
    this.requestBlocks(base, end);
    this.requestBlocks(s.sel.cursor, s.sel.cursor + INSPECT_BYTES);
    // Read-ahead only when the host keeps up (a fast thumb drag would queue useless reads).
    if (s.cache.pendingCount < 4) {
      const ahead = s.slots * ROW_BYTES;
      this.requestBlocks(end, end + ahead);
      this.requestBlocks(Math.max(0, base - ahead), base);
    }
  }

  private requestBlocks(start: number, end: number): void {
    const cache = this.app.state.cache;
    for (const b of cache.missing(start, end)) {
      const [offset, length] = cache.blockSpan(b);
      if (length <= 0) continue;
      cache.requested(b, this.app.transport.read(offset, length));
    }
  }

  private drawGrid(range: RowRange, base: number, end: number): void {
    const s = this.app.state;
    const n = s.slots * ROW_BYTES;
    if (this.kinds.length < n) { this.kinds = new Uint8Array(n); this.edges = new Uint8Array(n); }
    const index = s.structures.index;
    decorateFields(index, s.structures.selected, base, end, this.kinds, this.edges);
    const [selStart, selEnd] = s.selRange();
    const hoverHit = s.hover !== null ? index.fieldAt(s.hover) : null;
    const search = this.app.panels.search;
    this.app.layout.grid.render({
      top: s.top, range, size: s.size,
      digits: offsetDigits(s.size), decimal: s.decimal, sectorSize: s.sectorSize,
      base, byteAt: (o) => s.cache.byteAt(o), isEdited: (o) => s.cache.isEdited(o), isOverlaid: (o) => s.cache.isOverlaid(o),
      selStart, selEnd, cursor: s.sel.cursor, column: s.column, focused: s.focused,
      nibbleAt: s.nibble ? s.nibble.offset : -1,
      kinds: this.kinds, edges: this.edges,
      hover: hoverHit ? [hoverHit.field.offset, hoverHit.field.offset + hoverHit.field.length] : null,
      inspect: s.inspectLen > 0 ? [s.sel.cursor, s.sel.cursor + s.inspectLen] : null,
      isHit: search.hitCount > 0 ? (o) => search.isHit(o) : () => false,
    });
  }

  /** Tells the host when the first bytes and the bytes of a jump are on screen. */
  private perf(vis: RowRange, base: number): void {
    const s = this.app.state;
    const post = (what: 'firstPaint' | 'reveal', since: number, offset: number): void => {
      requestAnimationFrame(() => this.app.transport.post({ type: 'perf', what, ms: performance.now() - since, at: Date.now(), offset }));
    };
    if (!this.firstPaintDone && (s.size === 0 || s.cache.byteAt(base) >= 0)) {
      this.firstPaintDone = true;
      post('firstPaint', 0, base);
    }
    const pr = s.pendingReveal;
    if (pr) {
      const row = Math.floor(pr.offset / ROW_BYTES);
      if (row >= vis.start && row < vis.end && s.cache.byteAt(pr.offset) >= 0) {
        s.pendingReveal = null;
        post('reveal', pr.t0, pr.offset);
      }
    }
  }
}
