// Builds (or reuses from bench/cache/) the two benchmark images with real tools (xorriso).
// Everything is derived from the parameter objects below and a seeded PRNG, so the same
// parameters always give the same tree; the cache key is a hash of those parameters.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';

/** Bump when the generator code changes in a way that changes the output. */
const GENERATOR_VERSION = 1;

export type ImageKind = 'small' | 'large';

export interface ManifestFile {
  /** Absolute path inside the image (Rock Ridge / Joliet name), e.g. "/D0001_x/F000001_y.dat". */
  path: string;
  size: number;
  /** sha256 of the content, for a sample of files (undefined: size check only). */
  sha256?: string;
}

export interface Manifest {
  kind: ImageKind;
  key: string;
  params: unknown;
  image: string;
  /** Every regular file the image must contain (including the El Torito boot catalog). */
  files: ManifestFile[];
  /** Every directory (absolute image paths, root excluded). */
  dirs: string[];
  /** Number of distinct F###### / D#### name tokens: what a listing must show. */
  fileTokens: number;
  dirTokens: number;
  totalBytes: number;
  /** The file `cat` reads, with its size and sha256. */
  catTarget: Required<ManifestFile>;
  generatedSeconds: number;
}

// ---------------------------------------------------------------- PRNG

import { prng } from '../test/util/prng';

function fillRandom(buf: Buffer, next: () => number): void {
  const words = Math.floor(buf.length / 4);
  const u32 = new Uint32Array(buf.buffer, buf.byteOffset, words);
  for (let i = 0; i < words; i++) u32[i] = next();
  for (let i = words * 4; i < buf.length; i++) buf[i] = next() & 0xff;
}

const WORDS = [
  'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima',
  'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey',
  'xray', 'yankee', 'zulu', 'config', 'module', 'package', 'resource', 'texture', 'locale', 'manifest', 'kernel',
];
const EXTS = ['dat', 'txt', 'bin', 'json', 'xml', 'png', 'so', 'conf', 'html', 'js', 'c', 'h', 'md', ''];

function word(next: () => number): string {
  return WORDS[next() % WORDS.length];
}

// ---------------------------------------------------------------- parameters

export const SMALL_PARAMS = {
  kind: 'small' as const,
  version: GENERATOR_VERSION,
  seed: 0x15_0b_e7c1,
  files: 100_000,
  /** Directory tree: top × mid × leaf, plus a chain of `deepDepth` nested directories. */
  top: 24,
  mid: 11,
  leaf: 10,
  deepDepth: 7,
  /** size = floor(maxSize * u^sizeExponent): mean maxSize/(exp+1) ≈ 10 KiB, ~3% empty files. */
  maxSize: 40_960,
  sizeExponent: 3,
  catTargetSize: 12_345,
  poolBytes: 64 * 1024 * 1024,
  /** Every n-th file gets its sha256 recorded for extraction checks. */
  hashEvery: 500,
  bootImage: '/usr/lib/ISOLINUX/isolinux.bin',
  mkisofs: ['-R', '-J', '-joliet-long', '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat',
    '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table'],
};

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const LARGE_PARAMS = {
  kind: 'large' as const,
  version: GENERATOR_VERSION,
  seed: 0x0b16_f11e,
  /** Sparse files: a real random data block of `dataBlock` bytes every `dataEvery` bytes, plus the
   *  first and last block and blocks straddling the 4 GiB - 2 KiB multi-extent boundary. */
  dataEvery: 64 * MiB,
  dataBlock: 1 * MiB,
  files: [
    { path: '/D0001_big/F000001_over-4GiB.bin', size: 4 * GiB + 100 * MiB + 4321 },
    { path: '/D0002_media/F000002_media-a.bin', size: 96 * MiB + 17 },
    { path: '/D0002_media/F000003_media-b.bin', size: 33 * MiB + 5 },
    { path: '/F000004_readme.txt', size: 1234 },
  ],
  mkisofs: ['-R', '-J', '-joliet-long', '-iso-level', '3'],
};

function keyOf(params: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 12);
}

// ---------------------------------------------------------------- helpers

export function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

