// The hex grid: a fixed pool of row elements (as many as fit the viewport) whose text and classes
// are rewritten for the rows on screen. Rows have a fixed height, nothing is created or measured
// while scrolling, and a cell's DOM is touched only when its text or class changes.

import { EDGE_END, EDGE_PROBLEM, EDGE_START, KINDS } from '../model/decorations';
import { ASCII_CHAR, HEX2, hexOffset, isPrintable, ROW_BYTES } from '../model/notation';
import { rulerMark } from '../model/ruler';
import type { RowRange } from '../model/scroll';
import { addChildren, el, setAttr, setText } from './dom';

export type Column = 'hex' | 'ascii';

export interface GridFrame {
  top: number;
  range: RowRange;
  size: number;
  digits: number;
  decimal: boolean;
  sectorSize: number;
  /** First byte of the decoration arrays (the first rendered row's offset). */
  base: number;
  byteAt(offset: number): number;
  isEdited(offset: number): boolean;
  isOverlaid(offset: number): boolean;
  selStart: number;
  selEnd: number;
  cursor: number;
  column: Column;
  focused: boolean;
  /** The byte whose first nibble was typed (-1: none). */
  nibbleAt: number;
  /** Per byte from `base`: KIND_INDEX of the selected structure's field, and EDGE_* bits (model/decorations.ts). */
  kinds: Uint8Array;
  edges: Uint8Array;
  /** Highlights: the hovered field, the inspector's hovered type. */
  hover: [number, number] | null;
  inspect: [number, number] | null;
  /** Is the byte part of a search hit? */
  isHit(offset: number): boolean;
}

interface Slot {
  row: HTMLDivElement;
  lba: HTMLSpanElement;
  off: HTMLSpanElement;
  hex: HTMLSpanElement[];
  asc: HTMLSpanElement[];
  rowIndex: number;
  rowClass: string;
  hexText: string[];
  hexClass: string[];
  ascText: string[];
  ascClass: string[];
}

export interface GridHit { offset: number; column: Column; /** Past the last byte of the row (or the document). */ clamped: boolean }

/** Writes a byte's hex and ASCII cells, touching the DOM only where the text or class changed. */
function setCell(s: Slot, j: number, ht: string, at: string, hc: string, ac: string): void {
  if (s.hexText[j] !== ht) { s.hex[j].textContent = ht; s.hexText[j] = ht; }
  if (s.ascText[j] !== at) { s.asc[j].textContent = at; s.ascText[j] = at; }
  if (s.hexClass[j] !== hc) { s.hex[j].className = hc; s.hexClass[j] = hc; }
  if (s.ascClass[j] !== ac) { s.asc[j].className = ac; s.ascClass[j] = ac; }
}

/** The classes of byte o (column j of its row) shared by both cells: field, selection, highlights, edits. */
function byteClasses(f: GridFrame, o: number, j: number): string {
  let extra = '';
  const d = o - f.base;
  const k = d >= 0 && d < f.kinds.length ? f.kinds[d] : 0;
  if (k) {
    extra += ' k-' + KINDS[k];
    const e = f.edges[d];
    if (e & EDGE_START) extra += ' fs';
    if (e & EDGE_END) extra += ' fe';
    if (e & EDGE_PROBLEM) extra += ' fp';
  }
  if (o >= f.selStart && o < f.selEnd) {
    extra += ' sel';
    if (o === f.selStart || j === 0) extra += ' ss';
    if (o === f.selEnd - 1 || j === ROW_BYTES - 1) extra += ' se';
  }
  if (f.isHit(o)) extra += ' fhit';
  if (f.hover && o >= f.hover[0] && o < f.hover[1]) extra += ' hf';
  if (f.inspect && o >= f.inspect[0] && o < f.inspect[1]) extra += ' ih';
  if (f.isOverlaid(o)) extra += ' pend';
  else if (f.isEdited(o)) extra += ' mod';
  return extra;
}

export class HexGrid {
  readonly root: HTMLDivElement;
  /** The focusable grid (role=grid, data-testid=hex-grid). */
  readonly viewport: HTMLDivElement;
  readonly header: HTMLDivElement;
  private readonly rowsEl: HTMLDivElement;
  private readonly headHex: HTMLSpanElement[] = [];
  private readonly headAsc: HTMLSpanElement;
  private readonly headOff: HTMLSpanElement;
  private slots: Slot[] = [];
  private hexX: Array<[number, number]> = [];
  private ascX: Array<[number, number]> = [];
  rowHeight = 20;
  private headCol = -1;

