// A development harness for the sector editor's webview, without VS Code: a small HTTP server that
// serves dist/webview/* inside an <iframe> with the same HTML and CSP as the extension host, plus a
// fake `acquireVsCodeApi` whose "host" (the parent page) answers `ready` (init + structures),
// `read` (bytes of a real image file), `edit` (kept in memory: `changed`, `edited` ranges),
// `search` (a plain scan on the server, small files only), `locate` (a crude guess) and logs every
// message in window.__hostLog. Tests drive it with Playwright; window.__send(msg) injects host
// messages, window.__manual (a Set of message types) leaves those for the test to answer and
// window.__initState is the ViewState sent with `init` (from the page's ?state=JSON).
//
//   node out/test/webview/harness.js [IMAGE] [--port N] [--theme dark|light|high-contrast] [--readonly]
//
// IMAGE defaults to test/fixtures/cache/real/grub-rescue-cdrom.iso. Structures come from
// `node dist/isowb.js info --structures IMAGE` (an image the engine cannot open has none).

import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import type { FieldInfo, StructNode } from '../../src/shared/sectorProtocol';
import { contentSecurityPolicy, nonce } from '../../src/extension/sectorEditor/html';

const ROOT = path.resolve(__dirname, '../../..');
const WEBVIEW_DIR = path.join(ROOT, 'dist', 'webview');
export const DEFAULT_IMAGE = path.join(ROOT, 'test/fixtures/cache/real/grub-rescue-cdrom.iso');

export type Theme = 'dark' | 'light' | 'high-contrast';

export interface HarnessOptions {
  image: string;
  port?: number;
  editable?: boolean;
  readonlyReason?: string;
  /** Skip the structure map (faster for huge files the engine cannot open anyway). */
  structures?: boolean;
}

export interface Harness {
  /** The host page; add ?theme=light|high-contrast. */
  url: string;
  close(): Promise<void>;
}