function requireSpace(dir: string, need: number, what: string): void {
  const free = freeBytes(dir);
  if (free < need) {
    throw new Error(`not enough free space in ${dir} for ${what}: need ${(need / GiB).toFixed(1)} GiB, ` +
      `have ${(free / GiB).toFixed(1)} GiB`);
  }
}

function runXorriso(args: string[], log: (s: string) => void): void {
  log(`  $ xorriso ${args.join(' ')}`);
  const r = spawnSync('xorriso', args, { encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.status !== 0) {
    throw new Error(`xorriso failed (status ${r.status}):\n${(r.stderr ?? '').split('\n').slice(-20).join('\n')}`);
  }
}

function rmTree(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

function loadCached(cacheDir: string, kind: ImageKind, key: string): Manifest | undefined {
  const m = path.join(cacheDir, `${kind}-${key}.json`);
  const img = path.join(cacheDir, `${kind}-${key}.iso`);
  if (!fs.existsSync(m) || !fs.existsSync(img)) return undefined;
  const man = JSON.parse(fs.readFileSync(m, 'utf8')) as Manifest;
  man.image = img;
  return man;
}

// ---------------------------------------------------------------- small-files image

interface SmallTree {
  files: ManifestFile[];
  dirs: string[];
  totalBytes: number;
  catTarget: Required<ManifestFile>;
  dirTokens: number;
}

/** Writes the small-files source tree (100,000 files, deterministic) into `src`, which must not exist. */
function writeSmallTree(src: string): SmallTree {
  const P = SMALL_PARAMS;

  const next = prng(P.seed);
  const pool = Buffer.allocUnsafe(P.poolBytes);
  fillRandom(pool, next);

  // Directories.
  const dirs: string[] = [];
  let dirId = 0;
  const dname = () => `D${String(++dirId).padStart(4, '0')}_${word(next)}${next() % 3 === 0 ? '-' + word(next) : ''}`;
  for (let t = 0; t < P.top; t++) {
    const td = `/${dname()}`;
    dirs.push(td);
    for (let m = 0; m < P.mid; m++) {
      const md = `${td}/${dname()}`;
      dirs.push(md);
      for (let l = 0; l < P.leaf; l++) dirs.push(`${md}/${dname()}`);
    }
  }
  let deep = '';
  for (let d = 0; d < P.deepDepth; d++) {
    deep += `/${d === 0 ? `D${String(++dirId).padStart(4, '0')}_deep` : `D${String(++dirId).padStart(4, '0')}_level${d}`}`;
    dirs.push(deep);
  }
  for (const d of dirs) fs.mkdirSync(src + d, { recursive: true });

  // Files.
  const files: ManifestFile[] = [];
  let total = 0;
  const write = (p: string, size: number, withHash: boolean): ManifestFile => {
    const off = size === 0 ? 0 : next() % (P.poolBytes - size);
    const data = pool.subarray(off, off + size);
    fs.writeFileSync(src + p, data);
    total += size;
    const f: ManifestFile = { path: p, size };
    if (withHash) f.sha256 = crypto.createHash('sha256').update(data).digest('hex');
    return f;
  };
  for (let i = 0; i < P.files; i++) {
    const dir = dirs[next() % (dirs.length - P.deepDepth)];
    const u = next() / 2 ** 32;
    const size = Math.floor(P.maxSize * u ** P.sizeExponent);
    const ext = EXTS[next() % EXTS.length];
    const name = `F${String(i + 1).padStart(6, '0')}_${word(next)}-${word(next)}${ext ? '.' + ext : ''}`;
    files.push(write(`${dir}/${name}`, size, i % P.hashEvery === 0));
  }
  const catPath = `${deep}/F${String(P.files + 1).padStart(6, '0')}_target.bin`;
  const cat = write(catPath, P.catTargetSize, true) as Required<ManifestFile>;
  files.push(cat);

  // El Torito boot image; its content is patched by -boot-info-table, so size check only.
  fs.mkdirSync(path.join(src, 'isolinux'));
  fs.copyFileSync(P.bootImage, path.join(src, 'isolinux/isolinux.bin'));
  dirs.push('/isolinux');
  files.push({ path: '/isolinux/isolinux.bin', size: fs.statSync(P.bootImage).size });
  return { files, dirs, totalBytes: total, catTarget: cat, dirTokens: dirId };
}

/** Marks a source tree as completely written (so an interrupted generation is never reused). */
const treeMarker = (src: string) => `${src}.complete`;

export function ensureSmall(cacheDir: string, log: (s: string) => void, keepSource: boolean): Manifest {
  const P = SMALL_PARAMS;
  const key = keyOf(P);
  const cached = loadCached(cacheDir, 'small', key);
  if (cached) {
    log(`small-files image: cached ${path.relative(process.cwd(), cached.image)}`);
    return cached;
  }
  const t0 = process.hrtime.bigint();
  const src = path.join(cacheDir, `src-small-${key}`);
  const image = path.join(cacheDir, `small-${key}.iso`);
  // source tree + image + one extraction + slack
  requireSpace(cacheDir, 4 * GiB, 'the small-files image (source tree 1 GiB + image 1 GiB + extraction 1 GiB)');
  fs.rmSync(treeMarker(src), { force: true });
  rmTree(src);
  log(`small-files image: generating ${P.files} files under ${src} ...`);
  const tree = writeSmallTree(src);
  const { files, dirs } = tree;
  files.push({ path: '/isolinux/boot.cat', size: 2048 });
  const tTree = Number(process.hrtime.bigint() - t0) / 1e9;
  log(`  source tree: ${files.length} files, ${dirs.length} dirs, ${(tree.totalBytes / 1e9).toFixed(2)} GB in ${tTree.toFixed(1)} s`);

  const tmp = `${image}.tmp`;
  runXorriso(['-as', 'mkisofs', ...P.mkisofs, '-o', tmp, src], log);
  fs.renameSync(tmp, image);
  if (keepSource) fs.writeFileSync(treeMarker(src), '');
  else rmTree(src);

  const generatedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const man: Manifest = {
    kind: 'small', key, params: P, image, files, dirs,
    fileTokens: P.files + 1, dirTokens: tree.dirTokens, totalBytes: tree.totalBytes, catTarget: tree.catTarget, generatedSeconds,
  };
  fs.writeFileSync(path.join(cacheDir, `small-${key}.json`), JSON.stringify(man));
  log(`  image ${(fs.statSync(image).size / 1e9).toFixed(2)} GB, total generation ${generatedSeconds.toFixed(1)} s`);
  return man;
}

/** The small-files image's source tree (what `isowb build` and its peers are given), generated
 *  into `bench/cache/src-small-KEY/` unless a complete one is there (`ensureSmall(..., true)` keeps
 *  it). The caller deletes it with `removeSmallTree` when it is not to be kept. */
export function ensureSmallTree(cacheDir: string, log: (s: string) => void): string {
  const src = path.join(cacheDir, `src-small-${keyOf(SMALL_PARAMS)}`);
  if (fs.existsSync(treeMarker(src)) && fs.existsSync(src)) {
    log(`small-files source tree: cached ${path.relative(process.cwd(), src)}`);
    return src;
  }
  requireSpace(cacheDir, 2 * GiB, 'the small-files source tree (1 GiB)');
  fs.rmSync(treeMarker(src), { force: true });
  rmTree(src);
  const t0 = process.hrtime.bigint();
  log(`small-files source tree: generating ${SMALL_PARAMS.files} files under ${src} ...`);
  const tree = writeSmallTree(src);
  fs.writeFileSync(treeMarker(src), '');
  log(`  ${tree.files.length} files, ${tree.dirs.length} dirs, ${(tree.totalBytes / 1e9).toFixed(2)} GB in ` +
    `${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
  return src;
}

export function removeSmallTree(src: string): void {
  fs.rmSync(treeMarker(src), { force: true });
  rmTree(src);
}

// ---------------------------------------------------------------- large-files image

/** Data ranges [start, end) of a sparse large file, sorted and merged. */
function dataRanges(size: number, every: number, block: number): Array<[number, number]> {
  const raw: Array<[number, number]> = [];
  for (let off = 0; off < size; off += every) raw.push([off, Math.min(size, off + block)]);
  raw.push([Math.max(0, size - block), size]);
  const boundary = 4 * GiB - 2048; // where xorriso splits multi-extent files
  if (size > boundary) raw.push([boundary - block / 2, Math.min(size, boundary + block / 2)]);
  raw.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of raw) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export function ensureLarge(cacheDir: string, log: (s: string) => void, keepSource: boolean): Manifest {
  const P = LARGE_PARAMS;
  const key = keyOf(P);
  const cached = loadCached(cacheDir, 'large', key);
  if (cached) {
    log(`large-files image: cached ${path.relative(process.cwd(), cached.image)}`);
    return cached;
  }
  const logical = P.files.reduce((s, f) => s + f.size, 0);
  // xorriso writes the image fully allocated before we punch holes; one extraction follows.
  requireSpace(cacheDir, 2 * logical + 2 * GiB,
    `the large-files image (image ${(logical / GiB).toFixed(1)} GiB, written fully before holes are punched, + one extraction)`);
  const t0 = process.hrtime.bigint();
  const src = path.join(cacheDir, `src-large-${key}`);
  const image = path.join(cacheDir, `large-${key}.iso`);
  rmTree(src);
  log(`large-files image: generating sparse source files under ${src} ...`);
  const next = prng(P.seed);
  const zeros = Buffer.alloc(16 * MiB);
  const block = Buffer.allocUnsafe(P.dataBlock);
  const files: ManifestFile[] = [];
  const dirs = new Set<string>();
  for (const f of P.files) {
    const abs = src + f.path;
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    if (path.dirname(f.path) !== '/') dirs.add(path.dirname(f.path));
    const fd = fs.openSync(abs, 'w');
    fs.ftruncateSync(fd, f.size);
    const h = crypto.createHash('sha256');
    let pos = 0;
    const hashZeros = (n: number) => {
      while (n > 0) {
        const k = Math.min(n, zeros.length);
        h.update(zeros.subarray(0, k));
        n -= k;
      }
    };
    for (const [a, b] of dataRanges(f.size, P.dataEvery, P.dataBlock)) {
      hashZeros(a - pos);
      for (let off = a; off < b; off += block.length) {
        const chunk = block.subarray(0, Math.min(block.length, b - off));
        fillRandom(chunk, next);
        fs.writeSync(fd, chunk, 0, chunk.length, off);
        h.update(chunk);
      }
      pos = b;
    }
    hashZeros(f.size - pos);
    fs.closeSync(fd);
    files.push({ path: f.path, size: f.size, sha256: h.digest('hex') });
  }
  const tSrc = Number(process.hrtime.bigint() - t0) / 1e9;
  log(`  sparse sources: ${(logical / 1e9).toFixed(2)} GB logical in ${tSrc.toFixed(1)} s`);

  const tmp = `${image}.tmp`;
  runXorriso(['-as', 'mkisofs', ...P.mkisofs, '-o', tmp, src], log);
  // Keep the cached image sparse on disk: punch holes where it has runs of zeros.
  const dig = spawnSync('fallocate', ['--dig-holes', tmp], { encoding: 'utf8' });
  if (dig.status !== 0) log(`  (fallocate --dig-holes failed, image stays fully allocated: ${dig.stderr?.trim()})`);
  fs.renameSync(tmp, image);
  if (!keepSource) rmTree(src);

  const st = fs.statSync(image);
  const generatedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cat = files[0] as Required<ManifestFile>;
  const man: Manifest = {
    kind: 'large', key, params: P, image, files, dirs: [...dirs],
    fileTokens: files.length, dirTokens: dirs.size, totalBytes: logical, catTarget: cat, generatedSeconds,
  };
  fs.writeFileSync(path.join(cacheDir, `large-${key}.json`), JSON.stringify(man));
  log(`  image ${(st.size / 1e9).toFixed(2)} GB logical, ${(st.blocks * 512 / 1e9).toFixed(2)} GB on disk; ` +
    `total generation ${generatedSeconds.toFixed(1)} s`);
  return man;
}
