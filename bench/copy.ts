// The copy benchmark (issue 18): the engine's whole-file copy (src/engine/io/copy.ts, what the
// preserving repack runs: a clone where the file system can, else a streaming copy in Node that
// keeps holes) against GNU cp, on files of each kind, in each folder given (default: the OS temp
// folder and /dev/shm). `node -e 0` is measured beside them: Node's start-up, which the copy pays
// here as its own process and does not pay inside a repack.
//
// Files (generated into each folder, deleted afterwards): *real* — random bytes, fully allocated
// (an installer image); *sparse* — holes with a 1 MiB random block every 64 MiB (the bench's
// large image); *zeros* — fully allocated, its second half zeros (an image with a big empty file).
// Every tool copies the file into the same folder; runs are interleaved (round after round, each
// tool once, each round starting with the next tool), with a `sync` before each. On folders that
// are not tmpfs, two cold rounds (the source evicted from the page cache before each run) come
// first; the first of them is not counted (see below). The first counted run of each tool is
// checked by sha256 against the source, every run by its size.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { freeBytes } from './generate';
import { evictFromCache, median, RunResult, runMeasured } from './measure';
import { fmt, fsTypeOf, machineLine, mdTable, mdTargets, putDocSection, ratio } from './report';
import { sha256File } from './verify';

export type CopyKind = 'real' | 'sparse' | 'zeros';
const KINDS: CopyKind[] = ['real', 'sparse', 'zeros'];

export interface CopyBenchOptions {
  runs: number;
  timeoutS: number;
  /** Size of each file in MiB. */
  mib: number;
  dirs: string[];
  kinds?: CopyKind[];
  /** The compiled copy driver (out/bench/copyOne.js). */
  driver: string;
}

interface CopyTool {
  id: string;
  describe: string;
  /** Not a copy: start-up only (no output to check). */
  floor?: boolean;
  ours?: boolean;
  argv: (src: string, dst: string) => string[];
}

interface CopyRun { r: RunResult; syncSeconds: number; allocated: number; cold: boolean }

interface CopyCell { dir: string; fsType: string; kind: CopyKind; tool: CopyTool; runs: CopyRun[]; ok: boolean; status: string; note: string }

export interface CopyReport {
  cells: CopyCell[];
  files: Record<CopyKind, { bytes: number; allocated: number }>;
  skipped: string[];
  versions: Record<string, string>;
  runs: number;
  load: [number, number];
}

const MiB = 2 ** 20;
const log = (s: string) => process.stderr.write(`${s}\n`);

function tools(driver: string): CopyTool[] {
  const node = process.execPath;
  return [
    { id: 'node -e 0', describe: 'node -e 0', floor: true, argv: () => [node, '-e', '0'] },
    { id: 'isowb copy', describe: 'node out/bench/copyOne.js SRC DST (src/engine/io/copy.ts: cloneOrCopy)', ours: true, argv: (s, d) => [node, driver, s, d] },
    { id: 'cp --reflink=auto', describe: 'cp --reflink=auto SRC DST (cp 9\'s defaults: also --sparse=auto)', argv: (s, d) => ['cp', '--reflink=auto', s, d] },
    { id: 'cp --sparse=always', describe: 'cp --sparse=always SRC DST', argv: (s, d) => ['cp', '--sparse=always', s, d] },
  ];
}

