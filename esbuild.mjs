// Bundles the CLI (dist/isowb.js), the extension (dist/extension.js) and the sector editor's
// webview (dist/webview/: sector.js for the browser, sector.css, the codicon font) into dist/.
// Fails on any warning. `vscode` is provided by the extension host at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  logOverride: {},
};

const results = await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: { isowb: 'src/cli/main.ts' },
    outdir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
  }),
  esbuild.build({
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    external: ['vscode'],
    minify: process.argv.includes('--production'),
  }),
  esbuild.build({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: true,
    logLevel: 'warning',
    entryPoints: { sector: 'media/src/main.ts', 'sector-style': 'media/sector.css' },
    outdir: 'dist/webview',
    minify: process.argv.includes('--production'),
  }),
]);
// Codicons: the font and its stylesheet, served from the extension like everything else (no CDN).
mkdirSync('dist/webview', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/${f}`);
const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
if (warnings > 0) {
  console.error(`esbuild: ${warnings} warning(s)`);
  process.exit(1);
}
