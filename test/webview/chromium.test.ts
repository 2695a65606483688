// The sector editor's webview in a real browser: Debian's Chromium driven by playwright-core over
// the dev harness (test/webview/harness.ts), with the same HTML and CSP as the extension host.
// Needs `npm run build` (dist/webview, dist/isowb.js). Screenshots go to artifacts/webview/.
//
//   npx tsc -p tsconfig.test.json && npx mocha out/test/webview/chromium.test.js

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import type { StructNode, WebviewMessage } from '../../src/shared/sectorProtocol';
import { DEFAULT_IMAGE, startHarness, type Harness } from './harness';

const ROOT = path.resolve(__dirname, '../../..');
const SHOTS = path.join(ROOT, 'artifacts', 'webview');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BIG_SIZE = Math.round(4.4 * 2 ** 30); // 4,724,464,026 bytes: the last row holds 10 bytes

type Logged = WebviewMessage & Record<string, unknown>;

/** The browser globals used inside page.evaluate callbacks (this file compiles without the DOM lib). */
interface PageGlobals {
  __hostLog: Logged[];
  __send(m: unknown): void;
  __manual: Set<string>;
  KeyboardEvent: new (type: string, init: Record<string, unknown>) => { defaultPrevented: boolean };
  DataTransfer: new () => { getData(type: string): string; setData(type: string, value: string): void };
  ClipboardEvent: new (type: string, init: Record<string, unknown>) => { defaultPrevented: boolean };
  document: { dispatchEvent(e: unknown): boolean };
}

interface Session { page: Page; f: FrameLocator; errors: string[]; close(): Promise<void> }

