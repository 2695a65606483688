// ISO Workbench benchmark: isowb vs. the usual disc-image tools on two generated images.
//
//   node out/bench/run.js [--runs N] [--only small|large] [--keep] [--peers-only] [--write-docs]
//                         [--ops list,extract,cat] [--tools isowb,xorriso,...] [--timeout SECONDS]
//                         [--extract-dir DIR] [--isowb PATH/TO/isowb.js] [--no-sector]
//                         [--write-only | --no-write] [--copy-only | --no-copy] [--copy-mib N]
//                         [--copy-dirs DIR,DIR] [--copy-kinds real,sparse,zeros]
//
// Also measures the writer (bench/write.ts): repacking the large image with one file replaced
// (isowb repack vs xorriso -boot_image any replay vs cp) and building an image from the small
// image's 100,000-file source tree (isowb build vs genisoimage vs xorriso -as mkisofs).
// --write-only runs just that (with --write-docs: only its section of docs/benchmarks.md is
// rewritten); --no-write skips it. --only large keeps the repack, --only small the build.
//
// Also measures the whole-file copy of the preserving repack (bench/copy.ts): the engine's copy
// (src/engine/io/copy.ts) against `cp --reflink=auto` and `cp --sparse=always` on a real
// (random), a sparse and a half-zeros file of --copy-mib MiB (default 1536) in each of
// --copy-dirs (default: the OS temp folder and /dev/shm), with `node -e 0` beside them.
// --copy-only runs just that (with --write-docs: only its section); --no-copy skips it.
//
// Also measures the sector editor in a real VS Code (code-server + Chromium, installed by
// scripts/setup.sh) on the large image: open → first painted bytes, jump to the last sector,
// scrolling, extension-host memory (scripts/vscode-host/sector-bench.js). --no-sector skips it;
// --sector-only runs just that (with --write-docs: the sector table is added to the last results).
//
// Every run is checked for correctness; a tool that fails or gives a wrong result is shown as
// failed and never counts as the fastest peer.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ensureLarge, ensureSmall, freeBytes, ImageKind, Manifest } from './generate';
import { evictFromCache, median, RunResult, runMeasured, StdoutMode, TIME_BIN } from './measure';
import { isowbTool, Op, peerTools, Tool } from './tools';
import { sha256File, Verdict, verifyCat, verifyExtraction, verifyListing } from './verify';
import { runWriteBench, WriteGroup, writeConsoleTable, writeWriteDocs } from './write';
import { copyConsoleTable, CopyKind, runCopyBench, writeCopyDocs } from './copy';

const ROOT = path.resolve(__dirname, '..', '..');
const CACHE = path.join(ROOT, 'bench', 'cache');
const WORK = path.join(CACHE, 'work');
const DIST = path.join(ROOT, 'dist', 'isowb.js');
const DOCS = path.join(ROOT, 'docs', 'benchmarks.md');
const RSS_TARGET_MB = 150;

