// The whole-file copy of the preserving repack (src/engine/io/copy.ts): a clone where the file
// system has one, else a streaming copy in Node that keeps holes. Real files in the OS temp folder
// (ext4 or tmpfs: no clone there, so the streaming copy runs), a real btrfs (a loop-mounted image
// made by mkfs.btrfs: the clone runs) and a full tmpfs; all bytes compared with sha256, holes
// read from st_blocks.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CancelledError, InvalidArgumentError } from '../../../src/engine/errors';
import { cloneOrCopy, HOLE, PROGRESS_STEP, sparseCopy, writeSparse, writeSparseSync } from '../../../src/engine/io/copy';
import { prng } from '../../util/prng';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-copy-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const MiB = 1 << 20;
const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const allocated = (file: string): number => fs.statSync(file).blocks * 512;

/** Pseudo-random bytes (never a whole zero block). */
function noise(n: number, seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE(rnd() >>> 0, i);
  for (let i = n & ~3; i < n; i++) b[i] = (rnd() & 0xff) | 1;
  return b;
}

/**
 * A fully allocated file of `data` MiB of noise, then `zeros` MiB of written zeros, then
 * `tail` odd bytes of noise (so the size is no multiple of any block).
 */
function makeSource(name: string, data: number, zeros: number, tail = 12_345): string {
  const file = path.join(TMP, name);
  fs.writeFileSync(file, Buffer.concat([noise(data * MiB, data), Buffer.alloc(zeros * MiB), noise(tail, 7)]));
  return file;
}

