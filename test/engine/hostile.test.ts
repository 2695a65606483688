// Hostile images (issue 10): small images that made the engine hang, crash or lose data, each
// built by its generator (test/fixtures/gen/hostile-*.sh, tags: hostile), through the engine API:
// every one must end with a clear warning or a typed error within the engine's budgets
// (src/engine/limits.ts). These are behaviour tests; how fast the engine is lives in npm run bench.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiscImage, type FileNode } from '../../src/engine/image';
import { IsoError, LimitExceededError } from '../../src/engine/errors';
import { extract } from '../../src/engine/extract';
import { repack } from '../../src/engine/write/repack';
import { rangeOffset } from '../../src/engine/iso9660/directoryRecord';
import { fixture } from '../fixtures/build';
import { run } from '../peers/run';

async function withImage<T>(name: string, fn: (img: DiscImage, file: string) => Promise<T>, opts: Parameters<typeof DiscImage.openFile>[1] = {}): Promise<T> {
  const file = await fixture(name);
  const img = await DiscImage.openFile(file, opts);
  try { return await fn(img, file); } finally { await img.close(); }
}

async function withImageFile<T>(file: string, fn: (img: DiscImage) => Promise<T>): Promise<T> {
  const img = await DiscImage.openFile(file);
  try { return await fn(img); } finally { await img.close(); }
}

/** A copy of a fixture in `dir` with bytes written at offsets (a hostile variant of a good image). */
async function patchedCopy(name: string, dir: string, file: string, patches: Array<[number, Buffer]>): Promise<string> {
  const copy = path.join(dir, file);
  fs.copyFileSync(await fixture(name), copy);
  const fd = fs.openSync(copy, 'r+');
  try { for (const [at, bytes] of patches) fs.writeSync(fd, bytes, 0, bytes.length, at); } finally { fs.closeSync(fd); }
  return copy;
}

async function walkAll(img: DiscImage): Promise<FileNode[]> {
  const out: FileNode[] = [];
  await img.walk(img.root, n => { out.push(n); });
  return out;
}

function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `isowb-hostile-${tag}-`));
}

