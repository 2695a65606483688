// The writer benchmark (issue 5, item 10): repack the large image with one file replaced, side by
// side with xorriso and a plain `cp`, and build an image from the 100,000-file source tree, side by
// side with genisoimage and `xorriso -as mkisofs`.
//
// Outputs go to bench/cache/work/write-out/ (the cache's filesystem: a preserving repack's copy
// clones there where the file system can) and are verified, then deleted, after every run. The page cache cannot be
// dropped without root, so every run is warm (inputs read once before the first run).
//
// Timing: `exit s` is the command's wall time; `durable s` adds an fsync of the output afterwards
// (`sync OUT`). isowb fsyncs its output before it renames it into place and xorriso forces its
// output every 16 MiB (-stdio_sync on), while cp and genisoimage leave it in the page cache; the
// durable time compares the same amount of work and is what the ratios and targets use.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ensureLarge, ensureSmallTree, freeBytes, Manifest, removeSmallTree } from './generate';
import { median, RunResult, runMeasured } from './measure';
import { fmt, fsTypeOf, machineLine, mdTable, mdTargets, putDocSection, ratio } from './report';

export type WriteGroup = 'repack' | 'build';

export interface WriteBenchOptions {
  runs: number;
  timeoutS: number;
  keep: boolean;
  /** dist/isowb.js, or undefined to measure the peers only. */
  isowb?: string;
  /** Tool ids to run (isowb, xorriso, cp, genisoimage); undefined: all. */
  tools?: string[];
  groups: WriteGroup[];
  cacheDir: string;
  workDir: string;
}

interface WriteTool {
  id: string;
  /** For --tools filtering (isowb-compact → isowb, cp-dense → cp). */
  base: string;
  group: WriteGroup;
  ours: boolean;
  describe: string;
  argv: (input: string, out: string) => string[];
  /** A plain copy: verified as an identical-size copy of the input, not as a repack. */
  isCopy?: boolean;
}

interface WriteRun {
  r: RunResult;
  syncSeconds: number;
  outBytes: number;
  outAllocated: number;
}

/** One table: the repack of the (sparse) benchmark image, of a dense copy of it, or the build. */
export type SetId = 'repack-sparse' | 'repack-dense' | 'build';

interface BenchSet {
  id: SetId;
  group: WriteGroup;
  title: string;
  description: string;
}

export interface WriteCell {
  set: SetId;
  tool: WriteTool;
  runs: WriteRun[];
  ok: boolean;
  status: string;
  note: string;
}

export interface WriteReport {
  sets: BenchSet[];
  cells: WriteCell[];
  skipped: string[];
  versions: Record<string, string>;
  runs: number;
  fsType: string;
  /** 1-minute load average at the start and the end (the machine may be shared). */
  load: [number, number];
}

const GiB = 2 ** 30;
const RSS_TARGET_MB = 150;
const log = (s: string) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- tools

function which(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

function firstLine(argv: string[]): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n')[0].replace(/ : .*/, '').trim();
}

