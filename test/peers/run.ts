// Running the peer tools: every call has a timeout, a large output buffer, LC_ALL=C.UTF-8 and
// TZ=UTC (7z and bsdtar print local times), and returns stdout as a Buffer so binary-safe
// callers (isowb cat) can use the same helper.
import { spawn } from 'child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 10 * 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Runs and insists on exit code 0; returns stdout as UTF-8 text. */
export async function runText(cmd: string, args: string[], opts: { timeoutMs?: number; cwd?: string; okCodes?: number[]; encoding?: BufferEncoding } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (!(opts.okCodes ?? [0]).includes(r.code ?? -1)) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr.slice(0, 2000)}`);
  }
  return r.stdout.toString(opts.encoding ?? 'utf8');
}

/** st_mode type bits. */
export const S_IFMT = 0o170000;
export const TYPE_BITS: Record<string, number> = {
  socket: 0o140000,
  symlink: 0o120000,
  file: 0o100000,
  block: 0o060000,
  dir: 0o040000,
  char: 0o020000,
  fifo: 0o010000,
};
export type EntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** Parses an `ls -l` style mode string ("-rwsr-x--T", "drwxrwxrwt") into type + permission bits. */
export function parseModeString(s: string): { type: EntryType; perm: number } {
  const typeChar: Record<string, EntryType> = { '-': 'file', d: 'dir', l: 'symlink', c: 'char', b: 'block', p: 'fifo', f: 'fifo', s: 'socket' };
  const type = typeChar[s[0]];
  if (!type || s.length < 10) throw new Error(`bad mode string ${JSON.stringify(s)}`);
  let perm = 0;
  const bit = (i: number, v: number) => (s[i] !== '-' ? v : 0);
  perm |= bit(1, 0o400) | bit(2, 0o200) | bit(4, 0o040) | bit(5, 0o020) | bit(7, 0o004) | bit(8, 0o002);
  const x = (i: number, exec: number, special: number) => {
    const c = s[i];
    if (c === 'x') perm |= exec;
    else if (c === 's' || c === 't') perm |= exec | special;
    else if (c === 'S' || c === 'T') perm |= special;
  };
  x(3, 0o100, 0o4000);
  x(6, 0o010, 0o2000);
  x(9, 0o001, 0o1000);
  return { type, perm };
}
