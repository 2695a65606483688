// Packages the extension as artifacts/iso-workbench.vsix (`npm run package` builds first;
// scripts/vscode-host/run.sh calls this after its own build). artifacts/ is git-ignored, so a fresh
// clone has none, and vsce does not create the folder of its output path: create it here, in Node,
// so the same command works on Windows (npm runs scripts in cmd.exe there) as on Linux and macOS.
// Same options as `vsce package --no-dependencies --no-rewrite-relative-links -o artifacts/…`.
const { createVSIX } = require('@vscode/vsce');
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const out = path.join(REPO, 'artifacts', 'iso-workbench.vsix');
fs.mkdirSync(path.dirname(out), { recursive: true });
createVSIX({ cwd: REPO, packagePath: out, dependencies: false, rewriteRelativeLinks: false }).catch((e) => {
  console.error(`package: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
