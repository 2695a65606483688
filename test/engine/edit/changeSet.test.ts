// The edit model (src/engine/edit/changeSet.ts) on real images: every operation and every refusal,
// the overlay view (readdir / stat / read / resolve) against what the image holds, laziness (a
// renamed directory is not read), decorations' status, the summary, and toJSON/fromJSON replay.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChangeSet, EDIT_ERROR_CODES, EditError, type EditErrorCode } from '../../../src/engine/edit/changeSet';
import { IsoError } from '../../../src/engine/errors';
import { DiscImage, type FileNode } from '../../../src/engine/image';
import { fixture, realImage } from '../../fixtures/build';

let tmp: string;
let seq = 0;
/** A host file with `text` as content, as the provider stages one. */
function content(text: string | Uint8Array): { path: string; size: number } {
  const p = path.join(tmp, `content-${++seq}`);
  fs.writeFileSync(p, text);
  return { path: p, size: fs.statSync(p).size };
}

async function rejectsWith(p: Promise<unknown>, reason: EditErrorCode, re?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof EditError, `an EditError, got ${String(e)}`);
    assert.ok(e instanceof IsoError);
    assert.equal(e.code, EDIT_ERROR_CODES[reason]);
    assert.equal(e.reason, reason, `reason of "${e.message}"`);
    if (re) assert.match(e.message, re);
    return true;
  });
}

const text = async (cs: ChangeSet, p: string): Promise<string> => {
  const n = await cs.stat(p);
  assert.ok(n, `${p} exists`);
  return Buffer.from(await cs.read(n, 0, n.size + 10)).toString('utf8');
};
const names = async (cs: ChangeSet, p: string): Promise<string[]> => (await cs.readdir(p)).map(n => n.name).sort();

/** Every entry of the edited tree: path → a comparable description. */
async function dump(cs: ChangeSet): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const rec = async (p: string): Promise<void> => {
    for (const n of await cs.readdir(p)) {
      const data = n.data ? (n.data.kind === 'file' ? `file:${n.data.path}:${n.data.size}` : `image:${n.data.node.path}`) : '-';
      out.set(n.path, [n.type, n.size, n.mode.toString(8), n.uid, n.gid, n.mtime.getTime(), n.status, n.base?.path ?? 'new', data, n.target ?? ''].join(' '));
      if (n.type === 'dir') await rec(n.path);
    }
  };
  await rec('/');
  return out;
}

/** Counts the directories the image is asked to list, by path. */
function spyReaddir(img: DiscImage): string[] {
  const seen: string[] = [];
  const orig = img.readdir.bind(img);
  img.readdir = ((dir: FileNode | string, cache?: boolean) => {
    seen.push(typeof dir === 'string' ? dir : dir.path);
    return orig(dir, cache);
  }) as typeof img.readdir;
  return seen;
}

