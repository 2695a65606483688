// The fuzz supervisor: picks fixtures, maps their structures once (cached), generates mutants,
// hands them to forked workers (worker.ts), enforces the per-mutant time and memory budgets from
// outside (kills a worker that overruns; Linux /proc), records failures, minimizes them by delta
// debugging, saves reproducers and prints the summary. Used by `npm run fuzz` (cli.ts) and by the
// seeded slice in `npm test` (quick.test.ts).
import { fork, type ChildProcess } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fixture, listFixtures, realImage, REAL_IMAGES, REPO_ROOT, type RealImageName } from '../fixtures/build';
import { applyMutations, computeTargets, generateMutations, type FixtureTargets, type Mutation } from './mutate';
import { KIND_LABEL, OPS, OP_LABEL, type Failure, type FailureKind, type FixtureRef, type Job, type MutantReport, type Op, type SelfTest, type ToChild, type ToParent } from './protocol';

const MiB = 1024 * 1024;
export const DEFAULT_MUTANTS = 100_000;
export const QUICK_SEED = 20251207;
/** The ~2-minute slice of `npm test`: this many mutants per fixture (fixed seed). */
export const QUICK_PER_FIXTURE = 16;
const HAS_PROC = process.platform === 'linux' && fs.existsSync('/proc/self/status');

export interface CampaignOptions {
  /** Mutants in all (default 100,000; --quick: QUICK_PER_FIXTURE per fixture). */
  mutants?: number;
  seed?: number;
  /** Stop after this many minutes (whichever comes first with `mutants`). */
  minutes?: number;
  /** Fixture names (default: every generator script and Debian's GRUB rescue images). */
  fixtures?: string[];
  jobs?: number;
  /** Reproducers, failures-s<seed>.jsonl, the state of a resumable campaign, cached target maps. */
  out?: string;
  quick?: boolean;
  /** Continue the campaign whose state is in `out`. */
  resume?: boolean;
  /** Most mutations per mutant. */
  maxMutations?: number;
  /** Failures minimized and saved as images, per failure signature. */
  minimizePerSignature?: number;
  log?: (line: string) => void;
}

/** A bad option or argument (the CLI prints the message and exits 2, no stack). */
export class FuzzUsageError extends Error {}

/** What each operation of a mutant may use (CPU time, peak resident set). */
export interface Budget { ms: number; kb: number; rule: string }

/**
 * A fixture generator's `# fuzz:` line (test/fixtures/gen/*.sh): `ops=a,b` (the operations run
 * on its mutants), `quick=N` (its mutants per round: 16 by default, fewer for a fixture whose
 * every operation is slow by nature), `ms=N` and `mb=N` (its per-operation budget, where its
 * clean image needs more than the size rule gives).
 */
export interface FuzzTag { ops?: Op[]; quick?: number; ms?: number; mb?: number }

export function parseFuzzTag(script: string): FuzzTag {
  const line = /^# fuzz:(.*)$/m.exec(script)?.[1];
  const t: FuzzTag = {};
  if (!line) return t;
  for (const kv of line.trim().split(/\s+/)) {
    const [k, v] = kv.split('=');
    if (k === 'ops') {
      const ops = v.split(',');
      for (const o of ops) if (!(OPS as readonly string[]).includes(o)) throw new Error(`# fuzz: unknown operation ${o}`);
      t.ops = ops as Op[];
    } else if (k === 'quick' || k === 'ms' || k === 'mb') {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`# fuzz: ${k} needs a positive integer (got ${v})`);
      t[k] = n;
    } else {
      throw new Error(`# fuzz: unknown key ${k}`);
    }
  }
  return t;
}

/**
 * Per operation of a mutant (info, ls -R, structures, the structure map, extract, repack each on
 * its own, as each is a command a user waits for): images up to 10 MiB get 2 s and 300 MB.
 * Larger ones get time in proportion (2 s per 10 MiB: extract and repack are linear in the
 * image) and 3 more bytes of RSS per further image byte (the worker holds the clean image and
 * the mutant, the engine about one more copy's worth). The sparse >4 GiB fixture runs metadata
 * operations only: 2 s and 300 MB. A fixture's `# fuzz: ms= mb=` replaces the rule (said so).
 * Time is CPU time (user + system) on Linux, with a wall-time backstop of WALL_FACTOR × the
 * budget; RSS is the worker's whole resident set (VmRSS / VmHWM).
 */
export function budgetFor(size: number, large: boolean, tag: FuzzTag = {}): Budget {
  let b: Budget;
  if (large || size <= 10 * MiB) b = { ms: 2000, kb: 300 * 1024, rule: large ? 'metadata only: 2 s, 300 MB' : '2 s, 300 MB' };
  else {
    const over = size - 10 * MiB;
    const ms = Math.round(2000 * (size / (10 * MiB)));
    const kb = Math.round((300 * MiB + 3 * over) / 1024);
    b = { ms, kb, rule: `${(ms / 1000).toFixed(1)} s, ${Math.round(kb / 1024)} MB (scaled: ${(size / MiB).toFixed(1)} MiB)` };
  }
  if (tag.ms || tag.mb) {
    b = { ms: tag.ms ?? b.ms, kb: tag.mb ? tag.mb * 1024 : b.kb, rule: '' };
    b.rule = `${(b.ms / 1000).toFixed(1)} s, ${Math.round(b.kb / 1024)} MB (its # fuzz: line)`;
  }
  return b;
}

export interface FixtureInfo extends FixtureRef {
  /** The fixture cache key (test/fixtures/build.ts) or a content hash for the GRUB images. */
  key: string;
  size: number;
  budget: Budget;
  ops: Op[];
  /** Mutants per round (the quick slice is round 0). */
  quick: number;
}

