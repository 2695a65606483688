// The sector editor's webview: wiring between the host connection, the models (media/src/model)
// and the DOM components (media/src/ui). The host reads only what the view asks for; everything
// the page shows is rendered from the byte cache once per animation frame.

import type {
  DocInfo, HostMessage, Location, SearchHit, SearchKind, StructNode, ViewState, WebviewCommand,
} from '../../src/shared/sectorProtocol';
import { SECTOR_SIZE } from '../../src/shared/sectorProtocol';
import { ByteCache } from './model/cache';
import { COPY_FORMATS, MAX_COPY_BYTES, formatBytes, parseHex, textToBytes, toHex, type CopyFormat } from './model/byteText';
import { bytesLabel, grouped, hex0x, hexOffset, humanSize, offsetDigits, ROW_BYTES } from './model/notation';
import { parseGoto } from './model/goto';
import { hexDigit, leave, typeChar, typeNibble, type Commit, type PendingNibble } from './model/hexInput';
import { INSPECT_BYTES } from './model/inspector';
import { lbaText, locationText } from './model/ruler';
import {
  clampTop, documentRange, ensureVisible, fullRowsIn, revealTop, rowSlotsIn, sectorRange, totalRows,
  visibleRows, WheelAccumulator, type RowRange,
} from './model/scroll';
import {
  clampOffset, collapsed, isCollapsed, move, rangeSel, selectAll, selRange, setCursor, type Move, type Sel,
} from './model/selection';
import { StructureIndex } from './model/structIndex';
import { debounce, el, icon, setAttr, throttle } from './ui/dom';
import { FieldInfoPanel, type FieldView } from './ui/fieldInfo';
import { EDGE_END, EDGE_PROBLEM, EDGE_START, KIND_INDEX } from './model/decorations';
import { HexGrid, type Column } from './ui/grid';
import { InspectorPanel } from './ui/inspectorPanel';
import { Scrollbar } from './ui/scrollbar';
import { SearchPanel } from './ui/searchPanel';
import { splitter } from './ui/splitter';
import { StatusLine } from './ui/status';
import { Toolbar, type PanelName } from './ui/toolbar';
import { StructureTree, type NodeAction } from './ui/structureTree';
import { Host, type StoredState } from './ui/vscode';

const BLOCK_SIZE = 16 * 1024;
const MAX_BLOCKS = 512; // 8 MiB of cached bytes
const READ_CHUNK = 1024 * 1024;
const MAX_OVERLAY = 64 * 1024;
const KEY_MOVES: Record<string, Move> = {
  ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down',
  PageUp: 'pageUp', PageDown: 'pageDown', Home: 'rowStart', End: 'rowEnd',
};

/** One chunk of a ranged read: [offset, offset + length) into out at offset - base. */
interface RangeRead { base: number; offset: number; length: number; got: number; out: Uint8Array; resolve(): void; reject(e: Error): void }

class App {
  private readonly host = new Host();
  private readonly cache = new ByteCache(BLOCK_SIZE, MAX_BLOCKS);
  private doc: DocInfo | null = null;
  private size = 0;
  private sel: Sel = { anchor: 0, cursor: 0 };
  private top = 0;
  private sectorMode = false;
  private column: Column = 'hex';
  private panels: Record<PanelName, boolean> = { structures: true, inspector: true, search: false };
  private littleEndian = true;
  private decimal = false;
  private leftWidth = 280;
  private rightWidth = 300;
  private searchPrefs: { kind?: string; caseSensitive?: boolean } = {};
  private index = new StructureIndex([]);
  private roots: StructNode[] = [];
  private selectedNode: StructNode | null = null;
  /** A selected node not in the tree yet (inside a lazy node being re-expanded). */
  private wantSelected: string | null = null;
  private hover: number | null = null;
  private inspectLen = 0;
  private nibble: PendingNibble | null = null;
  private focused = false;
  private reqId = 1;
  private searchId = 1;
  private readonly rangeReads = new Map<number, RangeRead>();
  private readonly childReqs = new Map<number, string>();
  private readonly locateReqs = new Map<number, number>();
  private readonly locations = new Map<number, Location>();
  private pendingReveal: { offset: number; t0: number } | null = null;
  private firstPaintDone = false;
  private framePending = false;
  private rowHeight = 20;
  private slots = 1;
  private fullRows = 1;
  private kinds = new Uint8Array(0);
  private edges = new Uint8Array(0);
  private readonly wheel = new WheelAccumulator();
  private drag: { column: Column; timer: number | undefined; lastY: number; lastX: number } | null = null;

  private readonly app: HTMLElement;
  private readonly toolbar: Toolbar;
  private readonly grid = new HexGrid();
  private readonly scrollbar: Scrollbar;
  private readonly tree: StructureTree;
  private readonly fieldInfo = new FieldInfoPanel();
  private readonly inspector: InspectorPanel;
  private readonly search: SearchPanel;
  private readonly status = new StatusLine();
  private readonly left: HTMLElement;
  private readonly right: HTMLElement;
  private readonly splitL: HTMLDivElement;
  private readonly splitR: HTMLDivElement;
  private readonly center: HTMLDivElement;
  private readonly overlay: HTMLDivElement;
  private readonly structCount: HTMLSpanElement;

  private readonly postCursor = throttle(100, () => {
    const [s, e] = selRange(this.sel, this.size);
    this.host.post({ type: 'cursor', offset: this.sel.cursor, selectionLength: e - s });
  });
  private readonly saveState = throttle(400, () => {
    const state = this.viewState();
    const stored: StoredState = { ...state, ui: { leftWidth: this.leftWidth, rightWidth: this.rightWidth, offsetDecimal: this.decimal, searchKind: this.searchPrefs.kind, searchCase: this.searchPrefs.caseSensitive } };
    this.host.setState(stored);
    this.host.post({ type: 'state', state });
  });
  private readonly locateHover = debounce(120, (offset: number) => this.locate(offset));
  private readonly locateCursor = debounce(120, (offset: number) => this.locate(offset));

