// The toolbar: document name and size, read-only badge, the Go to field, sector mode with
// previous/next sector, hex/decimal offsets, the Copy menu and the panel toggles.

import type { DocInfo } from '../../../src/shared/sectorProtocol';
import { COPY_FORMATS, type CopyFormat } from '../model/byteText';
import { humanSize, grouped } from '../model/notation';
import { GOTO_HELP, GOTO_PLACEHOLDER } from '../model/goto';
import { el, icon, iconButton, setText, toggleButton } from './dom';

export type PanelName = 'structures' | 'inspector' | 'search';

export interface ToolbarHost {
  /** Runs a go-to expression; returns an error message or null. */
  goto(text: string): string | null;
  /** Leaves the Go to field (Escape / after Enter). */
  gotoDone(): void;
  setSectorMode(on: boolean): void;
  stepSector(dir: 1 | -1): void;
  setDecimal(on: boolean): void;
  copy(format: CopyFormat): void;
  setPanel(name: PanelName, on: boolean): void;
}

export class Toolbar {
  readonly root: HTMLElement;
  readonly gotoInput: HTMLInputElement;
  private readonly name: HTMLSpanElement;
  private readonly size: HTMLSpanElement;
  private readonly badge: HTMLSpanElement;
  private readonly dirty: HTMLSpanElement;
  private readonly gotoMsg: HTMLDivElement;
  private readonly sectorBtn: ReturnType<typeof toggleButton>;
  private readonly sectorNav: HTMLSpanElement;
  private readonly sectorLabel: HTMLSpanElement;
  private readonly decBtn: HTMLButtonElement;
  private readonly panelBtns: Record<PanelName, ReturnType<typeof toggleButton>>;
  private readonly copyBtn: HTMLButtonElement;
  private readonly menu: HTMLDivElement;
  private decimal = false;

  constructor(private readonly host: ToolbarHost) {
    this.root = el('header', 'toolbar', { role: 'toolbar', 'aria-label': 'Sector editor' });
    const doc = el('div', 'tb-doc');
    doc.appendChild(icon('file-binary'));
    this.name = el('span', 'doc-name');
    this.name.dataset.testid = 'doc-name';
    this.size = el('span', 'doc-size');
    this.dirty = el('span', 'dirty', { title: 'Unsaved changes', 'aria-label': 'Unsaved changes' });
    this.dirty.appendChild(icon('circle-filled'));
    this.dirty.hidden = true;
    this.badge = el('span', 'badge ro', { role: 'note' });
    this.badge.dataset.testid = 'readonly';
    this.badge.append(icon('lock'), el('span', undefined, undefined, 'Read-only'));
    this.badge.hidden = true;
    doc.append(this.name, this.dirty, this.size, this.badge);

    const gotoWrap = el('div', 'tb-goto');
    this.gotoInput = el('input', 'input goto', { type: 'text', placeholder: GOTO_PLACEHOLDER, 'aria-label': 'Go to offset or LBA', title: GOTO_HELP, spellcheck: 'false', autocomplete: 'off' });
    this.gotoInput.dataset.testid = 'goto';
    this.gotoMsg = el('div', 'goto-msg', { role: 'alert' });
    this.gotoMsg.hidden = true;
    gotoWrap.append(icon('arrow-right', 'goto-icon'), this.gotoInput, this.gotoMsg);
    this.wireGoto();

    const sector = el('div', 'tb-group');
    this.sectorBtn = toggleButton('symbol-ruler', 'Sector mode: one 2048-byte sector at a time', (on) => this.host.setSectorMode(on), 'sector-mode');
    this.sectorNav = el('span', 'sector-nav');
    this.sectorLabel = el('span', 'sector-label', { 'aria-live': 'polite' });
    this.sectorLabel.dataset.testid = 'sector-label';
    this.sectorNav.append(
      iconButton('chevron-up', 'Previous sector', () => this.host.stepSector(-1), 'prev-sector'),
      this.sectorLabel,
      iconButton('chevron-down', 'Next sector', () => this.host.stepSector(1), 'next-sector'),
    );
    sector.append(this.sectorBtn, this.sectorNav);

    this.decBtn = el('button', 'text-btn', { type: 'button' });
    this.decBtn.dataset.testid = 'offset-base';
    this.decBtn.addEventListener('click', () => { this.setDecimal(!this.decimal); this.host.setDecimal(this.decimal); });

    const copyWrap = el('div', 'tb-copy');
    this.copyBtn = el('button', 'icon-btn menu-btn', { type: 'button', title: 'Copy the selection as…', 'aria-label': 'Copy the selection as…', 'aria-haspopup': 'menu', 'aria-expanded': 'false' });
    this.copyBtn.dataset.testid = 'copy-menu';
    this.copyBtn.append(icon('copy'), icon('chevron-down', 'small'));
    this.menu = el('div', 'menu', { role: 'menu' });
    this.menu.hidden = true;
    for (const f of COPY_FORMATS) {
      const item = el('button', 'menu-item', { type: 'button', role: 'menuitem', tabindex: '-1' }, f.label);
      item.dataset.format = f.format;
      item.dataset.testid = `copy-${f.format}`;
      this.menu.appendChild(item);
    }
    copyWrap.append(this.copyBtn, this.menu);
    this.wireCopyMenu(copyWrap);

    const panels = el('div', 'tb-group');
    this.panelBtns = {
      structures: toggleButton('list-tree', 'Structures panel', (on) => this.host.setPanel('structures', on), 'toggle-structures'),
      inspector: toggleButton('inspect', 'Field and data inspector panel', (on) => this.host.setPanel('inspector', on), 'toggle-inspector'),
      search: toggleButton('search', 'Search panel', (on) => this.host.setPanel('search', on), 'toggle-search'),
    };
    panels.append(this.panelBtns.structures, this.panelBtns.inspector, this.panelBtns.search);

    const spacer = el('div', 'tb-spacer');
    this.root.append(doc, gotoWrap, sector, el('span', 'tb-sep'), this.decBtn, copyWrap, spacer, panels);
    this.setDecimal(false);
  }