export function signatureOf(f: Failure, fixtureName: string): string {
  switch (f.kind) {
    // An InternalError is thrown on purpose at one place for many causes ("did not verify: …"):
    // its message, with paths and numbers blanked, tells the causes apart.
    case 'internal': return `internal|${f.op}|${f.name}|${f.frame ?? '?'}${f.name === 'InternalError' ? `|${normalizeMessage(f.message)}` : ''}`;
    case 'hang': case 'memory': return `${f.kind}|${f.op}|${fixtureName}`;
    case 'crash': return `crash|${f.op}|${fixtureName}|${f.name}`;
    default: return `${f.kind}|${f.op}|${f.name}`;
  }
}

/** A message with its image path prefix, other paths and numbers blanked (for grouping). */
export function normalizeMessage(m: string): string {
  return m.split('\n')[0].replace(/^.*?(: the written image did not verify: )/, 'did not verify: ').replace(/^\S*\.(iso|img)\S*: /, '')
    .replace(/at byte \d+ \(0x[0-9a-f]+, LBA \d+\): /g, '')
    .replace(/\/[^\s:;,]*/g, '/…').replace(/\d+/g, '#').slice(0, 90);
}

interface OpStats {
  runs: number; ok: number; refused: number; failed: number; ms: number; maxMs: number;
  /** Why mutants were refused (typed error messages, normalized), the most common ones. */
  reasons?: Record<string, number>;
}
interface SigStats {
  kind: FailureKind; op: string; name: string; frame?: string; message: string; stack?: string;
  count: number; fixtures: Record<string, number>;
  /** Reproduced on a rerun (hang/memory need it to count). */
  confirmed: number; notReproduced: number;
  repros: string[];
}
export interface CampaignStats {
  seed: number;
  mutants: number;
  elapsedMs: number;
  mutantMs: number;
  perFixture: Record<string, { mutants: number; failed: number; ms: number; budget: string }>;
  perOp: Record<string, OpStats>;
  byKind: Record<string, number>;
  signatures: Record<string, SigStats>;
  failedMutants: number;
  notReproduced: number;
  peak: { kb: number; fixture: string; index: number; op: string };
  slowest: { ms: number; wallMs: number; fixture: string; index: number; op: string };
  workerRestarts: number;
  /** Workers replaced because they held more than RECYCLE_KB after a mutant (not failures). */
  workerRecycles?: number;
  stoppedBy: 'mutants' | 'time' | 'signal';
}

/** ms: CPU time of the mutant where /proc tells it (else wall time); wallMs: wall time. */
interface RunResult { report: MutantReport | null; failures: Failure[]; ms: number; wallMs: number }

/** Wall-time backstop: an operation that uses no CPU (waiting) is stopped at this many times its budget. */
const WALL_FACTOR = 5;
/** A worker resident above this after a mutant is replaced by a fresh one (Slot.run). */
const RECYCLE_KB = 200 * 1024;