interface Options {
  runs: number;
  only?: ImageKind;
  keep: boolean;
  peersOnly: boolean;
  writeDocs: boolean;
  ops: Op[];
  tools?: string[];
  timeoutS: number;
  /** Parent of the extraction directories (default: a fresh directory in /dev/shm if it has room). */
  extractDir?: string;
  /** The bundled CLI to measure (default dist/isowb.js). */
  isowb: string;
  sector: boolean;
  sectorOnly: boolean;
  /** The writer benchmark (repack and build). */
  write: boolean;
  writeOnly: boolean;
  /** The copy benchmark (bench/copy.ts). */
  copy: boolean;
  copyOnly: boolean;
  copyMib: number;
  copyDirs: string[];
  copyKinds?: CopyKind[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 3, keep: false, peersOnly: false, writeDocs: false, ops: ['list', 'extract', 'cat'], timeoutS: 900, isowb: DIST, sector: true, sectorOnly: false, write: true, writeOnly: false,
    copy: true, copyOnly: false, copyMib: 1536, copyDirs: [os.tmpdir(), ...(fs.existsSync('/dev/shm') ? ['/dev/shm'] : [])] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--runs') o.runs = Math.max(1, parseInt(val(), 10));
    else if (a === '--only') {
      const v = val();
      if (v !== 'small' && v !== 'large') throw new Error('--only takes small or large');
      o.only = v;
    } else if (a === '--keep') o.keep = true;
    else if (a === '--peers-only') o.peersOnly = true;
    else if (a === '--write-docs') o.writeDocs = true;
    else if (a === '--ops') o.ops = val().split(',') as Op[];
    else if (a === '--tools') o.tools = val().split(',');
    else if (a === '--timeout') o.timeoutS = Number(val());
    else if (a === '--extract-dir') o.extractDir = path.resolve(val());
    else if (a === '--isowb') o.isowb = path.resolve(val());
    else if (a === '--no-sector') o.sector = false;
    else if (a === '--sector-only') o.sectorOnly = true;
    else if (a === '--write-only') o.writeOnly = true;
    else if (a === '--no-write') o.write = false;
    else if (a === '--copy-only') o.copyOnly = true;
    else if (a === '--no-copy') o.copy = false;
    else if (a === '--copy-mib') o.copyMib = Math.max(1, parseInt(val(), 10));
    else if (a === '--copy-dirs') o.copyDirs = val().split(',').map((d) => path.resolve(d));
    else if (a === '--copy-kinds') {
      const ks = val().split(',');
      if (!ks.every((k) => k === 'real' || k === 'sparse' || k === 'zeros')) throw new Error('--copy-kinds takes real, sparse, zeros');
      o.copyKinds = ks as CopyKind[];
    }
    else if (a === '--help' || a === '-h') {
      // The leading comment of bench/run.ts (__filename is the compiled .js, which starts with helpers).
      const src = path.join(ROOT, 'bench', 'run.ts');
      const lines = fs.readFileSync(fs.existsSync(src) ? src : __filename, 'utf8').split('\n');
      console.log(lines.slice(0, Math.max(1, lines.findIndex((l) => !l.startsWith('//')))).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.writeOnly && !o.write) throw new Error('--write-only and --no-write exclude each other');
  if (o.copyOnly && !o.copy) throw new Error('--copy-only and --no-copy exclude each other');
  return o;
}

const log = (s: string) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- running one cell

const SHM = '/dev/shm';
let shmRoot: string | undefined;

/** Extraction goes to tmpfs when it fits (with room to spare for the page cache): the numbers then
 *  measure the tools, not the disk's metadata and write-back speed. */
function extractRoot(man: Manifest, opts: Options): string {
  if (opts.extractDir) return opts.extractDir;
  const fits = fs.existsSync(SHM) && freeBytes(SHM) > man.totalBytes + 2 * 2 ** 30 &&
    os.freemem() > man.totalBytes * 2 + 2 * 2 ** 30;
  if (!fits) return WORK;
  if (!shmRoot) {
    shmRoot = fs.mkdtempSync(path.join(SHM, 'isowb-bench-'));
    process.on('exit', () => fs.rmSync(shmRoot as string, { recursive: true, force: true }));
    process.on('SIGINT', () => process.exit(130));
  }
  return shmRoot;
}

function extractWhere(man: Manifest, opts: Options): string {
  const r = extractRoot(man, opts);
  return r.startsWith(SHM) ? `tmpfs (${SHM})` : r;
}

interface Cell {
  op: Op;
  tool: Tool;
  command: string;
  cold?: RunResult;
  warm: RunResult[];
  ok: boolean;
  status: string; // 'ok' | 'failed: ...' | 'skipped: ...'
  note: string;
}

function failureOf(r: RunResult): string | undefined {
  if (r.timedOut) return 'timeout';
  if (r.signal) return `killed by ${r.signal}`;
  if (r.exitCode !== 0) return `exit ${r.exitCode}${r.stderrTail ? `: ${r.stderrTail.split('\n').pop()}` : ''}`;
  return undefined;
}

function rmTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  // some extractors reproduce read-only modes; make the tree writable before removing it
  spawnSync('chmod', ['-R', 'u+w', dir]);
  fs.rmSync(dir, { recursive: true, force: true });
}

async function runCell(op: Op, tool: Tool, man: Manifest, opts: Options): Promise<Cell> {
  const img = man.image;
  const timeoutMs = opts.timeoutS * 1000;
  const cell: Cell = { op, tool, command: tool.describe[op] ?? '', warm: [], ok: false, status: '', note: '' };
  const big = op === 'cat' && man.catTarget.size > 256 * 1024 * 1024;
  const notes = new Set<string>();

  // One run: returns the verdict.
  const once = async (n: number): Promise<[RunResult, Verdict]> => {
    if (op === 'list') {
      const out = path.join(WORK, `list-${tool.id}.txt`);
      const r = await runMeasured(tool.list!(img), { kind: 'file', file: out }, timeoutMs, WORK);
      const v = verifyListing(fs.readFileSync(out, 'utf8'), man);
      fs.rmSync(out, { force: true });
      return [r, v];
    }
    if (op === 'cat') {
      const out = path.join(WORK, `cat-${tool.id}.bin`);
      const mode: StdoutMode = big ? { kind: 'null' } : { kind: 'file', file: out };
      const r = await runMeasured(tool.cat!(img, man.catTarget.path), mode, timeoutMs, WORK);
      if (big) return [r, { ok: true, note: '' }]; // content checked by the verification run
      const v = verifyCat(sha256File(out), fs.statSync(out).size, man);
      fs.rmSync(out, { force: true });
      return [r, v];
    }
    const dir = path.join(extractRoot(man, opts), `extract-${tool.id}-${n}`);
    rmTree(dir);
    fs.mkdirSync(dir, { recursive: true });
    const r = await runMeasured(tool.extract!(img, dir), { kind: 'null' }, timeoutMs, WORK);
    const v = verifyExtraction(dir, man);
    if (!(opts.keep && n === opts.runs)) rmTree(dir);
    return [r, v];
  };

  try {
    if (big) {
      // Untimed verification run: content piped into this process and hashed.
      const r = await runMeasured(tool.cat!(img, man.catTarget.path), { kind: 'hash' }, timeoutMs, WORK);
      const f = failureOf(r);
      const v = verifyCat(r.stdoutSha256, r.stdoutBytes, man);
      if (f || !v.ok) {
        cell.status = `failed: ${f ?? v.note}`;
        return cell;
      }
    }
    for (let n = 0; n <= opts.runs; n++) {
      spawnSync('sync'); // no write-back of earlier runs (or of other processes) bleeding into this one
      if (n === 0) evictFromCache(img); // the cold run: image evicted from the page cache first
      const [r, v] = await once(n);
      const f = failureOf(r);
      if (n === 0) cell.cold = r;
      else cell.warm.push(r);
      if (f || !v.ok) {
        cell.status = `failed: ${[f, v.ok ? '' : v.note].filter(Boolean).join('; ')}`;
        return cell;
      }
      if (v.note) notes.add(v.note);
      log(`    ${op} ${tool.id} run ${n === 0 ? 'cold' : n}: ${r.wallSeconds.toFixed(2)} s, ` +
        `${r.peakRssKB === null ? '?' : (r.peakRssKB / 1024).toFixed(0)} MB`);
    }
    cell.ok = true;
    cell.status = 'ok';
    cell.note = [...notes].join('; ');
  } catch (e) {
    cell.status = `failed: ${(e as Error).message.split('\n')[0]}`;
  }
  return cell;
}

// ---------------------------------------------------------------- reporting

const OP_LABEL: Record<Op, string> = { list: 'list (recursive)', extract: 'extract all', cat: 'read one file' };

function medianOf(c: Cell): number | undefined {
  return c.ok && c.warm.length ? median(c.warm.map((r) => r.wallSeconds)) : undefined;
}

function peakMB(c: Cell): number | undefined {
  const all = [...(c.cold ? [c.cold] : []), ...c.warm].map((r) => r.peakRssKB).filter((x): x is number => x !== null);
  return all.length ? Math.max(...all) / 1024 : undefined;
}

function bestPeer(cells: Cell[], op: Op): number | undefined {
  const t = cells.filter((c) => c.op === op && !c.tool.ours).map(medianOf).filter((x): x is number => x !== undefined);
  return t.length ? Math.min(...t) : undefined;
}

interface ImageReport {
  man: Manifest;
  cells: Cell[];
  skipped: string[];
  extractTo?: string;
}

function targetsOf(rep: ImageReport): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const ours = rep.cells.filter((c) => c.tool.ours);
  if (!ours.length) return out;
  for (const op of ['list', 'extract', 'cat'] as Op[]) {
    const c = ours.find((x) => x.op === op);
    if (!c) continue;
    const m = medianOf(c);
    const best = bestPeer(rep.cells, op);
    let verdict: string;
    if (m === undefined) verdict = `**missed** (isowb ${c.status})`;
    else if (best === undefined) verdict = 'n/a (no correct peer)';
    else verdict = `${m / best <= 1.0 ? 'met' : '**missed**'} (${(m / best).toFixed(2)}×)`;
    out.push([`${OP_LABEL[op]} ≤ 1.0× fastest peer`, verdict]);
  }
  const rss = ours.map(peakMB).filter((x): x is number => x !== undefined);
  if (rss.length) {
    const mx = Math.max(...rss);
    out.push([`peak RSS ≤ ${RSS_TARGET_MB} MB`, `${mx <= RSS_TARGET_MB ? 'met' : '**missed**'} (${mx.toFixed(0)} MB)`]);
  }
  return out;
}