  /** Enter runs the expression (an error stays under the field), Escape leaves the field. */
  private wireGoto(): void {
    this.gotoInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        const err = this.host.goto(this.gotoInput.value);
        this.showGotoError(err);
        if (!err) this.host.gotoDone();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        this.showGotoError(null);
        this.host.gotoDone();
      }
    });
    this.gotoInput.addEventListener('input', () => this.showGotoError(null));
    this.gotoInput.addEventListener('blur', () => this.showGotoError(null));
  }

  /** The Copy menu: click or arrows and Enter pick a format; Escape or a click elsewhere closes it. */
  private wireCopyMenu(copyWrap: HTMLElement): void {
    this.copyBtn.addEventListener('click', (e) => { e.stopPropagation(); this.toggleMenu(); });
    this.menu.addEventListener('click', (e) => {
      const item = (e.target as HTMLElement).closest('.menu-item') as HTMLElement | null;
      if (!item) return;
      this.closeMenu();
      this.host.copy(item.dataset.format as CopyFormat);
    });
    this.menu.addEventListener('keydown', (e) => {
      const items = [...this.menu.querySelectorAll<HTMLElement>('.menu-item')];
      const i = items.indexOf(document.activeElement as HTMLElement);
      if (e.key === 'ArrowDown') items[(i + 1) % items.length].focus();
      else if (e.key === 'ArrowUp') items[(i - 1 + items.length) % items.length].focus();
      else if (e.key === 'Escape') { this.closeMenu(); this.copyBtn.focus(); }
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
    document.addEventListener('pointerdown', (e) => { if (!copyWrap.contains(e.target as Node)) this.closeMenu(); });
  }

  private toggleMenu(): void {
    if (this.menu.hidden) {
      this.menu.hidden = false;
      this.copyBtn.setAttribute('aria-expanded', 'true');
      this.menu.querySelector<HTMLElement>('.menu-item')?.focus();
    } else this.closeMenu();
  }

  private closeMenu(): void {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.copyBtn.setAttribute('aria-expanded', 'false');
  }

  setDoc(doc: DocInfo): void {
    this.name.textContent = doc.name;
    this.name.title = doc.uri;
    this.size.textContent = `${humanSize(doc.size)}`;
    this.size.title = `${grouped(doc.size)} bytes` + (doc.volumeBlocks !== undefined ? ` · volume ${grouped(doc.volumeBlocks)} blocks of ${doc.blockSize}` : '');
    this.badge.hidden = doc.editable;
    this.badge.title = doc.editable ? '' : doc.readonlyReason ?? 'This image cannot be edited';
  }

  setDirty(dirty: boolean): void {
    this.dirty.hidden = !dirty;
  }

  setSector(on: boolean, lba: number, lastLba: number): void {
    if (this.root.classList.contains('sector-mode') !== on) {
      this.sectorBtn.setOn(on);
      this.root.classList.toggle('sector-mode', on);
    }
    setText(this.sectorLabel, `LBA ${grouped(lba)} / ${grouped(lastLba)}`);
  }

  setDecimal(on: boolean): void {
    this.decimal = on;
    this.decBtn.textContent = on ? 'DEC' : 'HEX';
    this.decBtn.title = on ? 'Offsets in decimal (click for hex)' : 'Offsets in hex (click for decimal)';
    this.decBtn.setAttribute('aria-label', this.decBtn.title);
  }

  setPanels(p: Record<PanelName, boolean>): void {
    for (const k of Object.keys(this.panelBtns) as PanelName[]) this.panelBtns[k].setOn(p[k]);
  }

  focusGoto(): void {
    this.gotoInput.focus();
    this.gotoInput.select();
  }

  showGotoError(msg: string | null): void {
    this.gotoMsg.hidden = !msg;
    this.gotoMsg.textContent = msg ?? '';
    this.gotoInput.classList.toggle('invalid', !!msg);
    this.gotoInput.setAttribute('aria-invalid', String(!!msg));
  }
}
