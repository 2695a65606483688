// The side panels and the status line, wired to the view model: the structure tree (`structures`
// and `children` from the host, selecting a structure, following the cursor, the node actions),
// the field panel (what the byte under the mouse or at the cursor belongs to, asking the host to
// `locate` offsets outside every structure), the data inspector, the search panel (starting
// searches, stepping through hits) and the status line's cursor, selection and "where".

import type { DocInfo, SearchKind, StructNode } from '../../../src/shared/sectorProtocol';
import { toHex } from '../model/byteText';
import { INSPECT_BYTES } from '../model/inspector';
import { bytesLabel, grouped, hex0x, hexOffset, offsetDigits } from '../model/notation';
import { locationText } from '../model/ruler';
import { debounce, el } from '../ui/dom';
import { FieldInfoPanel, type FieldView } from '../ui/fieldInfo';
import { InspectorPanel } from '../ui/inspectorPanel';
import { SearchPanel } from '../ui/searchPanel';
import { StructureTree, type NodeAction } from '../ui/structureTree';
import type { App } from './app';
import type { PanelsShown } from './state';

function notDecoded(doc: DocInfo | null): string {
  return `Not decoded as ISO 9660${doc?.decodeError ? `: ${doc.decodeError}` : ''}`;
}

export class Panels {
  readonly tree: StructureTree;
  readonly fieldInfo = new FieldInfoPanel();
  readonly inspector: InspectorPanel;
  readonly search: SearchPanel;
  /** The side panels' containers (layout.ts places and sizes them). */
  readonly left: HTMLElement;
  readonly right: HTMLElement;
  private readonly structCount: HTMLSpanElement;
  private readonly locateHover = debounce(120, (offset: number) => this.locate(offset));
  private readonly locateCursor = debounce(120, (offset: number) => this.locate(offset));

  constructor(private readonly app: App) {
    const s = app.state;
    this.tree = new StructureTree({
      select: (n) => this.selectNode(n, true),
      action: (n, a) => this.nodeAction(n, a),
      expandLazy: (n) => app.transport.expand(n.id),
      activate: (n) => { this.selectNode(n, true); app.layout.grid.viewport.focus(); },
    });
    this.inspector = new InspectorPanel({
      setEndian: (le) => { s.littleEndian = le; app.saveState(); app.schedule(); },
      highlight: (len) => { s.inspectLen = len; app.schedule(); },
    });
    this.search = new SearchPanel({
      start: (kind, pattern, caseSensitive) => this.startSearch(kind, pattern, caseSensitive),
      cancel: (id) => app.transport.post({ type: 'cancelSearch', searchId: id }),
      reveal: (hit) => app.reveal(hit.offset, hit.length),
      prefs: (kind, cs) => { s.searchPrefs = { kind, caseSensitive: cs }; app.saveState(); },
    });
    this.left = el('aside', 'side left', { 'aria-label': 'Structures' });
    this.left.dataset.testid = 'structures';
    const lhead = el('div', 'section-head');
    this.structCount = el('span', 'section-caption');
    lhead.append(el('span', 'section-title', undefined, 'Structures'), this.structCount);
    this.left.append(lhead, this.tree.root);
    this.right = el('aside', 'side right', { 'aria-label': 'Inspector and search' });
    this.right.append(this.search.root, this.fieldInfo.root, this.inspector.root);
  }

  /** The search kind and case as the user last left them. */
  restorePrefs(): void {
    const p = this.app.state.searchPrefs;
    this.search.setPrefs(p.kind, p.caseSensitive);
  }

  showDoc(doc: DocInfo): void {
    this.tree.setEmptyText(doc.decoded ? 'Loading structures…' : notDecoded(doc));
  }

  /** Shows the parts of the right-hand panel the user chose. */
  showSections(p: PanelsShown): void {
    this.fieldInfo.root.hidden = !p.inspector;
    this.inspector.root.hidden = !p.inspector;
    this.search.root.hidden = !p.search;
    this.right.classList.toggle('with-search', p.search);
  }

  // ---- structures ----------------------------------------------------------------------------

  onStructures(roots: StructNode[]): void {
    const st = this.app.state.structures;
    st.setRoots(roots);
    if (roots.length === 0) this.tree.setEmptyText(this.app.state.doc?.decoded === false ? notDecoded(this.app.state.doc) : 'No structures');
    this.tree.setRoots(roots);
    this.tree.setSelected(st.selectedPath(), false);
    this.structCount.textContent = `${grouped(st.index.nodeCount)}`;
    this.structCount.title = `${grouped(st.index.nodeCount)} structures, ${grouped(st.index.fieldCount)} fields`;
    this.app.schedule();
  }

  onChildren(id: string, children: StructNode[], error?: string): void {
    const st = this.app.state.structures;
    if (!st.has(id)) return;
    if (!error) {
      st.addChildren(id, children);
      this.structCount.textContent = `${grouped(st.index.nodeCount)}`;
    }
    this.tree.childrenArrived(id, error ?? (children.length === 0 ? 'Empty' : undefined));
    const want = st.claimWanted();
    if (want) this.tree.setSelected(st.index.path(want), false);
    this.app.schedule();
  }

