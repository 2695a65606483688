// The webview's view model: everything the page shows, as data (no DOM). The document (DocInfo,
// size) and its bytes (ByteCache: blocks from the host plus typed bytes the host has not
// acknowledged yet), selection and cursor, the first row on screen and the grid's geometry, the
// pending nibble, the panels' choices and layout preferences, the structures and the host's
// answers to `locate`. The controllers (app.ts, panels.ts, input/*) change it and ask for a frame;
// render.ts draws the page from it once per animation frame.

import type { DocInfo, Location, ViewState } from '../../../src/shared/sectorProtocol';
import { SECTOR_SIZE } from '../../../src/shared/sectorProtocol';
import { ByteCache } from '../model/cache';
import type { PendingNibble } from '../model/hexInput';
import { ROW_BYTES } from '../model/notation';
import { clampTop, documentRange, ensureVisible, revealTop, sectorRange, type RowRange } from '../model/scroll';
import { clampOffset, collapsed, rangeSel, selRange, type Sel } from '../model/selection';
import { StructSelection } from '../model/structSelection';
import type { Column } from '../ui/grid';
import type { PanelName } from '../ui/toolbar';
import type { StoredState } from './transport';

const BLOCK_SIZE = 16 * 1024;
const MAX_BLOCKS = 512; // 8 MiB of cached bytes
const MAX_LOCATIONS = 512;

export type PanelsShown = Record<PanelName, boolean>;

export class EditorState {
  readonly cache = new ByteCache(BLOCK_SIZE, MAX_BLOCKS);
  doc: DocInfo | null = null;
  size = 0;
  sel: Sel = { anchor: 0, cursor: 0 };
  /** The first row on screen. */
  top = 0;
  sectorMode = false;
  column: Column = 'hex';
  panels: PanelsShown = { structures: true, inspector: true, search: false };
  littleEndian = true;
  decimal = false;
  leftWidth = 280;
  rightWidth = 300;
  searchPrefs: { kind?: string; caseSensitive?: boolean } = {};
  /** The byte under the mouse. */
  hover: number | null = null;
  /** How many bytes from the cursor the inspector's hovered row reads (highlighted). */
  inspectLen = 0;
  /** The cursor's byte with one hex digit typed (shown through the cache's overlay). */
  nibble: PendingNibble | null = null;
  /** The grid has the keyboard focus. */
  focused = false;
  /** A jump not painted yet: once it is, its time goes to the host (perf). */
  pendingReveal: { offset: number; t0: number } | null = null;
  /** The grid's geometry (layout.ts measures it): px per row, row slots, rows fully visible. */
  rowHeight = 20;
  slots = 1;
  fullRows = 1;
  readonly structures = new StructSelection();
  /** The host's answers to `locate` (the newest 512; dropped when the bytes change). */
  readonly locations = new Map<number, Location>();

  get sectorSize(): number {
    return this.doc?.blockSize || SECTOR_SIZE;
  }

  /** The rows the view can show: the whole document, or in sector mode the cursor's sector. */
  range(): RowRange {
    return this.sectorMode ? sectorRange(this.sel.cursor, this.size, this.sectorSize) : documentRange(this.size);
  }

  /** [start, end) of the selection. */
  selRange(): [number, number] {
    return selRange(this.sel, this.size);
  }

  viewState(): ViewState {
    return {
      topOffset: this.top * ROW_BYTES, cursor: this.sel.cursor, anchor: this.sel.anchor, sectorMode: this.sectorMode,
      panels: { ...this.panels }, littleEndian: this.littleEndian,
    };
  }

  /** What vscode.setState keeps: the view state and the layout preferences. */
  stored(state: ViewState): StoredState {
    return { ...state, ui: { leftWidth: this.leftWidth, rightWidth: this.rightWidth, offsetDecimal: this.decimal, searchKind: this.searchPrefs.kind, searchCase: this.searchPrefs.caseSensitive } };
  }

  restoreUi(saved: StoredState | null): void {
    if (!saved?.ui) return;
    this.leftWidth = saved.ui.leftWidth ?? this.leftWidth;
    this.rightWidth = saved.ui.rightWidth ?? this.rightWidth;
    this.decimal = !!saved.ui.offsetDecimal;
    this.searchPrefs = { kind: saved.ui.searchKind, caseSensitive: saved.ui.searchCase };
  }