function fmt(x: number | undefined, d?: number): string {
  if (x === undefined) return '—';
  return x.toFixed(d ?? (x < 1 ? 3 : 2));
}

function rowsOf(rep: ImageReport): string[][] {
  const rows: string[][] = [];
  for (const op of ['list', 'extract', 'cat'] as Op[]) {
    const cs = rep.cells.filter((c) => c.op === op);
    const best = bestPeer(rep.cells, op);
    for (const c of cs) {
      const m = medianOf(c);
      rows.push([
        OP_LABEL[op], c.tool.ours ? `**${c.tool.id}**` : c.tool.id,
        fmt(m), c.cold && c.ok ? fmt(c.cold.wallSeconds) : '—', fmt(peakMB(c), 0),
        m !== undefined && best !== undefined ? `${(m / best).toFixed(2)}×` : '—',
        c.ok ? (c.note ? `ok (${c.note})` : 'ok') : c.status.replace(/\|/g, '\\|'),
      ]);
    }
  }
  return rows;
}

const HEAD = ['operation', 'tool', 'median s (warm)', 'cold s', 'peak RSS MB', '× fastest peer', 'result'];

function describeImage(m: Manifest): string {
  const mb = (fs.statSync(m.image).size / 1e9).toFixed(2);
  if (m.kind === 'small') {
    return `small-files: ${m.files.length.toLocaleString('en')} files in ${m.dirs.length.toLocaleString('en')} directories, ` +
      `${(m.totalBytes / 1e9).toFixed(2)} GB of file data, image ${mb} GB (Rock Ridge + Joliet + El Torito no-emulation); ` +
      `read: \`${m.catTarget.path}\` (${m.catTarget.size} bytes, ${m.catTarget.path.split('/').length - 2} directories deep)`;
  }
  return `large-files: ${m.files.length} files (${m.files.map((f) => `${(f.size / 2 ** 20).toFixed(0)} MiB`).join(', ')}), ` +
    `image ${mb} GB (-iso-level 3, multi-extent), sparse data; read: \`${m.catTarget.path}\` (${m.catTarget.size} bytes)`;
}