describe('edit model (ChangeSet)', function () {
  this.timeout(5 * 60_000);
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-edit-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('Rock Ridge + Joliet (rr-joliet)', () => {
    let file: string;
    let img: DiscImage;
    let cs: ChangeSet;
    before(async () => { file = await fixture('rr-joliet'); img = await DiscImage.openFile(file); });
    after(() => img.close());
    beforeEach(() => { cs = new ChangeSet(img, file); });

    it('starts as the image itself', async () => {
      assert.equal(cs.isEmpty, true);
      assert.equal(cs.image, img);
      assert.deepEqual(cs.summary(), []);
      assert.deepEqual(cs.contentFiles(), []);
      assert.deepEqual(await names(cs, '/'), (await img.readdir('/')).map(n => n.name).sort());
      const readme = (await cs.stat('/README.TXT'))!;
      const orig = await img.lookup('/README.TXT');
      assert.equal(readme.status, 'unchanged');
      assert.equal(readme.base, orig);
      assert.deepEqual(readme.data, { kind: 'image', node: orig });
      assert.equal(readme.mode, orig.mode);
      assert.equal(readme.mtime.getTime(), orig.mtime!.getTime());
      assert.equal(await text(cs, '/README.TXT'), 'ISO Workbench rr-joliet fixture\n');
      const root = (await cs.stat('/'))!;
      assert.equal(root.type, 'dir');
      assert.equal(root.path, '/');
      assert.equal(root.data, null);
      const link = (await cs.stat('/rel-link'))!;
      assert.equal(link.type, 'symlink');
      assert.equal(link.target, 'docs/hello world.txt');
      assert.equal(link.data, null);
      assert.equal((await cs.stat('/cdev'))!.rdev?.major, 1);
      assert.equal(await cs.stat('/no/such'), null);
      assert.equal(await cs.stat('/README.TXT/below'), null);
      assert.equal(cs.status('/README.TXT'), null);
      await rejectsWith(cs.readdir('/README.TXT'), 'not-a-directory');
      await rejectsWith(cs.readdir('/nope'), 'not-found');
      await rejectsWith(cs.stat('/a/../b'), 'invalid-argument', /"\.\."/);
    });

    it('adds a file: staged content, status, summary, listing', async () => {
      const c = content('new file\n');
      await cs.writeFile('/docs/new.txt', c);
      const n = (await cs.stat('/docs/new.txt'))!;
      assert.equal(n.status, 'added');
      assert.equal(n.base, null);
      assert.deepEqual(n.data, { kind: 'file', path: c.path, size: c.size });
      assert.equal(n.size, 9);
      assert.equal(n.mode, 0o100644);
      assert.equal(n.type, 'file');
      assert.equal(await text(cs, '/docs/new.txt'), 'new file\n');
      assert.equal(Buffer.from(await cs.read(n, 4, 3)).toString(), 'fil');
      assert.equal((await cs.read(n, 100, 3)).length, 0);
      assert.deepEqual(await names(cs, '/docs'), ['100% #hash.txt', 'hello world.txt', 'new.txt']);
      assert.equal(cs.status('/docs/new.txt'), 'added');
      assert.equal(cs.status('/docs/hello world.txt'), null);
      assert.deepEqual(cs.summary(), [{ path: '/docs/new.txt', kind: 'added', isDirectory: false }]);
      assert.deepEqual(cs.contentFiles(), [c.path]);
      assert.equal(cs.isEmpty, false);
      // Explicit mode and time.
      await cs.writeFile('/docs/exec.sh', content('#!/bin/sh\n'), { mode: 0o755, mtime: new Date(1_600_000_000_000) });
      const x = (await cs.stat('/docs/exec.sh'))!;
      assert.equal(x.mode, 0o100755);
      assert.equal(x.mtime.getTime(), 1_600_000_000_000);
    });

    it('replaces a file only with overwrite; the original stays the base', async () => {
      await rejectsWith(cs.writeFile('/README.TXT', content('x')), 'exists', /README\.TXT already exists.*overwrite/);
      assert.equal(cs.isEmpty, true);
      const c = content('replaced\n');
      await cs.writeFile('/README.TXT', c, { overwrite: true });
      const n = (await cs.stat('/README.TXT'))!;
      assert.equal(n.status, 'modified');
      assert.equal(n.base?.path, '/README.TXT');
      assert.equal(n.data?.kind, 'file');
      assert.equal(n.mode, (await img.lookup('/README.TXT')).mode, 'keeps the mode');
      assert.equal(await text(cs, '/README.TXT'), 'replaced\n');
      assert.equal(cs.status('/README.TXT'), 'modified');
      assert.deepEqual(cs.summary(), [{ path: '/README.TXT', kind: 'modified', isDirectory: false }]);
      // Replacing again drops the first content from contentFiles.
      const c2 = content('again\n');
      await cs.writeFile('/README.TXT', c2, { overwrite: true, create: false });
      assert.deepEqual(cs.contentFiles(), [c2.path]);
      // The original bytes are still readable through the base.
      assert.equal(Buffer.from(await img.read(n.base!, 0, 100)).toString(), 'ISO Workbench rr-joliet fixture\n');
    });

    it('refuses bad writes with the reason', async () => {
      await rejectsWith(cs.writeFile('/docs/missing.txt', content('x'), { create: false }), 'not-found', /\/docs\/missing\.txt does not exist/);
      await rejectsWith(cs.writeFile('/nodir/a.txt', content('x')), 'not-found', /\/nodir does not exist/);
      await rejectsWith(cs.writeFile('/README.TXT/a.txt', content('x')), 'not-a-directory', /README\.TXT is not a directory/);
      await rejectsWith(cs.writeFile('/docs', content('x'), { overwrite: true }), 'is-a-directory');
      await rejectsWith(cs.writeFile('/', content('x')), 'is-a-directory');
      await rejectsWith(cs.writeFile('/a.txt', { path: path.join(tmp, 'nope'), size: 1 }), 'invalid-argument', /does not exist/);
      await rejectsWith(cs.writeFile('/a.txt', { path: content('abc').path, size: 2 }), 'invalid-argument', /3 bytes, not 2/);
      await rejectsWith(cs.writeFile('/a\0b', content('x')), 'invalid-name', /NUL/);
      // Messages name the image.
      await rejectsWith(cs.writeFile('/nodir/a.txt', content('x')), 'not-found', new RegExp(path.basename(file).replace(/[.]/g, '\\.')));
      assert.equal(cs.isEmpty, true);
    });

    it('checks names against Rock Ridge; Joliet names are derived from them (any Rock Ridge name is accepted)', async () => {
      await rejectsWith(cs.writeFile(`/${'n'.repeat(256)}`, content('x')), 'invalid-name', /256 bytes.*255/);
      // Too long or forbidden for Joliet: fine, the writer derives a legal Joliet name (tested in test/e2e/repack.test.ts).
      await cs.writeFile(`/${'n'.repeat(104)}`, content('x'));
      await cs.writeFile(`/${'n'.repeat(255)}`, content('x'));
      for (const odd of ['a:b', 'a*b', 'a?b', 'a;b', 'a\\b', 'tab\there']) await cs.writeFile(`/${odd}`, content('x'));
      await cs.mkdir('/x:y');
      // Unicode and spaces are fine; a 4-byte character counts as two UCS-2 units.
      await cs.writeFile('/unicode/új ☃ 🙂.txt', content('u'));
      assert.equal(await text(cs, '/unicode/új ☃ 🙂.txt'), 'u');
      await rejectsWith(cs.writeFile(`/${'🙂'.repeat(64)}`, content('x')), 'invalid-name', /256 bytes.*255/);
      // Existing names longer than the rules (the image's own) can still be renamed within their folder's rules… and kept.
      const long = (await cs.readdir('/long')).find(n => n.name.startsWith('LLL'))!;
      await cs.rename(long.path, '/long-moved-file', {});
      assert.equal(await text(cs, '/long-moved-file'), 'long rr name\n');
    });

    it('makes directories', async () => {
      await cs.mkdir('/newdir');
      const d = (await cs.stat('/newdir'))!;
      assert.equal(d.type, 'dir');
      assert.equal(d.mode, 0o40755);
      assert.equal(d.status, 'added');
      assert.deepEqual(await cs.readdir('/newdir'), []);
      await cs.mkdir('/newdir/sub', { mode: 0o700 });
      assert.equal((await cs.stat('/newdir/sub'))!.mode, 0o40700);
      await cs.writeFile('/newdir/sub/f.txt', content('deep new'));
      assert.equal(await text(cs, '/newdir/sub/f.txt'), 'deep new');
      await rejectsWith(cs.mkdir('/newdir'), 'exists');
      await rejectsWith(cs.mkdir('/docs'), 'exists');
      await rejectsWith(cs.mkdir('/README.TXT/x'), 'not-a-directory');
      await rejectsWith(cs.mkdir('/a/b/c'), 'not-found');
      await rejectsWith(cs.mkdir('/'), 'exists');
      assert.deepEqual(cs.summary().map(s => [s.path, s.kind, s.isDirectory]), [
        ['/newdir', 'added', true], ['/newdir/sub', 'added', true], ['/newdir/sub/f.txt', 'added', false],
      ]);
      // Rock Ridge relocates deep directories: more than 8 levels is fine.
      let p = '/newdir';
      for (let i = 0; i < 12; i++) { p += `/l${i}`; await cs.mkdir(p); }
      assert.equal((await cs.stat(p))!.type, 'dir');
    });

    it('deletes files and (recursively) directories', async () => {
      await cs.delete('/data/seq.txt');
      assert.equal(await cs.stat('/data/seq.txt'), null);
      assert.ok(!(await names(cs, '/data')).includes('seq.txt'));
      assert.equal(cs.status('/data/seq.txt'), 'deleted');
      await rejectsWith(cs.delete('/data/seq.txt'), 'not-found');
      await rejectsWith(cs.delete('/docs'), 'not-empty', /\/docs is not empty.*recursive/);
      await cs.delete('/empty-dir');
      await cs.delete('/docs', { recursive: true });
      assert.equal(await cs.stat('/docs'), null);
      assert.equal(cs.status('/docs'), 'deleted');
      assert.equal(cs.status('/docs/hello world.txt'), 'deleted', 'below a deleted directory');
      await rejectsWith(cs.delete('/'), 'invalid-argument');
      await rejectsWith(cs.delete('/nope/x'), 'not-found');
      // Symlinks, devices and fifos are entries like any other.
      await cs.delete('/dir-link');
      await cs.delete('/cdev');
      await cs.delete('/fifo');
      assert.deepEqual(cs.summary(), [
        { path: '/cdev', kind: 'deleted', isDirectory: false },
        { path: '/data/seq.txt', kind: 'deleted', isDirectory: false },
        { path: '/dir-link', kind: 'deleted', isDirectory: false },
        { path: '/docs', kind: 'deleted', isDirectory: true },
        { path: '/empty-dir', kind: 'deleted', isDirectory: true },
        { path: '/fifo', kind: 'deleted', isDirectory: false },
      ]);
      // Deleting an added entry just forgets it.
      const fresh = new ChangeSet(img, file);
      await fresh.writeFile('/tmp.txt', content('t'));
      await fresh.delete('/tmp.txt');
      assert.equal(fresh.isEmpty, true);
      assert.equal(fresh.status('/tmp.txt'), null);
    });

    it('renames and moves, carrying a directory subtree without reading it', async () => {
      const seen = spyReaddir(img);
      await cs.mkdir('/moved');
      await cs.rename('/sub', '/moved/sub2');
      assert.ok(!seen.includes('/sub'), `the renamed directory itself was not listed (listed: ${seen.join(', ')})`);
      assert.ok(!seen.includes('/sub/inner'), 'nothing below it was read');
      assert.equal(await cs.stat('/sub'), null);
      const moved = (await cs.stat('/moved/sub2'))!;
      assert.equal(moved.status, 'modified');
      assert.equal(moved.base?.path, '/sub');
      assert.deepEqual(await names(cs, '/moved/sub2'), ['inner', 'linked-third.bin', 'up-link']);
      const inner = (await cs.stat('/moved/sub2/linked-third.bin'))!;
      assert.equal(inner.status, 'modified', 'moved with its folder');
      assert.equal(inner.base?.path, '/sub/linked-third.bin');
      assert.equal(inner.data?.kind, 'image');
      assert.equal(Buffer.from(await cs.read(inner, 0, 5000)).toString(), Buffer.from(await img.read(await img.lookup('/sub/linked-third.bin'), 0, 5000)).toString());
      assert.equal(cs.status('/moved/sub2'), 'modified');
      assert.equal(cs.status('/moved/sub2/inner/dir-up-link'), 'modified');
      assert.equal(cs.status('/sub'), 'deleted', 'the old path no longer exists');
      assert.deepEqual(cs.summary(), [
        { path: '/moved', kind: 'added', isDirectory: true },
        { path: '/moved/sub2', kind: 'renamed', from: '/sub', isDirectory: true },
      ]);
      // A file renamed in place, then changed inside the moved folder.
      await cs.rename('/README.TXT', '/README.md');
      assert.equal(await text(cs, '/README.md'), 'ISO Workbench rr-joliet fixture\n');
      await cs.writeFile('/moved/sub2/linked-third.bin', content('changed'), { overwrite: true });
      assert.deepEqual(cs.summary().filter(s => s.path !== '/moved'), [
        { path: '/README.md', kind: 'renamed', from: '/README.TXT', isDirectory: false },
        { path: '/moved/sub2', kind: 'renamed', from: '/sub', isDirectory: true },
        { path: '/moved/sub2/linked-third.bin', kind: 'modified', from: '/sub/linked-third.bin', isDirectory: false },
      ]);
    });

    it('refuses renames that would clobber or loop', async () => {
      await rejectsWith(cs.rename('/script.sh', '/secret.txt'), 'exists', /secret\.txt already exists/);
      await rejectsWith(cs.rename('/docs', '/docs/inside'), 'invalid-argument', /into itself/);
      await rejectsWith(cs.rename('/sub/inner', '/sub', { overwrite: true }), 'invalid-argument', /ancestor/);
      await rejectsWith(cs.rename('/nope', '/x'), 'not-found');
      await rejectsWith(cs.rename('/script.sh', '/nodir/x'), 'not-found');
      await rejectsWith(cs.rename('/', '/x'), 'invalid-argument');
      await rejectsWith(cs.rename('/script.sh', '/bad/name'), 'not-found', /\/bad does not exist/);
      assert.equal(cs.isEmpty, true);
      // With overwrite, the target is replaced (and reported as such, not as deleted).
      await cs.rename('/script.sh', '/secret.txt', { overwrite: true });
      assert.equal(await text(cs, '/secret.txt'), '#!/bin/sh\necho hi\n');
      assert.deepEqual(cs.summary(), [{ path: '/secret.txt', kind: 'renamed', from: '/script.sh', isDirectory: false }]);
      assert.equal(cs.status('/script.sh'), 'deleted');
      // Renaming onto itself, or back where it was, changes nothing.
      await cs.rename('/secret.txt', '/secret.txt');
      const c2 = new ChangeSet(img, file);
      await c2.rename('/docs', '/documents');
      await c2.rename('/documents', '/docs');
      assert.equal(c2.isEmpty, true);
    });

    it('copies files and directories as new entries', async () => {
      await cs.copy('/data', '/data-copy');
      const d = (await cs.stat('/data-copy'))!;
      assert.equal(d.status, 'added');
      assert.equal(d.base, null);
      assert.deepEqual(await names(cs, '/data-copy'), await names(cs, '/data'));
      const seqCopy = (await cs.stat('/data-copy/seq.txt'))!;
      assert.equal(seqCopy.status, 'added');
      assert.equal(seqCopy.base, null);
      assert.equal(seqCopy.data?.kind, 'image');
      assert.equal((seqCopy.data as { node: FileNode }).node.path, '/data/seq.txt');
      assert.equal(seqCopy.size, 1048583);
      assert.equal(cs.status('/data-copy/seq.txt'), 'added');
      // Changing the copy leaves the original alone.
      await cs.delete('/data-copy/seq.txt');
      assert.ok((await cs.stat('/data/seq.txt')));
      await cs.copy('/README.TXT', '/docs/readme-copy.txt');
      assert.equal(await text(cs, '/docs/readme-copy.txt'), 'ISO Workbench rr-joliet fixture\n');
      // A staged file copied shares its content file.
      const c = content('staged');
      await cs.writeFile('/s.txt', c);
      await cs.copy('/s.txt', '/s2.txt');
      assert.equal(await text(cs, '/s2.txt'), 'staged');
      assert.deepEqual(cs.contentFiles(), [c.path]);
      await rejectsWith(cs.copy('/s.txt', '/s2.txt'), 'exists');
      await cs.copy('/README.TXT', '/s2.txt', { overwrite: true });
      assert.equal(await text(cs, '/s2.txt'), 'ISO Workbench rr-joliet fixture\n');
      await rejectsWith(cs.copy('/docs', '/docs/again'), 'invalid-argument', /into itself/);
      await rejectsWith(cs.copy('/s.txt', '/s.txt'), 'exists');
      await rejectsWith(cs.copy('/nope', '/x'), 'not-found');
      // A copy into a new folder is listed; what a copied folder brought along is not.
      await cs.mkdir('/nd');
      await cs.copy('/README.TXT', '/nd/r');
      await cs.copy('/README.TXT', '/data-copy/r');
      assert.deepEqual(cs.summary().map(s => `${s.kind} ${s.path}`), [
        'added /data-copy', 'added /data-copy/r', 'added /docs/readme-copy.txt', 'added /nd', 'added /nd/r', 'added /s.txt', 'added /s2.txt',
      ]);
    });

    it('changes permissions, owners and times', async () => {
      await cs.setAttributes('/secret.txt', { mode: 0o640, uid: 5, gid: 6 });
      const n = (await cs.stat('/secret.txt'))!;
      assert.equal(n.mode, 0o100640, 'type bits kept');
      assert.equal(n.uid, 5);
      assert.equal(n.gid, 6);
      assert.equal(n.status, 'modified');
      assert.equal(n.data?.kind, 'image', 'content unchanged');
      await cs.setAttributes('/sticky', { mode: 0o41777 });
      assert.equal((await cs.stat('/sticky'))!.mode, 0o41777);
      const when = new Date('2020-02-02T02:02:02Z');
      await cs.setAttributes('/rel-link', { mtime: when });
      assert.equal((await cs.stat('/rel-link'))!.mtime.getTime(), when.getTime());
      await cs.setAttributes('/', { mode: 0o700 });
      assert.equal((await cs.stat('/'))!.mode, 0o40700);
      assert.equal(cs.status('/'), 'modified');
      await rejectsWith(cs.setAttributes('/nope', { mode: 0o600 }), 'not-found');
      await rejectsWith(cs.setAttributes('/secret.txt', { uid: -1 }), 'invalid-argument');
      assert.deepEqual(cs.summary().map(s => `${s.kind} ${s.path}`), ['modified /', 'modified /rel-link', 'modified /secret.txt', 'modified /sticky']);
    });

    it('resolves symbolic links in the edited tree', async () => {
      assert.equal((await cs.resolve('/rel-link'))!.path, '/docs/hello world.txt');
      assert.equal((await cs.resolve('/rel-link', false))!.type, 'symlink');
      assert.equal((await cs.resolve('/dir-link/hello world.txt'))!.path, '/docs/hello world.txt');
      assert.equal((await cs.resolve('/sub/up-link'))!.path, '/README.TXT');
      assert.equal(await cs.resolve('/dangling-link'), null);
      await cs.writeFile('/docs/hello world.txt', content('edited'), { overwrite: true });
      assert.equal(Buffer.from(await cs.read((await cs.resolve('/rel-link'))!, 0, 10)).toString(), 'edited');
    });

    it('stages symbolic links, FIFOs, sockets and device nodes (never resolved or read)', async () => {
      const when = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
      await cs.symlink('/docs/to-secret', '/etc/shadow', { mtime: when });
      await cs.symlink('/docs/rel', '../README.TXT');
      await cs.mknod('/docs/pipe', 'fifo', { mode: 0o4755, mtime: when });
      await cs.mknod('/docs/sock', 'socket');
      await cs.mknod('/docs/zero', 'char', { rdev: { major: 1, minor: 5 }, mode: 0o666 });
      await cs.mknod('/docs/big', 'block', { rdev: { major: 0x12345, minor: 0xfffff } });
      const link = (await cs.stat('/docs/to-secret'))!;
      assert.deepEqual([link.type, link.mode, link.target, link.data, link.size, link.status, link.mtime.getTime()], ['symlink', 0o120777, '/etc/shadow', null, 0, 'added', when.getTime()]);
      const pipe = (await cs.stat('/docs/pipe'))!;
      assert.deepEqual([pipe.type, pipe.mode, pipe.target, pipe.rdev, pipe.data], ['fifo', 0o014755, undefined, undefined, null]);
      assert.deepEqual([(await cs.stat('/docs/sock'))!.type, (await cs.stat('/docs/sock'))!.mode], ['socket', 0o140644]);
      assert.deepEqual((await cs.stat('/docs/zero'))!.rdev, { major: 1, minor: 5 });
      assert.equal((await cs.stat('/docs/zero'))!.mode, 0o020666);
      assert.deepEqual((await cs.stat('/docs/big'))!.rdev, { major: 0x12345, minor: 0xfffff });
      assert.deepEqual(await names(cs, '/docs'), ['100% #hash.txt', 'big', 'hello world.txt', 'pipe', 'rel', 'sock', 'to-secret', 'zero']);
      // The overlay resolves a staged link inside the image (the image is the root), never on the host.
      assert.equal((await cs.resolve('/docs/rel'))!.path, '/README.TXT');
      assert.equal(await cs.resolve('/docs/to-secret'), null);
      assert.equal((await cs.resolve('/docs/to-secret', false))!.type, 'symlink');
      assert.deepEqual(cs.summary().map(c => `${c.kind} ${c.path}`), ['added /docs/big', 'added /docs/pipe', 'added /docs/rel', 'added /docs/sock', 'added /docs/to-secret', 'added /docs/zero']);
      assert.deepEqual(cs.contentFiles(), []);
      // Replacing needs overwrite, and never a directory; a file can replace a link and back.
      await rejectsWith(cs.symlink('/docs/rel', 'x'), 'exists', /needs overwrite/);
      await rejectsWith(cs.mknod('/docs', 'fifo', { overwrite: true }), 'is-a-directory');
      await cs.symlink('/README.TXT', 'docs/hello world.txt', { overwrite: true });
      assert.equal((await cs.stat('/README.TXT'))!.type, 'symlink');
      assert.equal((await cs.stat('/README.TXT'))!.data, null);
      assert.equal(cs.status('/README.TXT'), 'modified');
      await cs.writeFile('/README.TXT', content('a file again'), { overwrite: true });
      assert.equal((await cs.stat('/README.TXT'))!.target, undefined);
      await cs.mknod('/cdev', 'fifo', { overwrite: true });
      assert.equal((await cs.stat('/cdev'))!.rdev, undefined, 'a FIFO has no device number');
      // Refusals, with the reason.
      await rejectsWith(cs.symlink('/l1', ''), 'invalid-argument', /needs a target/);
      await rejectsWith(cs.symlink('/l2', 'a\0b'), 'invalid-argument', /NUL/);
      await rejectsWith(cs.symlink('/l3', 'x/'.repeat(2048)), 'invalid-argument', /4096 bytes; targets are limited to 4095/);
      await rejectsWith(cs.mknod('/d1', 'char'), 'invalid-argument', /device number/);
      await rejectsWith(cs.mknod('/d2', 'block', { rdev: { major: -1, minor: 0 } }), 'invalid-argument', /device number/);
      await rejectsWith(cs.mknod('/d3', 'fifo', { rdev: { major: 1, minor: 1 } }), 'invalid-argument', /only a device node/);
      await rejectsWith(cs.mknod('/d4', 'file' as 'fifo'), 'invalid-argument', /bad special file type/);
      await rejectsWith(cs.mknod('/d5', 'fifo', { mode: 0o10000 }), 'invalid-argument', /bad mode/);
      await rejectsWith(cs.symlink(`/${'n'.repeat(256)}`, 'x'), 'invalid-name', /256 bytes/);
      await rejectsWith(cs.symlink('/no/such/l', 'x'), 'not-found');
      // Revert, and a replay of everything.
      await cs.revert('/docs/sock');
      assert.equal(await cs.stat('/docs/sock'), null);
      const json = JSON.parse(JSON.stringify(cs.toJSON()));
      const again = await ChangeSet.fromJSON(img, file, json);
      assert.deepEqual(await dump(again), await dump(cs));
      assert.deepEqual(again.summary(), cs.summary());
      assert.equal((await again.stat('/docs/to-secret'))!.target, '/etc/shadow');
      assert.deepEqual((await again.stat('/docs/big'))!.rdev, { major: 0x12345, minor: 0xfffff });
      // A saved link the rules refuse is refused on replay too.
      const bad = JSON.parse(JSON.stringify(json).replace('"/etc/shadow"', '"a\\u0000b"'));
      await rejectsWith(ChangeSet.fromJSON(img, file, bad), 'invalid-argument', /NUL/);
    });

    it('reverts single changes (Discard for one entry)', async () => {
      const before = await dump(cs);
      await cs.writeFile('/README.TXT', content('replaced'), { overwrite: true });
      await cs.setAttributes('/secret.txt', { mode: 0o644, uid: 1 });
      await cs.writeFile('/docs/new.txt', content('new'));
      await cs.mkdir('/nd');
      await cs.writeFile('/nd/f', content('f'));
      await cs.delete('/data/seq.txt');
      await cs.delete('/sub', { recursive: true });
      await cs.rename('/unicode', '/docs/unicode-moved');
      await cs.writeFile('/docs/unicode-moved/🙂 smile.txt', content('changed smile'), { overwrite: true });
      await cs.delete('/script.sh');
      await cs.writeFile('/script.sh', content('#!/bin/sh\necho replaced\n'));
      assert.deepEqual(cs.summary().map(c => `${c.kind} ${c.path}`), [
        'modified /README.TXT', 'deleted /data/seq.txt', 'added /docs/new.txt', 'renamed /docs/unicode-moved',
        'modified /docs/unicode-moved/🙂 smile.txt', 'added /nd', 'added /nd/f', 'modified /script.sh', 'modified /secret.txt', 'deleted /sub',
      ]);
      assert.equal(cs.status('/script.sh'), 'modified', 'a new file where a deleted one was replaces it');
      await rejectsWith(cs.revert('/nothing/here'), 'not-found', /no staged change/);
      for (const c of cs.summary().reverse()) await cs.revert(c.path);
      assert.deepEqual(cs.summary(), []);
      assert.equal(cs.isEmpty, true);
      assert.deepEqual(await dump(cs), before);
      assert.equal(await text(cs, '/script.sh'), '#!/bin/sh\necho hi\n');
      // A deleted entry cannot come back where something new now is, or under a deleted folder.
      await cs.delete('/docs', { recursive: true });
      await rejectsWith(cs.revert('/docs/hello world.txt'), 'not-found', /\/docs no longer exists/);
      await cs.revert('/docs');
      assert.equal(await text(cs, '/docs/hello world.txt'), 'hello\n');
      await cs.rename('/README.TXT', '/R2');
      await cs.writeFile('/README.TXT', content('other'));
      await rejectsWith(cs.revert('/R2'), 'exists', /README\.TXT is there now/);
    });

    it('saves and replays: the same tree, status and summary', async () => {
      await cs.mkdir('/moved');
      await cs.rename('/sub', '/moved/sub2');
      await cs.writeFile('/moved/sub2/new.txt', content('in moved'));
      await cs.delete('/moved/sub2/up-link');
      await cs.writeFile('/README.TXT', content('replaced'), { overwrite: true });
      await cs.delete('/docs', { recursive: true });
      await cs.copy('/data', '/data2');
      await cs.delete('/data2/empty.bin');
      await cs.writeFile('/data2/added.bin', content('added in copy'));
      await cs.copy('/unicode', '/unicode2');
      await cs.setAttributes('/secret.txt', { mode: 0o644 });
      await cs.setAttributes('/', { uid: 7 });
      await cs.rename('/script.sh', '/secret2.txt');
      await cs.mkdir('/new/'.slice(0, 4));
      await cs.mkdir('/new/deeper');
      await cs.writeFile('/new/deeper/f', content('f'));
      const json = JSON.parse(JSON.stringify(cs.toJSON()));
      assert.equal(json.version, 1);
      assert.equal(json.namespace, 'rr');
      assert.deepEqual(json.image, { path: file, size: img.size, mtimeMs: fs.statSync(file).mtimeMs });
      const again = await ChangeSet.fromJSON(img, file, json);
      assert.deepEqual(await dump(again), await dump(cs));
      assert.deepEqual(again.summary(), cs.summary());
      assert.deepEqual(again.contentFiles().sort(), cs.contentFiles().sort());
      for (const p of ['/sub', '/docs/hello world.txt', '/moved/sub2', '/moved/sub2/new.txt', '/README.TXT', '/data2/seq.txt', '/', '/secret.txt']) {
        assert.equal(again.status(p), cs.status(p), p);
      }
      assert.equal(await text(again, '/moved/sub2/new.txt'), 'in moved');
      assert.deepEqual(JSON.parse(JSON.stringify(again.toJSON())), json, 'a replayed change set saves the same');
      // An empty change set saves no operations.
      assert.deepEqual(new ChangeSet(img, file).toJSON().ops, []);
    });

    it('refuses to replay onto a changed image or without its content files', async () => {
      const c = content('will vanish');
      await cs.writeFile('/v.txt', c);
      const json = JSON.parse(JSON.stringify(cs.toJSON()));
      await rejectsWith(ChangeSet.fromJSON(img, file, { ...json, image: { ...json.image, mtimeMs: json.image.mtimeMs + 1000 } }), 'invalid-argument', /image changed since these changes were staged/);
      await rejectsWith(ChangeSet.fromJSON(img, file, { ...json, image: { ...json.image, size: json.image.size + 2048 } }), 'invalid-argument', /image changed/);
      await rejectsWith(ChangeSet.fromJSON(img, file, { ...json, namespace: 'joliet' }), 'invalid-argument', /joliet tree/);
      await rejectsWith(ChangeSet.fromJSON(img, file, { ...json, version: 2 }), 'invalid-argument');
      await rejectsWith(ChangeSet.fromJSON(img, file, { ...json, ops: [{ op: 'explode' }] }), 'invalid-argument', /unknown operation/);
      fs.rmSync(c.path);
      await rejectsWith(ChangeSet.fromJSON(img, file, json), 'not-found', /staged content of \/v\.txt .* is missing/);
      // An entry the image no longer has.
      const ghost = { ...json, ops: [{ op: 'dir', path: '/', removed: [], entries: [{ name: 'x', base: '/not/there', origin: '/not/there', type: 'file', mode: 0o100644, uid: 0, gid: 0, nlink: 1, mtime: 0, atime: null, ctime: null, hidden: false, content: null, changed: false }] }] };
      await rejectsWith(ChangeSet.fromJSON(img, file, ghost), 'not-found', /\/not\/there/);
    });
  });

  describe('Joliet only (joliet-only)', () => {
    let file: string;
    let img: DiscImage;
    let cs: ChangeSet;
    before(async () => { file = await fixture('joliet-only'); img = await DiscImage.openFile(file); });
    after(() => img.close());
    beforeEach(() => { cs = new ChangeSet(img, file); });

    it('edits the Joliet tree with Joliet rules, case-sensitive', async () => {
      assert.equal(img.namespace, 'joliet');
      await cs.writeFile('/Mixed Case Dir/New File.txt', content('n'));
      assert.equal(await cs.stat('/mixed case dir/New File.txt'), null, 'names compare exactly');
      assert.equal(await text(cs, '/Mixed Case Dir/New File.txt'), 'n');
      assert.equal((await cs.stat('/Mixed Case Dir/New File.txt'))!.mode, 0o100555, 'no Rock Ridge: r-xr-xr-x like the reader shows');
      await rejectsWith(cs.writeFile('/a:b.txt', content('x')), 'invalid-name', /Joliet names cannot contain ":"/);
      await rejectsWith(cs.writeFile(`/${'j'.repeat(104)}`, content('x')), 'invalid-name', /103/);
      await rejectsWith(cs.setAttributes('/data file.bin', { mode: 0o600 }), 'invalid-argument', /only with Rock Ridge/);
      await cs.setAttributes('/data file.bin', { mtime: new Date(0) });
    });

    it('refuses symbolic links and special files: only Rock Ridge records them', async () => {
      await rejectsWith(cs.symlink('/l', 'Mixed Case Dir'), 'unsupported', /\/l: symbolic links can be recorded only with Rock Ridge, which this image does not have \(its Joliet tree/);
      await rejectsWith(cs.mknod('/f', 'fifo'), 'unsupported', /FIFOs can be recorded only with Rock Ridge/);
      await rejectsWith(cs.mknod('/z', 'char', { rdev: { major: 1, minor: 5 } }), 'unsupported', /device nodes/);
      assert.equal(cs.isEmpty, true);
    });

    it('keeps directories within 8 levels (nothing can relocate them)', async () => {
      let p = '/Mixed Case Dir/Sub Dir';
      for (let i = 3; i <= 7; i++) { p += `/d${i}`; await cs.mkdir(p); }
      await rejectsWith(cs.mkdir(`${p}/d8`), 'invalid-name', /at most 8 levels/);
      await cs.writeFile(`${p}/file-at-level-8.txt`, content('ok'));
      // Moving a subtree under it would make it too deep, too.
      await rejectsWith(cs.rename('/Mixed Case Dir/Sub Dir/d3', '/Mixed Case Dir/Sub Dir/d3/d4/d5/d6/d7/x'), 'invalid-argument');
      await cs.mkdir('/top');
      await rejectsWith(cs.rename('/Mixed Case Dir', '/top/m'), 'invalid-name', /at most 8 levels/);
    });
  });

  describe('plain ISO 9660 level 1 (iso-level1)', () => {
    let file: string;
    let img: DiscImage;
    let cs: ChangeSet;
    before(async () => { file = await fixture('iso-level1'); img = await DiscImage.openFile(file); });
    after(() => img.close());
    beforeEach(() => { cs = new ChangeSet(img, file); });

    it('compares names upper case and asks for legal level-1 names', async () => {
      assert.equal(img.namespace, 'iso9660');
      assert.equal((await cs.stat('/readme.txt'))!.name, 'README.TXT');
      await rejectsWith(cs.writeFile('/readme.txt', content('x')), 'exists');
      await cs.writeFile('/readme.txt', content('new level one\n'), { overwrite: true });
      assert.deepEqual((await names(cs, '/')).filter(n => /readme/i.test(n)), ['README.TXT']);
      assert.equal(await text(cs, '/README.TXT'), 'new level one\n');
      await rejectsWith(cs.writeFile('/new.txt', content('x')), 'invalid-name', /upper case.*"NEW\.TXT".*neither Rock Ridge nor Joliet/);
      await rejectsWith(cs.writeFile('/TOOLONGNAME.TXT', content('x')), 'invalid-name', /8\.3/);
      await rejectsWith(cs.writeFile('/NAME.TEXT', content('x')), 'invalid-name', /8\.3/);
      await rejectsWith(cs.writeFile('/A.B.C', content('x')), 'invalid-name', /one dot/);
      await rejectsWith(cs.writeFile('/WITH SPACE', content('x')), 'invalid-name', /A–Z, 0–9, _/);
      await rejectsWith(cs.mkdir('/DIR.EXT'), 'invalid-name', /no dot/);
      await rejectsWith(cs.mkdir('/NINECHARS'), 'invalid-name', /8 characters/);
      await cs.writeFile('/NEW_1.TXT', content('ok'));
      await cs.writeFile('/NOEXT2', content('ok'));
      await cs.mkdir('/NEWDIR_8');
      await rejectsWith(cs.rename('/NOEXT', '/noext_lower'), 'invalid-name');
      await cs.rename('/NOEXT', '/NOEXT.TXT');
      assert.deepEqual(cs.summary().map(s => `${s.kind} ${s.path}`), ['added /NEWDIR_8', 'added /NEW_1.TXT', 'renamed /NOEXT.TXT', 'added /NOEXT2', 'modified /README.TXT']);
    });

    it('limits depth to 8 levels and paths to 255 bytes', async () => {
      // DOCS/SUB/DEEPER exists (4 levels with the root).
      await cs.mkdir('/DOCS/SUB/DEEPER/L5');
      await cs.mkdir('/DOCS/SUB/DEEPER/L5/L6');
      await cs.mkdir('/DOCS/SUB/DEEPER/L5/L6/L7');
      await cs.mkdir('/DOCS/SUB/DEEPER/L5/L6/L7/L8');
      await rejectsWith(cs.mkdir('/DOCS/SUB/DEEPER/L5/L6/L7/L8/L9'), 'invalid-name', /at most 8 levels/);
      await rejectsWith(cs.rename('/BIN', '/DOCS/SUB/DEEPER/L5/L6/L7/L8/BIN'), 'invalid-name', /at most 8 levels/);
      await cs.rename('/BIN', '/DOCS/SUB/DEEPER/L5/L6/L7/BIN');
      await cs.copy('/DOCS', '/DOCS2');
      await cs.mkdir('/NEWD');
      await rejectsWith(cs.copy('/DOCS', '/NEWD/DOCS3'), 'invalid-name', /at most 8 levels/);
      // Paths: 8 levels of 8-character names and a 12-character file name stay under 255 bytes;
      // level 2+ names could exceed it (checked with the same rule: test/engine/iso9660/names.test.ts).
    });

    it('saves and replays', async () => {
      await cs.writeFile('/README.TXT', content('r'), { overwrite: true });
      await cs.rename('/DOCS', '/MANUALS');
      await cs.delete('/NOEXT');
      const again = await ChangeSet.fromJSON(img, file, JSON.parse(JSON.stringify(cs.toJSON())));
      assert.deepEqual(await dump(again), await dump(cs));
      assert.deepEqual(again.summary(), cs.summary());
    });
  });

  describe('Rock Ridge with relocated directories (rr-deep)', () => {
    it('edits below the relocation, moves deep directories and replays', async () => {
      const file = await fixture('rr-deep');
      const img = await DiscImage.openFile(file);
      try {
        const cs = new ChangeSet(img, file);
        const deep = '/deep/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/level12';
        assert.equal(await text(cs, `${deep}/bottom.txt`), 'bottom\n');
        await cs.writeFile(`${deep}/new.txt`, content('deeper'));
        await cs.mkdir(`${deep}/level13`);
        await cs.rename('/deep/level1/level2/level3/level4/level5/level6/level7/level8', '/top8');
        assert.equal(await text(cs, '/top8/level9/level10/level11/level12/bottom.txt'), 'bottom\n');
        assert.equal(await text(cs, '/top8/level9/level10/level11/level12/new.txt'), 'deeper');
        assert.deepEqual(await names(cs, '/deep/level1/level2/level3/level4/level5/level6/level7'), ['mid.txt']);
        assert.ok(!(await names(cs, '/')).includes('rr_moved'), 'the relocation directory stays hidden');
        const again = await ChangeSet.fromJSON(img, file, JSON.parse(JSON.stringify(cs.toJSON())));
        assert.deepEqual(await dump(again), await dump(cs));
      } finally {
        await img.close();
      }
    });
  });

  describe('the GRUB rescue image', () => {
    it('stages a grub.cfg replacement, a move and a new folder; the rest reads as the image', async () => {
      const file = await realImage('grub-rescue-cdrom.iso');
      const img = await DiscImage.openFile(file);
      try {
        const cs = new ChangeSet(img, file);
        const cfg = (await cs.stat('/boot/grub/grub.cfg'))!;
        const orig = Buffer.from(await cs.read(cfg, 0, cfg.size)).toString();
        await cs.writeFile('/boot/grub/grub.cfg', content(orig + '\n# staged\n'), { overwrite: true });
        await cs.rename('/boot/grub/fonts', '/boot/fonts');
        await cs.mkdir('/extra');
        await cs.writeFile('/extra/notes.txt', content('notes'));
        assert.equal(await text(cs, '/boot/grub/grub.cfg'), orig + '\n# staged\n');
        const eltorito = (await cs.stat('/boot/grub/i386-pc/eltorito.img'))!;
        assert.equal(eltorito.status, 'unchanged');
        assert.equal(eltorito.base?.extents[0].lba, (await img.lookup('/boot/grub/i386-pc/eltorito.img')).extents[0].lba);
        assert.deepEqual(cs.summary(), [
          { path: '/boot/fonts', kind: 'renamed', from: '/boot/grub/fonts', isDirectory: true },
          { path: '/boot/grub/grub.cfg', kind: 'modified', isDirectory: false },
          { path: '/extra', kind: 'added', isDirectory: true },
          { path: '/extra/notes.txt', kind: 'added', isDirectory: false },
        ]);
        const again = await ChangeSet.fromJSON(img, file, JSON.parse(JSON.stringify(cs.toJSON())));
        assert.deepEqual(await dump(again), await dump(cs));
      } finally {
        await img.close();
      }
    });
  });
});
