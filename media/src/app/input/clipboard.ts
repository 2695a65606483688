// The clipboard: Copy As (hex, text, base64, C array; the toolbar's menu and the host's commands)
// sends the text to the host, which writes the clipboard; a copy beyond the byte cache is read
// from the host in chunks first. The page's own copy event copies the selection as hex, and its
// paste event pastes over the selection (typing.ts) — unless a text field or a panel's text has
// the selection. Cut does nothing (the size never changes).

import { COPY_FORMATS, MAX_COPY_BYTES, formatBytes, toHex, type CopyFormat } from '../../model/byteText';
import { bytesLabel, humanSize } from '../../model/notation';
import type { App } from '../app';

function inField(t: EventTarget | null): boolean {
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
}

export class Clipboard {
  constructor(private readonly app: App) {}

  wire(): void {
    document.addEventListener('copy', (e) => this.onCopy(e));
    document.addEventListener('paste', (e) => {
      if (inField(document.activeElement)) return;
      const text = e.clipboardData?.getData('text/plain') ?? '';
      e.preventDefault();
      if (text) this.app.editing.paste(text);
    });
    document.addEventListener('cut', (e) => { if (!inField(document.activeElement)) e.preventDefault(); });
  }

  private onCopy(e: ClipboardEvent): void {
    const s = this.app.state;
    if (inField(document.activeElement) || s.size === 0) return;
    // Text selected in a panel (values in the inspector, the field panel) copies as text.
    const domSel = window.getSelection();
    if (domSel && !domSel.isCollapsed && !this.app.layout.grid.root.contains(domSel.anchorNode)) return;
    e.preventDefault();
    const [start, end] = s.selRange();
    const n = end - start;
    const bytes = n <= MAX_COPY_BYTES ? s.cache.slice(start, n) : null;
    if (bytes && e.clipboardData) {
      e.clipboardData.setData('text/plain', toHex(bytes));
      this.app.flash(`Copied ${bytesLabel(n)} as Hex`);
    } else {
      void this.copy('hex');
    }
  }

  /** Copies the selection in a format through the host (reading what the cache lacks). */
  async copy(format: CopyFormat): Promise<void> {
    const s = this.app.state;
    if (s.size === 0) return;
    const [start, end] = s.selRange();
    const n = end - start;
    const label = COPY_FORMATS.find((f) => f.format === format)?.label.replace(/^Copy as /, '') ?? format;
    if (n > MAX_COPY_BYTES) {
      this.app.flash(`Not copied: the selection is ${humanSize(n)}; copies are limited to ${humanSize(MAX_COPY_BYTES)}`, 'error');
      return;
    }
    try {
      let bytes = s.cache.slice(start, n);
      if (!bytes) {
        this.app.flash(`Reading ${humanSize(n)}…`);
        bytes = await this.read(start, n);
      }
      const text = formatBytes(bytes, format);
      this.app.transport.post({ type: 'copy', text, what: format });
      this.app.flash(`Copied ${bytesLabel(n)} as ${label}`);
    } catch (err) {
      this.app.flash(`Copy failed: ${(err as Error).message}`, 'error');
    }
  }

  /** [offset, offset + length) as the page shows it: the host's bytes with typed bytes over them. */
  private async read(offset: number, length: number): Promise<Uint8Array> {
    const cache = this.app.state.cache;
    const cached = cache.slice(offset, length);
    if (cached) return cached;
    return cache.overlayOnto(await this.app.transport.readRange(offset, length), offset);
  }
}