describe('sector editor webview in Chromium', function () {
  let browser: Browser;
  let iso: Harness;
  const available = fs.existsSync(CHROMIUM) && fs.existsSync(path.join(ROOT, 'dist/webview/sector.js')) && fs.existsSync(DEFAULT_IMAGE);

  before(async function () {
    if (!available) this.skip();
    browser = await chromium.launch({
      headless: true, executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    iso = await startHarness({ image: DEFAULT_IMAGE });
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await iso?.close();
    await browser?.close();
  });

  async function open(h: Harness, query = ''): Promise<Session> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(h.url + query);
    const f = page.frameLocator('#wv');
    await f.locator('[data-testid=row][data-offset]').first().waitFor();
    return { page, f, errors, close: () => page.close() };
  }

  const log = (p: Page): Promise<Logged[]> => p.evaluate(() => (globalThis as unknown as PageGlobals).__hostLog);
  const send = (p: Page, m: unknown): Promise<void> => p.evaluate((x) => (globalThis as unknown as PageGlobals).__send(x), m);
  const rowHex = (f: FrameLocator, offset: number): Promise<string[]> =>
    f.locator(`[data-testid=row][data-offset="${offset}"] .b`).evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, what: string, ms = 5000): Promise<T> {
    const t = Date.now();
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  /** Polls until the locator's text (or attribute) matches: the webview paints in animation frames. */
  async function expectText(loc: Locator, re: RegExp, attr?: string): Promise<void> {
    let last = '';
    try {
      await waitFor(async () => re.test(last = (attr ? await loc.getAttribute(attr) : await loc.textContent()) ?? ''), String(re), 5000);
    } catch {
      assert.fail(`expected ${attr ?? 'text'} to match ${re}, last seen: ${JSON.stringify(last)}`);
    }
  }
  async function gotoExpr(s: Session, text: string): Promise<void> {
    await s.f.locator('[data-testid=goto]').fill(text);
    await s.f.locator('[data-testid=goto]').press('Enter');
  }
  /** Is the row rendered and fully inside the grid's viewport? */
  async function rowVisible(s: Session, offset: number): Promise<boolean> {
    return s.f.locator('[data-testid=hex-grid]').evaluate((grid, off) => {
      const row = grid.querySelector(`[data-testid=row][data-offset="${off}"]`);
      if (!row) return false;
      const g = grid.getBoundingClientRect();
      const r = row.getBoundingClientRect();
      return r.top >= g.top - 0.5 && r.bottom <= g.bottom + 0.5 && r.height > 0;
    }, offset);
  }

  it('paints row 0 first and reports firstPaint', async () => {
    const s = await open(iso);
    await waitFor(async () => (await rowHex(s.f, 0))[0] === 'EB', 'the MBR bytes');
    assert.deepEqual((await rowHex(s.f, 0)).slice(0, 3), ['EB', '63', '90']);
    const fp = await waitFor(async () => (await log(s.page)).find((m) => m.type === 'perf' && m.what === 'firstPaint'), 'perf firstPaint');
    assert.equal(fp.offset, 0);
    assert.ok(typeof fp.ms === 'number' && typeof fp.at === 'number');
    const msgs = await log(s.page);
    assert.equal(msgs[0].type, 'ready');
    const reads = msgs.filter((m) => m.type === 'read') as Array<{ offset: number; length: number }>;
    assert.ok(reads.length >= 1 && reads.every((r) => r.offset % 16384 === 0 && r.length <= 16384), 'aligned 16 KiB blocks');
    await expectText(s.f.locator('[data-testid=status]'), /0x00000000 \(0\)/);
    assert.ok(await s.f.locator('[data-testid=struct-node][data-id="vd:16"]').isVisible());
    assert.equal(await s.f.locator('[data-testid=row][data-offset="0"] .lba').textContent(), 'LBA 0');
    assert.equal(await s.f.locator('[data-testid=row][data-offset="512"] .lba').textContent(), 'blk 1');
    await s.page.screenshot({ path: path.join(SHOTS, 'first-paint-dark.png') });
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('goes to an LBA, reports the reveal and shows the field panel on hover', async () => {
    const s = await open(iso);
    await gotoExpr(s, 'lba 16');
    await waitFor(async () => (await rowHex(s.f, 32768))[1] === '43', 'the PVD row');
    assert.deepEqual((await rowHex(s.f, 32768)).slice(0, 6), ['01', '43', '44', '30', '30', '31']);
    assert.ok(await rowVisible(s, 32768));
    const rv = await waitFor(async () => (await log(s.page)).find((m) => m.type === 'perf' && m.what === 'reveal'), 'perf reveal');
    assert.equal(rv.offset, 32768);
    await expectText(s.f.locator('[data-testid=status]'), /LBA 16 \+ 0x0/);
    // Logical Block Size (both-endian 16) is at 0x8080.
    await s.f.locator('[data-testid=row][data-offset="32896"] .b').nth(1).hover();
    await waitFor(async () => /Logical Block Size/.test((await s.f.locator('[data-testid=field-info]').textContent()) ?? ''), 'field info');
    const info = (await s.f.locator('[data-testid=field-info]').textContent()) ?? '';
    assert.match(info, /2048/);
    assert.match(info, /ECMA-119/);
    assert.match(info, /Primary Volume Descriptor/);
    // A host `reveal` (search hit, command palette) selects the range and reports its paint.
    await send(s.page, { type: 'reveal', offset: 0x30000, length: 0x20 });
    await waitFor(async () => (await log(s.page)).find((m) => m.type === 'perf' && m.what === 'reveal' && m.offset === 0x30000), 'perf reveal of the host reveal');
    assert.ok(await rowVisible(s, 0x30000) && await rowVisible(s, 0x30010));
    await expectText(s.f.locator('[data-testid=status-selection]'), /Sel 32 bytes/);
    // The goto field refuses nonsense with a message.
    await gotoExpr(s, 'lba');
    await expectText(s.f.locator('.goto-msg'), /sector number/);
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('selects a structure, tints its fields and follows the tree with the cursor', async () => {
    const s = await open(iso);
    await s.f.locator('[data-testid=struct-node][data-id="vd:16"]').click();
    await waitFor(async () => (await rowHex(s.f, 32768))[1] === '43', 'the PVD row');
    const cls = await s.f.locator('[data-testid=row][data-offset="32768"] .b').evaluateAll((els) => els.map((e) => e.className));
    assert.match(cls[0], /k-enum/);
    assert.match(cls[1], /k-magic/);
    assert.match(cls[1], /fs/);
    assert.match(cls[5], /k-magic.*fe/);
    assert.match(cls[0], /sel/);
    await expectText(s.f.locator('[data-testid=status-selection]'), /2,048 bytes/);
    const cur = await waitFor(async () => (await log(s.page)).filter((m) => m.type === 'cursor').pop(), 'cursor message');
    assert.equal(cur.offset, 32768);
    assert.equal(cur.selectionLength, 2048);
    assert.equal(await s.f.locator('[data-testid=struct-node][data-id="vd:16"]').getAttribute('aria-selected'), 'true');
    // The boot record's extent action reveals the boot catalog (LBA 48).
    await s.f.locator('[data-testid=struct-node][data-id="vd:17"]').click();
    await s.f.locator('[data-testid=struct-node][data-id="vd:17"] button[data-action=extent]').click();
    await waitFor(async () => rowVisible(s, 48 * 2048), 'the boot catalog');
    // Clicking a byte of another structure moves the tree selection there.
    await s.f.locator(`[data-testid=row][data-offset="${48 * 2048}"] .b`).nth(4).click();
    await waitFor(async () => (await s.f.locator('[data-testid=struct-node][data-id="eltorito:validation"]').getAttribute('aria-selected')) === 'true', 'tree follows the cursor');
    await s.page.screenshot({ path: path.join(SHOTS, 'structure-selected-dark.png') });
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('moves with the keyboard, switches columns with Tab and extends with Shift', async () => {
    const s = await open(iso);
    const grid = s.f.locator('[data-testid=hex-grid]');
    await grid.focus();
    await s.page.keyboard.press('ArrowRight');
    await s.page.keyboard.press('ArrowDown');
    await s.page.keyboard.press('Shift+ArrowRight');
    await s.page.keyboard.press('Shift+ArrowRight');
    await waitFor(async () => /Sel 3 bytes/.test((await s.f.locator('[data-testid=status-selection]').textContent()) ?? ''), 'selection of 3');
    await s.page.keyboard.press('End');
    await waitFor(async () => /0x0000001F/.test((await s.f.locator('[data-testid=status-offset]').textContent()) ?? ''), 'End moves to the row end');
    await s.page.keyboard.press('Tab');
    await waitFor(async () => /cur(?!2)/.test((await s.f.locator('[data-testid=row][data-offset="16"] .a').nth(15).getAttribute('class')) ?? ''), 'ASCII caret');
    await s.page.keyboard.press('Control+End');
    const last = 5081088 - 1;
    await waitFor(async () => rowVisible(s, last - (last % 16)), 'the last row');
    await waitFor(async () => /\(5,081,087\)/.test((await s.f.locator('[data-testid=status-offset]').textContent()) ?? ''), 'status at the last byte');
    await s.page.keyboard.press('Control+Home');
    await waitFor(async () => rowVisible(s, 0), 'row 0');
    await s.page.keyboard.press('PageDown');
    await waitFor(async () => !(await rowVisible(s, 0)), 'PageDown scrolls a page');
    // The wheel scrolls by rows (no native scrolling: the rows are re-rendered).
    await s.page.keyboard.press('Control+Home');
    const box = (await s.f.locator('[data-testid=hex-grid]').boundingBox())!;
    await s.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const firstRow = (): Promise<number> => s.f.locator('[data-testid=row][data-offset]').first().evaluate((r) => Number(r.getAttribute('data-offset')));
    const rowH = (await s.f.locator('[data-testid=row]').first().boundingBox())!.height;
    await s.page.mouse.wheel(0, 100 * rowH);
    await waitFor(async () => (await firstRow()) === 100 * 16, 'wheel scrolled 100 rows');
    await s.page.mouse.wheel(0, -2900);
    await waitFor(async () => rowVisible(s, 0), 'wheel back');
    // Drag from the first byte of row 0x20 to the 4th byte of row 0x30 selects 20 bytes.
    const from = (await s.f.locator('[data-testid=row][data-offset="32"] .b').nth(0).boundingBox())!;
    const to = (await s.f.locator('[data-testid=row][data-offset="48"] .b').nth(3).boundingBox())!;
    await s.page.mouse.move(from.x + 4, from.y + from.height / 2);
    await s.page.mouse.down();
    await s.page.mouse.move(to.x + 4, to.y + to.height / 2, { steps: 4 });
    await s.page.mouse.up();
    await waitFor(async () => /Sel 20 bytes/.test((await s.f.locator('[data-testid=status-selection]').textContent()) ?? ''), 'drag selection');
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('types over bytes (hex and ASCII) and shows them as modified', async () => {
    const s = await open(iso);
    await gotoExpr(s, '0x8028');
    await waitFor(async () => (await rowHex(s.f, 0x8020))[8] === '49', 'the volume id');
    await s.page.keyboard.type('4');
    // The first nibble shows at once.
    await waitFor(async () => (await rowHex(s.f, 0x8020))[8] === '49', 'pending nibble');
    await s.page.keyboard.type('1');
    await s.page.keyboard.press('Tab');
    await s.page.keyboard.type('Z');
    const edits = await waitFor(async () => {
      const e = (await log(s.page)).filter((m) => m.type === 'edit');
      return e.length >= 2 ? e : null;
    }, 'two edits');
    assert.deepEqual(edits.map((e) => [e.offset, e.data]), [[0x8028, [0x41]], [0x8029, [0x5a]]]);
    await waitFor(async () => /mod/.test((await s.f.locator('[data-testid=row][data-offset="32800"] .b').nth(9).getAttribute('class')) ?? ''), 'modified color');
    assert.deepEqual((await rowHex(s.f, 0x8020)).slice(8, 10), ['41', '5A']);
    // Ctrl+Z is VS Code's: the webview lets it through (no edit, no preventDefault).
    const prevented = await s.f.locator('[data-testid=hex-grid]').evaluate((g) => {
      const g0 = globalThis as unknown as PageGlobals;
      const ev = new g0.KeyboardEvent('keydown', { key: 'z', ctrlKey: true, bubbles: true, cancelable: true });
      g.dispatchEvent(ev);
      return ev.defaultPrevented;
    });
    assert.equal(prevented, false);
    // Pasting hex in the hex column overwrites from the selection's start: one edit.
    await gotoExpr(s, '0x8030');
    await s.page.keyboard.press('Tab'); // back to the hex column
    await s.f.locator('[data-testid=hex-grid]').evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      const dt = new w.DataTransfer();
      dt.setData('text/plain', 'DE AD be ef');
      w.document.dispatchEvent(new w.ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    const paste = await waitFor(async () => (await log(s.page)).filter((m) => m.type === 'edit')[2], 'paste edit');
    assert.deepEqual([paste.offset, paste.data], [0x8030, [0xde, 0xad, 0xbe, 0xef]]);
    await waitFor(async () => (await rowHex(s.f, 0x8030))[3] === 'EF', 'pasted bytes');
    // The host refuses an edit: the reason shows and the typed byte goes back.
    await send(s.page, { type: 'editRejected', reason: 'the file changed on disk' });
    await waitFor(async () => /the file changed on disk/.test((await s.f.locator('[data-testid=status-message]').textContent()) ?? ''), 'rejection shown');
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('refuses edits when read-only and shows the badge', async () => {
    const ro = await startHarness({ image: DEFAULT_IMAGE, editable: false, readonlyReason: 'inside another image', structures: false });
    try {
      const s = await open(ro);
      assert.ok(await s.f.locator('[data-testid=readonly]').isVisible());
      assert.equal(await s.f.locator('[data-testid=readonly]').getAttribute('title'), 'inside another image');
      await s.f.locator('[data-testid=hex-grid]').focus();
      await s.page.keyboard.type('4');
      await waitFor(async () => /Read-only: inside another image/.test((await s.f.locator('[data-testid=status-message]').textContent()) ?? ''), 'read-only message');
      assert.equal((await log(s.page)).filter((m) => m.type === 'edit').length, 0);
      assert.deepEqual(s.errors, []);
      await s.close();
    } finally {
      await ro.close();
    }
  });

  it('copies the selection in every format and natively as hex, reading beyond the cache', async () => {
    const s = await open(iso);
    await s.f.locator('[data-testid=struct-node][data-id="vd:16"]').click();
    await gotoExpr(s, '0x8001');
    await s.f.locator('[data-testid=hex-grid]').focus();
    for (let i = 0; i < 4; i++) await s.page.keyboard.press('Shift+ArrowRight');
    await send(s.page, { type: 'command', name: 'copyHex' });
    await send(s.page, { type: 'command', name: 'copyText' });
    await send(s.page, { type: 'command', name: 'copyBase64' });
    await s.f.locator('[data-testid=copy-menu]').click();
    await s.f.locator('[data-testid=copy-cArray]').click();
    const copies = await waitFor(async () => {
      const c = (await log(s.page)).filter((m) => m.type === 'copy');
      return c.length >= 4 ? c : null;
    }, 'four copies');
    assert.deepEqual(copies.map((c) => [c.what, c.text]), [
      ['hex', '43 44 30 30 31'], ['text', 'CD001'], ['base64', 'Q0QwMDE='],
      ['cArray', 'const unsigned char data[5] = {\n  0x43, 0x44, 0x30, 0x30, 0x31\n};\n'],
    ]);
    const native = await s.f.locator('[data-testid=hex-grid]').evaluate((g) => {
      (g as unknown as { focus(): void }).focus();
      const w = globalThis as unknown as PageGlobals;
      const dt = new w.DataTransfer();
      const ev = new w.ClipboardEvent('copy', { clipboardData: dt, bubbles: true, cancelable: true });
      w.document.dispatchEvent(ev);
      return [ev.defaultPrevented, dt.getData('text/plain')];
    });
    assert.deepEqual(native, [true, '43 44 30 30 31']);
    // Select everything (5 MiB): allowed, read through `read` requests beyond the cache.
    await s.page.keyboard.press('Control+a');
    await send(s.page, { type: 'command', name: 'copyBase64' });
    const big = await waitFor(async () => (await log(s.page)).filter((m) => m.type === 'copy')[4], 'the big copy', 15000);
    assert.equal((big.text as string).length, Math.ceil(5081088 / 3) * 4);
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('searches, lists hits with locations, reveals them and steps with F3', async () => {
    const s = await open(iso);
    await send(s.page, { type: 'command', name: 'find' });
    await s.f.locator('[data-testid=search-kind]').selectOption('hex');
    await s.f.locator('[data-testid=search-input]').fill('43 44 30 ?? 31');
    await s.f.locator('[data-testid=search-input]').press('Enter');
    await s.f.locator('[data-testid=search-hit]').first().waitFor();
    const q = (await log(s.page)).find((m) => m.type === 'search') as unknown as { query: { kind: string; pattern: string; from: number } };
    assert.deepEqual([q.query.kind, q.query.pattern, q.query.from], ['hex', '43 44 30 ?? 31', 0]);
    await waitFor(async () => /hit/.test((await s.f.locator('[data-testid=search-status]').textContent()) ?? ''), 'search done');
    const offsets = await s.f.locator('[data-testid=search-hit]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-offset'))));
    assert.ok(offsets.includes(32769) && offsets.includes(34817), `hits ${offsets}`);
    await s.f.locator('[data-testid=search-hit][data-offset="34817"]').click();
    await waitFor(async () => /\(34,817\)/.test((await s.f.locator('[data-testid=status-offset]').textContent()) ?? ''), 'revealed hit');
    await s.f.locator('[data-testid=hex-grid]').focus();
    await s.page.keyboard.press('Shift+F3');
    await waitFor(async () => /\(32,769\)/.test((await s.f.locator('[data-testid=status-offset]').textContent()) ?? ''), 'previous hit');
    await expectText(s.f.locator('[data-testid=row][data-offset="32768"] .b').nth(1), /fhit/, 'class');
    // A bad hex pattern is refused locally.
    await s.f.locator('[data-testid=search-input]').fill('4G');
    await s.f.locator('[data-testid=search-input]').press('Enter');
    await expectText(s.f.locator('[data-testid=search-status]'), /pairs of hex digits/);
    await s.page.screenshot({ path: path.join(SHOTS, 'search-dark.png') });
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('expands lazy structure nodes and keeps expansion and selection across new structures', async () => {
    const s = await open(iso);
    await s.page.evaluate(() => (globalThis as unknown as PageGlobals).__manual.add('expand'));
    const dir: StructNode = { id: 'dir:/boot', type: 'directory', name: 'Directory /boot', offset: 43008, length: 2048, spec: 'ECMA-119 6.8', fields: [], children: [], lazy: true };
    const child: StructNode = { id: 'dirrec:43008', type: 'dir-record', name: 'Directory Record "."', offset: 43008, length: 34, spec: '', fields: [{ name: 'Length of Directory Record', offset: 43008, length: 1, raw: '22', display: '34', kind: 'length' }], children: [] };
    await send(s.page, { type: 'structures', generation: 1, roots: [dir] });
    await s.f.locator('[data-testid=struct-node][data-id="dir:/boot"] .ti-twistie').click();
    const ex = await waitFor(async () => (await log(s.page)).find((m) => m.type === 'expand'), 'expand request');
    assert.equal(ex.id, 'dir:/boot');
    await send(s.page, { type: 'children', reqId: ex.reqId, id: 'dir:/boot', children: [child] });
    await s.f.locator('[data-testid=struct-node][data-id="dirrec:43008"]').click();
    assert.equal(await s.f.locator('[data-testid=struct-node][data-id="dirrec:43008"]').getAttribute('aria-level'), '2');
    // A new decoding (after an edit): the lazy directory is asked again, the selection survives.
    await send(s.page, { type: 'structures', generation: 2, roots: [{ ...dir, children: [] }] });
    const again = await waitFor(async () => (await log(s.page)).filter((m) => m.type === 'expand')[1], 'expand again');
    await send(s.page, { type: 'children', reqId: again.reqId, id: 'dir:/boot', children: [child] });
    await waitFor(async () => (await s.f.locator('[data-testid=struct-node][data-id="dirrec:43008"]').getAttribute('aria-selected')) === 'true', 'selection kept');
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('runs node actions (recompute checksum, open file) and the host\'s commands', async () => {
    const s = await open(iso);
    const hdr: StructNode = {
      id: 'gpt:primary:header', type: 'gpt-header', name: 'GPT primary header', offset: 512, length: 92, spec: 'UEFI 2.10 §5.3.2',
      fields: [{ name: 'HeaderCRC32', offset: 528, length: 4, raw: '2b53edc3', display: '0xc3ed532b', kind: 'checksum', problem: 'CRC32 mismatch' }],
      children: [], problems: ['HeaderCRC32: CRC32 mismatch'], fixable: 'CRC32',
    };
    const file: StructNode = { id: 'dirrec:39250', type: 'dir-record', name: 'Directory Record "boot.cat;1"', offset: 39250, length: 124, spec: '', fields: [], children: [], target: { lba: 48, blocks: 1, path: '/boot.cat;1' } };
    await send(s.page, { type: 'structures', generation: 1, roots: [hdr, file] });
    const node = s.f.locator('[data-testid=struct-node][data-id="gpt:primary:header"]');
    assert.ok(await node.locator('.ti-mark.codicon-error').isVisible(), 'a fixable problem shows the error marker');
    await node.click();
    await expectText(s.f.locator('[data-testid=row][data-offset="528"] .b').nth(0), /k-checksum.*fp/, 'class');
    await node.locator('button[data-action=fix]').click();
    const fix = await waitFor(async () => (await log(s.page)).find((m) => m.type === 'fix'), 'fix message');
    assert.equal(fix.id, 'gpt:primary:header');
    await s.f.locator('[data-testid=struct-node][data-id="dirrec:39250"]').click();
    await s.page.keyboard.press('o');
    const openMsg = await waitFor(async () => (await log(s.page)).find((m) => m.type === 'openTarget'), 'openTarget message');
    assert.deepEqual([openMsg.path, openMsg.lba], ['/boot.cat;1', 48]);
    // command: goto focuses the field; toggleSectorMode; focusStructures.
    await send(s.page, { type: 'command', name: 'goto' });
    await waitFor(async () => s.f.locator('[data-testid=goto]').evaluate((e) => e.ownerDocument.activeElement === e), 'goto focused');
    await send(s.page, { type: 'command', name: 'toggleSectorMode' });
    await waitFor(async () => (await s.f.locator('[data-testid=sector-mode]').getAttribute('aria-pressed')) === 'true', 'sector mode on');
    await send(s.page, { type: 'command', name: 'focusStructures' });
    await waitFor(async () => s.f.locator('.tree').evaluate((e) => e.ownerDocument.activeElement === e), 'tree focused');
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('restores the view state from init and persists it', async () => {
    const state = { topOffset: 0x9000, cursor: 0x9010, anchor: 0x9010, sectorMode: true, panels: { structures: false, inspector: true, search: false }, littleEndian: false };
    const s = await open(iso, '?state=' + encodeURIComponent(JSON.stringify(state)));
    await waitFor(async () => rowVisible(s, 0x9000), 'restored row');
    assert.ok(!(await s.f.locator('[data-testid=structures]').isVisible()));
    assert.equal(await s.f.locator('[data-testid=endian]').textContent(), 'BE');
    await expectText(s.f.locator('[data-testid=sector-label]'), /LBA 18 /);
    assert.equal(await s.f.locator('[data-testid=row][data-offset="38912"]').count(), 0, 'sector mode shows one sector');
    await s.f.locator('[data-testid=next-sector]').click();
    const st = await waitFor(async () => (await log(s.page)).filter((m) => m.type === 'state').pop(), 'state message', 3000);
    assert.equal((st.state as { cursor: number }).cursor, 0x9010 + 2048);
    assert.equal((st.state as { sectorMode: boolean }).sectorMode, true);
    assert.deepEqual(s.errors, []);
    await s.close();
  });

  it('takes screenshots in the light and high-contrast themes', async () => {
    for (const theme of ['light', 'high-contrast']) {
      const s = await open(iso, `?theme=${theme}`);
      await s.f.locator('[data-testid=struct-node][data-id="vd:16"]').click();
      await s.f.locator('[data-testid=row][data-offset="32896"] .b').nth(1).hover();
      await waitFor(async () => /Logical Block Size/.test((await s.f.locator('[data-testid=field-info]').textContent()) ?? ''), 'field info');
      await s.page.screenshot({ path: path.join(SHOTS, `structure-selected-${theme}.png`) });
      assert.deepEqual(s.errors, []);
      await s.close();
    }
  });

  describe('a 4.4 GiB sparse image', () => {
    let dir: string;
    let big: Harness;
    before(async function () {
      if (!available) this.skip();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-webview-'));
      const file = path.join(dir, 'sparse-4.4g.img');
      const fd = fs.openSync(file, 'w');
      fs.ftruncateSync(fd, BIG_SIZE); // sparse: no blocks on disk
      fs.writeSync(fd, Buffer.from('THE-END!!!'), 0, 10, BIG_SIZE - 10);
      fs.writeSync(fd, Buffer.from('BEYOND4G'), 0, 8, 2 ** 32);
      fs.closeSync(fd);
      big = await startHarness({ image: file, structures: false });
    });
    after(async () => {
      await big?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('goes to the end and shows the last (partial) row', async () => {
      const s = await open(big);
      await gotoExpr(s, 'end');
      const lastRow = BIG_SIZE - 10;
      assert.equal(lastRow % 16, 0);
      await waitFor(async () => (await rowHex(s.f, lastRow))[0] === '54', 'the last row');
      assert.deepEqual(await rowHex(s.f, lastRow), ['54', '48', '45', '2D', '45', '4E', '44', '21', '21', '21', '', '', '', '', '', '']);
      assert.ok(await rowVisible(s, lastRow), 'the last row is inside the viewport');
      assert.equal(await s.f.locator(`[data-testid=row][data-offset="${lastRow + 16}"]`).count(), 0, 'nothing past the end');
      await expectText(s.f.locator('[data-testid=status-offset]'), /0x119999999 \(4,724,464,025\)/);
      // The thumb sits at the bottom of its track.
      const [thumbBottom, trackBottom] = await s.f.locator('.vscroll').evaluate((t) => [t.querySelector('.thumb')!.getBoundingClientRect().bottom, t.getBoundingClientRect().bottom]);
      assert.ok(Math.abs(thumbBottom - trackBottom) <= 1.5, `thumb ${thumbBottom} track ${trackBottom}`);
      const rv = await waitFor(async () => (await log(s.page)).find((m) => m.type === 'perf' && m.what === 'reveal'), 'perf reveal');
      assert.equal(rv.offset, BIG_SIZE - 1);
      // Past 4 GiB, exactly.
      await gotoExpr(s, 'lba 2097152');
      await waitFor(async () => (await rowHex(s.f, 2 ** 32))[0] === '42', 'the row at 4 GiB');
      assert.deepEqual((await rowHex(s.f, 2 ** 32)).slice(0, 8), ['42', '45', '59', '4F', '4E', '44', '34', '47']);
      assert.equal(await s.f.locator(`[data-testid=row][data-offset="${2 ** 32}"] .lba`).textContent(), 'LBA 2097152');
      // Dragging the thumb to the top comes back to row 0.
      const thumb = s.f.locator('.vscroll .thumb');
      const box = (await thumb.boundingBox())!;
      await s.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await s.page.mouse.down();
      await s.page.mouse.move(box.x + box.width / 2, box.y - 2000, { steps: 5 });
      await s.page.mouse.up();
      await waitFor(async () => rowVisible(s, 0), 'row 0 after dragging');
      // Copying the whole image is refused with a message (and reads nothing).
      await s.f.locator('[data-testid=hex-grid]').focus();
      await s.page.keyboard.press('Control+a');
      await send(s.page, { type: 'command', name: 'copyHex' });
      await waitFor(async () => /Not copied.*4\.40 GiB/.test((await s.f.locator('[data-testid=status-message]').textContent()) ?? ''), 'copy refused');
      assert.equal((await log(s.page)).filter((m) => m.type === 'copy').length, 0);
      // Only what is on screen was read: a few blocks, never the whole image.
      const reads = (await log(s.page)).filter((m) => m.type === 'read') as Array<{ length: number }>;
      assert.ok(reads.reduce((n, r) => n + r.length, 0) < 4 * 1024 * 1024, `read ${reads.length} blocks`);
      await s.page.screenshot({ path: path.join(SHOTS, 'sparse-4.4g-end-dark.png') });
      assert.deepEqual(s.errors, []);
      await s.close();
    });
  });
});