  constructor(root: HTMLElement) {
    this.app = root;
    root.classList.add('sector-editor');
    this.toolbar = new Toolbar({
      goto: (t) => this.gotoExpr(t),
      gotoDone: () => this.grid.viewport.focus(),
      setSectorMode: (on) => this.setSectorMode(on),
      stepSector: (d) => this.stepSector(d),
      setDecimal: (on) => { this.decimal = on; this.layoutOffsets(); this.saveState(); this.schedule(); },
      copy: (f) => void this.copy(f),
      setPanel: (p, on) => this.setPanel(p, on),
    });
    this.scrollbar = new Scrollbar({
      state: () => ({ top: this.top, range: this.range(), visible: this.fullRows }),
      scrollTo: (t) => this.scrollTo(t),
      label: (t) => `${hex0x(t * ROW_BYTES)} · LBA ${Math.floor((t * ROW_BYTES) / this.sectorSize)}`,
    });
    this.tree = new StructureTree({
      select: (n) => this.selectNode(n, true),
      action: (n, a) => this.nodeAction(n, a),
      expandLazy: (n) => this.expandLazy(n),
      activate: (n) => { this.selectNode(n, true); this.grid.viewport.focus(); },
    });
    this.inspector = new InspectorPanel({
      setEndian: (le) => { this.littleEndian = le; this.saveState(); this.schedule(); },
      highlight: (len) => { this.inspectLen = len; this.schedule(); },
    });
    this.search = new SearchPanel({
      start: (kind, pattern, caseSensitive) => this.startSearch(kind, pattern, caseSensitive),
      cancel: (id) => this.host.post({ type: 'cancelSearch', searchId: id }),
      reveal: (hit) => this.reveal(hit.offset, hit.length),
      prefs: (kind, cs) => { this.searchPrefs = { kind, caseSensitive: cs }; this.saveState(); },
    });

    // Layout.
    this.left = el('aside', 'side left', { 'aria-label': 'Structures' });
    this.left.dataset.testid = 'structures';
    const lhead = el('div', 'section-head');
    this.structCount = el('span', 'section-caption');
    lhead.append(el('span', 'section-title', undefined, 'Structures'), this.structCount);
    this.left.append(lhead, this.tree.root);
    this.right = el('aside', 'side right', { 'aria-label': 'Inspector and search' });
    this.right.append(this.search.root, this.fieldInfo.root, this.inspector.root);
    this.center = el('div', 'center');
    this.overlay = el('div', 'overlay');
    this.overlay.hidden = true;
    this.center.append(this.grid.root, this.scrollbar.root, this.overlay);
    this.splitL = splitter('Resize the structures panel', (dx, phase) => this.dragSplit('left', dx, phase));
    this.splitR = splitter('Resize the inspector panel', (dx, phase) => this.dragSplit('right', dx, phase));
    const main = el('div', 'main');
    main.append(this.left, this.splitL, this.center, this.splitR, this.right);
    root.append(this.toolbar.root, main, this.status.root);
    this.grid.viewport.setAttribute('aria-label', 'Hex view');
    this.grid.viewport.setAttribute('aria-describedby', 'st-live');
    this.status.root.id = 'st-live';

    this.wireGrid();
    this.wireDocument();
    this.host.onMessage((m) => this.onMessage(m));
    new ResizeObserver(() => this.onResize()).observe(this.grid.viewport);
    window.addEventListener('resize', () => this.onResize());
    // VS Code changes the theme variables (and with them the editor font) on <html>'s style.
    new MutationObserver(() => this.measureFont()).observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    new MutationObserver(() => this.measureFont()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    window.addEventListener('error', (e) => this.host.post({ type: 'error', message: `webview: ${e.message}` }));
    window.addEventListener('unhandledrejection', (e) => this.host.post({ type: 'error', message: `webview: ${String(e.reason)}` }));

    const saved = this.host.getState();
    if (saved?.ui) {
      this.leftWidth = saved.ui.leftWidth ?? this.leftWidth;
      this.rightWidth = saved.ui.rightWidth ?? this.rightWidth;
      this.decimal = !!saved.ui.offsetDecimal;
      this.searchPrefs = { kind: saved.ui.searchKind, caseSensitive: saved.ui.searchCase };
    }
    this.toolbar.setDecimal(this.decimal);
    this.search.setPrefs(this.searchPrefs.kind, this.searchPrefs.caseSensitive);
    this.applyPanels();
    this.measureFont();
    this.tree.setEmptyText('Loading structures…');
    this.showOverlay('Opening…', 'loading');
    this.host.post({ type: 'ready' });
  }

  private get sectorSize(): number {
    return this.doc?.blockSize || SECTOR_SIZE;
  }

  // ---- host messages -------------------------------------------------------------------------

  private onMessage(m: HostMessage): void {
    switch (m.type) {
      case 'init': this.onInit(m.doc, m.state, m.generation); break;
      case 'bytes': this.onBytes(m.reqId, m.offset, m.data, m.generation, m.edited); break;
      case 'structures': this.onStructures(m.roots); break;
      case 'children': this.onChildren(m.reqId, m.id, m.children, m.error); break;
      case 'changed': this.onChanged(m.generation, m.size, m.dirty, m.ranges); break;
      case 'reveal': this.reveal(m.offset, m.length); break;
      case 'command': this.onCommand(m.name); break;
      case 'located': this.onLocated(m.reqId, m.offset, m.location); break;
      case 'searchProgress': this.search.onProgress(m.searchId, m.scanned, m.total, m.hits); this.schedule(); break;
      case 'searchDone': this.search.onDone(m.searchId, m.cancelled, m.truncated, m.error, m.count); break;
      case 'editRejected':
        this.cache.clearOverlay();
        this.nibble = null;
        this.status.flash(`Edit rejected: ${m.reason}`, 'error');
        this.schedule();
        break;
      case 'error': this.status.flash(m.message, 'error'); break;
    }
  }

  private onInit(doc: DocInfo, state: ViewState | null, generation: number): void {
    this.doc = doc;
    this.size = doc.size;
    this.cache.reset(doc.size, generation);
    this.toolbar.setDoc(doc);
    this.grid.viewport.setAttribute('aria-label', `Hex view of ${doc.name}`);
    this.app.classList.toggle('readonly', !doc.editable);
    this.status.setMode(doc.editable ? '' : 'Read-only');
    if (!doc.editable) this.status.root.title = doc.readonlyReason ?? '';
    this.tree.setEmptyText(doc.decoded ? 'Loading structures…' : `Not decoded as ISO 9660${doc.decodeError ? `: ${doc.decodeError}` : ''}`);
    const st = state ?? this.host.getState();
    if (st) {
      this.sel = { anchor: clampOffset(st.anchor, this.size), cursor: clampOffset(st.cursor, this.size) };
      this.sectorMode = !!st.sectorMode;
      if (st.panels) this.panels = { structures: !!st.panels.structures, inspector: !!st.panels.inspector, search: !!st.panels.search };
      this.littleEndian = st.littleEndian !== false;
      this.top = Math.floor(Math.max(0, st.topOffset) / ROW_BYTES);
    }
    this.inspector.setEndian(this.littleEndian);
    this.applyPanels();
    this.layoutOffsets();
    this.top = clampTop(this.top, this.range(), this.fullRows);
    if (this.size === 0) this.showOverlay('This file is empty.', 'info');
    else this.hideOverlay();
    if (!document.activeElement || document.activeElement === document.body) this.grid.viewport.focus();
    this.schedule();
  }

  private onBytes(reqId: number, offset: number, data: Uint8Array, generation: number, edited: Array<[number, number]>): void {
    if (reqId < 0) {
      if (this.cache.prime(offset, data, generation, edited) > 0) this.schedule();
      return;
    }
    const rr = this.rangeReads.get(reqId);
    if (rr) {
      this.rangeReads.delete(reqId);
      this.rangeChunk(rr, offset, data);
      return;
    }
    const r = this.cache.receive(reqId, offset, data, generation, edited);
    if (r !== 'unknown') this.schedule();
  }

  private onStructures(roots: StructNode[]): void {
    this.roots = roots;
    this.index = new StructureIndex(roots);
    const selId = this.selectedNode?.id ?? this.wantSelected;
    this.selectedNode = selId ? this.index.byId.get(selId) ?? null : null;
    this.wantSelected = selId && !this.selectedNode ? selId : null;
    if (roots.length === 0) this.tree.setEmptyText(this.doc?.decoded === false ? `Not decoded as ISO 9660${this.doc.decodeError ? `: ${this.doc.decodeError}` : ''}` : 'No structures');
    this.tree.setRoots(roots);
    this.tree.setSelected(this.selectedNode ? this.index.path(this.selectedNode) : null, false);
    this.structCount.textContent = `${grouped(this.index.nodeCount)}`;
    this.structCount.title = `${grouped(this.index.nodeCount)} structures, ${grouped(this.index.fieldCount)} fields`;
    this.schedule();
  }

  private expandLazy(n: StructNode): void {
    const reqId = this.reqId++;
    this.childReqs.set(reqId, n.id);
    this.host.post({ type: 'expand', reqId, id: n.id });
  }

  private onChildren(reqId: number, id: string, children: StructNode[], error?: string): void {
    if (this.childReqs.get(reqId) !== id) return;
    this.childReqs.delete(reqId);
    const n = this.index.byId.get(id);
    if (!n) return;
    if (!error) {
      n.children = children;
      n.lazy = false;
      this.index = new StructureIndex(this.roots);
      this.structCount.textContent = `${grouped(this.index.nodeCount)}`;
    }
    this.tree.childrenArrived(id, error ?? (children.length === 0 ? 'Empty' : undefined));
    const want = this.wantSelected ? this.index.byId.get(this.wantSelected) : undefined;
    if (want) {
      this.wantSelected = null;
      this.selectedNode = want;
      this.tree.setSelected(this.index.path(want), false);
    }
    this.schedule();
  }

  private onChanged(generation: number, size: number, dirty: boolean, ranges: Array<[number, number]>): void {
    const resized = size !== this.size;
    this.cache.invalidate(ranges, generation, size);
    this.size = size;
    if (this.doc) this.doc.size = size;
    this.toolbar.setDirty(dirty);
    if (resized) {
      this.sel = { anchor: clampOffset(this.sel.anchor, size), cursor: clampOffset(this.sel.cursor, size) };
      this.layoutOffsets();
      if (this.doc) this.toolbar.setDoc(this.doc);
      if (size === 0) this.showOverlay('This file is empty.', 'info'); else this.hideOverlay();
    }
    this.locations.clear();
    this.schedule();
  }

  private onCommand(name: WebviewCommand): void {
    switch (name) {
      case 'goto': this.toolbar.focusGoto(); break;
      case 'find': {
        this.setPanel('search', true);
        const [s, e] = selRange(this.sel, this.size);
        const bytes = e - s > 1 && e - s <= 64 ? this.cache.slice(s, e - s) : null;
        this.search.focus(bytes ? { kind: 'hex', pattern: toHex(bytes) } : undefined);
        break;
      }
      case 'toggleSectorMode': this.setSectorMode(!this.sectorMode); break;
      case 'focusStructures': this.setPanel('structures', true); this.tree.focus(); break;
      default: {
        const f = COPY_FORMATS.find((x) => x.command === name);
        if (f) void this.copy(f.format);
      }
    }
  }

  private locate(offset: number): void {
    if (this.locations.has(offset) || offset >= this.size) return;
    for (const o of this.locateReqs.values()) if (o === offset) return;
    const reqId = this.reqId++;
    this.locateReqs.set(reqId, offset);
    this.host.post({ type: 'locate', reqId, offset });
  }

  private onLocated(reqId: number, offset: number, location: Location): void {
    this.locateReqs.delete(reqId);
    this.locations.set(offset, location);
    if (this.locations.size > 512) this.locations.delete(this.locations.keys().next().value as number);
    this.schedule();
  }

  // ---- reading -------------------------------------------------------------------------------

  private requestBlocks(start: number, end: number): void {
    for (const b of this.cache.missing(start, end)) {
      const [offset, length] = this.cache.blockSpan(b);
      if (length <= 0) continue;
      const reqId = this.reqId++;
      this.cache.requested(b, reqId);
      this.host.post({ type: 'read', reqId, offset, length });
    }
  }

  /** Reads [offset, offset + length) through `read` requests (for copies beyond the cache). */
  private readRange(offset: number, length: number): Promise<Uint8Array> {
    const cached = this.cache.slice(offset, length);
    if (cached) return Promise.resolve(cached);
    return new Promise((resolve, reject) => {
      const out = new Uint8Array(length);
      let pending = 0;
      let failed = false;
      for (let o = 0; o < length; o += READ_CHUNK) {
        pending++;
        const part: RangeRead = {
          base: offset, offset: offset + o, length: Math.min(READ_CHUNK, length - o), got: 0, out,
          resolve: () => { if (--pending === 0 && !failed) resolve(this.withOverlay(out, offset)); },
          reject: (e) => { if (!failed) { failed = true; reject(e); } },
        };
        this.sendRangeRead(part);
      }
    });
  }

  private withOverlay(out: Uint8Array, offset: number): Uint8Array {
    for (let i = 0; i < out.length; i++) if (this.cache.isOverlaid(offset + i)) out[i] = this.cache.byteAt(offset + i);
    return out;
  }

  private sendRangeRead(part: RangeRead): void {
    const reqId = this.reqId++;
    this.rangeReads.set(reqId, part);
    this.host.post({ type: 'read', reqId, offset: part.offset + part.got, length: part.length - part.got });
  }

  private rangeChunk(part: RangeRead, offset: number, data: Uint8Array): void {
    if (offset !== part.offset + part.got) { part.reject(new Error('unexpected read answer')); return; }
    part.out.set(data.subarray(0, part.length - part.got), offset - part.base);
    part.got += data.length;
    if (part.got >= part.length) part.resolve();
    else if (data.length === 0) part.reject(new Error(`could not read at ${hex0x(offset)}`));
    else this.sendRangeRead(part);
  }

  // ---- view state ----------------------------------------------------------------------------

  private range(): RowRange {
    return this.sectorMode ? sectorRange(this.sel.cursor, this.size, this.sectorSize) : documentRange(this.size);
  }

  private viewState(): ViewState {
    return {
      topOffset: this.top * ROW_BYTES, cursor: this.sel.cursor, anchor: this.sel.anchor, sectorMode: this.sectorMode,
      panels: { ...this.panels }, littleEndian: this.littleEndian,
    };
  }

  private schedule(): void {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => this.frame());
  }

