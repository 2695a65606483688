// The search panel: pattern, kind (hex / ASCII / UTF-16 LE / UTF-16 BE), case toggle; the host
// scans from the cursor (wrapping) and streams hits, shown with offset, LBA and location. Click a
// hit to reveal it; F3 / Shift+F3 step through hits in offset order.

import type { SearchHit, SearchKind } from '../../../src/shared/sectorProtocol';
import { hex0x, grouped, humanSize } from '../model/notation';
import { hexPatternError } from '../model/byteText';
import { locationIcon, locationText } from '../model/ruler';
import { el, icon, iconButton, toggleButton } from './dom';

export interface SearchHost {
  start(kind: SearchKind, pattern: string, caseSensitive: boolean): number | string;
  cancel(searchId: number): void;
  reveal(hit: SearchHit): void;
  prefs(kind: SearchKind, caseSensitive: boolean): void;
}

const KINDS: Array<[SearchKind, string]> = [['hex', 'Hex'], ['ascii', 'ASCII'], ['utf16le', 'UTF-16 LE'], ['utf16be', 'UTF-16 BE']];
const MAX_LISTED = 5000;

export class SearchPanel {
  readonly root: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly kind: HTMLSelectElement;
  private readonly caseBtn: ReturnType<typeof toggleButton>;
  private readonly goBtn: HTMLButtonElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly progress: HTMLDivElement;
  private readonly bar: HTMLDivElement;
  private readonly status: HTMLDivElement;
  private readonly list: HTMLDivElement;
  private searchId = -1;
  private running = false;
  private hits: SearchHit[] = [];
  /** Hit offsets, sorted (for F3 and for highlighting hits in the grid). */
  private sorted: SearchHit[] = [];
  private active = -1;

