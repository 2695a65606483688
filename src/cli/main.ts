// isowb — the command-line front end over the engine. A stable contract for scripts:
// exit 0 ok, 1 error (message on stderr), 2 usage.
import { DiscImage, type FileNode } from '../engine/image';
import { extract } from '../engine/extract';
import { HOST_PROFILES, type HostProfile } from '../engine/hostNames';
import type { Namespace } from '../engine/types';
import { formatInfo, infoJson, formatLsLine, lsJson, watchDiagnostics } from './format';
import { runSearchCommand } from './grep';
import { runWriteCommand } from './write';
import { reportError, UsageError } from './errors';
import { termText, warnLine } from './terminal';
import { limitsOption, LIMITS_HELP } from './limits';

const VERSION = '0.1.0';

const USAGE = `isowb ${VERSION} — read, repack and build disc images (ISO 9660, Joliet, Rock Ridge, El Torito, MBR/GPT/APM)

usage:
  isowb info IMAGE [--json] [--structures] [--session N]
  isowb ls IMAGE [PATH] [-R] [-l] [--json] [--namespace rr|joliet|iso9660] [--session N]
      (entries the image does not let us list — unusable names, loops — are warnings: exit 1)
  isowb cat IMAGE PATH [--namespace NS] [--session N]
  isowb extract IMAGE [PATH...] -o DIR [--names auto|windows|macos|linux] [--no-rename-list] [--namespace NS] [--session N] [--quiet]
      (names the target file system cannot hold as they are — README beside readme on a
       case-insensitive one, a:b, CON, "x." on Windows — are extracted under other names
       (readme~2, a%3Ab, CON_, x%2E), each a warning, listed in DIR/.isowb-renames.txt: exit 1;
       --names: the rules of that host instead of the ones probed in DIR)
  isowb sessions IMAGE [--json]
  isowb grep PATTERN IMAGE [PATH] [-i] [-E] [-w] [-l] [--include GLOB] [--exclude GLOB] [--max-size BYTES] [--namespace NS] [--session N]
      (literal unless -E; prints path:line:text; exit 0 matched, 1 no match, 2 error)
  isowb find IMAGE [PATH] [--name GLOB] [--namespace NS] [--session N]
  isowb repack IMAGE -o OUT [--add SRC=DEST]... [--replace SRC=DEST]... [--rm PATH]... [--mkdir PATH]...
              [--layout preserve|compact] [--replace-original [--keep-backup]] [--drop-udf] [--allow-short] [--no-verify] [-q]
      (writes a new image: El Torito, MBR/GPT/APM and isomd5sum carried over with pointers updated;
       source entries not written as they were are warnings: exit 1)
      (SRC=DEST: SRC a file or folder on this computer, DEST a path in the image. DEST starts at the
       last '=' followed by '/' (else at the last '='), so SRC may contain '=' and be any path of
       the system: --add 'C:\\data\\a=b.txt=/docs/a=b.txt', --add /home/me/x=y=/x)
  isowb build DIR -o OUT [--volid ID] [--no-joliet] [--no-rock] [--iso-level 1|2|3|4]
              [--bios-boot PATH_IN_DIR] [--efi-boot IMG_PATH_IN_DIR] [--hybrid mbr|gpt] [--md5] [--force] [-q]
  isowb --version | --help

every command that reads an image takes --limit NAME=VALUE (repeatable) to change a budget;
${LIMITS_HELP}

IMAGE, DIR, OUT, SRC are paths on this computer (C:\\…, \\\\server\\share\\… on Windows); PATH, DEST and
the paths of --rm, --mkdir, --bios-boot, --efi-boot are paths in the image, written with '/' on every
system (build's --bios-boot/--efi-boot also take '\\' on Windows)

exit codes: 0 ok, 1 error (message on stderr), 2 usage
text output shows control and bidi characters (and backslash) of names escaped: \\x1b, \\n, \\u202e, \\\\;
--json keeps them exact`;


