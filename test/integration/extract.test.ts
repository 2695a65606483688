// Extract… in a real VS Code on the hostile extract-failures fixture (test/fixtures/gen/
// extract-failures.sh): entries no extractor can create (a device mknod refuses, a NUL in a link
// target, 300-byte names, a path over PATH_MAX) are warnings in the log and counted in the result;
// the command does not stop half-way: everything else is extracted and directory modes and times
// are applied at the end (test/e2e/extract.test.ts checks the same tree through the CLI in full).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExtractResult } from '../../src/engine/extract';
import { fixture } from '../fixtures/build';
import { api, tempDir } from './host';
import { mountFuse, type FuseMount } from '../util/fuseMount';

describe('Extract… goes on past entries it cannot create', function () {
  this.timeout(5 * 60_000);
  let tmp: string;
  before(() => { tmp = tempDir('extract-failures'); });
  after(() => {
    try { fs.chmodSync(path.join(tmp, 'out', 'ro'), 0o755); } catch { /* not extracted */ }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('warns for each bad entry, extracts the rest and applies directory attributes', async () => {
    const a = await api();
    const image = vscode.Uri.file(await fixture('extract-failures'));
    const dest = path.join(tmp, 'out');
    const r = await vscode.commands.executeCommand<ExtractResult>('isoWorkbench.extract', image, undefined, { dest, quiet: true });
    assert.ok(r, 'the command returned its result (it did not fail)');
    const named = (p: string) => r.warnings.some((w) => w.startsWith(`${p}: `));
    for (const p of ['/dev/big', '/links/nul-link', `/names/${'n'.repeat(300)}`, `/names/${'d'.repeat(300)}`]) assert.ok(named(p), `a warning for ${p.slice(0, 40)}: ${r.warnings.map((w) => w.slice(0, 120)).join('\n')}`);
    assert.ok(r.warnings.some((w) => w.startsWith('/deep/') && /ENAMETOOLONG/.test(w)), 'a warning for the path over PATH_MAX');
    // /dev/big, /links/nul-link and the deep directories over PATH_MAX with their contents (at
    // least the last two levels); the 300-byte names are extracted under shorter ones, listed.
    assert.ok(r.failed >= 5, `failed: ${r.failed}`);
    assert.deepEqual(r.renamed.map((x) => x.path).sort(), [`/names/${'d'.repeat(300)}`, `/names/${'n'.repeat(300)}`]);
    assert.equal(r.renameList, path.join(dest, '.isowb-renames.txt'));
    const longFile = r.renamed.find((x) => x.path.includes('nnn'))!;
    assert.match(longFile.as, /^names\/n{246}~[0-9a-f]{8}$/);
    assert.ok(fs.statSync(path.join(dest, longFile.as)).isFile());
    // Entries after each bad one are there, with content, mode and times.
    assert.equal(fs.readFileSync(path.join(dest, 'zz-last.txt'), 'utf8'), 'last\n');
    assert.equal(fs.readFileSync(path.join(dest, 'names', 'after.txt'), 'utf8'), 'after\n');
    assert.equal(fs.readlinkSync(path.join(dest, 'links', 'good')), '../README.txt');
    assert.ok(fs.lstatSync(path.join(dest, 'dev', 'fifo-suid')).isFIFO());
    for (const dir of ['/ro', '/names', '/links']) {
      const st = fs.statSync(path.join(dest, dir));
      const theirs = await vscode.workspace.fs.stat(a.uriOf(image, dir));
      assert.equal(Math.floor(st.mtimeMs / 1000), Math.floor(theirs.mtime / 1000), `mtime of ${dir}`);
    }
    assert.equal(fs.statSync(path.join(dest, 'ro')).mode & 0o777, 0o555);
    assert.equal(fs.readFileSync(path.join(dest, 'ro', 'file.txt'), 'utf8'), 'read-only dir\n');
  });
});

describe('Extract… onto a case-insensitive disk with Windows name rules (NTFS through FUSE)', function () {
  this.timeout(5 * 60_000);
  let tmp = '';
  let m: FuseMount | string = '';
  before(() => { tmp = tempDir('extract-ntfs'); m = mountFuse('ntfs', tmp); });
  after(() => { if (typeof m !== 'string') m.unmount(); fs.rmSync(tmp, { recursive: true, force: true }); });

  it('every file of the host-names fixture there, the renamed ones listed, and the result says so', async function () {
    if (typeof m === 'string') { console.log(`      (skipped: ${m})`); this.skip(); }
    const image = vscode.Uri.file(await fixture('host-names'));
    const dest = path.join(m.dir, 'out');
    const r = await vscode.commands.executeCommand<ExtractResult>('isoWorkbench.extract', image, undefined, { dest, quiet: true });
    assert.ok(r, 'the command returned its result');
    assert.equal(r.hostProfile, 'case-insensitive, Windows names');
    assert.equal(r.files, 30);
    assert.equal(r.failed, 0, r.warnings.join('\n'));
    assert.equal(r.renamed.length, 21);
    for (const x of r.renamed) {
      assert.notEqual('/' + x.as, x.path);
      if (fs.statSync(path.join(dest, x.as)).isFile()) assert.equal(fs.readFileSync(path.join(dest, x.as), 'utf8'), `content of ${x.path.slice(1)}\n`, `${x.path} → ${x.as}`);
    }
    assert.equal(fs.readFileSync(path.join(dest, 'readme~3'), 'utf8'), 'content of readme\n');
    assert.equal(fs.readFileSync(path.join(dest, 'README'), 'utf8'), 'content of README\n');
    assert.ok(fs.readFileSync(path.join(dest, '.isowb-renames.txt'), 'utf8').includes('/a:b\ta%3Ab\t'));
  });
});
