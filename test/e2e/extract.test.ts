// `isowb extract` never stops half-way (issue 10). The hostile fixture extract-failures
// (test/fixtures/gen/extract-failures.sh) holds entries no extractor can create on Linux — a
// character device with major 0x12345, a FIFO with mode 04755, a symlink whose target holds a NUL,
// names of 300 bytes, a path of 4436 bytes — among ordinary entries. Each bad entry must be one
// warning naming it (with the system error code); the names over NAME_MAX are extracted under
// shorter names (issue 18), each a warning and a line of the rename list; every other entry must be extracted with its
// content (cross-checked with bsdtar's extraction), mode and modification time, directory modes and
// times must be applied at the end, and the run must exit 1 with a summary on stderr. The safety
// rules (docs/architecture.md, "Extraction safety") must hold all the same.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fixture } from '../fixtures/build';
import { bsdtarExtract } from '../peers/bsdtar';
import { CLI, isowb, ourLs, readRenameList, renamedPath, rmrf, sha256File, sha256Of, tmpDir, walkTree, type OurEntry } from './helpers';

const PATH_MAX = 4096;
const NAME_MAX = 255;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const LONG_F = `/names/${'n'.repeat(300)}`;
const LONG_D = `/names/${'d'.repeat(300)}`;

/** Warning lines of a run ("isowb: warning: …"). */
const warnings = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('isowb: warning: ')).map((l) => l.slice('isowb: warning: '.length));
const ancestorsAndSelf = (p: string): string[] => p.split('/').slice(1).map((_, i, a) => '/' + a.slice(0, i + 1).join('/'));