interface Parsed {
  cmd: string;
  args: string[];
  flags: Set<string>;
  opts: Map<string, string>;
  /** --limit NAME=VALUE, in order (repeatable). */
  limits: string[];
}

const BOOL_FLAGS = new Set(['--json', '-R', '-l', '--structures', '--quiet', '-q', '--help', '-h', '--version', '--no-rename-list']);
const VALUE_OPTS = new Set(['--namespace', '-o', '--output', '--session', '--names']);

function parse(argv: string[]): Parsed {
  const args: string[] = [];
  const flags = new Set<string>();
  const opts = new Map<string, string>();
  const limits: string[] = [];
  let cmd = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { args.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('-') && a.length > 1) {
      const eq = a.indexOf('=');
      const key = eq > 0 ? a.slice(0, eq) : a;
      if (key === '--limit') {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError('--limit needs NAME=VALUE');
        limits.push(v);
      } else if (VALUE_OPTS.has(key)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`${key} needs a value`);
        opts.set(key === '--output' ? '-o' : key, v);
      } else if (BOOL_FLAGS.has(a)) {
        flags.add(a === '-q' ? '--quiet' : a === '-h' ? '--help' : a);
      } else if (/^-[Rl]{2,}$/.test(a)) {
        for (const c of a.slice(1)) flags.add(`-${c}`);
      } else {
        throw new UsageError(`unknown option ${a}`);
      }
    } else if (!cmd) cmd = a;
    else args.push(a);
  }
  return { cmd, args, flags, opts, limits };
}

function namespaceOpt(p: Parsed): Namespace | undefined {
  const ns = p.opts.get('--namespace');
  if (ns === undefined) return undefined;
  if (ns !== 'rr' && ns !== 'joliet' && ns !== 'iso9660') throw new UsageError(`--namespace must be rr, joliet or iso9660 (got ${ns})`);
  return ns;
}

