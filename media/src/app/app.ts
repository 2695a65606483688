// The sector editor's webview as one object: it makes the parts — the view model (state.ts), the
// page's layout (layout.ts) and its rendering (render.ts), the panels (panels.ts), the grid's input
// (input/keys.ts, pointer.ts, typing.ts, clipboard.ts) — hands host messages (from transport.ts)
// to the part they concern, and holds the moves several parts share: selecting, revealing,
// scrolling, sector mode, and keeping the host told (cursor, view state).

import type { DocInfo, HostMessage, ViewState, WebviewCommand } from '../../../src/shared/sectorProtocol';
import { COPY_FORMATS } from '../model/byteText';
import { parseGoto } from '../model/goto';
import { hex0x } from '../model/notation';
import { lbaText } from '../model/ruler';
import { clampOffset, type Sel } from '../model/selection';
import { throttle } from '../ui/dom';
import type { PanelName } from '../ui/toolbar';
import { Clipboard } from './input/clipboard';
import { wireKeys } from './input/keys';
import { GridPointer } from './input/pointer';
import { Editing } from './input/typing';
import { Layout } from './layout';
import { Panels } from './panels';
import { Renderer } from './render';
import { EditorState } from './state';
import type { Transport } from './transport';

export class App {
  readonly state = new EditorState();
  readonly panels: Panels;
  readonly layout: Layout;
  readonly editing: Editing;
  readonly clipboard: Clipboard;
  private readonly renderer: Renderer;

  /** The cursor, for the host's status bar item. */
  readonly postCursor = throttle(100, () => {
    const [s, e] = this.state.selRange();
    this.transport.post({ type: 'cursor', offset: this.state.sel.cursor, selectionLength: e - s });
  });
  /** The view state, kept by VS Code (across reloads) and by the host (for new panels). */
  readonly saveState = throttle(400, () => {
    const state = this.state.viewState();
    this.transport.store(this.state.stored(state));
    this.transport.post({ type: 'state', state });
  });

  constructor(root: HTMLElement, readonly transport: Transport) {
    this.panels = new Panels(this);
    this.layout = new Layout(root, this);
    this.renderer = new Renderer(this);
    this.editing = new Editing(this);
    this.clipboard = new Clipboard(this);
    wireKeys(this);
    new GridPointer(this);
    this.clipboard.wire();
    transport.listen((m) => this.onMessage(m));
    this.layout.watch();
    transport.reportErrors();

    this.state.restoreUi(transport.stored());
    this.layout.toolbar.setDecimal(this.state.decimal);
    this.panels.restorePrefs();
    this.layout.applyPanels();
    this.layout.measureFont();
    this.panels.tree.setEmptyText('Loading structures…');
    this.layout.showOverlay('Opening…', 'loading');
    transport.post({ type: 'ready' });
  }

  // ---- host messages -------------------------------------------------------------------------

  private onMessage(m: HostMessage): void {
    switch (m.type) {
      case 'init': this.onInit(m.doc, m.state, m.generation); break;
      case 'bytes': this.onBytes(m.reqId, m.offset, m.data, m.generation, m.edited); break;
      case 'structures': this.panels.onStructures(m.roots); break;
      case 'children': this.panels.onChildren(m.id, m.children, m.error); break;
      case 'changed': this.onChanged(m.generation, m.size, m.dirty, m.ranges); break;
      case 'reveal': this.reveal(m.offset, m.length); break;
      case 'command': this.onCommand(m.name); break;
      case 'located': this.state.rememberLocation(m.offset, m.location); this.schedule(); break;
      case 'searchProgress': this.panels.search.onProgress(m.searchId, m.scanned, m.total, m.hits); this.schedule(); break;
      case 'searchDone': this.panels.search.onDone(m.searchId, m.cancelled, m.truncated, m.error, m.count); break;
      case 'editRejected': this.editing.rejected(m.reason); break;
      case 'error': this.flash(m.message, 'error'); break;
    }
  }

  private onInit(doc: DocInfo, state: ViewState | null, generation: number): void {
    const s = this.state;
    s.open(doc, generation);
    this.layout.showDoc(doc);
    this.panels.showDoc(doc);
    const st = state ?? this.transport.stored();
    if (st) s.restoreView(st);
    this.panels.inspector.setEndian(s.littleEndian);
    this.layout.applyPanels();
    this.layout.layoutOffsets();
    s.clampTop();
    this.layout.showEmpty(s.size === 0);
    if (!document.activeElement || document.activeElement === document.body) this.layout.grid.viewport.focus();
    this.schedule();
  }

