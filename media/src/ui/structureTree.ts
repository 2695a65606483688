// The structure panel: a virtualized tree of StructNodes (a flat list of the visible rows, only the
// rows on screen in the DOM), with codicons per structure type, problem markers, lazy children
// (asked with `expand`) and per-node actions. Expansion and selection are kept by id when a new
// decoding replaces the tree.

import type { StructNode } from '../../../src/shared/sectorProtocol';
import { hex0x } from '../model/notation';
import { addChildren, el, icon, setAttr, setText } from './dom';

export type NodeAction = 'extent' | 'open' | 'fix';

export interface TreeHost {
  /** The user selected a node (click, keys): reveal its bytes. */
  select(node: StructNode, source: 'click' | 'keyboard'): void;
  action(node: StructNode, action: NodeAction): void;
  /** A lazy node was expanded: ask the host for its children. */
  expandLazy(node: StructNode): void;
  /** Enter on a node: go to the bytes and focus the grid. */
  activate(node: StructNode): void;
}

interface FlatRow {
  node: StructNode | null;
  depth: number;
  /** For placeholder rows (loading, error, empty). */
  note?: string;
  noteKind?: 'loading' | 'error';
}

const ROW_H = 22;

export function iconFor(node: StructNode): string {
  const t = node.type;
  if (t === 'mbr' || t.startsWith('mbr')) return 'server';
  if (t.startsWith('gpt')) return t === 'gpt-entry' ? 'symbol-field' : 'table';
  if (t.startsWith('apm')) return t === 'apm-entry' ? 'symbol-field' : 'symbol-misc';
  if (t === 'pvd' || t === 'svd' || t === 'evd' || t === 'vdp' || t === 'boot-record' || t === 'terminator' || t.startsWith('vd')) return 'symbol-class';
  if (t === 'directory') return 'folder';
  if (t === 'dir-record') {
    const flags = node.fields.find((f) => f.name === 'File Flags');
    return flags && /directory/.test(flags.display) ? 'folder' : 'file';
  }
  if (t === 'path-table-entry') return 'symbol-field';
  if (t.startsWith('path-table')) return 'list-ordered';
  if (t === 'boot-catalog') return 'book';
  if (t === 'boot-image') return 'rocket';
  if (t.startsWith('eltorito')) return 'symbol-event';
  if (t.startsWith('susp')) return 'tag';
  if (t.startsWith('udf')) return 'symbol-namespace';
  return 'symbol-structure';
}

function expandable(n: StructNode): boolean {
  return n.children.length > 0 || !!n.lazy;
}

export function nodeTitle(n: StructNode): string {
  const lines = [n.name, `${n.type} · ${hex0x(n.offset)} (${n.offset}) · ${n.length} bytes`];
  if (n.spec) lines.push(n.spec);
  if (n.target) {
    const t: string[] = [];
    if (n.target.lba !== undefined) t.push(`LBA ${n.target.lba}${n.target.blocks !== undefined ? ` × ${n.target.blocks}` : ''}`);
    if (n.target.path) t.push(n.target.path);
    lines.push('→ ' + t.join(' · '));
  }
  for (const p of n.problems ?? []) lines.push('⚠ ' + p);
  if (n.fixable) lines.push('Fixable: ' + n.fixable);
  return lines.join('\n');
}

interface Item {
  root: HTMLDivElement;
  indent: HTMLSpanElement;
  twistie: HTMLSpanElement;
  icon: HTMLSpanElement;
  label: HTMLSpanElement;
  desc: HTMLSpanElement;
  mark: HTMLSpanElement;
  actions: HTMLSpanElement;
  node: StructNode | null | undefined;
  key: string;
}

export class StructureTree {
  readonly root: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly rowsEl: HTMLDivElement;
  private readonly empty: HTMLDivElement;
  private roots: StructNode[] = [];
  private readonly expanded = new Set<string>();
  private readonly loading = new Set<string>();
  private readonly errors = new Map<string, string>();
  private flat: FlatRow[] = [];
  private selectedId: string | null = null;
  private focusIndex = 0;
  private items: Item[] = [];
  private first = 0;
  private height = 0;
  private emptyText = 'Loading structures…';