/** A few theme variables per theme (values from VS Code's Dark Modern / Light Modern / HC Black). */
const THEMES: Record<Theme, Record<string, string>> = {
  dark: {
    'editor-background': '#1f1f1f', 'editor-foreground': '#cccccc', foreground: '#cccccc', 'descriptionForeground': '#9d9d9d',
    'editorLineNumber-foreground': '#6e7681', 'editorLineNumber-activeForeground': '#cccccc', 'editor-selectionBackground': '#264f78',
    'editor-inactiveSelectionBackground': '#3a3d41', 'editorCursor-foreground': '#aeafad', 'list-hoverBackground': '#2a2d2e',
    'list-activeSelectionBackground': '#04395e', 'list-activeSelectionForeground': '#ffffff', 'list-inactiveSelectionBackground': '#37373d',
    'list-focusOutline': '#0078d4', focusBorder: '#0078d4', errorForeground: '#f85149', 'editorWarning-foreground': '#cca700',
    'charts-red': '#f14c4c', 'charts-blue': '#3794ff', 'charts-yellow': '#cca700', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7',
    'terminal-ansiCyan': '#11a8cd', 'terminal-ansiMagenta': '#bc3fbc', 'terminal-ansiBrightBlue': '#3b8eea', 'terminal-ansiBrightGreen': '#23d18b',
    'input-background': '#313131', 'input-foreground': '#cccccc', 'input-border': '#3c3c3c', 'input-placeholderForeground': '#989898',
    'button-background': '#0078d4', 'button-foreground': '#ffffff', 'badge-background': '#616161', 'badge-foreground': '#f8f8f8',
    'sideBar-background': '#181818', 'sideBarSectionHeader-background': '#181818', 'sideBarSectionHeader-foreground': '#cccccc', 'panel-border': '#2b2b2b',
    'editorWidget-background': '#202020', 'widget-border': '#313131', 'scrollbarSlider-background': 'rgba(121,121,121,0.4)',
    'scrollbarSlider-hoverBackground': 'rgba(100,100,100,0.7)', 'scrollbarSlider-activeBackground': 'rgba(191,191,191,0.4)',
    'toolbar-hoverBackground': 'rgba(90,93,94,0.31)', 'inputOption-activeBackground': 'rgba(36,137,219,0.51)', 'inputOption-activeBorder': '#2488db',
    'editor-findMatchHighlightBackground': 'rgba(234,92,0,0.33)', 'editor-hoverHighlightBackground': 'rgba(38,79,120,0.25)', 'editor-wordHighlightBackground': 'rgba(87,87,87,0.72)',
    'editorGutter-modifiedBackground': '#0078d4', 'editorGutter-addedBackground': '#2ea043', 'progressBar-background': '#0078d4',
    'icon-foreground': '#cccccc', 'menu-background': '#1f1f1f', 'menu-selectionBackground': '#0078d4', 'menu-selectionForeground': '#ffffff',
    'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif', 'font-size': '13px',
    'editor-font-family': '"DejaVu Sans Mono", "Droid Sans Mono", monospace', 'editor-font-size': '14px',
  },
  light: {
    'editor-background': '#ffffff', 'editor-foreground': '#3b3b3b', foreground: '#3b3b3b', 'descriptionForeground': '#717171',
    'editorLineNumber-foreground': '#6e7681', 'editorLineNumber-activeForeground': '#171184', 'editor-selectionBackground': '#add6ff',
    'editor-inactiveSelectionBackground': '#e5ebf1', 'editorCursor-foreground': '#000000', 'list-hoverBackground': '#f2f2f2',
    'list-activeSelectionBackground': '#e8e8e8', 'list-activeSelectionForeground': '#000000', 'list-inactiveSelectionBackground': '#e4e6f1',
    'list-focusOutline': '#005fb8', focusBorder: '#005fb8', errorForeground: '#f85149', 'editorWarning-foreground': '#bf8803',
    'charts-red': '#e51400', 'charts-blue': '#1a85ff', 'charts-yellow': '#bf8803', 'charts-orange': '#d18616', 'charts-green': '#388a34', 'charts-purple': '#652d90',
    'terminal-ansiCyan': '#0598bc', 'terminal-ansiMagenta': '#bc05bc', 'terminal-ansiBrightBlue': '#0451a5', 'terminal-ansiBrightGreen': '#14ce14',
    'input-background': '#ffffff', 'input-foreground': '#3b3b3b', 'input-border': '#cecece', 'input-placeholderForeground': '#767676',
    'button-background': '#005fb8', 'button-foreground': '#ffffff', 'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b',
    'sideBar-background': '#f8f8f8', 'sideBarSectionHeader-background': '#f8f8f8', 'sideBarSectionHeader-foreground': '#3b3b3b', 'panel-border': '#e5e5e5',
    'editorWidget-background': '#f8f8f8', 'widget-border': '#e5e5e5', 'scrollbarSlider-background': 'rgba(100,100,100,0.4)',
    'scrollbarSlider-hoverBackground': 'rgba(100,100,100,0.7)', 'scrollbarSlider-activeBackground': 'rgba(0,0,0,0.6)',
    'toolbar-hoverBackground': 'rgba(184,184,184,0.31)', 'inputOption-activeBackground': 'rgba(190,221,255,0.2)', 'inputOption-activeBorder': '#005fb8',
    'editor-findMatchHighlightBackground': 'rgba(234,92,0,0.33)', 'editor-hoverHighlightBackground': 'rgba(173,214,255,0.15)', 'editor-wordHighlightBackground': 'rgba(87,87,87,0.25)',
    'editorGutter-modifiedBackground': '#005fb8', 'editorGutter-addedBackground': '#2ea043', 'progressBar-background': '#005fb8',
    'icon-foreground': '#3b3b3b', 'menu-background': '#ffffff', 'menu-selectionBackground': '#005fb8', 'menu-selectionForeground': '#ffffff',
    'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif', 'font-size': '13px',
    'editor-font-family': '"DejaVu Sans Mono", "Droid Sans Mono", monospace', 'editor-font-size': '14px',
  },
  'high-contrast': {
    'editor-background': '#000000', 'editor-foreground': '#ffffff', foreground: '#ffffff', 'descriptionForeground': '#ffffff',
    'editorLineNumber-foreground': '#ffffff', 'editorLineNumber-activeForeground': '#f38518', 'editor-selectionBackground': '#ffffff', 'editor-selectionForeground': '#000000',
    'editor-inactiveSelectionBackground': 'rgba(255,255,255,0.7)', 'editorCursor-foreground': '#ffffff', 'list-hoverBackground': 'transparent',
    'list-activeSelectionBackground': 'transparent', 'list-inactiveSelectionBackground': 'transparent', focusBorder: '#f38518', contrastActiveBorder: '#f38518',
    'list-focusOutline': '#f38518', errorForeground: '#f48771', 'charts-red': '#f48771', 'charts-blue': '#3794ff', 'charts-yellow': '#ffcc00',
    'charts-orange': '#f38518', 'charts-green': '#89d185', 'charts-purple': '#b180d7', 'input-background': '#000000', 'input-foreground': '#ffffff',
    'input-border': '#6fc3df', 'panel-border': '#6fc3df', 'editorWidget-background': '#0c141f', 'scrollbarSlider-background': 'rgba(111,195,223,0.6)',
    'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': '"DejaVu Sans Mono", monospace', 'editor-font-size': '14px',
  },
};

