// Debian's Chromium, driven by playwright-core, for ext-host-mocha.js and ui-e2e.js. As root it
// needs --no-sandbox; the network flags keep it from trying (and failing) to reach Google's hosts
// on this closed network at every start; a fresh user-data dir per run, removed on close.
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

/** Launches a headless Chromium with one page; returns { page, close }. */
async function launchBrowser() {
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-chromium-'));
  let ctx;
  const close = async () => {
    if (ctx) await ctx.close().catch(() => {});
    fs.rmSync(udd, { recursive: true, force: true });
  };
  try {
    ctx = await chromium.launchPersistentContext(udd, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    return { page: ctx.pages()[0] || (await ctx.newPage()), close };
  } catch (e) {
    await close();
    throw e;
  }
}

module.exports = { launchBrowser };
