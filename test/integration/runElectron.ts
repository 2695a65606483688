// The integration suite in desktop VS Code, through @vscode/test-electron, for machines that can
// download VS Code (this project's CI cannot: it uses scripts/vscode-host/run.sh and code-server).
//
//   npm run build && npx tsc -p tsconfig.test.json && node out/test/integration/runElectron.js
//
// Runs the repository's extension (extensionDevelopmentPath = repo root) with every other
// extension disabled, in a temporary multi-root workspace whose folder holds the GRUB rescue image
// and a README.txt.
// Env: ISOWB_VSCODE_VERSION (default "stable"), ISOWB_RESULT (default artifacts/integration-electron.json).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT } from '../fixtures/build';

async function main(): Promise<number> {
  const repo = REPO_ROOT;
  const image = path.join(repo, 'test/fixtures/cache/real/grub-rescue-cdrom.iso');
  if (!fs.existsSync(image)) {
    console.error(`runElectron: ${image} is missing; run: bash test/fixtures/fetch-grub-rescue.sh test/fixtures/cache/real`);
    return 1;
  }
  if (!fs.existsSync(path.join(repo, 'dist/extension.js'))) {
    console.error('runElectron: dist/extension.js is missing; run: npm run build');
    return 1;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-electron-'));
  const ws = path.join(tmp, 'ws');
  fs.mkdirSync(ws);
  fs.copyFileSync(image, path.join(ws, 'grub-rescue-cdrom.iso'));
  fs.writeFileSync(path.join(ws, 'README.txt'), 'ISO Workbench integration test workspace.\n');
  // A multi-root workspace (one folder), as in run.sh: the suites add image folders, and VS Code
  // refuses to turn a single-folder window into a workspace while extension tests run.
  const workspaceFile = path.join(tmp, 'integration.code-workspace');
  fs.writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: 'ws' }] }));
  const result = process.env.ISOWB_RESULT ?? path.join(repo, 'artifacts/integration-electron.json');
  fs.rmSync(result, { force: true });
  try {
    await runTests({
      version: process.env.ISOWB_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: repo,
      extensionTestsPath: path.join(repo, 'out/test/integration/index'),
      launchArgs: [workspaceFile, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', `--user-data-dir=${path.join(tmp, 'user')}`],
      extensionTestsEnv: { ISOWB_REPO: repo, ISOWB_WS: ws, ISOWB_RESULT: result },
    });
    return 0;
  } catch (err) {
    const msg = String((err as Error)?.message ?? err);
    if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|getaddrinfo|download|socket hang up/i.test(msg)) {
      console.error(
        `runElectron: could not download desktop VS Code (${msg}).\n` +
          'This machine has no access to update.code.visualstudio.com. Run the same suite in code-server instead:\n' +
          '  bash scripts/vscode-host/run.sh integration',
      );
    } else {
      console.error(`runElectron: the integration tests failed: ${msg}`);
    }
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
