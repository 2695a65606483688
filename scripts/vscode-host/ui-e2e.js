// UI end-to-end scenarios: Debian's Chromium (driven by playwright-core) uses the ISO Workbench
// extension in a real VS Code workbench served by code-server, the way a person would — Explorer
// context menus, the command palette — and saves screenshots. Run by run.sh against a server
// started WITHOUT the smoke-test driver (with it, notification toasts are suppressed).
//
// Usage: node ui-e2e.js --url http://127.0.0.1:PORT --folder WS --out DIR --result FILE
//          [--only SUBSTRING] [--image NAME]
// WS holds grub-rescue-cdrom.iso (or --image NAME) and README.txt. Each scenario is a list of named
// steps; every step is logged with its duration and the scenario's elapsed time; a failing step
// saves DIR/<scenario>-FAILED-<step>.png and fails its scenario. FILE gets
// {passes, failures, tests: [{title, state, err, steps, data?}]} (data: what a scenario found, e.g.
// the mounted tree and the workspace URL of 'open an image'). Exit code 0 when every scenario
// passed. 'open an image' runs only when named by --only (scripts/vscode-host/open.sh).
const { launchBrowser } = require('./chromium');
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '../..');
let IMAGE_NAME = 'grub-rescue-cdrom.iso'; // --image NAME: another image in the workspace (open.sh)

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    const m = /^--([a-z]+)$/.exec(argv[i]);
    if (!m || i + 1 >= argv.length) usage(`bad argument ${argv[i]}`);
    o[m[1]] = argv[i + 1];
  }
  for (const k of ['url', 'folder', 'out', 'result']) if (!o[k]) usage(`--${k} is required`);
  return o;
}
function usage(msg) {
  console.error(`ui-e2e: ${msg}\nusage: ui-e2e.js --url URL --folder WS --out DIR --result FILE [--only SUBSTRING] [--image NAME]`);
  process.exit(2);
}
const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const norm = (s) => s.replace(/\u00a0/g, ' ');

// ---- workbench helpers ---------------------------------------------------------------------

/** Explorer rows whose label is exactly `name` (a string) or matches `re`, optionally at a tree level. */
function explorerRow(page, name, level) {
  const re = typeof name === 'string' ? new RegExp(`^${escapeRe(name)}$`) : name;
  const rows = page.locator(`.explorer-folders-view .monaco-list-row${level ? `[aria-level="${level}"]` : ''}`);
  return rows.filter({ has: page.locator('.label-name', { hasText: re }) });
}

/**
 * Expands a tree row. Retries: a root may be expanding by itself (a click would collapse it again),
 * and a folder of a just-mounted image may not expand until the extension has activated.
 */
async function expand(row, timeoutMs = 30_000) {
  await row.waitFor({ timeout: 30_000 });
  const end = Date.now() + timeoutMs;
  let clicked = 0;
  while ((await row.getAttribute('aria-expanded')) !== 'true') {
    if (Date.now() > end) throw new Error(`the row did not expand in ${timeoutMs / 1000} s`);
    if (Date.now() - clicked > 3000) {
      await row.click();
      clicked = Date.now();
    }
    await row.page().waitForTimeout(200);
  }
}

/**
 * Right-clicks `row` and clicks the menu item `item`. Retries for a while: until the extension host
 * has registered the extension, its menu items are missing from a menu that is already open.
 */
async function contextMenu(page, row, item, timeoutMs = 60_000) {
  await row.waitFor({ timeout: 30_000 });
  const end = Date.now() + timeoutMs;
  const menu = page.locator('.context-view .monaco-menu');
  for (;;) {
    await row.click({ button: 'right' });
    await menu.first().waitFor({ timeout: 10_000 });
    const entry = menu.locator('.action-item:not(.disabled)').filter({ has: page.locator('.action-label', { hasText: new RegExp(`^${escapeRe(item)}$`) }) });
    if ((await entry.count()) > 0) {
      // A click that comes too soon after the menu opened is sometimes dropped (the menu ignores
      // the mouse-up of the right-click that opened it): let it settle, click, and if the menu is
      // still open, activate the (hovered, so focused) item with Enter.
      await page.waitForTimeout(300);
      await entry.first().hover();
      await entry.first().click();
      try {
        await menu.first().waitFor({ state: 'hidden', timeout: 2000 });
      } catch {
        console.log(`    the menu is still open after clicking "${item}": pressing Enter`);
        await page.keyboard.press('Enter');
        await menu.first().waitFor({ state: 'hidden', timeout: 5000 });
      }
      return;
    }
    const items = (await menu.locator('.action-item .action-label').allInnerTexts()).map((s) => s.trim()).filter(Boolean);
    await page.keyboard.press('Escape');
    if (Date.now() > end) throw new Error(`context menu has no "${item}" (items: ${items.join(' | ')})`);
    await page.waitForTimeout(1000);
  }
}

const activeGroup = (page) => page.locator('.part.editor .editor-group-container.active');

/** Text of the active editor: a text editor's rendered lines, or a webview's body text. */
async function activeEditorText(page) {
  const lines = activeGroup(page).locator('.monaco-editor .view-lines');
  if ((await lines.count()) > 0) return norm((await lines.first().innerText()).trim());
  const texts = [];
  for (const f of page.frames()) {
    if (f === page.mainFrame() || !/webview|vscode-resource|vscode-cdn/.test(f.url())) continue;
    texts.push(await f.locator('body').innerText({ timeout: 1000 }).catch(() => ''));
  }
  return norm(texts.join('\n').trim());
}