function structuresOf(image: string): Promise<{ roots: StructNode[]; error?: string }> {
  const cli = path.join(ROOT, 'dist', 'isowb.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'info', '--structures', image], { maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) { resolve({ roots: [], error: (stderr || err.message).trim().split('\n')[0] }); return; }
      const toNode = (s: StructNode & { fields: Array<FieldInfo & { value?: unknown }> }): StructNode => {
        const n: StructNode = {
          id: s.id, type: s.type, name: s.name, offset: s.offset, length: s.length, spec: s.spec,
          fields: s.fields.map((f) => {
            const o: FieldInfo = { name: f.name, offset: f.offset, length: f.length, raw: f.raw, display: f.display, kind: f.kind };
            if (f.spec) o.spec = f.spec;
            if (f.problem) o.problem = f.problem;
            return o;
          }),
          children: (s.children as Array<StructNode & { fields: FieldInfo[] }>).map(toNode),
        };
        if (s.problems?.length) n.problems = s.problems;
        if (s.target) n.target = s.target;
        return n;
      };
      try {
        resolve({ roots: (JSON.parse(stdout) as Array<StructNode & { fields: FieldInfo[] }>).map(toNode) });
      } catch (e) {
        resolve({ roots: [], error: String(e) });
      }
    });
  });
}

function volumeBlocks(roots: StructNode[]): number | undefined {
  const pvd = roots.find((r) => r.type === 'pvd');
  const f = pvd?.fields.find((x) => x.name === 'Volume Space Size');
  return f ? Number(f.display) : undefined;
}