function consoleTable(rep: ImageReport): string {
  const rows = [HEAD, ...rowsOf(rep).map((r) => r.map((x) => x.replace(/\*\*/g, '')))];
  const w = HEAD.map((_, i) => Math.max(...rows.map((r) => Math.min(r[i].length, i === 6 ? 80 : 999))));
  const line = (r: string[]) => r.map((x, i) => (i === 6 ? x.slice(0, 200) : x.padEnd(w[i]))).join('  ');
  const out = [`\n== ${describeImage(rep.man)}`, line(rows[0]), ...rows.slice(1).map(line)];
  for (const [k, v] of targetsOf(rep)) out.push(`target ${k}: ${v.replace(/\*\*/g, '')}`);
  for (const s of rep.skipped) out.push(`skipped: ${s}`);
  if (rep.extractTo) out.push(`extraction target: ${rep.extractTo}`);
  return out.join('\n');
}

function mdTable(rep: ImageReport): string {
  const out = [`### ${rep.man.kind === 'small' ? 'Small files' : 'Large files'}`, '', describeImage(rep.man), ''];
  out.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i >= 2 && i <= 5 ? '---:' : '---')).join('|')}|`);
  for (const r of rowsOf(rep)) out.push(`| ${r.join(' | ')} |`);
  const t = targetsOf(rep);
  if (t.length) {
    out.push('', '| ISO Workbench target | result |', '|---|---|');
    for (const [k, v] of t) out.push(`| ${k} | ${v} |`);
  }
  for (const s of rep.skipped) out.push('', `Skipped: ${s}`);
  if (rep.extractTo) out.push('', `Extraction target: ${rep.extractTo}.`);
  return out.join('\n');
}

let gitAtStart = '';
function gitState(): string {
  const head = spawnSync('git', ['-C', ROOT, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).stdout?.trim();
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout?.trim();
  return `working tree at ${head || '?'}${dirty ? ', src/ modified' : ''}`;
}

function machineInfo(tools: Tool[], opts: Options): string[] {
  const cpu = os.cpus()[0]?.model ?? '?';
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${os.cpus().length} CPUs (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${os.release()}`,
    `- node ${process.version}`,
    ...tools.map((t) => `- ${t.version.startsWith(t.id) ? t.version : `${t.id}: ${t.version}`}` +
      (t.ours ? ` (${gitAtStart}; bundle built ${fs.statSync(opts.isowb).mtime.toISOString()})` : '')),
  ];
}

