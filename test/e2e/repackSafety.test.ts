// Safe output under failure: a full disk (a small tmpfs), a kill mid-write, a cancel (Ctrl+C and an
// AbortSignal), replacing the original — the original stays byte-identical and no temp file
// remains (a temp left by a killed process is removed by the next write into that folder).
// The preserving layout's copy of the source runs in Node (src/engine/io/copy.ts): tested with no
// `cp` on PATH, cancelled in its copy phase, and keeping an image's all-zero blocks as holes.
// Fixtures: `xorriso -as mkisofs -R -J -o big.iso tree/` over 3 × 64 MiB of pseudo-random data;
// zeros.iso the same over 4 MiB of pseudo-random data and a 256 MiB file of zeros.
import { strict as assert } from 'assert';
import { spawn, spawnSync, execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiscImage } from '../../src/engine/image';
import { repack } from '../../src/engine/write/repack';
import { CancelledError } from '../../src/engine/errors';
import { cloneOrCopy } from '../../src/engine/io/copy';
import { xorrisoLsdl } from '../peers/xorriso';
import { prng } from '../util/prng';
import { CLI } from './helpers';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-safety-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

function sha(file: string): string { return createHash('sha256').update(fs.readFileSync(file)).digest('hex'); }
const temps = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.includes('.isowb-'));
const allocated = (file: string): number => fs.statSync(file).blocks * 512;
const MiB = 1 << 20;

/** The sha256 of every file of an image, as `xorriso -osirrox on -extract / DIR` gives them. */
function xorrisoFileHashes(image: string): Map<string, string> {
  const dir = fs.mkdtempSync(path.join(TMP, 'x-'));
  try {
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', image, '-extract', '/', dir], { stdio: 'ignore' });
    const out = new Map<string, string>();
    const walk = (rel: string): void => {
      for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
        const p = `${rel}/${e.name}`;
        if (e.isDirectory()) walk(p);
        else out.set(p, sha(path.join(dir, p)));
      }
    };
    walk('');
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** An environment whose PATH holds no `cp` (one empty folder); node itself is run by its path. */
function withoutCp(): NodeJS.ProcessEnv {
  const env = { ...process.env, PATH: fs.mkdtempSync(path.join(TMP, 'no-cp-')) };
  const probe = spawnSync('cp', ['--version'], { env });
  assert.equal((probe.error as NodeJS.ErrnoException | undefined)?.code, 'ENOENT', 'cp cannot be found on this PATH');
  return env;
}

let big = '';
let zeros = '';
/** The files of zeros.iso's tree: name → sha256. */
const zerosTree = new Map<string, string>();
before(function () {
  this.timeout(120_000);
  const tree = path.join(TMP, 'tree');
  fs.mkdirSync(tree);
  const rnd = prng(42);
  const noise = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let j = 0; j < b.length; j += 4) b.writeUInt32LE(rnd() >>> 0, j);
    return b;
  };
  for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(tree, `data${i}.bin`), noise(64 << 20));
  fs.writeFileSync(path.join(tree, 'readme.txt'), 'safety fixture\n');
  big = path.join(TMP, 'big.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-o', big, tree], { stdio: 'ignore' });
  fs.rmSync(tree, { recursive: true });
  // xorriso writes the zeros (the image is fully allocated), unlike a sparse copy.
  const ztree = path.join(TMP, 'ztree');
  fs.mkdirSync(ztree);
  fs.writeFileSync(path.join(ztree, 'data.bin'), noise(4 << 20));
  fs.writeFileSync(path.join(ztree, 'zeros.bin'), '');
  fs.truncateSync(path.join(ztree, 'zeros.bin'), 256 << 20);
  for (const n of fs.readdirSync(ztree)) zerosTree.set(`/${n}`, sha(path.join(ztree, n)));
  zeros = path.join(TMP, 'zeros.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-o', zeros, ztree], { stdio: 'ignore' });
  fs.rmSync(ztree, { recursive: true });
});

