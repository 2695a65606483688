// The sector editor's speed in a real VS Code (code-server + Debian's Chromium), for `npm run bench`:
// open a multi-GB image to its first painted bytes, jump to the last sector, scroll, and the
// extension host's memory while the whole image is scrolled through. Run by run.sh bench.
//
// Usage: node sector-bench.js --url URL --folder WS --image NAME --result FILE [--runs N]
// Times are taken inside the page (performance.now() in the webview for jumps and scrolling) or
// around it (Date.now() in this process for opening: from the double-click in the Explorer to the
// first row showing bytes, which includes VS Code creating the webview).
const { launchBrowser } = require('./chromium');
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const o = { runs: '3' };
  for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of ['url', 'folder', 'image', 'result']) if (!o[k]) { console.error(`sector-bench: --${k} is required`); process.exit(2); }
  return o;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

/** RSS (MiB) of the extension host processes below the code-server started for this run ($ISOWB_CS_PID). */
function extHostRssMiB() {
  const procs = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,args=']).toString().split('\n').filter(Boolean).map((l) => {
    const [pid, ppid, rss, ...args] = l.trim().split(/\s+/);
    return { pid: +pid, ppid: +ppid, rss: +rss, args: args.join(' ') };
  });
  const root = Number(process.env.ISOWB_CS_PID || 0);
  const mine = new Set(root ? [root] : procs.map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) { mine.add(p.pid); grew = true; }
  }
  let total = 0;
  for (const p of procs) if (mine.has(p.pid) && /extensionHost/.test(p.args)) total += p.rss / 1024;
  return total;
}

async function sectorFrame(page, name, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      if ((await f.locator('[data-testid="hex-grid"]:visible').count().catch(() => 0)) > 0 && (await f.locator('body').innerText().catch(() => '')).includes(name)) return f;
    }
    if (Date.now() > end) throw new Error(`no sector editor showing ${name}`);
    await page.waitForTimeout(5);
  }
}

/** In the webview: sets the go-to field, presses Enter, resolves when the row at `rowOffset` shows bytes (ms). */
function jumpInPage(frame, expr, rowOffset) {
  return frame.evaluate(({ expr, rowOffset }) => new Promise((resolve, reject) => {
    const input = document.querySelector('[data-testid="goto"]');
    if (!input) { reject(new Error('no goto field')); return; }
    const t0 = performance.now();
    input.focus();
    input.value = expr;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true }));
    const deadline = t0 + 20_000;
    const check = () => {
      const r = document.querySelector(`[data-testid="row"][data-offset="${rowOffset}"]`);
      if (r && /[0-9a-f]{2}/i.test(r.textContent || '')) { resolve(performance.now() - t0); return; }
      if (performance.now() > deadline) { reject(new Error(`row ${rowOffset} not painted in 20 s`)); return; }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }), { expr, rowOffset });
}

