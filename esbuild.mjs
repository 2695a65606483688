// Bundles the CLI (dist/isowb.js) and the extension (dist/extension.js) into dist/. Fails on any
// warning. `vscode` is provided by the extension host at run time.
import * as esbuild from 'esbuild';

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
]);
const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
if (warnings > 0) {
  console.error(`esbuild: ${warnings} warning(s)`);
  process.exit(1);
}
