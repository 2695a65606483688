// The grid's own vertical scrollbar. The document can be billions of pixels tall, so there is no
// native scroll area: the thumb maps linearly onto the range of top rows (model/scroll.ts). Drag
// the thumb, click the track to page, or hover for the offset tooltip.

import { thumbFor, topFromThumb, type RowRange } from '../model/scroll';
import { el } from './dom';

export interface ScrollbarHost {
  /** The current position. */
  state(): { top: number; range: RowRange; visible: number };
  /** Scrolls to a top row. */
  scrollTo(top: number, source: 'drag' | 'page'): void;
  /** A short label for a top row (shown while dragging). */
  label(top: number): string;
}

const MIN_THUMB = 24;

export class Scrollbar {
  readonly root: HTMLDivElement;
  private readonly thumb: HTMLDivElement;
  private readonly tip: HTMLDivElement;
  private track = 0;
  private dragging: { startY: number; startThumb: number } | null = null;
  private pageTimer: number | undefined;

  constructor(private readonly host: ScrollbarHost) {
    this.root = el('div', 'vscroll', { 'aria-hidden': 'true' });
    this.thumb = el('div', 'thumb');
    this.tip = el('div', 'scroll-tip');
    this.root.append(this.thumb, this.tip);
    this.thumb.addEventListener('pointerdown', (e) => this.onThumbDown(e));
    this.root.addEventListener('pointerdown', (e) => { if (e.target === this.root) this.onTrackDown(e); });
  }

  setTrack(px: number): void {
    this.track = Math.max(0, px);
  }

  update(): void {
    const { top, range, visible } = this.host.state();
    const th = thumbFor(top, range, visible, this.track, MIN_THUMB);
    this.root.classList.toggle('none', th.height === 0);
    this.thumb.style.height = `${th.height}px`;
    this.thumb.style.transform = `translateY(${th.top}px)`;
    if (this.dragging) {
      this.tip.textContent = this.host.label(top);
      this.tip.style.transform = `translateY(${Math.max(0, th.top + th.height / 2 - 10)}px)`;
    }
  }

  private onThumbDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    const { top, range, visible } = this.host.state();
    const th = thumbFor(top, range, visible, this.track, MIN_THUMB);
    this.dragging = { startY: e.clientY, startThumb: th.top };
    this.thumb.setPointerCapture(e.pointerId);
    this.root.classList.add('dragging');
    const move = (ev: PointerEvent): void => {
      if (!this.dragging) return;
      const { range: r, visible: v } = this.host.state();
      const t = topFromThumb(this.dragging.startThumb + ev.clientY - this.dragging.startY, r, v, this.track, MIN_THUMB);
      this.host.scrollTo(t, 'drag');
    };
    const up = (): void => {
      this.dragging = null;
      this.root.classList.remove('dragging');
      this.thumb.removeEventListener('pointermove', move);
      this.thumb.removeEventListener('pointerup', up);
      this.thumb.removeEventListener('pointercancel', up);
      this.update();
    };
    this.thumb.addEventListener('pointermove', move);
    this.thumb.addEventListener('pointerup', up);
    this.thumb.addEventListener('pointercancel', up);
    this.update();
  }

  /** Click on the track: page towards the click, repeating while the button is held. */
  private onTrackDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    e.preventDefault();
    const y = e.clientY - this.root.getBoundingClientRect().top;
    const step = (): boolean => {
      const { top, range, visible } = this.host.state();
      const th = thumbFor(top, range, visible, this.track, MIN_THUMB);
      if (y >= th.top && y < th.top + th.height) return false;
      const dir = y < th.top ? -1 : 1;
      this.host.scrollTo(top + dir * Math.max(1, visible - 1), 'page');
      return true;
    };
    if (!step()) return;
    const stop = (): void => {
      window.clearInterval(this.pageTimer);
      this.pageTimer = undefined;
      window.removeEventListener('pointerup', stop);
    };
    window.addEventListener('pointerup', stop);
    window.clearInterval(this.pageTimer);
    let ticks = 0;
    this.pageTimer = window.setInterval(() => { if (++ticks > 5 && !step()) stop(); }, 50);
  }
}
