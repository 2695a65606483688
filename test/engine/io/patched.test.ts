// The sector editor's overlay (PatchedSource) and its save paths (saveInPlace, saveCopy,
// rollbackJournal): random edits checked against a plain array model, then saved to real files
// and compared byte for byte (cmp) with the model; interrupted saves rolled back.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InvalidArgumentError, CancelledError } from '../../../src/engine/errors';
import { CachedSource, FileSource } from '../../../src/engine/io/fileSource';
import { PatchedSource } from '../../../src/engine/io/patched';
import { rollbackJournal, saveCopy, saveInPlace } from '../../../src/engine/io/saveRanges';
import { MemorySource, type ByteSource } from '../../../src/engine/io/source';
import { prng } from '../../util/prng';
import { run } from '../../peers/run';

function randomBytes(rand: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rand() & 0xff;
  return b;
}

/** Byte-wise equality with a short message (first difference), whatever the array types. */
function bytesEq(a: Uint8Array, b: Uint8Array, msg = 'bytes differ'): void {
  if (a.length === b.length && Buffer.compare(a, b) === 0) return;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  assert.fail(`${msg}: lengths ${a.length} / ${b.length}, first difference at ${i}`);
}

/** Ranges where a and b differ, merged across <= gap equal bytes (the oracle for diffRanges). */
function diffOracle(a: Uint8Array, b: Uint8Array, gap = 0): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const last = out[out.length - 1];
    if (last && i - last[1] <= gap) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}