/** In the webview: wheel-scrolls for `ms`, returns the frame intervals and whether the rows on screen show bytes at the end. */
function scrollInPage(frame, ms, delta) {
  return frame.evaluate(({ ms, delta }) => new Promise((resolve) => {
    const grid = document.querySelector('[data-testid="hex-grid"]');
    const frames = [];
    const t0 = performance.now();
    let last = t0;
    const step = (now) => {
      frames.push(now - last);
      last = now;
      grid.dispatchEvent(new WheelEvent('wheel', { deltaY: delta, deltaMode: 0, bubbles: true, cancelable: true }));
      if (now - t0 < ms) requestAnimationFrame(step);
      else setTimeout(() => {
        const rows = [...document.querySelectorAll('[data-testid="row"]')];
        resolve({ frames: frames.slice(1), painted: rows.length > 0 && rows.every((r) => /[0-9a-f]{2}/i.test(r.textContent || '')) });
      }, 300);
    };
    requestAnimationFrame(step);
  }), { ms, delta });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const runs = Number(o.runs);
  const size = fs.statSync(path.join(o.folder, o.image)).size;
  const lastRow = Math.floor((size - 1) / 16) * 16;
  const res = { image: o.image, size, open: [], openInWebview: [], jumpEnd: [], jumpStart: [], scroll: null, memory: null };
  const browser = await launchBrowser();
  const page = browser.page;
  try {
    await page.goto(`${o.url.replace(/\/$/, '')}/?folder=${encodeURIComponent(path.resolve(o.folder))}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: o.image }) }).first();
    await row.waitFor({ timeout: 60_000 });
    await page.waitForTimeout(3000); // let the extension host finish starting
    for (let i = 0; i < runs + 1; i++) {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+W'); // close all editors
      await page.waitForTimeout(1500);
      const t0 = Date.now();
      await row.dblclick();
      const f = await sectorFrame(page, o.image);
      await f.waitForFunction(() => { const r = document.querySelector('[data-testid="row"][data-offset="0"]'); return !!r && /[0-9a-f]{2}/i.test(r.textContent || ''); }, null, { timeout: 60_000, polling: 'raf' });
      const t1 = Date.now();
      const origin = await f.evaluate(() => performance.timeOrigin);
      // When the webview's own files had arrived (resource timing, ms after the document started).
      const loaded = await f.evaluate(() => {
        const r = performance.getEntriesByType('resource').filter((e) => /sector(-style)?\.(js|css)/.test(e.name));
        return r.length ? Math.max(...r.map((e) => e.responseEnd)) : null;
      });
      if (i === 0) { console.log(`  open (warm-up): ${t1 - t0} ms`); continue; } // first open also starts the extension
      res.open.push(t1 - t0);
      res.openInWebview.push(t1 - origin);
      if (loaded !== null) (res.openFilesLoaded ||= []).push(loaded);
      console.log(`  open ${i}: ${t1 - t0} ms (webview document → painted: ${(t1 - origin).toFixed(0)} ms; its script and stylesheet loaded after ${loaded === null ? '?' : loaded.toFixed(0)} ms)`);
    }
    const f = await sectorFrame(page, o.image);
    for (let i = 0; i < 10; i++) {
      res.jumpEnd.push(await jumpInPage(f, 'end', lastRow));
      res.jumpStart.push(await jumpInPage(f, '0', 0));
    }
    console.log(`  jump to last sector: median ${median(res.jumpEnd).toFixed(1)} ms, max ${Math.max(...res.jumpEnd).toFixed(1)} ms`);
    const s = await scrollInPage(f, 3000, 400);
    res.scroll = { frames: s.frames.length, p50: median(s.frames), p95: pct(s.frames, 0.95), max: Math.max(...s.frames), over50: s.frames.filter((x) => x > 50).length, painted: s.painted };
    console.log(`  wheel scrolling 3 s: ${s.frames.length} frames, p50 ${res.scroll.p50.toFixed(1)} ms, p95 ${res.scroll.p95.toFixed(1)} ms, max ${res.scroll.max.toFixed(1)} ms, rows painted after: ${s.painted}`);
    // Memory: visit 512 evenly spaced places of the whole image, each painted before the next.
    const before = extHostRssMiB();
    const samples = [before];
    const steps = 512;
    for (let i = 0; i <= steps; i++) {
      const off = Math.floor((lastRow / steps) * i / 2048) * 2048;
      await jumpInPage(f, `0x${off.toString(16)}`, off);
      if (i % 64 === 0) samples.push(extHostRssMiB());
    }
    const after = extHostRssMiB();
    samples.push(after);
    res.memory = { positions: steps + 1, beforeMiB: before, afterMiB: after, maxMiB: Math.max(...samples), samples };
    console.log(`  extension host RSS across ${steps + 1} places of the image: ${before.toFixed(1)} → ${after.toFixed(1)} MiB (max ${res.memory.maxMiB.toFixed(1)})`);
  } finally {
    await browser.close();
  }
  fs.writeFileSync(o.result, JSON.stringify(res, null, 1));
}

main().catch((e) => { console.error(`sector-bench: ${e.stack || e}`); process.exit(1); });
