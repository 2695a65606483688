// The isowb: file system in a real VS Code: mounted images read through vscode.workspace.fs and
// text documents, cross-checked against bsdtar's extraction of the same image; URIs that must
// survive odd names; the 4 GiB stream; images changing on disk; corrupt images; read-only views.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { bsdtarExtract } from '../peers/bsdtar';
import { run } from '../peers/run';
import { fixture, realImage } from '../fixtures/build';
import { api, closeAllEditors, listHostTree, listTree, sha256, tempDir, waitFor } from './host';

describe('isowb: file system provider', function () {
  this.timeout(10 * 60_000);
  let tmp: string;
  before(() => { tmp = tempDir('provider'); });
  after(async () => {
    await closeAllEditors();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('GRUB rescue image mounted as a workspace folder', () => {
    let image: string;
    let root: vscode.Uri;
    let extracted: string;
    before(async () => {
      image = await realImage('grub-rescue-cdrom.iso');
      extracted = path.join(tmp, 'grub-bsdtar');
      // Reference: bsdtar xf grub-rescue-cdrom.iso -C grub-bsdtar
      const r = await bsdtarExtract(image, extracted);
      assert.equal(r.code, 0, r.stderr);
      root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', vscode.Uri.file(image)))!;
      assert.ok(root, 'openAsFolder returns the root URI');
    });
    after(async () => { await vscode.commands.executeCommand('isoWorkbench.closeImage', vscode.Uri.file(image)); });

    it('adds one workspace folder named after the image and its volume id', async () => {
      const a = await api();
      const volumeId = await a.registry.use(root.authority, img => img.volume.volumeId);
      const folder = vscode.workspace.workspaceFolders?.find(f => f.uri.toString() === root.toString());
      assert.ok(folder, `a workspace folder for ${root.toString()}`);
      assert.equal(folder.name, `grub-rescue-cdrom.iso — ${volumeId}`);
      // xorriso reads the same volume id: xorriso -indev IMAGE -pvd_info
      const pvd = await run('xorriso', ['-indev', image, '-pvd_info']);
      assert.match(pvd.stdout.toString(), new RegExp(`Volume Id\\s*:\\s*${volumeId}`));
      // Opening it again does not add a second folder.
      await vscode.commands.executeCommand('isoWorkbench.openAsFolder', vscode.Uri.file(image));
      assert.equal(vscode.workspace.workspaceFolders?.filter(f => f.uri.toString() === root.toString()).length, 1);
      assert.equal(vscode.workspace.getWorkspaceFolder(vscode.Uri.joinPath(root, 'boot', 'grub', 'grub.cfg'))?.uri.toString(), root.toString());
    });

    it('lists the same tree as bsdtar extracts, with the same sizes and contents', async () => {
      const ours = await listTree(root);
      const theirs = listHostTree(extracted);
      assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
      let files = 0;
      for (const [p, { type }] of ours) {
        const host = path.join(extracted, p);
        if (theirs.get(p)!.type === 'dir') { assert.equal(type, vscode.FileType.Directory, p); continue; }
        assert.equal(type & vscode.FileType.File, vscode.FileType.File, p);
        const uri = vscode.Uri.joinPath(root, ...p.split('/').filter(Boolean));
        const st = await vscode.workspace.fs.stat(uri);
        const hostSt = fs.statSync(host);
        assert.equal(st.size, hostSt.size, `size of ${p}`);
        assert.equal(Math.floor(st.mtime / 1000), Math.floor(hostSt.mtimeMs / 1000), `mtime of ${p}`);
        assert.equal(st.permissions, undefined, `${p} is editable (edits are staged, see staging.test.ts)`);
        const data = await vscode.workspace.fs.readFile(uri);
        assert.equal(sha256(data), sha256(fs.readFileSync(host)), `content of ${p}`);
        files++;
      }
      assert.ok(files > 100, `compared ${files} files`);
    });

    it('opens a file from the image in a text editor', async () => {
      const uri = vscode.Uri.joinPath(root, 'boot', 'grub', 'grub.cfg');
      const doc = await vscode.workspace.openTextDocument(uri);
      const editor = await vscode.window.showTextDocument(doc);
      assert.equal(doc.getText(), fs.readFileSync(path.join(extracted, 'boot/grub/grub.cfg'), 'utf8'));
      assert.equal(editor.document.uri.toString(), uri.toString());
      assert.equal(doc.isDirty, false);
      // The status bar names the image and the namespace shown.
      const a = await api();
      await waitFor('status bar item', () => a.statusBar.text.includes('Rock Ridge'));
    });

    it('copies a file out of the image the way Explorer copy/paste does (workspace.fs.copy)', async () => {
      const dest = vscode.Uri.file(path.join(tmp, 'copied-eltorito.img'));
      await vscode.workspace.fs.copy(vscode.Uri.joinPath(root, 'boot', 'grub', 'i386-pc', 'eltorito.img'), dest);
      assert.equal(sha256(fs.readFileSync(dest.fsPath)), sha256(fs.readFileSync(path.join(extracted, 'boot/grub/i386-pc/eltorito.img'))));
      // A folder too (VS Code copies recursively across providers).
      const folderDest = vscode.Uri.file(path.join(tmp, 'copied-grub-fonts'));
      await vscode.workspace.fs.copy(vscode.Uri.joinPath(root, 'boot', 'grub', 'fonts'), folderDest);
      assert.deepEqual([...listHostTree(folderDest.fsPath).keys()].sort(), [...listHostTree(path.join(extracted, 'boot/grub/fonts')).keys()].sort());
    });

    it('opens files of two different images side by side in the diff editor', async () => {
      const a = await api();
      const left = a.uriOf(vscode.Uri.file(image), '/boot/grub/grub.cfg');
      const copyIso = path.join(tmp, 'grub-copy.iso');
      fs.writeFileSync(path.join(tmp, 'changed-grub.cfg'), fs.readFileSync(path.join(extracted, 'boot/grub/grub.cfg'), 'utf8') + '\n# changed\n');
      // xorriso -as mkisofs -R -o grub-copy.iso -graft-points /boot/grub/grub.cfg=changed-grub.cfg
      const r = await run('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', copyIso, '-graft-points', `/boot/grub/grub.cfg=${path.join(tmp, 'changed-grub.cfg')}`]);
      assert.equal(r.code, 0, r.stderr);
      const right2 = a.uriOf(vscode.Uri.file(copyIso), '/boot/grub/grub.cfg');
      await vscode.commands.executeCommand('vscode.diff', left, right2, 'grub.cfg ↔ grub.cfg (copy)');
      const tab = await waitFor('diff tab', () => vscode.window.tabGroups.activeTabGroup.activeTab);
      assert.ok(tab.input instanceof vscode.TabInputTextDiff, 'a text diff editor is active');
      assert.equal((tab.input as vscode.TabInputTextDiff).original.toString(), left.toString());
      assert.equal((tab.input as vscode.TabInputTextDiff).modified.toString(), right2.toString());
      const docs = await Promise.all([vscode.workspace.openTextDocument(left), vscode.workspace.openTextDocument(right2)]);
      assert.equal(docs[1].getText(), docs[0].getText() + '\n# changed\n');
    });

    it('refuses writes to the original view (?original) with an explanation', async () => {
      const uri = vscode.Uri.joinPath(root, 'boot', 'grub', 'grub.cfg').with({ query: 'original' });
      assert.equal((await vscode.workspace.fs.stat(uri)).permissions, vscode.FilePermission.Readonly);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, new Uint8Array([1]))), (e: Error) => /NoPermissions|read-?only|permission/i.test(`${(e as vscode.FileSystemError).code} ${e.message}`));
      await assert.rejects(Promise.resolve(vscode.workspace.fs.delete(uri)));
    });

    it('reports missing paths as FileNotFound', async () => {
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.joinPath(root, 'no', 'such'))), (e: vscode.FileSystemError) => e.code === 'FileNotFound');
    });
  });

  describe('Rock Ridge symbolic links (rr-joliet fixture)', () => {
    it('reports links with their target type, dangling links as bare links', async () => {
      const a = await api();
      const image = vscode.Uri.file(await fixture('rr-joliet'));
      const at = (p: string) => a.uriOf(image, p);
      assert.equal((await vscode.workspace.fs.stat(at('/rel-link'))).type, vscode.FileType.File | vscode.FileType.SymbolicLink);
      assert.equal((await vscode.workspace.fs.stat(at('/dir-link'))).type, vscode.FileType.Directory | vscode.FileType.SymbolicLink);
      assert.equal((await vscode.workspace.fs.stat(at('/dangling-link'))).type, vscode.FileType.SymbolicLink);
      const entries = new Map(await vscode.workspace.fs.readDirectory(at('/')));
      assert.equal(entries.get('rel-link'), vscode.FileType.File | vscode.FileType.SymbolicLink);
      assert.equal(entries.get('dir-link'), vscode.FileType.Directory | vscode.FileType.SymbolicLink);
      assert.equal(entries.get('dangling-link'), vscode.FileType.SymbolicLink);
      // Reading through a link reads the target.
      assert.equal(Buffer.from(await vscode.workspace.fs.readFile(at('/rel-link'))).toString(), 'hello\n');
      assert.deepEqual((await vscode.workspace.fs.readDirectory(at('/dir-link'))).map(e => e[0]).sort(), (await vscode.workspace.fs.readDirectory(at('/docs'))).map(e => e[0]).sort());
    });
  });

  describe('URIs of images with odd names', () => {
    it('survive spaces, #, ?, %, unicode, same names in different folders, and opening twice', async () => {
      const a = await api();
      const src = await fixture('rr-joliet');
      const dirs = [path.join(tmp, 'odd #1 ?x%41 dé jà ☃'), path.join(tmp, 'other folder')];
      const images = dirs.map(d => { fs.mkdirSync(d, { recursive: true }); const p = path.join(d, 'my disc #2 ?%20 ünï ☃.iso'); fs.copyFileSync(src, p); return vscode.Uri.file(p); });
      const roots: vscode.Uri[] = [];
      for (const img of images) roots.push((await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', img))!);
      assert.notEqual(roots[0].toString(), roots[1].toString(), 'same name, different folders: different roots');
      for (const [i, r] of roots.entries()) {
        assert.equal(a.parse(r).image.fsPath, images[i].fsPath, 'the root URI carries the image URI');
        // Through a string round trip, as VS Code stores workspace folders and editor state.
        const again = vscode.Uri.parse(r.toString());
        assert.equal(a.parse(again).image.fsPath, images[i].fsPath);
        const file = vscode.Uri.joinPath(again, 'docs', '100% #hash.txt');
        assert.equal(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.parse(file.toString()))).toString(), 'percent and hash\n');
        const uni = vscode.Uri.joinPath(again, 'unicode', 'naïve café ☃.txt');
        assert.equal(Buffer.from(await vscode.workspace.fs.readFile(uni)).toString(), 'café\n');
      }
      // Opening the first image again reuses its folder and its engine.
      await vscode.commands.executeCommand('isoWorkbench.openAsFolder', images[0]);
      assert.equal(vscode.workspace.workspaceFolders?.filter(f => f.uri.toString() === roots[0].toString()).length, 1);
      assert.equal(a.registry.open.filter(o => o.imageUri.fsPath === images[0].fsPath).length, 1, 'one engine per image');
      for (const img of images) await vscode.commands.executeCommand('isoWorkbench.closeImage', img);
      assert.equal(vscode.workspace.workspaceFolders?.filter(f => f.uri.scheme === 'isowb').length ?? 0, 0);
    });
  });

  describe('an image inside an image', () => {
    it('mounts the inner image from the outer one and reads its files', async () => {
      const a = await api();
      // inner.iso: xorriso -as mkisofs -R -J -V INNER -o outer-tree/images/inner.iso inner-tree
      // outer.iso: xorriso -as mkisofs -R -V OUTER -o outer.iso outer-tree
      const inner = path.join(tmp, 'inner-tree');
      fs.mkdirSync(path.join(inner, 'etc'), { recursive: true });
      fs.writeFileSync(path.join(inner, 'etc', 'nested.cfg'), 'nested = yes\n');
      fs.mkdirSync(path.join(tmp, 'outer-tree', 'images'), { recursive: true });
      let r = await run('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-V', 'INNER', '-o', path.join(tmp, 'outer-tree', 'images', 'inner.iso'), inner]);
      assert.equal(r.code, 0, r.stderr);
      const outerIso = path.join(tmp, 'outer.iso');
      r = await run('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-V', 'OUTER', '-o', outerIso, path.join(tmp, 'outer-tree')]);
      assert.equal(r.code, 0, r.stderr);
      const innerUri = a.uriOf(vscode.Uri.file(outerIso), '/images/inner.iso');
      const root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', innerUri))!;
      assert.ok(root, 'the inner image mounts');
      assert.equal(a.parse(root).image.toString(), innerUri.toString());
      const folder = vscode.workspace.workspaceFolders?.find(f => f.uri.toString() === root.toString());
      assert.equal(folder?.name, 'inner.iso (in outer.iso) — INNER');
      assert.equal(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'etc', 'nested.cfg'))).toString(), 'nested = yes\n');
      // Images inside images stay read-only.
      assert.equal((await vscode.workspace.fs.stat(vscode.Uri.joinPath(root, 'etc', 'nested.cfg'))).permissions, vscode.FilePermission.Readonly);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'etc', 'nested.cfg'), new Uint8Array([1]))), (e: Error) => /inside another image/.test(e.message));
      await vscode.commands.executeCommand('isoWorkbench.closeImage', root);
      assert.equal(vscode.workspace.workspaceFolders?.some(f => f.uri.toString() === root.toString()), false);
    });
  });

  describe('a 4.4 GiB multi-extent file (large-multiextent fixture, sparse)', () => {
    it('streams through the provider with flat extension-host memory and the bytes bsdtar reads', async () => {
      const a = await api();
      const image = await fixture('large-multiextent');
      const uri = a.uriOf(vscode.Uri.file(image), '/big.bin');
      const st = await vscode.workspace.fs.stat(uri);
      assert.equal(st.size, 4500 * 1024 * 1024);
      // Reference digest: bsdtar -xOf IMAGE big.bin | sha256sum (libarchive joins the extents).
      const ref = run('bash', ['-c', 'bsdtar -xOf "$1" big.bin | sha256sum', 'sh', image], { timeoutMs: 5 * 60_000 });
      const before = process.memoryUsage();
      let peakRss = before.rss;
      const fd = await a.provider.open(uri, { create: false });
      const { createHash } = await import('crypto');
      const h = createHash('sha256');
      const buf = new Uint8Array(4 << 20);
      let pos = 0;
      try {
        for (;;) {
          const n = await a.provider.read(fd, pos, buf, 0, buf.length);
          if (n === 0) break;
          h.update(buf.subarray(0, n));
          pos += n;
          if ((pos & ((256 << 20) - 1)) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
        }
      } finally {
        await a.provider.close(fd);
      }
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      assert.equal(pos, st.size);
      assert.equal(a.provider.openHandles, 0, 'the handle is released');
      const expected = (await ref).stdout.toString().split(/\s/)[0];
      assert.equal(h.digest('hex'), expected);
      const growthMiB = (peakRss - before.rss) / 1024 / 1024;
      console.log(`      streamed ${(pos / 2 ** 30).toFixed(2)} GiB; extension host RSS ${(before.rss / 2 ** 20).toFixed(0)} → peak ${(peakRss / 2 ** 20).toFixed(0)} MiB (+${growthMiB.toFixed(1)} MiB)`);
      assert.ok(growthMiB < 64, `RSS grew by ${growthMiB.toFixed(1)} MiB while streaming 4.4 GiB (limit 64)`);
    });

    it('refuses to load a file larger than isoWorkbench.maxReadFileMiB whole, pointing at Extract', async () => {
      const a = await api();
      const uri = a.uriOf(vscode.Uri.file(await fixture('large-multiextent')), '/big.bin');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(uri)), (e: Error) => /maxReadFileMiB/.test(e.message) && /Extract/.test(e.message));
      const small = await vscode.workspace.fs.readFile(a.uriOf(vscode.Uri.file(await fixture('large-multiextent')), '/small.txt'));
      assert.equal(Buffer.from(small).toString(), 'small\n');
    });
  });

  describe('an image that changes on disk', () => {
    it('is reopened and VS Code is told (onDidChangeFile)', async () => {
      const a = await api();
      const p = path.join(tmp, 'changing.iso');
      const tree = path.join(tmp, 'changing-tree');
      fs.mkdirSync(tree);
      const build = async (text: string) => {
        fs.writeFileSync(path.join(tree, 'version.txt'), text);
        // xorriso -as mkisofs -R -o changing.iso.new changing-tree ; mv over the image
        const r = await run('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', `${p}.new`, tree]);
        assert.equal(r.code, 0, r.stderr);
        fs.renameSync(`${p}.new`, p);
      };
      await build('one\n');
      const uri = a.uriOf(vscode.Uri.file(p), '/version.txt');
      const doc = await vscode.workspace.openTextDocument(uri);
      assert.equal(doc.getText(), 'one\n');
      const events: vscode.FileChangeEvent[] = [];
      const sub = a.provider.onDidChangeFile(e => events.push(...e));
      try {
        await new Promise(r => setTimeout(r, 1100)); // a different mtime second
        await build('two, longer\n');
        await waitFor('a change event for the image', () => events.some(e => e.uri.authority === uri.authority), 20_000);
        assert.equal(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString(), 'two, longer\n');
        await waitFor('the open document to reload', () => doc.getText() === 'two, longer\n', 20_000);
      } finally {
        sub.dispose();
      }
    });
  });

  describe('a mounted image that changes on disk after it was closed for idleness', () => {
    it('is still watched, and VS Code is told', async () => {
      const a = await api();
      const config = vscode.workspace.getConfiguration('isoWorkbench');
      await config.update('idleCloseSeconds', 0, vscode.ConfigurationTarget.Global);
      const p = path.join(tmp, 'idle.iso');
      const tree = path.join(tmp, 'idle-tree');
      fs.mkdirSync(tree, { recursive: true });
      const build = async (text: string) => {
        fs.writeFileSync(path.join(tree, 'state.txt'), text);
        // xorriso -as mkisofs -R -o idle.iso.new idle-tree ; mv over the image
        const r = await run('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', `${p}.new`, tree]);
        assert.equal(r.code, 0, r.stderr);
        fs.renameSync(`${p}.new`, p);
      };
      const events: vscode.FileChangeEvent[] = [];
      const sub = a.provider.onDidChangeFile(e => events.push(...e));
      try {
        await build('before\n');
        const root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', vscode.Uri.file(p)))!;
        const file = vscode.Uri.joinPath(root, 'state.txt');
        assert.equal(Buffer.from(await vscode.workspace.fs.readFile(file)).toString(), 'before\n');
        await waitFor('the idle close', () => !a.registry.open.some(o => o.key === root.authority));
        await new Promise(r => setTimeout(r, 1100));
        await build('after, longer\n');
        await waitFor('a change event for the closed image', () => events.some(e => e.uri.authority === root.authority), 20_000);
        assert.equal(Buffer.from(await vscode.workspace.fs.readFile(file)).toString(), 'after, longer\n');
      } finally {
        sub.dispose();
        await config.update('idleCloseSeconds', undefined, vscode.ConfigurationTarget.Global);
        await vscode.commands.executeCommand('isoWorkbench.closeImage', vscode.Uri.file(p));
      }
    });
  });

  describe('a corrupt image', () => {
    it('shows what is wrong and where instead of a stack trace, and adds no folder', async () => {
      const a = await api();
      const bad = path.join(tmp, 'not really.iso');
      fs.writeFileSync(bad, Buffer.alloc(64 * 1024, 0x41));
      const shown: string[] = [];
      const sub = a.onDidShowError(m => shown.push(m));
      const before = vscode.workspace.workspaceFolders?.length ?? 0;
      try {
        const r = await vscode.commands.executeCommand('isoWorkbench.openAsFolder', vscode.Uri.file(bad));
        assert.equal(r, undefined);
      } finally {
        sub.dispose();
      }
      assert.equal(shown.length, 1);
      assert.match(shown[0], /not really\.iso/);
      assert.match(shown[0], /CD001/);
      assert.match(shown[0], /at byte 32768/);
      assert.doesNotMatch(shown[0], /\n\s+at /, 'no stack trace');
      assert.equal(vscode.workspace.workspaceFolders?.length ?? 0, before);
      // Through the file system API: a FileSystemError with the same words.
      await assert.rejects(Promise.resolve(vscode.workspace.fs.readDirectory(a.uriOf(vscode.Uri.file(bad), '/'))), /CD001/);
    });
  });
});