// ---------------------------------------------------------------- the sector editor in a real VS Code

interface SectorBench {
  image: string; size: number;
  open: number[]; openInWebview: number[]; openFilesLoaded?: number[]; jumpEnd: number[]; jumpStart: number[];
  scroll: { frames: number; p50: number; p95: number; max: number; over50: number; painted: boolean } | null;
  memory: { positions: number; beforeMiB: number; afterMiB: number; maxMiB: number } | null;
}

/** Runs scripts/vscode-host/run.sh bench on the image; null (with a reason logged) when it cannot. */
function runSectorBench(image: string, runs: number): SectorBench | null {
  if (!fs.existsSync(path.join(ROOT, '.vscode-host'))) {
    log('sector editor: skipped (no VS Code host: run scripts/setup.sh)');
    return null;
  }
  log(`sector editor: code-server + Chromium on ${path.basename(image)} ...`);
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/vscode-host/run.sh'), 'bench'], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ISOWB_BENCH_IMAGE: image, ISOWB_BENCH_RUNS: String(runs), ISOWB_HOST_NO_BUILD: '1' },
  });
  const file = path.join(ROOT, 'artifacts', 'sector-bench.json');
  if (r.status !== 0 || !fs.existsSync(file)) {
    log(`sector editor: the run failed (exit ${r.status}); see artifacts/vscode-host/`);
    return null;
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SectorBench;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;
function sectorTable(b: SectorBench): string {
  const rows: string[][] = [
    ['open → first painted bytes (Explorer double-click; VS Code creates the webview)', ms(median(b.open)), `${b.open.map((x) => x.toFixed(0)).join(', ')}`, '≤ 300 ms'],
    ['… of which: webview document → first painted bytes', ms(median(b.openInWebview)), `${b.openInWebview.map((x) => x.toFixed(0)).join(', ')}`, ''],
    ...(b.openFilesLoaded?.length ? [['… of which: webview document → its script and stylesheet loaded (VS Code\'s resource loading)', ms(median(b.openFilesLoaded)), `${b.openFilesLoaded.map((x) => x.toFixed(0)).join(', ')}`, '']] : []),
    ['jump to the last sector (go-to field → last row painted)', `${median(b.jumpEnd).toFixed(1)} ms`, `max ${Math.max(...b.jumpEnd).toFixed(1)} ms over ${b.jumpEnd.length}`, '≤ 100 ms'],
    ['jump back to offset 0', `${median(b.jumpStart).toFixed(1)} ms`, `max ${Math.max(...b.jumpStart).toFixed(1)} ms`, ''],
  ];
  if (b.scroll) rows.push(['wheel scrolling for 3 s: frame interval', `p50 ${b.scroll.p50.toFixed(1)} ms`, `p95 ${b.scroll.p95.toFixed(1)} ms, max ${b.scroll.max.toFixed(1)} ms, ${b.scroll.over50} of ${b.scroll.frames} frames > 50 ms; rows painted: ${b.scroll.painted ? 'yes' : 'NO'}`, 'smooth']);
  if (b.memory) rows.push([`extension host RSS, visiting ${b.memory.positions} places spread over the whole image`, `${(b.memory.afterMiB - b.memory.beforeMiB).toFixed(1)} MiB`, `${b.memory.beforeMiB.toFixed(1)} → ${b.memory.afterMiB.toFixed(1)} MiB (max ${b.memory.maxMiB.toFixed(1)})`, 'flat']);
  return [`### Sector editor (${path.basename(b.image)}, ${(b.size / 2 ** 30).toFixed(2)} GiB, in code-server ${'4.139.1'} + Chromium)`, '',
    '| measurement | median / value | detail | target |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function writeDocs(reports: ImageReport[], tools: Tool[], opts: Options, sector: SectorBench | null = null): void {
  const cmds = tools.map((t) => `| ${t.id} | ${(['list', 'extract', 'cat'] as Op[]).map((op) => (t.describe[op] ? `\`${t.describe[op]}\`` : '—')).join(' | ')} |`);
  const body = [
    '<!-- bench:results:start (generated by `npm run bench -- --write-docs`; edit outside these markers) -->',
    `## Results`, '',
    ...machineInfo(tools, opts),
    `- ${opts.runs} warm runs per cell (median shown) after one cold run (image evicted from the page cache first)`,
    '',
    ...reports.map(mdTable).flatMap((t) => [t, '']),
    ...(sector ? [sectorTable(sector), ''] : []),
    '#### Commands', '',
    '| tool | list | extract | read one file |', '|---|---|---|---|', ...cmds,
    '<!-- bench:results:end -->',
  ].join('\n');
  let text: string;
  const start = '<!-- bench:results:start';
  const end = '<!-- bench:results:end -->';
  if (fs.existsSync(DOCS) && fs.readFileSync(DOCS, 'utf8').includes(start)) {
    const old = fs.readFileSync(DOCS, 'utf8');
    text = old.slice(0, old.indexOf(start)) + body + old.slice(old.indexOf(end) + end.length);
  } else {
    text = `# Benchmarks\n\n${body}\n`;
  }
  fs.writeFileSync(DOCS, text);
  log(`wrote ${path.relative(ROOT, DOCS)}`);
}

