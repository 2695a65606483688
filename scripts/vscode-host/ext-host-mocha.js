// Runs an extension-host mocha suite inside code-server (a real VS Code workbench + Node extension
// host) — the way VS Code's own browser integration tests do it: the workbench URL carries a
// "payload" (extensionDevelopmentPath, extensionTestsPath, extensionEnvironment); VS Code loads
// the extension from that folder, runs the tests' run() in the extension host, forwards the host's
// console through window.codeAutomationLog and reports the exit code through
// window.codeAutomationExit. The server must run with --vscode-option=enable-smoke-test-driver,
// otherwise the payload is ignored (and this script times out).
//
// Usage: node ext-host-mocha.js --url http://127.0.0.1:PORT --extension DIR --tests PATH
//          --folder WS [--env JSON] [--timeout SECONDS] [--screenshot FILE]
// Exit code: 0 the suite passed, 1 it failed, 2 usage, 3 timeout / browser failure.
const { launchBrowser } = require('./chromium');
const path = require('path');
const util = require('util');

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m || i + 1 >= argv.length) usage(`bad argument ${argv[i]}`);
    out[m[1]] = argv[++i];
  }
  for (const k of ['url', 'extension', 'tests', 'folder']) if (!out[k]) usage(`--${k} is required`);
  return out;
}
function usage(msg) {
  console.error(`ext-host-mocha: ${msg}\nusage: ext-host-mocha.js --url URL --extension DIR --tests PATH --folder WS [--env JSON] [--timeout S] [--screenshot FILE]`);
  process.exit(2);
}

// Lines code-server / the workbench log on every run that say nothing about the tests.
const NOISE = [
  /^Resolv/, /^Creating a socket/, /^Updating additional/, /^\[\w+[^\]]*\]\s/, /^%c/, /ENOTFOUND/, /getaddrinfo/,
  /open-vsx\.org|marketplace|vscode-cdn|update\.code\.visualstudio/i, /Could not identify extension for 'vscode' require call/,
  /^Started local extension host/, /^Extension host \(/, /^Loading development extension/, /ExtensionService#/,
  /has been registered by multiple extensions|proposed API/i, /authentication provider '\w+' to register/, /^\s*$/,
];
const STACK_IN_WORKBENCH = /^\s+at .*(\/static\/out\/vs\/|\/node_modules\/code-server\/)/;
const VERBOSE = process.env.ISOWB_HOST_VERBOSE === '1'; // print every forwarded line
const noise = (line) => !VERBOSE && NOISE.some((re) => re.test(line));

async function main() {
  const o = args(process.argv.slice(2));
  const timeoutMs = Number(o.timeout || 900) * 1000;
  const authority = new URL(o.url).host;
  const remote = (p) => `vscode-remote://${authority}${path.resolve(p)}`;
  const payload = [
    ['extensionDevelopmentPath', remote(o.extension)],
    ['extensionTestsPath', remote(o.tests)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
    ['extensionEnvironment', o.env || '{}'],
  ];
  // A .code-workspace file opens as a multi-root workspace: the integration suite adds image folders,
  // and VS Code refuses to turn a single-folder window into a workspace while extension tests run
  // ("Entering a new workspace is not possible in tests").
  const open = o.folder.endsWith('.code-workspace') ? 'workspace' : 'folder';
  const url = `${o.url.replace(/\/$/, '')}/?${open}=${encodeURIComponent(path.resolve(o.folder))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const t0 = Date.now();
  const browser = await launchBrowser();
  try {
    const page = browser.page;
    let exit;
    let lines = 0; // forwarded log lines: were the tests running at all?
    const exited = new Promise((resolve) => (exit = resolve));
    await page.exposeFunction('codeAutomationLog', (_type, logArgs) => {
      const text = util.format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
      if (noise(text.split('\n')[0])) return; // a noisy message goes with its stack trace
      for (const line of text.split('\n')) {
        if (!noise(line) && (VERBOSE || !STACK_IN_WORKBENCH.test(line))) {
          console.log(line);
          lines++;
        }
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => exit(code));
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    page.on('crash', () => exit('page crashed'));
    await page.goto(url);
    let timer;
    const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    console.log(`ext-host-mocha: exit code ${code} after ${Date.now() - t0} ms`);
    if (code !== 0 && o.screenshot) {
      await page.screenshot({ path: o.screenshot }).then(() => console.log(`ext-host-mocha: screenshot ${o.screenshot}`), () => {});
    }
    if (code === 'timeout') {
      console.error(`ext-host-mocha: TIMEOUT: no result after ${timeoutMs / 1000} s${lines ? ' (the tests were still running: raise ISOWB_HOST_TIMEOUT?)' : ' and no output (is the server running with --vscode-option=enable-smoke-test-driver?)'}`);
    }
    return code === 0 ? 0 : typeof code === 'number' ? 1 : 3;
  } finally {
    await browser.close();
  }
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    console.error(`ext-host-mocha: ${e && e.stack ? e.stack : e}`);
    process.exit(3);
  },
);