  /** The document arrived (`init`). */
  open(doc: DocInfo, generation: number): void {
    this.doc = doc;
    this.size = doc.size;
    this.cache.reset(doc.size, generation);
  }

  /** A view state from the host (`init`) or from the webview's own stored state. */
  restoreView(st: ViewState): void {
    this.sel = { anchor: clampOffset(st.anchor, this.size), cursor: clampOffset(st.cursor, this.size) };
    this.sectorMode = !!st.sectorMode;
    if (st.panels) this.panels = { structures: !!st.panels.structures, inspector: !!st.panels.inspector, search: !!st.panels.search };
    this.littleEndian = st.littleEndian !== false;
    this.top = Math.floor(Math.max(0, st.topOffset) / ROW_BYTES);
  }

  /** The bytes changed (`changed`); true when the size did. */
  bytesChanged(generation: number, size: number, ranges: Array<[number, number]>): boolean {
    const resized = size !== this.size;
    this.cache.invalidate(ranges, generation, size);
    this.size = size;
    if (this.doc) this.doc.size = size;
    if (resized) this.sel = { anchor: clampOffset(this.sel.anchor, size), cursor: clampOffset(this.sel.cursor, size) };
    this.locations.clear();
    return resized;
  }

  rememberLocation(offset: number, location: Location): void {
    this.locations.set(offset, location);
    if (this.locations.size > MAX_LOCATIONS) this.locations.delete(this.locations.keys().next().value as number);
  }

  /** Keeps the first row within the range. */
  clampTop(): void {
    this.top = clampTop(this.top, this.range(), this.fullRows);
  }

  /** Scrolls to a first row (clamped); false when that is where the view is. */
  scrollTo(top: number): boolean {
    const t = clampTop(top, this.range(), this.fullRows);
    if (t === this.top) return false;
    this.top = t;
    return true;
  }

  /** Scrolls just enough to show the cursor's row. */
  showCursor(): void {
    this.top = ensureVisible(this.top, Math.floor(this.sel.cursor / ROW_BYTES), this.range(), this.fullRows, 0);
  }

  /** Page keys scroll the view by a page too, not just until the cursor shows. */
  pageBy(rows: number): void {
    this.top = clampTop(this.top + rows, this.range(), this.fullRows);
    this.top = ensureVisible(this.top, Math.floor(this.sel.cursor / ROW_BYTES), this.range(), this.fullRows);
  }

  /** Selects [start, start + length) and scrolls it into view with some context. */
  revealRange(start: number, length: number): void {
    this.sel = rangeSel(start, Math.max(1, length), this.size);
    const range = this.range();
    const startRow = Math.floor(start / ROW_BYTES);
    const endRow = Math.floor(clampOffset(start + Math.max(1, length) - 1, this.size) / ROW_BYTES);
    let t = revealTop(this.top, startRow, range, this.fullRows, 2);
    if (endRow - startRow + 1 <= this.fullRows) t = Math.max(t, endRow - this.fullRows + 1);
    this.top = clampTop(Math.min(t, startRow), range, this.fullRows);
    this.markReveal(start);
  }

  /** The sector before or after the cursor's: its start, and the cursor's place in it; null at the ends. */
  sectorStep(dir: 1 | -1): { start: number; offset: number } | null {
    const ss = this.sectorSize;
    const lastSector = Math.floor(Math.max(0, this.size - 1) / ss);
    const cur = Math.floor(this.sel.cursor / ss);
    const next = Math.min(lastSector, Math.max(0, cur + dir));
    if (next === cur) return null;
    return { start: next * ss, offset: clampOffset(next * ss + (this.sel.cursor % ss), this.size) };
  }

  /** In sector mode: the cursor moves to offset and the view shows its sector from the top. */
  enterSector(offset: number): void {
    this.sel = collapsed(offset, this.size);
    this.top = this.range().start;
    this.markReveal(offset);
  }

  setSectorMode(on: boolean): void {
    this.sectorMode = on;
    const range = this.range();
    if (on) this.top = range.start;
    this.top = ensureVisible(clampTop(this.top, range, this.fullRows), Math.floor(this.sel.cursor / ROW_BYTES), range, this.fullRows);
  }

  private markReveal(offset: number): void {
    this.pendingReveal = { offset, t0: performance.now() };
  }
}