describe('repack output safety', function () {
  this.timeout(5 * 60_000);

  it('a full disk (ENOSPC on a 64 MiB tmpfs): a clear error, the original untouched, no temp file', async () => {
    const mnt = path.join(TMP, 'tmpfs');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]);
    try {
      const r = await runCli(['repack', big, '-o', path.join(mnt, 'out.iso'), '-q']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /no space left on the device/);
      assert.deepEqual(fs.readdirSync(mnt), [], 'nothing left on the full disk');
      // Replacing the original on a full disk: the original survives byte-identical.
      const small = path.join(mnt, 'small.iso');
      fs.copyFileSync(big, path.join(TMP, 'copy.iso'));
      execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', small, path.join(__dirname)], { stdio: 'ignore' });
      // Fill the rest of the disk (dd stops with ENOSPC).
      spawnSync('dd', ['if=/dev/zero', `of=${path.join(mnt, 'filler')}`, 'bs=1M', 'count=64'], { stdio: 'ignore' });
      const before = sha(small);
      const rr = await runCli(['repack', small, '--replace-original', '--add', `${path.join(TMP, 'copy.iso')}=/copy.iso`, '-q']);
      assert.equal(rr.code, 1, rr.stderr);
      assert.equal(sha(small), before, 'the original is byte-identical');
      assert.deepEqual(temps(mnt), []);
      fs.rmSync(path.join(TMP, 'copy.iso'));
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('a kill mid-write: the original untouched; the next write removes the stale temp file', async () => {
    const before = sha(big);
    const out = path.join(TMP, 'killed.iso');
    const child = spawn(process.execPath, [CLI, 'repack', big, '-o', out, '--layout', 'compact', '-q'], { stdio: 'ignore' });
    const t0 = Date.now();
    while (temps(TMP).length === 0 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(temps(TMP).length, 1, 'the writer created its temp file');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    assert.equal(sha(big), before, 'the original is byte-identical');
    assert.ok(!fs.existsSync(out), 'no output appeared');
    const r = await runCli(['repack', big, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed a temp file left by an interrupted write/);
    assert.deepEqual(temps(TMP), []);
    assert.equal((await xorrisoLsdl(out)).filter((e) => e.type === 'file').length, 4);
    fs.rmSync(out);
  });

  it('Ctrl+C (SIGINT) cancels: exit 1 "cancelled", no temp file, no output', async () => {
    const out = path.join(TMP, 'cancelled.iso');
    const child = spawn(process.execPath, [CLI, 'repack', big, '-o', out, '--layout', 'compact'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const t0 = Date.now();
    while (temps(TMP).length === 0 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /cancelled/);
    assert.deepEqual(temps(TMP), []);
    assert.ok(!fs.existsSync(out));
  });

  it('an AbortSignal cancels the engine from inside the copy and from inside the data writes', async () => {
    for (const layout of ['preserve', 'compact'] as const) {
      const img = await DiscImage.openFile(big);
      const ac = new AbortController();
      const phases: string[] = [];
      try {
        await assert.rejects(repack(img, null, {
          output: path.join(TMP, `aborted-${layout}.iso`), layout, signal: ac.signal,
          onProgress: (p) => { phases.push(p.phase); if (p.done > 0) ac.abort(); },
        }), (e: unknown) => e instanceof CancelledError);
      } finally { await img.close(); }
      assert.ok(phases.length > 0, 'progress was reported');
      assert.deepEqual(temps(TMP), [], `${layout}: no temp file`);
      assert.ok(!fs.existsSync(path.join(TMP, `aborted-${layout}.iso`)));
    }
  });

  it('preserve layout with no cp on PATH: the image is copied in Node, verified, every file read back by xorriso', async () => {
    const before = sha(big);
    const out = path.join(TMP, 'no-cp.iso');
    const note = path.join(TMP, 'no-cp-note.txt');
    fs.writeFileSync(note, 'added without cp\n');
    const r = await runCli(['repack', big, '-o', out, '--layout', 'preserve', '--add', `${note}=/note.txt`], withoutCp());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\(preserve layout; 19\d\.\d MiB copied/);
    assert.match(r.stdout, /^verified: /m);
    assert.equal(sha(big), before, 'the source is byte-identical');
    assert.deepEqual(temps(TMP), []);
    const want = xorrisoFileHashes(big);
    want.set('/note.txt', sha(note));
    assert.deepEqual(xorrisoFileHashes(out), want);
    fs.rmSync(out);
  });

  it('the copy phase with no cp on PATH: progress up to the image size; an AbortSignal from its progress cancels it, nothing left, the source untouched', async () => {
    const saved = process.env.PATH;
    process.env.PATH = withoutCp().PATH;
    try {
      const before = sha(big);
      const size = fs.statSync(big).size;
      const copying = (events: Array<{ phase: string; done: number; total: number }>) => events.filter((p) => p.phase === 'copying the image');
      // Finished: the copy's progress rises to the image's size.
      const img = await DiscImage.openFile(big);
      const events: Array<{ phase: string; done: number; total: number }> = [];
      try {
        await repack(img, null, { output: path.join(TMP, 'progress.iso'), layout: 'preserve', onProgress: (p) => events.push({ ...p }) });
      } finally { await img.close(); }
      const c = copying(events);
      assert.ok(c.length >= 10, `${c.length} progress reports while copying`);
      assert.ok(c.every((p) => p.total === size));
      for (let i = 1; i < c.length; i++) assert.ok(c[i].done > c[i - 1].done, 'progress rises');
      assert.deepEqual([c[0].done, c[c.length - 1].done], [0, size]);
      fs.rmSync(path.join(TMP, 'progress.iso'));
      // Cancelled from inside the copy: the signal is aborted at its first report past 0.
      const img2 = await DiscImage.openFile(big);
      const ac = new AbortController();
      const seen: Array<{ phase: string; done: number; total: number }> = [];
      try {
        await assert.rejects(repack(img2, null, {
          output: path.join(TMP, 'cancelled-copy.iso'), layout: 'preserve', signal: ac.signal,
          onProgress: (p) => { seen.push({ ...p }); if (p.phase === 'copying the image' && p.done > 0) ac.abort(); },
        }), (e: unknown) => e instanceof CancelledError);
      } finally { await img2.close(); }
      const last = seen[seen.length - 1];
      assert.equal(last.phase, 'copying the image', 'nothing after the copy ran');
      assert.ok(last.done > 0 && last.done < size, `cancelled at ${last.done} of ${size} bytes`);
      assert.deepEqual(temps(TMP), [], 'no temp file');
      assert.ok(!fs.existsSync(path.join(TMP, 'cancelled-copy.iso')));
      assert.equal(sha(big), before, 'the source is byte-identical');
    } finally {
      process.env.PATH = saved;
    }
  });

  it('holes kept: an image with 256 MiB of written zeros is copied with those blocks left as holes, byte for byte; its preserving repack too', async () => {
    const size = fs.statSync(zeros).size;
    assert.ok(allocated(zeros) >= 256 * MiB, `the source is fully allocated (${allocated(zeros)} of ${size} bytes)`);
    // The copy alone: the same bytes, a fraction of the blocks.
    const copy = path.join(TMP, 'zeros-copy.iso');
    await cloneOrCopy(zeros, copy, { size });
    assert.equal(sha(copy), sha(zeros));
    assert.ok(allocated(copy) < 16 * MiB, `${allocated(copy)} bytes allocated for ${size}`);
    fs.rmSync(copy);
    // The CLI's preserving repack, with no cp on PATH: the output is as sparse, and reads back right.
    const out = path.join(TMP, 'zeros-repacked.iso');
    const r = await runCli(['repack', zeros, '-o', out, '--layout', 'preserve'], withoutCp());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^verified: /m);
    assert.ok(fs.statSync(out).size >= 260 * MiB);
    assert.ok(allocated(out) < 16 * MiB, `${allocated(out)} bytes allocated for ${fs.statSync(out).size}`);
    assert.deepEqual(xorrisoFileHashes(out), zerosTree);
    fs.rmSync(out);
  });

  it('replacing the original keeps it until the new image is verified, then swaps; refuses without asking', async () => {
    const img = path.join(TMP, 'replace-me.iso');
    fs.copyFileSync(big, img);
    const refused = await runCli(['repack', img, '-o', img, '-q']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refusing to overwrite the source image/);
    const add = path.join(TMP, 'note.txt');
    fs.writeFileSync(add, 'replaced in place\n');
    const ino = fs.statSync(img).ino;
    const r = await runCli(['repack', img, '--replace-original', '--keep-backup', '--add', `${add}=/note.txt`]);
    assert.equal(r.code, 0, r.stderr);
    assert.notEqual(fs.statSync(img).ino, ino, 'a new file was renamed into place');
    assert.ok((await xorrisoLsdl(img)).some((e) => e.path === '/note.txt'));
    assert.equal(sha(`${img}.isowb-backup`), sha(big), 'the backup is the original');
    assert.match(r.stdout, /previous file is kept at/);
    assert.deepEqual(temps(TMP).filter((n) => !n.endsWith('isowb-backup')), []);
  });
});

function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