  constructor(private readonly host: SearchHost) {
    this.root = el('section', 'panel-section search', { 'aria-label': 'Search' });
    this.root.dataset.testid = 'search';
    const head = el('div', 'section-head');
    head.append(el('span', 'section-title', undefined, 'Search'));
    const form = el('div', 'search-form');
    this.input = el('input', 'input', { type: 'text', placeholder: 'Hex (43 44 30 ?? 31) or text', 'aria-label': 'Search pattern', spellcheck: 'false' });
    this.input.dataset.testid = 'search-input';
    this.kind = el('select', 'select', { 'aria-label': 'Search kind', title: 'What the pattern is' });
    this.kind.dataset.testid = 'search-kind';
    for (const [k, label] of KINDS) this.kind.appendChild(el('option', undefined, { value: k }, label));
    this.caseBtn = toggleButton('case-sensitive', 'Match case (text searches)', () => this.host.prefs(this.kind.value as SearchKind, this.caseBtn.getAttribute('aria-pressed') === 'true'), 'search-case');
    this.goBtn = iconButton('search', 'Search from the cursor (Enter)', () => this.start(), 'search-go');
    this.cancelBtn = iconButton('debug-stop', 'Cancel the search (Escape)', () => this.cancel(), 'search-cancel');
    this.cancelBtn.hidden = true;
    const row2 = el('div', 'search-row');
    row2.append(this.kind, this.caseBtn, this.goBtn, this.cancelBtn);
    form.append(this.input, row2);
    this.progress = el('div', 'progress', { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': 'Search progress' });
    this.bar = el('div', 'progress-bar');
    this.progress.appendChild(this.bar);
    this.progress.hidden = true;
    this.status = el('div', 'search-status', { 'aria-live': 'polite' });
    this.status.dataset.testid = 'search-status';
    this.list = el('div', 'hits', { role: 'listbox', 'aria-label': 'Search results' });
    this.list.dataset.testid = 'search-results';
    const body = el('div', 'section-body');
    body.append(form, this.progress, this.status, this.list);
    this.root.append(head, body);
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); this.start(); }
      else if (e.key === 'Escape' && this.running) { e.preventDefault(); this.cancel(); }
    });
    this.kind.addEventListener('change', () => {
      this.updateCaseEnabled();
      this.host.prefs(this.kind.value as SearchKind, this.caseBtn.getAttribute('aria-pressed') === 'true');
    });
    this.list.addEventListener('click', (e) => {
      const item = (e.target as HTMLElement).closest('.hit') as HTMLElement | null;
      if (!item) return;
      const i = Number(item.dataset.index);
      const hit = this.hits[i];
      if (hit) { this.setActive(this.sorted.indexOf(hit)); this.host.reveal(hit); }
    });
    this.updateCaseEnabled();
  }

  setPrefs(kind: string | undefined, caseSensitive: boolean | undefined): void {
    if (kind && KINDS.some(([k]) => k === kind)) this.kind.value = kind;
    this.caseBtn.setOn(!!caseSensitive);
    this.updateCaseEnabled();
  }

  private updateCaseEnabled(): void {
    const hex = this.kind.value === 'hex';
    this.caseBtn.disabled = hex;
    this.input.placeholder = hex ? 'Hex: 43 44 30 30 31, ?? = any byte' : 'Text';
  }

  focus(prefill?: { kind: SearchKind; pattern: string }): void {
    if (prefill && !this.running) {
      this.kind.value = prefill.kind;
      this.input.value = prefill.pattern;
      this.updateCaseEnabled();
    }
    this.input.focus();
    this.input.select();
  }

  get isRunning(): boolean { return this.running; }

  start(): void {
    const pattern = this.input.value;
    const kind = this.kind.value as SearchKind;
    if (kind === 'hex') {
      const err = hexPatternError(pattern);
      if (err) { this.showStatus(err, true); return; }
    } else if (pattern === '') {
      this.showStatus('empty pattern', true);
      return;
    }
    if (this.running) this.host.cancel(this.searchId);
    const id = this.host.start(kind, pattern, this.caseBtn.getAttribute('aria-pressed') === 'true' && kind !== 'hex');
    if (typeof id === 'string') { this.showStatus(id, true); return; }
    this.searchId = id;
    this.running = true;
    this.hits = [];
    this.sorted = [];
    this.active = -1;
    this.list.replaceChildren();
    this.progress.hidden = false;
    this.setProgress(0, 1);
    this.cancelBtn.hidden = false;
    this.goBtn.hidden = true;
    this.showStatus('Searching…', false);
  }

  cancel(): void {
    if (this.running) this.host.cancel(this.searchId);
  }

  private setProgress(scanned: number, total: number): void {
    const pct = total > 0 ? Math.min(100, (scanned / total) * 100) : 100;
    this.bar.style.width = `${pct.toFixed(1)}%`;
    this.progress.setAttribute('aria-valuenow', pct.toFixed(0));
  }

  private showStatus(text: string, error: boolean): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  onProgress(searchId: number, scanned: number, total: number, hits: SearchHit[]): void {
    if (searchId !== this.searchId) return;
    this.setProgress(scanned, total);
    for (const h of hits) this.addHit(h);
    this.showStatus(`${grouped(this.hits.length)} hit${this.hits.length === 1 ? '' : 's'} · ${humanSize(scanned)} of ${humanSize(total)} scanned`, false);
  }

  onDone(searchId: number, cancelled: boolean, truncated: boolean, error: string | undefined, count: number): void {
    if (searchId !== this.searchId) return;
    this.running = false;
    this.cancelBtn.hidden = true;
    this.goBtn.hidden = false;
    this.progress.hidden = true;
    if (error) { this.showStatus(error, true); return; }
    const n = Math.max(count, this.hits.length);
    let s = n === 0 ? 'No hits' : `${grouped(n)} hit${n === 1 ? '' : 's'}`;
    if (truncated) s += ' (stopped at the limit)';
    if (cancelled) s += ' · cancelled';
    if (this.hits.length < n) s += ` · ${grouped(this.hits.length)} listed`;
    this.showStatus(s, false);
  }

  private addHit(h: SearchHit): void {
    const i = this.hits.length;
    this.hits.push(h);
    // Keep `sorted` ordered by offset (hits arrive in scan order, which wraps around once).
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (this.sorted[m].offset < h.offset) lo = m + 1; else hi = m; }
    this.sorted.splice(lo, 0, h);
    if (this.active >= lo) this.active++;
    if (i >= MAX_LISTED) return;
    const item = el('div', 'hit', { role: 'option', title: `${hex0x(h.offset)} (${h.offset}) · LBA ${h.lba}\n${locationText(h.location)}\n${h.context}` });
    item.dataset.index = String(i);
    item.dataset.offset = String(h.offset);
    item.dataset.testid = 'search-hit';
    const line1 = el('div', 'hit-line');
    line1.append(el('span', 'hit-off', undefined, hex0x(h.offset)), el('span', 'hit-lba', undefined, `LBA ${h.lba}`));
    const line2 = el('div', 'hit-loc');
    line2.append(icon(locationIcon(h.location)), el('span', undefined, undefined, locationText(h.location)));
    const ctx = el('div', 'hit-ctx', undefined, (h.context.match(/.{1,2}/g) ?? []).join(' ').toUpperCase());
    item.append(line1, line2, ctx);
    this.list.appendChild(item);
  }

  private setActive(i: number): void {
    this.active = i;
    const h = this.sorted[i];
    for (const c of this.list.querySelectorAll('.hit.active')) c.classList.remove('active');
    if (!h) return;
    const item = this.list.querySelector(`.hit[data-index="${this.hits.indexOf(h)}"]`);
    if (item) { item.classList.add('active'); item.scrollIntoView({ block: 'nearest' }); }
  }

  /** The next (dir 1) or previous (dir -1) hit from `offset`; null when there are none. */
  step(offset: number, dir: 1 | -1): SearchHit | null {
    const s = this.sorted;
    if (s.length === 0) return null;
    let i: number;
    if (dir > 0) {
      i = s.findIndex((h) => h.offset > offset);
      if (i < 0) i = 0;
    } else {
      i = -1;
      for (let k = s.length - 1; k >= 0; k--) if (s[k].offset < offset) { i = k; break; }
      if (i < 0) i = s.length - 1;
    }
    this.setActive(i);
    return s[i];
  }

  /** Is offset inside a hit? (binary search over the sorted hits) */
  isHit(offset: number): boolean {
    const s = this.sorted;
    let lo = 0;
    let hi = s.length - 1;
    let best = -1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (s[m].offset <= offset) { best = m; lo = m + 1; } else hi = m - 1;
    }
    // Hits may overlap: look back a little.
    for (let k = best; k >= 0 && k > best - 8; k--) if (offset < s[k].offset + s[k].length) return true;
    return false;
  }

  get hitCount(): number { return this.sorted.length; }
}
