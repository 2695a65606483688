// `isowb repack` and `isowb build`: the writer's command-line front end. Same safety rules as the
// extension: a temp file beside the output, fsync, verify, rename; Ctrl+C cancels cleanly.
// `repack --add` stores host folders as `isowb build` and `xorriso -map` do (links as links,
// special files as special files) and checks every entry before anything is written.
import * as fs from 'fs';
import * as path from 'path';
import { DiscImage } from '../engine/image';
import { ChangeSet } from '../engine/edit/changeSet';
import { reportError, UsageError } from './errors';
import { limitsOption } from './limits';
import { imagePathArg, splitSrcDest } from './paths';
import { termText, warnLine } from './terminal';
import { InvalidArgumentError, IsoError } from '../engine/errors';
import { linkTargetToImage } from '../engine/hostPaths';
import { joinPath } from '../engine/paths';
import { repack } from '../engine/write/repack';
import { buildImage } from '../engine/write/build';
import type { WriteProgress, WriteResult } from '../engine/write/api';


interface Args { positional: string[]; flags: Set<string>; values: Map<string, string[]> }

function parseArgs(argv: string[], flags: string[], values: string[]): Args {
  const a: Args = { positional: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === '--') { a.positional.push(...argv.slice(i + 1)); break; }
    if (s.startsWith('-') && s.length > 1) {
      const eq = s.indexOf('=');
      const key = eq > 0 && s.startsWith('--') ? s.slice(0, eq) : s;
      if (values.includes(key)) {
        const v = eq > 0 && s.startsWith('--') ? s.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`${key} needs a value`);
        const k = key === '--output' ? '-o' : key;
        a.values.set(k, [...(a.values.get(k) ?? []), v]);
      } else if (flags.includes(s)) a.flags.add(s);
      else throw new UsageError(`unknown option ${s}`);
    } else a.positional.push(s);
  }
  return a;
}

function one(a: Args, k: string): string | undefined {
  const v = a.values.get(k);
  if (v && v.length > 1) throw new UsageError(`${k} given more than once`);
  return v?.[0];
}

function progressPrinter(quiet: boolean): ((p: WriteProgress) => void) | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const pct = p.total ? ` ${((100 * p.done) / p.total).toFixed(0)}%` : '';
    process.stderr.write(`\r\x1b[K${p.phase}${pct}`);
  };
}

function report(r: WriteResult, quiet: boolean): void {
  if (process.stderr.isTTY && !quiet) process.stderr.write('\r\x1b[K');
  if (quiet) return;
  const mib = (n: number): string => (n / 1048576).toFixed(1);
  process.stdout.write(`${r.output}: ${mib(r.size)} MiB written (${r.layout} layout; ${mib(r.bytesCopied)} MiB copied, ${mib(r.bytesWritten)} MiB new) in ${(r.ms / 1000).toFixed(2)} s\n`);
  if (r.verify) process.stdout.write(`verified: ${r.verify.entries} entries, ${r.verify.bootEntries} boot entries, ${r.verify.partitions} partitions\n`);
  for (const n of r.notes) process.stdout.write(`note: ${n}\n`);
}

/** Entries not written as they were (left out, zero-filled): warnings on stderr, exit 1. */
function warnings(r: WriteResult): number {
  for (const w of r.warnings) warnLine(w);
  if (r.warnings.length > 0) process.stderr.write(`isowb: ${termText(r.output)} was written, with ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'} about the source (above)\n`);
  return r.warnings.length > 0 ? 1 : 0;
}

async function withAbort<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  try { return await fn(ac.signal); } finally { process.off('SIGINT', onSig); process.off('SIGTERM', onSig); }
}

/**
 * Stages a host file or folder (recursively) at `dest`, as `xorriso -map` and `isowb build` store
 * them: symbolic links as links (never followed: a link to /etc/shadow must not bring its content
 * into the image), FIFOs, sockets and device nodes as such (never read: /dev/zero has no end).
 * Problems (an entry that cannot be read, a name or type the image cannot hold) are collected in
 * `problems`, one line each, and staging goes on; the caller writes nothing if there is any.
 */
