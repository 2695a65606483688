// Editing bytes from the grid: typing hex digits (two per byte; the first shows as a pending
// nibble) or characters over the cursor's byte, and pasting hex or text over the selection. Each
// byte shows at once through the byte cache's overlay and goes to the host as an `edit` (one undo
// step); the host answers with `changed` (the overlay gives way to the re-read bytes) or with
// `editRejected` (the overlay is dropped).

import { parseHex, textToBytes } from '../../model/byteText';
import { hexDigit, leave, typeChar, typeNibble, type Commit } from '../../model/hexInput';
import { bytesLabel, hex0x } from '../../model/notation';
import { collapsed, rangeSel } from '../../model/selection';
import type { App } from '../app';

/** A paste larger than this is not shown through the overlay (the host's `changed` shows it). */
const MAX_OVERLAY = 64 * 1024;

export class Editing {
  constructor(private readonly app: App) {}

  /** May the document be edited? Says why not when it may not. */
  private canEdit(): boolean {
    const doc = this.app.state.doc;
    if (doc?.editable) return true;
    this.app.flash(`Read-only: ${doc?.readonlyReason ?? 'this image cannot be edited'}`, 'error');
    return false;
  }

  private commit(commits: Commit[]): void {
    for (const c of commits) {
      this.app.state.cache.setOverlay(c.offset, c.value);
      this.app.transport.post({ type: 'edit', offset: c.offset, data: Uint8Array.of(c.value), label: `Edit byte at ${hex0x(c.offset)}` });
    }
  }

  /** A half-typed byte is written as it shows (the typed high digit, the old low one). */
  commitNibble(): void {
    const s = this.app.state;
    if (!s.nibble) return;
    const r = leave(s.nibble);
    s.nibble = null;
    this.commit(r.commits);
  }

  /** The cursor moves to offset: a half-typed byte elsewhere is written. */
  leaveNibble(offset: number): void {
    const s = this.app.state;
    if (!s.nibble || s.nibble.offset === offset) return;
    const r = leave(s.nibble, offset);
    s.nibble = null;
    this.commit(r.commits);
  }

  /** Escape: a half-typed byte is dropped (it shows as before); false when there was none. */
  dropNibble(): boolean {
    const s = this.app.state;
    const n = s.nibble;
    if (!n) return false;
    s.nibble = null;
    s.cache.removeOverlay(n.offset);
    this.app.schedule();
    return true;
  }

  /** The host refused an edit: what the overlay shows is dropped. */
  rejected(reason: string): void {
    this.app.state.cache.clearOverlay();
    this.app.state.nibble = null;
    this.app.flash(`Edit rejected: ${reason}`, 'error');
    this.app.schedule();
  }

  /** A printable key over the cursor's byte; false when the key is not for typing. */
  typeKey(key: string): boolean {
    const s = this.app.state;
    if (s.size === 0) return false;
    const c = s.sel.cursor;
    if (s.column === 'hex') {
      const d = hexDigit(key);
      if (d < 0) return false;
      if (!this.canEdit()) return true;
      const orig = s.cache.byteAt(c);
      if (orig < 0 && !(s.nibble && s.nibble.offset === c)) { this.app.flash('The bytes are still loading'); return true; }
      const r = typeNibble(s.nibble, c, d, orig);
      s.nibble = r.pending;
      this.commit(r.commits);
      if (r.pending) s.cache.setOverlay(r.pending.offset, r.pending.value);
      if (r.advance) this.advanceAfterType(c);
      else this.app.setSel(collapsed(c, s.size));
      return true;
    }
    const r = typeChar(s.nibble, c, key);
    if (!r) return false;
    if (!this.canEdit()) return true;
    s.nibble = null;
    this.commit(r.commits);
    this.advanceAfterType(c);
    return true;
  }

  private advanceAfterType(c: number): void {
    const size = this.app.state.size;
    this.app.setSel(collapsed(Math.min(c + 1, Math.max(0, size - 1)), size));
  }

  /** Pastes hex (in the hex column) or text (in the ASCII column) over the selection. */
  paste(text: string): void {
    const s = this.app.state;
    if (!this.canEdit() || s.size === 0) return;
    const bytes = s.column === 'hex' ? parseHex(text) : textToBytes(text);
    if (!bytes) {
      this.app.flash(s.column === 'hex' ? 'Paste: not hex (e.g. "DE AD BE EF"); paste in the ASCII column for text' : 'Paste: characters beyond one byte (U+00FF)', 'error');
      return;
    }
    this.commitNibble();
    const [start] = s.selRange();
    const data = bytes.subarray(0, Math.max(0, s.size - start));
    if (data.length === 0) return;
    if (data.length <= MAX_OVERLAY) for (let i = 0; i < data.length; i++) s.cache.setOverlay(start + i, data[i]);
    this.app.transport.post({ type: 'edit', offset: start, data: Uint8Array.from(data), label: `Paste ${bytesLabel(data.length)} at ${hex0x(start)}` });
    if (data.length < bytes.length) this.app.flash(`Pasted ${bytesLabel(data.length)} (cut at the end of the image)`);
    s.sel = rangeSel(start, data.length, s.size);
    this.app.schedule();
  }
}
