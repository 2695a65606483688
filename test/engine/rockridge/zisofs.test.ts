import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { CorruptImageError, DiagnosticSink, InvalidArgumentError, UnsupportedFeatureError } from '../../../src/engine/errors';
import { MemorySource, readExact } from '../../../src/engine/io/source';
import { parseRockRidge, type RockRidge } from '../../../src/engine/rockridge/rrip';
import { detectSusp, readSuspArea } from '../../../src/engine/rockridge/susp';
import { looksLikeZisofs, ZisofsReader, type ReadRange, ZISOFS2_MAGIC, ZISOFS_MAGIC } from '../../../src/engine/rockridge/zisofs';
import { bb32, entry, msgs, rrOf } from './helpers';

// ---------------------------------------------------------------------------------------------
// Hand-made zisofs files
// ---------------------------------------------------------------------------------------------

/** Deterministic test content: text, a run of zeros (→ zero-length block), pseudo-random bytes. */
function sample(size: number): Uint8Array {
  const b = new Uint8Array(size);
  let seed = 7;
  for (let i = 0; i < size; i++) {
    if (i >= 40000 && i < 140000) b[i] = 0;
    else if (i < 40000) b[i] = 'abcdefghij\n'.charCodeAt(i % 11);
    else { seed = (seed * 1103515245 + 12345) & 0x7fffffff; b[i] = seed >>> 16 & 0xff; }
  }
  return b;
}

/**
 * Builds zisofs (v1: 16-byte header, u32 pointers) or zisofs2 (24-byte header, u64 pointers) data
 * the way mkzftree / libisofs do: all-zero blocks get a zero-length output block.
 */
function makeZisofs(data: Uint8Array, log2 = 15, version: 1 | 2 = 1): Uint8Array {
  const bs = 2 ** log2;
  const n = Math.ceil(data.length / bs);
  const hdr = version === 1 ? 16 : 24;
  const psz = version === 1 ? 4 : 8;
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const chunk = data.subarray(i * bs, Math.min(data.length, (i + 1) * bs));
    blocks.push(chunk.every(x => x === 0) ? new Uint8Array(0) : deflateSync(chunk, { level: 6 }));
  }
  const total = hdr + (n + 1) * psz + blocks.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  if (version === 1) {
    out.set(ZISOFS_MAGIC, 0);
    dv.setUint32(8, data.length, true);
    out[12] = hdr / 4;
    out[13] = log2;
  } else {
    out.set(ZISOFS2_MAGIC, 0);
    out[8] = 0; out[9] = hdr / 4; out[10] = 1; out[11] = log2;
    dv.setBigUint64(12, BigInt(data.length), true);
  }
  let p = hdr + (n + 1) * psz;
  for (let i = 0; i <= n; i++) {
    if (version === 1) dv.setUint32(hdr + i * 4, p, true);
    else dv.setBigUint64(hdr + i * 8, BigInt(p), true);
    if (i < n) { out.set(blocks[i], p); p += blocks[i].length; }
  }
  return out;
}

function reader(buf: Uint8Array, counter?: { n: number }): ReadRange {
  return async (o, l) => {
    if (counter) counter.n++;
    return buf.subarray(Math.min(o, buf.length), Math.min(o + l, buf.length));
  };
}

async function rejects(p: Promise<unknown>, cls: new (...a: never[]) => Error, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.match((e as Error).message, re);
    return true;
  });
}