/** Whether the active editor's text contains `text`, including lines scrolled out of view (find widget). */
async function activeEditorContains(page, text) {
  if ((await activeEditorText(page)).includes(text)) return true;
  const editor = activeGroup(page).locator('.monaco-editor .view-lines');
  if ((await editor.count()) === 0) return false;
  await editor.first().click();
  await page.keyboard.press('Control+f');
  const find = activeGroup(page).locator('.find-widget.visible');
  await find.waitFor({ timeout: 5000 });
  await find.locator('textarea, input').first().fill(text);
  await page.waitForTimeout(300);
  const count = (await find.locator('.matchesCount').innerText()).trim();
  await page.keyboard.press('Escape');
  return !/^No results$/i.test(count) && count !== '';
}

async function waitFor(page, what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last.message.split('\n')[0]})` : ''}`);
}

/** The active tab's file name ("README.txt": the tab shows the name and the suffix in separate spans). */
async function activeTabLabel(page) {
  const tab = activeGroup(page).locator('.tab.active').first();
  if ((await tab.count()) === 0) return '';
  const name = await tab.getAttribute('data-resource-name');
  if (name) return name;
  return norm((await tab.locator('.monaco-icon-label-container').first().innerText()).replace(/\s+/g, ''));
}

/** Runs a command from the palette (F1). Retries like contextMenu: the palette lists the commands known when it opens. */
async function runCommand(page, title, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name, .monaco-highlighted-label', { hasText: new RegExp(`^${escapeRe(title)}$`) }) });
    try {
      await row.first().waitFor({ timeout: 3000 });
      return row.first().click();
    } catch {
      if (Date.now() > end) throw new Error(`the command palette has no "${title}"`);
    }
  }
}

/** Visible dialogs and notification toasts, for failure messages. */
async function diagnostics(page) {
  const out = [];
  for (const sel of ['.monaco-dialog-box', '.notifications-toasts .notification-toast', '.notifications-center .notification-list-item']) {
    for (const t of await page.locator(sel).allInnerTexts().catch(() => [])) out.push(`${sel.split(' ').pop()}: ${t.replace(/\s+/g, ' ').trim()}`);
  }
  return out;
}

/** The frame of the sector editor's webview (the one holding its hex grid), waiting for it. */
async function sectorFrame(page, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      if ((await f.locator('[data-testid="hex-grid"]').count().catch(() => 0)) > 0) return f;
    }
    if (Date.now() > end) throw new Error('no sector editor webview with a hex grid');
    await page.waitForTimeout(200);
  }
}

/** The rendered hex row at `offset` (a multiple of 16), once it shows bytes. */
async function paintedRow(frame, offset, timeoutMs = 30_000) {
  const row = frame.locator(`[data-testid="row"][data-offset="${offset}"]`);
  await row.first().waitFor({ timeout: timeoutMs });
  await frame.waitForFunction((o) => {
    const r = document.querySelector(`[data-testid="row"][data-offset="${o}"]`);
    return !!r && /[0-9a-f]{2}/i.test(r.textContent || '');
  }, offset, { timeout: timeoutMs });
  return row.first();
}

/** Size of a file in the UI workspace. */
function wsSize(o, name) { return fs.statSync(path.join(path.resolve(o.folder), name)).size; }

/**
 * Waits (90 s) until the Explorer shows the row `root(page)` after a folder was added to the
 * window. Adding a folder to a single-folder window makes it an untitled multi-root workspace and
 * the web workbench reloads the page for that; about one time in five code-server then shows the
 * new workspace with no folders: reload once (logged). Returns the number of reloads (0 or 1).
 */
async function imageRootAppears(page, root) {
  const end = Date.now() + 90_000;
  let reloads = 0;
  for (;;) {
    await page.waitForLoadState('domcontentloaded');
    if (await root(page).first().isVisible().catch(() => false)) {
      await page.waitForTimeout(1500); // the root may show just before the page reloads
      if (await root(page).first().isVisible().catch(() => false)) return reloads;
    }
    const empty = page.locator('.explorer-folders-view, .pane-body').filter({ hasText: 'You have not yet added a folder to the workspace' });
    if (!reloads && (await empty.first().isVisible().catch(() => false))) {
      await page.waitForTimeout(3000);
      if (await empty.first().isVisible().catch(() => false)) {
        console.log(`    the workspace shows no folders (${page.url()}): reloading once`);
        reloads++;
        await page.reload();
        await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      }
    }
    if (Date.now() > end) throw new Error('no root for the image within 90 s');
    await page.waitForTimeout(250);
  }
}

/**
 * The Explorer's state around the level-1 row whose label matches `rootRe`, read from the DOM:
 * whether it is expanded, whether anything in the Explorer still shows the loading spinner (the
 * twistie of a folder whose children are being fetched) or the side bar's progress bar runs, and
 * the labels of the level-2 rows rendered under it (its children, up to the next root).
 */
function explorerTreeState(page, rootRe) {
  return page.evaluate((src) => {
    const re = new RegExp(src);
    const label = (r) => (r.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' ').trim();
    const rows = [...document.querySelectorAll('.explorer-folders-view .monaco-list-row')]
      .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')));
    const sidebar = document.getElementById('workbench.parts.sidebar');
    const busy = !!sidebar && sidebar.querySelector('.monaco-progress-container.active') !== null;
    const loading = document.querySelector('.explorer-folders-view .codicon-tree-item-loading') !== null;
    const i = rows.findIndex((r) => r.getAttribute('aria-level') === '1' && re.test(label(r)));
    if (i < 0) return { found: false, busy, loading };
    const children = [];
    for (const r of rows.slice(i + 1)) {
      const level = Number(r.getAttribute('aria-level'));
      if (level <= 1) break;
      if (level === 2) children.push(label(r));
    }
    return { found: true, label: label(rows[i]), expanded: rows[i].getAttribute('aria-expanded') === 'true', busy, loading, children };
  }, rootRe.source);
}