describe('PatchedSource', () => {
  it('matches an array model under random overlapping writes (reads, readInto, readWithDiff, diffRanges, undo)', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = prng(seed);
      const size = 1 + (rand() % 5000);
      const base = randomBytes(rand, size);
      const model = new Uint8Array(base);
      const src = new PatchedSource(new MemorySource(base, 'mem'));
      const undo: Array<{ offset: number; before: Uint8Array }> = [];
      for (let step = 0; step < 300; step++) {
        const off = rand() % size;
        const len = Math.min(size - off, 1 + (rand() % (rand() % 4 === 0 ? 600 : 8)));
        // Sometimes write the base bytes back (an edit that changes nothing, or an undo).
        const data = rand() % 5 === 0 ? base.slice(off, off + len) : randomBytes(rand, len);
        const before = src.write(off, data);
        bytesEq(before, model.slice(off, off + len), `seed ${seed} step ${step}: bytes before the write`);
        undo.push({ offset: off, before });
        model.set(data, off);
        if (step % 25 === 0) {
          bytesEq(await src.read(0, size + 10), model, `seed ${seed} step ${step}: whole read`);
          const o = rand() % size, l = rand() % 700;
          bytesEq(await src.read(o, l), model.slice(o, o + l));
          const t = new Uint8Array(l + 3);
          const got = await src.readInto(o, t);
          assert.equal(got, Math.min(l + 3, size - o));
          bytesEq(t.subarray(0, got), model.slice(o, o + got));
          const wd = await src.readWithDiff(o, l);
          bytesEq(wd.data, model.slice(o, o + l));
          const want = diffOracle(base.subarray(o, o + l), model.subarray(o, o + l)).map(([s, e]) => [s + o, e + o]);
          // readWithDiff may split a range at chunk boundaries; compare the covered bytes.
          const cover = (rs: Array<[number, number]> | number[][]) => { const set = new Set<number>(); for (const [s, e] of rs) for (let i = s; i < e; i++) set.add(i); return [...set].sort((x, y) => x - y); };
          assert.deepEqual(cover(wd.edited), cover(want), `seed ${seed} step ${step}: edited ranges`);
          assert.deepEqual(await src.diffRanges(), diffOracle(base, model), `seed ${seed} step ${step}: diffRanges`);
          assert.deepEqual(await src.diffRanges(5), diffOracle(base, model, 5), `seed ${seed} step ${step}: diffRanges(5)`);
        }
      }
      // Undo everything in reverse: the bytes are the base again, nothing differs.
      for (const u of undo.reverse()) src.write(u.offset, u.before);
      bytesEq(await src.read(0, size), base);
      assert.deepEqual(await src.diffRanges(), []);
      assert.ok(src.patchCount > 0, 'the overlay still holds (now equal) patches');
      src.clear();
      assert.equal(src.patchCount, 0);
    }
  });

  it('keeps chunks merged and memory proportional to the edited bytes', async () => {
    const src = new PatchedSource(new MemorySource(new Uint8Array(1 << 20)));
    for (let i = 0; i < 1000; i++) src.write(5000 + i, new Uint8Array([i & 0xff | 1])); // typing: one growing chunk
    assert.equal(src.patchCount, 1);
    src.write(100, new Uint8Array(10));
    src.write(200, new Uint8Array(10));
    assert.equal(src.patchCount, 3);
    src.write(105, new Uint8Array(100)); // bridges the two
    assert.equal(src.patchCount, 2);
    assert.deepEqual(await src.diffRanges(), [[5000, 6000]]);
  });

  it('rejects writes outside the image, never resizes, and reports the name and offset', () => {
    const src = new PatchedSource(new MemorySource(new Uint8Array(100)), 'img.iso');
    assert.equal(src.name, 'img.iso');
    assert.throws(() => src.write(-1, new Uint8Array(1)), InvalidArgumentError);
    assert.throws(() => src.write(100, new Uint8Array(1)), InvalidArgumentError);
    assert.throws(() => src.write(99, new Uint8Array(2)), (e: unknown) => e instanceof InvalidArgumentError && /img\.iso/.test(e.message));
    assert.throws(() => src.write(1.5, new Uint8Array(1)), InvalidArgumentError);
    bytesEq(src.write(99, new Uint8Array([7])), new Uint8Array([0]));
    assert.equal(src.size, 100);
  });

  it('reads the replaced bytes synchronously from a file (FileSource and CachedSource bases)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-patched-'));
    try {
      const f = path.join(dir, 'a.bin');
      const data = randomBytes(prng(9), 100_000);
      fs.writeFileSync(f, data);
      for (const wrap of [false, true]) {
        const fsrc = await FileSource.open(f);
        const base: ByteSource = wrap ? new CachedSource(fsrc) : fsrc;
        const src = new PatchedSource(base);
        await src.read(0, 10); // warm the cache
        bytesEq(src.write(70_000, new Uint8Array(300)), data.slice(70_000, 70_300));
        bytesEq(src.write(69_990, new Uint8Array(20).fill(1)), new Uint8Array([...data.slice(69_990, 70_000), ...new Uint8Array(10)]));
        await src.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writeAsync works over a base without synchronous reads; write() says to use it', async () => {
    const mem = new MemorySource(new Uint8Array([1, 2, 3, 4]));
    const noSync: ByteSource = { name: 'x', size: 4, read: (o, l) => mem.read(o, l), close: async () => undefined };
    const src = new PatchedSource(noSync);
    assert.throws(() => src.write(0, new Uint8Array(1)), /writeAsync/);
    bytesEq(await src.writeAsync(1, new Uint8Array([9, 9])), new Uint8Array([2, 3]));
    bytesEq(await src.read(0, 4), new Uint8Array([1, 9, 9, 4]));
  });
});