/** Writes a file of `kind` (`mib` MiB) in 1 MiB pieces of random bytes, holes or zeros. */
function makeFile(file: string, kind: CopyKind, mib: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    const block = Buffer.alloc(MiB);
    const zeros = Buffer.alloc(MiB);
    for (let i = 0; i < mib; i++) {
      if (kind === 'sparse' && i % 64 !== 0 && i !== mib - 1) continue;
      if (kind === 'zeros' && i >= mib / 2) { fs.writeSync(fd, zeros, 0, MiB, i * MiB); continue; }
      crypto.randomFillSync(block);
      fs.writeSync(fd, block, 0, MiB, i * MiB);
    }
    fs.ftruncateSync(fd, mib * MiB);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const secondsSince = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

export async function runCopyBench(opts: CopyBenchOptions): Promise<CopyReport> {
  const kinds = opts.kinds ?? KINDS;
  const all = tools(opts.driver);
  const report: CopyReport = {
    cells: [], files: {} as CopyReport['files'], skipped: [], runs: opts.runs, load: [os.loadavg()[0], 0],
    versions: { cp: spawnSync('cp', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? '?', node: process.version },
  };
  const size = opts.mib * MiB;
  for (const dir of opts.dirs) {
    const fsType = fsTypeOf(dir);
    const tmpfs = fsType === 'tmpfs';
    const need = 2 * size + 512 * MiB;
    if (freeBytes(dir) < need || (tmpfs && os.freemem() < need + 2 ** 30)) {
      report.skipped.push(`${dir}: needs ${(need / 2 ** 30).toFixed(1)} GiB free (${tmpfs ? 'memory' : 'disk'})`);
      continue;
    }
    const work = fs.mkdtempSync(path.join(dir, 'isowb-copy-bench-'));
    const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
    process.on('exit', cleanup);
    try {
      for (const kind of kinds) {
        const src = path.join(work, `${kind}.bin`);
        const dst = path.join(work, 'out.bin');
        log(`copy: ${dir} (${fsType}), ${kind}: making ${opts.mib} MiB ...`);
        makeFile(src, kind, opts.mib);
        const st = fs.statSync(src);
        report.files[kind] = { bytes: st.size, allocated: st.blocks * 512 };
        const sha = sha256File(src); // also warms the page cache
        const cells = all.map((tool): CopyCell => ({ dir, fsType, kind, tool, runs: [], ok: true, status: 'ok', note: '' }));
        // Not on tmpfs: two cold rounds, the first one not counted. On a VM whose memory the host
        // backs lazily, the first run to read a file into the page cache pays for the host's page
        // faults (seconds for 1.5 GiB, measured), whichever tool that is.
        const rounds = opts.runs + (tmpfs ? 0 : 2);
        for (let n = 0; n < rounds; n++) {
          const cold = !tmpfs && n <= 1;
          const settle = !tmpfs && n === 0;
          // Each round starts with another tool, so no tool always follows the same one.
          for (const cell of [...cells.slice(n % cells.length), ...cells.slice(0, n % cells.length)]) {
            if (!cell.ok) continue;
            fs.rmSync(dst, { force: true });
            spawnSync('sync');
            if (cold) evictFromCache(src);
            const r = await runMeasured(cell.tool.argv(src, dst), { kind: 'null' }, opts.timeoutS * 1000, work);
            const bad = r.timedOut ? 'timeout' : r.exitCode !== 0 ? `exit ${r.exitCode}: ${r.stderrTail.split('\n').pop()}` : undefined;
            if (bad) { cell.ok = false; cell.status = `failed: ${bad}`; continue; }
            if (settle) continue;
            if (cell.tool.floor) { cell.runs.push({ r, syncSeconds: 0, allocated: 0, cold }); continue; }
            const t0 = process.hrtime.bigint();
            spawnSync('sync', [dst]); // fsync(OUT): the copy made durable, as a repack does before its rename
            const syncSeconds = secondsSince(t0);
            const out = fs.statSync(dst);
            if (out.size !== st.size) { cell.ok = false; cell.status = `failed: ${out.size} bytes, expected ${st.size}`; continue; }
            if (cell.runs.length === 0 && sha256File(dst) !== sha) { cell.ok = false; cell.status = 'failed: the copy differs from the source'; continue; }
            cell.runs.push({ r, syncSeconds, allocated: out.blocks * 512, cold });
            log(`    ${kind} ${cell.tool.id}${cold ? ' (cold)' : ''}: ${r.wallSeconds.toFixed(2)} s + fsync ${syncSeconds.toFixed(2)} s, ` +
              `CPU ${((r.userSeconds ?? 0) + (r.sysSeconds ?? 0)).toFixed(2)} s, ${(out.blocks * 512 / MiB).toFixed(0)} MiB allocated`);
          }
        }
        report.cells.push(...cells);
        fs.rmSync(dst, { force: true });
        fs.rmSync(src, { force: true });
      }
    } finally {
      cleanup();
      process.off('exit', cleanup);
    }
  }
  report.load[1] = os.loadavg()[0];
  return report;
}

// ---------------------------------------------------------------- reporting

const warm = (c: CopyCell) => c.runs.filter((w) => !w.cold);
const cpu = (w: CopyRun) => (w.r.userSeconds ?? 0) + (w.r.sysSeconds ?? 0);
const durable = (w: CopyRun) => w.r.wallSeconds + w.syncSeconds;

function med(c: CopyCell | undefined, f: (w: CopyRun) => number): number | undefined {
  const ws = c && c.ok ? warm(c) : [];
  return ws.length ? median(ws.map(f)) : undefined;
}

const REF = 'cp --reflink=auto';
const HEAD = ['tool', 'median s (exit)', 'median s (durable)', 'best s (durable)', 'median CPU s', 'cold s', 'peak RSS MB', 'output MiB allocated', `× ${REF} (durable)`, `× ${REF} (CPU)`, 'result'];

function groups(rep: CopyReport): Array<{ dir: string; fsType: string; kind: CopyKind; cells: CopyCell[] }> {
  const out: Array<{ dir: string; fsType: string; kind: CopyKind; cells: CopyCell[] }> = [];
  for (const c of rep.cells) {
    let g = out.find((x) => x.dir === c.dir && x.kind === c.kind);
    if (!g) out.push(g = { dir: c.dir, fsType: c.fsType, kind: c.kind, cells: [] });
    g.cells.push(c);
  }
  return out;
}

function rowsOf(cells: CopyCell[]): string[][] {
  const ref = cells.find((c) => c.tool.id === REF);
  return cells.map((c) => {
    const coldRun = c.runs.find((w) => w.cold);
    const rss = c.runs.map((w) => w.r.peakRssKB).filter((x): x is number => x !== null);
    const last = warm(c)[warm(c).length - 1];
    return [
      c.tool.ours ? `**${c.tool.id}**` : c.tool.id,
      fmt(med(c, (w) => w.r.wallSeconds)), c.tool.floor ? '—' : fmt(med(c, durable)),
      c.tool.floor || !c.ok || !warm(c).length ? '—' : fmt(Math.min(...warm(c).map(durable))), fmt(med(c, cpu)),
      coldRun && !c.tool.floor ? fmt(durable(coldRun)) : '—',
      rss.length ? (Math.max(...rss) / 1024).toFixed(0) : '—',
      last && !c.tool.floor ? (last.allocated / MiB).toFixed(0) : '—',
      c.tool.floor ? '—' : ratio(med(c, durable), med(ref, durable)),
      c.tool.floor ? '—' : ratio(med(c, cpu), med(ref, cpu)),
      c.ok ? 'ok' : c.status.replace(/\|/g, '\\|'),
    ];
  });
}

const KIND_LABEL: Record<CopyKind, string> = {
  real: 'real data (random, fully allocated)',
  sparse: 'sparse (a 1 MiB random block every 64 MiB, holes between)',
  zeros: 'allocated zeros (random first half, written zeros second half)',
};

function title(rep: CopyReport, g: { dir: string; fsType: string; kind: CopyKind }): string {
  const f = rep.files[g.kind];
  return `${g.dir} (${g.fsType}), ${KIND_LABEL[g.kind]}: ${(f.bytes / MiB).toFixed(0)} MiB, ${(f.allocated / MiB).toFixed(0)} MiB allocated`;
}

/** isowb's copy against cp on real data, with and without Node's start-up (node -e 0's median). */
function targetsOf(rep: CopyReport): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const g of groups(rep)) {
    if (g.kind !== 'real') continue;
    const ours = g.cells.find((c) => c.tool.ours);
    const ref = g.cells.find((c) => c.tool.id === REF);
    const floor = g.cells.find((c) => c.tool.floor);
    const [o, r, f] = [med(ours, durable), med(ref, durable), med(floor, (w) => w.r.wallSeconds)];
    let v: string;
    if (o === undefined || r === undefined) v = `n/a (${ours?.status ?? 'not run'}; ${ref?.status ?? 'not run'})`;
    else {
      const d = o / r;
      const net = f === undefined ? '' : `, ${((o - f) / r).toFixed(2)}× without Node's start-up`;
      v = `${d <= 1.3 ? 'met' : '**missed**'} (${d.toFixed(2)}× durable${net}; CPU ${ratio(med(ours, cpu), med(ref, cpu))})`;
    }
    out.push([`copy of real data in ${g.dir} (${g.fsType}) ≤ 1.3× ${REF}`, v]);
  }
  return out;
}

