// A vertical splitter between two panes: dragging it sets a width through a callback.

import { el } from './dom';

export function splitter(label: string, onDrag: (dx: number, phase: 'start' | 'move' | 'end') => void): HTMLDivElement {
  const s = el('div', 'splitter', { role: 'separator', 'aria-orientation': 'vertical', 'aria-label': label, title: label });
  s.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    const x0 = e.clientX;
    s.setPointerCapture(e.pointerId);
    s.classList.add('active');
    onDrag(0, 'start');
    const move = (ev: PointerEvent): void => onDrag(ev.clientX - x0, 'move');
    const up = (ev: PointerEvent): void => {
      s.classList.remove('active');
      s.removeEventListener('pointermove', move);
      s.removeEventListener('pointerup', up);
      s.removeEventListener('pointercancel', up);
      onDrag(ev.clientX - x0, 'end');
    };
    s.addEventListener('pointermove', move);
    s.addEventListener('pointerup', up);
    s.addEventListener('pointercancel', up);
  });
  return s;
}