describe('copy: the streaming copy (sparseCopy)', function () {
  this.timeout(120_000);

  it('copies every byte, leaves all-zero blocks as holes, reports increasing progress that ends at the size', async () => {
    const src = makeSource('mixed.bin', 40, 64);
    const size = fs.statSync(src).size;
    assert.ok(allocated(src) >= size - 4096, 'the source is fully allocated (its zeros were written)');
    const dst = path.join(TMP, 'mixed.copy');
    const seen: number[] = [];
    await sparseCopy(src, dst, { size, onProgress: (d) => seen.push(d) });
    assert.equal(sha(dst), sha(src));
    assert.equal(fs.statSync(dst).size, size);
    // 64 MiB of zeros stay holes: the copy holds the 40 MiB of data and the tail.
    assert.ok(allocated(dst) < 42 * MiB, `${allocated(dst)} bytes allocated for ${size}`);
    assert.ok(seen.length >= 5, `progress reported ${seen.length} times`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `progress increases: ${seen.join(', ')}`);
    for (let i = 1; i < seen.length - 1; i++) assert.ok(seen[i] - seen[i - 1] >= PROGRESS_STEP, 'throttled');
    assert.equal(seen[seen.length - 1], size);
  });

  it('a file that ends in zeros, an empty file, and a file smaller than a hole block', async () => {
    for (const [name, bytes] of [
      ['ends-in-zeros', Buffer.concat([noise(3 * MiB, 3), Buffer.alloc(5 * MiB)])],
      ['empty', Buffer.alloc(0)],
      ['tiny-zeros', Buffer.alloc(1000)],
      ['tiny', noise(1000, 5)],
    ] as const) {
      const src = path.join(TMP, `${name}.bin`);
      fs.writeFileSync(src, bytes);
      const dst = path.join(TMP, `${name}.copy`);
      const seen: number[] = [];
      await sparseCopy(src, dst, { size: bytes.length, onProgress: (d) => seen.push(d) });
      assert.equal(sha(dst), sha(src), name);
      assert.deepEqual(seen, [bytes.length], name);
    }
    assert.ok(allocated(path.join(TMP, 'ends-in-zeros.copy')) < 4 * MiB, 'the trailing 5 MiB of zeros are a hole');
  });

  it('copies only the size it is given, and the source\'s permission bits less the umask', async () => {
    const src = makeSource('mode.bin', 2, 0);
    fs.chmodSync(src, 0o640);
    const dst = path.join(TMP, 'mode.copy');
    await sparseCopy(src, dst, { size: MiB + 5 });
    assert.deepEqual(fs.readFileSync(dst), fs.readFileSync(src).subarray(0, MiB + 5));
    assert.equal(fs.statSync(dst).mode & 0o777, 0o640 & ~process.umask());
  });

  it('a source shorter than the size given, or cut while it is copied: InvalidArgumentError', async () => {
    const src = makeSource('short.bin', 48, 0, 0);
    const size = fs.statSync(src).size;
    await assert.rejects(sparseCopy(src, path.join(TMP, 'short.copy'), { size: size + 4096 }),
      (e: unknown) => e instanceof InvalidArgumentError && /shorter than when it was opened \(50331648 of 50335744 bytes\)/.test(e.message));
    // Cut to 20 MiB when 16 MiB have been copied.
    await assert.rejects(sparseCopy(src, path.join(TMP, 'cut.copy'), { size, onProgress: (d) => { if (d < size) fs.truncateSync(src, 20 * MiB); } }),
      (e: unknown) => e instanceof InvalidArgumentError && /changed during the copy/.test(e.message) && e.message.includes(`${20 * MiB} of ${size} bytes`));
  });

  it('cancel: an AbortSignal aborted from onProgress stops the copy with CancelledError', async () => {
    const src = makeSource('cancel.bin', 64, 0);
    const size = fs.statSync(src).size;
    const ac = new AbortController();
    const seen: number[] = [];
    const dst = path.join(TMP, 'cancel.copy');
    await assert.rejects(sparseCopy(src, dst, { size, signal: ac.signal, onProgress: (d) => { seen.push(d); ac.abort(); } }),
      (e: unknown) => e instanceof CancelledError);
    assert.deepEqual(seen, [PROGRESS_STEP], 'one report, then the copy stopped');
    assert.ok(fs.statSync(dst).size < size, 'the copy did not go on to the end');
    // Aborted before it starts: nothing is created.
    await assert.rejects(sparseCopy(src, path.join(TMP, 'never.copy'), { size, signal: AbortSignal.abort() }), (e: unknown) => e instanceof CancelledError);
    assert.ok(!fs.existsSync(path.join(TMP, 'never.copy')));
  });

  it('a full disk (a 16 MiB tmpfs): InvalidArgumentError "no space left on the device"', async () => {
    const mnt = path.join(TMP, 'full');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]);
    try {
      const src = makeSource('big.bin', 24, 0);
      await assert.rejects(cloneOrCopy(src, path.join(mnt, 'big.copy'), { size: fs.statSync(src).size }),
        (e: unknown) => e instanceof InvalidArgumentError && /no space left on the device while copying/.test(e.message));
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('writeSparse and writeSparseSync write the same bytes and the same holes', async () => {
    // Blocks: data, zero, zero, data, zero, then a partial all-zero tail (written, not a hole).
    const b = Buffer.concat([noise(HOLE, 1), Buffer.alloc(2 * HOLE), noise(HOLE, 2), Buffer.alloc(HOLE), Buffer.alloc(100)]);
    const files = ['async.bin', 'sync.bin'].map((n) => path.join(TMP, n));
    const fds = files.map((f) => fs.openSync(f, 'w'));
    try {
      await writeSparse(fds[0], b, 3 * HOLE);
      writeSparseSync(fds[1], b, 3 * HOLE);
    } finally { fds.forEach((fd) => fs.closeSync(fd)); }
    for (const f of files) {
      assert.equal(fs.statSync(f).size, 3 * HOLE + b.length, 'the partial tail block is written');
      assert.deepEqual(fs.readFileSync(f).subarray(3 * HOLE), b);
    }
    assert.equal(sha(files[0]), sha(files[1]));
    assert.equal(allocated(files[0]), allocated(files[1]));
    assert.ok(allocated(files[0]) < 4 * HOLE, `${allocated(files[0])} bytes allocated: the zero blocks and the gap before are holes`);
  });
});

describe('copy: clone or stream (cloneOrCopy)', function () {
  this.timeout(120_000);

  it('on this temp folder (no clones on ext4 or tmpfs): streams, bytes identical, holes kept', async () => {
    const src = makeSource('auto.bin', 8, 32);
    const size = fs.statSync(src).size;
    const dst = path.join(TMP, 'auto.copy');
    const seen: number[] = [];
    const how = await cloneOrCopy(src, dst, { size, onProgress: (d) => seen.push(d) });
    const fsType = execFileSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', TMP], { encoding: 'utf8' }).trim().split('\n')[0];
    if (fsType === 'ext4' || fsType === 'tmpfs') assert.equal(how, 'stream', fsType);
    assert.equal(sha(dst), sha(src));
    assert.ok(allocated(dst) < 10 * MiB, `${allocated(dst)} bytes allocated`);
    assert.equal(seen[seen.length - 1], size);
  });

  it('on btrfs: clones (shared extents: no new data written), mode as cp gives it, progress at the size; a shrunken source is refused', async () => {
    const img = path.join(TMP, 'btrfs.img');
    const mnt = path.join(TMP, 'btrfs');
    fs.mkdirSync(mnt);
    fs.writeFileSync(img, '');
    fs.truncateSync(img, 256 * MiB);
    execFileSync('mkfs.btrfs', ['-q', img]);
    execFileSync('mount', ['-o', 'loop', img, mnt]);
    try {
      const src = path.join(mnt, 'src.bin');
      fs.writeFileSync(src, noise(64 * MiB, 9), { mode: 0o600 });
      execFileSync('sync');
      const before = execFileSync('btrfs', ['filesystem', 'du', '--raw', '-s', mnt], { encoding: 'utf8' });
      const dst = path.join(mnt, 'dst.bin');
      const seen: number[] = [];
      assert.equal(await cloneOrCopy(src, dst, { size: 64 * MiB, onProgress: (d) => seen.push(d) }), 'clone');
      assert.equal(sha(dst), sha(src));
      assert.deepEqual(seen, [64 * MiB]);
      assert.equal(fs.statSync(dst).mode & 0o777, 0o600 & ~process.umask());
      execFileSync('sync');
      // `btrfs filesystem du`: the two files share their 64 MiB ("Set shared"), nothing exclusive.
      const du = execFileSync('btrfs', ['filesystem', 'du', '--raw', '-s', mnt], { encoding: 'utf8' }).trim().split('\n').pop()!.trim().split(/\s+/).map(Number);
      assert.equal(du[0], 128 * MiB, `total of both files: ${before} → ${du.join(' ')}`);
      assert.equal(du[1], 0, 'nothing exclusive: the clone shares every extent');
      assert.equal(du[2], 64 * MiB, 'shared');
      // The caller saw 64 MiB + 1: the clone is shorter, so it is refused and removed.
      await assert.rejects(cloneOrCopy(src, path.join(mnt, 'short.bin'), { size: 64 * MiB + 1 }),
        (e: unknown) => e instanceof InvalidArgumentError && /shorter than when it was opened/.test(e.message));
      assert.ok(!fs.existsSync(path.join(mnt, 'short.bin')));
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