describe('isowb extract goes on past entries it cannot create', function () {
  this.timeout(5 * 60_000);
  let img = '';
  let entries: OurEntry[] = [];
  let base = '';
  let theirs = '';
  before(async function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
    img = await fixture('extract-failures');
    entries = await ourLs(img);
    base = tmpDir('extract');
    // bsdtar's extraction, for the contents (its folder's path is shorter than ours, so every file
    // we can extract is within PATH_MAX there too). It cannot create /dev/big or the long names.
    theirs = path.join(base, 'b');
    fs.mkdirSync(theirs);
    await bsdtarExtract(img, theirs);
  });
  // bsdtar's tree holds paths over PATH_MAX, which fs.rmSync cannot remove; rm -rf can (openat).
  after(() => { if (base) execFileSync('rm', ['-rf', base]); });

  /**
   * What must not exist after extracting into `out`: the entries the host cannot hold (a name
   * over NAME_MAX, a path over PATH_MAX, /dev/big's device number, a NUL in /links/nul-link's
   * target; devices at all unless root), and everything inside a directory that cannot be made.
   */
  const impossible = (out: string): Set<string> => {
    const bad = new Set<string>(['/dev/big', '/links/nul-link']);
    const renames = readRenameList(out);
    for (const e of entries) {
      const host = out + renamedPath(e.path, renames);
      if (Buffer.byteLength(host) >= PATH_MAX || host.split('/').some((c) => Buffer.byteLength(c) > NAME_MAX)) bad.add(e.path);
      if (!isRoot && (e.type === 'char' || e.type === 'block')) bad.add(e.path);
    }
    for (const e of entries) if (ancestorsAndSelf(e.path).some((a) => bad.has(a))) bad.add(e.path);
    return bad;
  };

  /**
   * Every entry of `expected` not in `missing` is there with its type, content, mode and mtime; the
   * others are absent. Folders above the selected entries (made on the way) may be there too.
   */
  const checkTree = async (out: string, expected: OurEntry[], missing: Set<string>): Promise<void> => {
    const ours = await walkTree(out);
    const renames = readRenameList(out);
    const host = (p: string) => renamedPath(p, renames);
    const above = new Set(expected.flatMap((e) => ancestorsAndSelf(host(e.path)).slice(0, -1)));
    const got = [...ours.keys()].filter((p) => p !== '/.isowb-renames.txt' && !(above.has(p) && !expected.some((e) => host(e.path) === p))).sort();
    const want = expected.filter((e) => !missing.has(e.path)).map((e) => host(e.path)).sort();
    assert.deepEqual(got, want, 'extracted tree');
    for (const e of expected) {
      if (missing.has(e.path)) continue;
      const n = ours.get(host(e.path))!;
      const p = e.path.slice(0, 80);
      assert.equal(n.type, e.type, `type of ${p}`);
      assert.equal((n.perm & 0o7777).toString(8), (e.mode & 0o7777).toString(8), `mode of ${p}`);
      assert.equal(n.mtimeSec, Date.parse(e.mtime) / 1000, `mtime of ${p}`);
      // bsdtar cannot write the names over NAME_MAX: their content comes from `isowb cat`.
      const overLong = e.path.split('/').some((c) => Buffer.byteLength(c) > NAME_MAX);
      if (e.type === 'file') assert.equal(n.sha256, overLong ? (await sha256Of(process.execPath, [CLI, 'cat', img, e.path])).hash : await sha256File(path.join(theirs, e.path)), `content of ${p}`);
      if (e.type === 'symlink') assert.equal(n.target, e.target, `target of ${p}`);
    }
  };

  it('the whole image: one warning per bad entry, everything else extracted with its attributes, exit 1 with a summary', async function () {
    const out = path.join(base, 'whole');
    const r = await isowb(['extract', img, '-o', out]);
    assert.equal(r.code, 1, r.stderr.slice(0, 3000));
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace');
    const missing = impossible(out);
    await checkTree(out, entries, missing);
    // The checks above include the read-only directories deep in the tree (/deep/d01…/…/d12…
    // and /ro, both 0555) and their mtimes: directory attributes were applied at the end.
    const ro = entries.filter((e) => e.type === 'dir' && (e.mode & 0o777) === 0o555).map((e) => e.path);
    assert.equal(ro.length, 2, `0555 directories: ${ro.map((p) => p.slice(0, 40)).join(', ')}`);
    for (const p of ro) assert.ok(!missing.has(p), `${p.slice(0, 40)} is extracted`);

    const w = warnings(r.stderr);
    const deepDir = entries.filter((e) => missing.has(e.path) && e.path.startsWith('/deep/')).map((e) => e.path).sort((a, b) => a.length - b.length)[0];
    const expect: Array<[string, RegExp]> = [
      ['/dev/big', isRoot ? /character device not extracted: mknod: EINVAL/ : /needs root/],
      ['/links/nul-link', /NUL/],
      [LONG_F, /^: extracted as names\/n{246}~[0-9a-f]{8}: the name is longer than this file system allows$/],
      [LONG_D, /^: extracted as names\/d{246}~[0-9a-f]{8}: the name is longer than this file system allows$/],
      [deepDir, /directory not created \(its contents are skipped\): mkdir: ENAMETOOLONG/],
    ];
    for (const [p, re] of expect) {
      const line = w.find((l) => l.startsWith(`${p}: `));
      assert.ok(line, `a warning for ${p.slice(0, 60)}…; got:\n${w.map((l) => l.slice(0, 160)).join('\n')}`);
      assert.match(line.slice(p.length), re);
    }
    assert.equal(w.length, expect.length, `one warning per bad entry:\n${w.map((l) => l.slice(0, 160)).join('\n')}`);
    const summary = r.stderr.trim().split('\n').pop()!;
    const files = entries.filter((e) => e.type === 'file' && !missing.has(e.path)).length;
    const dirs = entries.filter((e) => e.type === 'dir' && !missing.has(e.path)).length;
    assert.equal(summary, `isowb: ${files} files, ${dirs} directories, 1 symlinks, 2 special files (0.0 MiB) extracted to ${out}; 2 entries renamed for this file system (case-sensitive), listed in ${out}/.isowb-renames.txt; ${missing.size} entries could not be extracted (see warnings)`);
    assert.deepEqual([...readRenameList(out).keys()].sort(), [LONG_D, LONG_F].sort());
  });

  // One reproducer each, selected on its own with an ordinary entry after it (each stopped the
  // extraction before: "internal error" and a stack trace, the entries after it not extracted).
  const cases: Array<{ name: string; paths: string[]; warn?: [string, RegExp] }> = [
    { name: 'a device mknod refuses (major 0x12345)', paths: ['/dev/big', '/zz-last.txt'], warn: ['/dev/big', isRoot ? /: character device not extracted: mknod: EINVAL \(Invalid argument\)$/ : /needs root/] },
    { name: 'a FIFO with mode 04755', paths: ['/dev/fifo-suid', '/zz-last.txt'] },
    { name: 'a symlink whose target holds a NUL', paths: ['/links/nul-link', '/zz-last.txt'], warn: ['/links/nul-link', /: symbolic link not extracted: the link target contains a NUL byte/] },
    { name: 'a file name of 300 bytes', paths: [LONG_F, '/zz-last.txt'], warn: [LONG_F, /: extracted as names\/n{246}~[0-9a-f]{8}: the name is longer than this file system allows$/] },
    { name: 'a directory name of 300 bytes', paths: [LONG_D, '/zz-last.txt'], warn: [LONG_D, /: extracted as names\/d{246}~[0-9a-f]{8}: the name is longer than this file system allows$/] },
    { name: 'a path over PATH_MAX', paths: ['/deep', '/zz-last.txt'], warn: ['/deep/', /: directory not created \(its contents are skipped\): mkdir: ENAMETOOLONG \(name too long\)$/] },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.warn ? 'a warning, the rest extracted' : 'extracted with its mode'}`, async function () {
      const out = path.join(base, c.name.replace(/\W+/g, '-'));
      const r = await isowb(['extract', img, ...c.paths, '-o', out]);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace');
      const selected = entries.filter((e) => c.paths.some((p) => e.path === p || e.path.startsWith(p + '/')));
      const missing = new Set([...impossible(out)].filter((p) => selected.some((e) => e.path === p)));
      await checkTree(out, selected, missing);
      const w = warnings(r.stderr);
      if (!c.warn) {
        // Created without the set-uid bit (mkfifo refuses it), which the chmod after it restores.
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(w, []);
        assert.equal(fs.lstatSync(path.join(out, 'dev/fifo-suid')).mode & 0o7777, 0o4755);
        return;
      }
      assert.equal(r.code, 1, r.stderr.slice(0, 2000));
      assert.equal(w.length, 1, w.map((l) => l.slice(-160)).join('\n'));
      assert.ok(w[0].startsWith(c.warn[0]), w[0].slice(0, 100));
      assert.match(w[0], c.warn[1]);
      assert.match(r.stderr.trim().split('\n').pop()!, missing.size > 0 ? new RegExp(`; ${missing.size} entr(y|ies) could not be extracted \\(see warnings\\)$`)
        : /; 1 entry renamed for this file system \(case-sensitive\), listed in .*\/\.isowb-renames\.txt$/);
    });
  }

  it('--quiet still prints the summary when entries could not be extracted', async function () {
    const out = path.join(base, 'quiet');
    const r = await isowb(['extract', img, '/links', '-o', out, '--quiet']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^isowb: warning: \/links\/nul-link: /m);
    assert.match(r.stderr.trim().split('\n').pop()!, /^isowb: 0 files, 1 directories, 1 symlinks, 0 special files \(0\.0 MiB\) extracted to .*; 1 entry could not be extracted \(see warnings\)$/);
  });
});

describe('isowb extract keeps its safety rules while it goes on past failures', function () {
  this.timeout(5 * 60_000);
  let base = '';
  before(() => { base = tmpDir('extract-safety'); });
  after(() => rmrf(base));

  it('the escape fixture: every hostile entry refused with a warning, the harmless file extracted, nothing outside', async function () {
    const img = await fixture('escape');
    const out = path.join(base, 'escape', 'out');
    const outside = path.join(base, 'escape', 'outside');
    fs.mkdirSync(out, { recursive: true });
    fs.mkdirSync(outside);
    const r = await isowb(['extract', img, '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.deepEqual(fs.readdirSync(path.join(base, 'escape')).sort(), ['out', 'outside']);
    assert.deepEqual(fs.readdirSync(outside), []);
    assert.equal(fs.readFileSync(path.join(out, 'ok.txt'), 'utf8'), 'harmless\n');
    // pwned.txt was written into the real directory evil1, never through the link; the symlink
    // evil1, created last, finds the directory of this run there and takes the next free name
    // (nothing of the image is lost, issue 18), listed.
    assert.ok(fs.lstatSync(path.join(out, 'evil1')).isDirectory());
    assert.equal(fs.readFileSync(path.join(out, 'evil1', 'pwned.txt'), 'utf8'), 'pwned\n');
    assert.equal(fs.readlinkSync(path.join(out, 'evil1~2')), '../outside');
    assert.deepEqual([...readRenameList(out)], [['/evil1', '/evil1~2']]);
    const w = warnings(r.stderr);
    assert.ok(w.some((l) => /^\/evil1: extracted as evil1~2: the file system refused the name or it was already taken$/.test(l)), w.join('\n'));
    for (const name of ['"../x.txt"', '".."', '"../../y.txtxxxx"']) assert.ok(w.some((l) => l.includes(`unusable name ${name}`)), `${name}: ${w.join('\n')}`);
  });

  it('symlinks already in the target folder are never written through, and the rest goes on', async function () {
    const img = await fixture('extract-failures');
    const root = path.join(base, 'planted');
    const out = path.join(root, 'out');
    const outside = path.join(root, 'outside');
    fs.mkdirSync(out, { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'victim'), 'victim\n');
    // A directory of the image replaced by a symlink to outside, and a file of the image
    // replaced by a symlink to a file outside.
    fs.symlinkSync('../outside', path.join(out, 'ro'));
    fs.symlinkSync('../outside/victim', path.join(out, 'README.txt'));
    const r = await isowb(['extract', img, '/ro', '/README.txt', '/zz-last.txt', '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(fs.readdirSync(outside), ['victim']);
    assert.equal(fs.readFileSync(path.join(outside, 'victim'), 'utf8'), 'victim\n');
    assert.equal(fs.lstatSync(path.join(outside)).mode & 0o777, 0o755, 'outside kept its mode (no chmod through the link)');
    const w = warnings(r.stderr);
    assert.ok(w.some((l) => l.startsWith('/ro: directory not created') && /symbolic link/.test(l)), w.join('\n'));
    // The planted file link is replaced by the image's file (O_EXCL | O_NOFOLLOW after unlinking it).
    assert.ok(fs.lstatSync(path.join(out, 'README.txt')).isFile());
    assert.equal(fs.readFileSync(path.join(out, 'README.txt'), 'utf8'), 'readme\n');
    assert.equal(fs.readFileSync(path.join(out, 'zz-last.txt'), 'utf8'), 'last\n');
    assert.match(r.stderr.trim().split('\n').pop()!, /; 2 entries could not be extracted/);
  });

  it('a full disk stops with one clear error; no partly written file is left', async function () {
    // A 256 KiB tmpfs (mounting needs root, like the repack safety suite; CI runs as root).
    const img = await fixture('zisofs');
    const mnt = path.join(base, 'tmpfs');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
    try {
      const r = await isowb(['extract', img, '-o', path.join(mnt, 'out')]);
      assert.equal(r.code, 1);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('isowb: warning: '));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^isowb: extraction to .*\/out stopped at \/\S+: no space left on the device \(ENOSPC\); the \d+ files and \d+ directories written so far are kept$/);
      const sizes = new Map((await ourLs(img)).map((e) => [e.path, e.size]));
      for (const [p, n] of await walkTree(path.join(mnt, 'out'))) if (n.type === 'file') assert.equal(n.size, sizes.get(p), `${p} is complete`);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