/** User + system CPU time of a process in ms (Linux /proc/PID/stat, USER_HZ = 100), or null. */
function cpuMsOf(pid: number | undefined): number | null {
  if (!HAS_PROC || pid === undefined) return null;
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/** Resident set of a process in KiB (Linux /proc/PID/status VmRSS), or null when it is gone. */
function rssKbOf(pid: number | undefined): number | null {
  if (!HAS_PROC || pid === undefined) return null;
  try { return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { return null; }
}

// ---- workers -------------------------------------------------------------------------------------

/** One worker slot: a forked child (respawned after a kill or crash) and its folder. */
class Slot {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private stderr = '';
  private onMessage: ((m: ToParent) => void) | null = null;
  private onExit: ((code: number | null, sig: string | null) => void) | null = null;
  /** Workers replaced after a kill or a crash. */
  restarts = 0;
  /** Workers replaced because they held more than RECYCLE_KB after a mutant. */
  recycles = 0;
  private recycled = false;
  private spawned = 0;

  constructor(readonly dir: string, private readonly workerJs: string) {}

  private spawn(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    this.stderr = '';
    const child = fork(this.workerJs, [], {
      execArgv: ['--expose-gc', '--enable-source-maps', '--max-old-space-size=4096'],
      env: { ...process.env, ISOWB_FUZZ_DIR: this.dir },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-8000); });
    child.on('message', (m: ToParent) => this.onMessage?.(m));
    child.on('exit', (code, sig) => {
      if (this.child === child) { this.child = null; this.ready = null; }
      this.onExit?.(code, sig);
    });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`fuzz worker did not start in 5 minutes: ${this.stderr}`)), 300_000);
      this.onMessage = m => { if (m.t === 'ready') { clearTimeout(t); resolve(); } };
      this.onExit = (code, sig) => { clearTimeout(t); reject(new Error(`fuzz worker exited at start (${code ?? sig}): ${this.stderr}`)); };
    });
  }

  /**
   * Runs one mutant under the budget; never rejects for the mutant's own failures. `warmOps`: the
   * operations of the untimed warm-up run of a fresh worker (default: the job's).
   */
  async run(job: Job, budget: Budget, warmOps?: Op[]): Promise<RunResult> {
    if (!this.child) {
      if (this.spawned++ > 0 && !this.recycled) this.restarts++;
      this.recycled = false;
      this.ready = this.spawn();
      await this.ready;
      // A fresh worker's first mutant runs cold (module loading, JIT) and can take several times
      // as long: warm it up on the clean fixture, untimed, before anything is measured.
      if (!job.image) await this.exec({ ...job, id: -job.id, mutations: [], selfTest: undefined, ops: warmOps ?? job.ops }, { ms: 600_000, kb: 4096 * 1024, rule: 'warm-up' });
    }
    await this.ready;
    const r = await this.exec(job, budget);
    // V8 keeps the heap it grew for a big operation: a worker that holds much more than it did at
    // its start is replaced, so that one mutant's garbage does not count against the next.
    const pid = this.child?.pid;
    if (HAS_PROC && pid !== undefined) {
      const kb = rssKbOf(pid) ?? 0;
      if (kb > RECYCLE_KB) { this.recycles++; await this.close(); this.recycled = true; }
    }
    return r;
  }

  private exec(job: Job, budget: Budget): Promise<RunResult> {
    if (!this.child) return Promise.resolve({ report: null, failures: [{ kind: 'crash', op: job.ops[0], name: 'worker died during its warm-up', message: this.stderr.trim().split('\n').slice(-30).join('\n') }], ms: 0, wallMs: 0 });
    const child = this.child!;
    return new Promise<RunResult>((resolve, reject) => {
      let lastOp: Op = job.ops[0];
      let started = 0;
      let opStarted = 0;
      let timer: NodeJS.Timeout | null = null;
      let poll: NodeJS.Timeout | null = null;
      let killed: Failure | null = null;
      let maxRssKb = 0;
      let opCpu0: number | null = null;
      let cpuSum = 0;
      const done = (r: RunResult | Error): void => {
        if (timer) clearTimeout(timer);
        if (poll) clearInterval(poll);
        this.onMessage = null;
        this.onExit = null;
        if (r instanceof Error) reject(r); else resolve(r);
      };
      const kill = (f: Failure): void => {
        if (killed) return;
        killed = f;
        child.kill('SIGKILL');
      };
      const over = `over ${budget.ms} ms`;
      // Mutant preparation (copying, writing the mutant) is not timed, but must not stall either.
      timer = setTimeout(() => kill({ kind: 'crash', op: 'harness', name: 'worker stalled before the mutant started', message: this.stderr }), 300_000);
      this.onMessage = (m: ToParent) => {
        if (m.t === 'start') {
          started = performance.now();
          if (timer) clearTimeout(timer);
          timer = null;
          // Each operation has the budget on its own. Time is CPU time (user + system) where /proc
          // tells it, so that other load on a shared machine does not count; an operation that
          // waits without using CPU is stopped at WALL_FACTOR times the budget in wall time.
          poll = setInterval(() => {
            const now = performance.now();
            if (!HAS_PROC) {
              if (opStarted && now - opStarted > budget.ms) kill({ kind: 'hang', op: lastOp, name: over, message: `still running ${lastOp} after ${Math.round(now - opStarted)} ms (killed)` });
              return;
            }
            const kb = rssKbOf(child.pid);
            if (kb === null) return;
            maxRssKb = Math.max(maxRssKb, kb);
            if (kb > budget.kb) kill({ kind: 'memory', op: lastOp, name: `over ${Math.round(budget.kb / 1024)} MB`, message: `resident set ${Math.round(kb / 1024)} MB during ${lastOp} (killed)` });
            const cpu = cpuMsOf(child.pid);
            if (cpu !== null && opCpu0 !== null && cpu - opCpu0 > budget.ms) kill({ kind: 'hang', op: lastOp, name: over, message: `used ${Math.round(cpu - opCpu0)} ms of CPU in ${lastOp} (${Math.round(now - opStarted)} ms wall time; killed)` });
            if (opStarted && now - opStarted > budget.ms * WALL_FACTOR) kill({ kind: 'hang', op: lastOp, name: over, message: `still running ${lastOp} after ${Math.round(now - opStarted)} ms wall time${cpu !== null && opCpu0 !== null ? ` (${Math.round(cpu - opCpu0)} ms CPU)` : ''} (killed)` });
          }, 20);
        } else if (m.t === 'op') {
          lastOp = m.op;
          opStarted = performance.now();
          opCpu0 = cpuMsOf(child.pid);
        } else if (m.t === 'end') {
          const failures = [...m.report.failures];
          for (const o of m.report.ops) {
            cpuSum += o.cpuMs;
            if (o.hwmKb > budget.kb) failures.push({ kind: 'memory', op: o.op, name: `over ${Math.round(budget.kb / 1024)} MB`, message: `peak resident set ${Math.round(o.hwmKb / 1024)} MB during ${o.op}` });
            const spent = HAS_PROC ? o.cpuMs : o.ms;
            if (spent > budget.ms) failures.push({ kind: 'hang', op: o.op, name: over, message: `${o.op} took ${Math.round(spent)} ms${HAS_PROC ? ` of CPU (${Math.round(o.ms)} ms wall time)` : ''}` });
          }
          done({ report: m.report, failures, ms: HAS_PROC ? cpuSum : m.report.ms, wallMs: m.report.ms });
        } else if (m.t === 'harness') {
          child.kill('SIGKILL');
          done(new Error(`fuzz harness error on mutant ${job.fixture.name}#${job.index}: ${m.message}`));
        }
      };
      this.onExit = (code, sig) => {
        const wallMs = started ? performance.now() - started : 0;
        const cpu = opCpu0 === null ? null : cpuMsOf(child.pid);
        const ms = cpu !== null && opCpu0 !== null ? cpu - opCpu0 : wallMs;
        if (killed) {
          if (killed.kind === 'memory') killed.message += ` (peak seen ${Math.round(maxRssKb / 1024)} MB)`;
          done({ report: null, failures: [killed], ms, wallMs });
        } else {
          done({ report: null, failures: [{ kind: 'crash', op: lastOp, name: `worker exited (${sig ?? `code ${code}`})`, message: this.stderr.trim().split('\n').slice(-30).join('\n') }], ms, wallMs });
        }
      };
      const msg: ToChild = { t: 'job', job };
      child.send(msg);
    });
  }

  async close(): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.onExit = null;
    await new Promise<void>(resolve => { c.once('exit', () => resolve()); c.kill('SIGKILL'); });
  }
}

// ---- fixtures and targets ------------------------------------------------------------------------

function sha1(b: Buffer | string): string { return createHash('sha1').update(b).digest('hex'); }

/** A fingerprint of the compiled engine and mutator: cached target maps are recomputed when either changes. */
function engineFingerprint(): string {
  const h = createHash('sha1');
  const rec = (d: string): void => {
    for (const n of fs.readdirSync(d).sort()) {
      const p = path.join(d, n);
      if (fs.statSync(p).isDirectory()) rec(p);
      else if (n.endsWith('.js')) h.update(n).update(fs.readFileSync(p));
    }
  };
  rec(path.join(__dirname, '..', '..', 'src', 'engine'));
  h.update(fs.readFileSync(path.join(__dirname, 'mutate.js')));
  return h.digest('hex').slice(0, 12);
}

