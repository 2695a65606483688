// `isowb repack --add` of host folders and special files (issue 10): symbolic links are stored as
// links, never followed (a link to a host secret inside an added folder must not bring the secret
// into the image), FIFOs, sockets and device nodes as such (never read), as xorriso -map and
// `isowb build` store them; problems (an unreadable file, a name or type the image cannot hold)
// are all listed and nothing is written. Cross-checked with xorriso -lsl, bsdtar, isowb ls --json
// and isowb extract.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { fixture } from '../fixtures/build';
import { bsdtarList } from '../peers/bsdtar';
import { xorrisoLsdl } from '../peers/xorriso';
import { CLI, isowb, ourLs, rmrf, tmpDir } from './helpers';

const SECRET = 'TOP-SECRET-isowb-7f3a9c\n';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('isowb repack --add stores links and special files as such', function () {
  this.timeout(5 * 60_000);
  let base = '';
  let rr = '';
  let level1 = '';
  let server: net.Server | null = null;
  let add = '';
  let special = '';
  before(async function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
    rr = await fixture('rr-joliet');
    level1 = await fixture('iso-level1');
    base = tmpDir('repack-add');
    // The host: a secret outside the added folders; a folder of links to it (absolute), to a file
    // inside (relative) and to a folder outside (not to be descended); a folder with a FIFO and a
    // socket.
    fs.mkdirSync(path.join(base, 'outside'));
    fs.writeFileSync(path.join(base, 'outside', 'secret'), SECRET);
    add = path.join(base, 'add');
    fs.mkdirSync(path.join(add, 'sub', 'empty'), { recursive: true });
    fs.writeFileSync(path.join(add, 'hello.txt'), 'hello\n');
    fs.symlinkSync(path.join(base, 'outside', 'secret'), path.join(add, 'shadow'));
    fs.symlinkSync('../hello.txt', path.join(add, 'sub', 'rel'));
    fs.symlinkSync(path.join(base, 'outside'), path.join(add, 'dirlink'));
    special = path.join(base, 'special');
    fs.mkdirSync(special);
    execFileSync('mkfifo', ['-m', '0640', path.join(special, 'fifo')]);
    server = net.createServer();
    await new Promise<void>((resolve) => server!.listen(path.join(special, 'sock'), resolve));
  });
  after(() => {
    server?.close();
    rmrf(base);
  });

  it('--add DIR: links stay links, never followed (the secret is not in the image)', async function () {
    const out = path.join(base, 'dir.iso');
    const r = await isowb(['repack', rr, '-o', out, '-q', '--add', `${add}=/x`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(out).indexOf(SECRET.trim()), -1, 'the secret is not in the image');
    const x = new Map((await xorrisoLsdl(out)).filter((e) => e.path.startsWith('/x/')).map((e) => [e.path, e]));
    assert.deepEqual([...x.keys()].sort(), ['/x/dirlink', '/x/hello.txt', '/x/shadow', '/x/sub', '/x/sub/empty', '/x/sub/rel']);
    assert.deepEqual([x.get('/x/shadow')!.type, x.get('/x/shadow')!.target], ['symlink', path.join(base, 'outside', 'secret')]);
    assert.deepEqual([x.get('/x/dirlink')!.type, x.get('/x/dirlink')!.target], ['symlink', path.join(base, 'outside')]);
    assert.deepEqual([x.get('/x/sub/rel')!.type, x.get('/x/sub/rel')!.target], ['symlink', '../hello.txt']);
    assert.equal(x.get('/x/hello.txt')!.size, 6);
    // bsdtar and isowb ls --json read the same.
    const theirs = new Map((await bsdtarList(out)).map((e) => [e.path.replace(/^\/?/, '/'), e]));
    assert.deepEqual([theirs.get('/x/shadow')?.type, theirs.get('/x/shadow')?.target], ['symlink', path.join(base, 'outside', 'secret')]);
    assert.deepEqual([theirs.get('/x/dirlink')?.type, theirs.get('/x/dirlink')?.target], ['symlink', path.join(base, 'outside')]);
    const ours = new Map((await ourLs(out)).map((e) => [e.path, e]));
    assert.deepEqual([ours.get('/x/shadow')!.type, ours.get('/x/shadow')!.target], ['symlink', path.join(base, 'outside', 'secret')]);
    // Extracted again: links on disk, with their targets.
    const ex = path.join(base, 'dir-extracted');
    const e = await isowb(['extract', out, '/x', '-o', ex]);
    assert.equal(e.code, 0, e.stderr);
    assert.equal(fs.readlinkSync(path.join(ex, 'x', 'shadow')), path.join(base, 'outside', 'secret'));
    assert.equal(fs.readlinkSync(path.join(ex, 'x', 'dirlink')), path.join(base, 'outside'));
    assert.equal(fs.readlinkSync(path.join(ex, 'x', 'sub', 'rel')), '../hello.txt');
    assert.equal(fs.readFileSync(path.join(ex, 'x', 'hello.txt'), 'utf8'), 'hello\n');
  });

  it('--add DIR with a FIFO and a socket: stored as such, not read', async function () {
    const out = path.join(base, 'special.iso');
    const r = await isowb(['repack', rr, '-o', out, '-q', '--add', `${special}=/s`]);
    assert.equal(r.code, 0, r.stderr);
    const x = new Map((await xorrisoLsdl(out)).filter((e) => e.path.startsWith('/s/')).map((e) => [e.path, e]));
    assert.deepEqual([...x.keys()].sort(), ['/s/fifo', '/s/sock']);
    assert.deepEqual([x.get('/s/fifo')!.type, x.get('/s/fifo')!.perm], ['fifo', 0o640]);
    assert.equal(x.get('/s/sock')!.type, 'socket');
    assert.equal((await bsdtarList(out)).find((e) => e.path.replace(/^\/?/, '/') === '/s/fifo')?.type, 'fifo');
    const ours = new Map((await ourLs(out)).map((e) => [e.path, e]));
    assert.deepEqual([ours.get('/s/fifo')!.type, ours.get('/s/sock')!.type], ['fifo', 'socket']);
    const ex = path.join(base, 'special-extracted');
    const e = await isowb(['extract', out, '/s', '-o', ex]);
    assert.equal(e.code, 1, 'the socket cannot be extracted (a warning)');
    assert.match(e.stderr, /\/s\/sock: socket cannot be extracted/);
    assert.ok(fs.lstatSync(path.join(ex, 's', 'fifo')).isFIFO());
  });

  it('--add of a link, a FIFO or /dev/zero given directly: stored as such (like xorriso -map), never read', async function () {
    const out = path.join(base, 'direct.iso');
    const r = await isowb(['repack', rr, '-o', out, '-q', '--add', `${path.join(add, 'shadow')}=/top`, '--add', '/dev/zero=/zero', '--add', `${path.join(special, 'fifo')}=/pipe`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(out).indexOf(SECRET.trim()), -1, 'the secret is not in the image');
    const x = new Map((await xorrisoLsdl(out)).map((e) => [e.path, e]));
    assert.deepEqual([x.get('/top')!.type, x.get('/top')!.target], ['symlink', path.join(base, 'outside', 'secret')]);
    const zero = fs.statSync('/dev/zero');
    assert.deepEqual([x.get('/zero')!.type, x.get('/zero')!.rdev, x.get('/zero')!.perm], ['char', { major: 1, minor: 5 }, zero.mode & 0o7777]);
    assert.equal(x.get('/pipe')!.type, 'fifo');
  });

  it('SRC=DEST with "=" in both: DEST starts at the last "=" followed by "/" (else the last "=")', async function () {
    // A host folder whose name ends with "=" (SRC holds "=/"), a file name with "=", a relative DEST.
    const eq = path.join(base, 'eq');
    fs.mkdirSync(path.join(eq, 'x='), { recursive: true });
    fs.writeFileSync(path.join(eq, 'x=', 'a=b.txt'), 'a=b\n');
    fs.writeFileSync(path.join(eq, 'plain.txt'), 'plain\n');
    const out = path.join(base, 'eq.iso');
    const r = await isowb(['repack', rr, '-o', out, '-q',
      '--add', `${path.join(eq, 'x=', 'a=b.txt')}=/top=1.txt`, '--add', `${path.join(eq, 'x=')}=/eqdir`, '--add', `${path.join(eq, 'plain.txt')}=rel.txt`]);
    assert.equal(r.code, 0, r.stderr);
    const x = new Map((await xorrisoLsdl(out)).map((e) => [e.path, e]));
    assert.equal(x.get('/top=1.txt')?.size, 4);
    assert.equal(x.get('/eqdir')?.type, 'dir');
    assert.equal(x.get('/eqdir/a=b.txt')?.size, 4);
    assert.equal(x.get('/rel.txt')?.size, 6);
  });

  it('--replace with a special file: one line naming it, exit 1 (not the usage)', async function () {
    const out = path.join(base, 'replace.iso');
    const r = await isowb(['repack', rr, '-o', out, '--replace', '/dev/zero=/README.TXT']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, 'isowb: --replace /dev/zero=/README.TXT: /dev/zero is not a regular file; only a file\'s content can replace a file\n');
    assert.ok(!fs.existsSync(out));
  });

  it('every problem of an --add is listed and nothing is written (no Rock Ridge, names, an unreadable file)', async function () {
    // An ISO 9660 level 1 image cannot record links, FIFOs or lower-case names. The unreadable
    // file: mode 000, or for root (who reads anything) a write-only /proc file bound over it.
    const dir = path.join(base, 'bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'OK.TXT'), 'fine\n');
    fs.writeFileSync(path.join(dir, 'LOCKED.TXT'), 'locked\n');
    fs.writeFileSync(path.join(dir, 'lower.txt'), 'lower\n');
    fs.symlinkSync('OK.TXT', path.join(dir, 'LINK'));
    execFileSync('mkfifo', [path.join(dir, 'PIPE')]);
    const locked = path.join(dir, 'LOCKED.TXT');
    if (isRoot) execFileSync('mount', ['--bind', '/proc/sys/vm/compact_memory', locked]);
    else fs.chmodSync(locked, 0);
    try {
      const out = path.join(base, 'outdir', 'bad.iso');
      fs.mkdirSync(path.dirname(out));
      const r = await isowb(['repack', level1, '-o', out, '--add', `${dir}=/NEW`, '--add', '/dev/zero=/ZERO']);
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual(r.stderr.split('\n'), [
        'isowb: --add: 5 entries cannot be added, so nothing was written:',
        `  ${dir}/LINK: /NEW/LINK: symbolic links can be recorded only with Rock Ridge, which this image does not have (its ISO 9660 tree keeps names and times only)`,
        `  ${dir}/LOCKED.TXT: permission denied (EACCES)`,
        `  ${dir}/PIPE: /NEW/PIPE: FIFOs can be recorded only with Rock Ridge, which this image does not have (its ISO 9660 tree keeps names and times only)`,
        `  ${dir}/lower.txt: /NEW/lower.txt: ISO 9660 names are upper case (d-characters A–Z, 0–9, _): use "LOWER.TXT" (the image has neither Rock Ridge nor Joliet, so its ISO 9660 names are the only names)`,
        '  /dev/zero: /ZERO: device nodes can be recorded only with Rock Ridge, which this image does not have (its ISO 9660 tree keeps names and times only)',
        '',
      ]);
      assert.deepEqual(fs.readdirSync(path.dirname(out)), [], 'no output, no temp file');
    } finally {
      if (isRoot) execFileSync('umount', [locked]);
    }
  });
});
