// Safe output under failure: a full disk (a small tmpfs), a kill mid-write, a cancel (Ctrl+C and an
// AbortSignal), replacing the original — the original stays byte-identical and no temp file
// remains (a temp left by a killed process is removed by the next write into that folder).
// Fixture: `xorriso -as mkisofs -R -J -o big.iso tree/` over 3 × 64 MiB of pseudo-random data.
import { strict as assert } from 'assert';
import { spawn, spawnSync, execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiscImage } from '../../src/engine/image';
import { repack } from '../../src/engine/write/repack';
import { CancelledError } from '../../src/engine/errors';
import { xorrisoLsdl } from '../peers/xorriso';
import { prng } from '../util/prng';
import { CLI } from './helpers';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-safety-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

function sha(file: string): string { return createHash('sha256').update(fs.readFileSync(file)).digest('hex'); }
const temps = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.includes('.isowb-'));

let big = '';
before(function () {
  this.timeout(120_000);
  const tree = path.join(TMP, 'tree');
  fs.mkdirSync(tree);
  const rnd = prng(42);
  for (let i = 0; i < 3; i++) {
    const b = Buffer.alloc(64 << 20);
    for (let j = 0; j < b.length; j += 4) b.writeUInt32LE(rnd() >>> 0, j);
    fs.writeFileSync(path.join(tree, `data${i}.bin`), b);
  }
  fs.writeFileSync(path.join(tree, 'readme.txt'), 'safety fixture\n');
  big = path.join(TMP, 'big.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-o', big, tree], { stdio: 'ignore' });
  fs.rmSync(tree, { recursive: true });
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

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
