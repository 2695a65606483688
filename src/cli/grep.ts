// `isowb grep` and `isowb find`: text search and file listing inside an image, over
// src/engine/textSearch/searchText.ts. They parse their own arguments (grep's options are not the other
// commands') and follow grep's exit codes: grep exits 0 when something matched, 1 when nothing
// did, 2 on an error or bad usage (an unreadable file makes it 2 even after matches, like grep);
// find exits 0, 1 on an error, 2 on bad usage (like the rest of isowb).
//
//   isowb grep PATTERN IMAGE [PATH] [-i] [-E] [-w] [-l] [--include GLOB]… [--exclude GLOB]…
//              [--max-size BYTES[K|M|G]] [--namespace NS] [--session N]
//     Like `grep -rnI`: "path:line:text" (1-based line numbers) once per matching line, or the
//     matching paths with -l. PATTERN is literal unless -E (then a JavaScript regular
//     expression); -e PATTERN or `--` for a pattern starting with "-". -F, -r, -n and -I are
//     accepted and change nothing (the search is always recursive, numbered, binary-skipping).
//     Files over --max-size (default 16 MiB) are skipped; long lines print trimmed to 250
//     characters around the first match.
//   isowb find IMAGE [PATH] [--name GLOB] [--namespace NS] [--session N]
//     Every regular file and symlink under PATH, depth-first in image order; --name filters on
//     the file name (case-insensitive outside Rock Ridge).
// Paths and matching lines are printed escaped (src/cli/terminal.ts: control and bidi characters,
// backslash; grep keeps TAB in lines). Entries the image does not let us list (unusable names,
// loops: the image's diagnostics while walking) are warnings on stderr and count as errors:
// find exits 1, grep 2 (a file it could not search).
import { DiscImage, type OpenOptions } from '../engine/image';
import { reportError, UsageError } from './errors';
import { watchDiagnostics } from './format';
import { termText, warnLine } from './terminal';
import { limitsOption } from './limits';
import { globToRegExp, listFiles, REGEX_LINE_LIMIT, searchText, type SearchQuery } from '../engine/textSearch/searchText';


interface Args {
  positional: string[];
  flags: Set<string>;
  include: string[];
  exclude: string[];
  /** --limit NAME=VALUE (repeatable). */
  limits: string[];
  opts: Map<string, string>;
}

const GREP_FLAGS = new Set(['i', 'E', 'F', 'w', 'l', 'r', 'n', 'I']);
const VALUE_OPTS = new Set(['--include', '--exclude', '--max-size', '--namespace', '--session', '--name', '-e', '--limit']);

function parseArgs(argv: string[], flagChars: Set<string>, valueOpts: Set<string>): Args {
  const a: Args = { positional: [], flags: new Set(), include: [], exclude: [], limits: [], opts: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === '--') { a.positional.push(...argv.slice(i + 1)); break; }
    if (s.startsWith('--') || (s.startsWith('-') && valueOpts.has(s))) {
      const eq = s.indexOf('=');
      const key = eq > 0 ? s.slice(0, eq) : s;
      if (!valueOpts.has(key)) throw new UsageError(`unknown option ${s}`);
      const v = eq > 0 ? s.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`${key} needs a value`);
      if (key === '--include') a.include.push(v);
      else if (key === '--exclude') a.exclude.push(v);
      else if (key === '--limit') a.limits.push(v);
      else if (key === '-e') a.positional.unshift(v);
      else a.opts.set(key, v);
    } else if (s.startsWith('-') && s.length > 1) {
      for (const c of s.slice(1)) {
        if (!flagChars.has(c)) throw new UsageError(`unknown option -${c}`);
        if (c === 'F') a.flags.delete('E'); // the last of -E / -F wins
        if (c === 'E') a.flags.delete('F');
        a.flags.add(c);
      }
    } else a.positional.push(s);
  }
  return a;
}