function sessionOpt(p: Parsed): number | undefined {
  const s = p.opts.get('--session');
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--session must be a positive integer (got ${s})`);
  return n;
}

function allow(p: Parsed, flags: string[], opts: string[], minArgs: number, maxArgs: number): void {
  for (const f of p.flags) if (!flags.includes(f)) throw new UsageError(`${p.cmd} does not take ${f}`);
  for (const o of p.opts.keys()) if (!opts.includes(o)) throw new UsageError(`${p.cmd} does not take ${o}`);
  if (p.args.length < minArgs) throw new UsageError(`${p.cmd}: missing ${minArgs === 1 ? 'IMAGE' : 'arguments'}`);
  if (p.args.length > maxArgs) throw new UsageError(`${p.cmd}: too many arguments`);
}

/** Writes to stdout honouring back-pressure; resolves false when stdout was closed (EPIPE). */
function out(s: string | Uint8Array): Promise<boolean> {
  return new Promise(resolve => {
    if (stdoutClosed) return resolve(false);
    if (process.stdout.write(s)) resolve(true);
    else process.stdout.once('drain', () => resolve(true));
  });
}
let stdoutClosed = false;
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') { stdoutClosed = true; process.exit(0); }
  throw e;
});

async function withImage<T>(p: Parsed, fn: (img: DiscImage) => Promise<T>): Promise<T> {
  const img = await DiscImage.openFile(p.args[0], { namespace: namespaceOpt(p), session: sessionOpt(p), limits: limitsOption(p.limits) });
  try {
    return await fn(img);
  } finally {
    await img.close();
  }
}

async function cmdInfo(p: Parsed): Promise<void> {
  allow(p, ['--json', '--structures'], ['--session'], 1, 1);
  await withImage(p, async img => {
    if (p.flags.has('--structures')) {
      await out(JSON.stringify(await img.structures(), null, 1) + '\n');
      return;
    }
    const data = await infoJson(img);
    await out(p.flags.has('--json') ? JSON.stringify(data, null, 2) + '\n' : formatInfo(data));
  });
}

async function cmdLs(p: Parsed): Promise<void> {
  allow(p, ['--json', '-R', '-l'], ['--namespace', '--session'], 1, 2);
  const json = p.flags.has('--json'), long = p.flags.has('-l'), recursive = p.flags.has('-R');
  await withImage(p, async img => {
    const start = await img.lookup(p.args[1] ?? '/');
    // Entries skipped while listing PATH (unusable names, loops) are recorded as diagnostics: each
    // becomes a warning and the exit code 1, as for extract. (Not what finding PATH met in its
    // parents: the user did not ask about those.)
    const problems = watchDiagnostics(img);
    let buf = '';
    const emit = async (n: FileNode) => {
      buf += json ? JSON.stringify(lsJson(n)) + '\n' : long ? formatLsLine(n) + '\n' : termText(n.path) + '\n';
      if (buf.length > 256 * 1024) { const ok = await out(buf); buf = ''; if (!ok) return false; }
      return true;
    };
    if (start.type !== 'dir') {
      await emit(start);
    } else if (recursive) {
      await img.walk(start, emit);
    } else {
      // Streamed: a directory of a million entries is listed a batch at a time.
      list: for await (const batch of img.readdirStream(start)) for (const k of batch) if (!(await emit(k))) break list;
    }
    if (buf) await out(buf);
    const warnings = problems();
    for (const w of warnings) warnLine(w);
    if (warnings.length > 0) process.exitCode = 1;
  });
}

async function cmdCat(p: Parsed): Promise<void> {
  allow(p, [], ['--namespace', '--session'], 2, 2);
  await withImage(p, async img => {
    const node = await img.lookup(p.args[1]);
    if (node.type !== 'file') throw new UsageErrorAsRuntime(`${node.path} is a ${node.type === 'dir' ? 'directory' : node.type}, not a regular file`);
    // A chunk's buffer is reused only after the write callback says stdout has flushed it.
    const pos = await img.pump(node, chunk => writeFlushed(chunk), [Buffer.allocUnsafe(CAT_CHUNK), Buffer.allocUnsafe(CAT_CHUNK)]);
    if (stdoutClosed) return;
    if (pos < node.size) throw new UsageErrorAsRuntime(`${node.path}: image ends after ${pos} of ${node.size} bytes`);
  });
}

const CAT_CHUNK = 2 * 1024 * 1024;

/** Writes to stdout and resolves once the chunk has been handed to the OS (its buffer is free). */
function writeFlushed(b: Uint8Array): Promise<boolean> {
  return new Promise(resolve => {
    if (stdoutClosed) return resolve(false);
    process.stdout.write(b, err => resolve(!err));
  });
}

async function cmdExtract(p: Parsed): Promise<void> {
  allow(p, ['--quiet', '--no-rename-list'], ['-o', '--namespace', '--session', '--names'], 1, Infinity);
  const dest = p.opts.get('-o');
  if (!dest) throw new UsageError('extract needs -o DIR');
  const names = p.opts.get('--names') ?? 'auto';
  const NAME_RULES: Record<string, HostProfile | undefined> = { auto: undefined, windows: HOST_PROFILES.windows, macos: HOST_PROFILES.macos, linux: HOST_PROFILES.linux };
  if (!(names in NAME_RULES)) throw new UsageError(`--names must be auto, windows, macos or linux (got ${names})`);
  const tty = process.stderr.isTTY && !p.flags.has('--quiet');
  await withImage(p, async img => {
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    const total = img.volume.volumeBlocks * img.volume.blockSize;
    try {
      const r = await extract(img, {
        paths: p.args.slice(1), dest, signal: ac.signal, hostProfile: NAME_RULES[names], renameList: !p.flags.has('--no-rename-list'),
        onWarning: m => { if (tty) process.stderr.write('\r\x1b[K'); warnLine(m); },
        onProgress: tty ? pr => process.stderr.write(`\r\x1b[K${pr.files} files, ${(pr.bytes / 1048576).toFixed(1)} MiB (of ≤${(total / 1048576).toFixed(0)} MiB)  ${tail(termText(pr.current), 60)}`) : undefined,
      });
      // The summary goes to a terminal always, elsewhere (stderr) when something went wrong.
      const renamed = r.renamed.length > 0 ? `; ${r.renamed.length} ${r.renamed.length === 1 ? 'entry' : 'entries'} renamed for this file system (${r.hostProfile})${r.renameList ? `, listed in ${termText(r.renameList)}` : ''}` : '';
      const others = r.warnings.length - r.renamed.length;
      const problems = renamed + (r.failed > 0 ? `; ${r.failed} ${r.failed === 1 ? 'entry' : 'entries'} could not be extracted (see warnings)`
        : others > 0 ? `; ${others} warning${others === 1 ? '' : 's'}` : '');
      const summary = `${r.files} files, ${r.dirs} directories, ${r.symlinks} symlinks, ${r.special} special files (${(r.bytes / 1048576).toFixed(1)} MiB) extracted to ${termText(dest)}${problems}`;
      if (tty) process.stderr.write(`\r\x1b[K${summary}\n`);
      else if (r.warnings.length > 0) process.stderr.write(`isowb: ${summary}\n`);
      if (r.warnings.length > 0) process.exitCode = 1;
    } finally {
      process.off('SIGINT', onSig);
    }
  });
}

/** The end of an escaped string, at most `n` characters, never starting inside one of its escapes. */
function tail(s: string, n: number): string {
  if (s.length <= n) return s;
  let i = 0;
  while (i < s.length - n) i += s[i] !== '\\' ? 1 : s[i + 1] === 'x' ? 4 : s[i + 1] === 'u' ? 6 : 2;
  if (/[\udc00-\udfff]/.test(s[i] ?? '')) i++; // not half an emoji either
  return '…' + s.slice(i);
}

async function cmdSessions(p: Parsed): Promise<void> {
  allow(p, ['--json'], [], 1, 1);
  await withImage(p, async img => {
    if (p.flags.has('--json')) { await out(JSON.stringify(img.sessions, null, 2) + '\n'); return; }
    let s = 'idx  start LBA      blocks  created                     volume id\n';
    for (const x of img.sessions) s += `${String(x.index).padStart(3)}  ${String(x.startLba).padStart(9)}  ${String(x.volumeBlocks).padStart(10)}  ${termText(x.created ?? '-').padEnd(26)}  ${termText(x.volumeId)}\n`;
    await out(s);
  });
}

/** An error the user caused at run time (exit 1, not 2). */
class UsageErrorAsRuntime extends Error {}

export async function main(argv: string[]): Promise<number> {
  let p: Parsed;
  // grep and find parse their own options and use grep's exit codes (src/cli/grep.ts).
  if (argv[0] === 'grep' || argv[0] === 'find') return runSearchCommand(argv, USAGE);
  if ((argv[0] === 'repack' || argv[0] === 'build') && !argv.includes('--help') && !argv.includes('-h')) return runWriteCommand(argv, USAGE);
  try {
    p = parse(argv);
    if (p.flags.has('--version')) { await out(`isowb ${VERSION}\n`); return 0; }
    if (p.flags.has('--help') || p.cmd === 'help') { await out(USAGE + '\n'); return 0; }
    if (!p.cmd) throw new UsageError('no command given');
    const table: Record<string, (p: Parsed) => Promise<void>> = { info: cmdInfo, ls: cmdLs, cat: cmdCat, extract: cmdExtract, sessions: cmdSessions };
    const fn = table[p.cmd];
    if (!fn) throw new UsageError(`unknown command ${p.cmd}`);
    await fn(p);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof UsageErrorAsRuntime) {
      process.stderr.write(`isowb: ${termText(e.message)}\n`);
      return 1;
    }
    return reportError(e, USAGE);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => { process.exitCode = code; });
}