  constructor() {
    this.root = el('div', 'grid-x');
    this.header = el('div', 'grid-head', { 'aria-hidden': 'true' });
    this.header.appendChild(el('span', 'lba', undefined, 'Sector'));
    this.headOff = el('span', 'off', undefined, 'Offset');
    this.header.appendChild(this.headOff);
    const hx = el('span', 'hex');
    for (let i = 0; i < ROW_BYTES; i++) {
      const c = el('span', 'b', undefined, HEX2[i]);
      this.headHex.push(c);
      hx.appendChild(c);
    }
    this.header.appendChild(hx);
    this.headAsc = el('span', 'asc', undefined, 'ASCII');
    this.header.appendChild(this.headAsc);
    this.viewport = el('div', 'grid', { tabindex: '0', role: 'grid', 'aria-roledescription': 'hex editor', 'aria-multiselectable': 'true' });
    this.viewport.dataset.testid = 'hex-grid';
    this.rowsEl = el('div', 'rows', { role: 'presentation' });
    this.viewport.appendChild(this.rowsEl);
    this.root.append(this.header, this.viewport);
  }

  get slotCount(): number { return this.slots.length; }

  /** Sets the number of row slots (rows that fit the viewport, plus a partial one). */
  setSlots(n: number): void {
    while (this.slots.length < n) this.slots.push(this.makeSlot());
    while (this.slots.length > n) this.slots.pop()!.row.remove();
  }

  private makeSlot(): Slot {
    const row = el('div', 'row', { role: 'row' });
    row.dataset.testid = 'row';
    const [lba, off, hexWrap, ascWrap] = addChildren(row, 'span', ['lba', 'off', 'hex', 'asc']);
    const hex = addChildren(hexWrap, 'span', new Array<string>(ROW_BYTES).fill('b'));
    const asc = addChildren(ascWrap, 'span', new Array<string>(ROW_BYTES).fill('a'));
    this.rowsEl.appendChild(row);
    const blank = (): string[] => new Array<string>(ROW_BYTES).fill('\u0000');
    return { row, lba, off, hex, asc, rowIndex: -1, rowClass: '', hexText: blank(), hexClass: blank(), ascText: blank(), ascClass: blank() };
  }

  /** Reads the column geometry (after a font or layout change). */
  measure(): void {
    const first = this.slots[0];
    if (!first) return;
    const base = this.rowsEl.getBoundingClientRect().left;
    this.hexX = first.hex.map((c) => { const r = c.getBoundingClientRect(); return [r.left - base, r.right - base]; });
    this.ascX = first.asc.map((c) => { const r = c.getBoundingClientRect(); return [r.left - base, r.right - base]; });
  }

  /** The byte under a point (clientX/Y); rows beyond the view extrapolate (drag selection). */
  hitTest(clientX: number, clientY: number, top: number, prefer?: Column): GridHit | null {
    if (this.hexX.length === 0) this.measure();
    if (this.hexX.length === 0) return null;
    const r = this.rowsEl.getBoundingClientRect();
    const x = clientX - r.left;
    const row = top + Math.floor((clientY - r.top) / this.rowHeight);
    const hexEnd = this.hexX[ROW_BYTES - 1][1];
    const ascStart = this.ascX[0][0];
    let column: Column;
    if (prefer) column = prefer;
    else column = x < (hexEnd + ascStart) / 2 ? 'hex' : 'ascii';
    const cols = column === 'hex' ? this.hexX : this.ascX;
    let col = 0;
    let clamped = false;
    if (x < cols[0][0]) { col = 0; clamped = true; }
    else if (x >= cols[ROW_BYTES - 1][1]) { col = ROW_BYTES - 1; clamped = true; }
    else {
      for (let i = 0; i < ROW_BYTES; i++) if (x < cols[i][1]) { col = i; break; }
    }
    return { offset: row * ROW_BYTES + col, column, clamped };
  }

  /** Is the point over a byte cell (for hovering)? */
  cellAt(target: EventTarget | null): { slot: number; col: number; column: Column } | null {
    const t = target as HTMLElement | null;
    if (!t || !(t instanceof HTMLElement)) return null;
    const cls = t.classList;
    if (!cls.contains('b') && !cls.contains('a')) return null;
    const rowEl = t.parentElement?.parentElement;
    const slot = this.slots.findIndex((s) => s.row === rowEl);
    if (slot < 0) return null;
    const column: Column = cls.contains('b') ? 'hex' : 'ascii';
    const col = Array.prototype.indexOf.call(t.parentElement!.children, t) as number;
    return { slot, col, column };
  }

