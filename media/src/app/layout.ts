// The page's layout: the toolbar, the structures panel | the grid and its scrollbar | the
// inspector and search panels, the status line; which side panels show and how wide they are
// (the splitters, shrinking them when the editor is narrow), the grid's geometry from the editor
// font and the viewport's size, and the overlay over the grid (opening, empty file).

import type { DocInfo } from '../../../src/shared/sectorProtocol';
import { hex0x, offsetDigits, ROW_BYTES } from '../model/notation';
import { fullRowsIn, rowSlotsIn } from '../model/scroll';
import { el, icon } from '../ui/dom';
import { HexGrid } from '../ui/grid';
import { Scrollbar } from '../ui/scrollbar';
import { splitter } from '../ui/splitter';
import { StatusLine } from '../ui/status';
import { Toolbar } from '../ui/toolbar';
import type { App } from './app';

/** Side panels never get narrower than this while the editor has room. */
const MIN_PANEL = 180;

export class Layout {
  readonly toolbar: Toolbar;
  readonly grid = new HexGrid();
  readonly scrollbar: Scrollbar;
  readonly status = new StatusLine();
  private readonly left: HTMLElement;
  private readonly right: HTMLElement;
  private readonly splitL: HTMLDivElement;
  private readonly splitR: HTMLDivElement;
  private readonly overlay: HTMLDivElement;
  private splitStart = 0;
  private lastWindowWidth = 0;

  constructor(private readonly root: HTMLElement, private readonly app: App) {
    root.classList.add('sector-editor');
    const s = app.state;
    this.toolbar = new Toolbar({
      goto: (t) => app.gotoExpr(t),
      gotoDone: () => this.grid.viewport.focus(),
      setSectorMode: (on) => app.setSectorMode(on),
      stepSector: (d) => app.stepSector(d),
      setDecimal: (on) => { s.decimal = on; this.layoutOffsets(); app.saveState(); app.schedule(); },
      copy: (f) => void app.clipboard.copy(f),
      setPanel: (p, on) => app.setPanel(p, on),
    });
    this.scrollbar = new Scrollbar({
      state: () => ({ top: s.top, range: s.range(), visible: s.fullRows }),
      scrollTo: (t) => app.scrollTo(t),
      label: (t) => `${hex0x(t * ROW_BYTES)} · LBA ${Math.floor((t * ROW_BYTES) / s.sectorSize)}`,
    });
    this.left = app.panels.left;
    this.right = app.panels.right;
    const center = el('div', 'center');
    this.overlay = el('div', 'overlay');
    this.overlay.hidden = true;
    center.append(this.grid.root, this.scrollbar.root, this.overlay);
    this.splitL = splitter('Resize the structures panel', (dx, phase) => this.dragSplit('left', dx, phase));
    this.splitR = splitter('Resize the inspector panel', (dx, phase) => this.dragSplit('right', dx, phase));
    const main = el('div', 'main');
    main.append(this.left, this.splitL, center, this.splitR, this.right);
    root.append(this.toolbar.root, main, this.status.root);
    this.grid.viewport.setAttribute('aria-label', 'Hex view');
    this.grid.viewport.setAttribute('aria-describedby', 'st-live');
    this.status.root.id = 'st-live';
  }

