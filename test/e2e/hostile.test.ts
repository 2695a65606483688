// The hostile-image reproducers of issue 10 through `isowb` (dist/isowb.js), as a user meets them:
// exit codes, one clear line per problem on stderr, output that ends, and memory that stays
// bounded (a heap cap on the child and its peak RSS from GNU time, which setup.sh installs).
// The engine-level assertions are in test/engine/hostile.test.ts.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fixture } from '../fixtures/build';
import { run } from '../peers/run';
import { CLI, isowb } from './helpers';

const lines = (b: Buffer | string): string[] => b.toString().split('\n').filter(Boolean);

/** Runs the CLI under GNU time with a capped V8 heap; returns the result and the peak RSS in MiB. */
async function measured(args: string[], heapMiB: number): Promise<{ code: number | null; stdout: Buffer; stderr: string; rssMiB: number }> {
  const stats = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-rss-')), 'time');
  try {
    const r = await run('/usr/bin/time', ['-f', '%M', '-o', stats, process.execPath, `--max-old-space-size=${heapMiB}`, CLI, ...args]);
    const kb = Number(fs.readFileSync(stats, 'utf8').trim().split('\n').pop());
    return { ...r, rssMiB: kb / 1024 };
  } finally {
    fs.rmSync(path.dirname(stats), { recursive: true, force: true });
  }
}