  private scrollTo(top: number): void {
    const t = clampTop(top, this.range(), this.fullRows);
    if (t === this.top) return;
    this.top = t;
    this.saveState();
    this.schedule();
  }

  private scrollBy(rows: number): void {
    if (rows !== 0) this.scrollTo(this.top + rows);
  }

  /** Moves the selection; `follow` keeps the cursor in view. */
  private setSel(s: Sel, opts: { follow?: boolean; fromGrid?: boolean } = {}): void {
    const next = { anchor: clampOffset(s.anchor, this.size), cursor: clampOffset(s.cursor, this.size) };
    if (this.nibble && this.nibble.offset !== next.cursor) {
      const r = leave(this.nibble, next.cursor);
      this.nibble = null;
      this.commit(r.commits);
    }
    this.sel = next;
    if (opts.follow !== false) {
      const row = Math.floor(next.cursor / ROW_BYTES);
      this.top = ensureVisible(this.top, row, this.range(), this.fullRows, 0);
    }
    if (opts.fromGrid) this.followCursor();
    this.postCursor();
    this.saveState();
    this.schedule();
  }

  /** The tree follows the cursor into the innermost structure when it leaves the selected one. */
  private followCursor(): void {
    const c = this.sel.cursor;
    const cur = this.selectedNode;
    if (cur && c >= cur.offset && c < cur.offset + cur.length) return;
    const n = this.index.nodeAt(c);
    if (n === cur) return;
    this.selectedNode = n;
    this.wantSelected = null;
    this.tree.setSelected(n ? this.index.path(n) : null, this.panels.structures);
  }