async function addHost(cs: ChangeSet, src: string, dest: string, overwrite: boolean, problems: string[]): Promise<void> {
  const problem = (e: unknown): void => {
    if (e instanceof IsoError) problems.push(`${src}: ${e.detail}`);
    else if (typeof (e as NodeJS.ErrnoException)?.code === 'string') problems.push(`${src}: ${systemMessage(e as NodeJS.ErrnoException)}`);
    else throw e;
  };
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(src);
  } catch (e) {
    problem(e);
    return;
  }
  try {
    if (st.isDirectory()) {
      const names = (await fs.promises.readdir(src)).sort();
      const there = await cs.stat(dest);
      if (!there) await cs.mkdir(dest);
      else if (there.type !== 'dir') throw new InvalidArgumentError(`${dest} already exists in the image and is not a folder`);
      for (const name of names) await addHost(cs, path.join(src, name), joinPath(dest, name), overwrite, problems);
    } else if (st.isFile()) {
      // Read later, while the image is written: make sure now that it can be.
      await fs.promises.access(src, fs.constants.R_OK);
      await cs.writeFile(dest, { path: path.resolve(src), size: st.size }, { create: true, overwrite });
    } else if (st.isSymbolicLink()) {
      await cs.symlink(dest, linkTargetToImage(await fs.promises.readlink(src)), { overwrite, mtime: st.mtime });
    } else {
      const type = st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'socket';
      const rdev = type === 'char' || type === 'block' ? hostDevice(st.rdev) : undefined;
      await cs.mknod(dest, type, { rdev, mode: st.mode & 0o7777, mtime: st.mtime, overwrite });
    }
  } catch (e) {
    problem(e);
  }
}

/** "permission denied (EACCES)" from a system call's error. */
function systemMessage(e: NodeJS.ErrnoException): string {
  const reason = /^[A-Z0-9_]+: ([^,]*)/.exec(e.message ?? '')?.[1];
  return reason ? `${reason} (${e.code})` : e.message;
}

/** Major and minor of a host st_rdev: glibc's encoding on Linux, the BSD one (8:24 bits) on macOS. */
function hostDevice(rdev: number): { major: number; minor: number } {
  if (process.platform === 'darwin') return { major: (rdev >>> 24) & 0xff, minor: rdev & 0xffffff };
  const high = Math.floor(rdev / 0x100000000) >>> 0;
  const low = rdev >>> 0;
  return {
    major: (((low >>> 8) & 0xfff) | (high & 0xfffff000)) >>> 0,
    minor: ((low & 0xff) | ((low >>> 12) & 0xfff00)) + (high & 0xfff) * 0x100000,
  };
}

