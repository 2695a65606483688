// Every ISO Workbench command through vscode.commands.executeCommand in a real VS Code, with the
// results checked against real tools (bsdtar, xorriso, grep) on the same images.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtractResult } from '../../src/engine/extract';
import type { SearchResult } from '../../src/engine/textSearch/searchText';
import { bsdtarExtract } from '../peers/bsdtar';
import { run } from '../peers/run';
import { xorrisoElTorito } from '../peers/xorriso';
import { fixture, realImage } from '../fixtures/build';
import { api, closeAllEditors, listHostTree, sha256, sha256File, tempDir, waitFor } from './host';

describe('ISO Workbench commands', function () {
  this.timeout(10 * 60_000);
  let tmp: string;
  let grub: string;
  let grubUri: vscode.Uri;
  let extracted: string;
  before(async () => {
    tmp = tempDir('commands');
    grub = await realImage('grub-rescue-cdrom.iso');
    grubUri = vscode.Uri.file(grub);
    extracted = path.join(tmp, 'grub-bsdtar');
    const r = await bsdtarExtract(grub, extracted); // bsdtar xf grub-rescue-cdrom.iso -C grub-bsdtar
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await closeAllEditors();
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme === 'isowb') await vscode.commands.executeCommand('isoWorkbench.closeImage', f.uri);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('Extract… writes a selected folder relative to its parent, byte-identical to bsdtar', async () => {
    const a = await api();
    const dest = path.join(tmp, 'extract-folder');
    const sel = a.uriOf(grubUri, '/boot/grub/i386-pc');
    const r = await vscode.commands.executeCommand<ExtractResult>('isoWorkbench.extract', sel, [sel], { dest, quiet: true });
    assert.ok(r && r.files > 100, `extracted ${r?.files} files`);
    const ours = listHostTree(path.join(dest, 'i386-pc'));
    const theirs = listHostTree(path.join(extracted, 'boot/grub/i386-pc'));
    assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
    for (const [p, e] of theirs) {
      if (e.type !== 'file') continue;
      assert.equal(sha256(fs.readFileSync(path.join(dest, 'i386-pc', p))), sha256(fs.readFileSync(path.join(extracted, 'boot/grub/i386-pc', p))), p);
    }
  });

  it('Extract… of several selected files and of a whole image file', async () => {
    const a = await api();
    const dest = path.join(tmp, 'extract-files');
    const files = ['/boot/grub/grub.cfg', '/boot/grub/i386-pc/eltorito.img'].map(p => a.uriOf(grubUri, p));
    const r = await vscode.commands.executeCommand<ExtractResult>('isoWorkbench.extract', files[0], files, { dest, quiet: true });
    assert.equal(r?.files, 2);
    // Common parent is /boot/grub: grub.cfg and i386-pc/eltorito.img below dest.
    assert.ok(fs.existsSync(path.join(dest, 'grub.cfg')));
    assert.ok(fs.existsSync(path.join(dest, 'i386-pc', 'eltorito.img')));
    const all = path.join(tmp, 'extract-all');
    const r2 = await vscode.commands.executeCommand<ExtractResult>('isoWorkbench.extract', grubUri, undefined, { dest: all, quiet: true });
    assert.ok(r2);
    assert.deepEqual([...listHostTree(all).keys()].sort(), [...listHostTree(extracted).keys()].sort());
  });

  it('Extract… streams a 4.4 GiB file out with flat memory (sparse where the data is zero)', async () => {
    const a = await api();
    const image = await fixture('large-multiextent');
    const dest = path.join(tmp, 'extract-big');
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
    let r: ExtractResult | undefined;
    try {
      r = await vscode.commands.executeCommand<ExtractResult>('isoWorkbench.extract', a.uriOf(vscode.Uri.file(image), '/big.bin'), undefined, { dest, quiet: true });
    } finally {
      clearInterval(timer);
    }
    assert.equal(r?.files, 1);
    const out = path.join(dest, 'big.bin');
    assert.equal(fs.statSync(out).size, 4500 * 1024 * 1024);
    // bsdtar -xOf IMAGE big.bin | sha256sum
    const ref = (await run('bash', ['-c', 'bsdtar -xOf "$1" big.bin | sha256sum', 'sh', image], { timeoutMs: 5 * 60_000 })).stdout.toString().split(/\s/)[0];
    assert.equal(await sha256File(out), ref);
    const growth = (peak - before) / 2 ** 20;
    console.log(`      extension host RSS +${growth.toFixed(1)} MiB while extracting 4.4 GiB; ${fs.statSync(out).blocks * 512} bytes allocated on disk`);
    assert.ok(growth < 64, `RSS grew ${growth.toFixed(1)} MiB`);
    fs.rmSync(dest, { recursive: true, force: true });
  });

  it('Copy Path Inside Image puts the inner path on the clipboard', async () => {
    const a = await api();
    const text = await vscode.commands.executeCommand<string>('isoWorkbench.copyPathInImage', a.uriOf(grubUri, '/boot/grub/grub.cfg'));
    assert.equal(text, '/boot/grub/grub.cfg');
    assert.equal(await vscode.env.clipboard.readText(), '/boot/grub/grub.cfg');
    const two = [a.uriOf(grubUri, '/boot/grub/grub.cfg'), a.uriOf(grubUri, '/boot.catalog')];
    assert.equal(await vscode.commands.executeCommand<string>('isoWorkbench.copyPathInImage', two[0], two), '/boot/grub/grub.cfg\n/boot.catalog');
  });

  it('Show Image Info opens a report whose El Torito facts match xorriso, with links into the image', async () => {
    const a = await api();
    const docUri = await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.showInfo', grubUri);
    assert.ok(docUri);
    const doc = await waitFor('the report document', () => vscode.workspace.textDocuments.find(d => d.uri.toString() === docUri.toString()));
    assert.equal(doc.languageId, 'markdown');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), docUri.toString());
    const text = doc.getText();
    const x = await xorrisoElTorito(grub); // xorriso -indev IMAGE -report_el_torito plain
    assert.ok(x);
    assert.match(text, /El Torito/);
    assert.ok(text.includes(String(x.catalogLba)), 'catalog LBA');
    for (const img of x.images) {
      assert.ok(text.includes(String(img.lba)), `load RBA ${img.lba}`);
      assert.ok(img.path && text.includes(img.path), `boot image path ${img.path}`);
    }
    const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', docUri);
    const bootLink = a.uriOf(grubUri, x.images[0].path!).toString();
    const target = links.map(l => l.target?.toString()).find(t => t === bootLink);
    assert.ok(target, `a link to ${bootLink} among ${links.length} links`);
    // Following it opens the boot image's bytes.
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.parse(target));
    assert.equal(sha256(bytes), sha256(fs.readFileSync(path.join(extracted, x.images[0].path!))));
  });

  it('Switch Namespace changes the tree shown, the status bar and the Explorer (rr-joliet fixture)', async () => {
    const a = await api();
    const image = vscode.Uri.file(await fixture('rr-joliet'));
    const root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', image))!;
    const names = async () => (await vscode.workspace.fs.readDirectory(root)).map(e => e[0]).sort();
    const rr = await names();
    assert.ok(rr.includes('rel-link') && rr.includes('README.TXT'));
    const events: vscode.FileChangeEvent[] = [];
    const sub = a.provider.onDidChangeFile(e => events.push(...e));
    try {
      assert.equal(await vscode.commands.executeCommand('isoWorkbench.switchNamespace', root, 'iso9660'), 'iso9660');
      assert.ok(events.some(e => e.uri.toString() === root.toString()), 'the root is reported changed');
      const iso = await names();
      assert.ok(!iso.includes('rel-link'), 'ISO 9660 has no symlinks');
      assert.ok(iso.every(n => n === n.toUpperCase()), `ISO 9660 names are upper case: ${iso.join(', ')}`);
      // xorriso -read_fs ecma119 -indev IMAGE -ls /   (xorriso prints NAME;1 quoted)
      const x = await run('xorriso', ['-read_fs', 'ecma119', '-indev', image.fsPath, '-ls', '/']);
      const xnames = x.stdout.toString().split('\n').filter(l => l.startsWith("'")).map(l => l.slice(1, -1).replace(/;1$/, '').replace(/\.$/, '')).sort();
      assert.deepEqual(iso, xnames);
      // The status bar follows the active editor's image.
      await vscode.window.showTextDocument(vscode.Uri.joinPath(root, 'README.TXT'));
      await waitFor('status bar "ISO 9660"', () => a.statusBar.text.includes('ISO 9660') && a.statusBar.text.includes('RR_JOLIET'));
      assert.equal(await vscode.commands.executeCommand('isoWorkbench.switchNamespace', root, 'joliet'), 'joliet');
      const joliet = await names();
      assert.ok(joliet.includes('README.TXT') && !joliet.includes('rel-link'));
      await waitFor('status bar "Joliet"', () => a.statusBar.text.includes('Joliet'));
      // An absent namespace is refused with a message, not a crash.
      const shown: string[] = [];
      const s2 = a.onDidShowError(m => shown.push(m));
      const grubRoot = a.uriOf(grubUri, '/');
      const present = await a.registry.use(grubRoot.authority, img => img.namespaces);
      if (!present.includes('joliet')) {
        assert.equal(await vscode.commands.executeCommand('isoWorkbench.switchNamespace', grubRoot, 'joliet'), undefined);
        assert.match(shown[0] ?? '', /has no Joliet tree/);
      }
      s2.dispose();
      await vscode.commands.executeCommand('isoWorkbench.switchNamespace', root, 'rr');
      assert.deepEqual(await names(), rr);
    } finally {
      sub.dispose();
      await vscode.commands.executeCommand('isoWorkbench.switchNamespace', root, 'rr');
      await vscode.commands.executeCommand('isoWorkbench.closeImage', image);
    }
  });

  it('Go to File in Image lists every file (like bsdtar) and opens the one picked', async () => {
    const a = await api();
    await vscode.commands.executeCommand('isoWorkbench.goToFile', grubUri);
    const picker = a.activePicker();
    assert.ok(picker && picker.kind === 'goToFile');
    await picker.ready;
    const listed = picker.quickPick.items.map(i => `${i.description === '/' ? '' : i.description}/${i.label}`).sort();
    const files = [...listHostTree(extracted)].filter(([, e]) => e.type === 'file').map(([p]) => p).sort();
    const missing = files.filter(f => !listed.includes(f));
    const extra = listed.filter(f => !files.includes(f));
    assert.deepEqual({ missing: missing.slice(0, 10), extra: extra.slice(0, 10), counts: [listed.length, files.length] }, { missing: [], extra: [], counts: [files.length, files.length] });
    const item = picker.quickPick.items.find(i => i.label === 'grub.cfg')!;
    await picker.accept(item);
    await waitFor('grub.cfg editor', () => vscode.window.activeTextEditor?.document.uri.path === '/boot/grub/grub.cfg');
    await waitFor('the picker to close', () => a.activePicker() === undefined);
  });

  it('Browse Image walks folders and opens a file without mounting the image', async () => {
    const a = await api();
    await vscode.commands.executeCommand('isoWorkbench.browse', grubUri, '/boot');
    const picker = a.activePicker();
    assert.ok(picker && picker.kind === 'browse');
    await picker.ready;
    const labels = picker.quickPick.items.map(i => i.label);
    assert.ok(labels.some(l => l.endsWith(' grub')), labels.join(', '));
    assert.ok(labels[0].includes('..'), 'an entry to go up');
    await picker.accept(picker.quickPick.items.find(i => i.label.endsWith(' grub'))!);
    await picker.ready;
    const inGrub = picker.quickPick.items.map(i => i.label.replace(/^\$\([^)]*\) /, ''));
    assert.deepEqual(inGrub.filter(n => n !== '..').sort(), fs.readdirSync(path.join(extracted, 'boot/grub')).sort());
    await picker.accept(picker.quickPick.items.find(i => i.label.endsWith(' grub.cfg'))!);
    await waitFor('grub.cfg editor', () => vscode.window.activeTextEditor?.document.uri.path === '/boot/grub/grub.cfg');
    assert.equal(vscode.workspace.workspaceFolders?.some(f => f.uri.authority === a.uriOf(grubUri).authority), false, 'not mounted');
  });

  it('Search Text in Image finds what grep -rn finds and opens a match at its line', async () => {
    const a = await api();
    const res = await vscode.commands.executeCommand<SearchResult>('isoWorkbench.searchText', grubUri, { pattern: 'menuentry' });
    assert.ok(res && res.matches.length > 0);
    // grep -rnIi menuentry grub-bsdtar  (binary files skipped by both; case-insensitive by default)
    const g = await run('grep', ['-rnIi', '--', 'menuentry', '.'], { cwd: extracted });
    const expected = g.stdout.toString().split('\n').filter(Boolean).map(l => { const m = /^\.(\/[^:]+):(\d+):/.exec(l)!; return `${m[1]}:${m[2]}`; }).sort();
    assert.deepEqual(res.matches.map(m => `${m.path}:${m.line + 1}`).sort(), expected);
    const picker = a.activePicker();
    assert.ok(picker && picker.kind === 'searchText');
    const first = picker.quickPick.items[0];
    await picker.accept(first);
    const m = res.matches[0];
    await waitFor('the match in an editor', () => vscode.window.activeTextEditor?.document.uri.path === m.path);
    assert.equal(vscode.window.activeTextEditor!.selection.start.line, m.line);
    assert.equal(vscode.window.activeTextEditor!.document.getText(vscode.window.activeTextEditor!.selection).toLowerCase(), 'menuentry');
    picker.quickPick.hide();
  });

  it('decorates the boot catalog and boot images that xorriso reports', async () => {
    const a = await api();
    const x = await xorrisoElTorito(grub);
    assert.ok(x);
    const decorations = await a.decorations.decorationsOf(a.uriOf(grubUri).authority);
    assert.equal(decorations.get(x.catalogPath!)?.badge, 'BC');
    for (const img of x.images) assert.equal(decorations.get(img.path!)?.badge, 'B', img.path);
    assert.equal(decorations.size, 1 + new Set(x.images.map(i => i.path)).size);
  });

  it('Show Log shows the output channel; Close Image removes folders, editors and the engine', async () => {
    const a = await api();
    await vscode.commands.executeCommand('isoWorkbench.showLog');
    const root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', grubUri))!;
    await vscode.window.showTextDocument(vscode.Uri.joinPath(root, 'boot', 'grub', 'grub.cfg'));
    const removed = await vscode.commands.executeCommand<number>('isoWorkbench.closeImage', root);
    assert.equal(removed, 1);
    assert.equal(vscode.workspace.workspaceFolders?.some(f => f.uri.authority === root.authority), false);
    const open = vscode.window.tabGroups.all.flatMap(g => g.tabs).filter(t => t.input instanceof vscode.TabInputText && t.input.uri.authority === root.authority);
    assert.equal(open.length, 0, 'its editors are closed');
    assert.equal(a.registry.open.some(o => o.key === root.authority), false, 'its engine is closed');
  });
});