function writeTools(opts: WriteBenchOptions, replacement: { file: string; isoPath: string }): { tools: WriteTool[]; versions: Record<string, string> } {
  const node = process.execPath;
  const tools: WriteTool[] = [];
  const versions: Record<string, string> = {};
  const rep = `${replacement.file}=${replacement.isoPath}`;
  if (opts.isowb) {
    const v = spawnSync(node, [opts.isowb, '--version'], { encoding: 'utf8' });
    versions.isowb = v.status === 0 ? v.stdout.trim() : 'isowb (no --version)';
    const isowb = opts.isowb;
    tools.push(
      { id: 'isowb', base: 'isowb', group: 'repack', ours: true, describe: 'isowb repack IMG -o OUT --replace NEW=PATH -q',
        argv: (img, out) => [node, isowb, 'repack', img, '-o', out, '--replace', rep, '-q'] },
      { id: 'isowb --layout compact', base: 'isowb', group: 'repack', ours: true, describe: 'isowb repack IMG -o OUT --replace NEW=PATH --layout compact -q',
        argv: (img, out) => [node, isowb, 'repack', img, '-o', out, '--replace', rep, '--layout', 'compact', '-q'] },
      { id: 'isowb', base: 'isowb', group: 'build', ours: true, describe: 'isowb build TREE -o OUT -q',
        argv: (dir, out) => [node, isowb, 'build', dir, '-o', out, '-q'] },
    );
  }
  if (which('xorriso')) {
    versions.xorriso = firstLine(['xorriso', '-version']);
    tools.push(
      { id: 'xorriso', base: 'xorriso', group: 'repack', ours: false, describe: 'xorriso -indev IMG -outdev OUT -map NEW PATH -boot_image any replay',
        argv: (img, out) => ['xorriso', '-indev', img, '-outdev', out, '-map', replacement.file, replacement.isoPath, '-boot_image', 'any', 'replay'] },
      { id: 'xorriso', base: 'xorriso', group: 'build', ours: false, describe: 'xorriso -as mkisofs -quiet -R -J -o OUT TREE',
        argv: (dir, out) => ['xorriso', '-as', 'mkisofs', '-quiet', '-R', '-J', '-o', out, dir] },
    );
  }
  versions.cp = firstLine(['cp', '--version']);
  tools.push(
    { id: 'cp', base: 'cp', group: 'repack', ours: false, isCopy: true, describe: 'cp IMG OUT', argv: (img, out) => ['cp', img, out] },
    { id: 'cp --sparse=never', base: 'cp', group: 'repack', ours: false, isCopy: true, describe: 'cp --sparse=never IMG OUT',
      argv: (img, out) => ['cp', '--sparse=never', img, out] },
  );
  if (which('genisoimage')) {
    versions.genisoimage = firstLine(['genisoimage', '--version']);
    tools.push({ id: 'genisoimage', base: 'genisoimage', group: 'build', ours: false, describe: 'genisoimage -quiet -R -J -o OUT TREE',
      argv: (dir, out) => ['genisoimage', '-quiet', '-R', '-J', '-o', out, dir] });
  }
  const order: WriteGroup[] = ['repack', 'build'];
  return {
    tools: tools.filter((t) => opts.groups.includes(t.group) && (!opts.tools || opts.tools.includes(t.base)))
      .sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group)),
    versions,
  };
}

// ---------------------------------------------------------------- verification

interface Listed { type: string; size: number }

