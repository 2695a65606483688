// The data inspector: the bytes at the cursor decoded as every common type (model/inspector.ts),
// with a little/big-endian toggle. Hovering a row highlights the bytes it reads.

import { inspect, type InspectorRow } from '../model/inspector';
import { hex0x } from '../model/notation';
import { el, icon, setAttr, setText } from './dom';

export interface InspectorHost {
  setEndian(littleEndian: boolean): void;
  /** Highlight [cursor, cursor + length) while a row is hovered (0: none). */
  highlight(length: number): void;
}

export class InspectorPanel {
  readonly root: HTMLElement;
  readonly body: HTMLDivElement;
  private readonly endianBtn: HTMLButtonElement;
  private readonly caption: HTMLSpanElement;
  private readonly table: HTMLTableElement;
  private readonly cells = new Map<string, { tr: HTMLTableRowElement; label: HTMLTableCellElement; value: HTMLTableCellElement }>();
  private le = true;

  constructor(private readonly host: InspectorHost) {
    this.root = el('section', 'panel-section inspector', { 'aria-label': 'Data inspector' });
    this.root.dataset.testid = 'inspector';
    const head = el('div', 'section-head');
    head.append(el('span', 'section-title', undefined, 'Inspector'));
    this.caption = el('span', 'section-caption');
    head.appendChild(this.caption);
    this.endianBtn = el('button', 'text-btn', { type: 'button' });
    this.endianBtn.dataset.testid = 'endian';
    this.endianBtn.addEventListener('click', () => { this.setEndian(!this.le); this.host.setEndian(this.le); });
    head.appendChild(this.endianBtn);
    this.body = el('div', 'section-body');
    this.table = el('table', 'kv');
    this.body.appendChild(this.table);
    this.root.append(head, this.body);
    this.setEndian(true);
    this.table.addEventListener('mouseover', (e) => {
      const tr = (e.target as HTMLElement).closest('tr');
      this.host.highlight(tr ? Number(tr.dataset.len ?? 0) : 0);
    });
    this.table.addEventListener('mouseleave', () => this.host.highlight(0));
  }

  setEndian(le: boolean): void {
    this.le = le;
    setText(this.endianBtn, le ? 'LE' : 'BE');
    this.endianBtn.title = le ? 'Little-endian (click for big-endian)' : 'Big-endian (click for little-endian)';
    this.endianBtn.setAttribute('aria-label', this.endianBtn.title);
  }

  /** Shows the values for the bytes at `offset` (null: not loaded yet). */
  update(offset: number, bytes: Uint8Array | null): void {
    setText(this.caption, `at ${hex0x(offset)}`);
    const rows: InspectorRow[] = inspect(bytes ?? new Uint8Array(0), this.le);
    for (const r of rows) {
      let c = this.cells.get(r.key);
      if (!c) {
        const tr = el('tr');
        tr.dataset.key = r.key;
        const label = el('th', undefined, { scope: 'row' });
        const value = el('td');
        tr.append(label, value);
        this.table.appendChild(tr);
        c = { tr, label, value };
        this.cells.set(r.key, c);
      }
      setText(c.label, r.label);
      c.tr.dataset.len = String(r.value === null ? 0 : r.length);
      const text = bytes === null ? '…' : r.value ?? '—';
      if (r.problem) {
        if (!c.value.querySelector('.codicon')) {
          c.value.replaceChildren(icon('warning', 'warn'), el('span', 'v', undefined, text));
        } else setText(c.value.querySelector('.v')!, text);
      } else if (c.value.childElementCount > 0 || c.value.textContent !== text) {
        c.value.textContent = text;
      }
      c.tr.classList.toggle('problem', !!r.problem);
      setAttr(c.value, 'title', r.problem ? `${text}\n${r.problem}` : r.value === null && bytes ? 'past the end of the image' : text);
    }
  }
}
