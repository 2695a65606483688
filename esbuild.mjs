// Bundles the CLI (and, later, the extension) into dist/. Fails on any warning.
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

const result = await esbuild.build({
  ...common,
  entryPoints: { isowb: 'src/cli/main.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
if (result.warnings.length > 0) {
  console.error(`esbuild: ${result.warnings.length} warning(s)`);
  process.exit(1);
}