/** `xorriso -indev IMG -find / -exec lsdl`, parsed: image path → type character and size. */
function xorrisoListing(img: string): Map<string, Listed> {
  const r = spawnSync('xorriso', ['-indev', img, '-find', '/', '-exec', 'lsdl'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`xorriso cannot read the output (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').pop()}`);
  const out = new Map<string, Listed>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S)\S*\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\S+\s+'(.*)'$/.exec(line);
    if (m) out.set(m[3].replace(/'"'"'/g, "'"), { type: m[1], size: Number(m[2]) });
  }
  return out;
}

/** Files' contents read back with xorriso (an independent reader), hashed: image path → sha256.
 *  Few (large) files are streamed one xorriso run each; many (small) ones are copied out in one run. */
async function xorrisoSha256(img: string, paths: string[], tmpDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (paths.length <= 8) {
    for (const p of paths) {
      const r = await runMeasured(['xorriso', '-osirrox', 'on', '-indev', img, '-concat', 'overwrite', '-', p], { kind: 'hash' }, 600_000, tmpDir);
      if (r.exitCode !== 0) throw new Error(`xorriso cannot read ${p} back (exit ${r.exitCode})`);
      out.set(p, r.stdoutSha256!);
    }
    return out;
  }
  const dir = fs.mkdtempSync(path.join(tmpDir, 'readback-'));
  try {
    const args = ['-osirrox', 'on', '-indev', img];
    paths.forEach((p, i) => args.push('-concat', 'overwrite', path.join(dir, String(i)), p, '--'));
    const r = spawnSync('xorriso', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`xorriso cannot read the files back (exit ${r.status})`);
    paths.forEach((p, i) => out.set(p, sha256Of(path.join(dir, String(i)))));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function sha256Of(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

interface Expected {
  files: Map<string, number>;
  dirs: Set<string>;
  /** Files whose content is checked on the first run of each tool: image path → sha256. */
  hashed: Map<string, string>;
  /** Of those, the ones checked on every run (the replaced file). */
  always: string[];
}

/** The listing must hold exactly the expected files (with their sizes) and directories. El Torito
 *  boot catalogs are allowed in addition (xorriso replays the source's; a build has none). */
function checkListing(got: Map<string, Listed>, exp: Expected): string | undefined {
  const problems: string[] = [];
  let missing = 0, wrongSize = 0, extra = 0;
  const first: string[] = [];
  for (const [p, size] of exp.files) {
    const g = got.get(p);
    if (!g || g.type !== '-') {
      missing++;
      if (first.length < 3) first.push(`missing ${p}`);
    } else if (g.size !== size) {
      wrongSize++;
      if (first.length < 3) first.push(`${p}: ${g.size} bytes, expected ${size}`);
    }
  }
  for (const d of exp.dirs) {
    if (got.get(d)?.type !== 'd') {
      missing++;
      if (first.length < 3) first.push(`missing directory ${d}`);
    }
  }
  for (const [p, g] of got) {
    if (p === '/' || exp.files.has(p) || exp.dirs.has(p) || /boot\.cat(alog)?$/i.test(p)) continue;
    extra++;
    if (first.length < 3) first.push(`unexpected ${g.type === 'd' ? 'directory ' : ''}${p}`);
  }
  if (missing) problems.push(`${missing} missing`);
  if (wrongSize) problems.push(`${wrongSize} with the wrong size`);
  if (extra) problems.push(`${extra} unexpected`);
  return problems.length ? `${problems.join(', ')} (${first.join('; ')})` : undefined;
}

async function verifyOutput(tool: WriteTool, out: string, input: string, exp: Expected, deep: boolean, tmpDir: string): Promise<string | undefined> {
  if (!fs.existsSync(out)) return 'no output file';
  if (tool.isCopy) {
    return fs.statSync(out).size === fs.statSync(input).size ? undefined : 'the copy has a different size';
  }
  const bad = checkListing(xorrisoListing(out), exp);
  if (bad) return `listing: ${bad}`;
  const got = await xorrisoSha256(out, deep ? [...exp.hashed.keys()] : exp.always, tmpDir);
  for (const [p, sha] of got) if (exp.hashed.get(p) !== sha) return `content of ${p} differs`;
  return undefined;
}

// ---------------------------------------------------------------- running

function failureOf(r: RunResult): string | undefined {
  if (r.timedOut) return 'timeout';
  if (r.signal) return `killed by ${r.signal}`;
  if (r.exitCode !== 0) return `exit ${r.exitCode}${r.stderrTail ? `: ${r.stderrTail.split('\n').pop()}` : ''}`;
  return undefined;
}

function emptyDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

const secondsSince = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

async function runCell(set: SetId, tool: WriteTool, input: string, exp: Expected, need: number, outDir: string, opts: WriteBenchOptions): Promise<WriteCell> {
  const cell: WriteCell = { set, tool, runs: [], ok: false, status: '', note: '' };
  const out = path.join(outDir, `out-${set}.iso`);
  try {
    for (let n = 1; n <= opts.runs; n++) {
      emptyDir(outDir);
      spawnSync('sync'); // write-back of earlier runs (and of deleted outputs) stays out of this run
      const free = freeBytes(outDir);
      if (free < need) {
        cell.status = `skipped: needs ${(need / GiB).toFixed(1)} GiB free in ${outDir}, have ${(free / GiB).toFixed(1)} GiB`;
        return cell;
      }
      const r = await runMeasured(tool.argv(input, out), { kind: 'null' }, opts.timeoutS * 1000, opts.workDir);
      const f = failureOf(r);
      if (f) {
        cell.status = `failed: ${f}`;
        return cell;
      }
      const t0 = process.hrtime.bigint();
      const s = spawnSync('sync', [out]); // fsync(OUT)
      const syncSeconds = secondsSince(t0);
      if (s.status !== 0) {
        cell.status = `failed: no output file (${out})`;
        return cell;
      }
      const st = fs.statSync(out);
      const t1 = process.hrtime.bigint();
      const bad = await verifyOutput(tool, out, input, exp, n === 1, opts.workDir);
      if (bad) {
        cell.status = `failed: ${bad}`;
        return cell;
      }
      cell.runs.push({ r, syncSeconds, outBytes: st.size, outAllocated: st.blocks * 512 });
      log(`    ${set} ${tool.id} run ${n}: ${r.wallSeconds.toFixed(2)} s + fsync ${syncSeconds.toFixed(2)} s, ` +
        `${r.peakRssKB === null ? '?' : (r.peakRssKB / 1024).toFixed(0)} MB, output ${(st.size / 1e9).toFixed(2)} GB ` +
        `(${(st.blocks * 512 / 1e9).toFixed(2)} GB allocated); verified in ${secondsSince(t1).toFixed(1)} s`);
    }
    cell.ok = true;
    cell.status = 'ok';
  } catch (e) {
    cell.status = `failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    emptyDir(outDir);
  }
  return cell;
}

/** The replacement file: a 5,000-byte text file (the old one is 1,234 bytes, so it cannot stay in place). */
function writeReplacement(dir: string): string {
  const file = path.join(dir, 'replacement.txt');
  let s = '';
  for (let i = 0; s.length < 5000; i++) s += `# isowb writer benchmark: replacement line ${i}\n`;
  fs.writeFileSync(file, s.slice(0, 5000));
  return file;
}

/** Walks the source tree: what a build must contain. Reads every file once (warms the page cache
 *  for the first timed run, which cannot be made cold without root). */
function expectedFromTree(tree: string): Expected & { bytes: number } {
  const always: string[] = [];
  const files = new Map<string, number>();
  const dirs = new Set<string>();
  const hashed = new Map<string, string>();
  let bytes = 0;
  let n = 0;
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(tree + rel, { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        dirs.add(p);
        walk(p);
      } else {
        const data = fs.readFileSync(tree + p);
        files.set(p, data.length);
        bytes += data.length;
        if (p.endsWith('_target.bin')) always.push(p);
        if (n++ % 5000 === 0 || p.endsWith('_target.bin')) hashed.set(p, crypto.createHash('sha256').update(data).digest('hex'));
      }
    }
  };
  walk('');
  return { files, dirs, hashed, always, bytes };
}

async function runSet(report: WriteReport, set: BenchSet, tools: WriteTool[], input: string, exp: Expected, need: number, outDir: string, opts: WriteBenchOptions): Promise<void> {
  report.sets.push(set);
  log(`${set.title}: ${set.description.replace(/`/g, '')}`);
  for (const tool of tools) {
    log(`  ${set.id} with ${tool.id} ...`);
    const c = await runCell(set.id, tool, input, exp, need, outDir, opts);
    if (!c.ok) log(`    ${c.status}`);
    report.cells.push(c);
  }
}

/** Copies `img` to `dest` and overwrites every file's data (its extents, as xorriso reports them)
 *  with random bytes. Returns the new content's sha256 per file. */
function makeDenseCopy(img: string, dest: string): Map<string, string> {
  const r = spawnSync('xorriso', ['-indev', img, '-find', '/', '-type', 'f', '-exec', 'report_lba'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`xorriso -exec report_lba failed (exit ${r.status})`);
  const files = new Map<string, Array<{ lba: number; blocks: number; size: number }>>();
  for (const line of r.stdout.split('\n')) {
    const m = /^File data lba:\s*\d+\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*'(.*)'$/.exec(line);
    if (!m) continue;
    const p = m[4].replace(/'"'"'/g, "'");
    files.set(p, [...(files.get(p) ?? []), { lba: Number(m[1]), blocks: Number(m[2]), size: Number(m[3]) }]);
  }
  if (!files.size) throw new Error('xorriso -exec report_lba listed no files');
  if (spawnSync('cp', [img, dest]).status !== 0) throw new Error(`cp ${img} ${dest} failed`);
  const pool = crypto.randomBytes(16 * 2 ** 20);
  const hashes = new Map<string, string>();
  const fd = fs.openSync(dest, 'r+');
  try {
    let k = 0;
    for (const [p, extents] of files) {
      const h = crypto.createHash('sha256');
      let left = extents[0].size;
      for (const e of extents) {
        let n = Math.min(left, e.blocks * 2048);
        let at = e.lba * 2048;
        left -= n;
        while (n > 0) {
          const off = (k++ * 4096) % (pool.length / 2); // random, never all-zero (a sparse copy skips only zeros)
          const chunk = pool.subarray(off, off + Math.min(n, pool.length / 2));
          fs.writeSync(fd, chunk, 0, chunk.length, at);
          h.update(chunk);
          at += chunk.length;
          n -= chunk.length;
        }
      }
      hashes.set(p, h.digest('hex'));
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return hashes;
}

export async function runWriteBench(opts: WriteBenchOptions): Promise<WriteReport> {
  const inDir = path.join(opts.workDir, 'write-in');
  const outDir = path.join(opts.workDir, 'write-out');
  fs.mkdirSync(inDir, { recursive: true });
  fs.mkdirSync(outDir, { recursive: true });
  const cleanup = () => {
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.rmSync(inDir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  process.once('SIGINT', () => process.exit(130));

  const replacementFile = writeReplacement(inDir);
  const report: WriteReport = { sets: [], cells: [], skipped: [], versions: {}, runs: opts.runs, fsType: fsTypeOf(opts.cacheDir), load: [os.loadavg()[0], 0] };
  let man: Manifest | undefined;
  let target = '';
  if (opts.groups.includes('repack')) {
    man = ensureLarge(opts.cacheDir, log, opts.keep);
    // The smallest file is replaced: the common case (a kickstart, a grub.cfg), and it has to move.
    target = [...man.files].sort((a, b) => a.size - b.size)[0].path;
  }
  const { tools, versions } = writeTools(opts, { file: replacementFile, isoPath: target || '/' });
  report.versions = versions;
  if (!versions.xorriso) report.skipped.push('xorriso is not installed: the outputs cannot be verified, nothing was measured');

  if (man && versions.xorriso) {
    const img = man.image;
    const st = fs.statSync(img);
    const newData = fs.readFileSync(replacementFile);
    const old = man.files.find((f) => f.path === target)!;
    const exp: Expected = {
      files: new Map(man.files.map((f) => [f.path, f.path === target ? newData.length : f.size])),
      dirs: new Set(man.dirs),
      hashed: new Map(man.files.filter((f) => f.sha256).map((f) => [f.path, f.path === target ? crypto.createHash('sha256').update(newData).digest('hex') : f.sha256!])),
      always: [target],
    };
    const what = `with \`${target}\` replaced (${old.size.toLocaleString('en')} → ${newData.length.toLocaleString('en')} bytes)`;
    const repackTools = tools.filter((t) => t.group === 'repack');
    spawnSync('sh', ['-c', 'cat "$1" > /dev/null', 'sh', img]); // warm: the image's pages in the page cache
    await runSet(report, {
      id: 'repack-sparse', group: 'repack', title: 'Repack the large image, one file replaced',
      description: `\`${path.basename(img)}\`, the large-files image: ${(st.size / 1e9).toFixed(2)} GB, of which ` +
        `${(st.blocks * 512 / 1e9).toFixed(2)} GB allocated (it is sparse, so \`cp\` copies only that), ${what}`,
    }, repackTools, img, exp, st.size + GiB, outDir, opts);

    // Real installer images are neither sparse nor mostly zeros (which the preserving repack's copy
    // leaves as holes): the same repack of a copy whose file data is random.
    const dense = path.join(inDir, 'large-dense.iso');
    const needDense = 2 * st.size + GiB;
    if (freeBytes(inDir) < needDense) {
      report.skipped.push(`repack of a copy with real data: needs ${(needDense / GiB).toFixed(1)} GiB free in ${inDir}, have ${(freeBytes(inDir) / GiB).toFixed(1)} GiB`);
    } else {
      try {
        log('making a copy of the large image with random file data ...');
        const t0 = process.hrtime.bigint();
        const hashes = makeDenseCopy(img, dense);
        log(`  ${(fs.statSync(dense).blocks * 512 / 1e9).toFixed(2)} GB allocated in ${secondsSince(t0).toFixed(1)} s`);
        const denseExp: Expected = { ...exp, hashed: new Map([...hashes].map(([p, h]) => [p, p === target ? exp.hashed.get(target)! : h])) };
        await runSet(report, {
          id: 'repack-dense', group: 'repack', title: 'Repack a copy with real data, one file replaced',
          description: `the same image with every file's data overwritten with random bytes (${(st.size / 1e9).toFixed(2)} GB, ` +
            `fully allocated, nothing for a sparse copy to skip: like real media), ${what}`,
        }, repackTools.filter((t) => t.id !== 'cp --sparse=never'), dense, denseExp, st.size + GiB, outDir, opts);
      } catch (e) {
        report.skipped.push(`repack of a copy with real data: ${(e as Error).message.split('\n')[0]}`);
      } finally {
        fs.rmSync(dense, { force: true });
      }
    }
  }

  if (opts.groups.includes('build') && versions.xorriso) {
    const tree = ensureSmallTree(opts.cacheDir, log);
    try {
      const exp = expectedFromTree(tree);
      await runSet(report, {
        id: 'build', group: 'build', title: 'Build an image from a folder',
        description: `the small-files image's source tree, ${exp.files.size.toLocaleString('en')} files in ` +
          `${exp.dirs.size.toLocaleString('en')} directories, ${(exp.bytes / 1e9).toFixed(2)} GB ` +
          '(Rock Ridge + Joliet; isowb\'s defaults: ISO level 3; genisoimage\'s and xorriso\'s: level 1 names)',
      }, tools.filter((t) => t.group === 'build'), tree, exp, exp.bytes * 1.5 + GiB, outDir, opts);
    } finally {
      if (!opts.keep) removeSmallTree(tree);
    }
  }
  report.load[1] = os.loadavg()[0];
  cleanup();
  process.off('exit', cleanup);
  return report;
}

// ---------------------------------------------------------------- reporting

const durable = (w: WriteRun) => w.r.wallSeconds + w.syncSeconds;

function med(c: WriteCell | undefined, f: (w: WriteRun) => number): number | undefined {
  return c && c.ok && c.runs.length ? median(c.runs.map(f)) : undefined;
}

function peakMB(c: WriteCell): number | undefined {
  const all = c.runs.map((w) => w.r.peakRssKB).filter((x): x is number => x !== null);
  return all.length ? Math.max(...all) / 1024 : undefined;
}

function find(rep: WriteReport, set: SetId, id: string): WriteCell | undefined {
  return rep.cells.find((c) => c.set === set && c.tool.id === id);
}

/** Reference rows each group's ratios are taken against. */
const REFS: Record<WriteGroup, string[]> = { repack: ['xorriso', 'cp'], build: ['genisoimage', 'xorriso'] };

function headOf(g: WriteGroup): string[] {
  return ['tool', 'median s (durable)', 'median s (exit)', 'peak RSS MB', 'output GB (allocated)', ...REFS[g].map((r) => `× ${r}`), 'result'];
}

function rowsOf(rep: WriteReport, set: BenchSet): string[][] {
  return rep.cells.filter((c) => c.set === set.id).map((c) => {
    const m = med(c, durable);
    const last = c.runs[c.runs.length - 1];
    return [
      c.tool.ours ? `**${c.tool.id}**` : c.tool.id,
      fmt(m), fmt(med(c, (w) => w.r.wallSeconds)), peakMB(c)?.toFixed(0) ?? '—',
      last ? `${(last.outBytes / 1e9).toFixed(2)} (${(last.outAllocated / 1e9).toFixed(2)})` : '—',
      ...REFS[set.group].map((id) => ratio(m, med(find(rep, set.id, id), durable))),
      c.ok ? 'ok' : c.status.replace(/\|/g, '\\|'),
    ];
  });
}

const TARGETS: Record<WriteGroup, Array<[string, number]>> = { repack: [['xorriso', 0.8], ['cp', 1.3]], build: [['genisoimage', 1.0]] };
const SET_LABEL: Record<SetId, string> = { 'repack-sparse': 'repack (sparse image)', 'repack-dense': 'repack (real data)', build: 'build' };

function targetsOf(rep: WriteReport): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const set of rep.sets) {
    const c = find(rep, set.id, 'isowb');
    if (!c) continue;
    for (const [refId, limit] of TARGETS[set.group]) {
      const ref = find(rep, set.id, refId);
      let v: string;
      if (!c.ok) v = `**missed** (isowb ${c.status})`;
      else if (!ref?.ok) v = `n/a (${refId} ${ref ? ref.status : 'not run'})`;
      else {
        const d = med(c, durable)! / med(ref, durable)!;
        const e = med(c, (w) => w.r.wallSeconds)! / med(ref, (w) => w.r.wallSeconds)!;
        v = `${d <= limit ? 'met' : '**missed**'} (${d.toFixed(2)}× durable, ${e.toFixed(2)}× at exit)`;
      }
      out.push([`${SET_LABEL[set.id]} ≤ ${limit.toFixed(1)}× ${refId}`, v]);
    }
  }
  for (const g of ['repack', 'build'] as WriteGroup[]) {
    const mbs = rep.cells.filter((c) => c.tool.group === g && c.tool.id === 'isowb')
      .map(peakMB).filter((x): x is number => x !== undefined);
    if (mbs.length) {
      const mx = Math.max(...mbs);
      out.push([`${g} peak RSS ≤ ${RSS_TARGET_MB} MB`, `${mx <= RSS_TARGET_MB ? 'met' : '**missed**'} (${mx.toFixed(0)} MB)`]);
    }
  }
  return out;
}