  slotRow(slot: number): number {
    return this.slots[slot]?.rowIndex ?? -1;
  }

  /** The row offsets currently rendered (for tests and perf checks). */
  renderedRows(): number[] {
    return this.slots.filter((s) => s.rowIndex >= 0).map((s) => s.rowIndex);
  }

  render(f: GridFrame): void {
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      const rowIdx = f.top + i;
      if (rowIdx >= f.range.end || rowIdx < f.range.start) this.clearSlot(s);
      else this.renderRow(s, rowIdx, f);
    }
    const hexActive = f.column === 'hex';
    const col = f.cursor % ROW_BYTES;
    if (col !== this.headCol) {
      if (this.headCol >= 0) this.headHex[this.headCol].classList.remove('cur-col');
      this.headHex[col].classList.add('cur-col');
      this.headCol = col;
    }
    setText(this.headOff, f.decimal ? 'Offset₁₀' : 'Offset');
    this.headAsc.classList.toggle('active', !hexActive);
    this.header.classList.toggle('hex-active', hexActive);
  }

  /** A slot past the range's rows: empty. */
  private clearSlot(s: Slot): void {
    if (s.rowIndex === -1) return;
    s.rowIndex = -1;
    s.row.className = 'row void';
    s.rowClass = 'row void';
    setAttr(s.row, 'data-offset', null);
    setAttr(s.row, 'aria-rowindex', null);
    setText(s.lba, '');
    setText(s.off, '');
    for (let j = 0; j < ROW_BYTES; j++) setCell(s, j, '', '', 'b', 'a');
  }

  private renderRow(s: Slot, rowIdx: number, f: GridFrame): void {
    const rowOff = rowIdx * ROW_BYTES;
    if (s.rowIndex !== rowIdx) {
      s.rowIndex = rowIdx;
      s.row.setAttribute('data-offset', String(rowOff));
      s.row.setAttribute('aria-rowindex', String(rowIdx + 1));
      const mark = rulerMark(rowOff, f.sectorSize);
      setText(s.lba, mark ? mark.label : '');
      setAttr(s.lba, 'title', mark ? mark.title : null);
      s.rowClass = '';
    }
    const mark = rowOff % 512 === 0 ? rulerMark(rowOff, f.sectorSize) : null;
    const rowCls = 'row' + (mark ? (mark.kind === 'lba' ? ' m-lba' : ' m-blk') : '') +
      (f.cursor >= rowOff && f.cursor < rowOff + ROW_BYTES ? ' cur-row' : '');
    if (s.rowClass !== rowCls) { s.row.className = rowCls; s.rowClass = rowCls; }
    setText(s.off, f.decimal ? String(rowOff).padStart(Math.max(10, String(f.size).length), ' ') : hexOffset(rowOff, f.digits));
    const hexActive = f.column === 'hex';
    const curCls = f.focused ? ' cur' : ' cur blur';
    for (let j = 0; j < ROW_BYTES; j++) {
      const o = rowOff + j;
      if (o >= f.size) { setCell(s, j, '', '', 'b', 'a'); continue; }
      const b = f.byteAt(o);
      const extra = (b < 0 ? ' ld' : b === 0 ? ' z' : '') + byteClasses(f, o, j);
      let hc = 'b' + extra;
      let ac = 'a' + extra + (b >= 0 && !isPrintable(b) ? ' np' : '');
      if (o === f.cursor) {
        hc += hexActive ? curCls : ' cur2';
        ac += hexActive ? ' cur2' : curCls;
        if (o === f.nibbleAt) hc += ' nib';
      }
      setCell(s, j, b < 0 ? '··' : HEX2[b], b < 0 ? ' ' : ASCII_CHAR[b], hc, ac);
    }
  }

  /** Width the columns need (the header's cells), whatever the viewport's width. */
  contentWidth(): number {
    let w = 0;
    for (const c of Array.from(this.header.children)) w += c.getBoundingClientRect().width;
    return Math.ceil(w);
  }

  /** Sets the offset column width for `chars` characters and the LBA gutter for `lbaDigits`. */
  setOffsetWidth(chars: number, lbaDigits: number): void {
    this.root.style.setProperty('--off-ch', String(chars));
    this.root.style.setProperty('--lba-ch', String(Math.max(5, lbaDigits) + 5));
  }
}
