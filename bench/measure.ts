// Runs one command under GNU time (for the child's peak RSS) and measures its wall time.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';

export const TIME_BIN = '/usr/bin/time';

/** Where the command's stdout goes. */
export type StdoutMode =
  | { kind: 'file'; file: string } // written to a file (listings, small cat), checked afterwards
  | { kind: 'null' } // discarded (/dev/null)
  | { kind: 'hash' }; // piped into this process and sha256'd (verification runs of big reads)

export interface RunResult {
  wallSeconds: number;
  userSeconds: number | null;
  sysSeconds: number | null;
  peakRssKB: number | null;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdoutSha256?: string;
  stdoutBytes?: number;
  stderrTail: string;
}

export async function runMeasured(argv: string[], stdout: StdoutMode, timeoutMs: number, tmpDir: string): Promise<RunResult> {
  const timeFile = path.join(tmpDir, `time-${process.pid}-${Date.now()}.txt`);
  let outFd: number | 'pipe' = 'pipe';
  if (stdout.kind === 'file') outFd = fs.openSync(stdout.file, 'w');
  else if (stdout.kind === 'null') outFd = fs.openSync('/dev/null', 'w');

  const start = process.hrtime.bigint();
  const child = spawn(TIME_BIN, ['-f', '%e %U %S %M', '-o', timeFile, ...argv], {
    stdio: ['ignore', outFd, 'pipe'],
  });
  if (typeof outFd === 'number') fs.closeSync(outFd);

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  if (stdout.kind === 'hash' && child.stdout) {
    child.stdout.on('data', (d: Buffer) => {
      hash.update(d);
      bytes += d.length;
    });
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // GNU time forwards nothing; kill the measured process (time's only child) and time itself.
    spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
    child.kill('SIGKILL');
  }, timeoutMs);

  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => {
    child.on('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(timer);
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  let userSeconds: number | null = null;
  let sysSeconds: number | null = null;
  let peakRssKB: number | null = null;
  try {
    const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
    const last = lines[lines.length - 1].trim().split(/\s+/).map(Number);
    if (last.length === 4 && last.every((n) => Number.isFinite(n))) {
      [, userSeconds, sysSeconds, peakRssKB] = last;
    }
  } catch {
    // time killed before writing: leave nulls
  }
  fs.rmSync(timeFile, { force: true });

  const r: RunResult = {
    wallSeconds, userSeconds, sysSeconds, peakRssKB, exitCode: code, signal, timedOut,
    stderrTail: stderr.trim().split('\n').slice(-5).join('\n'),
  };
  if (stdout.kind === 'hash') {
    r.stdoutSha256 = hash.digest('hex');
    r.stdoutBytes = bytes;
  }
  return r;
}

/** Drop the image's pages from the page cache (posix_fadvise DONTNEED via GNU dd; needs no root). */
export function evictFromCache(file: string): boolean {
  const r = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
  return r.status === 0;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