  /** Scrolls to and selects [offset, offset + length); reports the time to paint (perf). */
  reveal(offset: number, length: number): void {
    if (this.size === 0) return;
    const start = clampOffset(offset, this.size);
    this.commitNibble();
    this.sel = rangeSel(start, Math.max(1, length), this.size);
    const range = this.range();
    const startRow = Math.floor(start / ROW_BYTES);
    const endRow = Math.floor(clampOffset(start + Math.max(1, length) - 1, this.size) / ROW_BYTES);
    let t = revealTop(this.top, startRow, range, this.fullRows, 2);
    if (endRow - startRow + 1 <= this.fullRows) t = Math.max(t, endRow - this.fullRows + 1);
    this.top = clampTop(Math.min(t, startRow), range, this.fullRows);
    this.pendingReveal = { offset: start, t0: performance.now() };
    this.followCursor();
    this.postCursor();
    this.saveState();
    this.schedule();
  }

  private gotoExpr(text: string): string | null {
    if (!this.doc) return 'not ready';
    const r = parseGoto(text, { cursor: this.sel.cursor, size: this.size, sectorSize: this.sectorSize });
    if (!r.ok) return r.error;
    this.reveal(r.offset, 1);
    const where = `${hex0x(r.offset)} (${lbaText(r.offset, this.sectorSize)})`;
    this.status.flash(r.clamped ? `Clamped to ${where}: outside the image` : `Went to ${where}`, r.clamped ? 'error' : 'info');
    return null;
  }

  private setSectorMode(on: boolean): void {
    this.sectorMode = on;
    const range = this.range();
    if (on) this.top = range.start;
    this.top = ensureVisible(clampTop(this.top, range, this.fullRows), Math.floor(this.sel.cursor / ROW_BYTES), range, this.fullRows);
    this.saveState();
    this.schedule();
  }

