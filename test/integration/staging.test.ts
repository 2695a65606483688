// Editing inside a mounted image in a real VS Code: writes through vscode.workspace.fs, text
// editors and workspace edits are staged (the image file never changes), reads show the staged
// state, decorations mark it, the state is saved and restored after a reload, Show Staged Changes
// diffs against the original, Discard brings the original back, and Repack / Create Image from
// Folder write images that xorriso, 7z and bsdtar read as expected.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { WriteResult } from '../../src/engine/write/api';
import type { OpenedChange } from '../../src/extension/stagedChangesUi';
import { bsdtarList } from '../peers/bsdtar';
import { run } from '../peers/run';
import { sevenZipList } from '../peers/sevenzip';
import { xorrisoElTorito, xorrisoExtract, xorrisoLsdl, xorrisoPvdInfo } from '../peers/xorriso';
import { fixture, realImage, REPO_ROOT } from '../fixtures/build';
import { api, closeAllEditors, listHostTree, listTree, sha256File, tempDir, waitFor } from './host';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const enc = (s: string) => new TextEncoder().encode(s);

describe('staged edits and repack', function () {
  this.timeout(10 * 60_000);
  let tmp: string;
  before(() => { tmp = tempDir('staging'); });
  after(async () => {
    await closeAllEditors();
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme === 'isowb') await vscode.commands.executeCommand('isoWorkbench.closeImage', f.uri);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('editing a mounted image (a copy of the rr-joliet fixture)', () => {
    let image: string;
    let imageSha: string;
    let root: vscode.Uri;
    let key: string;
    let original: Map<string, { type: vscode.FileType }>;
    const at = (p: string) => vscode.Uri.joinPath(root, ...p.split('/').filter(Boolean));
    const read = async (p: string) => text(await vscode.workspace.fs.readFile(at(p)));
    const names = async (p: string) => (await vscode.workspace.fs.readDirectory(at(p))).map(e => e[0]).sort();

    before(async () => {
      image = path.join(tmp, 'edit me.iso');
      fs.copyFileSync(await fixture('rr-joliet'), image);
      imageSha = await sha256File(image);
      root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', vscode.Uri.file(image)))!;
      key = root.authority;
      original = await listTree(root);
    });
    after(async () => {
      await closeAllEditors();
      await vscode.commands.executeCommand('isoWorkbench.discardStagedChanges', root, { confirm: false });
      await vscode.commands.executeCommand('isoWorkbench.closeImage', vscode.Uri.file(image));
    });

    it('stages writeFile (new and replace), createDirectory, delete, rename and copy; reads show the staged state', async () => {
      const a = await api();
      const events: vscode.FileChangeEvent[] = [];
      const sub = a.provider.onDidChangeFile(e => events.push(...e));
      try {
        assert.equal((await vscode.workspace.fs.stat(at('/README.TXT'))).permissions, undefined, 'files of a mounted image file are editable');
        await vscode.workspace.fs.writeFile(at('/docs/new.txt'), enc('a new file\n'));
        await vscode.workspace.fs.writeFile(at('/README.TXT'), enc('replaced readme\n'));
        await vscode.workspace.fs.createDirectory(at('/newdir'));
        await vscode.workspace.fs.writeFile(at('/newdir/inside.txt'), enc('inside\n'));
        await vscode.workspace.fs.delete(at('/data/seq.txt'));
        await vscode.workspace.fs.delete(at('/sub'), { recursive: true });
        await vscode.workspace.fs.rename(at('/script.sh'), at('/newdir/script.sh'));
        await vscode.workspace.fs.copy(at('/docs/hello world.txt'), at('/newdir/hello copy.txt'));
        await vscode.workspace.fs.rename(at('/unicode'), at('/unicode-renamed'));
      } finally {
        sub.dispose();
      }
      assert.equal(await read('/docs/new.txt'), 'a new file\n');
      assert.equal(await read('/README.TXT'), 'replaced readme\n');
      assert.deepEqual(await names('/newdir'), ['hello copy.txt', 'inside.txt', 'script.sh']);
      assert.equal(await read('/newdir/script.sh'), '#!/bin/sh\necho hi\n');
      assert.equal(await read('/newdir/hello copy.txt'), 'hello\n');
      assert.equal(await read('/unicode-renamed/naïve café ☃.txt'), 'café\n');
      assert.deepEqual(await names('/docs'), ['100% #hash.txt', 'hello world.txt', 'new.txt']);
      const rootNames = await names('/');
      for (const gone of ['sub', 'script.sh', 'unicode']) assert.ok(!rootNames.includes(gone), `${gone} is gone from the staged view`);
      assert.ok(rootNames.includes('newdir') && rootNames.includes('unicode-renamed'));
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(at('/data/seq.txt'))), (e: vscode.FileSystemError) => e.code === 'FileNotFound');
      assert.equal((await vscode.workspace.fs.stat(at('/docs/new.txt'))).size, 11);
      // VS Code heard about it.
      const seen = (t: vscode.FileChangeType, p: string) => events.some(e => e.type === t && e.uri.path === p);
      assert.ok(seen(vscode.FileChangeType.Created, '/docs/new.txt'), 'Created /docs/new.txt');
      assert.ok(seen(vscode.FileChangeType.Changed, '/README.TXT'), 'Changed /README.TXT');
      assert.ok(seen(vscode.FileChangeType.Deleted, '/data/seq.txt'), 'Deleted /data/seq.txt');
      assert.ok(seen(vscode.FileChangeType.Deleted, '/script.sh') && seen(vscode.FileChangeType.Created, '/newdir/script.sh'), 'rename events');
      // The image file itself is untouched.
      assert.equal(await sha256File(image), imageSha);
    });

    it('refuses clobbering, non-empty deletes and illegal names with the reason', async () => {
      const a = await api();
      // VS Code's "create, don't overwrite" (New File on an existing name).
      await assert.rejects(a.provider.writeFile(at('/docs/new.txt'), enc('x'), { create: true, overwrite: false }), (e: vscode.FileSystemError) => e.code === 'FileExists');
      await assert.rejects(a.provider.writeFile(at('/docs/none.txt'), enc('x'), { create: false, overwrite: true }), (e: vscode.FileSystemError) => e.code === 'FileNotFound');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.createDirectory(at('/newdir/inside.txt'))), (e: vscode.FileSystemError) => e.code === 'FileExists');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.rename(at('/secret.txt'), at('/suid.bin'))), (e: vscode.FileSystemError) => e.code === 'FileExists');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.delete(at('/docs'), { recursive: false })), (e: Error) => /not empty/.test(e.message));
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(at(`/${'n'.repeat(256)}`), enc('x'))), (e: Error) => /Rock Ridge names .* limited to 255 bytes/.test(e.message));
      // (vscode.workspace.fs.writeFile creates missing parent folders itself; the provider does not.)
      await assert.rejects(a.provider.writeFile(at('/nodir/x.txt'), enc('x'), { create: true, overwrite: true }), (e: vscode.FileSystemError) => e.code === 'FileNotFound');
      // The original view is read-only.
      const orig = at('/README.TXT').with({ query: 'original' });
      assert.equal((await vscode.workspace.fs.stat(orig)).permissions, vscode.FilePermission.Readonly);
      assert.equal(text(await vscode.workspace.fs.readFile(orig)), 'ISO Workbench rr-joliet fixture\n');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(orig, enc('x'))), (e: Error) => /read-only/.test(e.message));
    });

    it('saves from a text editor and creates files through a workspace edit (what the Explorer does)', async () => {
      const doc = await vscode.workspace.openTextDocument(at('/docs/hello world.txt'));
      const editor = await vscode.window.showTextDocument(doc);
      assert.ok(await editor.edit(b => b.insert(new vscode.Position(0, 0), 'edited in VS Code: ')));
      assert.ok(await doc.save(), 'saved');
      assert.equal(doc.isDirty, false);
      assert.equal(await read('/docs/hello world.txt'), 'edited in VS Code: hello\n');
      const edit = new vscode.WorkspaceEdit();
      edit.createFile(at('/docs/from-edit.txt'), { contents: enc('made by a workspace edit\n') });
      assert.ok(await vscode.workspace.applyEdit(edit), 'applyEdit');
      assert.equal(await read('/docs/from-edit.txt'), 'made by a workspace edit\n');
      await closeAllEditors();
    });

    it('decorates added and modified entries, counts deletions on the root, lists them in the view', async () => {
      const a = await api();
      const deco = (p: string) => a.stagingDecorations.provideFileDecoration(at(p));
      assert.equal(deco('/docs/new.txt')?.badge, 'A');
      assert.equal(deco('/newdir')?.badge, 'A');
      assert.equal(deco('/README.TXT')?.badge, 'M');
      assert.equal(deco('/docs/hello world.txt')?.badge, 'M');
      assert.equal(deco('/unicode-renamed')?.badge, 'M');
      assert.equal(deco('/secret.txt'), undefined);
      assert.equal((deco('/docs/new.txt')?.color as unknown as { id: string }).id, 'gitDecoration.addedResourceForeground');
      const rootDeco = deco('/');
      assert.equal(rootDeco?.badge, '2', 'two deletions: /data/seq.txt and /sub (renames are not deletions)');
      assert.match(rootDeco?.tooltip ?? '', /\/data\/seq\.txt/);
      const [img] = a.stagedChangesView.getChildren();
      assert.equal(img.kind, 'image');
      const changes = a.stagedChangesView.getChildren(img).map(e => (e.kind === 'change' ? `${e.change.kind} ${e.change.path}` : ''));
      assert.deepEqual(changes, [
        'modified /README.TXT', 'deleted /data/seq.txt', 'added /docs/from-edit.txt', 'modified /docs/hello world.txt', 'added /docs/new.txt',
        'added /newdir', 'added /newdir/hello copy.txt', 'added /newdir/inside.txt', 'renamed /newdir/script.sh', 'deleted /sub', 'renamed /unicode-renamed',
      ]);
    });

    it('saves the change set and its contents under the extension storage after every change', async () => {
      const a = await api();
      const saved = a.staging.store.load(key);
      assert.ok(saved, 'state.json written');
      assert.equal(saved.count, 11);
      assert.equal(saved.imageUri, vscode.Uri.file(image).toString());
      assert.equal(saved.changes.image.path, image);
      const files = fs.readdirSync(a.staging.store.contentDir(key));
      assert.equal(files.length, a.staging.get(key)!.cs.contentFiles().length, 'only referenced content is kept');
      assert.ok(files.length >= 5);
    });

    it('Show Staged Changes opens a modified file in a diff with the original on the left', async () => {
      const opened = (await vscode.commands.executeCommand<OpenedChange>('isoWorkbench.showStagedChanges', root, { path: '/README.TXT' }))!;
      assert.ok(opened.left && opened.right);
      assert.equal(opened.left.query, 'original');
      const tab = await waitFor('diff tab', () => vscode.window.tabGroups.activeTabGroup.activeTab);
      assert.ok(tab.input instanceof vscode.TabInputTextDiff, 'a diff editor');
      assert.equal((tab.input as vscode.TabInputTextDiff).original.toString(), opened.left.toString());
      assert.equal((tab.input as vscode.TabInputTextDiff).modified.toString(), at('/README.TXT').toString());
      const [left, right] = await Promise.all([vscode.workspace.openTextDocument(opened.left), vscode.workspace.openTextDocument(opened.right)]);
      assert.equal(left.getText(), 'ISO Workbench rr-joliet fixture\n');
      assert.equal(right.getText(), 'replaced readme\n');
      // A renamed file diffs against its original path; a deleted one opens its original.
      const renamed = (await vscode.commands.executeCommand<OpenedChange>('isoWorkbench.showStagedChanges', root, { path: '/newdir/script.sh' }))!;
      assert.equal(renamed.left?.path, '/script.sh');
      const del = (await vscode.commands.executeCommand<OpenedChange>('isoWorkbench.showStagedChanges', root, { path: '/data/seq.txt' }))!;
      assert.equal(del.right, undefined);
      assert.equal((await vscode.workspace.openTextDocument(del.left!)).getText().length, 1048583);
      await closeAllEditors();
    });

    it('survives a reload: closing and reopening the image offers the saved changes, Restore brings them back', async () => {
      const a = await api();
      const before = await listTree(root);
      await vscode.commands.executeCommand('isoWorkbench.closeImage', vscode.Uri.file(image));
      assert.equal(a.staging.get(key), undefined, 'no change set in memory');
      assert.ok(a.staging.store.load(key), 'still saved on disk');
      root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', vscode.Uri.file(image)))!;
      const offer = await waitFor('restore offer', () => a.staging.pendingOffer(key));
      assert.equal(offer.count, 11);
      assert.equal(await read('/README.TXT'), 'ISO Workbench rr-joliet fixture\n', 'until restored, the image shows as it is');
      await a.staging.restore(key);
      assert.equal(a.staging.pendingOffer(key), undefined);
      assert.equal(await read('/README.TXT'), 'replaced readme\n');
      assert.deepEqual([...(await listTree(root)).keys()].sort(), [...before.keys()].sort());
      assert.equal(a.stagingDecorations.provideFileDecoration(at('/docs/new.txt'))?.badge, 'A');
      // The reload path of the API (what a new window does): forget, offer, restore.
      const offers = a.staging.reload([key]);
      assert.deepEqual(offers.map(o => o.count), [11]);
      assert.equal(a.staging.get(key), undefined);
      await a.staging.restore(key);
      assert.equal(await read('/docs/new.txt'), 'a new file\n');
    });

    it('Discard This Change reverts one entry; Discard Staged Changes restores the original view', async () => {
      const a = await api();
      assert.ok(await vscode.commands.executeCommand('isoWorkbench.discardStagedChange', at('/README.TXT'), { confirm: false }));
      assert.equal(await read('/README.TXT'), 'ISO Workbench rr-joliet fixture\n');
      assert.equal(a.stagingDecorations.provideFileDecoration(at('/README.TXT')), undefined);
      assert.equal(await read('/docs/new.txt'), 'a new file\n', 'the other changes stay');
      assert.equal(a.staging.store.load(key)?.count, 10);
      assert.equal(await vscode.commands.executeCommand('isoWorkbench.discardStagedChanges', root, { confirm: false }), true);
      assert.equal(a.staging.get(key), undefined);
      assert.equal(a.staging.store.load(key), null);
      assert.ok(!fs.existsSync(a.staging.store.dirOf(key)), 'content files removed');
      const now = await listTree(root);
      assert.deepEqual([...now.keys()].sort(), [...original.keys()].sort());
      assert.equal(await read('/README.TXT'), 'ISO Workbench rr-joliet fixture\n');
      assert.equal(a.stagingDecorations.provideFileDecoration(at('/')), undefined);
      assert.equal(await sha256File(image), imageSha);
    });
  });

  describe('read-only images', () => {
    it('refuses edits of an image inside an image, with the reason, and marks its files read-only', async () => {
      const a = await api();
      const inner = path.join(tmp, 'inner-tree');
      fs.mkdirSync(inner, { recursive: true });
      fs.writeFileSync(path.join(inner, 'a.txt'), 'a\n');
      fs.mkdirSync(path.join(tmp, 'outer-tree'), { recursive: true });
      let r = await run('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', path.join(tmp, 'outer-tree', 'inner.iso'), inner]);
      assert.equal(r.code, 0, r.stderr);
      const outer = path.join(tmp, 'outer.iso');
      r = await run('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', outer, path.join(tmp, 'outer-tree')]);
      assert.equal(r.code, 0, r.stderr);
      const innerRoot = a.uriOf(a.uriOf(vscode.Uri.file(outer), '/inner.iso'), '/');
      const file = vscode.Uri.joinPath(innerRoot, 'a.txt');
      assert.equal((await vscode.workspace.fs.stat(file)).permissions, vscode.FilePermission.Readonly);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(file, enc('x'))), (e: Error) => /inside another image/.test(e.message));
      await assert.rejects(Promise.resolve(vscode.workspace.fs.delete(file)), (e: Error) => /inside another image/.test(e.message));
    });
  });

  describe('an image that changes on disk under staged changes', () => {
    it('drops the staged view, keeps the saved changes and refuses to restore them onto the new image', async () => {
      const a = await api();
      const image = path.join(tmp, 'changes-under-me.iso');
      fs.copyFileSync(await fixture('iso-level1'), image);
      const root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', vscode.Uri.file(image)))!;
      const key = root.authority;
      const file = vscode.Uri.joinPath(root, 'NEW.TXT');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'lower.txt'), enc('x'))), (e: Error) => /upper case/.test(e.message));
      await vscode.workspace.fs.writeFile(file, enc('staged\n'));
      assert.ok(a.staging.get(key));
      // Something else rewrites the image (one more sector at the end).
      fs.appendFileSync(image, Buffer.alloc(2048));
      await waitFor('the staged view to be dropped', async () => {
        await vscode.workspace.fs.stat(root).then(undefined, () => undefined);
        return a.staging.get(key) === undefined;
      }, 20_000);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(file)), (e: vscode.FileSystemError) => e.code === 'FileNotFound');
      assert.ok(a.staging.store.load(key), 'the saved changes are kept until discarded');
      await assert.rejects(a.staging.restore(key), (e: Error) => /image changed since these changes were staged/.test(e.message));
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(file, enc('again'))), (e: Error) => /cannot be applied.*discard them first/.test(e.message));
      assert.equal(await vscode.commands.executeCommand('isoWorkbench.discardStagedChanges', root, { confirm: false }), true, 'saved changes are discarded too');
      assert.equal(a.staging.store.load(key), null);
      await vscode.workspace.fs.writeFile(file, enc('fresh'));
      assert.equal(text(await vscode.workspace.fs.readFile(file)), 'fresh');
      await a.staging.discard(key);
      await vscode.commands.executeCommand('isoWorkbench.closeImage', vscode.Uri.file(image));
    });
  });

  describe('Repack Image…', () => {
    it('an image with a UDF bridge: written without UDF only when asked (dropUdf), the UDF descriptors gone', async () => {
      const image = path.join(tmp, 'udf-src.iso');
      fs.copyFileSync(await fixture('udf-bridge'), image);
      const root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', vscode.Uri.file(image)))!;
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'ADDED.TXT'), enc('added beside UDF\n'));
      const out = path.join(tmp, 'udf-dropped.iso');
      const result = (await vscode.commands.executeCommand<WriteResult>('isoWorkbench.repack', root, { output: out, quiet: true, dropUdf: true }))!;
      assert.ok(result.notes.some((n) => /UDF bridge was dropped/.test(n)), result.notes.join('; '));
      assert.ok((await xorrisoLsdl(out)).some((e) => e.path === '/ADDED.TXT'));
      // No UDF volume recognition descriptor (ECMA-167 2/9: "NSR02"/"NSR03" at byte 1 of a sector
      // of the recognition sequence) is left, while the source had one.
      const vrsIds = (file: string): string[] => {
        const b = fs.readFileSync(file);
        const ids: string[] = [];
        for (let lba = 16; lba < 80; lba++) ids.push(b.subarray(lba * 2048 + 1, lba * 2048 + 6).toString('latin1'));
        return ids;
      };
      assert.ok(vrsIds(image).some((id) => /^NSR0[23]$/.test(id)), 'the source announces UDF');
      assert.ok(!vrsIds(out).some((id) => /^NSR0[23]$/.test(id)), 'the output does not');
      // xorriso still reads the ISO 9660 tree; our reader no longer sees UDF.
      const info = JSON.parse((await run(process.execPath, [path.join(REPO_ROOT, 'dist', 'isowb.js'), 'info', out, '--json'])).stdout.toString());
      assert.equal(info.udf, false);
    });
    it('writes the staged changes into a new image that xorriso, 7z and bsdtar read as expected', async () => {
      const a = await api();
      const image = path.join(tmp, 'repack-src.iso');
      fs.copyFileSync(await fixture('rr-joliet'), image);
      const sha = await sha256File(image);
      const root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', vscode.Uri.file(image)))!;
      const at = (p: string) => vscode.Uri.joinPath(root, ...p.split('/').filter(Boolean));
      await vscode.workspace.fs.writeFile(at('/docs/new.txt'), enc('added by repack test\n'));
      await vscode.workspace.fs.writeFile(at('/README.TXT'), enc('README replaced\n'));
      await vscode.workspace.fs.delete(at('/data/seq.txt'));
      await vscode.workspace.fs.rename(at('/script.sh'), at('/bin-script.sh'));
      await vscode.workspace.fs.createDirectory(at('/newdir'));
      await vscode.workspace.fs.writeFile(at('/newdir/deep.txt'), enc('deep\n'));
      const expected = new Map((await listTree(root)).entries());
      const out = path.join(tmp, 'repacked.iso');
      const result = (await vscode.commands.executeCommand<WriteResult>('isoWorkbench.repack', root, { output: out, quiet: true }))!;
      assert.ok(result, 'the command returns the write result');
      assert.equal(result.output, out);
      assert.equal(fs.statSync(out).size, result.size);
      assert.equal(await sha256File(image), sha, 'the source image is unchanged');
      assert.equal(a.staging.get(root.authority), undefined, 'the staged changes are cleared');
      assert.equal(a.staging.store.load(root.authority), null, 'and their saved state');
      assert.deepEqual(fs.readdirSync(tmp).filter(f => f.includes('.isowb-') || f.endsWith('.tmp')), [], 'no temp file left');
      // xorriso -indev OUT -find / -exec lsdl: the Rock Ridge tree = what the staged view showed.
      const lsdl = (await xorrisoLsdl(out)).map(e => e.path).filter(p => p !== '/');
      assert.deepEqual(lsdl.sort(), [...expected.keys()].sort());
      // bsdtar tf OUT (Rock Ridge)
      const tar = (await bsdtarList(out)).map(e => e.path);
      for (const p of ['/docs/new.txt', '/bin-script.sh', '/newdir/deep.txt', '/README.TXT']) assert.ok(tar.includes(p), `bsdtar lists ${p}`);
      for (const p of ['/data/seq.txt', '/script.sh']) assert.ok(!tar.includes(p), `bsdtar does not list ${p}`);
      // 7z l OUT (Joliet)
      const sz = (await sevenZipList(out)).map(e => e.path);
      for (const p of ['/docs/new.txt', '/bin-script.sh', '/newdir/deep.txt', '/README.TXT']) assert.ok(sz.includes(p), `7z lists ${p}`);
      for (const p of ['/data/seq.txt', '/script.sh']) assert.ok(!sz.includes(p), `7z does not list ${p}`);
      // xorriso -osirrox on -indev OUT -extract / X: the new contents.
      const x = path.join(tmp, 'repacked-x');
      await xorrisoExtract(out, x);
      assert.equal(fs.readFileSync(path.join(x, 'README.TXT'), 'utf8'), 'README replaced\n');
      assert.equal(fs.readFileSync(path.join(x, 'docs/new.txt'), 'utf8'), 'added by repack test\n');
      assert.equal(fs.readFileSync(path.join(x, 'newdir/deep.txt'), 'utf8'), 'deep\n');
      assert.equal(fs.readFileSync(path.join(x, 'bin-script.sh'), 'utf8'), '#!/bin/sh\necho hi\n');
      assert.equal(fs.readFileSync(path.join(x, 'data/over2048.bin')).length, 2049);
      await vscode.commands.executeCommand('isoWorkbench.closeImage', vscode.Uri.file(image));
    });

    it('replaces the original (GRUB rescue image with a changed grub.cfg) and keeps its boot setup', async () => {
      const a = await api();
      const image = path.join(tmp, 'grub-replace.iso');
      fs.copyFileSync(await realImage('grub-rescue-cdrom.iso'), image);
      const bootBefore = await xorrisoElTorito(image);
      const root = (await vscode.commands.executeCommand<vscode.Uri>('isoWorkbench.openAsFolder', vscode.Uri.file(image)))!;
      const cfg = vscode.Uri.joinPath(root, 'boot', 'grub', 'grub.cfg');
      const before = text(await vscode.workspace.fs.readFile(cfg));
      await vscode.workspace.fs.writeFile(cfg, enc(`${before}\n# staged by the integration test\n`));
      const result = (await vscode.commands.executeCommand<WriteResult>('isoWorkbench.repack', root, { replaceOriginal: true, quiet: true }))!;
      assert.ok(result);
      assert.equal(path.resolve(result.output), path.resolve(image));
      assert.ok(!fs.existsSync(`${image}.bak`), 'the backup is removed after success');
      assert.equal(a.staging.get(root.authority), undefined);
      // The mounted folder now shows the new image (reopened after the change on disk).
      await waitFor('the replaced image in the mounted folder', async () => text(await vscode.workspace.fs.readFile(cfg)).endsWith('# staged by the integration test\n'), 20_000);
      const x = path.join(tmp, 'grub-x');
      await xorrisoExtract(image, x);
      assert.equal(fs.readFileSync(path.join(x, 'boot/grub/grub.cfg'), 'utf8'), `${before}\n# staged by the integration test\n`);
      const bootAfter = await xorrisoElTorito(image);
      assert.ok(bootBefore && bootAfter);
      assert.deepEqual(bootAfter.images.map(i => [i.platform, i.emulation, i.bootable, i.path]), bootBefore.images.map(i => [i.platform, i.emulation, i.bootable, i.path]));
      await vscode.commands.executeCommand('isoWorkbench.closeImage', vscode.Uri.file(image));
    });
  });

  describe('Create Image from Folder…', () => {
    it('builds an image of a folder that xorriso, 7z and bsdtar read back', async () => {
      const dir = path.join(tmp, 'my folder');
      fs.mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'readme.txt'), 'built from a folder\n');
      fs.writeFileSync(path.join(dir, 'sub', 'Mixed Case Name.txt'), 'mixed\n');
      fs.writeFileSync(path.join(dir, 'sub', 'deeper', 'data.bin'), Buffer.alloc(70_000, 7));
      fs.symlinkSync('readme.txt', path.join(dir, 'link-to-readme'));
      const out = path.join(tmp, 'built.iso');
      const result = (await vscode.commands.executeCommand<WriteResult>('isoWorkbench.createImageFromFolder', vscode.Uri.file(dir), {
        output: out, volumeId: 'MY_FOLDER', quiet: true, biosBoot: null, efiBoot: null, hybrid: null,
      }))!;
      assert.ok(result);
      assert.equal(fs.statSync(out).size, result.size);
      assert.equal((await xorrisoPvdInfo(out)).volumeId, 'MY_FOLDER');
      const host = [...listHostTree(dir).keys()].sort();
      assert.deepEqual((await xorrisoLsdl(out)).map(e => e.path).filter(p => p !== '/').sort(), host);
      assert.deepEqual((await bsdtarList(out)).map(e => e.path).sort(), host);
      // Joliet has no symlinks: 7z lists everything else.
      assert.deepEqual((await sevenZipList(out)).map(e => e.path).sort(), host.filter(p => p !== '/link-to-readme'));
      const x = path.join(tmp, 'built-x');
      await xorrisoExtract(out, x);
      assert.equal(fs.readFileSync(path.join(x, 'sub', 'Mixed Case Name.txt'), 'utf8'), 'mixed\n');
      assert.equal(fs.readlinkSync(path.join(x, 'link-to-readme')), 'readme.txt');
      assert.deepEqual(fs.readFileSync(path.join(x, 'sub', 'deeper', 'data.bin')), Buffer.alloc(70_000, 7));
    });

    it('makes a BIOS-bootable image when given an isolinux boot image', async function () {
      if (!fs.existsSync('/usr/lib/ISOLINUX/isolinux.bin')) this.skip();
      const dir = path.join(tmp, 'boot folder');
      fs.mkdirSync(path.join(dir, 'isolinux'), { recursive: true });
      fs.copyFileSync('/usr/lib/ISOLINUX/isolinux.bin', path.join(dir, 'isolinux', 'isolinux.bin'));
      fs.copyFileSync('/usr/lib/syslinux/modules/bios/ldlinux.c32', path.join(dir, 'isolinux', 'ldlinux.c32'));
      fs.writeFileSync(path.join(dir, 'isolinux', 'isolinux.cfg'), 'DEFAULT hello\nLABEL hello\n  SAY hello\n');
      const out = path.join(tmp, 'bootable.iso');
      const result = (await vscode.commands.executeCommand<WriteResult>('isoWorkbench.createImageFromFolder', vscode.Uri.file(dir), {
        output: out, volumeId: 'BOOTABLE', quiet: true, biosBoot: 'isolinux/isolinux.bin', hybrid: 'mbr',
      }))!;
      assert.ok(result);
      const boot = await xorrisoElTorito(out);
      assert.ok(boot, 'an El Torito catalog');
      assert.equal(boot.images.length, 1);
      assert.equal(boot.images[0].platform, 'BIOS');
      assert.equal(boot.images[0].emulation, 'none');
      assert.equal(boot.images[0].path, '/isolinux/isolinux.bin');
    });
  });
});
