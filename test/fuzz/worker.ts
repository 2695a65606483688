// A fuzz worker: a forked child that runs mutants in sequence for the supervisor (campaign.ts).
// For each mutant it builds the image (clean fixture + mutations) in its own folder, then runs
// every operation in-process through the engine, as the CLI would in a fresh process: info --json,
// ls -R --json over every namespace, info --structures with every directory expanded, the sector
// editor's structure map, extract into the sandbox and repack into the sandbox (verified). It
// reports per-mutant start, per-operation progress and the end, with the peak resident set of
// each operation (Linux: /proc/self/status VmHWM, reset through /proc/self/clear_refs). The
// supervisor enforces the time and memory budgets from outside (it kills this process).
//
// Folder layout (ISOWB_FUZZ_DIR, made by the supervisor):
//   mutant.iso   the mutant (the input of every operation; must not change)
//   canary/      files that must not change
//   sandbox/     extract/ and the repack output; emptied before each mutant
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DiscImage } from '../../src/engine/image';
import { CorruptImageError, InternalError, IsoError } from '../../src/engine/errors';
import { extract } from '../../src/engine/extract';
import { FileSource } from '../../src/engine/io/fileSource';
import { PatchedSource } from '../../src/engine/io/patched';
import { mapStructures } from '../../src/engine/structureMap';
import type { Structure } from '../../src/engine/structure/fields';
import { repack } from '../../src/engine/write/repack';
import { infoJson, lsJson } from '../../src/cli/format';
import { applyMutations } from './mutate';
import type { Failure, Job, MutantReport, Op, OpResult, SelfTest, ToChild, ToParent } from './protocol';

const DIR = process.env.ISOWB_FUZZ_DIR ?? '';
const MUTANT = path.join(DIR, 'mutant.iso');
const SANDBOX = path.join(DIR, 'sandbox');
const EXTRACT = path.join(SANDBOX, 'extract');
const REPACK_OUT = path.join(SANDBOX, 'repacked.iso');
/** Directories info --structures expands per mutant (each once). */
const MAX_EXPANSIONS = 2000;
const HAS_PROC = process.platform === 'linux' && fs.existsSync('/proc/self/status');
const gc = (globalThis as { gc?: () => void }).gc;

function send(m: ToParent): void { process.send!(m); }

// ---- memory ------------------------------------------------------------------------------------

function status(key: 'VmHWM' | 'VmRSS'): number {
  if (!HAS_PROC) return 0;
  const m = new RegExp(`${key}:\\s+(\\d+)`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}
/** Starts a new peak-RSS measurement (clear_refs 5 resets VmHWM to the current RSS). */
function resetPeak(): void {
  if (!HAS_PROC) return;
  // Garbage left by the previous operation would count against this one.
  if (gc && status('VmRSS') > 120 * 1024) gc();
  try { fs.writeFileSync('/proc/self/clear_refs', '5'); } catch { /* old kernel: VmHWM is then a process-wide peak */ }
}

// ---- failures ------------------------------------------------------------------------------------

const STACK_RE = /\n\s+at \S|\bat \S+ \([^()]*:\d+:\d+\)|\binternal error\b/i;

/** The first stack frame inside the project's sources (src/…ts:line with source maps). */
export function firstFrame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  const lines = stack.split('\n').filter(l => /^\s+at /.test(l));
  const ours = lines.find(l => /[/\\]src[/\\]/.test(l)) ?? lines[0];
  const m = ours && /((?:src|node:)[^():]*):(\d+)/.exec(ours.replace(/\\/g, '/'));
  return m ? `${m[1].replace(/^.*?(src\/)/, '$1')}:${m[2]}` : ours?.trim();
}

/** null when `e` is the expected answer to a bad image: a typed engine error with a clean message. */
function classify(e: unknown, op: Op): Failure | null {
  if (e instanceof IsoError && !(e instanceof InternalError)) {
    if (!STACK_RE.test(e.message)) return null;
    return { kind: 'internal', op, name: `${e.name} with a stack trace in its message`, message: e.message.slice(0, 2000), stack: e.stack, frame: firstFrame(e.stack) };
  }
  const err = e as (Error & { code?: string }) | undefined;
  const name = e instanceof Error ? `${err!.name}${err!.code && !(e instanceof IsoError) ? ` ${err!.code}` : ''}` : `thrown ${typeof e}`;
  return { kind: 'internal', op, name, message: String(err?.message ?? e).slice(0, 2000), stack: err?.stack, frame: firstFrame(err?.stack) };
}