describe('zisofs (zisofs.ts)', () => {
  const data = sample(200_000);

  it('looksLikeZisofs recognises both magics and nothing else', () => {
    assert.equal(looksLikeZisofs(makeZisofs(data).subarray(0, 16)), true);
    assert.equal(looksLikeZisofs(makeZisofs(data, 15, 2).subarray(0, 16)), true);
    assert.equal(looksLikeZisofs(data.subarray(0, 16)), false);
    assert.equal(looksLikeZisofs(Uint8Array.from(ZISOFS_MAGIC.slice(0, 5))), false);
  });

  for (const [version, log2] of [[1, 15], [1, 17], [2, 16]] as const) {
    it(`v${version} block size 2^${log2}: whole file, ranges across blocks, zero blocks, end of file`, async () => {
      const z = makeZisofs(data, log2, version);
      const r = await ZisofsReader.open(reader(z), z.length, '/t');
      assert.equal(r.size, data.length);
      assert.equal(r.blockSize, 2 ** log2);
      assert.equal(r.version, version);
      assert.deepEqual(await r.read(0, data.length), data);
      assert.deepEqual(await r.read(32760, 20), data.subarray(32760, 32780));
      assert.deepEqual(await r.read(50_000, 70_000), data.subarray(50_000, 120_000)); // inside the zero run
      assert.deepEqual(await r.read(199_990, 100), data.subarray(199_990));
      assert.equal((await r.read(data.length, 10)).length, 0);
      assert.equal((await r.read(data.length + 5000, 10)).length, 0);
    });
  }

  it('inflates only the needed blocks and caches decoded blocks', async () => {
    const z = makeZisofs(data);
    const count = { n: 0 };
    const r = await ZisofsReader.open(reader(z, count), z.length, '/t');
    const afterOpen = count.n;
    await r.read(180_000, 10); // block 5 (random data)
    const one = count.n - afterOpen;
    assert.equal(one, 1, 'one compressed read (pointer window is cached)');
    await r.read(180_010, 10);
    await r.read(180_020, 10);
    assert.equal(count.n - afterOpen, 1, 'served from the block cache');
  });

  it('an empty file (size 0) reads as empty', async () => {
    const z = makeZisofs(new Uint8Array(0));
    const r = await ZisofsReader.open(reader(z), z.length, '/t');
    assert.equal(r.size, 0);
    assert.equal((await r.read(0, 100)).length, 0);
  });

  it('rejects bad read arguments with InvalidArgumentError', async () => {
    const z = makeZisofs(data);
    const r = await ZisofsReader.open(reader(z), z.length, '/t');
    await rejects(r.read(-1, 5), InvalidArgumentError, /bad read range/);
    await rejects(r.read(0, 1e12), InvalidArgumentError, /refusing/);
  });

  describe('ZF bad header', () => {
    const z = makeZisofs(data);
    const mutate = (f: (b: Uint8Array, dv: DataView) => void) => {
      const c = z.slice();
      f(c, new DataView(c.buffer));
      return c;
    };
    it('wrong magic', async () => {
      await rejects(ZisofsReader.open(reader(data), data.length, '/t', 4096), CorruptImageError, /no zisofs header magic/);
    });
    it('too small for a header', async () => {
      await rejects(ZisofsReader.open(reader(z), 10, '/t'), CorruptImageError, /too small/);
      await rejects(ZisofsReader.open(async () => new Uint8Array(3), 100, '/t'), CorruptImageError, /truncated/);
    });
    it('log2 block size out of range (0, 12, 18, 255)', async () => {
      for (const v of [0, 12, 18, 255]) {
        const b = mutate(x => { x[13] = v; });
        await rejects(ZisofsReader.open(reader(b), b.length, '/t'), CorruptImageError, /log2 block size/);
      }
    });
    it('header size div 4 below the header', async () => {
      const b = mutate(x => { x[12] = 2; });
      await rejects(ZisofsReader.open(reader(b), b.length, '/t'), CorruptImageError, /header size 8/);
    });
    it('absurd uncompressed size: pointer table cannot fit', async () => {
      const b = mutate((_x, dv) => dv.setUint32(8, 0xffffffff, true));
      await rejects(ZisofsReader.open(reader(b), b.length, '/t'), CorruptImageError, /pointer table .* does not fit/);
    });
    it('first pointer inside the table / pointers inconsistent', async () => {
      const b = mutate((_x, dv) => dv.setUint32(16, 3, true));
      await rejects(ZisofsReader.open(reader(b), b.length, '/t'), CorruptImageError, /inconsistent/);
    });
    it('zisofs2: unsupported algorithm and header version are UnsupportedFeatureError', async () => {
      const z2 = makeZisofs(data, 15, 2);
      const xz = z2.slice(); xz[10] = 2;
      await rejects(ZisofsReader.open(reader(xz), xz.length, '/t'), UnsupportedFeatureError, /XZ/);
      const hv = z2.slice(); hv[8] = 1;
      await rejects(ZisofsReader.open(reader(hv), hv.length, '/t'), UnsupportedFeatureError, /header version 1/);
      const huge = z2.slice(); new DataView(huge.buffer).setBigUint64(12, 2n ** 60n, true);
      await rejects(ZisofsReader.open(reader(huge), huge.length, '/t'), UnsupportedFeatureError, /exceeds 2\^53/);
    });
    it('error carries structure and absolute offset when the base is known', async () => {
      const b = mutate(x => { x[13] = 40; });
      await assert.rejects(ZisofsReader.open(reader(b), b.length, '/boot/x', 8192), (e: unknown) => {
        assert.ok(e instanceof CorruptImageError);
        assert.equal(e.structure, 'zisofs header of /boot/x');
        assert.equal(e.offset, 8192);
        return true;
      });
    });
  });

  describe('truncated or corrupt zisofs data', () => {
    it('compressed size smaller than the data the pointers announce → error at open', async () => {
      const z = makeZisofs(data);
      await rejects(ZisofsReader.open(reader(z), z.length - 100, '/t'), CorruptImageError, /truncated/);
    });
    it('source shorter than the announced compressed size → error at read of the missing block', async () => {
      const z = makeZisofs(data);
      const cut = z.subarray(0, z.length - 500); // the last block loses its tail
      const r = await ZisofsReader.open(reader(cut), z.length, '/t');
      assert.deepEqual(await r.read(0, 1000), data.subarray(0, 1000)); // early blocks still fine
      await rejects(r.read(199_000, 100), CorruptImageError, /block 6 truncated/); // last block: 196608..200000
    });
    it('garbage deflate data → CorruptImageError, not a zlib error', async () => {
      const z = makeZisofs(data);
      const dv = new DataView(z.buffer);
      const p = dv.getUint32(16 + 5 * 4, true);
      for (let i = 0; i < 20; i++) z[p + i] ^= 0x5a;
      const r = await ZisofsReader.open(reader(z), z.length, '/t');
      await rejects(r.read(5 * 32768, 10), CorruptImageError, /block 5 does not inflate/);
    });
    it('a block inflating beyond the block size (zip bomb) is capped', async () => {
      const bomb = deflateSync(new Uint8Array(4 << 20)); // 4 MiB of zeros in ~4 KiB
      const hdr = new Uint8Array(16 + 8);
      hdr.set(ZISOFS_MAGIC, 0);
      const dv = new DataView(hdr.buffer);
      dv.setUint32(8, 32768, true); hdr[12] = 4; hdr[13] = 15;
      dv.setUint32(16, 24, true); dv.setUint32(20, 24 + bomb.length, true);
      const z = new Uint8Array(24 + bomb.length); z.set(hdr); z.set(bomb, 24);
      const r = await ZisofsReader.open(reader(z), z.length, '/t');
      await rejects(r.read(0, 10), CorruptImageError, /block 0 does not inflate/);
    });
    it('a block inflating to fewer bytes than expected', async () => {
      const short = deflateSync(new Uint8Array(100).fill(1));
      const z = new Uint8Array(24 + short.length);
      z.set(ZISOFS_MAGIC, 0);
      const dv = new DataView(z.buffer);
      dv.setUint32(8, 32768, true); z[12] = 4; z[13] = 15;
      dv.setUint32(16, 24, true); dv.setUint32(20, 24 + short.length, true);
      z.set(short, 24);
      const r = await ZisofsReader.open(reader(z), z.length, '/t');
      await rejects(r.read(0, 10), CorruptImageError, /inflates to 100 bytes, expected 32768/);
    });
    it('decreasing block pointers', async () => {
      const z = makeZisofs(data);
      const dv = new DataView(z.buffer);
      dv.setUint32(16 + 3 * 4, dv.getUint32(16 + 2 * 4, true) - 1, true);
      const r = await ZisofsReader.open(reader(z), z.length, '/t');
      await rejects(r.read(2 * 32768, 10), CorruptImageError, /decrease/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Real tool output
// ---------------------------------------------------------------------------------------------

const BS = 2048;
interface Rec { lba: number; size: number; rr: RockRidge }

/** Tiny walker over the root directory (test only): name → extent and Rock Ridge data. */
async function rootFiles(img: Uint8Array): Promise<{ files: Map<string, Rec>; sink: DiagnosticSink }> {
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const src = new MemorySource(img, 'test.iso');
  const readAt = (o: number, l: number) => readExact(src, o, l, 'SUSP continuation area');
  const rootRec = 16 * BS + 156;
  let p = dv.getUint32(rootRec + 2, true) * BS;
  const end = p + dv.getUint32(rootRec + 10, true);
  const sink = new DiagnosticSink();
  const files = new Map<string, Rec>();
  let skip = -1;
  while (p < end) {
    const len = img[p];
    if (len === 0) { p = (Math.floor(p / BS) + 1) * BS; continue; }
    const nl = img[p + 32];
    const s = p + 33 + nl + (nl % 2 === 0 ? 1 : 0);
    const su = img.subarray(s, p + len);
    if (skip < 0) skip = detectSusp(su)?.skip ?? 0;
    const area = await readSuspArea(su, s, skip, readAt, BS, sink, '/?');
    const rr = parseRockRidge(area.entries, sink, '/?');
    if (rr.nm && rr.nm !== '.' && rr.nm !== '..') files.set(rr.nm, { lba: dv.getUint32(p + 2, true), size: dv.getUint32(p + 10, true), rr });
    p += len;
  }
  return { files, sink };
}

async function checkFile(img: Uint8Array, rec: Rec | undefined, expected: Uint8Array, algorithm: string): Promise<ZisofsReader> {
  assert.ok(rec, 'file found');
  assert.ok(rec.rr.zf, 'ZF entry present');
  assert.equal(rec.rr.zf.algorithm, algorithm);
  assert.equal(rec.rr.zf.uncompressedSize, expected.length);
  assert.ok(rec.size < expected.length, 'stored compressed');
  const base = rec.lba * BS;
  const read: ReadRange = async (o, l) => img.subarray(base + o, base + Math.min(o + l, rec.size));
  assert.ok(looksLikeZisofs(img.subarray(base, base + 16)));
  const z = await ZisofsReader.open(read, rec.size, '/f', base);
  assert.equal(z.size, expected.length);
  assert.equal(z.blockSize, 2 ** rec.rr.zf.log2BlockSize);
  assert.deepEqual(await z.read(0, expected.length), expected);
  assert.deepEqual(await z.read(70_000, 1234), expected.subarray(70_000, 71_234));
  return z;
}

describe('zisofs against real tool output', function () {
  this.timeout(60_000);
  let tmp = '';
  let src = '';
  const content = sample(300_000);
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-zf-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'data.bin'), content);
  });
  after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  it('xorriso -zisofs level=6 (zisofs v1, "pz")', async () => {
    const iso = path.join(tmp, 'v1.iso');
    // Generating command:
    execFileSync('xorriso', ['-no_rc', '-outdev', iso, '-zisofs', 'level=6', '-map', src, '/', '-set_filter_r', '--zisofs', '/', '--'],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    const img = fs.readFileSync(iso);
    const { files, sink } = await rootFiles(img);
    const z = await checkFile(img, files.get('data.bin'), content, 'pz');
    assert.equal(z.version, 1);
    assert.deepEqual(sink.items, []);
  });

  it('xorriso -zisofs version_2=on (zisofs2, ZF version 2, "PZ", 64-bit pointers)', async () => {
    const iso = path.join(tmp, 'v2.iso');
    // Generating command:
    execFileSync('xorriso', ['-no_rc', '-outdev', iso, '-zisofs', 'version_2=on:level=6:block_size_v2=128k', '-map', src, '/', '-set_filter_r', '--zisofs', '/', '--'],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    const img = fs.readFileSync(iso);
    const { files, sink } = await rootFiles(img);
    const z = await checkFile(img, files.get('data.bin'), content, 'PZ');
    assert.equal(z.version, 2);
    assert.equal(z.blockSize, 131072);
    assert.equal(files.get('data.bin')?.rr.zf?.version, 2);
    assert.deepEqual(sink.items, []);
  });

  it('mkzftree + genisoimage -z (zisofs-tools writer)', async () => {
    const zdir = path.join(tmp, 'ztree');
    const iso = path.join(tmp, 'mkz.iso');
    // Generating commands:
    execFileSync('mkzftree', [src, zdir], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    execFileSync('genisoimage', ['-z', '-R', '-quiet', '-o', iso, zdir], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    const img = fs.readFileSync(iso);
    const { files, sink } = await rootFiles(img);
    await checkFile(img, files.get('data.bin'), content, 'pz');
    assert.deepEqual(sink.items, []);
  });
});

// ---------------------------------------------------------------------------------------------
// The ZF / Z2 System Use entry
// ---------------------------------------------------------------------------------------------

describe('ZF entry (zisofs.ts)', () => {
  it('ZF: zisofs v1 ("pz", both-endian size) and zisofs2 (version 2, "PZ", 64-bit size), Z2 signature', () => {
    assert.deepEqual(rrOf(entry('ZF', 1, 'pz', 4, 15, bb32(1234567))).rr.zf,
      { algorithm: 'pz', headerSizeDiv4: 4, log2BlockSize: 15, uncompressedSize: 1234567, version: 1 });
    const big = [0x00, 0x80, 0xca, 0x39, 0x61, 0x24, 0x00, 0x00]; // 40 TB, example of zisofs2_format.txt
    assert.deepEqual(rrOf(entry('ZF', 2, 'PZ', 8, 17, big)).rr.zf,
      { algorithm: 'PZ', headerSizeDiv4: 8, log2BlockSize: 17, uncompressedSize: 0x246139ca8000, version: 2 });
    assert.equal(rrOf(entry('Z2', 2, 'PZ', 6, 17, [1, 0, 0, 0, 0, 0, 0, 0])).rr.zf?.uncompressedSize, 1);
    const bad = rrOf(entry('ZF', 1, 'pz', 4));
    assert.equal(bad.rr.zf, undefined);
    assert.match(msgs(bad.sink), /ZF entry too short/);
  });
});
