// Safe output: every image is written to a temp file in the target folder, fsynced, verified and
// renamed over the target. A failure or a cancel removes the temp file; a temp file left by a
// killed process (its PID no longer runs) is removed by the next write into that folder. When the
// target exists (replacing the original image), it is first renamed to a backup that is restored
// if anything after that fails, and deleted once the new file is in place (unless kept).
import * as fs from 'fs';
import * as path from 'path';
import { CancelledError, InvalidArgumentError } from '../errors';
import { cutUtf8, sameHostPath, type PathModule } from '../hostPaths';

// The `s` flag: a name may hold a line break on POSIX hosts, and such a temp file is ours too.
const TEMP_RE = /^\.(.+)\.isowb-(\d+)-[0-9a-f]{8}\.tmp$/s;
/** The longest file name every host takes: 255 (bytes on Linux and macOS, UTF-16 units on Windows; UTF-8 bytes bound both). */
const NAME_MAX = 255;

/** Whether a file name is one of the writer's temp files (`.<output name>.isowb-<pid>-<8 hex>.tmp`). */
export function isTempName(name: string): boolean {
  return TEMP_RE.test(name);
}

/**
 * `.<output name>.isowb-<pid>-<8 hex>.tmp` in the output's folder. A long output name is cut (never
 * inside a character) so the temp name is a legal file name on every host.
 */
export function tempPathFor(output: string, pm: PathModule = path): string {
  const rnd = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
  const suffix = `.isowb-${process.pid}-${rnd}.tmp`;
  return pm.join(pm.dirname(output), `.${cutUtf8(pm.basename(output), NAME_MAX - 1 - suffix.length)}${suffix}`);
}

/**
 * Where the original goes while it is replaced: `<output>.isowb-backup`, or with `-<ms>` when that
 * exists; a long output name is cut so the backup name stays a legal file name.
 */
export function backupPathFor(output: string, exists: (p: string) => boolean = fs.existsSync, pm: PathModule = path, now = Date.now()): string {
  const name = (suffix: string): string => pm.join(pm.dirname(output), `${cutUtf8(pm.basename(output), NAME_MAX - suffix.length)}${suffix}`);
  const first = name('.isowb-backup');
  return exists(first) ? name(`.isowb-backup-${now}`) : first;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Removes temp files a killed writer left in `dir` (their PID is gone). Returns the names removed. */
export function cleanStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try { names = fs.readdirSync(dir); } catch { return removed; }
  for (const n of names) {
    const m = TEMP_RE.exec(n);
    if (!m || alive(Number(m[2]))) continue;
    try { fs.unlinkSync(path.join(dir, n)); removed.push(n); } catch { /* someone else removed it */ }
  }
  return removed;
}

export interface SafeWriteOptions {
  output: string;
  replace: boolean;
  keepBackup?: boolean;
  /** Paths the output must not be (the source image) unless `replace`. */
  protect?: string[];
  signal?: AbortSignal;
}

/** Same file by device and inode (bigint: Windows file ids pass 2^53), else by path (case-insensitive on Windows). */
function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a, { bigint: true }), sb = fs.statSync(b, { bigint: true });
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch { return sameHostPath(a, b); }
}

/**
 * Runs `write(temp)` then `verify(temp)`, fsyncs and renames to `output`. Returns notes
 * (stale temps cleaned, backup kept). Never leaves a temp file behind on a thrown error.
 */
export async function safeWrite(o: SafeWriteOptions, write: (temp: string) => Promise<void>, verify?: (temp: string) => Promise<void>): Promise<string[]> {
  const notes: string[] = [];
  const output = path.resolve(o.output);
  const dir = path.dirname(output);
  if (!fs.existsSync(dir)) throw new InvalidArgumentError(`output folder does not exist: ${dir}`);
  const exists = fs.existsSync(output);
  if (exists && !o.replace) {
    const isSource = (o.protect ?? []).some((p) => sameFile(p, output));
    throw new InvalidArgumentError(isSource ? `refusing to overwrite the source image ${output} (ask to replace the original)` : `${output} exists (ask to replace it)`);
  }
  for (const n of cleanStaleTemps(dir)) notes.push(`removed a temp file left by an interrupted write: ${n}`);
  const temp = tempPathFor(output);
  let backup: string | null = null;
  try {
    await write(temp);
    if (o.signal?.aborted) throw new CancelledError('cancelled');
    await fsyncPath(temp);
    if (verify) await verify(temp);
    if (o.signal?.aborted) throw new CancelledError('cancelled');
    if (exists) {
      backup = backupPathFor(output);
      fs.renameSync(output, backup);
    }
    fs.renameSync(temp, output);
    await fsyncPath(dir);
  } catch (e) {
    try { fs.unlinkSync(temp); } catch { /* not created */ }
    if (backup && !fs.existsSync(output)) {
      try { fs.renameSync(backup, output); backup = null; } catch { /* reported below */ }
    }
    if (backup) notes.push(`the original is kept at ${backup}`);
    throw e;
  }
  if (backup) {
    if (o.keepBackup) notes.push(`the previous file is kept at ${backup}`);
    else fs.unlinkSync(backup);
  }
  return notes;
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await fs.promises.open(p, 'r');
  try { await fh.sync(); } catch (e) {
    // Directories cannot be fsynced on every platform/filesystem; files must be.
    if (!fs.statSync(p).isDirectory()) throw e;
  } finally { await fh.close(); }
}
