// The field panel: what the byte under the mouse (or, when the mouse is elsewhere, at the cursor)
// belongs to — the innermost structure and field with raw bytes, decoded value, spec section and
// problem — or, outside every known structure, the host's answer to `locate` (a file and the
// offset in it, free space, …).

import type { FieldInfo, Location, StructNode } from '../../../src/shared/sectorProtocol';
import { hex0x, grouped } from '../model/notation';
import { lbaText, locationIcon, locationText } from '../model/ruler';
import { el, icon } from './dom';

export interface FieldView {
  offset: number;
  source: 'hover' | 'cursor';
  path: StructNode[];
  field: FieldInfo | null;
  fieldNode: StructNode | null;
  /** For offsets outside every structure: the host's location (undefined: still asking). */
  location?: Location | null;
}

function spaced(raw: string): string {
  const ell = raw.endsWith('…');
  const hex = ell ? raw.slice(0, -1) : raw;
  return (hex.match(/.{1,2}/g) ?? []).join(' ').toUpperCase() + (ell ? ' …' : '');
}

/** A "key: value" row of a panel's table. */
function kvRow(t: HTMLTableElement, k: string, val: string, cls: string): void {
  const tr = el('tr', cls);
  tr.append(el('th', undefined, { scope: 'row' }, k), el('td', undefined, undefined, val));
  t.appendChild(tr);
}

export class FieldInfoPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLDivElement;
  private readonly caption: HTMLSpanElement;
  private key = '';

  constructor() {
    this.root = el('section', 'panel-section field-info', { 'aria-label': 'Field under the mouse', 'aria-live': 'polite' });
    this.root.dataset.testid = 'field-info';
    const head = el('div', 'section-head');
    head.append(el('span', 'section-title', undefined, 'Field'));
    this.caption = el('span', 'section-caption');
    head.appendChild(this.caption);
    this.body = el('div', 'section-body');
    this.root.append(head, this.body);
  }

  update(v: FieldView): void {
    const key = `${v.offset}|${v.source}|${v.path.map((n) => n.id).join('/')}|${v.field?.name}|${v.field?.offset}|${v.field?.raw}|${v.field?.display}|` +
      (v.location === undefined ? 'u' : JSON.stringify(v.location));
    if (key === this.key) return;
    this.key = key;
    this.caption.textContent = `${v.source === 'hover' ? 'under mouse' : 'at cursor'} · ${hex0x(v.offset)}`;
    this.root.dataset.offset = String(v.offset);
    const b = this.body;
    b.replaceChildren();
    const node = v.path.length ? v.path[v.path.length - 1] : null;
    if (node) {
      const crumbs = el('div', 'crumbs');
      v.path.forEach((n, i) => {
        if (i > 0) crumbs.appendChild(icon('chevron-right', 'sep'));
        crumbs.appendChild(el('span', i === v.path.length - 1 ? 'crumb last' : 'crumb', { title: `${n.name} (${n.type})` }, n.name));
      });
      b.appendChild(crumbs);
    }
    const f = v.field;
    if (f) {
      const owner = v.fieldNode;
      const title = el('div', 'field-title');
      title.append(el('span', `kind-swatch k-${f.kind}`, { title: f.kind }), el('span', 'field-name', undefined, f.name), el('span', 'field-kind', undefined, f.kind));
      b.appendChild(title);
      const t = el('table', 'kv');
      const row = (k: string, val: string, cls = ''): void => kvRow(t, k, val, cls);
      row('Value', f.display, 'value');
      row('Offset', `${hex0x(f.offset)} (${grouped(f.offset)})` + (owner ? ` · +${hex0x(f.offset - owner.offset)} in ${owner.type}` : ''));
      row('Length', f.length === 1 ? '1 byte' : `${grouped(f.length)} bytes`);
      row('Raw', spaced(f.raw), 'raw');
      if (owner && owner !== node) row('Structure', owner.name);
      if (f.spec) row('Spec', f.spec);
      if (f.problem) row('Problem', f.problem, 'problem');
      b.appendChild(t);
    } else if (node) {
      const t = el('table', 'kv');
      const tr = (k: string, val: string, cls = ''): void => kvRow(t, k, val, cls);
      tr('Structure', `${node.name}`);
      tr('Range', `${hex0x(node.offset)} + ${grouped(node.length)} bytes`);
      tr('In structure', `+${hex0x(v.offset - node.offset)}`);
      if (node.spec) tr('Spec', node.spec);
      for (const p of node.problems ?? []) tr('Problem', p, 'problem');
      b.appendChild(t);
    }
    if (!node && !f) {
      const loc = el('div', 'location');
      if (v.location === undefined) {
        loc.append(icon('loading', 'codicon-modifier-spin'), el('span', undefined, undefined, 'Locating…'));
      } else if (v.location === null) {
        loc.append(icon('question'), el('span', undefined, undefined, 'Unknown'));
      } else {
        loc.append(icon(locationIcon(v.location)), el('span', 'loc-text', undefined, locationText(v.location)));
      }
      b.appendChild(loc);
    }
    b.appendChild(el('div', 'field-foot', undefined, `${lbaText(v.offset)}`));
  }
}