export function writeConsoleTable(rep: WriteReport): string {
  const out = ['', `== writer (warm page cache; durable = exit + fsync of the output; load average ${rep.load[0].toFixed(1)} → ${rep.load[1].toFixed(1)})`];
  for (const set of rep.sets) {
    const head = headOf(set.group);
    const rows = [head, ...rowsOf(rep, set).map((r) => r.map((x) => x.replace(/\*\*/g, '')))];
    const w = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((x, i) => (i === r.length - 1 ? x.slice(0, 200) : x.padEnd(w[i]))).join('  ');
    out.push('', `-- ${set.title}: ${set.description.replace(/`/g, '')}`, line(rows[0]), ...rows.slice(1).map(line));
  }
  out.push('');
  for (const [k, v] of targetsOf(rep)) out.push(`target ${k}: ${v.replace(/\*\*/g, '')}`);
  for (const s of rep.skipped) out.push(`skipped: ${s}`);
  return out.join('\n');
}

export function writeMarkdown(rep: WriteReport, gitState: string): string {
  const tables: string[] = [];
  for (const set of rep.sets) {
    const head = headOf(set.group);
    tables.push(`#### ${set.title}`, '', `${set.description[0].toUpperCase()}${set.description.slice(1)}.`, '',
      ...mdTable(head, rowsOf(rep, set)), '');
  }
  const seen = new Set<string>();
  const cmds = rep.cells.filter((c) => {
    const k = `${c.tool.group} ${c.tool.id}`;
    return !seen.has(k) && seen.add(k);
  }).map((c) => `| ${c.tool.group} | ${c.tool.id} | \`${c.tool.describe}\` |`);
  const t = targetsOf(rep);
  return [
    '### Results', '',
    `- date: ${new Date().toISOString()}`,
    `${machineLine()}; outputs on ${rep.fsType}`,
    `- node ${process.version}`,
    ...Object.entries(rep.versions).map(([id, v]) => `- ${v.startsWith(id) ? v : `${id}: ${v}`}${id === 'isowb' ? ` (${gitState})` : ''}`),
    `- ${rep.runs} runs per row, median shown; warm page cache (inputs read once before the first run)`,
    `- 1-minute load average ${rep.load[0].toFixed(1)} at the start, ${rep.load[1].toFixed(1)} at the end`,
    '',
    ...tables,
    ...mdTargets(t, rep.skipped),
    '#### Commands', '',
    '| operation | row | command |', '|---|---|---|', ...cmds,
  ].join('\n');
}

const START = '<!-- bench:write:start (generated by `npm run bench -- --write-only --write-docs`; edit outside these markers) -->';
const END = '<!-- bench:write:end -->';

/** Puts the writer tables into `docs` between their markers (adding a section when there are none). */
export function writeWriteDocs(docs: string, rep: WriteReport, gitState: string): void {
  putDocSection(docs, START, END, writeMarkdown(rep, gitState), '', 'writer');
}