export function copyConsoleTable(rep: CopyReport): string {
  const out = ['', `== copy (warm page cache; durable = exit + fsync of the copy; load average ${rep.load[0].toFixed(1)} → ${rep.load[1].toFixed(1)})`];
  for (const g of groups(rep)) {
    const rows = [HEAD, ...rowsOf(g.cells).map((r) => r.map((x) => x.replace(/\*\*/g, '')))];
    const w = HEAD.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((x, i) => (i === r.length - 1 ? x.slice(0, 200) : x.padEnd(w[i]))).join('  ');
    out.push('', `-- ${title(rep, g)}`, line(rows[0]), ...rows.slice(1).map(line));
  }
  out.push('');
  for (const [k, v] of targetsOf(rep)) out.push(`target ${k}: ${v.replace(/\*\*/g, '')}`);
  for (const s of rep.skipped) out.push(`skipped: ${s}`);
  return out.join('\n');
}

const START = '<!-- bench:copy:start (generated by `npm run bench -- --copy-only --write-docs`; edit outside these markers) -->';
const END = '<!-- bench:copy:end -->';

export function copyMarkdown(rep: CopyReport, gitState: string): string {
  const tables: string[] = [];
  for (const g of groups(rep)) {
    tables.push(`#### ${title(rep, g)}`, '', ...mdTable(HEAD, rowsOf(g.cells)), '');
  }
  const t = targetsOf(rep);
  return [
    '### Results', '',
    `- date: ${new Date().toISOString()}`,
    machineLine(),
    `- node ${rep.versions.node}; ${rep.versions.cp}; isowb ${gitState}`,
    `- ${rep.runs} warm runs per row (interleaved, median shown), after two cold runs (the first not counted) where the folder is not tmpfs`,
    `- 1-minute load average ${rep.load[0].toFixed(1)} at the start, ${rep.load[1].toFixed(1)} at the end`,
    '',
    ...tables,
    ...mdTargets(t, rep.skipped),
    '#### Commands', '',
    '| row | command |', '|---|---|', ...tools('out/bench/copyOne.js').map((x) => `| ${x.id} | \`${x.describe}\` |`),
  ].join('\n');
}

/** Puts the copy tables into `docs` between their markers (adding a section when there are none). */
export function writeCopyDocs(docs: string, rep: CopyReport, gitState: string): void {
  putDocSection(docs, START, END, copyMarkdown(rep, gitState), '## Copying an image\n\n', 'copy');
}
