// The status line: cursor offset (hex and decimal), LBA and offset in the sector, selection
// length, what the cursor is in; and transient messages (copied, refused, edit rejected).

import { el } from './dom';

export class StatusLine {
  readonly root: HTMLElement;
  private readonly pos: HTMLSpanElement;
  private readonly lba: HTMLSpanElement;
  private readonly sel: HTMLSpanElement;
  private readonly where: HTMLSpanElement;
  private readonly msg: HTMLSpanElement;
  private readonly mode: HTMLSpanElement;
  private timer: number | undefined;

  constructor() {
    this.root = el('footer', 'status', { role: 'status' });
    this.root.dataset.testid = 'status';
    this.pos = el('span', 'st-pos');
    this.pos.dataset.testid = 'status-offset';
    this.lba = el('span', 'st-lba');
    this.sel = el('span', 'st-sel');
    this.sel.dataset.testid = 'status-selection';
    this.where = el('span', 'st-where');
    this.where.dataset.testid = 'status-where';
    this.msg = el('span', 'st-msg', { 'aria-live': 'polite' });
    this.msg.dataset.testid = 'status-message';
    this.mode = el('span', 'st-mode');
    this.root.append(this.pos, this.lba, this.sel, this.where, this.msg, this.mode);
  }

  set(pos: string, lba: string, sel: string, where: string): void {
    if (this.pos.textContent !== pos) this.pos.textContent = pos;
    if (this.lba.textContent !== lba) this.lba.textContent = lba;
    if (this.sel.textContent !== sel) this.sel.textContent = sel;
    this.sel.hidden = sel === '';
    if (this.where.textContent !== where) { this.where.textContent = where; this.where.title = where; }
  }

  setMode(text: string): void {
    this.mode.textContent = text;
  }

  /** A message for a few seconds (errors stay longer). */
  flash(text: string, kind: 'info' | 'error' = 'info'): void {
    this.msg.textContent = text;
    this.msg.title = text;
    this.msg.className = `st-msg ${kind}`;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => { this.msg.textContent = ''; this.msg.className = 'st-msg'; }, kind === 'error' ? 8000 : 3500);
  }
}