  /** The tree follows the cursor into the innermost structure when it leaves the selected one. */
  followCursor(): void {
    const s = this.app.state;
    if (s.structures.follow(s.sel.cursor)) this.tree.setSelected(s.structures.selectedPath(), s.panels.structures);
  }

  private selectNode(n: StructNode, reveal: boolean): void {
    const st = this.app.state.structures;
    st.select(n);
    this.tree.setSelected(st.index.path(n), false);
    if (reveal) this.app.reveal(n.offset, n.length);
    else this.app.schedule();
  }

  private nodeAction(n: StructNode, a: NodeAction): void {
    const s = this.app.state;
    const ss = s.sectorSize;
    switch (a) {
      case 'extent':
        if (n.target?.lba !== undefined) this.app.reveal(n.target.lba * ss, Math.max(1, n.target.blocks ?? 1) * ss);
        break;
      case 'open':
        this.app.transport.post({ type: 'openTarget', path: n.target?.path, lba: n.target?.lba });
        break;
      case 'fix':
        if (!s.doc?.editable) { this.app.flash(`Read-only: ${s.doc?.readonlyReason ?? 'this image cannot be edited'}`, 'error'); break; }
        this.app.transport.post({ type: 'fix', id: n.id });
        this.app.flash(`Recomputing ${n.fixable ?? 'checksum'} of ${n.name}…`);
        break;
    }
  }

  // ---- search --------------------------------------------------------------------------------

  /** The Find command: the search panel, with the selection as a hex pattern when it is short. */
  find(): void {
    const s = this.app.state;
    const [start, end] = s.selRange();
    const bytes = end - start > 1 && end - start <= 64 ? s.cache.slice(start, end - start) : null;
    this.search.focus(bytes ? { kind: 'hex', pattern: toHex(bytes) } : undefined);
  }

  private startSearch(kind: SearchKind, pattern: string, caseSensitive: boolean): number | string {
    const s = this.app.state;
    if (!s.doc) return 'not ready';
    const id = this.app.transport.search({ kind, pattern, caseSensitive, from: s.sel.cursor });
    this.app.schedule();
    return id;
  }

  /** F3 / Shift+F3: the next or previous hit from the cursor. */
  stepHit(dir: 1 | -1): void {
    const h = this.search.step(this.app.state.sel.cursor, dir);
    if (h) this.app.reveal(h.offset, h.length);
    else this.app.flash(this.search.isRunning ? 'No hits yet' : 'No search hits (open Search with Ctrl+F)');
  }

  // ---- field panel, inspector, status line ---------------------------------------------------

  private locate(offset: number): void {
    const s = this.app.state;
    if (s.locations.has(offset) || offset >= s.size) return;
    this.app.transport.locate(offset);
  }

  private fieldView(offset: number, source: 'hover' | 'cursor'): FieldView {
    const s = this.app.state;
    const index = s.structures.index;
    const hit = index.at(offset);
    const v: FieldView = { offset, source, path: hit.node ? index.path(hit.node) : [], field: hit.field, fieldNode: hit.fieldNode };
    if (!hit.node && !hit.field) {
      v.location = s.locations.get(offset);
      if (v.location === undefined) (source === 'hover' ? this.locateHover : this.locateCursor)(offset);
    }
    return v;
  }

  /** Every frame: the field panel, the inspector and the status line for the cursor and mouse. */
  update(selLen: number): void {
    const s = this.app.state;
    const c = s.sel.cursor;
    const ss = s.sectorSize;
    const cursorView = this.fieldView(c, 'cursor');
    if (s.panels.inspector) {
      this.fieldInfo.update(s.hover !== null && s.hover < s.size ? this.fieldView(s.hover, 'hover') : cursorView);
      const avail = Math.min(INSPECT_BYTES, s.size - c);
      this.inspector.update(c, avail > 0 ? s.cache.slice(c, avail) : new Uint8Array(0));
    }
    let where = '';
    if (cursorView.field) where = `${cursorView.fieldNode?.name ?? ''} › ${cursorView.field.name} = ${cursorView.field.display}`;
    else if (cursorView.path.length) where = cursorView.path[cursorView.path.length - 1].name;
    else if (cursorView.location) where = locationText(cursorView.location);
    const digits = offsetDigits(s.size);
    this.app.layout.status.set(
      s.size === 0 ? 'Empty' : `0x${hexOffset(c, digits)} (${grouped(c)})`,
      s.size === 0 ? '' : `LBA ${grouped(Math.floor(c / ss))} + ${hex0x(c % ss)}`,
      selLen > 1 ? `Sel ${bytesLabel(selLen)} (${hex0x(selLen)})` : '',
      where,
    );
  }
}