export async function resolveFixtures(names?: string[]): Promise<FixtureInfo[]> {
  const all: Array<{ name: string; large: boolean; tag: FuzzTag; get: () => Promise<string> }> = [
    ...listFixtures().map(f => ({ name: f.name, large: f.large, tag: parseFuzzTag(fs.readFileSync(f.script, 'utf8')), get: () => fixture(f.name) })),
    ...REAL_IMAGES.map(r => ({ name: r.replace(/\.(iso|img)$/, ''), large: false, tag: {}, get: () => realImage(r as RealImageName) })),
  ];
  const wanted = names?.length ? all.filter(f => names.includes(f.name)) : all;
  const unknown = (names ?? []).filter(n => !all.some(f => f.name === n));
  if (unknown.length) throw new FuzzUsageError(`unknown fixture(s): ${unknown.join(', ')} (known: ${all.map(f => f.name).join(', ')})`);
  const out: FixtureInfo[] = [];
  for (const f of wanted) {
    const p = await f.get();
    const size = fs.statSync(p).size;
    const m = /-([0-9a-f]{12})\.iso$/.exec(p);
    const key = m ? m[1] : `sha1:${sha1(fs.readFileSync(p)).slice(0, 12)}`;
    const ops: Op[] = f.tag.ops ?? (f.large ? ['info', 'ls', 'structures', 'structureMap'] : [...OPS]);
    out.push({ name: f.name, path: p, large: f.large, key, size, budget: budgetFor(size, f.large, f.tag), ops, quick: f.tag.quick ?? QUICK_PER_FIXTURE });
  }
  return out;
}