/** Messages shown to the user (warnings, notes) must never carry a stack trace or "internal error". */
function checkTexts(op: Op, texts: Iterable<string>, failures: Failure[]): void {
  for (const t of texts) {
    if (STACK_RE.test(t)) {
      failures.push({ kind: 'internal', op, name: 'stack trace or internal error in a warning', message: t.slice(0, 2000) });
      return;
    }
  }
}

// ---- sandbox checks ------------------------------------------------------------------------------

type Snapshot = Map<string, string>;

/** Every entry under `dir` except `skip` (lstat: type, size, mode, inode, mtime). */
function snapshot(dir: string, skip: string): Snapshot {
  const out: Snapshot = new Map();
  const rec = (d: string): void => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      if (p === skip) continue;
      const st = fs.lstatSync(p);
      out.set(p, `${st.mode}:${st.size}:${st.ino}:${st.mtimeMs}`);
      if (st.isDirectory()) rec(p);
    }
  };
  rec(dir);
  return out;
}

function diffSnapshots(a: Snapshot, b: Snapshot): string[] {
  const d: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) d.push(b.has(k) ? `changed: ${k}` : `removed: ${k}`);
  for (const k of b.keys()) if (!a.has(k)) d.push(`created: ${k}`);
  return d;
}

/**
 * Looks at what extract left in the sandbox (lstat only: never opens a FIFO or follows a link):
 * a symlink pointing outside whose target is a regular file modified during this mutant means
 * something was written through it.
 */
/** How far file times may lag Date.now() (see runJob). */
const COARSE_CLOCK_MS = 50;

function checkExtractTree(root: string, since: number): string[] {
  const problems: string[] = [];
  const rec = (d: string): void => {
    let names: string[];
    try { names = fs.readdirSync(d); } catch { return; }
    for (const name of names) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) rec(p);
      else if (st.isSymbolicLink()) {
        const target = path.resolve(path.dirname(p), fs.readlinkSync(p));
        // Device and kernel files change on their own; /dev/shm is an ordinary (tmpfs) folder.
        if (target.startsWith(SANDBOX + path.sep) || /^\/(proc|sys)(\/|$)|^\/dev\/(?!shm\/)/.test(target)) continue;
        try {
          const t = fs.statSync(p);
          if (t.isFile() && (t.mtimeMs >= since || t.ctimeMs >= since)) problems.push(`${target} (through the symlink ${p}) was modified during the mutant`);
        } catch { /* dangling: fine */ }
      }
    }
  };
  rec(root);
  return problems;
}