describe('hostile images', function () {
  this.timeout(5 * 60_000);

  describe('a directory DAG (hostile-dag: 24 levels, two records per level pointing at one child)', () => {
    it('walks each directory extent once: 73 entries, not 2^24 paths, and reports each second reference', async () => {
      await withImage('hostile-dag', async img => {
        const before = img.warnings.length;
        const all = await walkAll(img);
        // per level: a, b (listed, not expanded) and f.txt; plus /a/…/a/bottom.txt
        assert.equal(all.length, 24 * 3 + 1);
        assert.equal(all.filter(n => n.name === 'b').length, 24);
        assert.ok(all.some(n => n.path === `${'/a'.repeat(24)}/bottom.txt`));
        const dag = img.warnings.slice(before).filter(w => /is the directory already listed as/.test(w.message));
        assert.equal(dag.length, 24, dag.map(w => w.message).join('\n'));
        assert.ok(dag.some(w => /^\/b is the directory already listed as \/a \(both point at LBA \d+\)/.test(w.message)));
        // deep paths are shortened in messages
        assert.ok(dag.every(w => w.message.length < 400), 'messages stay one line');
      });
    });

    it('extract creates each directory once and repack writes each once (the second references are reported)', async () => {
      await withImage('hostile-dag', async (img, file) => {
        const dest = tmpdir('dag');
        try {
          const r = await extract(img, { dest });
          assert.equal(r.dirs, 48);
          assert.equal(r.files, 25);
          assert.ok(r.warnings.some(w => /already listed/.test(w)));
        } finally { fs.rmSync(dest, { recursive: true, force: true }); }
        for (const layout of ['preserve', 'compact'] as const) {
          const out = path.join(tmpdir('dag-repack'), `out-${layout}.iso`);
          try {
            const res = await repack(img, null, { output: out, layout, sourcePath: file });
            assert.equal(res.verify?.problems.length, 0, res.verify?.problems.join('\n'));
            assert.equal(res.warnings.filter(w => /is the directory .* again/.test(w)).length, 20, 'twenty named');
            assert.ok(res.warnings.includes('… and more such directories (left out the same way)'));
            const back = await DiscImage.openFile(out);
            try {
              const entries = await walkAll(back);
              assert.equal(entries.length, 24 * 2 + 1, 'the b entries are left out');
              assert.ok(!entries.some(n => n.name === 'b'));
            } finally { await back.close(); }
            const x = await run('xorriso', ['-indev', out, '-find', '/', '-type', 'f']);
            assert.equal(x.stdout.toString().trim().split('\n').length, 25, 'xorriso reads the repacked tree');
          } finally { fs.rmSync(path.dirname(out), { recursive: true, force: true }); }
        }
      });
    });
  });

  describe('Rock Ridge continuation areas shared by many records (hostile-ce-shared)', () => {
    it('follows each continuation area for its owner only and reports the 19,999 others once', async () => {
      await withImage('hostile-ce-shared', async img => {
        const before = img.warnings.length;
        const many = await img.readdir('/many');
        assert.equal(many.length, 20000);
        const shared = img.warnings.slice(before).filter(w => /point at Rock Ridge continuation areas that belong to other records/.test(w.message));
        assert.equal(shared.length, 1, img.warnings.map(w => w.message).join('\n'));
        assert.match(shared[0].message, /^19999 records in \/many point at/);
        // The owner (the first record) got the chain's PX entry; the others have none.
        assert.deepEqual([many[0].mode, many[0].uid, many[0].gid], [0o100600, 42, 43]);
        assert.ok(many.slice(1).every(n => n.mode === 0o100555 && n.uid === 0), 'no PX for the records that do not own the chain');
        const few = await img.readdir('/few');
        assert.deepEqual(few.map(f => f.name), ['one', 'three', 'two']);
        const ok = await img.lookup('/ok.txt');
        assert.equal(Buffer.from(await img.read(ok, 0, 100)).toString(), 'fine\n');
      });
    });

    it('a directory budget of continuation areas stops following them, with one warning', async () => {
      await withImage('hostile-ce-shared', async img => {
        const before = img.warnings.length;
        const few = await img.readdir('/few');
        assert.equal(few.length, 3);
        const budget = img.warnings.slice(before).filter(w => /limit continuationsPerDirectory/.test(w.message));
        assert.equal(budget.length, 1);
      }, { limits: { continuationsPerDirectory: 1 } });
    });

    it('the image budget of distinct continuation areas is one warning, however many records ask', async () => {
      await withImage('hostile-ce-shared', async img => {
        await walkAll(img);
        const budget = img.warnings.filter(w => /limit continuationsPerImage/.test(w.message));
        assert.equal(budget.length, 1);
      }, { limits: { continuationsPerImage: 3 } });
    });

    it('the structure of a directory (sector editor, --structures) stops at 4,096 records or 100,000 fields, said so', async () => {
      await withImage('hostile-ce-shared', async img => {
        // /many: 20,000 records of ~40 fields each (the record and its Rock Ridge entries)
        const st = await img.directoryStructureOf('/many');
        assert.ok(st.children.length > 2000 && st.children.length < 4096, `${st.children.length} records`);
        assert.deepEqual(st.problems, [`only the first ${st.children.length} records are shown (their fields reach 100,000)`]);
        // /long: 12 records, each owning a chain of 32 continuation areas (5,376 entries each):
        // the view stops at its field budget.
        const long = await img.directoryStructureOf('/long');
        const fields = (x: typeof long): number => x.children.reduce((a, c) => a + fields(c), x.fields.length);
        assert.ok(long.children.length >= 3 && long.children.length < 12, `${long.children.length} records`);
        assert.ok(fields(long) < 140_000, `${fields(long)} fields`);
        assert.match(long.problems?.[0] ?? '', /^only the first \d+ records are shown \(their fields reach 100,000\)$/);
        const many = await img.readdir('/long');
        assert.equal(many.length, 12, 'the listing has every record');
        assert.ok(many.every(n => n.mode === 0o100600 && n.uid === 42), 'each owns its chain and its PX');
      });
    });
  });

  describe('interleaved files (hostile-interleaved)', () => {
    async function layout(img: DiscImage, file: string, p: string): Promise<{ node: FileNode; bytes: Buffer }> {
      const node = await img.lookup(p);
      return { node, bytes: fs.readFileSync(file) };
    }

    it('reads file units and skips gaps: /inter.bin is blocks 0, 2, 4 of its extent; /ear.bin blocks 1, 3, 4, 6', async () => {
      await withImage('hostile-interleaved', async (img, file) => {
        for (const [p, blocks, length] of [['/inter.bin', [0, 2, 4], 3 * 2048 - 100], ['/ear.bin', [1, 3, 4, 6], 4 * 2048]] as const) {
          const { node, bytes } = await layout(img, file, p);
          const lba = node.extents[0].lba;
          const want = Buffer.concat(blocks.map(b => bytes.subarray((lba + b) * 2048, (lba + b + 1) * 2048))).subarray(0, length);
          assert.equal(node.size, length);
          assert.deepEqual(Buffer.from(await img.read(node, 0, node.size)), want, p);
          // a read across a gap, from the middle
          assert.deepEqual(Buffer.from(await img.read(node, 2000, 3000)), want.subarray(2000, 5000), `${p} 2000..5000`);
          assert.equal(node.ranges.length, 1, 'one strided range, not one range per unit');
        }
      });
    });

    it('/huge.bin (2 million file units of 1 block, length 0xFFFFFFFF) is one range, reads short with a warning, and never overflows the stack', async () => {
      await withImage('hostile-interleaved', async (img, file) => {
        const before = img.warnings.length;
        const node = await img.lookup('/huge.bin');
        assert.equal(node.size, 0xffffffff);
        assert.equal(node.ranges.length, 1);
        const size = fs.statSync(file).size;
        const r = node.ranges[0];
        assert.ok(rangeOffset(r, r.length - 1) < size, 'clamped to the image');
        assert.ok(img.warnings.slice(before).some(w => /extends beyond the end of the image/.test(w.message)));
        let got = 0;
        const buffers: [Uint8Array, Uint8Array] = [new Uint8Array(1 << 20), new Uint8Array(1 << 20)];
        got = await img.pump(node, async () => undefined, buffers);
        assert.equal(got, r.length, 'every unit inside the image is read');
        assert.ok(got > 0 && got < size);
      });
    });

    it('repack refuses the short /huge.bin with a message naming it, and writes nothing', async () => {
      await withImage('hostile-interleaved', async (img, file) => {
        const dir = tmpdir('il');
        try {
          const out = path.join(dir, 'out.iso');
          await assert.rejects(repack(img, null, { output: out, sourcePath: file, layout: 'compact' }), (e: unknown) => e instanceof IsoError && /\/huge\.bin \(\d+ of 4294967295 bytes\)/.test(e.message) && /--allow-short/.test(e.message));
          assert.deepEqual(fs.readdirSync(dir), []);
        } finally { fs.rmSync(dir, { recursive: true, force: true }); }
      });
    });
  });

  describe('a directory of 1,000,000 entries (hostile-million)', () => {
    it('streams its entries: a walk visits all of them and lookups find the last one', async () => {
      await withImage('hostile-million', async img => {
        let n = 0;
        let last = '';
        await img.walk(img.root, e => { n++; last = e.path; });
        assert.equal(n, 1_000_002);
        assert.equal(last, '/TOP.TXT');
        const node = await img.lookup('/BIG/0LFLR');
        assert.equal(Buffer.from(await img.read(node, 0, 100)).toString(), 'shared data\n');
        assert.equal((await img.stat('/big/0lflr'))?.path, '/BIG/0LFLR', 'case-insensitive outside Rock Ridge');
      });
    });

    it('the entries-per-directory and entries-per-walk budgets end with a warning and a typed error', async () => {
      await withImage('hostile-million', async img => {
        const kids = await img.readdir('/BIG');
        assert.equal(kids.length, 1000);
        assert.ok(img.warnings.some(w => /has more than 1000 entries \(limit entriesPerDirectory\)/.test(w.message)));
      }, { limits: { entriesPerDirectory: 1000 } });
      await withImage('hostile-million', async img => {
        await assert.rejects(walkAll(img), (e: unknown) => e instanceof LimitExceededError && e.limit === 'entriesPerWalk');
      }, { limits: { entriesPerWalk: 5000 } });
    });
  });

  describe('zisofs expansion bombs (hostile-zisofs-bomb)', () => {
    it('refuses to expand 4 MiB into 64 GiB (and 128 KiB into 4 GiB) with a LimitExceededError naming the ratio and the override', async () => {
      await withImage('hostile-zisofs-bomb', async img => {
        for (const p of ['/bomb64.bin', '/bomb4.bin']) {
          const node = await img.lookup(p);
          assert.ok(node.size >= 4 * 2 ** 30 - 2 ** 17, `${p}: ${node.size}`);
          await assert.rejects(img.read(node, 0, 4096), (e: unknown) => e instanceof LimitExceededError && e.limit === 'expansionRatio' && /expansionRatio=0/.test(e.message) && e.message.includes(p));
        }
        // a small all-zero file has a high ratio too, but is below the floor: readable
        const zeros = await img.lookup('/zeros.bin');
        const b = await img.read(zeros, 0, zeros.size);
        assert.equal(b.length, 921600);
        assert.ok(b.every(x => x === 0));
        const text = await img.lookup('/text.txt');
        assert.match(Buffer.from(await img.read(text, 0, 64)).toString(), /^bomb 0000000001 the quick brown fox/);
      });
    });

    it('extraction goes on past the bombs and says why they were not extracted', async () => {
      await withImage('hostile-zisofs-bomb', async img => {
        const dest = tmpdir('bomb');
        try {
          const r = await extract(img, { dest });
          assert.equal(r.warnings.filter(w => /limit is 1024:1/.test(w)).length, 2, r.warnings.join('\n'));
          assert.equal(fs.readFileSync(path.join(dest, 'zeros.bin')).length, 921600);
          assert.equal(fs.readFileSync(path.join(dest, 'text.txt')).length, 200000);
        } finally { fs.rmSync(dest, { recursive: true, force: true }); }
      });
    });

    it('with the limit lifted the bomb reads as zeros anywhere (the override works)', async () => {
      await withImage('hostile-zisofs-bomb', async img => {
        const node = await img.lookup('/bomb64.bin');
        const b = await img.read(node, 60 * 2 ** 30, 1 << 20);
        assert.equal(b.length, 1 << 20);
        assert.ok(b.every(x => x === 0));
      }, { limits: { expansionRatio: 0 } });
    });
  });

  describe('a truncated image (hostile-truncated)', () => {
    it('repack refuses in both layouts and writes nothing (it wrote the missing tail as zeros and said "verified")', async () => {
      await withImage('hostile-truncated', async (img, file) => {
        for (const layout of ['preserve', 'compact'] as const) {
          const dir = tmpdir('trunc');
          try {
            await assert.rejects(repack(img, null, { output: path.join(dir, 'out.iso'), layout, sourcePath: file }),
              (e: unknown) => e instanceof IsoError && /truncated or damaged: 1 file has data beyond its end: \/zz-big\.bin \(102400 of 307200 bytes\)/.test(e.message));
            assert.deepEqual(fs.readdirSync(dir), [], 'no output, no temp file');
          } finally { fs.rmSync(dir, { recursive: true, force: true }); }
        }
      });
    });

    it('with allowShort the repack is written, the file is noted, and its missing bytes are zeros', async () => {
      await withImage('hostile-truncated', async (img, file) => {
        const dir = tmpdir('trunc-allow');
        try {
          for (const layout of ['preserve', 'compact'] as const) {
            const out = path.join(dir, `out-${layout}.iso`);
            const res = await repack(img, null, { output: out, layout, sourcePath: file, allowShort: true });
            assert.ok(res.warnings.includes('/zz-big.bin: only 102400 of 307200 bytes exist in the source; the rest is written as zeros (--allow-short)'), res.warnings.join('\n'));
            const back = await DiscImage.openFile(out);
            try {
              const node = await back.lookup('/zz-big.bin');
              const data = Buffer.from(await back.read(node, 0, node.size));
              const orig = await img.lookup('/zz-big.bin');
              assert.deepEqual(data.subarray(0, 102400), Buffer.from(await img.read(orig, 0, 102400)));
              assert.ok(data.subarray(102400).every(x => x === 0));
              assert.equal(Buffer.from(await back.read(await back.lookup('/m.txt'), 0, 100)).toString(), 'middle\n');
            } finally { await back.close(); }
          }
        } finally { fs.rmSync(dir, { recursive: true, force: true }); }
      });
    });
  });
  describe('two entries of one name in a directory (hostile-dupnames)', () => {
    it('lists both with a warning; extract writes the second as twin~2 (nothing lost, issue 18); repack keeps the first and names the second; the repack verifies', async () => {
      await withImage('hostile-dupnames', async (img, file) => {
        const kids = await img.readdir(await img.lookup('/d'));
        assert.deepEqual(kids.map(k => `${k.name}:${k.type}`), ['twin:dir', 'twin:file']);
        assert.ok(img.warnings.some(w => w.message === 'duplicate name "twin" in /d'), img.warnings.map(w => w.message).join('\n'));
        const dest = tmpdir('dup');
        try {
          const r = await extract(img, { dest });
          assert.equal(r.failed, 0);
          assert.deepEqual(r.renamed.map(x => [x.path, x.as]), [['/d/twin', 'd/twin~2']]);
          assert.ok(r.warnings.includes('/d/twin: extracted as d/twin~2: the file system refused the name or it was already taken'), r.warnings.join('\n'));
          assert.equal(fs.readFileSync(path.join(dest, 'd', 'twin', 'inner.txt'), 'utf8'), 'inside the second twin\n');
          assert.equal(fs.readFileSync(path.join(dest, 'd', 'twin~2'), 'utf8'), 'first\n');
          assert.equal(fs.readFileSync(path.join(dest, 'ok.txt'), 'utf8'), 'fine\n');
        } finally { fs.rmSync(dest, { recursive: true, force: true }); }
        for (const layout of ['preserve', 'compact'] as const) {
          const out = path.join(tmpdir('dup-repack'), `out-${layout}.iso`);
          try {
            const res = await repack(img, null, { output: out, layout, sourcePath: file });
            assert.equal(res.verify?.problems.length, 0, res.verify?.problems.join('\n'));
            assert.ok(res.warnings.includes('/d/twin: a second entry named "twin" in /d (a file); only the first is written'), res.warnings.join('\n'));
            const x = await run('xorriso', ['-indev', out, '-find', '/']);
            assert.deepEqual(x.stdout.toString().trim().split('\n'), ["'/'", "'/d'", "'/d/twin'", "'/d/twin/inner.txt'", "'/ok.txt'"]);
          } finally { fs.rmSync(path.dirname(out), { recursive: true, force: true }); }
        }
      });
    });
  });
  describe('a boot catalog whose validation checksum is wrong (hdd-emul, one byte patched)', () => {
    it('reads it (the field is flagged), and a repack carries the catalog as it was and still verifies', async () => {
      const dir = tmpdir('cksum');
      try {
        const copy = path.join(dir, 'bad-checksum.iso');
        fs.copyFileSync(await fixture('hdd-emul'), copy);
        let catalogLba = -1;
        await withImageFile(copy, async img => { catalogLba = (await img.elTorito())!.catalogLba; });
        const fd = fs.openSync(copy, 'r+');
        try {
          const b = Buffer.alloc(1);
          fs.readSync(fd, b, 0, 1, catalogLba * 2048 + 28);
          b[0] ^= 0x5a;
          fs.writeSync(fd, b, 0, 1, catalogLba * 2048 + 28);
        } finally { fs.closeSync(fd); }
        await withImageFile(copy, async img => {
          const et = (await img.elTorito())!;
          assert.equal(et.validation.checksumOk, false);
          assert.equal(et.entries.length, 1, 'the entries are still read');
          for (const layout of ['preserve', 'compact'] as const) {
            const out = path.join(dir, `out-${layout}.iso`);
            const res = await repack(img, null, { output: out, layout, sourcePath: copy });
            assert.equal(res.verify?.problems.length, 0, res.verify?.problems.join('\n'));
            await withImageFile(out, async back => { assert.equal((await back.elTorito())!.entries.length, 1); });
          }
        });
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    });
  });
  describe('a boot entry whose Load RBA is one block early (hdd-emul, byte 55336 patched 0x1c → 0x1b; found by npm run fuzz)', () => {
    it('repack in both layouts writes and verifies (it was a TypeError: the entry\'s data was planned after allocation)', async () => {
      const dir = tmpdir('boot-rba');
      try {
        const copy = await patchedCopy('hdd-emul', dir, 'early-rba.iso', [[55336, Buffer.from([0x1b])]]);
        await withImageFile(copy, async img => {
          assert.equal((await img.elTorito())!.entries[0].loadRba, 27);
          for (const layout of ['preserve', 'compact'] as const) {
            const out = path.join(dir, `${layout}.iso`);
            const res = await repack(img, null, { output: out, layout, sourcePath: copy });
            assert.deepEqual(res.verify?.problems, [], layout);
            await withImageFile(out, async back => { assert.equal((await back.elTorito())!.entries.length, 1, layout); });
          }
        });
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    });
  });
  describe('a GPT entry of garbage beyond the disk (grub-mkrescue, entry 44 patched; found by npm run fuzz)', () => {
    it('in the primary array only: the partitions come from the intact backup, and a preserving repack rebuilds the primary from them', async () => {
      const dir = tmpdir('gpt-junk');
      try {
        const copy = await patchedCopy('grub-mkrescue', dir, 'junk-entry.iso', [[15740, Buffer.alloc(57, 0xff)]]);
        await withImageFile(copy, async img => {
          const gpt = (await img.systemArea()).gpt!;
          assert.equal(gpt.entriesCrcOk, false);
          assert.equal(gpt.partitionsFrom, 'backup');
          assert.deepEqual(gpt.partitions.map(p => p.index), [1, 2, 3, 4]);
          const out = path.join(dir, 'out.iso');
          const res = await repack(img, null, { output: out, layout: 'preserve', sourcePath: copy });
          assert.equal(res.verify?.problems.length, 0, res.verify?.problems.join('\n'));
          assert.ok(res.notes.some(n => /primary partition entry array was damaged; the partitions were taken from the backup/.test(n)), res.notes.join('\n'));
          await withImageFile(out, async back => {
            const g = (await back.systemArea()).gpt!;
            assert.deepEqual([g.headerCrcOk, g.entriesCrcOk, g.partitions.length, g.partitionsFrom], [true, true, 4, undefined]);
          });
        });
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    });

    it('in both arrays: a preserving repack leaves it out with a note and verifies (it failed: "GPT has 4 partitions, the original 5")', async () => {
      const dir = tmpdir('gpt-junk2');
      try {
        // The same bytes of the same entry in the backup array (its LBA from the backup header).
        const orig = fs.readFileSync(await fixture('grub-mkrescue'));
        const le64 = (o: number) => Number(orig.readBigUInt64LE(o));
        const primaryEntries = le64(512 + 72) * 512;
        const backupHeader = le64(512 + 32) * 512;
        const backupEntries = le64(backupHeader + 72) * 512;
        const at = 15740 - primaryEntries;
        const copy = await patchedCopy('grub-mkrescue', dir, 'junk-entry2.iso', [[15740, Buffer.alloc(57, 0xff)], [backupEntries + at, Buffer.alloc(57, 0xff)]]);
        await withImageFile(copy, async img => {
          const gpt = (await img.systemArea()).gpt!;
          assert.deepEqual([gpt.entriesCrcOk, gpt.backup?.entriesCrcOk, gpt.partitionsFrom], [false, false, undefined]);
          assert.deepEqual(gpt.partitions.map(p => p.index), [1, 2, 3, 4, 44]);
          const out = path.join(dir, 'out.iso');
          const res = await repack(img, null, { output: out, layout: 'preserve', sourcePath: copy });
          assert.equal(res.verify?.problems.length, 0, res.verify?.problems.join('\n'));
          assert.ok(res.notes.some(n => /^GPT partition 44 \(blocks \d+\.\.\d+\) lies beyond the new last usable block \d+: removed$/.test(n)), res.notes.join('\n'));
          await withImageFile(out, async back => {
            const g = (await back.systemArea()).gpt!;
            assert.deepEqual([g.headerCrcOk, g.entriesCrcOk, g.partitions.length], [true, true, 4]);
          });
        });
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    });

    it('a GPT whose SizeOfPartitionEntry is 20 (gpt-basdat patched): the repack refuses with a typed error naming it (it was a RangeError)', async () => {
      const dir = tmpdir('gpt-size');
      try {
        const copy = await patchedCopy('gpt-basdat', dir, 'entry-size-20.iso', [[512 + 84, Buffer.from([20, 0, 0, 0])]]);
        await withImageFile(copy, async img => {
          const out = path.join(dir, 'out.iso');
          await assert.rejects(repack(img, null, { output: out, layout: 'preserve', sourcePath: copy }),
            (e: unknown) => e instanceof IsoError && e.code === 'CORRUPT_IMAGE' && /SizeOfPartitionEntry is 20, not a multiple of 128/.test(e.message) && e.offset === 596);
          assert.deepEqual(fs.readdirSync(dir), ['entry-size-20.iso'], 'nothing written');
        });
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    });
  });
});
