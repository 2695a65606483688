// The grid's pointer: a click puts the cursor on a byte (Shift extends the selection) in the column
// clicked, a drag extends the selection in that column and scrolls while the pointer is above or
// below the grid; the wheel scrolls (over the grid and over its scrollbar); hovering a byte shows
// its field (the field panel, a highlight in the grid).

import { ROW_BYTES } from '../../model/notation';
import { WheelAccumulator } from '../../model/scroll';
import { clampOffset, setCursor } from '../../model/selection';
import type { Column } from '../../ui/grid';
import type { App } from '../app';

/** While dragging: the column the drag started in, the auto-scroll timer, the pointer's place. */
interface Drag { column: Column; timer: number | undefined; lastY: number; lastX: number }

export class GridPointer {
  private readonly wheel = new WheelAccumulator();
  private drag: Drag | null = null;

  constructor(private readonly app: App) {
    const vp = app.layout.grid.viewport;
    vp.addEventListener('wheel', (e) => {
      if (e.ctrlKey) return; // zoom
      e.preventDefault();
      const d = Math.abs(e.deltaY) >= Math.abs(e.deltaX) ? e.deltaY : 0;
      this.scrollWheel(d, e.deltaMode);
    }, { passive: false });
    vp.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    vp.addEventListener('mousemove', (e) => this.onHover(e.target));
    vp.addEventListener('mouseleave', () => this.setHover(null));
    // The scrollbar's wheel scrolls the grid too.
    app.layout.scrollbar.root.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.scrollWheel(e.deltaY, e.deltaMode);
    }, { passive: false });
  }

  private scrollWheel(delta: number, deltaMode: number): void {
    const s = this.app.state;
    this.app.scrollBy(this.wheel.rows(delta, deltaMode, s.rowHeight, s.fullRows));
  }

  private onHover(target: EventTarget | null): void {
    if (this.drag) return;
    const grid = this.app.layout.grid;
    const cell = grid.cellAt(target);
    const row = cell ? grid.slotRow(cell.slot) : -1;
    const h = cell && row >= 0 ? row * ROW_BYTES + cell.col : null;
    this.setHover(h !== null && h < this.app.state.size ? h : null);
  }

  private setHover(offset: number | null): void {
    if (offset === this.app.state.hover) return;
    this.app.state.hover = offset;
    this.app.schedule();
  }

  private onPointerDown(e: PointerEvent): void {
    const s = this.app.state;
    if (e.button !== 0 || s.size === 0) return;
    e.preventDefault();
    const vp = this.app.layout.grid.viewport;
    vp.focus();
    const hit = this.app.layout.grid.hitTest(e.clientX, e.clientY, s.top);
    if (!hit) return;
    s.column = hit.column;
    const off = Math.min(clampOffset(hit.offset, s.size), (s.range().end * ROW_BYTES) - 1);
    this.app.setSel(setCursor(s.sel, off, e.shiftKey, s.size), { follow: false, fromGrid: true });
    vp.setPointerCapture(e.pointerId);
    this.drag = { column: hit.column, timer: undefined, lastX: e.clientX, lastY: e.clientY };
    const move = (ev: PointerEvent): void => this.onDragMove(ev);
    const up = (): void => {
      vp.removeEventListener('pointermove', move);
      vp.removeEventListener('pointerup', up);
      vp.removeEventListener('pointercancel', up);
      this.endDrag();
    };
    vp.addEventListener('pointermove', move);
    vp.addEventListener('pointerup', up);
    vp.addEventListener('pointercancel', up);
  }

  /** Extends the selection to the byte under a point, in the drag's column and the view's range. */
  private extendTo(x: number, y: number): void {
    const s = this.app.state;
    const h = this.app.layout.grid.hitTest(x, y, s.top, this.drag?.column);
    if (!h) return;
    const r = s.range();
    const o = Math.max(r.start * ROW_BYTES, Math.min(clampOffset(h.offset, s.size), r.end * ROW_BYTES - 1));
    if (o !== s.sel.cursor) this.app.setSel(setCursor(s.sel, o, true, s.size), { follow: false });
  }

  private onDragMove(ev: PointerEvent): void {
    const drag = this.drag;
    if (!drag) return;
    drag.lastX = ev.clientX;
    drag.lastY = ev.clientY;
    this.extendTo(ev.clientX, ev.clientY);
    const rect = this.app.layout.grid.viewport.getBoundingClientRect();
    const outside = ev.clientY < rect.top || ev.clientY > rect.bottom;
    if (outside && drag.timer === undefined) drag.timer = window.setInterval(() => this.autoScroll(), 50);
    else if (!outside && drag.timer !== undefined) { window.clearInterval(drag.timer); drag.timer = undefined; }
  }

  /** While the pointer is above or below the grid: scroll (faster further away) and extend. */
  private autoScroll(): void {
    if (!this.drag) return;
    const rect = this.app.layout.grid.viewport.getBoundingClientRect();
    const y = this.drag.lastY;
    const over = y < rect.top ? y - rect.top : y > rect.bottom ? y - rect.bottom : 0;
    if (over !== 0) {
      const rows = Math.sign(over) * Math.max(1, Math.round(Math.abs(over) / 8));
      this.app.scrollBy(rows);
      this.extendTo(this.drag.lastX, y);
    }
  }

  private endDrag(): void {
    if (this.drag?.timer !== undefined) window.clearInterval(this.drag.timer);
    this.drag = null;
    this.app.panels.followCursor();
    this.app.schedule();
  }
}