  private stepSector(dir: 1 | -1): void {
    const ss = this.sectorSize;
    const lastSector = Math.floor(Math.max(0, this.size - 1) / ss);
    const cur = Math.floor(this.sel.cursor / ss);
    const next = Math.min(lastSector, Math.max(0, cur + dir));
    if (next === cur) return;
    const within = this.sel.cursor % ss;
    const offset = clampOffset(next * ss + within, this.size);
    if (this.sectorMode) {
      this.commitNibble();
      this.sel = collapsed(offset, this.size);
      this.top = this.range().start;
      this.pendingReveal = { offset, t0: performance.now() };
      this.followCursor();
      this.postCursor();
      this.saveState();
      this.schedule();
    } else {
      this.reveal(next * ss, 1);
    }
  }

  private setPanel(p: PanelName, on: boolean): void {
    this.panels[p] = on;
    this.applyPanels();
    this.saveState();
    if (p === 'search' && on) this.search.focus();
  }

  private applyPanels(): void {
    this.toolbar.setPanels(this.panels);
    this.left.hidden = !this.panels.structures;
    this.splitL.hidden = !this.panels.structures;
    this.fieldInfo.root.hidden = !this.panels.inspector;
    this.inspector.root.hidden = !this.panels.inspector;
    this.search.root.hidden = !this.panels.search;
    const rightOn = this.panels.inspector || this.panels.search;
    this.right.hidden = !rightOn;
    this.splitR.hidden = !rightOn;
    this.right.classList.toggle('with-search', this.panels.search);
    this.fitPanels();
    this.schedule();
  }