describe('saving edits', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-save-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function edited(file: string, seed: number): Promise<{ src: PatchedSource; model: Uint8Array }> {
    const rand = prng(seed);
    const model = new Uint8Array(fs.readFileSync(file));
    const src = new PatchedSource(new CachedSource(await FileSource.open(file)));
    for (let i = 0; i < 50; i++) {
      const off = rand() % model.length;
      const d = randomBytes(rand, Math.min(model.length - off, 1 + (rand() % 3000)));
      src.write(off, d);
      model.set(d, off);
    }
    return { src, model };
  }

  it('saveInPlace writes only the differing ranges, journals the originals and deletes the journal (cmp against the model)', async () => {
    const file = path.join(dir, 'img.bin');
    const original = randomBytes(prng(11), 3 * 1024 * 1024 + 123);
    fs.writeFileSync(file, original);
    const { src, model } = await edited(file, 12);
    const ranges = await src.diffRanges();
    const journal = path.join(dir, 'journal.json');
    const st = await saveInPlace(file, src, journal);
    assert.equal(st.ranges, ranges.length);
    assert.equal(st.bytesWritten, ranges.reduce((a, [s, e]) => a + e - s, 0));
    assert.ok(!fs.existsSync(journal), 'journal deleted after the data fsync');
    fs.writeFileSync(path.join(dir, 'model.bin'), model);
    const cmp = await run('cmp', [file, path.join(dir, 'model.bin')]);
    assert.equal(cmp.code, 0, `cmp: ${cmp.stdout.toString()}${cmp.stderr}`);
    // The base cache was invalidated: the source, cleared, reads the new file.
    src.clear();
    bytesEq(await src.read(0, model.length), model);
    assert.deepEqual(await src.diffRanges(), []);
    await src.close();
  });

  it('rollbackJournal restores the original bytes after an interrupted in-place save', async () => {
    const file = path.join(dir, 'img.bin');
    const original = randomBytes(prng(21), 1024 * 1024);
    fs.writeFileSync(file, original);
    const { src } = await edited(file, 22);
    const journal = path.join(dir, 'journal.json');
    // Simulate a crash after the data was written but before the journal was deleted: save,
    // then put the journal back as saveInPlace had written it.
    const ranges = await src.diffRanges();
    const fake = { file, size: original.length, ranges: ranges.map(([s, e]) => ({ offset: s, base64: Buffer.from(original.subarray(s, e)).toString('base64') })) };
    await saveInPlace(file, src, journal);
    assert.notEqual(Buffer.compare(fs.readFileSync(file), original), 0);
    fs.writeFileSync(journal, JSON.stringify(fake));
    fs.writeFileSync(`${journal}.tmp-1-abcd`, '{"trunc'); // a half-written temp journal is just dropped
    const r = await rollbackJournal(journal);
    assert.deepEqual(r, { file, ranges: ranges.length });
    bytesEq(new Uint8Array(fs.readFileSync(file)), original);
    assert.ok(!fs.existsSync(journal));
    assert.ok(!fs.existsSync(`${journal}.tmp-1-abcd`));
    assert.equal(await rollbackJournal(journal), null);
    await src.close();
  });

  it('saveInPlace refuses a file whose size changed on disk', async () => {
    const file = path.join(dir, 'img.bin');
    fs.writeFileSync(file, new Uint8Array(4096));
    const src = new PatchedSource(await FileSource.open(file));
    src.write(10, new Uint8Array([1]));
    fs.appendFileSync(file, new Uint8Array(10));
    await assert.rejects(saveInPlace(file, src), InvalidArgumentError);
    await src.close();
  });

  it('saveCopy writes a complete copy and leaves the original untouched; failures leave no temp file', async () => {
    const file = path.join(dir, 'img.bin');
    const original = randomBytes(prng(31), 2 * 1024 * 1024);
    fs.writeFileSync(file, original);
    const { src, model } = await edited(file, 32);
    const dest = path.join(dir, 'copy.bin');
    fs.writeFileSync(dest, 'old content');
    const st = await saveCopy(file, dest, src);
    assert.ok(st.ranges > 0);
    bytesEq(new Uint8Array(fs.readFileSync(dest)), model);
    bytesEq(new Uint8Array(fs.readFileSync(file)), original);
    const ac = new AbortController();
    ac.abort();
    const dest2 = path.join(dir, 'copy2.bin');
    await assert.rejects(saveCopy(file, dest2, src, ac.signal), CancelledError);
    await assert.rejects(saveCopy(path.join(dir, 'missing.bin'), dest, src));
    bytesEq(new Uint8Array(fs.readFileSync(dest)), model, 'dest untouched by the failed save');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['copy.bin', 'img.bin'], 'no temp files left');
    await src.close();
  });
});