function webviewHtml(origin: string, theme: Theme, nonce: string): string {
  // Exactly what the extension host serves, plus one nonce'd script: the fake acquireVsCodeApi.
  const csp = contentSecurityPolicy(origin, nonce);
  const vars = JSON.stringify(Object.fromEntries(Object.entries(THEMES[theme]).map(([k, v]) => [`--vscode-${k}`, v])));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${origin}/dist/webview/codicon.css">
<link rel="stylesheet" href="${origin}/dist/webview/sector-style.css">
<title>Sector editor</title>
<script nonce="${nonce}">
(function () {
  var vars = ${vars};
  for (var k in vars) document.documentElement.style.setProperty(k, vars[k]);
  var state = null;
  try { state = JSON.parse(sessionStorage.getItem('isowb-state') || 'null'); } catch (e) { state = null; }
  var acquired = false;
  window.acquireVsCodeApi = function () {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    return {
      postMessage: function (m) { window.parent.postMessage({ fromWebview: m }, '*'); },
      getState: function () { return state; },
      setState: function (s) { state = s; sessionStorage.setItem('isowb-state', JSON.stringify(s)); },
    };
  };
})();
</script>
</head>
<body class="vscode-${theme}">
<div id="app"></div>
<script nonce="${nonce}" src="${origin}/dist/webview/sector.js"></script>
</body>
</html>`;
}

// The fake host, running in the parent page.
const HOST_JS = `
(async function () {
  const frame = document.getElementById('wv');
  const log = (window.__hostLog = []);
  const info = await (await fetch('/info')).json();
  let generation = 1;
  let dirty = false;
  const edits = new Map();
  const send = (window.__send = (m) => frame.contentWindow.postMessage(m, '*'));
  window.__info = info;
  const qs = new URLSearchParams(location.search);
  window.__initState = qs.get('state') ? JSON.parse(qs.get('state')) : null;
  // Message types the test answers itself (e.g. 'expand'); window.__hold: reads wait until released.
  window.__manual = new Set();
  function editedRanges(offset, len) {
    const out = [];
    for (const o of [...edits.keys()].sort((a, b) => a - b)) {
      if (o < offset || o >= offset + len) continue;
      const last = out[out.length - 1];
      if (last && last[1] === o) last[1] = o + 1; else out.push([o, o + 1]);
    }
    return out;
  }
  window.addEventListener('message', async (e) => {
    if (e.source !== frame.contentWindow || !e.data || !e.data.fromWebview) return;
    const m = e.data.fromWebview;
    log.push(m.type === 'edit' ? { ...m, data: Array.from(m.data) } : m);
    if (window.__manual.has(m.type)) return;
    switch (m.type) {
      case 'ready':
        send({ type: 'init', doc: info.doc, state: window.__initState, generation });
        setTimeout(() => send({ type: 'structures', generation, roots: info.roots }), 0);
        break;
      case 'read': {
        const r = await fetch('/read?offset=' + m.offset + '&length=' + m.length);
        const data = new Uint8Array(await r.arrayBuffer());
        for (let i = 0; i < data.length; i++) if (edits.has(m.offset + i)) data[i] = edits.get(m.offset + i);
        send({ type: 'bytes', reqId: m.reqId, offset: m.offset, data, generation, edited: editedRanges(m.offset, data.length) });
        break;
      }
      case 'edit': {
        if (!info.doc.editable) { send({ type: 'editRejected', reason: info.doc.readonlyReason || 'read-only' }); break; }
        for (let i = 0; i < m.data.length; i++) edits.set(m.offset + i, m.data[i]);
        generation++;
        dirty = true;
        send({ type: 'changed', generation, size: info.doc.size, dirty, ranges: [[m.offset, m.offset + m.data.length]] });
        break;
      }
      case 'locate':
        send({ type: 'located', reqId: m.reqId, offset: m.offset, location: m.offset < 32768 ? { kind: 'system-area' } : info.doc.volumeBlocks !== undefined && m.offset >= info.doc.volumeBlocks * 2048 ? { kind: 'beyond-volume' } : { kind: 'unallocated' } });
        break;
      case 'expand':
        send({ type: 'children', reqId: m.reqId, id: m.id, children: [] });
        break;
      case 'search': {
        const r = await (await fetch('/search', { method: 'POST', body: JSON.stringify(m.query) })).json();
        if (r.error) { send({ type: 'searchDone', searchId: m.searchId, cancelled: false, truncated: false, error: r.error, count: 0 }); break; }
        const hits = r.hits.map((o) => ({ offset: o, length: r.length, lba: Math.floor(o / 2048), location: { kind: 'unallocated' }, context: r.contexts[o] }));
        for (let i = 0; i < hits.length; i += 50) send({ type: 'searchProgress', searchId: m.searchId, scanned: Math.round(info.doc.size * Math.min(1, (i + 50) / Math.max(1, hits.length))), total: info.doc.size, hits: hits.slice(i, i + 50) });
        send({ type: 'searchProgress', searchId: m.searchId, scanned: info.doc.size, total: info.doc.size, hits: [] });
        send({ type: 'searchDone', searchId: m.searchId, cancelled: false, truncated: r.truncated, count: hits.length });
        break;
      }
      default:
        break;
    }
  });
  frame.src = '/webview.html?theme=' + encodeURIComponent(qs.get('theme') || 'dark');
})();
`;

function hostPage(): string {
  return `<!DOCTYPE html><html><head><meta charset="UTF-8"><title>Sector editor harness</title>
<link rel="stylesheet" href="/host.css"></head>
<body><iframe id="wv" title="Sector editor"></iframe><script src="/host.js"></script></body></html>`;
}

const HOST_CSS = 'html,body{margin:0;height:100%;overflow:hidden;background:#000}iframe{border:0;width:100%;height:100%;display:block}';

/** Plain pattern search for the harness (hex with ?? wildcards, ASCII, UTF-16), small files only. */
function search(image: string, q: { kind: string; pattern: string; caseSensitive: boolean }): { hits: number[]; length: number; truncated: boolean; contexts: Record<number, string>; error?: string } {
  const size = fs.statSync(image).size;
  if (size > 256 * 1024 * 1024) return { hits: [], length: 0, truncated: false, contexts: {}, error: 'harness: file too large to search' };
  const data = fs.readFileSync(image);
  let pat: Array<number | null>;
  if (q.kind === 'hex') {
    pat = (q.pattern.replace(/\s+/g, '').match(/.{2}/g) ?? []).map((h) => (h === '??' ? null : parseInt(h, 16)));
  } else {
    const codes = [...q.pattern].map((c) => c.charCodeAt(0));
    pat = q.kind === 'ascii' ? codes : codes.flatMap((c) => (q.kind === 'utf16le' ? [c & 0xff, c >> 8] : [c >> 8, c & 0xff]));
  }
  const fold = q.kind !== 'hex' && !q.caseSensitive;
  const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b + 32 : b);
  const hits: number[] = [];
  const contexts: Record<number, string> = {};
  outer: for (let i = 0; i + pat.length <= data.length; i++) {
    for (let j = 0; j < pat.length; j++) {
      const p = pat[j];
      if (p === null) continue;
      const b = data[i + j];
      if (fold ? lower(b) !== lower(p) : b !== p) continue outer;
    }
    hits.push(i);
    contexts[i] = data.subarray(i, i + Math.max(16, pat.length)).toString('hex');
    if (hits.length >= 1000) return { hits, length: pat.length, truncated: true, contexts };
  }
  return { hits, length: pat.length, truncated: false, contexts };
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const image = path.resolve(opts.image);
  const size = fs.statSync(image).size;
  const st = opts.structures === false ? { roots: [] as StructNode[], error: 'structures skipped' } : await structuresOf(image);
  const fd = fs.openSync(image, 'r');
  const doc = {
    name: path.basename(image), uri: 'file://' + image, size,
    editable: opts.editable !== false, readonlyReason: opts.editable === false ? opts.readonlyReason ?? 'Opened read-only (harness)' : undefined,
    decoded: st.roots.length > 0, decodeError: st.roots.length > 0 ? undefined : st.error, blockSize: 2048, volumeBlocks: volumeBlocks(st.roots),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = `http://${req.headers.host}`;
    const send = (code: number, type: string, body: string | Buffer): void => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    try {
      if (url.pathname === '/') return send(200, 'text/html; charset=utf-8', hostPage());
      if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
      if (url.pathname === '/host.js') return send(200, 'text/javascript', HOST_JS);
      if (url.pathname === '/host.css') return send(200, 'text/css', HOST_CSS);
      if (url.pathname === '/webview.html') {
        const t = url.searchParams.get('theme');
        const theme: Theme = t === 'light' || t === 'high-contrast' ? t : 'dark';
        return send(200, 'text/html; charset=utf-8', webviewHtml(origin, theme, nonce()));
      }
      if (url.pathname === '/info') return send(200, 'application/json', JSON.stringify({ doc, roots: st.roots }));
      if (url.pathname === '/read') {
        const offset = Number(url.searchParams.get('offset'));
        const length = Math.max(0, Math.min(Number(url.searchParams.get('length')), size - offset, 16 * 1024 * 1024));
        const buf = Buffer.alloc(Number.isFinite(length) && length > 0 ? length : 0);
        if (buf.length) fs.readSync(fd, buf, 0, buf.length, offset);
        return send(200, 'application/octet-stream', buf);
      }
      if (url.pathname === '/search' && req.method === 'POST') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => send(200, 'application/json', JSON.stringify(search(image, JSON.parse(body)))));
        return;
      }
      if (url.pathname.startsWith('/dist/webview/')) {
        const name = path.basename(url.pathname);
        const file = path.join(WEBVIEW_DIR, name);
        if (!fs.existsSync(file)) return send(404, 'text/plain', 'not built: npm run build');
        const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : name.endsWith('.ttf') ? 'font/ttf' : name.endsWith('.map') ? 'application/json' : 'application/octet-stream';
        return send(200, type, fs.readFileSync(file));
      }
      send(404, 'text/plain', 'not found');
    } catch (e) {
      send(500, 'text/plain', String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => { fs.closeSync(fd); resolve(); });
    }),
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
  const port = Number(opt('--port') ?? 0);
  const theme = opt('--theme') ?? 'dark';
  const readonly = args.includes('--readonly');
  const image = args.find((a) => !a.startsWith('--')) ?? DEFAULT_IMAGE;
  startHarness({ image, port, editable: !readonly }).then((h) => {
    console.log(`sector editor harness for ${image}: ${h.url}?theme=${theme}`);
  }, (e) => { console.error(e); process.exit(1); });
}