describe('isowb on hostile images', function () {
  this.timeout(10 * 60_000);

  it('ls -R of a directory DAG ends: 73 paths, one warning per second reference, exit 1', async () => {
    const img = await fixture('hostile-dag');
    const r = await isowb(['ls', img, '-R']);
    assert.equal(r.code, 1);
    assert.equal(lines(r.stdout).length, 73);
    const warnings = lines(r.stderr).filter(l => l.startsWith('isowb: warning: '));
    assert.equal(warnings.length, 24, r.stderr);
    assert.ok(warnings.every(w => /is the directory already listed as/.test(w)));
  });

  it('ls -R of 20,000 records sharing one continuation chain ends with one warning about them', async () => {
    const img = await fixture('hostile-ce-shared');
    const r = await isowb(['ls', img, '-R']);
    assert.equal(r.code, 1);
    assert.equal(lines(r.stdout).length, 20000 + 4 + 3 + 12);
    assert.deepEqual(lines(r.stderr).map(l => l.replace(/\d{4,}/g, 'N')), [
      'isowb: warning: System Use area in /few: 2 records in /few point at Rock Ridge continuation areas that belong to other records (the first: the area at byte N, owned by the record at byte N); those areas were not read again (byte N)',
      'isowb: warning: System Use area in /many: N records in /many point at Rock Ridge continuation areas that belong to other records (the first: the area at byte N, owned by the record at byte N); those areas were not read again (byte N)',
    ]);
  });

  it('ls, cat and extract of an interleaved file of 2 million units: no stack overflow, a short read said plainly', async () => {
    const img = await fixture('hostile-interleaved');
    const ls = await isowb(['ls', img, '-l']);
    assert.equal(ls.code, 1, 'the file runs past the end of the image: a warning');
    assert.match(ls.stdout.toString(), / 4294967295 .* \/huge\.bin\n/);
    assert.match(ls.stderr, /data of \/huge\.bin extends beyond the end of the image; the file reads short/);
    assert.doesNotMatch(ls.stderr + ls.stdout.toString(), /RangeError|Maximum call stack|internal error/);
    const cat = await isowb(['cat', img, '/inter.bin']);
    assert.equal(cat.code, 0);
    assert.equal(cat.stdout.length, 3 * 2048 - 100);
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-il-'));
    try {
      const x = await isowb(['extract', img, '-o', dest]);
      assert.equal(x.code, 1);
      assert.match(x.stderr, /\/huge\.bin/);
      assert.equal(fs.readFileSync(path.join(dest, 'plain.txt'), 'utf8'), 'plain\n');
      assert.equal(fs.statSync(path.join(dest, 'ear.bin')).size, 8192);
    } finally { fs.rmSync(dest, { recursive: true, force: true }); }
  });

  it('a directory of 1,000,000 entries lists within a 128 MiB heap and 300 MiB of RSS (it took 1.6 GB)', async () => {
    const img = await fixture('hostile-million');
    const all = await measured(['ls', img, '-R', '--json'], 128);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(lines(all.stdout).length, 1_000_002);
    assert.ok(all.rssMiB <= 300, `ls -R --json peak RSS ${all.rssMiB.toFixed(0)} MiB`);
    const dir = await measured(['ls', img, '/BIG'], 128);
    assert.equal(dir.code, 0, dir.stderr);
    const names = lines(dir.stdout);
    assert.equal(names.length, 1_000_000);
    assert.equal(names[999_999], '/BIG/0LFLR');
    assert.ok(dir.rssMiB <= 300, `ls /BIG peak RSS ${dir.rssMiB.toFixed(0)} MiB`);
  });

  it('cat of a zisofs bomb is refused naming the ratio and --limit; extract goes on past it; --limit expansionRatio=0 reads it', async () => {
    const img = await fixture('hostile-zisofs-bomb');
    const cat = await isowb(['cat', img, '/bomb64.bin']);
    assert.equal(cat.code, 1);
    assert.equal(cat.stdout.length, 0);
    assert.match(cat.stderr, /\/bomb64\.bin would expand from 4194336 bytes to 68719476736 bytes \(16384:1; the limit is 1024:1/);
    assert.match(cat.stderr, /--limit expansionRatio=0/);
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-bomb-'));
    try {
      const x = await isowb(['extract', img, '-o', dest]);
      assert.equal(x.code, 1);
      assert.equal(lines(x.stderr).filter(l => /limit is 1024:1/.test(l)).length, 2);
      assert.deepEqual(fs.readdirSync(dest).sort(), ['text.txt', 'zeros.bin'], 'the bombs are not left behind as empty files');
    } finally { fs.rmSync(dest, { recursive: true, force: true }); }
    // With the limit lifted, the first MiB streams (head closes the pipe; isowb stops quietly).
    const part = path.join(dest, 'part');
    fs.mkdirSync(dest, { recursive: true });
    try {
      const head = await run('sh', ['-c', `"${process.execPath}" "${CLI}" cat "${img}" /bomb64.bin --limit expansionRatio=0 | head -c 1048576 > "${part}"`]);
      assert.equal(head.code, 0, head.stderr);
      const b = fs.readFileSync(part);
      assert.equal(b.length, 1048576);
      assert.ok(b.every(x => x === 0));
    } finally { fs.rmSync(dest, { recursive: true, force: true }); }
  });

  it('repack of a truncated image exits 1 and writes nothing; --allow-short writes it with warnings, exit 1', async () => {
    const img = await fixture('hostile-truncated');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-trunc-'));
    try {
      const out = path.join(dir, 'out.iso');
      const r = await isowb(['repack', img, '-o', out]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /truncated or damaged: 1 file has data beyond its end: \/zz-big\.bin \(102400 of 307200 bytes\)\. Nothing was written/);
      assert.doesNotMatch(r.stdout.toString(), /verified/);
      assert.deepEqual(fs.readdirSync(dir), []);
      const a = await isowb(['repack', img, '-o', out, '--allow-short']);
      assert.equal(a.code, 1);
      assert.match(a.stdout.toString(), /^verified: /m);
      assert.match(a.stderr, /isowb: warning: \/zz-big\.bin: only 102400 of 307200 bytes exist in the source; the rest is written as zeros/);
      const x = await run('xorriso', ['-indev', out, '-find', '/zz-big.bin', '-exec', 'lsdl', '--']);
      assert.match(x.stdout.toString(), / 307200 .*'\/zz-big\.bin'/);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });
});