export async function cmdRepack(argv: string[]): Promise<number> {
  const a = parseArgs(argv, ['--replace-original', '--keep-backup', '--drop-udf', '--allow-short', '--no-verify', '--quiet', '-q'], ['-o', '--output', '--add', '--replace', '--rm', '--mkdir', '--layout', '--limit']);
  if (a.positional.length !== 1) throw new UsageError('repack needs exactly one IMAGE');
  const image = a.positional[0];
  const replaceOriginal = a.flags.has('--replace-original');
  let output = one(a, '-o');
  if (!output && !replaceOriginal) throw new UsageError('repack needs -o OUT (or --replace-original)');
  if (output && replaceOriginal) throw new UsageError('-o and --replace-original exclude each other');
  output ??= image;
  const layout = one(a, '--layout') ?? 'preserve';
  if (layout !== 'preserve' && layout !== 'compact') throw new UsageError(`--layout must be preserve or compact (got ${layout})`);
  const quiet = a.flags.has('--quiet') || a.flags.has('-q');
  const img = await DiscImage.openFile(image, { limits: limitsOption(a.values.get('--limit')) });
  try {
    const cs = new ChangeSet(img, path.resolve(image));
    for (const p of a.values.get('--mkdir') ?? []) await cs.mkdir(imagePathArg(p, '--mkdir'));
    for (const p of a.values.get('--rm') ?? []) await cs.delete(p.startsWith('/') ? p : '/' + p, { recursive: true });
    for (const s of a.values.get('--replace') ?? []) {
      const { src, dest } = splitSrcDest(s, '--replace');
      // The content of SRC (a link to a file is read through, as cp does) replaces the file DEST.
      const st = await fs.promises.stat(src);
      if (!st.isFile()) throw new InvalidArgumentError(`--replace ${s}: ${src} is ${st.isDirectory() ? 'a folder' : 'not a regular file'}; only a file's content can replace a file`);
      await cs.writeFile(dest, { path: path.resolve(src), size: st.size }, { create: false, overwrite: true });
    }
    // Every --add is checked in full first: nothing is written if any entry has a problem.
    const problems: string[] = [];
    for (const s of a.values.get('--add') ?? []) {
      const { src, dest } = splitSrcDest(s, '--add');
      await addHost(cs, src, dest, false, problems);
    }
    if (problems.length > 0) {
      // One line per problem, each escaped on its own (a name cannot start a line of its own).
      process.stderr.write(`isowb: --add: ${problems.length} ${problems.length === 1 ? 'entry' : 'entries'} cannot be added, so nothing was written:\n${problems.map(p => `  ${termText(p)}\n`).join('')}`);
      return 1;
    }
    const r = await withAbort((signal) => repack(img, cs.isEmpty ? null : cs, {
      output, layout, replaceOriginal, keepBackup: a.flags.has('--keep-backup'), dropUdf: a.flags.has('--drop-udf'),
      allowShort: a.flags.has('--allow-short'),
      verify: !a.flags.has('--no-verify'), signal, onProgress: progressPrinter(quiet), sourcePath: path.resolve(image),
    }));
    report(r, quiet);
    return warnings(r);
  } finally {
    await img.close();
  }
}

export async function cmdBuild(argv: string[]): Promise<number> {
  const a = parseArgs(argv, ['--joliet', '--no-joliet', '--rock', '--no-rock', '--md5', '--force', '--no-verify', '--quiet', '-q'], ['-o', '--output', '--volid', '--iso-level', '--bios-boot', '--efi-boot', '--hybrid']);
  if (a.positional.length !== 1) throw new UsageError('build needs exactly one DIR');
  const output = one(a, '-o');
  if (!output) throw new UsageError('build needs -o OUT');
  const lvl = one(a, '--iso-level');
  const isoLevel = lvl === undefined ? undefined : Number(lvl);
  if (isoLevel !== undefined && ![1, 2, 3, 4].includes(isoLevel)) throw new UsageError(`--iso-level must be 1, 2, 3 or 4 (got ${lvl})`);
  const hybrid = one(a, '--hybrid');
  if (hybrid !== undefined && hybrid !== 'mbr' && hybrid !== 'gpt') throw new UsageError(`--hybrid must be mbr or gpt (got ${hybrid})`);
  const quiet = a.flags.has('--quiet') || a.flags.has('-q');
  const r = await withAbort((signal) => buildImage(a.positional[0], {
    output, volumeId: one(a, '--volid'),
    joliet: !a.flags.has('--no-joliet'), rock: !a.flags.has('--no-rock'),
    isoLevel: isoLevel as 1 | 2 | 3 | 4 | undefined,
    biosBoot: one(a, '--bios-boot'), efiBoot: one(a, '--efi-boot'), hybrid: hybrid as 'mbr' | 'gpt' | undefined,
    md5: a.flags.has('--md5'), replaceOriginal: a.flags.has('--force'), verify: !a.flags.has('--no-verify'),
    signal, onProgress: progressPrinter(quiet),
  }));
  report(r, quiet);
  return 0;
}

/** Runs repack/build with the CLI's exit codes: 0 ok, 1 error, 2 usage. */
export async function runWriteCommand(argv: string[], usage: string): Promise<number> {
  try {
    return argv[0] === 'build' ? await cmdBuild(argv.slice(1)) : await cmdRepack(argv.slice(1));
  } catch (e) {
    return reportError(e, usage);
  }
}
