// Byte search (the sector editor's Find): pattern compilation, random data against a brute-force
// oracle with tiny chunks (every chunk-boundary case), wrap-around order, hit limits, cancel,
// and a cross-check of the hit offsets on a real image against GNU grep -obUaP.
import { strict as assert } from 'assert';
import { compilePattern, searchBytes, type BytePattern } from '../../src/engine/imageByteSearch';
import { InvalidArgumentError } from '../../src/engine/errors';
import { FileSource } from '../../src/engine/io/fileSource';
import { MemorySource } from '../../src/engine/io/source';
import { realImage } from '../fixtures/build';
import { run } from '../peers/run';
import { prng } from '../util/prng';

/** Every start offset where p matches, ascending (the oracle). */
function bruteForce(data: Uint8Array, p: BytePattern): number[] {
  const out: number[] = [];
  const m = p.bytes.length;
  const fold = (b: number) => (p.foldAscii && b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
  for (let i = 0; i + m <= data.length; i++) {
    let ok = true;
    for (let k = 0; k < m && ok; k++) {
      if (p.mask && p.mask[k] === 0) continue;
      ok = fold(data[i + k]) === fold(p.bytes[k]);
    }
    if (ok) out.push(i);
  }
  return out;
}

/** The oracle's hits in the order of a wrap-around search starting at `from`. */
function wrapOrder(hits: number[], from: number): number[] {
  return [...hits.filter(h => h >= from), ...hits.filter(h => h < from)];
}

describe('byte search', function () {
  this.timeout(120_000);

  describe('compilePattern', () => {
    it('parses hex with spaces, 0x prefixes and ?? wildcards', () => {
      const p = compilePattern('hex', '55 aa', true);
      assert.deepEqual([...p.bytes], [0x55, 0xaa]);
      assert.equal(p.mask, null);
      assert.deepEqual([...compilePattern('hex', '55AA', true).bytes], [0x55, 0xaa]);
      assert.deepEqual([...compilePattern('hex', '0x55 0xAA', true).bytes], [0x55, 0xaa]);
      const w = compilePattern('hex', 'CD ?? 01', true);
      assert.deepEqual([...w.mask!], [0xff, 0, 0xff]);
      assert.equal(w.foldAscii, false);
    });

    it('encodes text as UTF-8, UTF-16LE and UTF-16BE, folding ASCII letters when case-insensitive', () => {
      assert.deepEqual([...compilePattern('ascii', 'CD001', true).bytes], [...Buffer.from('CD001')]);
      assert.deepEqual([...compilePattern('ascii', 'é', true).bytes], [0xc3, 0xa9]);
      assert.deepEqual([...compilePattern('utf16le', 'Ab', true).bytes], [0x41, 0, 0x62, 0]);
      assert.deepEqual([...compilePattern('utf16be', 'Ab', true).bytes], [0, 0x41, 0, 0x62]);
      assert.equal(compilePattern('ascii', 'grub', false).foldAscii, true);
      assert.equal(compilePattern('ascii', '1234', false).foldAscii, false, 'no letters: nothing to fold');
      assert.equal(compilePattern('ascii', 'grub', true).foldAscii, false);
    });

    it('rejects bad input with a clear message', () => {
      const bad: Array<[Parameters<typeof compilePattern>[0], string, RegExp]> = [
        ['hex', '', /empty/], ['hex', '   ', /empty/], ['hex', '5', /odd number/], ['hex', '55 a', /odd number/],
        ['hex', 'zz', /not a hex byte/], ['hex', '4?', /not a hex byte/], ['ascii', '', /empty/], ['utf16le', '', /empty/],
        ['hex', '00'.repeat(4097), /limit is 4096/], ['ascii', 'x'.repeat(4097), /limit is 4096/], ['utf16be', 'x'.repeat(2049), /limit is 4096/],
      ];
      for (const [k, s, re] of bad) assert.throws(() => compilePattern(k, s, true), (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message), `${k} ${JSON.stringify(s.slice(0, 10))}`);
      assert.equal(compilePattern('hex', '00'.repeat(4096), true).bytes.length, 4096);
    });
  });

  it('finds exactly the brute-force hits in random data, for every chunk size, start and pattern kind', async () => {
    const rand = prng(7);
    for (let round = 0; round < 60; round++) {
      const size = rand() % 3000;
      // Small alphabet so patterns repeat and overlap ("aaa" in "aaaa" matches twice).
      const data = new Uint8Array(size);
      const alphabet = [0x61, 0x41, 0x62, 0x00, 0xff];
      for (let i = 0; i < size; i++) data[i] = alphabet[rand() % alphabet.length];
      const m = 1 + (rand() % 6);
      const bytes = new Uint8Array(m);
      for (let i = 0; i < m; i++) bytes[i] = alphabet[rand() % alphabet.length];
      const kind = rand() % 3;
      const mask = kind === 1 ? Uint8Array.from(bytes, () => (rand() % 3 === 0 ? 0 : 0xff)) : null;
      const p: BytePattern = { bytes, mask, foldAscii: kind === 2 };
      const all = bruteForce(data, p);
      const src = new MemorySource(data);
      for (const chunkSize of [1, 2, 3, m, m + 1, 7, 64, 4 * 1024 * 1024]) {
        const from = size ? rand() % (size + 1) : 0;
        const r = await searchBytes(src, p, { from, chunkSize });
        assert.deepEqual(r.hits, wrapOrder(all, from), `round ${round} chunk ${chunkSize} from ${from} pattern ${Buffer.from(bytes).toString('hex')} mask ${mask ? Buffer.from(mask).toString('hex') : '-'} fold ${p.foldAscii}`);
        assert.equal(r.truncated, false);
        assert.equal(r.cancelled, false);
      }
    }
  });

  it('finds a match across every chunk boundary position exactly once', async () => {
    const needle = Buffer.from('BOUNDARY');
    const p = compilePattern('ascii', 'BOUNDARY', true);
    for (let at = 0; at < 40; at++) {
      const data = new Uint8Array(48);
      data.set(needle, at);
      const want = at + needle.length <= data.length ? [at] : [];
      for (const chunkSize of [1, 5, 8, 9, 16]) {
        const r = await searchBytes(new MemorySource(data), p, { chunkSize });
        assert.deepEqual(r.hits, want, `needle at ${at}, chunk ${chunkSize}`);
      }
    }
  });

  it('wraps around: hits from `from` to the end, then from 0; a match straddling `from` is found once, in the second part', async () => {
    const data = new Uint8Array(100);
    for (const at of [10, 48, 90]) data.set(Buffer.from('XYZ'), at);
    const p = compilePattern('ascii', 'XYZ', true);
    assert.deepEqual((await searchBytes(new MemorySource(data), p, { from: 50, chunkSize: 16 })).hits, [90, 10, 48]);
    assert.deepEqual((await searchBytes(new MemorySource(data), p, { from: 49, chunkSize: 16 })).hits, [90, 10, 48]);
    assert.deepEqual((await searchBytes(new MemorySource(data), p, { from: 48, chunkSize: 16 })).hits, [48, 90, 10]);
    assert.deepEqual((await searchBytes(new MemorySource(data), p, { from: 100 })).hits, [10, 48, 90]);
    assert.deepEqual((await searchBytes(new MemorySource(data), p, { from: 1000 })).hits, [10, 48, 90]);
    await assert.rejects(searchBytes(new MemorySource(data), p, { from: -1 }), InvalidArgumentError);
  });

  it('stops at maxHits (truncated), reports progress with the new hits, and cancels between chunks', async () => {
    const data = new Uint8Array(10_000).fill(0x41);
    const p = compilePattern('hex', '41 41', true);
    const r = await searchBytes(new MemorySource(data), p, { maxHits: 100, chunkSize: 64 });
    assert.equal(r.hits.length, 100);
    assert.equal(r.truncated, true);
    assert.deepEqual(r.hits.slice(0, 3), [0, 1, 2]);

    const seen: number[] = [];
    let calls = 0;
    let last = 0;
    const all = await searchBytes(new MemorySource(data), p, {
      chunkSize: 1000, from: 5000,
      onProgress: (scanned, total, hits) => { calls++; assert.ok(scanned >= last && scanned <= total); last = scanned; seen.push(...hits); },
    });
    assert.equal(all.hits.length, 9999);
    assert.deepEqual(seen, all.hits, 'progress delivered every hit once, in order');
    assert.ok(calls >= 10, `${calls} progress calls`);
    assert.equal(last, 10_000);

    const ac = new AbortController();
    const c = await searchBytes(new MemorySource(data), p, { chunkSize: 1000, signal: ac.signal, onProgress: () => ac.abort() });
    assert.equal(c.cancelled, true);
    assert.ok(c.hits.length > 0 && c.hits.length < 2000, `${c.hits.length} hits before the cancel`);
    const pre = new AbortController();
    pre.abort();
    assert.deepEqual(await searchBytes(new MemorySource(data), p, { signal: pre.signal }), { hits: [], truncated: false, cancelled: true });
  });

  it('matches GNU grep -obUaP on the GRUB rescue image (exact, wildcard and case-insensitive patterns)', async () => {
    const file = await realImage('grub-rescue-cdrom.iso');
    const src = await FileSource.open(file);
    try {
      // grep reports leftmost, non-overlapping matches, one per output line ("offset:match"), so
      // wildcards are [^\n] there (a match never spans a line) and our hits are reduced the same
      // way before comparing: drop those with a newline under a wildcard, then keep the leftmost
      // non-overlapping ones.
      const cases: Array<{ kind: 'hex' | 'ascii'; pattern: string; cs: boolean; perl: string }> = [
        { kind: 'ascii', pattern: 'GRUB', cs: true, perl: 'GRUB' },
        { kind: 'ascii', pattern: 'grub', cs: false, perl: '(?i)grub' },
        { kind: 'hex', pattern: '55 AA', cs: true, perl: '\\x55\\xAA' },
        { kind: 'hex', pattern: '43 44 30 30 31', cs: true, perl: 'CD001' },
        { kind: 'hex', pattern: '2e 6d 6f 64 ?? ??', cs: true, perl: '\\.mod[^\\n]{2}' },
        { kind: 'hex', pattern: '00 ?? 00 00 00 ?? 00', cs: true, perl: '\\x00[^\\n]\\x00\\x00\\x00[^\\n]\\x00' },
      ];
      for (const c of cases) {
        const p = compilePattern(c.kind, c.pattern, c.cs);
        const r = await searchBytes(src, p, { chunkSize: 1 << 20, maxHits: 10_000_000 });
        assert.equal(r.truncated, false);
        const m = p.bytes.length;
        const kept: number[] = [];
        let next = 0;
        for (const h of r.hits) {
          if (h < next) continue;
          if (p.mask) {
            const b = await src.read(h, m);
            if ([...b].some((x, k) => p.mask![k] === 0 && x === 0x0a)) continue;
          }
          kept.push(h);
          next = h + m;
        }
        const g = await run('grep', ['-obUaP', c.perl, file], { env: { LC_ALL: 'C' } });
        assert.ok(g.code === 0 || g.code === 1, g.stderr);
        const want = g.stdout.toString('latin1').split('\n').filter(l => l !== '').map(l => Number(l.slice(0, l.indexOf(':'))));
        assert.ok(want.length > 0, `${c.pattern}: grep found nothing`);
        assert.deepEqual(kept, want, `${c.pattern}: ${kept.length} hits vs grep's ${want.length}`);
      }
    } finally {
      await src.close();
    }
  });
});