  /** Follows the window's size and VS Code's theme (the editor font). */
  watch(): void {
    new ResizeObserver(() => this.onResize()).observe(this.grid.viewport);
    window.addEventListener('resize', () => this.onResize());
    // VS Code changes the theme variables (and with them the editor font) on <html>'s style.
    new MutationObserver(() => this.measureFont()).observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    new MutationObserver(() => this.measureFont()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** The document's name, size and editability (`init`). */
  showDoc(doc: DocInfo): void {
    this.toolbar.setDoc(doc);
    this.grid.viewport.setAttribute('aria-label', `Hex view of ${doc.name}`);
    this.root.classList.toggle('readonly', !doc.editable);
    this.status.setMode(doc.editable ? '' : 'Read-only');
    if (!doc.editable) this.status.root.title = doc.readonlyReason ?? '';
  }

  showGridFocus(on: boolean): void {
    this.root.classList.toggle('grid-focused', on);
  }

  /** Shows and hides the side panels and their parts as the user chose them. */
  applyPanels(): void {
    const p = this.app.state.panels;
    this.toolbar.setPanels(p);
    this.left.hidden = !p.structures;
    this.splitL.hidden = !p.structures;
    this.app.panels.showSections(p);
    const rightOn = p.inspector || p.search;
    this.right.hidden = !rightOn;
    this.splitR.hidden = !rightOn;
    this.fitPanels();
    this.app.schedule();
  }

  /**
   * The bytes come first: when the editor is too narrow for the side panels at their chosen widths
   * and the grid's columns, the panels shrink (to 180 px), then the right one, then the left one
   * are hidden until there is room again (the user's choice of panels is kept).
   */
  private fitPanels(): void {
    const s = this.app.state;
    const need = this.grid.contentWidth() + 44; // + the scrollbar and the paddings
    const leftOn = s.panels.structures;
    const rightOn = s.panels.inspector || s.panels.search;
    let l = leftOn ? s.leftWidth : 0;
    let r = rightOn ? s.rightWidth : 0;
    let spare = window.innerWidth - need - l - r;
    const shrink = (w: number): number => { const cut = Math.max(0, Math.min(-spare, w - MIN_PANEL)); spare += cut; return w - cut; };
    if (spare < 0 && r) r = shrink(r);
    if (spare < 0 && l) l = shrink(l);
    let hideR = false, hideL = false;
    if (spare < 0 && r) { spare += r; hideR = true; }
    if (spare < 0 && l) { hideL = true; }
    this.right.hidden = !rightOn || hideR;
    this.splitR.hidden = !rightOn || hideR;
    this.left.hidden = !leftOn || hideL;
    this.splitL.hidden = !leftOn || hideL;
    this.left.style.width = `${l}px`;
    this.right.style.width = `${r}px`;
  }

  private dragSplit(side: 'left' | 'right', dx: number, phase: 'start' | 'move' | 'end'): void {
    const s = this.app.state;
    if (phase === 'start') { this.splitStart = side === 'left' ? s.leftWidth : s.rightWidth; return; }
    const w = Math.max(160, Math.min(window.innerWidth * 0.6, this.splitStart + (side === 'left' ? dx : -dx)));
    if (side === 'left') s.leftWidth = Math.round(w); else s.rightWidth = Math.round(w);
    this.applyPanels();
    if (phase === 'end') this.app.saveState();
  }

  /** The offset and LBA columns' widths for the document's size (and hex or decimal offsets). */
  layoutOffsets(): void {
    const s = this.app.state;
    const chars = s.decimal ? Math.max(10, String(s.size).length) : offsetDigits(s.size);
    this.grid.setOffsetWidth(chars, String(Math.floor(Math.max(0, s.size - 1) / s.sectorSize)).length);
    this.grid.measure();
  }

  /** The row height follows the editor font. */
  measureFont(): void {
    const s = this.app.state;
    const fs = parseFloat(getComputedStyle(this.grid.viewport).fontSize) || 13;
    const rh = Math.max(16, Math.round(fs * 1.45));
    if (rh !== s.rowHeight) {
      s.rowHeight = rh;
      this.grid.rowHeight = rh;
      this.root.style.setProperty('--row-h', `${rh}px`);
    }
    this.onResize();
  }

  private onResize(): void {
    const s = this.app.state;
    if (this.lastWindowWidth !== window.innerWidth) { this.lastWindowWidth = window.innerWidth; this.fitPanels(); }
    const h = this.grid.viewport.clientHeight;
    s.slots = rowSlotsIn(h, s.rowHeight);
    s.fullRows = fullRowsIn(h, s.rowHeight);
    this.grid.setSlots(s.slots);
    this.scrollbar.setTrack(this.scrollbar.root.clientHeight);
    this.grid.measure();
    s.clampTop();
    this.app.schedule();
  }

  showOverlay(text: string, kind: 'loading' | 'info' | 'error'): void {
    this.overlay.replaceChildren(icon(kind === 'loading' ? 'loading' : kind === 'error' ? 'error' : 'info', kind === 'loading' ? 'codicon-modifier-spin' : ''), el('span', undefined, undefined, text));
    this.overlay.hidden = false;
  }

  /** "This file is empty." over the grid, or nothing. */
  showEmpty(empty: boolean): void {
    if (empty) this.showOverlay('This file is empty.', 'info');
    else this.overlay.hidden = true;
  }
}
