// The grid's keyboard: arrows, Home/End, Page Up/Down (a sector at a time in sector mode when the
// sector fits) with Shift to extend, Ctrl+Home/End and Ctrl+A, Tab between the hex and ASCII
// columns, Escape (drop a half-typed byte, else collapse the selection), printable keys typed
// over bytes (typing.ts); F3 / Shift+F3 anywhere in the page step through search hits. Every
// other key with Ctrl/Cmd belongs to VS Code's keybindings and passes untouched.

import { ROW_BYTES } from '../../model/notation';
import { collapsed, isCollapsed, move, selectAll, type Move } from '../../model/selection';
import type { App } from '../app';

const KEY_MOVES: Record<string, Move> = {
  ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down',
  PageUp: 'pageUp', PageDown: 'pageDown', Home: 'rowStart', End: 'rowEnd',
};

export function wireKeys(app: App): void {
  const vp = app.layout.grid.viewport;
  vp.addEventListener('focus', () => { app.state.focused = true; app.layout.showGridFocus(true); app.schedule(); });
  vp.addEventListener('blur', () => {
    app.state.focused = false;
    app.layout.showGridFocus(false);
    app.editing.commitNibble();
    app.schedule();
  });
  vp.addEventListener('keydown', (e) => onGridKey(app, e));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'F3' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      app.panels.stepHit(e.shiftKey ? -1 : 1);
    }
  });
}

function onGridKey(app: App, e: KeyboardEvent): void {
  const s = app.state;
  if (s.size === 0) return;
  if (e.ctrlKey || e.metaKey) { onModKey(app, e); return; }
  if (e.altKey) return;
  const m = KEY_MOVES[e.key];
  if (m) { e.preventDefault(); onMoveKey(app, m, e.shiftKey); return; }
  switch (e.key) {
    case 'Tab':
      e.preventDefault();
      app.editing.commitNibble();
      s.column = s.column === 'hex' ? 'ascii' : 'hex';
      app.schedule();
      return;
    case 'Escape':
      if (!app.editing.dropNibble() && !isCollapsed(s.sel)) app.setSel(collapsed(s.sel.cursor, s.size));
      return;
    case 'Enter':
      return;
  }
  if (e.key.length === 1 && app.editing.typeKey(e.key)) e.preventDefault();
}

/** Ctrl+Home/End: the image's ends; Ctrl+A: everything. */
function onModKey(app: App, e: KeyboardEvent): void {
  const s = app.state;
  if (e.altKey) return;
  if (e.key === 'Home' || e.key === 'End') {
    e.preventDefault();
    app.setSel(move(s.sel, e.key === 'Home' ? 'docStart' : 'docEnd', e.shiftKey, s.size, s.fullRows), { fromGrid: true });
  } else if (!e.shiftKey && (e.key === 'a' || e.key === 'A')) {
    e.preventDefault();
    app.setSel(selectAll(s.size), { follow: false });
  }
}

function onMoveKey(app: App, m: Move, extend: boolean): void {
  const s = app.state;
  const paging = m === 'pageDown' || m === 'pageUp';
  const rowsPerSector = Math.floor(s.sectorSize / ROW_BYTES);
  if (s.sectorMode && !extend && paging && s.fullRows >= rowsPerSector) {
    // The whole sector is on screen: a page is a sector.
    app.stepSector(m === 'pageDown' ? 1 : -1);
    return;
  }
  const page = Math.max(1, s.fullRows - 1);
  app.setSel(move(s.sel, m, extend, s.size, page), { fromGrid: true });
  // Page keys scroll the view by a page too, not just until the cursor shows.
  if (paging && !extend) s.pageBy((m === 'pageDown' ? 1 : -1) * page);
}