/** Puts the sector table into docs/benchmarks.md between its own markers (replacing an older one). */
function writeSectorDocs(b: SectorBench): void {
  const start = '<!-- bench:sector:start (generated by `npm run bench -- --sector-only --write-docs`) -->';
  const end = '<!-- bench:sector:end -->';
  const body = [start, `Measured ${new Date().toISOString()} on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${gitAtStart}.`, '', sectorTable(b), end].join('\n');
  const old = fs.readFileSync(DOCS, 'utf8');
  const i = old.indexOf('<!-- bench:sector:start');
  const text = i >= 0 ? old.slice(0, i) + body + old.slice(old.indexOf(end) + end.length) : `${old.trimEnd()}\n\n## Sector editor (real VS Code)\n\n${body}\n`;
  fs.writeFileSync(DOCS, text);
  log(`wrote ${path.relative(ROOT, DOCS)}`);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(TIME_BIN)) {
    throw new Error(`${TIME_BIN} (GNU time) is needed for peak RSS: apt-get install time`);
  }
  fs.mkdirSync(WORK, { recursive: true });
  gitAtStart = gitState();

  const copyBench = async (): Promise<void> => {
    const rep = await runCopyBench({
      runs: opts.runs, timeoutS: opts.timeoutS, mib: opts.copyMib, dirs: opts.copyDirs, kinds: opts.copyKinds,
      driver: path.join(__dirname, 'copyOne.js'),
    });
    console.log(copyConsoleTable(rep));
    if (opts.writeDocs) writeCopyDocs(DOCS, rep, gitAtStart);
  };
  if (opts.copyOnly) {
    await copyBench();
    return;
  }
  let tools = peerTools();
  if (!opts.peersOnly) {
    const ours = isowbTool(opts.isowb);
    if (!ours) throw new Error(`${opts.isowb} not found: run \`npm run build\` (or pass --peers-only)`);
    tools.unshift(ours);
  }
  if (opts.tools) tools = tools.filter((t) => opts.tools!.includes(t.id));
  log(`tools: ${tools.map((t) => t.version).join(' | ')}`);

  const writeBench = async (): Promise<void> => {
    const groups: WriteGroup[] = opts.only === 'small' ? ['build'] : opts.only === 'large' ? ['repack'] : ['repack', 'build'];
    const rep = await runWriteBench({
      runs: opts.runs, timeoutS: opts.timeoutS, keep: opts.keep, isowb: opts.peersOnly ? undefined : opts.isowb,
      tools: opts.tools, groups, cacheDir: CACHE, workDir: WORK,
    });
    console.log(writeConsoleTable(rep));
    if (opts.writeDocs) writeWriteDocs(DOCS, rep, gitAtStart);
  };
  if (opts.writeOnly) {
    if (!opts.peersOnly && !fs.existsSync(opts.isowb)) throw new Error(`${opts.isowb} not found: run \`npm run build\` (or pass --peers-only)`);
    await writeBench();
    if (!opts.keep) fs.rmSync(WORK, { recursive: true, force: true });
    return;
  }
  if (opts.sectorOnly) {
    const sector = runSectorBench(ensureLarge(CACHE, log, opts.keep).image, opts.runs);
    if (!sector) throw new Error('the sector editor benchmark did not run');
    console.log(sectorTable(sector));
    if (opts.writeDocs) writeSectorDocs(sector);
    return;
  }
  const kinds: ImageKind[] = opts.only ? [opts.only] : ['small', 'large'];
  const reports: ImageReport[] = [];
  for (const kind of kinds) {
    const man = kind === 'small' ? ensureSmall(CACHE, log, opts.keep) : ensureLarge(CACHE, log, opts.keep);
    const rep: ImageReport = { man, cells: [], skipped: [] };
    for (const op of opts.ops) {
      if (op === 'extract') {
        const need = man.totalBytes + 2 ** 30;
        const where = extractRoot(man, opts);
        if (freeBytes(where) < need) {
          rep.skipped.push(`extract: needs ${(need / 2 ** 30).toFixed(1)} GiB free in ${where}, ` +
            `have ${(freeBytes(where) / 2 ** 30).toFixed(1)} GiB`);
          continue;
        }
        rep.extractTo = extractWhere(man, opts);
        log(`  extracting into ${rep.extractTo}`);
      }
      for (const tool of tools) {
        if (!tool[op]) continue;
        log(`  ${kind}: ${op} with ${tool.id} ...`);
        rep.cells.push(await runCell(op, tool, man, opts));
        const c = rep.cells[rep.cells.length - 1];
        if (!c.ok) log(`    ${c.status}`);
      }
    }
    reports.push(rep);
    console.log(consoleTable(rep));
  }
  let sector: SectorBench | null = null;
  if (opts.sector && opts.only !== 'small') {
    sector = runSectorBench(ensureLarge(CACHE, log, opts.keep).image, opts.runs);
    if (sector) console.log(sectorTable(sector));
  }
  if (opts.writeDocs) writeDocs(reports, tools, opts, sector);
  if (opts.write) await writeBench();
  if (opts.copy) await copyBench();
  if (!opts.keep) fs.rmSync(WORK, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