  private onBytes(reqId: number, offset: number, data: Uint8Array, generation: number, edited: Array<[number, number]>): void {
    const cache = this.state.cache;
    if (reqId < 0) {
      if (cache.prime(offset, data, generation, edited) > 0) this.schedule();
      return;
    }
    if (cache.receive(reqId, offset, data, generation, edited) !== 'unknown') this.schedule();
  }

  private onChanged(generation: number, size: number, dirty: boolean, ranges: Array<[number, number]>): void {
    const resized = this.state.bytesChanged(generation, size, ranges);
    this.layout.toolbar.setDirty(dirty);
    if (resized) {
      this.layout.layoutOffsets();
      if (this.state.doc) this.layout.toolbar.setDoc(this.state.doc);
      this.layout.showEmpty(size === 0);
    }
    this.schedule();
  }

  private onCommand(name: WebviewCommand): void {
    switch (name) {
      case 'goto': this.layout.toolbar.focusGoto(); break;
      case 'find': this.setPanel('search', true); this.panels.find(); break;
      case 'toggleSectorMode': this.setSectorMode(!this.state.sectorMode); break;
      case 'focusStructures': this.setPanel('structures', true); this.panels.tree.focus(); break;
      default: {
        const f = COPY_FORMATS.find((x) => x.command === name);
        if (f) void this.clipboard.copy(f.format);
      }
    }
  }

  // ---- shared moves --------------------------------------------------------------------------

  /** Asks for a frame (at most one per animation frame). */
  schedule(): void {
    this.renderer.schedule();
  }

  flash(text: string, kind: 'info' | 'error' = 'info'): void {
    this.layout.status.flash(text, kind);
  }

  scrollTo(top: number): void {
    if (!this.state.scrollTo(top)) return;
    this.saveState();
    this.schedule();
  }

  scrollBy(rows: number): void {
    if (rows !== 0) this.scrollTo(this.state.top + rows);
  }

  /** Moves the selection; `follow` keeps the cursor in view, `fromGrid` lets the tree follow it. */
  setSel(s: Sel, opts: { follow?: boolean; fromGrid?: boolean } = {}): void {
    const st = this.state;
    const next = { anchor: clampOffset(s.anchor, st.size), cursor: clampOffset(s.cursor, st.size) };
    this.editing.leaveNibble(next.cursor);
    st.sel = next;
    if (opts.follow !== false) st.showCursor();
    if (opts.fromGrid) this.panels.followCursor();
    this.postCursor();
    this.saveState();
    this.schedule();
  }

  /** Scrolls to and selects [offset, offset + length); reports the time to paint (perf). */
  reveal(offset: number, length: number): void {
    if (this.state.size === 0) return;
    const start = clampOffset(offset, this.state.size);
    this.editing.commitNibble();
    this.state.revealRange(start, length);
    this.jumped();
  }

  gotoExpr(text: string): string | null {
    const s = this.state;
    if (!s.doc) return 'not ready';
    const r = parseGoto(text, { cursor: s.sel.cursor, size: s.size, sectorSize: s.sectorSize });
    if (!r.ok) return r.error;
    this.reveal(r.offset, 1);
    const where = `${hex0x(r.offset)} (${lbaText(r.offset, s.sectorSize)})`;
    this.flash(r.clamped ? `Clamped to ${where}: outside the image` : `Went to ${where}`, r.clamped ? 'error' : 'info');
    return null;
  }

  setSectorMode(on: boolean): void {
    this.state.setSectorMode(on);
    this.saveState();
    this.schedule();
  }

  stepSector(dir: 1 | -1): void {
    const step = this.state.sectorStep(dir);
    if (!step) return;
    if (this.state.sectorMode) {
      this.editing.commitNibble();
      this.state.enterSector(step.offset);
      this.jumped();
    } else {
      this.reveal(step.start, 1);
    }
  }

  setPanel(p: PanelName, on: boolean): void {
    this.state.panels[p] = on;
    this.layout.applyPanels();
    this.saveState();
    if (p === 'search' && on) this.panels.search.focus();
  }

  /** After a jump of the cursor: the tree follows, the host hears of it, a frame is due. */
  private jumped(): void {
    this.panels.followCursor();
    this.postCursor();
    this.saveState();
    this.schedule();
  }
}