/**
 * Expands the image's root row and waits until its tree is really there, decided from the DOM:
 * the row is expanded, no spinner and no progress bar in the Explorer, and the rows under it are
 * the image's top-level entries (`expected`, from isowb ls): every rendered child is one of them,
 * and all of them are rendered (a long root: at least a screenful, the list renders only what is
 * in view) — twice in a row, 250 ms apart. Returns { label, children }.
 */
async function imageTreeExpanded(page, rootRow, rootRe, expected, timeoutMs = 60_000) {
  if ((await rootRow.getAttribute('aria-expanded')) !== 'true') await expand(rootRow);
  const want = new Set(expected);
  const enough = Math.min(want.size, 10);
  let st;
  let stable = 0;
  await waitFor(page, 'the image\'s tree to be expanded with its entries listed and nothing loading', async () => {
    st = await explorerTreeState(page, rootRe);
    const ok = st.found && st.expanded && !st.loading && !st.busy && st.children.length >= enough && st.children.every((c) => want.has(c));
    stable = ok ? stable + 1 : 0;
    return stable >= 2;
  }, timeoutMs).catch((e) => {
    throw new Error(`${e.message}; last seen: ${JSON.stringify(st)}; expected entries: ${[...want].slice(0, 20).join(', ')}`);
  });
  return { label: st.label, children: st.children };
}