async function targetsFor(f: FixtureInfo, cacheDir: string, fp: string): Promise<FixtureTargets> {
  const file = path.join(cacheDir, `${f.name}-${f.key.replace(/[^0-9a-z]/gi, '')}-${fp}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as FixtureTargets;
  } catch { /* not cached yet */ }
  const t = await computeTargets(f.name, f.path);
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(t));
  fs.renameSync(tmp, file);
  return t;
}

/** Clean bytes of a fixture at an offset (the 'old' side of a mutation). */
function cleanReader(p: string): { read: (at: number, len: number) => Buffer; close: () => void } {
  const fd = fs.openSync(p, 'r');
  return {
    read: (at, len) => { const b = Buffer.alloc(len); const n = fs.readSync(fd, b, 0, len, at); return b.subarray(0, n); },
    close: () => fs.closeSync(fd),
  };
}

/** A work folder on tmpfs when there is one with room (mutants are written there once each). */
function workRoot(): string {
  let base = os.tmpdir();
  try {
    if (process.platform === 'linux' && fs.statfsSync('/dev/shm').bavail * fs.statfsSync('/dev/shm').bsize > 2 * 1024 * MiB) base = '/dev/shm';
  } catch { /* no /dev/shm */ }
  return fs.mkdtempSync(path.join(base, 'isowb-fuzz-'));
}

/** Repack layouts alternate between mutants. */
function layoutOf(index: number): 'preserve' | 'compact' { return Math.abs(index) % 2 === 0 ? 'preserve' : 'compact'; }

/**
 * The truncation sweep (what test/engine/fuzz.test.ts did for the GRUB image, for every fixture):
 * each image cut at sector boundaries from 17 on — every 16th sector, at most 256 cuts per
 * fixture; --quick: 3 cuts per fixture and every 128th sector of the GRUB rescue CD. A fixture
 * with fewer mutants per round (`# fuzz: quick=N`) gets fewer cuts in proportion (at least one).
 */
export function truncationSweep(fixtures: FixtureInfo[], quick: boolean): Array<{ f: FixtureInfo; sector: number }> {
  const out: Array<{ f: FixtureInfo; sector: number }> = [];
  for (const f of fixtures) {
    if (f.large) continue; // the overlay over the sparse >4 GiB file cannot be cut
    const blocks = Math.ceil(f.size / 2048);
    const share = Math.min(1, f.quick / QUICK_PER_FIXTURE);
    const cuts = Math.max(1, Math.round((quick ? 3 : 256) * share));
    const stride = quick && f.name === 'grub-rescue-cdrom' ? 128 : Math.max(16, Math.ceil((blocks - 17) / cuts));
    for (let s = 17; s < blocks; s += stride) out.push({ f, sector: s });
  }
  return out;
}

/**
 * Delta debugging (Zeller's ddmin, complements only): drops chunks of `items` while `fails` still
 * holds, halving the chunk size when no chunk can go; at most `maxRuns` calls of `fails`.
 */
export async function ddmin<T>(items: T[], fails: (subset: T[]) => Promise<boolean>, maxRuns = 40): Promise<T[]> {
  let cur = items;
  let n = 2;
  let runs = 0;
  while (cur.length >= 2 && runs < maxRuns) {
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let s = 0; s < cur.length && runs < maxRuns; s += size) {
      const cand = [...cur.slice(0, s), ...cur.slice(s + size)];
      runs++;
      if (cand.length > 0 && (await fails(cand))) { cur = cand; n = Math.max(n - 1, 2); reduced = true; break; }
    }
    if (!reduced) { if (n >= cur.length) break; n = Math.min(cur.length, n * 2); }
  }
  return cur;
}

// ---- reproducers ---------------------------------------------------------------------------------

export interface Reproducer {
  fixture: string;
  fixtureKey: string;
  seed: number;
  index: number;
  layout: 'preserve' | 'compact';
  kind: FailureKind;
  op: string;
  signature: string;
  name: string;
  message: string;
  stack?: string;
  /** Mutations of the mutant as generated. */
  mutations: Mutation[];
  /** After delta debugging: the smallest subset that still gives the same failure. */
  minimized: Mutation[];
  reproduced: boolean;
  /** The minimized mutant image (absent for the sparse >4 GiB fixture: rebuild it from the fixture). */
  image?: string;
  replay: string;
}

function rel(p: string): string {
  const r = path.relative(REPO_ROOT, p);
  return r.startsWith('..') ? p : r;
}

// ---- the campaign --------------------------------------------------------------------------------

interface State {
  seed: number; total: number; fixtures: string[]; maxMutations: number; quick: boolean;
  /** Every g below this has run; `done` lists those above it that have too. */
  watermark: number; done: number[];
  stats: CampaignStats;
}

export interface CampaignResult {
  stats: CampaignStats;
  fixtures: FixtureInfo[];
  /** Failed mutants (confirmed), with their signature. */
  failures: Array<{ fixture: string; index: number; signature: string; failure: Failure }>;
  out: string;
  summary: string;
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const log = o.log ?? ((s: string) => process.stdout.write(s + '\n'));
  const out = path.resolve(o.out ?? path.join(REPO_ROOT, 'artifacts', 'fuzz', o.quick ? 'quick' : ''));
  fs.mkdirSync(path.join(out, 'repro'), { recursive: true });
  const statePath = path.join(out, 'campaign-state.json');
  let state: State | null = null;
  if (o.resume) {
    if (!fs.existsSync(statePath)) throw new FuzzUsageError(`--resume: no interrupted campaign in ${out} (no campaign-state.json)`);
    state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as State;
  }
  const fixtures = await resolveFixtures(state?.fixtures ?? o.fixtures);
  const seed = state?.seed ?? o.seed ?? (o.quick ? QUICK_SEED : (Math.random() * 2 ** 31) >>> 0);
  const quick = state?.quick ?? !!o.quick;
  const sweep = truncationSweep(fixtures, quick);
  const total = state?.total ?? (sweep.length + (o.mutants ?? (o.quick ? fixtures.reduce((a, f) => a + f.quick, 0) : DEFAULT_MUTANTS)));
  const maxMutations = state?.maxMutations ?? o.maxMutations ?? 6;
  const jobs = Math.max(1, o.jobs ?? Math.min(2, os.cpus().length));
  const minimizeK = o.minimizePerSignature ?? (o.quick ? 1 : 3);
  const deadline = o.minutes ? Date.now() + o.minutes * 60_000 : Infinity;
  const workerJs = path.join(__dirname, 'worker.js');
  if (!HAS_PROC) log('fuzz: no /proc: memory budgets are not measured (the campaign is a Linux dev/CI tool)');

  // Structure maps of the clean fixtures (cached under out/targets per fixture key and engine build).
  const t0 = Date.now();
  const fp = engineFingerprint();
  const targets = new Map<string, FixtureTargets>();
  for (const f of fixtures) targets.set(f.name, await targetsFor(f, path.join(out, 'targets'), fp));
  log(`fuzz: seed ${seed}, ${total} mutants (${sweep.length} truncations, then random) over ${fixtures.length} fixtures, ${jobs} worker(s), targets mapped in ${((Date.now() - t0) / 1000).toFixed(1)} s; output ${rel(out)}`);

  const stats: CampaignStats = state?.stats ?? {
    seed, mutants: 0, elapsedMs: 0, mutantMs: 0, perFixture: {}, perOp: {}, byKind: {}, signatures: {}, failedMutants: 0, notReproduced: 0,
    peak: { kb: 0, fixture: '', index: -1, op: '' }, slowest: { ms: 0, wallMs: 0, fixture: '', index: -1, op: '' }, workerRestarts: 0, stoppedBy: 'mutants',
  };
  for (const f of fixtures) stats.perFixture[f.name] ??= { mutants: 0, failed: 0, ms: 0, budget: f.budget.rule };
  for (const op of OPS) stats.perOp[op] ??= { runs: 0, ok: 0, refused: 0, failed: 0, ms: 0, maxMs: 0 };
  const failuresList: CampaignResult['failures'] = [];
  const elapsedBefore = stats.elapsedMs;
  const tStart = Date.now();

  // First a truncation sweep (the image cut at sector boundaries; index = -sector), then random
  // mutants: g → (fixture, index), a fixture's mutants of a round in a row (the worker keeps one
  // clean image in memory), fixtures in turn.
  // A round gives each fixture its `quick` mutants in a row (16, or fewer for a fixture whose
  // operations are slow by nature); the quick slice is round 0.
  const roundLength = fixtures.reduce((a, f) => a + f.quick, 0);
  const at = (g: number): { f: FixtureInfo; index: number; muts: Mutation[] } => {
    if (g < sweep.length) {
      const { f, sector } = sweep[g];
      return { f, index: -sector, muts: [{ truncate: sector * 2048, what: `truncate to ${sector} sectors (sweep)` }] };
    }
    const r = g - sweep.length;
    const round = Math.floor(r / roundLength);
    let within = r % roundLength;
    let k = 0;
    while (within >= fixtures[k].quick) within -= fixtures[k++].quick;
    const f = fixtures[k], index = round * f.quick + within;
    return { f, index, muts: generateMutations(targets.get(f.name)!, seed, index, reader(f).read, { maxMutations, truncate: !f.large }) };
  };
  const doneAbove = new Set<number>(state?.done ?? []);
  let watermark = state?.watermark ?? 0;
  let nextG = watermark;
  const inFlight = new Set<number>();
  const readers = new Map<string, ReturnType<typeof cleanReader>>();
  const reader = (f: FixtureInfo) => { let r = readers.get(f.name); if (!r) { r = cleanReader(f.path); readers.set(f.name, r); } return r; };
  let stop: CampaignStats['stoppedBy'] | null = null;
  const onSig = (): void => { stop = 'signal'; log('fuzz: stopping after the mutants in flight (signal)…'); };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);

  const saveState = (): void => {
    stats.elapsedMs = elapsedBefore + (Date.now() - tStart);
    const s: State = { seed, total, fixtures: fixtures.map(f => f.name), maxMutations, quick, watermark, done: [...doneAbove], stats };
    fs.writeFileSync(`${statePath}.tmp`, JSON.stringify(s));
    fs.renameSync(`${statePath}.tmp`, statePath);
  };
  const finish = (g: number): void => {
    inFlight.delete(g);
    doneAbove.add(g);
    while (doneAbove.has(watermark)) { doneAbove.delete(watermark); watermark++; }
  };

  // A fresh worker of a slow fixture warms up on its clean image with info only.
  const warmOps = (f: FixtureInfo): Op[] | undefined => (f.quick < QUICK_PER_FIXTURE ? ['info'] : undefined);
  const makeJob = (f: FixtureInfo, index: number, mutations: Mutation[], id: number): Job => ({
    id, fixture: { name: f.name, path: f.path, large: f.large }, seed, index, mutations,
    layout: layoutOf(index), ops: f.ops,
  });

  const root = workRoot();
  const slots = Array.from({ length: jobs }, (_, k) => new Slot(path.join(root, `slot-${k}`), workerJs));
  // One failures file per seed; a fresh (not resumed) campaign replaces what an earlier run with
  // the same seed left (the quick slice always uses the same seed).
  const failuresFile = path.join(out, `failures-s${seed}.jsonl`);
  if (!state) {
    fs.rmSync(failuresFile, { force: true });
    for (const n of fs.readdirSync(path.join(out, 'repro'))) if (n.includes(`-s${seed}-`)) fs.rmSync(path.join(out, 'repro', n), { force: true });
  }
  let jobId = 0;
  let lastProgress = Date.now();
  let lastSave = Date.now();

  const record = (f: FixtureInfo, index: number, r: RunResult): void => {
    stats.mutants++;
    stats.mutantMs += r.ms;
    const pf = stats.perFixture[f.name];
    pf.mutants++;
    pf.ms += r.ms;
    if (r.report) {
      for (const o of r.report.ops) {
        const s = stats.perOp[o.op];
        s.runs++; s.ms += o.cpuMs; s.maxMs = Math.max(s.maxMs, o.cpuMs);
        if (o.cpuMs > stats.slowest.ms) stats.slowest = { ms: o.cpuMs, wallMs: o.ms, fixture: f.name, index, op: o.op };
        if (o.outcome === 'ok') s.ok++; else if (o.outcome === 'refused') s.refused++; else s.failed++;
        if (o.outcome === 'refused' && o.detail) {
          const why = normalizeMessage(o.detail.replace(/^.*?\.(iso|img)[^:]*: /, ''));
          const reasons = (s.reasons ??= {});
          if (why in reasons || Object.keys(reasons).length < 200) reasons[why] = (reasons[why] ?? 0) + 1;
        }
        if (o.hwmKb > stats.peak.kb) stats.peak = { kb: o.hwmKb, fixture: f.name, index, op: o.op };
      }
    } else {
      const op = r.failures[0]?.op;
      if (op && op !== 'harness') { stats.perOp[op].runs++; stats.perOp[op].failed++; }
    }
  };

  /**
   * Reruns the failing mutant and minimizes it by delta debugging: the smallest subset of its
   * mutations that still fails with every signature in `sigs` that reproduced. A budget overrun
   * must show on two reruns (a busy machine slows a mutant down once in a while).
   */
  const minimize = async (slot: Slot, f: FixtureInfo, index: number, muts: Mutation[], sigs: string[]): Promise<{ reproduced: Set<string>; minimized: Mutation[] }> => {
    const sigsOf = async (m: Mutation[]): Promise<Set<string>> => {
      const r = await slot.run(makeJob(f, index, m, ++jobId), f.budget, warmOps(f));
      return new Set(r.failures.map(x => signatureOf(x, f.name)));
    };
    const overrun = (sig: string): boolean => sig.startsWith('hang|') || sig.startsWith('memory|');
    const first = await sigsOf(muts);
    const second = sigs.some(x => overrun(x) && first.has(x)) ? await sigsOf(muts) : first;
    const reproduced = new Set(sigs.filter(x => first.has(x) && (!overrun(x) || second.has(x))));
    if (reproduced.size === 0) return { reproduced, minimized: muts };
    const minimized = await ddmin(muts, async m => { const got = await sigsOf(m); return [...reproduced].every(x => got.has(x)); });
    return { reproduced, minimized };
  };

  const saveRepro = (f: FixtureInfo, index: number, muts: Mutation[], minimized: Mutation[], reproduced: boolean, fail: Failure, sig: string): string => {
    const base = `${fail.kind}-${fail.op}-${f.name}-s${seed}-i${index}-${sha1(sig).slice(0, 6)}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    const json = path.join(out, 'repro', `${base}.json`);
    const r: Reproducer = {
      fixture: f.name, fixtureKey: f.key, seed, index, layout: layoutOf(index),
      kind: fail.kind, op: fail.op, signature: sig, name: fail.name, message: fail.message, stack: fail.stack,
      mutations: muts, minimized, reproduced, replay: `npm run fuzz -- --replay ${rel(json)}`,
    };
    if (!f.large) {
      const img = path.join(out, 'repro', `${base}.iso`);
      fs.writeFileSync(img, applyMutations(fs.readFileSync(f.path), minimized));
      r.image = rel(img);
    }
    fs.writeFileSync(json, JSON.stringify(r, null, 1) + '\n');
    return rel(json);
  };

  const handleFailures = async (slot: Slot, f: FixtureInfo, index: number, muts: Mutation[], r: RunResult): Promise<void> => {
    // One entry per distinct signature of this mutant. Signatures with fewer than minimizeK saved
    // reproducers are rerun and minimized together (one delta-debugging pass for the mutant).
    const seen = new Map<string, Failure>();
    for (const x of r.failures) { const sg = signatureOf(x, f.name); if (!seen.has(sg)) seen.set(sg, x); }
    const entry = (sig: string, fail: Failure): SigStats => (stats.signatures[sig] ??= {
      kind: fail.kind, op: fail.op, name: fail.name, frame: fail.frame, message: fail.message.slice(0, 600), stack: fail.stack?.slice(0, 3000),
      count: 0, fixtures: {}, confirmed: 0, notReproduced: 0, repros: [],
    });
    const pending = [...seen].filter(([sig, fail]) => entry(sig, fail).confirmed < minimizeK).map(([sig]) => sig);
    const m = pending.length ? await minimize(slot, f, index, muts, pending) : null;
    let counted = false;
    for (const [sig, fail] of seen) {
      const s = entry(sig, fail);
      if (m && pending.includes(sig)) {
        if (!m.reproduced.has(sig) && (fail.kind === 'hang' || fail.kind === 'memory')) {
          // A budget overrun that reruns do not show (a busy machine): reported, not counted.
          s.notReproduced++;
          stats.notReproduced++;
          continue;
        }
        s.confirmed++;
        s.repros.push(saveRepro(f, index, muts, m.reproduced.has(sig) ? m.minimized : muts, m.reproduced.has(sig), fail, sig));
      }
      s.count++;
      s.fixtures[f.name] = (s.fixtures[f.name] ?? 0) + 1;
      stats.byKind[fail.kind] = (stats.byKind[fail.kind] ?? 0) + 1;
      failuresList.push({ fixture: f.name, index, signature: sig, failure: fail });
      fs.appendFileSync(failuresFile, JSON.stringify({ fixture: f.name, fixtureKey: f.key, seed, index, layout: layoutOf(index), signature: sig, kind: fail.kind, op: fail.op, name: fail.name, message: fail.message.slice(0, 1000), mutations: muts }) + '\n');
      counted = true;
    }
    if (counted) { stats.failedMutants++; stats.perFixture[f.name].failed++; }
  };

  const mutantsBefore = stats.mutants;
  const progress = (): void => {
    const secs = (Date.now() - tStart) / 1000;
    const kinds = Object.entries(stats.byKind).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    log(`fuzz: ${stats.mutants}/${total} mutants, ${((stats.mutants - mutantsBefore) / Math.max(secs, 0.001)).toFixed(1)}/s, failures: ${kinds}${stats.notReproduced ? `, ${stats.notReproduced} overrun(s) not reproduced` : ''}`);
  };

  const loop = async (slot: Slot): Promise<void> => {
    while (!stop) {
      if (Date.now() > deadline) { stop = 'time'; break; }
      while (doneAbove.has(nextG)) nextG++;
      if (nextG >= total) break;
      const g = nextG++;
      inFlight.add(g);
      const { f, index, muts } = at(g);
      const r = await slot.run(makeJob(f, index, muts, ++jobId), f.budget, warmOps(f));
      record(f, index, r);
      if (r.failures.length) await handleFailures(slot, f, index, muts, r);
      finish(g);
      if (Date.now() - lastProgress > 15_000) { lastProgress = Date.now(); progress(); }
      if (Date.now() - lastSave > 10_000) { lastSave = Date.now(); saveState(); }
    }
  };

  try {
    await Promise.all(slots.map(s => loop(s)));
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    await Promise.all(slots.map(s => s.close()));
    for (const r of readers.values()) r.close();
    stats.workerRestarts += slots.reduce((a, s) => a + s.restarts, 0);
    stats.workerRecycles = (stats.workerRecycles ?? 0) + slots.reduce((a, s) => a + s.recycles, 0);
    fs.rmSync(root, { recursive: true, force: true });
  }
  stats.stoppedBy = stop ?? 'mutants';
  saveState();
  if (stats.stoppedBy === 'mutants' && watermark >= total) {
    // A finished campaign: keep its state under a name that --resume does not pick up.
    fs.renameSync(statePath, path.join(out, `campaign-s${seed}-done.json`));
  }
  const summary = formatSummary(stats, fixtures, total, stats.elapsedMs, jobs, out);
  return { stats, fixtures, failures: failuresList, out, summary };
}

export function formatSummary(s: CampaignStats, fixtures: FixtureInfo[], total: number, wallMs: number, jobs: number, out: string): string {
  const lines: string[] = [];
  const secs = wallMs / 1000;
  lines.push(`== fuzz summary: seed ${s.seed}, ${s.mutants} of ${total} mutants in ${secs.toFixed(0)} s (${(s.mutants / Math.max(secs, 0.001)).toFixed(1)} mutants/s with ${jobs} worker(s); stopped by ${s.stoppedBy})`);
  lines.push('mutants per fixture (avg CPU per mutant, all operations; budget per operation):');
  for (const f of fixtures) {
    const p = s.perFixture[f.name];
    if (!p) continue;
    lines.push(`  ${f.name.padEnd(22)} ${String(p.mutants).padStart(7)}  failed ${String(p.failed).padStart(5)}  avg ${(p.ms / Math.max(1, p.mutants)).toFixed(0).padStart(5)} ms  (${p.budget})`);
  }
  lines.push('per operation (CPU ms):   runs       ok  refused   failed   avg ms   max ms');
  for (const op of OPS) {
    const p = s.perOp[op];
    if (!p || p.runs === 0) continue;
    lines.push(`  ${OP_LABEL[op].padEnd(22).slice(0, 22)} ${String(p.runs).padStart(7)} ${String(p.ok).padStart(8)} ${String(p.refused).padStart(8)} ${String(p.failed).padStart(8)} ${(p.ms / p.runs).toFixed(1).padStart(8)} ${p.maxMs.toFixed(0).padStart(8)}`);
  }
  lines.push('most common refusals (typed errors) per operation:');
  for (const op of OPS) {
    const top = Object.entries(s.perOp[op]?.reasons ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 3);
    if (top.length) lines.push(`  ${op}: ${top.map(([k, v]) => `${v}× ${k}`).join('; ')}`);
  }
  const kinds: FailureKind[] = ['internal', 'hang', 'memory', 'sandbox', 'leftover', 'crash'];
  lines.push(`failures by kind: ${kinds.map(k => `${KIND_LABEL[k]} ${s.byKind[k] ?? 0}`).join(', ')}; ${s.failedMutants} failed mutant(s)${s.notReproduced ? `; ${s.notReproduced} budget overrun(s) not reproduced on a rerun (not counted)` : ''}`);
  const sigs = Object.entries(s.signatures).filter(([, v]) => v.count > 0).sort((a, b) => b[1].count - a[1].count);
  if (sigs.length) {
    lines.push('failure signatures (kind | operation | error | where):');
    for (const [sig, v] of sigs) {
      lines.push(`  ${String(v.count).padStart(6)}  ${sig}  [${Object.entries(v.fixtures).map(([k, n]) => `${k} ${n}`).join(', ')}]`);
      lines.push(`          ${v.message.split('\n')[0].slice(0, 200)}`);
      for (const r of v.repros.slice(0, 3)) lines.push(`          replay: npm run fuzz -- --replay ${r}`);
    }
  }
  lines.push(`peak RSS: ${(s.peak.kb / 1024).toFixed(0)} MB (${s.peak.fixture}#${s.peak.index}, ${s.peak.op}); slowest operation: ${s.slowest.ms.toFixed(0)} ms CPU, ${s.slowest.wallMs.toFixed(0)} ms wall (${s.slowest.op} of ${s.slowest.fixture}#${s.slowest.index}); worker restarts after a failure: ${s.workerRestarts}; workers replaced for their size: ${s.workerRecycles ?? 0}`);
  lines.push(`reproducers (repro/) and every failing mutant (failures-s${s.seed}.jsonl) in ${rel(out)}`);
  return lines.join('\n');
}

// ---- replay --------------------------------------------------------------------------------------

export interface ReplayResult { failed: boolean; text: string }

/**
 * Runs one saved mutant again in a fresh worker under the same budgets: a reproducer (.json from
 * repro/), a line of a failures file (FILE.jsonl:LINE), or an image file as it is (.iso/.img).
 */
export async function replay(file: string, o: { log?: (s: string) => void } = {}): Promise<ReplayResult> {
  const log = o.log ?? ((s: string) => process.stdout.write(s + '\n'));
  const m = /^(.*\.jsonl):(\d+)$/.exec(file);
  let job: Job;
  let fixtureInfo: FixtureInfo | null = null;
  let size: number;
  let what: string;
  const root = workRoot();
  try {
    if (m || file.endsWith('.json')) {
      const r = (m ? JSON.parse(fs.readFileSync(m[1], 'utf8').split('\n')[Number(m[2]) - 1]) : JSON.parse(fs.readFileSync(file, 'utf8'))) as Reproducer;
      const muts = r.minimized ?? r.mutations;
      const [f] = await resolveFixtures([r.fixture]);
      fixtureInfo = f;
      if (f.key !== r.fixtureKey && r.image) {
        log(`fuzz: fixture ${f.name} changed since this reproducer was saved (key ${r.fixtureKey}, now ${f.key}); replaying the saved image ${r.image}`);
        job = { id: 1, fixture: { name: f.name, path: f.path, large: false }, seed: r.seed, index: r.index, mutations: [], layout: r.layout, ops: [...OPS], image: path.resolve(REPO_ROOT, r.image) };
        size = fs.statSync(job.image!).size;
      } else {
        job = { id: 1, fixture: { name: f.name, path: f.path, large: f.large }, seed: r.seed, index: r.index, mutations: muts, layout: r.layout, ops: f.ops };
        size = f.size;
      }
      what = `${f.name}#${r.index} (seed ${r.seed}, ${muts.length} mutation(s)); saved failure: ${r.kind} in ${r.op}: ${r.name}`;
      for (const x of muts) log(`  mutation: ${'truncate' in x ? x.what : `${x.what} @${x.at}: ${x.old} -> ${x.new}`}`);
    } else {
      size = fs.statSync(file).size;
      job = { id: 1, fixture: { name: path.basename(file), path: file, large: false }, seed: 0, index: 0, mutations: [], layout: 'preserve', ops: [...OPS], image: path.resolve(file) };
      what = file;
    }
    const budget = fixtureInfo && !job.image ? fixtureInfo.budget : budgetFor(size, false);
    log(`fuzz: replaying ${what}; budget ${budget.rule}`);
    const slot = new Slot(path.join(root, 'slot-0'), path.join(__dirname, 'worker.js'));
    let r: RunResult;
    try {
      r = await slot.run(job, budget);
    } finally {
      await slot.close();
    }
    const lines: string[] = [];
    for (const x of r.report?.ops ?? []) lines.push(`  ${x.op.padEnd(13)} ${x.outcome.padEnd(8)} ${x.cpuMs.toFixed(0).padStart(6)} ms CPU ${x.ms.toFixed(0).padStart(6)} ms ${String(Math.round(x.hwmKb / 1024)).padStart(5)} MB${x.detail ? `  ${x.detail.split('\n')[0].slice(0, 160)}` : ''}`);
    lines.push(`  total ${r.ms.toFixed(0)} ms${r.ms !== r.wallMs ? ` CPU, ${r.wallMs.toFixed(0)} ms wall` : ''}`);
    for (const x of r.failures) lines.push(`FAILURE ${KIND_LABEL[x.kind]} in ${x.op}: ${x.name}\n  ${x.message.split('\n').slice(0, 8).join('\n  ')}${x.stack ? `\n${x.stack.split('\n').slice(0, 14).join('\n')}` : ''}`);
    if (!r.failures.length) lines.push('no failure: the mutant is handled within its budget');
    return { failed: r.failures.length > 0, text: lines.join('\n') };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

// ---- harness self-test -----------------------------------------------------------------------------

/**
 * Runs one self-test job (the worker misbehaves on purpose: protocol.ts SelfTest) on a fixture in
 * a fresh worker under the fixture's budget, and returns what the supervisor recorded.
 */
export async function selfTest(kind: SelfTest, f: FixtureInfo): Promise<Failure[]> {
  const root = workRoot();
  const slot = new Slot(path.join(root, 'slot-0'), path.join(__dirname, 'worker.js'));
  try {
    const ops: Op[] = kind === 'symlink' ? ['extract'] : ['info', 'ls'];
    const r = await slot.run({ id: 1, fixture: { name: f.name, path: f.path, large: f.large }, seed: 0, index: 0, mutations: [], layout: 'preserve', ops, selfTest: kind }, f.budget);
    return r.failures;
  } finally {
    await slot.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