/** rm -rf that also copes with read-only directories (extract applies the image's modes). */
function rmrf(p: string): void {
  try {
    fs.rmSync(p, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    const rec = (d: string): void => {
      try { fs.chmodSync(d, 0o700); } catch { /* not ours to change */ }
      for (const n of fs.readdirSync(d)) {
        const c = path.join(d, n);
        if (fs.lstatSync(c).isDirectory()) rec(c);
      }
    };
    rec(p);
    fs.rmSync(p, { recursive: true, force: true });
  }
}

function sha1File(p: string): string {
  return createHash('sha1').update(fs.readFileSync(p)).digest('hex');
}

// ---- the operations ---------------------------------------------------------------------------------

let clean: { path: string; data: Buffer } | null = null;
function cleanImage(p: string): Buffer {
  if (clean?.path !== p) clean = { path: p, data: fs.readFileSync(p) };
  return clean.data;
}

interface Ctx {
  job: Job;
  failures: Failure[];
  /** Opens the mutant as the CLI does (a fresh image per command). */
  open(): Promise<DiscImage>;
  source(): Promise<import('../../src/engine/io/source').ByteSource>;
}

async function withImage<T>(ctx: Ctx, fn: (img: DiscImage) => Promise<T>): Promise<T> {
  const img = await ctx.open();
  try {
    return await fn(img);
  } finally {
    await img.close();
  }
}

const operations: Record<Op, (ctx: Ctx, op: Op) => Promise<void>> = {
  info: (ctx, op) => withImage(ctx, async img => {
    const d = await infoJson(img);
    JSON.stringify(d);
    checkTexts(op, d.warnings.map(w => w.message).concat(d.pathTableProblems), ctx.failures);
  }),
  ls: (ctx, op) => withImage(ctx, async img => {
    for (const ns of img.namespaces) {
      img.setNamespace(ns);
      await img.walk(img.root, n => { JSON.stringify(lsJson(n)); });
    }
    checkTexts(op, img.warnings.map(w => w.message), ctx.failures);
  }),
  structures: (ctx, op) => withImage(ctx, async img => {
    const seen = new Set<string>();
    let expanded = 0;
    const visit = async (s: Structure): Promise<void> => {
      for (const c of s.children) await visit(c);
      if (!img.isExpandable(s) || !s.expand || expanded >= MAX_EXPANSIONS) return;
      const key = `${s.expand.tree}:${s.expand.lba}`;
      if (seen.has(key)) return;
      seen.add(key);
      expanded++;
      for (const x of (await img.expandStructure(s)) ?? []) { JSON.stringify(x); await visit(x); }
      // Each expansion is measured on its own (as a user opens one directory's view at a time):
      // the garbage of the ones before is collected first, as V8 would under memory pressure.
      if (gc && status('VmRSS') > 150 * 1024) gc();
    };
    const top = await img.structures();
    JSON.stringify(top);
    for (const s of top) await visit(s);
    checkTexts(op, img.warnings.map(w => w.message), ctx.failures);
  }),
  structureMap: async (ctx, op) => {
    const src = await ctx.source();
    try {
      const m = await mapStructures(src);
      JSON.stringify(m.structures);
      checkTexts(op, m.diagnostics.map(d => d.message).concat(m.error ?? []), ctx.failures);
      await m.image?.close();
    } finally {
      await src.close();
    }
  },
  extract: (ctx, op) => withImage(ctx, async img => {
    const r = await extract(img, { dest: EXTRACT });
    checkTexts(op, r.warnings, ctx.failures);
  }),
  repack: (ctx, op) => withImage(ctx, async img => {
    let ok = false;
    try {
      const r = await repack(img, null, { output: REPACK_OUT, layout: ctx.job.layout, verify: true, dropUdf: true, sourcePath: MUTANT });
      ok = true;
      checkTexts(op, r.notes, ctx.failures);
    } finally {
      // A failed write removes its temp file and writes no output; a finished one leaves exactly the output.
      const left = fs.readdirSync(SANDBOX).filter(n => n !== 'extract' && !(ok && n === path.basename(REPACK_OUT)));
      if (left.length) ctx.failures.push({ kind: 'leftover', op, name: ok ? 'temp file left by a finished repack' : 'files left by a failed repack', message: left.join(', ') });
    }
  }),
};

/** What a misbehaving operation does, per self-test (never used on real mutants). */
const misbehave: Record<SelfTest, () => Promise<void>> = {
  hang: async () => { for (;;) { /* a synchronous loop: no message can get out */ } },
  stall: () => new Promise<void>(() => { /* waits forever without using CPU */ }),
  memory: async () => {
    const keep: Buffer[] = [];
    for (;;) { keep.push(Buffer.alloc(16 * 1024 * 1024, 1)); await new Promise(r => setImmediate(r)); }
  },
  crash: async () => { process.kill(process.pid, 'SIGSEGV'); await new Promise(r => setTimeout(r, 10_000)); },
  internal: async () => { throw new TypeError('self-test: cannot read properties of undefined'); },
  stack: async () => { throw new CorruptImageError(`self-test: ${new Error('inner').stack}`); },
  escape: async () => { fs.writeFileSync(path.join(DIR, 'escaped.txt'), 'outside the sandbox'); },
  symlink: async () => {
    fs.mkdirSync(EXTRACT, { recursive: true });
    // A file beside the worker's folder (outside what the snapshot covers): only the symlink check can see it.
    fs.symlinkSync(path.join(DIR, '..', `outside-${process.pid}.txt`), path.join(EXTRACT, 'link'));
    fs.appendFileSync(path.join(EXTRACT, 'link'), 'written through a symlink');
  },
  input: async () => { fs.appendFileSync(MUTANT, 'x'); },
};

async function runJob(job: Job): Promise<void> {
  // Prepare the mutant (not timed).
  let hashBefore = '';
  let source: () => Promise<import('../../src/engine/io/source').ByteSource>;
  if (job.image) {
    fs.copyFileSync(job.image, MUTANT);
    hashBefore = sha1File(MUTANT);
    source = () => FileSource.open(MUTANT);
  } else if (job.fixture.large) {
    // The sparse >4 GiB fixture: the mutations live in an overlay over the read-only original.
    source = async () => {
      const p = new PatchedSource(await FileSource.open(job.fixture.path), MUTANT);
      for (const m of job.mutations) if ('at' in m) p.write(m.at, Buffer.from(m.new, 'hex').subarray(0, Math.max(0, p.size - m.at)));
      return p;
    };
  } else {
    const mutant = applyMutations(cleanImage(job.fixture.path), job.mutations);
    fs.writeFileSync(MUTANT, mutant);
    hashBefore = createHash('sha1').update(mutant).digest('hex');
    source = () => FileSource.open(MUTANT);
  }
  rmrf(SANDBOX);
  fs.mkdirSync(SANDBOX);
  const before = snapshot(DIR, SANDBOX);
  const ctx: Ctx = {
    job, failures: [],
    open: async () => DiscImage.open(await source()),
    source,
  };
  const ops: OpResult[] = [];
  resetPeak();
  send({ t: 'start', id: job.id });
  const t0 = performance.now();
  let peak = 0;
  for (const op of job.ops) {
    send({ t: 'op', id: job.id, op });
    resetPeak();
    // File times come from the kernel's coarse clock, which lags the wall clock by up to a tick
    // (10 ms at HZ=100, more on a loaded VM): a file written just after this line can carry a time
    // a few ms before it (the symlink self-test failed so once in CI).
    const since = Date.now() - COARSE_CLOCK_MS;
    const s = performance.now();
    const cpu0 = process.cpuUsage();
    let outcome: OpResult['outcome'] = 'ok';
    let detail: string | undefined;
    const n = ctx.failures.length;
    try {
      if (job.selfTest && op === job.ops[0]) await misbehave[job.selfTest]();
      else await operations[op](ctx, op);
    } catch (e) {
      const f = classify(e, op);
      if (f) ctx.failures.push(f);
      else { outcome = 'refused'; detail = (e as Error).message.slice(0, 300); }
    }
    if (op === 'extract') {
      const escaped = checkExtractTree(EXTRACT, since);
      if (escaped.length) ctx.failures.push({ kind: 'sandbox', op, name: 'written through a symlink', message: escaped.slice(0, 5).join('\n') });
    }
    if (ctx.failures.length > n) outcome = 'failed';
    const hwmKb = status('VmHWM');
    peak = Math.max(peak, hwmKb);
    const cpu = process.cpuUsage(cpu0);
    ops.push({ op, ms: performance.now() - s, cpuMs: (cpu.user + cpu.system) / 1000, outcome, hwmKb, detail });
  }
  const ms = performance.now() - t0;
  // The input must be unchanged, and nothing beside the sandbox may have changed.
  if (hashBefore && sha1File(MUTANT) !== hashBefore) ctx.failures.push({ kind: 'sandbox', op: 'repack', name: 'the input image was modified', message: MUTANT });
  const changed = diffSnapshots(before, snapshot(DIR, SANDBOX));
  if (changed.length) ctx.failures.push({ kind: 'sandbox', op: job.ops.includes('extract') ? 'extract' : job.ops[job.ops.length - 1], name: 'written outside the sandbox', message: changed.slice(0, 10).join('\n') });
  const report: MutantReport = { id: job.id, ms, hwmKb: peak, ops, failures: ctx.failures };
  send({ t: 'end', report });
}

function main(): void {
  if (!DIR || !process.send) {
    process.stderr.write('worker.js is started by the fuzz supervisor (npm run fuzz)\n');
    process.exit(2);
  }
  fs.mkdirSync(path.join(DIR, 'canary'), { recursive: true });
  fs.writeFileSync(path.join(DIR, 'canary', 'canary.txt'), 'must not change\n');
  let queue = Promise.resolve();
  process.on('message', (m: ToChild) => {
    if (m.t !== 'job') return;
    queue = queue.then(() => runJob(m.job)).catch(e => {
      send({ t: 'harness', id: m.job.id, message: (e as Error)?.stack ?? String(e) });
    });
  });
  // An unobserved rejection or an exception escaping the engine's callbacks kills the worker
  // (Node's default), which the supervisor records as a crash with this output.
  process.on('disconnect', () => process.exit(0));
  // Ctrl+C in a terminal reaches the whole process group: the supervisor stops after the mutants
  // in flight and then ends its workers; a worker killed by the key would count as a crash.
  process.on('SIGINT', () => undefined);
  send({ t: 'ready', pid: process.pid });
}

main();
