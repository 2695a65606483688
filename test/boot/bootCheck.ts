// Boot tests' wrapper around scripts/boot-check.py (the project's QEMU boot checker: SeaBIOS and
// OVMF, modes bios-cd, bios-hdd, uefi-cd, uefi-hdd, judged from firmware debug output, serial,
// VGA text and screenshots; see the script's header). One script run per mode, one after the
// other, each under a watchdog, so a hung QEMU can never hang the test run. The evidence (logs,
// screenshots, run.json, verdict.txt per mode; image-report.txt) stays in test/boot/out/
// (git-ignored) for inspection after a failure.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../fixtures/build';

export type Mode = 'bios-cd' | 'bios-hdd' | 'uefi-cd' | 'uefi-hdd';
export type Verdict = 'PASS' | 'FAIL' | 'N/A';
export const MODES: readonly Mode[] = ['bios-cd', 'bios-hdd', 'uefi-cd', 'uefi-hdd'];

export const BOOT_CHECK = path.join(REPO_ROOT, 'scripts', 'boot-check.py');
/** Evidence, scratch images and repacks of the boot tests (git-ignored: test/boot/.gitignore). */
export const BOOT_OUT = path.join(REPO_ROOT, 'test', 'boot', 'out');

export interface BootResult {
  mode: Mode;
  verdict: Verdict;
  /** QEMU's run time as the script measured it (0 for N/A). */
  seconds: number;
  /** The mode's evidence directory (logs, screenshots, run.json, verdict.txt); for N/A the
   *  image's directory (image-report.txt says why). */
  evidence: string;
  /** The script's verdict line: why the mode applies, what decided the verdict. */
  line: string;
}

export interface BootCheckOptions {
  /** The image before a repack: a mode it boots in applies to the image too (no hiding as N/A). */
  ref?: string;
  /** Default: all four. */
  modes?: readonly Mode[];
  /** Evidence directory; relative paths are under test/boot/out/. Default: test/boot/out/<image name>. */
  outDir?: string;
  /** Watchdog per mode in seconds (default 300; the script's own limit is 90 s + 20 s per mode). */
  watchdogSeconds?: number;
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  killed: boolean;
}

/**
 * python3 boot-check.py ARGS. The watchdog sends SIGTERM (the script then ends its QEMU) and
 * SIGKILL 10 s later. The script stays in our process group, so a runner that signals the whole
 * group (coreutils `timeout` around mocha in scripts/test.sh) reaches it too; QEMU itself runs
 * under `timeout` with the script's limit + 20 s, should the script die without ending it.
 */
function runScript(args: string[], watchdogSeconds: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [BOOT_CHECK, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killed = false;
    let hard: NodeJS.Timeout | undefined;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGTERM');
      hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    }, watchdogSeconds * 1000);
    const done = () => {
      clearTimeout(timer);
      if (hard) clearTimeout(hard);
    };
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('close', (code, signal) => {
      done();
      resolve({ code, signal, killed, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

const LINE = /^(bios-cd|bios-hdd|uefi-cd|uefi-hdd)\s+(PASS|FAIL|N\/A)\s+(?:([\d.]+)s\s)?/;

function outDirFor(image: string, outDir?: string): string {
  return outDir ? path.resolve(BOOT_OUT, outDir) : path.join(BOOT_OUT, path.basename(image));
}

/**
 * Boots `image` in QEMU in each requested mode (sequentially) and returns one result per mode.
 * Throws when the checker could not judge a mode at all (no verdict line: usage error, crash,
 * watchdog); a harness problem that the script reports per mode (firmware missing) is a FAIL
 * whose line says "harness: …".
 */
export async function bootCheck(image: string, opts: BootCheckOptions = {}): Promise<BootResult[]> {
  const dir = outDirFor(image, opts.outDir);
  fs.mkdirSync(dir, { recursive: true });
  const log = path.join(dir, 'boot-check.log');
  const results: BootResult[] = [];
  for (const mode of opts.modes ?? MODES) {
    const args = ['--out', dir, ...(opts.ref ? ['--ref', opts.ref] : []), image, mode];
    const t0 = Date.now();
    const r = await runScript(args, opts.watchdogSeconds ?? 300);
    const wall = (Date.now() - t0) / 1000;
    fs.appendFileSync(log, `$ boot-check.py ${args.join(' ')}  (exit ${r.code ?? r.signal}, ${wall.toFixed(1)}s)\n${r.stdout}${r.stderr}\n`);
    const line = r.stdout.split('\n').find((l) => LINE.exec(l)?.[1] === mode);
    if (!line) {
      throw new Error(
        `boot-check gave no verdict for ${mode} of ${image} (exit ${r.code ?? r.signal}${r.killed ? ', killed by the watchdog' : ''}): ` +
          `${(r.stderr || r.stdout).trim().slice(-1500)} [log: ${log}]`,
      );
    }
    const m = LINE.exec(line)!;
    const verdict = m[2] as Verdict;
    results.push({
      mode,
      verdict,
      seconds: m[3] ? Number(m[3]) : 0,
      evidence: verdict === 'N/A' ? dir : path.join(dir, mode),
      line: line.trim(),
    });
  }
  return results;
}

/** The modes that apply to `image` (with `ref`: to it or to the image before a repack), without booting. */
export async function applicableModes(image: string, ref?: string): Promise<Mode[]> {
  const r = await runScript(['--list', ...(ref ? ['--ref', ref] : []), image], 120);
  if (r.code !== 0) throw new Error(`boot-check --list ${image} exited ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .map((l) => /^(bios-cd|bios-hdd|uefi-cd|uefi-hdd)\s+applies\b/.exec(l)?.[1])
    .filter((m): m is Mode => m !== undefined);
}

/** The results as lines for an assertion message or the test log. */
export function describeResults(results: readonly BootResult[]): string {
  return results.map((r) => `  ${r.line}\n    evidence: ${r.evidence}`).join('\n');
}

/** Verdicts by mode. */
export function verdicts(results: readonly BootResult[]): Partial<Record<Mode, Verdict>> {
  return Object.fromEntries(results.map((r) => [r.mode, r.verdict]));
}

/** Text the guest left in the evidence: the VGA text screen (BIOS) or the serial console (UEFI). */
export function guestText(result: BootResult): string {
  const file = path.join(result.evidence, result.mode.startsWith('uefi') ? 'serial.log' : 'vga-text.txt');
  return fs.existsSync(file) ? fs.readFileSync(file, 'latin1') : '';
}