function openOpts(a: Args): OpenOptions {
  const out: OpenOptions = { limits: limitsOption(a.limits) };
  const ns = a.opts.get('--namespace');
  if (ns !== undefined) {
    if (ns !== 'rr' && ns !== 'joliet' && ns !== 'iso9660') throw new UsageError(`--namespace must be rr, joliet or iso9660 (got ${ns})`);
    out.namespace = ns;
  }
  const s = a.opts.get('--session');
  if (s !== undefined) {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--session must be a positive integer (got ${s})`);
    out.session = n;
  }
  return out;
}

/** "1048576", "64K", "16M", "2G" (binary multiples). */
function parseSize(s: string): number {
  const m = /^(\d+)([kKmMgG]?)(?:i?[bB])?$/.exec(s);
  if (!m) throw new UsageError(`--max-size must be a number of bytes, optionally with K, M or G (got ${s})`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

/** Buffers stdout writes; stdout to a pipe or file is synchronous on Linux, so this is back-pressure enough. */
class Out {
  private buf = '';
  write(s: string): void {
    this.buf += s;
    if (this.buf.length >= 64 * 1024) this.flushSync();
  }
  private flushSync(): void {
    process.stdout.write(this.buf);
    this.buf = '';
  }
  flush(): Promise<void> {
    const b = this.buf;
    this.buf = '';
    return new Promise(resolve => {
      if (b === '') return resolve();
      process.stdout.write(b, () => resolve());
    });
  }
}

async function grep(argv: string[]): Promise<number> {
  const a = parseArgs(argv, GREP_FLAGS, VALUE_OPTS);
  if (a.opts.has('--name')) throw new UsageError('grep does not take --name');
  if (a.positional.length < 2) throw new UsageError('grep: needs PATTERN and IMAGE');
  if (a.positional.length > 3) throw new UsageError('grep: too many arguments');
  const [pattern, image, path = '/'] = a.positional;
  const query: SearchQuery = { pattern, isRegExp: a.flags.has('E'), isCaseSensitive: !a.flags.has('i'), isWordMatch: a.flags.has('w') };
  const maxFileSize = a.opts.has('--max-size') ? parseSize(a.opts.get('--max-size')!) : undefined;
  const listOnly = a.flags.has('l');
  const oo = openOpts(a);
  const img = await DiscImage.openFile(image, oo);
  const out = new Out();
  let lastKey = '';
  let matched = false;
  let failed = false;
  try {
    await img.lookup(path); // (what finding PATH meets in its parents is not counted: see ls)
    const problems = watchDiagnostics(img);
    const r = await searchText(img, query, {
      path, maxFileSize, include: a.include, exclude: a.exclude,
      maxResults: Infinity, collect: false, maxMatchesPerFile: listOnly ? 1 : undefined,
      onMatch: m => {
        matched = true;
        if (listOnly) { out.write(termText(m.path) + '\n'); return; }
        const key = `${m.path}\0${m.line}`;
        if (key === lastKey) return; // one output line per matching line, like grep
        lastKey = key;
        out.write(`${termText(m.path)}:${m.line + 1}:${termText(m.preview, { keepTab: true })}\n`);
      },
    });
    await out.flush();
    for (const e of r.errors) process.stderr.write(`isowb: ${termText(e.message)}\n`);
    if (r.errors.length > 0) failed = true;
    const warnings = problems();
    for (const w of warnings) warnLine(w);
    if (warnings.length > 0) failed = true;
    if (r.longLinesCapped > 0) {
      process.stderr.write(`isowb: note: ${r.longLinesCapped} line(s) longer than ${REGEX_LINE_LIMIT} characters were searched in their first ${REGEX_LINE_LIMIT} only (regular expressions)\n`);
    }
  } finally {
    await img.close();
  }
  // like grep: an unreadable file makes the exit code 2 even when something matched
  return failed ? 2 : matched ? 0 : 1;
}

async function find(argv: string[]): Promise<number> {
  const a = parseArgs(argv, new Set(), new Set(['--name', '--namespace', '--session', '--limit']));
  if (a.positional.length < 1) throw new UsageError('find: missing IMAGE');
  if (a.positional.length > 2) throw new UsageError('find: too many arguments');
  const [image, path = '/'] = a.positional;
  const oo = openOpts(a);
  const img = await DiscImage.openFile(image, oo);
  const out = new Out();
  let warnings: string[] = [];
  try {
    await img.lookup(path); // (what finding PATH meets in its parents is not counted: see ls)
    const problems = watchDiagnostics(img);
    const name = a.opts.get('--name');
    const re = name !== undefined ? globToRegExp(name, img.namespace !== 'rr') : null;
    await listFiles(img, {
      path,
      onBatch: batch => {
        for (const p of batch) if (!re || re.test(p.slice(p.lastIndexOf('/') + 1))) out.write(termText(p) + '\n');
      },
    });
    await out.flush();
    warnings = problems();
    for (const w of warnings) warnLine(w);
  } finally {
    await img.close();
  }
  return warnings.length > 0 ? 1 : 0;
}

/**
 * Runs `isowb grep …` or `isowb find …` (argv[0] is the command). Returns the exit code; usage
 * errors print `usage` (the main help text) to stderr.
 */
export async function runSearchCommand(argv: string[], usage: string): Promise<number> {
  const cmd = argv[0];
  const errorCode = cmd === 'grep' ? 2 : 1;
  try {
    const dashdash = argv.indexOf('--');
    if (argv.slice(1, dashdash < 0 ? undefined : dashdash).some(s => s === '--help' || s === '-h')) { process.stdout.write(usage + '\n'); return 0; }
    return cmd === 'grep' ? await grep(argv.slice(1)) : await find(argv.slice(1));
  } catch (e) {
    return reportError(e, usage, errorCode);
  }
}
