// Smoke tests in a real extension host: the extension is installed (from the .vsix when run by
// scripts/vscode-host/run.sh), activates, registers every command it contributes, and its
// installed folder holds what the .vsix must ship and nothing that is development-only.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'iso-workbench.iso-workbench';

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
}

function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed (have: ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.')).join(', ') || 'none'})`);
  return ext;
}

/** Every path under `root`, relative, with '/' separators (directories end with '/'). */
function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(`${p}/`, ...walk(root, p));
    else out.push(p);
  }
  return out;
}

describe('extension host smoke', () => {
  before(() => {
    console.log(`host: ${vscode.env.appName} ${vscode.version}, uiKind ${vscode.UIKind[vscode.env.uiKind]}, node ${process.version}`);
  });

  it('the test workspace is open and holds the GRUB rescue image', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.ok(folders.length >= 1, 'no workspace folder is open');
    const ws = process.env.ISOWB_WS;
    if (ws) assert.equal(folders[0].uri.fsPath, ws);
    assert.ok(fs.existsSync(path.join(folders[0].uri.fsPath, 'grub-rescue-cdrom.iso')), 'grub-rescue-cdrom.iso is not in the workspace folder');
  });

  it(`${EXTENSION_ID} is installed`, () => {
    const ext = extension();
    assert.equal(ext.packageJSON.name, 'iso-workbench');
    assert.equal(ext.packageJSON.publisher, 'iso-workbench');
    if (process.env.ISOWB_EXPECT_VSIX === '1' && process.env.ISOWB_REPO) {
      // run.sh tests the packaged extension, not the repository it was built from
      assert.notEqual(path.resolve(ext.extensionPath), path.resolve(process.env.ISOWB_REPO), 'the extension was loaded from the repository, not from the installed .vsix');
    }
  });

  it('activates', async () => {
    const ext = extension();
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers every command it contributes', async () => {
    const ext = extension();
    await ext.activate();
    const contributed: ContributedCommand[] = ext.packageJSON.contributes?.commands ?? [];
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
    for (const c of contributed) assert.equal(c.category, 'ISO', `${c.command} is not in the "ISO" category`);
  });

  it('its installed folder is the .vsix content: runtime files only', function () {
    const ext = extension();
    const root = ext.extensionPath;
    if (process.env.ISOWB_EXPECT_VSIX !== '1' && process.env.ISOWB_REPO && path.resolve(root) === path.resolve(process.env.ISOWB_REPO)) {
      this.skip(); // loaded from the repository (extensionDevelopmentPath = repo): nothing packaged to check
    }
    const files = walk(root);
    // vsce stores README.md as readme.md, CHANGELOG.md as changelog.md and LICENSE as LICENSE.txt
    const required: [string, RegExp][] = [
      ['package.json', /^package\.json$/],
      ['dist/extension.js', /^dist\/extension\.js$/],
      ['README.md', /^readme\.md$/i],
      ['CHANGELOG.md', /^changelog\.md$/i],
      ['LICENSE', /^license(\.txt|\.md)?$/i],
    ];
    for (const [name, re] of required) {
      assert.ok(files.some((f) => re.test(f)), `${name} is missing from the package (${root}: ${files.filter((f) => !f.includes('/')).join(', ')})`);
    }
    const devOnly = ['src/', 'test/', 'node_modules/', 'out/', 'scripts/', 'bench/', '.ci/', '.git/', '.vscode-host/', 'artifacts/'];
    const shipped = devOnly.filter((d) => files.includes(d));
    assert.deepEqual(shipped, [], `development-only folders in the package: ${shipped.join(', ')}`);
    const sources = files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'));
    assert.deepEqual(sources, [], `TypeScript sources in the package: ${sources.slice(0, 10).join(', ')}`);
    const images = files.filter((f) => /\.(iso|img)$/i.test(f));
    assert.deepEqual(images, [], `disc images in the package: ${images.slice(0, 10).join(', ')}`);
  });
});
