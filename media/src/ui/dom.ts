// Tiny DOM helpers. Text always goes in through textContent and attributes through
// setAttribute: strings from the image are data, never markup.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, cls?: string, attrs?: Record<string, string>, text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Appends one new `tag` element per class to parent, in order, and returns them. */
export function addChildren<K extends keyof HTMLElementTagNameMap>(parent: Element, tag: K, classes: readonly string[]): Array<HTMLElementTagNameMap[K]> {
  const made = classes.map((c) => el(tag, c));
  parent.append(...made);
  return made;
}

export function icon(name: string, cls = ''): HTMLSpanElement {
  return el('span', `codicon codicon-${name}${cls ? ' ' + cls : ''}`, { 'aria-hidden': 'true' });
}

/** A toolbar/action button with a codicon and a title (also its accessible name). */
export function iconButton(name: string, title: string, onClick: (e: MouseEvent) => void, testid?: string): HTMLButtonElement {
  const b = el('button', 'icon-btn', { type: 'button', title, 'aria-label': title });
  if (testid) b.dataset.testid = testid;
  b.appendChild(icon(name));
  b.addEventListener('click', (e) => { e.stopPropagation(); onClick(e); });
  return b;
}

/** A two-state toolbar button (aria-pressed). */
export function toggleButton(name: string, title: string, onToggle: (on: boolean) => void, testid?: string): HTMLButtonElement & { setOn(on: boolean): void } {
  const b = iconButton(name, title, () => { const on = b.getAttribute('aria-pressed') !== 'true'; setOn(on); onToggle(on); }, testid) as HTMLButtonElement & { setOn(on: boolean): void };
  const setOn = (on: boolean): void => {
    b.setAttribute('aria-pressed', String(on));
    b.classList.toggle('on', on);
  };
  b.setOn = setOn;
  setOn(false);
  return b;
}

export function setText(e: Element, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

export function setAttr(e: Element, name: string, value: string | null): void {
  if (value === null) {
    if (e.hasAttribute(name)) e.removeAttribute(name);
  } else if (e.getAttribute(name) !== value) {
    e.setAttribute(name, value);
  }
}

export function clear(e: Element): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

/** Calls fn at most once per `ms`, always with the latest arguments (trailing call guaranteed). */
export function throttle<A extends unknown[]>(ms: number, fn: (...a: A) => void): ((...a: A) => void) & { flush(): void } {
  let last = 0;
  let timer: number | undefined;
  let args: A | undefined;
  const run = (): void => {
    timer = undefined;
    last = Date.now();
    if (args) { const a = args; args = undefined; fn(...a); }
  };
  const t = ((...a: A) => {
    args = a;
    if (timer !== undefined) return;
    const wait = Math.max(0, ms - (Date.now() - last));
    timer = window.setTimeout(run, wait);
  }) as ((...a: A) => void) & { flush(): void };
  t.flush = () => { if (timer !== undefined) { window.clearTimeout(timer); run(); } };
  return t;
}

export function debounce<A extends unknown[]>(ms: number, fn: (...a: A) => void): ((...a: A) => void) & { cancel(): void } {
  let timer: number | undefined;
  const d = ((...a: A) => {
    if (timer !== undefined) window.clearTimeout(timer);
    timer = window.setTimeout(() => { timer = undefined; fn(...a); }, ms);
  }) as ((...a: A) => void) & { cancel(): void };
  d.cancel = () => { if (timer !== undefined) window.clearTimeout(timer); timer = undefined; };
  return d;
}