  /**
   * The bytes come first: when the editor is too narrow for the side panels at their chosen widths
   * and the grid's columns, the panels shrink (to 180 px), then the right one, then the left one
   * are hidden until there is room again (the user's choice of panels is kept).
   */
  private fitPanels(): void {
    const need = this.grid.contentWidth() + 44; // + the scrollbar and the paddings
    const leftOn = this.panels.structures;
    const rightOn = this.panels.inspector || this.panels.search;
    let l = leftOn ? this.leftWidth : 0;
    let r = rightOn ? this.rightWidth : 0;
    let spare = window.innerWidth - need - l - r;
    const shrink = (w: number): number => { const cut = Math.max(0, Math.min(-spare, w - 180)); spare += cut; return w - cut; };
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

  private splitStart = 0;
  private lastWindowWidth = 0;

  private dragSplit(side: 'left' | 'right', dx: number, phase: 'start' | 'move' | 'end'): void {
    if (phase === 'start') { this.splitStart = side === 'left' ? this.leftWidth : this.rightWidth; return; }
    const w = Math.max(160, Math.min(window.innerWidth * 0.6, this.splitStart + (side === 'left' ? dx : -dx)));
    if (side === 'left') this.leftWidth = Math.round(w); else this.rightWidth = Math.round(w);
    this.applyPanels();
    if (phase === 'end') this.saveState();
  }

  private layoutOffsets(): void {
    const chars = this.decimal ? Math.max(10, String(this.size).length) : offsetDigits(this.size);
    this.grid.setOffsetWidth(chars, String(Math.floor(Math.max(0, this.size - 1) / this.sectorSize)).length);
    this.grid.measure();
  }

  private measureFont(): void {
    const fs = parseFloat(getComputedStyle(this.grid.viewport).fontSize) || 13;
    const rh = Math.max(16, Math.round(fs * 1.45));
    if (rh !== this.rowHeight) {
      this.rowHeight = rh;
      this.grid.rowHeight = rh;
      this.app.style.setProperty('--row-h', `${rh}px`);
    }
    this.onResize();
  }

  private onResize(): void {
    if (this.lastWindowWidth !== window.innerWidth) { this.lastWindowWidth = window.innerWidth; this.fitPanels(); }
    const h = this.grid.viewport.clientHeight;
    this.slots = rowSlotsIn(h, this.rowHeight);
    this.fullRows = fullRowsIn(h, this.rowHeight);
    this.grid.setSlots(this.slots);
    this.scrollbar.setTrack(this.scrollbar.root.clientHeight);
    this.grid.measure();
    this.top = clampTop(this.top, this.range(), this.fullRows);
    this.schedule();
  }

  private showOverlay(text: string, kind: 'loading' | 'info' | 'error'): void {
    this.overlay.replaceChildren(icon(kind === 'loading' ? 'loading' : kind === 'error' ? 'error' : 'info', kind === 'loading' ? 'codicon-modifier-spin' : ''), el('span', undefined, undefined, text));
    this.overlay.hidden = false;
  }

  private hideOverlay(): void {
    this.overlay.hidden = true;
  }

  // ---- rendering -----------------------------------------------------------------------------

  private frame(): void {
    this.framePending = false;
    if (!this.doc) return;
    const range = this.range();
    this.top = clampTop(this.top, range, this.fullRows);
    const vis = visibleRows(this.top, range, this.slots);
    const base = vis.start * ROW_BYTES;
    const end = Math.min(this.size, vis.end * ROW_BYTES);
    // Visible rows first, then the cursor's inspector bytes, then a screen of read-ahead each way.
    this.requestBlocks(base, end);
    this.requestBlocks(this.sel.cursor, this.sel.cursor + INSPECT_BYTES);
    // Read-ahead only when the host keeps up (a fast thumb drag would queue useless reads).
    if (this.cache.pendingCount < 4) {
      const ahead = this.slots * ROW_BYTES;
      this.requestBlocks(end, end + ahead);
      this.requestBlocks(Math.max(0, base - ahead), base);
    }

    const n = this.slots * ROW_BYTES;
    if (this.kinds.length < n) { this.kinds = new Uint8Array(n); this.edges = new Uint8Array(n); }
    this.kinds.fill(0);
    this.edges.fill(0);
    const node = this.selectedNode;
    if (node && node.fields.length > 0 && node.offset < end && node.offset + node.length > base) {
      for (const [s, e, i] of this.index.nodeFields(node).overlapping(base, end)) {
        const field = node.fields[i];
        const k = KIND_INDEX[field.kind] ?? 0;
        const from = Math.max(s, base);
        const to = Math.min(e, end);
        this.kinds.fill(k, from - base, to - base);
        if (field.problem) for (let o = from; o < to; o++) this.edges[o - base] |= EDGE_PROBLEM;
        if (s >= base) this.edges[s - base] |= EDGE_START;
        if (e - 1 < end && e - 1 >= base) this.edges[e - 1 - base] |= EDGE_END;
      }
    }
    const [selStart, selEnd] = selRange(this.sel, this.size);
    const hoverHit = this.hover !== null ? this.index.fieldAt(this.hover) : null;
    this.grid.render({
      top: this.top, range, size: this.size,
      digits: offsetDigits(this.size), decimal: this.decimal, sectorSize: this.sectorSize,
      base, byteAt: (o) => this.cache.byteAt(o), isEdited: (o) => this.cache.isEdited(o), isOverlaid: (o) => this.cache.isOverlaid(o),
      selStart, selEnd, cursor: this.sel.cursor, column: this.column, focused: this.focused,
      nibbleAt: this.nibble ? this.nibble.offset : -1,
      kinds: this.kinds, edges: this.edges,
      hover: hoverHit ? [hoverHit.field.offset, hoverHit.field.offset + hoverHit.field.length] : null,
      inspect: this.inspectLen > 0 ? [this.sel.cursor, this.sel.cursor + this.inspectLen] : null,
      isHit: this.search.hitCount > 0 ? (o) => this.search.isHit(o) : () => false,
    });
    this.scrollbar.update();
    const ss = this.sectorSize;
    this.toolbar.setSector(this.sectorMode, Math.floor(this.sel.cursor / ss), Math.floor(Math.max(0, this.size - 1) / ss));
    setAttr(this.grid.viewport, 'aria-rowcount', String(totalRows(this.size)));
    this.updatePanels(selEnd - selStart);
    this.perf(vis, base);
  }

  private fieldView(offset: number, source: 'hover' | 'cursor'): FieldView {
    const hit = this.index.at(offset);
    const v: FieldView = { offset, source, path: hit.node ? this.index.path(hit.node) : [], field: hit.field, fieldNode: hit.fieldNode };
    if (!hit.node && !hit.field) {
      v.location = this.locations.get(offset);
      if (v.location === undefined) (source === 'hover' ? this.locateHover : this.locateCursor)(offset);
    }
    return v;
  }

  private updatePanels(selLen: number): void {
    const c = this.sel.cursor;
    const ss = this.sectorSize;
    const cursorView = this.fieldView(c, 'cursor');
    if (this.panels.inspector) {
      this.fieldInfo.update(this.hover !== null && this.hover < this.size ? this.fieldView(this.hover, 'hover') : cursorView);
      const avail = Math.min(INSPECT_BYTES, this.size - c);
      this.inspector.update(c, avail > 0 ? this.cache.slice(c, avail) : new Uint8Array(0));
    }
    let where = '';
    if (cursorView.field) where = `${cursorView.fieldNode?.name ?? ''} › ${cursorView.field.name} = ${cursorView.field.display}`;
    else if (cursorView.path.length) where = cursorView.path[cursorView.path.length - 1].name;
    else if (cursorView.location) where = locationText(cursorView.location);
    const digits = offsetDigits(this.size);
    this.status.set(
      this.size === 0 ? 'Empty' : `0x${hexOffset(c, digits)} (${grouped(c)})`,
      this.size === 0 ? '' : `LBA ${grouped(Math.floor(c / ss))} + ${hex0x(c % ss)}`,
      selLen > 1 ? `Sel ${bytesLabel(selLen)} (${hex0x(selLen)})` : '',
      where,
    );
  }

  private perf(vis: RowRange, base: number): void {
    if (!this.firstPaintDone && (this.size === 0 || this.cache.byteAt(base) >= 0)) {
      this.firstPaintDone = true;
      const offset = base;
      requestAnimationFrame(() => this.host.post({ type: 'perf', what: 'firstPaint', ms: performance.now(), at: Date.now(), offset }));
    }
    const pr = this.pendingReveal;
    if (pr) {
      const row = Math.floor(pr.offset / ROW_BYTES);
      if (row >= vis.start && row < vis.end && this.cache.byteAt(pr.offset) >= 0) {
        this.pendingReveal = null;
        requestAnimationFrame(() => this.host.post({ type: 'perf', what: 'reveal', ms: performance.now() - pr.t0, at: Date.now(), offset: pr.offset }));
      }
    }
  }

  // ---- structures ----------------------------------------------------------------------------

  private selectNode(n: StructNode, reveal: boolean): void {
    this.selectedNode = n;
    this.wantSelected = null;
    this.tree.setSelected(this.index.path(n), false);
    if (reveal) this.reveal(n.offset, n.length);
    else this.schedule();
  }

  private nodeAction(n: StructNode, a: NodeAction): void {
    const ss = this.sectorSize;
    switch (a) {
      case 'extent':
        if (n.target?.lba !== undefined) this.reveal(n.target.lba * ss, Math.max(1, n.target.blocks ?? 1) * ss);
        break;
      case 'open':
        this.host.post({ type: 'openTarget', path: n.target?.path, lba: n.target?.lba });
        break;
      case 'fix':
        if (!this.doc?.editable) { this.status.flash(`Read-only: ${this.doc?.readonlyReason ?? 'this image cannot be edited'}`, 'error'); break; }
        this.host.post({ type: 'fix', id: n.id });
        this.status.flash(`Recomputing ${n.fixable ?? 'checksum'} of ${n.name}…`);
        break;
    }
  }

  // ---- search --------------------------------------------------------------------------------

  private startSearch(kind: SearchKind, pattern: string, caseSensitive: boolean): number | string {
    if (!this.doc) return 'not ready';
    const id = this.searchId++;
    this.host.post({ type: 'search', searchId: id, query: { kind, pattern, caseSensitive, from: this.sel.cursor } });
    this.schedule();
    return id;
  }

  private stepHit(dir: 1 | -1): void {
    const h: SearchHit | null = this.search.step(this.sel.cursor, dir);
    if (h) this.reveal(h.offset, h.length);
    else this.status.flash(this.search.isRunning ? 'No hits yet' : 'No search hits (open Search with Ctrl+F)');
  }

  // ---- editing -------------------------------------------------------------------------------

  private canEdit(): boolean {
    if (this.doc?.editable) return true;
    this.status.flash(`Read-only: ${this.doc?.readonlyReason ?? 'this image cannot be edited'}`, 'error');
    return false;
  }

  private commit(commits: Commit[]): void {
    for (const c of commits) {
      this.cache.setOverlay(c.offset, c.value);
      this.host.post({ type: 'edit', offset: c.offset, data: Uint8Array.of(c.value), label: `Edit byte at ${hex0x(c.offset)}` });
    }
  }

  private commitNibble(): void {
    if (!this.nibble) return;
    const r = leave(this.nibble);
    this.nibble = null;
    this.commit(r.commits);
  }

  private typeKey(key: string): boolean {
    if (this.size === 0) return false;
    const c = this.sel.cursor;
    if (this.column === 'hex') {
      const d = hexDigit(key);
      if (d < 0) return false;
      if (!this.canEdit()) return true;
      const orig = this.cache.byteAt(c);
      if (orig < 0 && !(this.nibble && this.nibble.offset === c)) { this.status.flash('The bytes are still loading'); return true; }
      const r = typeNibble(this.nibble, c, d, orig);
      this.nibble = r.pending;
      this.commit(r.commits);
      if (r.pending) this.cache.setOverlay(r.pending.offset, r.pending.value);
      if (r.advance) this.advanceAfterType(c);
      else this.setSel(collapsed(c, this.size));
      return true;
    }
    const r = typeChar(this.nibble, c, key);
    if (!r) return false;
    if (!this.canEdit()) return true;
    this.nibble = null;
    this.commit(r.commits);
    this.advanceAfterType(c);
    return true;
  }

  private advanceAfterType(c: number): void {
    const next = Math.min(c + 1, Math.max(0, this.size - 1));
    this.setSel(collapsed(next, this.size));
  }

  private paste(text: string): void {
    if (!this.canEdit() || this.size === 0) return;
    const bytes = this.column === 'hex' ? parseHex(text) : textToBytes(text);
    if (!bytes) {
      this.status.flash(this.column === 'hex' ? 'Paste: not hex (e.g. "DE AD BE EF"); paste in the ASCII column for text' : 'Paste: characters beyond one byte (U+00FF)', 'error');
      return;
    }
    this.commitNibble();
    const [start] = selRange(this.sel, this.size);
    const data = bytes.subarray(0, Math.max(0, this.size - start));
    if (data.length === 0) return;
    if (data.length <= MAX_OVERLAY) for (let i = 0; i < data.length; i++) this.cache.setOverlay(start + i, data[i]);
    this.host.post({ type: 'edit', offset: start, data: Uint8Array.from(data), label: `Paste ${bytesLabel(data.length)} at ${hex0x(start)}` });
    if (data.length < bytes.length) this.status.flash(`Pasted ${bytesLabel(data.length)} (cut at the end of the image)`);
    this.sel = rangeSel(start, data.length, this.size);
    this.schedule();
  }

  // ---- copy ----------------------------------------------------------------------------------

  private async copy(format: CopyFormat): Promise<void> {
    if (this.size === 0) return;
    const [s, e] = selRange(this.sel, this.size);
    const n = e - s;
    const label = COPY_FORMATS.find((f) => f.format === format)?.label.replace(/^Copy as /, '') ?? format;
    if (n > MAX_COPY_BYTES) {
      this.status.flash(`Not copied: the selection is ${humanSize(n)}; copies are limited to ${humanSize(MAX_COPY_BYTES)}`, 'error');
      return;
    }
    try {
      let bytes = this.cache.slice(s, n);
      if (!bytes) {
        this.status.flash(`Reading ${humanSize(n)}…`);
        bytes = await this.readRange(s, n);
      }
      const text = formatBytes(bytes, format);
      this.host.post({ type: 'copy', text, what: format });
      this.status.flash(`Copied ${bytesLabel(n)} as ${label}`);
    } catch (err) {
      this.status.flash(`Copy failed: ${(err as Error).message}`, 'error');
    }
  }

  // ---- input wiring --------------------------------------------------------------------------

  private wireGrid(): void {
    const vp = this.grid.viewport;
    vp.addEventListener('focus', () => { this.focused = true; this.app.classList.add('grid-focused'); this.schedule(); });
    vp.addEventListener('blur', () => {
      this.focused = false;
      this.app.classList.remove('grid-focused');
      this.commitNibble();
      this.schedule();
    });
    vp.addEventListener('keydown', (e) => this.onGridKey(e));
    vp.addEventListener('wheel', (e) => {
      if (e.ctrlKey) return; // zoom
      e.preventDefault();
      const d = Math.abs(e.deltaY) >= Math.abs(e.deltaX) ? e.deltaY : 0;
      this.scrollBy(this.wheel.rows(d, e.deltaMode, this.rowHeight, this.fullRows));
    }, { passive: false });
    vp.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    vp.addEventListener('mousemove', (e) => {
      if (this.drag) return;
      const cell = this.grid.cellAt(e.target);
      const row = cell ? this.grid.slotRow(cell.slot) : -1;
      const h = cell && row >= 0 ? row * ROW_BYTES + cell.col : null;
      const offset = h !== null && h < this.size ? h : null;
      if (offset !== this.hover) { this.hover = offset; this.schedule(); }
    });
    vp.addEventListener('mouseleave', () => { if (this.hover !== null) { this.hover = null; this.schedule(); } });
    // The scrollbar's wheel scrolls the grid too.
    this.scrollbar.root.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.scrollBy(this.wheel.rows(e.deltaY, e.deltaMode, this.rowHeight, this.fullRows));
    }, { passive: false });
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0 || this.size === 0) return;
    e.preventDefault();
    this.grid.viewport.focus();
    const hit = this.grid.hitTest(e.clientX, e.clientY, this.top);
    if (!hit) return;
    this.column = hit.column;
    const range = this.range();
    const off = Math.min(clampOffset(hit.offset, this.size), (range.end * ROW_BYTES) - 1);
    this.setSel(setCursor(this.sel, off, e.shiftKey, this.size), { follow: false, fromGrid: true });
    const vp = this.grid.viewport;
    vp.setPointerCapture(e.pointerId);
    this.drag = { column: hit.column, timer: undefined, lastX: e.clientX, lastY: e.clientY };
    const extendTo = (x: number, y: number): void => {
      const h = this.grid.hitTest(x, y, this.top, this.drag?.column);
      if (!h) return;
      const r = this.range();
      const o = Math.max(r.start * ROW_BYTES, Math.min(clampOffset(h.offset, this.size), r.end * ROW_BYTES - 1));
      if (o !== this.sel.cursor) this.setSel(setCursor(this.sel, o, true, this.size), { follow: false });
    };
    const autoScroll = (): void => {
      if (!this.drag) return;
      const rect = vp.getBoundingClientRect();
      const y = this.drag.lastY;
      const over = y < rect.top ? y - rect.top : y > rect.bottom ? y - rect.bottom : 0;
      if (over !== 0) {
        const rows = Math.sign(over) * Math.max(1, Math.round(Math.abs(over) / 8));
        this.scrollBy(rows);
        extendTo(this.drag.lastX, y);
      }
    };
    const moveH = (ev: PointerEvent): void => {
      if (!this.drag) return;
      this.drag.lastX = ev.clientX;
      this.drag.lastY = ev.clientY;
      extendTo(ev.clientX, ev.clientY);
      const rect = vp.getBoundingClientRect();
      const outside = ev.clientY < rect.top || ev.clientY > rect.bottom;
      if (outside && this.drag.timer === undefined) this.drag.timer = window.setInterval(autoScroll, 50);
      else if (!outside && this.drag.timer !== undefined) { window.clearInterval(this.drag.timer); this.drag.timer = undefined; }
    };
    const up = (): void => {
      if (this.drag?.timer !== undefined) window.clearInterval(this.drag.timer);
      this.drag = null;
      vp.removeEventListener('pointermove', moveH);
      vp.removeEventListener('pointerup', up);
      vp.removeEventListener('pointercancel', up);
      this.followCursor();
      this.schedule();
    };
    vp.addEventListener('pointermove', moveH);
    vp.addEventListener('pointerup', up);
    vp.addEventListener('pointercancel', up);
  }

  private onGridKey(e: KeyboardEvent): void {
    if (this.size === 0) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod) {
      // Ctrl+Home/End: the image's ends. Everything else with Ctrl/Cmd (undo, redo, save, go to,
      // find, copy, paste) belongs to VS Code's keybindings: let it through untouched.
      if (!e.altKey && (e.key === 'Home' || e.key === 'End')) {
        e.preventDefault();
        this.setSel(move(this.sel, e.key === 'Home' ? 'docStart' : 'docEnd', e.shiftKey, this.size, this.fullRows), { fromGrid: true });
      } else if (!e.altKey && !e.shiftKey && (e.key === 'a' || e.key === 'A')) {
        e.preventDefault();
        this.setSel(selectAll(this.size), { follow: false });
      }
      return;
    }
    if (e.altKey) return;
    const m = KEY_MOVES[e.key];
    if (m) {
      e.preventDefault();
      const rowsPerSector = Math.floor(this.sectorSize / ROW_BYTES);
      if (this.sectorMode && !e.shiftKey && (m === 'pageDown' || m === 'pageUp') && this.fullRows >= rowsPerSector) {
        // The whole sector is on screen: a page is a sector.
        this.stepSector(m === 'pageDown' ? 1 : -1);
        return;
      }
      const page = Math.max(1, this.fullRows - 1);
      const next = move(this.sel, m, e.shiftKey, this.size, page);
      this.setSel(next, { fromGrid: true });
      if ((m === 'pageDown' || m === 'pageUp') && !e.shiftKey) {
        // Page keys scroll the view by a page too, not just until the cursor shows.
        const dir = m === 'pageDown' ? 1 : -1;
        this.top = clampTop(this.top + dir * page, this.range(), this.fullRows);
        this.top = ensureVisible(this.top, Math.floor(this.sel.cursor / ROW_BYTES), this.range(), this.fullRows);
      }
      return;
    }
    switch (e.key) {
      case 'Tab':
        e.preventDefault();
        this.commitNibble();
        this.column = this.column === 'hex' ? 'ascii' : 'hex';
        this.schedule();
        return;
      case 'Escape':
        if (this.nibble) {
          const n = this.nibble;
          this.nibble = null;
          this.cache.removeOverlay(n.offset);
          this.schedule();
        } else if (!isCollapsed(this.sel)) {
          this.setSel(collapsed(this.sel.cursor, this.size));
        }
        return;
      case 'Enter':
        return;
    }
    if (e.key.length === 1 && this.typeKey(e.key)) e.preventDefault();
  }

  private wireDocument(): void {
    document.addEventListener('keydown', (e) => {
      if (e.key === 'F3' && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        this.stepHit(e.shiftKey ? -1 : 1);
      }
    });
    const inField = (t: EventTarget | null): boolean => t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
    document.addEventListener('copy', (e) => {
      if (inField(document.activeElement) || this.size === 0) return;
      // Text selected in a panel (values in the inspector, the field panel) copies as text.
      const domSel = window.getSelection();
      if (domSel && !domSel.isCollapsed && !this.grid.root.contains(domSel.anchorNode)) return;
      e.preventDefault();
      const [s, end] = selRange(this.sel, this.size);
      const n = end - s;
      const bytes = n <= MAX_COPY_BYTES ? this.cache.slice(s, n) : null;
      if (bytes && e.clipboardData) {
        e.clipboardData.setData('text/plain', toHex(bytes));
        this.status.flash(`Copied ${bytesLabel(n)} as Hex`);
      } else {
        void this.copy('hex');
      }
    });
    document.addEventListener('paste', (e) => {
      if (inField(document.activeElement)) return;
      const text = e.clipboardData?.getData('text/plain') ?? '';
      e.preventDefault();
      if (text) this.paste(text);
    });
    document.addEventListener('cut', (e) => { if (!inField(document.activeElement)) e.preventDefault(); });
  }
}

const root = document.getElementById('app');
if (root) new App(root);