/** The names at the top of an image, as `isowb ls IMAGE / --json` lists them (the extension's engine). */
function topLevelNames(imagePath) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist/isowb.js'), 'ls', imagePath, '/', '--json'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const names = [];
  for (const line of (r.stdout || '').split('\n')) {
    if (!line.trim()) continue;
    try {
      names.push(JSON.parse(line).path.replace(/^\//, ''));
    } catch { /* not a JSON line */ }
  }
  if (r.error || (r.status !== 0 && names.length === 0)) {
    throw new Error(`isowb ls could not list ${imagePath}: ${r.error ? r.error.message : (r.stderr || '').trim().split('\n')[0]}`);
  }
  return names;
}

// ---- the scenarios -------------------------------------------------------------------------

function scenarios(o) {
  const imagePath = path.join(path.resolve(o.folder), IMAGE_NAME);
  const workbenchUrl = `${o.url.replace(/\/$/, '')}/?folder=${encodeURIComponent(path.resolve(o.folder))}`;
  const expectReport = 'El Torito';
  let grubCfgLine = '';
  try {
    const text = execFileSync(process.execPath, [path.join(REPO, 'dist/isowb.js'), 'cat', imagePath, '/boot/grub/grub.cfg']).toString();
    grubCfgLine = text.split('\n').find((l) => l.trim().length > 10) || '';
  } catch (e) {
    console.log(`ui-e2e: could not read grub.cfg with dist/isowb.js (${e.message.split('\n')[0]}); only checking the editor is not empty`);
  }
  const state = { data: {} }; // shared between the steps of a scenario; state.data goes into the result
  const imageRootRe = new RegExp(`^${escapeRe(IMAGE_NAME)}.+`); // "NAME — VOLUME ID"
  const imageRoot = (page) => explorerRow(page, imageRootRe, 1);

  /**
   * Waits until the active editor is no longer `before` (a tab label) and contains the report's
   * text. The rendered lines are checked first; the find widget (which also sees lines scrolled out
   * of view) only once the new editor has been shown for a moment.
   */
  async function reportShown(page, before) {
    let since = 0;
    await waitFor(page, `a new editor containing "${expectReport}" (was: ${before})`, async () => {
      if ((await activeTabLabel(page)) === before) return false;
      if ((await activeEditorText(page)).includes(expectReport)) return true;
      if (!since) since = Date.now();
      return Date.now() - since > 3000 && activeEditorContains(page, expectReport);
    }, 30_000);
  }

  return [
    {
      name: 'mount from Explorer',
      steps: [
        ['open the workbench', async (page) => {
          await page.goto(workbenchUrl);
          await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        }],
        [`the Explorer shows ${IMAGE_NAME}`, async (page) => {
          const row = explorerRow(page, IMAGE_NAME);
          try {
            await row.first().waitFor({ timeout: 30_000 });
          } catch {
            await page.keyboard.press('Control+Shift+E'); // Explorer not shown: open it
            await row.first().waitFor({ timeout: 30_000 });
          }
        }],
        ['context menu: Open Image as Workspace Folder', async (page) => {
          await contextMenu(page, explorerRow(page, IMAGE_NAME).first(), 'Open Image as Workspace Folder');
        }],
        ['a root for the image appears', async (page) => {
          await imageRootAppears(page, imageRoot);
          const label = (await imageRoot(page).first().locator('.label-name').innerText()).trim();
          console.log(`    root label: ${label}`);
        }],
        ['expand the root: boot and boot.catalog', async (page) => {
          await expand(imageRoot(page).first());
          await explorerRow(page, 'boot', 2).first().waitFor({ timeout: 30_000 });
          await explorerRow(page, 'boot.catalog', 2).first().waitFor({ timeout: 30_000 });
        }],
        ['expand boot, then grub', async (page) => {
          await expand(explorerRow(page, 'boot', 2).first());
          await expand(explorerRow(page, 'grub', 3).first());
          await explorerRow(page, 'grub.cfg', 4).first().waitFor({ timeout: 30_000 });
          await explorerRow(page, 'i386-pc', 4).first().waitFor({ timeout: 30_000 });
        }],
        ['open grub.cfg from the image', async (page) => {
          await explorerRow(page, 'grub.cfg', 4).first().click();
          await waitFor(page, 'an editor tab "grub.cfg"', async () => (await activeTabLabel(page)) === 'grub.cfg', 30_000);
        }],
        ['the editor shows grub.cfg', async (page) => {
          await waitFor(page, 'the editor to show grub.cfg', async () => {
            const text = await activeEditorText(page);
            return text.length > 0 && (!grubCfgLine || text.includes(grubCfgLine.trim()));
          }, 30_000);
          const uri = await activeGroup(page).locator('.tab.active').first().getAttribute('data-resource-name').catch(() => null);
          if (uri) console.log(`    tab resource: ${uri}`);
        }],
        ['screenshot explorer-mounted.png', async (page) => {
          await page.mouse.move(1, 1);
          await page.waitForTimeout(1000); // let highlighting and fade-in animations finish
          await page.screenshot({ path: path.join(o.out, 'explorer-mounted.png') });
        }],
      ],
    },
    {
      name: 'palette',
      steps: [
        ['workbench ready', async (page) => {
          if ((await page.locator('.monaco-workbench').count()) === 0) await page.goto(workbenchUrl);
          await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        }],
        ['F1: ISO: Show Image Info', async (page) => {
          state.before = await activeTabLabel(page);
          await runCommand(page, 'ISO: Show Image Info');
        }],
        ['the report opens (image from the active editor, or asked)', async (page) => {
          // No argument: the command uses the active editor's image (grub.cfg from the mounted
          // image, after the first scenario), else asks — a quick pick of open images or an open
          // dialog — and the answer is given here.
          const end = Date.now() + 30_000;
          while (Date.now() < end) {
            const qi = page.locator('.quick-input-widget:visible');
            if ((await qi.count()) > 0) {
              const pick = qi.locator('.quick-input-list .monaco-list-row', { hasText: IMAGE_NAME });
              const input = qi.locator('.quick-input-box input').first();
              if ((await pick.count()) > 0) {
                console.log('    asked with a quick pick: choosing the image');
                await pick.first().click();
              } else if ((await input.inputValue().catch(() => '')).startsWith('/')) {
                console.log('    asked with an open dialog: typing the image path');
                await input.fill(imagePath);
                await page.keyboard.press('Enter');
              }
            } else if ((await activeTabLabel(page)) !== state.before) {
              break;
            }
            await page.waitForTimeout(250);
          }
          await reportShown(page, state.before);
          console.log(`    report: ${await activeTabLabel(page)}`);
        }],
        ['screenshot image-info.png', async (page) => {
          await page.mouse.move(1, 1);
          await page.waitForTimeout(1000); // let highlighting and fade-in animations finish
          await page.screenshot({ path: path.join(o.out, 'image-info.png') });
        }],
      ],
    },
    {
      // Not a test: scripts/vscode-host/open.sh runs it (--only "open an image") for any image, and
      // prints data.workspaceUrl. (run.sh's main-job test runs open.sh in a fresh clone.)
      name: 'open an image',
      demo: true,
      data: state.data,
      steps: [
        ['open the workbench', async (page) => {
          await page.goto(workbenchUrl);
          await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        }],
        [`context menu on ${IMAGE_NAME}: Open Image as Workspace Folder`, async (page) => {
          const row = explorerRow(page, IMAGE_NAME).first();
          await row.waitFor({ timeout: 60_000 });
          await contextMenu(page, row, 'Open Image as Workspace Folder');
        }],
        ['the image root appears', async (page) => {
          state.data.reloads = await imageRootAppears(page, imageRoot);
        }],
        ['its tree is expanded: the top-level entries listed, nothing loading', async (page) => {
          state.expected = topLevelNames(imagePath);
          const tree = await imageTreeExpanded(page, imageRoot(page).first(), imageRootRe, state.expected);
          console.log(`    ${tree.label}: ${tree.children.join(', ')}`);
          Object.assign(state.data, { root: tree.label, children: tree.children, entries: state.expected.length });
        }],
        ['screenshot open-image.png', async (page) => {
          await page.mouse.move(1, 1);
          await page.screenshot({ path: path.join(o.out, 'open-image.png') });
        }],
        ['the page is now a workspace; its URL opens it with the image mounted in a fresh browser', async (page) => {
          // The window became an untitled multi-root workspace (a .code-workspace file in the
          // server's user data: ?workspace=…). Open that URL in a new browser with an empty
          // profile: the Explorer must show the image's root, expanded, with the same entries.
          const url = page.url();
          if (!new URL(url).searchParams.get('workspace')) throw new Error(`the page did not become a workspace: ${url}`);
          const fresh = await launchBrowser();
          try {
            const p2 = fresh.page;
            await p2.goto(url);
            await p2.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
            const reloads = await imageRootAppears(p2, imageRoot);
            const tree = await imageTreeExpanded(p2, imageRoot(p2).first(), imageRootRe, state.expected);
            console.log(`    ${url}: ${tree.label}: ${tree.children.join(', ')}`);
            Object.assign(state.data, { workspaceUrl: url, workspaceUrlRoot: tree.label, workspaceUrlChildren: tree.children, workspaceUrlReloads: reloads });
          } catch (e) {
            const shot = path.join(o.out, 'open-image-url-FAILED.png');
            await fresh.page.screenshot({ path: shot }).catch(() => {});
            throw new Error(`${url} in a fresh browser: ${e.message.split('\n')[0]} (that browser: ${shot})`);
          } finally {
            await fresh.close();
          }
        }],
      ],
    },
    {
      name: 'image info from the Explorer context menu',
      steps: [
        ['workbench ready, README.txt active', async (page) => {
          if ((await page.locator('.monaco-workbench').count()) === 0) await page.goto(workbenchUrl);
          const readme = explorerRow(page, 'README.txt').first();
          await readme.waitFor({ timeout: 60_000 });
          await readme.click();
          await waitFor(page, 'README.txt to be the active editor', async () => (await activeTabLabel(page)) === 'README.txt', 30_000);
          if ((await activeEditorText(page)).includes(expectReport)) throw new Error(`README.txt shows "${expectReport}"?`);
        }],
        [`context menu on ${IMAGE_NAME}: Show Image Info`, async (page) => {
          await contextMenu(page, explorerRow(page, IMAGE_NAME).first(), 'Show Image Info');
        }],
        ['a report on the image opens', async (page) => {
          await reportShown(page, 'README.txt');
        }],
        ['screenshot image-info-from-explorer.png', async (page) => {
          await page.mouse.move(1, 1);
          await page.waitForTimeout(1000); // let highlighting and fade-in animations finish
          await page.screenshot({ path: path.join(o.out, 'image-info-from-explorer.png') });
        }],
      ],
    },
    {
      name: 'sector editor: El Torito default entry of the GRUB rescue image',
      steps: [
        ['workbench ready', async (page) => {
          if ((await page.locator('.monaco-workbench').count()) === 0) await page.goto(workbenchUrl);
          await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        }],
        [`click ${IMAGE_NAME} in the Explorer: the sector editor opens (default for .iso)`, async (page) => {
          const row = explorerRow(page, IMAGE_NAME).first();
          await row.waitFor({ timeout: 60_000 });
          await row.dblclick();
          state.frame = await sectorFrame(page);
          await paintedRow(state.frame, 0);
        }],
        ['the structure panel lists the boot catalog; expand it', async () => {
          const f = state.frame;
          const catalog = f.locator('[data-testid="struct-node"][data-id="eltorito:catalog"]').first();
          await catalog.waitFor({ timeout: 30_000 });
          const entry = f.locator('[data-testid="struct-node"][data-id="eltorito:entry:0"]').first();
          if (!(await entry.isVisible().catch(() => false))) {
            const twisty = catalog.locator('.twisty, [data-role="twisty"], .codicon-chevron-right').first();
            if ((await twisty.count()) > 0) await twisty.click(); else await catalog.dblclick();
          }
          await entry.waitFor({ state: 'visible', timeout: 10_000 });
        }],
        ['select the default entry: its bytes are revealed, selected and decoded', async () => {
          const f = state.frame;
          const entry = f.locator('[data-testid="struct-node"][data-id="eltorito:entry:0"]').first();
          await entry.click();
          const catalogOffset = 48 * 2048; // xorriso: El Torito catalog : 48
          const row = await paintedRow(f, catalogOffset + 32);
          await f.waitForFunction((o) => {
            const r = document.querySelector(`[data-testid="row"][data-offset="${o}"]`);
            return !!r && r.querySelector('.selected, [aria-selected="true"], .sel') !== null;
          }, catalogOffset + 32, { timeout: 10_000 });
          await row.hover();
          const status = (await f.locator('[data-testid="status"]').first().innerText()).replace(/\s+/g, ' ');
          console.log(`    status: ${status}`);
          if (!/LBA\s*48/.test(status)) throw new Error(`the status line does not show LBA 48: ${status}`);
        }],
        ['hover a byte of the Load RBA field: the field panel names it', async (page) => {
          const f = state.frame;
          const loadRba = 48 * 2048 + 32 + 8; // El Torito 1.0 §2.2: Load RBA at byte 8 of the entry
          const row = f.locator(`[data-testid="row"][data-offset="${loadRba - (loadRba % 16)}"]`).first();
          await row.locator('.b').nth(loadRba % 16).hover();
          await waitFor(page, 'the field panel to show "Load RBA"', async () => /Load RBA/.test(await f.locator('[data-testid="field-info"]').first().innerText()), 10_000);
          console.log(`    field: ${(await f.locator('[data-testid="field-info"]').first().innerText()).replace(/\s+/g, ' ').slice(0, 160)}`);
        }],
        ['screenshot sector-editor-eltorito.png (side bar hidden: the editor at full width)', async (page) => {
          await activeGroup(page).locator('.tab.active').first().click();
          await page.keyboard.press('Control+B');
          await page.waitForTimeout(800);
          await page.screenshot({ path: path.join(o.out, 'sector-editor-eltorito.png') });
          await page.keyboard.press('Control+B');
        }],
      ],
    },
    {
      name: 'sector editor: a 4.4 GiB image scrolled to its last sector',
      steps: [
        ['workbench ready', async (page) => {
          if ((await page.locator('.monaco-workbench').count()) === 0) await page.goto(workbenchUrl);
          await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        }],
        ['open large-4gib.iso from the Explorer', async (page) => {
          const row = explorerRow(page, 'large-4gib.iso').first();
          await row.waitFor({ timeout: 60_000 });
          await row.dblclick();
          await waitFor(page, 'the large image tab', async () => (await activeTabLabel(page)) === 'large-4gib.iso', 30_000);
          state.big = null;
          const end = Date.now() + 60_000;
          while (!state.big && Date.now() < end) {
            for (const f of page.frames()) {
              if (f === page.mainFrame()) continue;
              if ((await f.locator('[data-testid="hex-grid"]:visible').count().catch(() => 0)) > 0 && /large-4gib/.test(await f.locator('body').innerText().catch(() => ''))) state.big = f;
            }
            if (!state.big) await page.waitForTimeout(200);
          }
          if (!state.big) throw new Error('no sector editor showing large-4gib.iso');
          await paintedRow(state.big, 0);
        }],
        ['go to "end" in the go-to field: the last row is painted', async () => {
          const f = state.big;
          const size = wsSize(o, 'large-4gib.iso');
          const go = f.locator('[data-testid="goto"]').first();
          await go.fill('end');
          await go.press('Enter');
          const lastRow = Math.floor((size - 1) / 16) * 16;
          await paintedRow(f, lastRow);
          const status = (await f.locator('[data-testid="status"]').first().innerText()).replace(/\s+/g, ' ');
          console.log(`    size ${size}, last row ${lastRow}; status: ${status}`);
          const lastLba = Math.floor((size - 1) / 2048);
          if (!status.includes(String(lastLba))) throw new Error(`the status line does not show LBA ${lastLba}: ${status}`);
        }],
        ['screenshot sector-editor-4gib-end.png', async (page) => {
          await page.waitForTimeout(500);
          await page.screenshot({ path: path.join(o.out, 'sector-editor-4gib-end.png') });
        }],
      ],
    },
    {
      name: 'edit grub.cfg inside the mounted image: the change is staged and listed',
      steps: [
        ['workbench ready', async (page) => {
          if ((await page.locator('.monaco-workbench').count()) === 0) await page.goto(workbenchUrl);
          await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        }],
        ['open grub.cfg from the mounted image in the Explorer', async (page) => {
          const cfg = explorerRow(page, 'grub.cfg', 4).first();
          if (!(await cfg.isVisible().catch(() => false))) {
            await page.keyboard.press('Control+Shift+E');
            const root = imageRoot(page).first();
            await root.waitFor({ timeout: 60_000 });
            if ((await root.getAttribute('aria-expanded')) !== 'true') await expand(root);
            const boot = explorerRow(page, 'boot', 2).first();
            if ((await boot.getAttribute('aria-expanded')) !== 'true') await expand(boot);
            const grub = explorerRow(page, 'grub', 3).first();
            if ((await grub.getAttribute('aria-expanded')) !== 'true') await expand(grub);
          }
          await cfg.waitFor({ timeout: 30_000 });
          await cfg.click();
          await waitFor(page, 'an editor tab "grub.cfg"', async () => (await activeTabLabel(page)) === 'grub.cfg', 30_000);
        }],
        ['type a line at the end and save (Ctrl+S)', async (page) => {
          await activeGroup(page).locator('.monaco-editor .view-lines').first().click();
          await page.keyboard.press('Control+End');
          await page.keyboard.type('\n# edited in ISO Workbench\n');
          await page.keyboard.press('Control+S');
          await waitFor(page, 'the tab to be saved (not dirty)', async () => (await activeGroup(page).locator('.tab.active.dirty').count()) === 0, 30_000);
        }],
        ['the Staged Image Changes view lists grub.cfg as modified', async (page) => {
          const header = page.locator('.pane-header', { hasText: 'Staged Image Changes' }).first();
          await header.waitFor({ timeout: 30_000 });
          if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
          const pane = page.locator('.pane', { has: header }).first();
          await pane.locator('.monaco-list-row', { hasText: 'grub.cfg' }).first().waitFor({ timeout: 30_000 });
          console.log(`    staged: ${(await pane.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')).join(' | ')}`);
        }],
        ['screenshot staged-changes.png', async (page) => {
          await page.mouse.move(1, 1);
          await page.waitForTimeout(1000);
          await page.screenshot({ path: path.join(o.out, 'staged-changes.png') });
        }],
      ],
    },
    namesThatInject(o, workbenchUrl),
  ];
}

// ---- names that inject (issue 10) -----------------------------------------------------------

/**
 * The inject-names fixture (test/fixtures/gen/inject-names.sh) mounted in the real workbench: its
 * names and volume id hold a command link "[Retry extraction](command:…)", "$(alert)", ESC/OSC
 * sequences and e-mail addresses. Where VS Code would render them — a notification (links), the
 * status bar and quick picks (codicons), Markdown hovers (links, autolinks) — they must show as
 * the literal text (control characters as ␛, ␇: src/provider/escape.ts) with no link element
 * and no icon. The escaping inserts U+2060 WORD JOINERs (invisible): texts are compared without.
 */
function namesThatInject(o, workbenchUrl) {
  const LINK = '[Retry extraction](command:workbench.action.terminal.new)';
  const VOLUME = '$(alert)\u241b]0;pwned\u2407 a@evil.com'; // as shown: ESC → ␛, BEL → ␇
  const NAME = 'inject-names.iso';
  const dest = path.join(path.resolve(o.folder), '..', 'inject-extract');
  const text = (s) => norm(s).replace(/\u2060/g, '');
  const root = (page) => explorerRow(page, new RegExp(`^${escapeRe(NAME)} — `), 1);
  const st = {};
  /** The hover VS Code shows for `target` (a workbench hover or an editor-style hover). */
  async function hoverOf(page, target) {
    const hover = page.locator('.workbench-hover-container:visible, .monaco-hover:visible:not(.hidden)');
    for (let i = 0; i < 3 && !(await hover.first().isVisible().catch(() => false)); i++) {
      await page.mouse.move(1, 1);
      await target.hover();
      await hover.first().waitFor({ timeout: 5000 }).catch(() => {});
    }
    await hover.first().waitFor({ timeout: 5000 });
    return hover.first();
  }
  return {
    name: 'names that inject: links, icons and control characters from an image show as text',
    steps: [
      [`workbench ready; ${NAME} (the inject-names fixture) in the workspace`, async (page) => {
        const built = execFileSync(process.execPath, ['-e', 'require("./out/test/fixtures/build").fixture("inject-names").then(p => console.log(p))'], { cwd: REPO }).toString().trim();
        fs.copyFileSync(built, path.join(path.resolve(o.folder), NAME));
        fs.rmSync(dest, { recursive: true, force: true });
        fs.mkdirSync(dest);
        if ((await page.locator('.monaco-workbench').count()) === 0) await page.goto(workbenchUrl);
        await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        await page.keyboard.press('Escape');
      }],
      [`context menu on ${NAME}: Open Image as Workspace Folder`, async (page) => {
        const row = explorerRow(page, NAME, 2).or(explorerRow(page, NAME, 1)).first();
        try {
          await row.waitFor({ timeout: 30_000 });
        } catch {
          await page.keyboard.press('Control+Shift+E');
          await row.waitFor({ timeout: 30_000 });
        }
        await contextMenu(page, row, 'Open Image as Workspace Folder');
      }],
      ['the root is named with the volume id as text', async (page) => {
        // A single-folder window becomes a workspace (the page may reload; see "mount from Explorer").
        const end = Date.now() + 90_000;
        let reloaded = false;
        while (!(await root(page).first().isVisible().catch(() => false))) {
          if (Date.now() > end) throw new Error('no root for the image within 90 s');
          const empty = page.locator('.explorer-folders-view, .pane-body').filter({ hasText: 'You have not yet added a folder to the workspace' });
          if (!reloaded && (await empty.first().isVisible().catch(() => false))) {
            await page.waitForTimeout(3000);
            if (await empty.first().isVisible().catch(() => false)) { reloaded = true; await page.reload(); }
          }
          await page.waitForTimeout(250);
        }
        const label = text(await root(page).first().locator('.label-name').innerText());
        console.log(`    root label: ${JSON.stringify(label)}`);
        if (label !== `${NAME} — ${VOLUME}`) throw new Error(`root label ${JSON.stringify(label)}`);
      }],
      ['expand the root (other roots collapsed: the Explorer renders only the rows in view)', async (page) => {
        const others = page.locator('.explorer-folders-view .monaco-list-row[aria-level="1"][aria-expanded="true"]').filter({ hasNot: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(NAME)} — `) }) });
        for (let i = 0; i < 5 && (await others.count()) > 0; i++) {
          await others.first().click();
          await page.waitForTimeout(300);
        }
        await expand(root(page).first());
        await explorerRow(page, LINK, 2).first().waitFor({ timeout: 30_000 });
      }],
      ['Copy Path Inside Image on "$(alert) x": the status bar message shows $(alert) as text', async (page) => {
        await contextMenu(page, explorerRow(page, '$(alert) x', 2).first(), 'Copy Path Inside Image');
        const item = page.locator('.part.statusbar .statusbar-item').filter({ hasText: 'Copied' }).first();
        await item.waitFor({ timeout: 10_000 });
        const t = text(await item.innerText());
        const icons = await item.locator('.codicon').evaluateAll((els) => els.map((e) => [...e.classList].find((c) => c.startsWith('codicon-') && c !== 'codicon-colored')));
        console.log(`    status: ${JSON.stringify(t)}; icons: ${icons.join(' ')}`);
        if (!t.includes('Copied /$(alert) x')) throw new Error(`status bar message ${JSON.stringify(t)}`);
        if (icons.join() !== 'codicon-copy') throw new Error(`icons in the message: ${icons.join(' ')} (only the extension's $(copy) expected)`);
      }],
      ['open "$(alert) x": the image status item shows the volume id as text, its tooltip no link', async (page) => {
        await explorerRow(page, '$(alert) x', 2).first().click();
        // the status item follows the active editor's image
        const item = page.locator('.part.statusbar .statusbar-item').filter({ hasText: 'Rock Ridge' }).filter({ hasText: 'evil.com' }).first();
        await item.waitFor({ timeout: 30_000 });
        const t = text(await item.innerText());
        const icons = await item.locator('.codicon').evaluateAll((els) => els.map((e) => [...e.classList].find((c) => c.startsWith('codicon-') && c !== 'codicon-colored')));
        console.log(`    status item: ${JSON.stringify(t)}; icons: ${icons.join(' ')}`);
        if (!t.includes(`${VOLUME} · Rock Ridge`)) throw new Error(`status item ${JSON.stringify(t)}`);
        if (icons.join() !== 'codicon-disc') throw new Error(`icons: ${icons.join(' ')} (only $(disc) expected)`);
        const hover = await hoverOf(page, item);
        const ht = text(await hover.innerText());
        const links = await hover.locator('a').count();
        console.log(`    tooltip: ${JSON.stringify(ht.replace(/\s+/g, ' '))}; links: ${links}`);
        if (!ht.includes(`Volume ID: ${VOLUME}`)) throw new Error(`tooltip ${JSON.stringify(ht)}`);
        if (links !== 0 || (await hover.locator('.codicon-alert').count()) !== 0) throw new Error('a link or an icon in the tooltip');
        await page.mouse.move(1, 1);
      }],
      ['Go to File in Image: names as text, no icon', async (page) => {
        await contextMenu(page, root(page).first(), 'Go to File in Image…');
        const rows = page.locator('.quick-input-widget:visible .quick-input-list .monaco-list-row');
        await rows.filter({ hasText: 'f.txt' }).first().waitFor({ timeout: 30_000 });
        const shown = await rows.evaluateAll((els) => els.map((e) => ({
          label: e.querySelector('.label-name')?.textContent ?? '',
          icons: [...e.querySelectorAll('.codicon')].map((i) => [...i.classList].find((c) => c.startsWith('codicon-') && c !== 'codicon-colored')),
        })));
        const labels = shown.map((r) => text(r.label));
        console.log(`    labels: ${JSON.stringify(labels)}`);
        if (!labels.includes('$(alert) x')) throw new Error('no row labelled "$(alert) x"');
        const icons = shown.flatMap((r) => r.icons);
        if (icons.length) throw new Error(`icons in the list: ${icons.join(' ')}`);
      }],
      ['… and a folder shown with an e-mail address and a link: its Markdown hover has no link', async (page) => {
        const desc = page.locator('.quick-input-widget:visible .quick-input-list .monaco-list-row').filter({ hasText: 'f.txt' }).first().locator('.label-description').first();
        const dt = text(await desc.innerText());
        if (dt !== '/mail user@evil.com [x](command:workbench.action.terminal.new)') throw new Error(`description ${JSON.stringify(dt)}`);
        const hover = await hoverOf(page, desc);
        const seen = await hover.evaluate((e) => ({ text: e.textContent, links: [...e.querySelectorAll('a')].map((a) => a.getAttribute('href') || a.getAttribute('data-href') || a.textContent) }));
        console.log(`    description hover: ${JSON.stringify(text(seen.text))}; links: ${JSON.stringify(seen.links)}`);
        await page.keyboard.press('Escape');
        if (seen.links.length !== 0) throw new Error(`links in the hover: ${JSON.stringify(seen.links)}`);
        if (!text(seen.text).includes('user@evil.com')) throw new Error(`hover ${JSON.stringify(seen.text)}`);
      }],
      [`Extract… the file named ${LINK}`, async (page) => {
        await contextMenu(page, explorerRow(page, LINK, 2).first(), 'Extract…');
        const qi = page.locator('.quick-input-widget:visible');
        const input = qi.locator('.quick-input-box input').first();
        await input.waitFor({ timeout: 30_000 });
        // (the simple file dialog fills in its start folder first; typing before that appends)
        await waitFor(page, 'the folder dialog to show its start folder', async () => (await input.inputValue()).startsWith('/'), 10_000);
        await page.waitForTimeout(300);
        await input.fill(`${dest}/`);
        await waitFor(page, `the dialog to take ${dest}/`, async () => (await input.inputValue()) === `${dest}/` && !(await qi.innerText()).includes('does not exist'), 10_000);
        await qi.locator('.monaco-button', { hasText: 'Extract Here' }).first().click();
      }],
      ['the progress notification shows the link as text, with no link element', async (page) => {
        // (a progress notification stays at least 800 ms; its title names what is extracted)
        const msg = page.locator('.notifications-toasts .notification-toast .notification-list-item-message').filter({ hasText: 'Extracting /' }).first();
        await msg.waitFor({ timeout: 30_000 });
        // read it at once, in the page: it closes when the extraction is done
        const seen = await msg.evaluate((e) => ({ text: e.textContent, links: [...e.querySelectorAll('a')].map((a) => a.getAttribute('href')) }));
        st.progress = text(seen.text);
        console.log(`    notification: ${JSON.stringify(st.progress)}; <a> elements: ${JSON.stringify(seen.links)}`);
        if (seen.links.length !== 0) throw new Error(`link(s) in the notification: ${JSON.stringify(seen.links)}`);
      }],
      ['… and then the result notification; the file is extracted', async (page) => {
        const done = page.locator('.notifications-toasts .notification-toast .notification-list-item-message').filter({ hasText: 'Extracted 1 files' }).first();
        await done.waitFor({ timeout: 30_000 });
        await page.screenshot({ path: path.join(o.out, 'names-that-inject.png') });
        if ((await done.locator('a').count()) !== 0) throw new Error('a link in the result notification');
        if (!st.progress.startsWith(`Extracting /${LINK} from ${NAME}`)) throw new Error(`progress notification ${JSON.stringify(st.progress)}`);
        if (!fs.existsSync(path.join(dest, LINK))) throw new Error(`${LINK} is not in ${dest}: ${fs.readdirSync(dest).join(', ')}`);
        fs.rmSync(dest, { recursive: true, force: true });
      }],
    ],
  };
}

// ---- runner --------------------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.image) IMAGE_NAME = o.image;
  fs.mkdirSync(o.out, { recursive: true });
  const t0 = Date.now();
  const results = [];
  const browser = await launchBrowser();
  try {
    const page = browser.page;
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => console.log(`    [page error] ${e.message.split('\n')[0]}`));
    page.on('dialog', (d) => {
      console.log(`    [browser dialog] ${d.type()}: ${d.message()}`);
      d.dismiss().catch(() => {});
    });
    for (const sc of scenarios(o)) {
      if (o.only ? !sc.name.includes(o.only) : sc.demo) continue;
      const s0 = Date.now();
      const steps = [];
      let err;
      console.log(`ui: ${sc.name}`);
      for (const [name, fn] of sc.steps) {
        const st = Date.now();
        try {
          await fn(page);
          steps.push({ name, ms: Date.now() - st });
          console.log(`  ✓ ${name} (${Date.now() - st} ms, at ${Date.now() - s0} ms)`);
        } catch (e) {
          const shot = path.join(o.out, `${slug(sc.name)}-FAILED-${slug(name)}.png`);
          await page.screenshot({ path: shot }).catch(() => {});
          const diag = await diagnostics(page).catch(() => []);
          err = `step "${name}" failed after ${Date.now() - st} ms: ${e.message.split('\n')[0]}${diag.length ? `\n      on screen: ${diag.join('\n      on screen: ')}` : ''}\n      screenshot: ${shot}`;
          steps.push({ name, ms: Date.now() - st, failed: true });
          console.log(`  ✗ ${err}`);
          await page.keyboard.press('Escape').catch(() => {});
          break;
        }
      }
      results.push({ title: sc.name, state: err ? 'failed' : 'passed', err, steps, ms: Date.now() - s0, ...(sc.data ? { data: sc.data } : {}) });
      console.log(`  ${err ? 'FAILED' : 'passed'}: ${sc.name} (${Date.now() - s0} ms)`);
    }
  } finally {
    await browser.close();
  }
  const passes = results.filter((r) => r.state === 'passed').length;
  const failures = results.length - passes;
  fs.writeFileSync(o.result, JSON.stringify({ passes, failures, tests: results }, null, 2));
  console.log(`ui: ${passes} passed, ${failures} failed (${Date.now() - t0} ms)`);
  return failures === 0 && passes > 0 ? 0 : 1;
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    console.error(`ui-e2e: ${e && e.stack ? e.stack : e}`);
    process.exit(3);
  },
);