  constructor(private readonly host: TreeHost) {
    this.root = el('div', 'tree', { role: 'tree', tabindex: '0', 'aria-label': 'Structures' });
    this.spacer = el('div', 'tree-spacer', { role: 'presentation' });
    this.rowsEl = el('div', 'tree-rows', { role: 'presentation' });
    this.spacer.appendChild(this.rowsEl);
    this.empty = el('div', 'tree-empty');
    this.root.append(this.spacer, this.empty);
    this.root.addEventListener('scroll', () => this.renderRows());
    this.root.addEventListener('click', (e) => this.onClick(e));
    this.root.addEventListener('dblclick', (e) => this.onDblClick(e));
    this.root.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => { this.height = this.root.clientHeight; this.renderRows(); }).observe(this.root);
  }

  setEmptyText(text: string): void {
    this.emptyText = text;
    this.rebuild();
  }

  /** New roots (a new decoding): expansion and selection survive by id; lazy ones are re-asked. */
  setRoots(roots: StructNode[]): void {
    this.roots = roots;
    this.loading.clear();
    this.errors.clear();
    const byId = new Map<string, StructNode>();
    const walk = (ns: StructNode[]): void => { for (const n of ns) { byId.set(n.id, n); walk(n.children); } };
    walk(roots);
    for (const id of [...this.expanded]) {
      const n = byId.get(id);
      if (!n) { this.expanded.delete(id); continue; }
      if (n.lazy && n.children.length === 0) { this.loading.add(id); this.host.expandLazy(n); }
    }
    this.rebuild();
  }

  /** Children of a lazy node arrived (already inserted into the node by the caller). */
  childrenArrived(id: string, error?: string): void {
    this.loading.delete(id);
    if (error) this.errors.set(id, error);
    else this.errors.delete(id);
    this.rebuild();
  }

  get selected(): string | null { return this.selectedId; }

  /** Selects a node programmatically (the cursor moved into it); expands its ancestors. */
  setSelected(path: StructNode[] | null, reveal: boolean): void {
    const node = path && path.length ? path[path.length - 1] : null;
    this.selectedId = node ? node.id : null;
    if (path && reveal) for (const a of path.slice(0, -1)) this.expanded.add(a.id);
    this.rebuild();
    if (node && reveal) {
      const i = this.flat.findIndex((r) => r.node === node);
      if (i >= 0) { this.focusIndex = i; this.scrollIntoView(i); }
    }
  }

  focus(): void {
    this.root.focus();
  }

  isExpanded(id: string): boolean { return this.expanded.has(id); }

  toggle(node: StructNode, open?: boolean): void {
    const isOpen = this.expanded.has(node.id);
    const want = open ?? !isOpen;
    if (want === isOpen) return;
    if (want) {
      this.expanded.add(node.id);
      if (node.lazy && node.children.length === 0 && !this.loading.has(node.id)) {
        this.loading.add(node.id);
        this.errors.delete(node.id);
        this.host.expandLazy(node);
      }
    } else {
      this.expanded.delete(node.id);
    }
    this.rebuild();
  }

  private rebuild(): void {
    const flat: FlatRow[] = [];
    const walk = (ns: StructNode[], depth: number): void => {
      for (const n of ns) {
        flat.push({ node: n, depth });
        if (!this.expanded.has(n.id)) continue;
        if (n.children.length > 0) walk(n.children, depth + 1);
        else if (this.loading.has(n.id)) flat.push({ node: null, depth: depth + 1, note: 'Loading…', noteKind: 'loading' });
        else if (this.errors.has(n.id)) flat.push({ node: null, depth: depth + 1, note: this.errors.get(n.id)!, noteKind: 'error' });
      }
    };
    walk(this.roots, 0);
    this.flat = flat;
    this.focusIndex = Math.min(this.focusIndex, Math.max(0, flat.length - 1));
    if (this.selectedId) {
      const i = flat.findIndex((r) => r.node?.id === this.selectedId);
      if (i >= 0) this.focusIndex = i;
    }
    this.spacer.style.height = `${flat.length * ROW_H}px`;
    this.empty.textContent = flat.length === 0 ? this.emptyText : '';
    this.empty.hidden = flat.length > 0;
    this.renderRows(true);
  }

  private scrollIntoView(i: number): void {
    const h = this.root.clientHeight || this.height;
    const top = i * ROW_H;
    if (top < this.root.scrollTop) this.root.scrollTop = top;
    else if (top + ROW_H > this.root.scrollTop + h) this.root.scrollTop = top + ROW_H - h;
    this.renderRows(true);
  }

  private makeItem(): Item {
    const root = el('div', 'ti', { role: 'treeitem' });
    root.dataset.testid = 'struct-node';
    const [indent, twistie, ic, label, desc, mark, actions] = addChildren(root, 'span',
      ['ti-indent', 'ti-twistie codicon', 'ti-icon codicon', 'ti-label', 'ti-desc', 'ti-mark codicon', 'ti-actions']);
    this.rowsEl.appendChild(root);
    return { root, indent, twistie, icon: ic, label, desc, mark, actions, node: undefined, key: '' };
  }

  private renderRows(force = false): void {
    const h = this.height || this.root.clientHeight;
    const first = Math.max(0, Math.floor(this.root.scrollTop / ROW_H) - 2);
    const count = Math.min(this.flat.length - first, Math.ceil(h / ROW_H) + 5);
    if (!force && first === this.first && this.items.length === Math.max(0, count)) return;
    this.first = first;
    while (this.items.length < count) this.items.push(this.makeItem());
    while (this.items.length > Math.max(0, count)) this.items.pop()!.root.remove();
    this.rowsEl.style.transform = `translateY(${first * ROW_H}px)`;
    let active: string | null = null;
    for (let k = 0; k < this.items.length; k++) {
      const idx = first + k;
      const row = this.flat[idx];
      const it = this.items[k];
      it.root.id = `ti-${idx}`;
      this.fill(it, row, idx);
      if (idx === this.focusIndex) active = it.root.id;
    }
    setAttr(this.root, 'aria-activedescendant', active);
  }

  private fill(it: Item, row: FlatRow, idx: number): void {
    const n = row.node;
    it.indent.style.width = `${row.depth * 12}px`;
    setAttr(it.root, 'aria-level', String(row.depth + 1));
    const selected = !!n && n.id === this.selectedId;
    it.root.className = 'ti' + (selected ? ' selected' : '') + (idx === this.focusIndex ? ' focused' : '') + (n ? '' : ' note ' + (row.noteKind ?? ''));
    setAttr(it.root, 'aria-selected', n ? String(selected) : null);
    if (!n) {
      setAttr(it.root, 'data-id', null);
      setAttr(it.root, 'aria-expanded', null);
      it.twistie.className = 'ti-twistie codicon';
      it.icon.className = 'ti-icon codicon codicon-' + (row.noteKind === 'error' ? 'error' : 'loading codicon-modifier-spin');
      setText(it.label, row.note ?? '');
      setText(it.desc, '');
      it.mark.className = 'ti-mark codicon';
      setAttr(it.root, 'title', row.note ?? null);
      if (it.node !== null) { it.actions.replaceChildren(); it.node = null; }
      return;
    }
    setAttr(it.root, 'data-id', n.id);
    const open = this.expanded.has(n.id);
    setAttr(it.root, 'aria-expanded', expandable(n) ? String(open) : null);
    it.twistie.className = 'ti-twistie codicon' + (expandable(n) ? (open ? ' codicon-chevron-down' : ' codicon-chevron-right') : '');
    it.icon.className = `ti-icon codicon codicon-${iconFor(n)} t-${n.type.replace(/[^a-z0-9-]/gi, '_')}`;
    setText(it.label, n.name);
    setText(it.desc, `${hex0x(n.offset)} · ${n.length}`);
    const problems = n.problems?.length ?? 0;
    it.mark.className = 'ti-mark codicon' + (problems ? (n.fixable ? ' codicon-error err' : ' codicon-warning warn') : '');
    setAttr(it.mark, 'title', problems ? n.problems!.join('\n') : null);
    setAttr(it.mark, 'aria-label', problems ? `${problems} problem${problems > 1 ? 's' : ''}` : null);
    const key = `${n.id}|${n.target?.lba}|${n.target?.path}|${n.fixable ?? ''}`;
    if (it.node !== n || it.key !== key) {
      it.node = n;
      it.key = key;
      setAttr(it.root, 'title', nodeTitle(n));
      it.actions.replaceChildren();
      const add = (name: string, title: string, action: NodeAction): void => {
        const b = el('button', 'icon-btn', { type: 'button', title, 'aria-label': title, tabindex: '-1' });
        b.dataset.action = action;
        b.appendChild(icon(name));
        it.actions.appendChild(b);
      };
      if (n.fixable) add('wrench', `Recompute checksum (${n.fixable})`, 'fix');
      if (n.target?.lba !== undefined) add('arrow-right', `Go to extent (LBA ${n.target.lba}) — E`, 'extent');
      if (n.target?.path) add('go-to-file', `Open file ${n.target.path} — O`, 'open');
    }
  }

  private rowAt(target: EventTarget | null): number {
    const t = (target as HTMLElement | null)?.closest?.('.ti') as HTMLElement | null;
    if (!t || !t.id.startsWith('ti-')) return -1;
    return Number(t.id.slice(3));
  }

  private onClick(e: MouseEvent): void {
    const idx = this.rowAt(e.target);
    if (idx < 0) return;
    const row = this.flat[idx];
    if (!row?.node) return;
    const n = row.node;
    this.focusIndex = idx;
    const actionBtn = (e.target as HTMLElement).closest('button[data-action]') as HTMLElement | null;
    if (actionBtn) {
      this.host.action(n, actionBtn.dataset.action as NodeAction);
      return;
    }
    if ((e.target as HTMLElement).closest('.ti-twistie') && expandable(n)) {
      this.toggle(n);
      return;
    }
    this.selectedId = n.id;
    this.renderRows(true);
    this.host.select(n, 'click');
  }

  private onDblClick(e: MouseEvent): void {
    const idx = this.rowAt(e.target);
    const n = idx >= 0 ? this.flat[idx]?.node : null;
    if (!n || (e.target as HTMLElement).closest('button,.ti-twistie')) return;
    if (expandable(n)) this.toggle(n);
  }

  private moveFocus(i: number): void {
    if (this.flat.length === 0) return;
    let j = Math.max(0, Math.min(this.flat.length - 1, i));
    // Skip placeholder rows in the direction of travel.
    const dir = i >= this.focusIndex ? 1 : -1;
    while (!this.flat[j].node && j + dir >= 0 && j + dir < this.flat.length) j += dir;
    const n = this.flat[j].node;
    if (!n) return;
    this.focusIndex = j;
    this.selectedId = n.id;
    this.scrollIntoView(j);
    this.host.select(n, 'keyboard');
  }

  private onKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const row = this.flat[this.focusIndex];
    const n = row?.node ?? null;
    const page = Math.max(1, Math.floor((this.root.clientHeight || ROW_H) / ROW_H) - 1);
    switch (e.key) {
      case 'ArrowDown': this.moveFocus(this.focusIndex + 1); break;
      case 'ArrowUp': this.moveFocus(this.focusIndex - 1); break;
      case 'PageDown': this.moveFocus(this.focusIndex + page); break;
      case 'PageUp': this.moveFocus(this.focusIndex - page); break;
      case 'Home': this.moveFocus(0); break;
      case 'End': this.moveFocus(this.flat.length - 1); break;
      case 'ArrowRight':
        if (!n) break;
        if (expandable(n) && !this.expanded.has(n.id)) this.toggle(n, true);
        else if (this.expanded.has(n.id)) this.moveFocus(this.focusIndex + 1);
        break;
      case 'ArrowLeft':
        if (!n) break;
        if (this.expanded.has(n.id)) this.toggle(n, false);
        else {
          for (let i = this.focusIndex - 1; i >= 0; i--) {
            if (this.flat[i].depth < row.depth && this.flat[i].node) { this.moveFocus(i); break; }
          }
        }
        break;
      case 'Enter':
        if (n) this.host.activate(n);
        break;
      case ' ':
        if (n && expandable(n)) this.toggle(n);
        break;
      case 'e':
      case 'E':
        if (n?.target?.lba !== undefined) this.host.action(n, 'extent');
        break;
      case 'o':
      case 'O':
        if (n?.target?.path) this.host.action(n, 'open');
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
