// Text search inside an image ("Find in Files" for disc images) and the file list behind a
// Go-to-File picker. VS Code cannot search a FileSystemProvider scheme without proposed APIs, so
// the extension and `isowb grep` / `isowb find` search through the engine instead.
//
// How a file is searched (the rules a user of grep or ripgrep expects):
// * Only regular files: symlinks are not followed (a link to a file is not searched a second
//   time), devices and FIFOs are skipped. Directory loops are handled by DiscImage.walk.
// * Binary files are skipped: a NUL byte in the first 8 KiB (like grep and ripgrep). A NUL found
//   later stops the search of that file at the line holding it; matches before it are kept (like
//   ripgrep; GNU grep -I drops the whole buffer holding the NUL, 32 KiB or more).
// * Text is UTF-8 (invalid bytes decode to U+FFFD); a UTF-16 LE or BE byte-order mark selects
//   UTF-16 instead, and a UTF-8 BOM is dropped. Columns count UTF-16 code units of the decoded
//   line, as VS Code positions do.
// * Lines end at LF; a CR before the LF is not part of the line (CRLF files match `foo$`).
//   Matches never span lines; a pattern that can only match across lines finds nothing.
// * Files are read in 64 KiB chunks (zisofs files decompressed) and decoded as a stream, so a
//   match across a chunk boundary is found; at most the current line plus one chunk is held.
//   A single line longer than 16 Mi code units (possible only with maxFileSize raised above its
//   default) is examined in 16 Mi pieces: a match across a piece boundary is missed.
// * A pattern that matches the empty string reports one zero-length match on lines where it
//   matches nothing longer (so `^` finds every line once, as grep prints it).
// * Regular expressions are JavaScript's (with the `u` flag when the pattern allows it, `s` so
//   `.` matches any character of the line). JavaScript's engine backtracks, so a pathological
//   pattern can take time quadratic or worse in the line length: with isRegExp, only the first
//   64 Ki code units of each line are examined (SearchResult.longLinesCapped counts the lines
//   cut). Literal searches (the default) compile to a pattern that cannot backtrack and examine
//   every line in full.
// * Previews are the line trimmed to at most 250 code units around the match
//   (TextMatch.previewStart says where the preview starts in the line).
import { TextDecoder } from 'node:util';
import { CancelledError, InvalidArgumentError, IsoError } from './errors';
import type { DiscImage, FileNode } from './image';

export interface SearchQuery {
  pattern: string;
  /** Default false (literal). */
  isRegExp?: boolean;
  /** Default false. */
  isCaseSensitive?: boolean;
  /** Default false. The match must not touch a letter, digit, mark or underscore on either side. */
  isWordMatch?: boolean;
}

export interface SearchOptions {
  /** Folder (or file) inside the image to search; default "/". */
  path?: string;
  /** Skip files larger than this many bytes (default 16 MiB). */
  maxFileSize?: number;
  /**
   * Globs on the image path ("**\/*.cfg", "*.txt", "boot/grub"): `*`, `**`, `?`, `[abc]`,
   * `{a,b}`. A glob without "/" matches a name at any depth; one with "/" matches the path from
   * the root (a leading "/" is optional). A glob matching a folder covers everything in it.
   * Case-insensitive except in the Rock Ridge namespace (like lookups).
   */
  include?: string[];
  exclude?: string[];
  /** Stop after this many matches (default 20_000); the result says truncated. */
  maxResults?: number;
  /** Stop searching a file after this many matches in it (default unlimited; 1 for `grep -l`). */
  maxMatchesPerFile?: number;
  /** Keep matches in SearchResult.matches (default true); false when onMatch consumes them all. */
  collect?: boolean;
  signal?: AbortSignal;
  /** Streamed as found. */
  onMatch?: (m: TextMatch) => void;
  /** At most every 100 ms, and once at the end. */
  onProgress?: (p: { files: number; bytes: number; current: string }) => void;
  /** Read size (default 64 KiB); tests use odd sizes to move chunk boundaries around. */
  chunkSize?: number;
}

export interface TextMatch {
  path: string;
  /** 0-based. */
  line: number;
  /** 0-based, UTF-16 code units in the decoded line. */
  column: number;
  length: number;
  /** The line, trimmed to ≤ 250 code units around the match (no CR/LF). */
  preview: string;
  /** Column in the line where `preview` starts (0 unless the line was trimmed). */
  previewStart: number;
}

export interface SearchResult {
  matches: TextMatch[];
  /** Files searched (binary and too-large files are not counted). */
  filesSearched: number;
  filesSkippedBinary: number;
  filesSkippedLarge: number;
  /** More matches exist than maxResults. */
  truncated: boolean;
  /** Bytes of file content read. */
  bytesSearched: number;
  /** Lines longer than 64 Ki code units of which only the start was examined (regex queries). */
  longLinesCapped: number;
  /**
   * Files that could not be read to the end (a damaged zisofs block, data past the end of the
   * image): the search went on with the next file. At most 1,000 are listed.
   */
  errors: Array<{ path: string; message: string }>;
}

const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024;
const DEFAULT_MAX_RESULTS = 20_000;
export const SEARCH_CHUNK = 64 * 1024;
const BINARY_SNIFF = 8 * 1024;
const PREVIEW_MAX = 250;
const PREVIEW_BEFORE = 40;
/** Code units of a line a regular expression examines. */
export const REGEX_LINE_LIMIT = 64 * 1024;
/** Code units of one line held before it is examined in pieces. */
const LINE_HOLD_LIMIT = 16 * 1024 * 1024;
const PROGRESS_MS = 100;

// ---- query ------------------------------------------------------------------------------------

export interface CompiledQuery {
  /** Finds the matches in one line (flag `g`; set lastIndex before exec). */
  line: RegExp;
  /**
   * For literal queries: finds the matches in a block of whole lines directly, so lines without a
   * match are never split out. Null for regular expressions (anchors, look-arounds and negated
   * classes behave differently across a newline) and for literals holding a CR or LF.
   */
  block: RegExp | null;
  regex: boolean;
}

/** Escapes the characters that are syntax in a JavaScript regular expression (valid with `u`). */
export function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * Validates and compiles a query. Throws InvalidArgumentError for an empty pattern or a regular
 * expression JavaScript rejects (with its error text).
 */
export function compileQuery(q: SearchQuery): CompiledQuery {
  if (!q || typeof q.pattern !== 'string' || q.pattern === '') throw new InvalidArgumentError('the search pattern is empty');
  const regex = q.isRegExp === true;
  const base = 'g' + (q.isCaseSensitive ? '' : 'i') + 's';
  let src: string;
  let unicode = true;
  if (regex) {
    // The `u` flag gives Unicode case folding and \p{…}, but rejects some patterns that are fine
    // without it (e.g. "\-", "\:", a lone "{"): use it when the pattern allows.
    try {
      new RegExp(q.pattern, base + 'u');
    } catch {
      unicode = false;
      try {
        new RegExp(q.pattern, base);
      } catch (e) {
        const text = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
        throw new InvalidArgumentError(`invalid regular expression ${JSON.stringify(q.pattern)}: ${text}`);
      }
    }
    src = q.pattern;
  } else {
    src = escapeRegExp(q.pattern);
  }
  if (q.isWordMatch) {
    // Like grep -w: the match may not be preceded or followed by a word character. Look-arounds
    // (not \b) so the engine retries shorter or later matches, and Unicode letters count.
    const w = unicode ? '[\\p{L}\\p{N}\\p{M}_]' : '[A-Za-z0-9_]';
    src = `(?<!${w})(?:${src})(?!${w})`;
  }
  const flags = base + (unicode ? 'u' : '');
  let line: RegExp;
  try {
    line = new RegExp(src, flags);
  } catch (e) {
    throw new InvalidArgumentError(`invalid regular expression ${JSON.stringify(q.pattern)}: ${(e as Error).message}`);
  }
  // A literal without CR or LF (with or without the word test) matches the same text inside a
  // block of lines as inside the line alone: a newline is neither part of it nor a word character.
  const blockOk = !regex && !/[\r\n]/.test(q.pattern);
  return { line, block: blockOk ? new RegExp(src, flags) : null, regex };
}

// ---- globs ------------------------------------------------------------------------------------

/** Compiles a glob (`*`, `**`, `?`, `[…]`, `{a,b}`, `\x`) to an anchored regular expression. */
export function globToRegExp(glob: string, caseInsensitive = false): RegExp {
  let i = 0;
  const parse = (inBrace: boolean): string => {
    let out = '';
    while (i < glob.length) {
      const c = glob[i];
      if (inBrace && (c === ',' || c === '}')) return out;
      i++;
      if (c === '*') {
        if (glob[i] === '*') {
          i++;
          if (glob[i] === '/') { i++; out += '(?:[^/]*/)*'; } else out += '.*';
        } else out += '[^/]*';
      } else if (c === '?') out += '[^/]';
      else if (c === '\\' && i < glob.length) out += escapeRegExp(glob[i++]);
      else if (c === '[') {
        const end = glob.indexOf(']', i + 1);
        if (end < 0) { out += '\\['; continue; }
        let body = glob.slice(i, end);
        i = end + 1;
        const neg = body[0] === '!' || body[0] === '^';
        if (neg) body = body.slice(1);
        out += `[${neg ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      } else if (c === '{') {
        const alts: string[] = [];
        const start = i;
        for (;;) {
          alts.push(parse(true));
          if (i >= glob.length) { i = start; alts.length = 0; break; }
          if (glob[i++] === '}') break;
        }
        out += alts.length ? `(?:${alts.join('|')})` : '\\{';
      } else out += escapeRegExp(c);
    }
    return out;
  };
  const body = parse(false);
  try {
    return new RegExp(`^${body}$`, caseInsensitive ? 'iu' : 'u');
  } catch (e) {
    throw new InvalidArgumentError(`invalid glob ${JSON.stringify(glob)}: ${(e as Error).message}`);
  }
}

/**
 * A predicate on image paths for a set of globs (see SearchOptions.include): true when a glob
 * matches the path or one of its parent folders.
 */
export function pathMatcher(globs: string[], caseInsensitive = false): (path: string) => boolean {
  const compiled = globs.map(g => {
    const clean = g.replace(/^(?:\.\/|\/)+/, '').replace(/\/+$/, '');
    return { re: globToRegExp(clean, caseInsensitive), whole: clean.includes('/') };
  });
  return (path: string) => {
    const parts = path.split('/').filter(p => p !== '');
    for (const { re, whole } of compiled) {
      if (whole) {
        let prefix = '';
        for (const p of parts) {
          prefix = prefix ? `${prefix}/${p}` : p;
          if (re.test(prefix)) return true;
        }
      } else if (parts.some(p => re.test(p))) return true;
    }
    return false;
  };
}

// ---- search -----------------------------------------------------------------------------------

/** A fresh flat copy of a short string, so a stored preview does not keep its 64 KiB block alive. */
function detach(s: string): string {
  // V8 slices longer strings as views of their parent; slicing a concatenation flattens it into a
  // new ≤ 251-character string first, and the result refers to that instead.
  return s.length < 13 ? s : (' ' + s).slice(1);
}

function preview(line: string, column: number): { preview: string; previewStart: number } {
  if (line.length <= PREVIEW_MAX) return { preview: detach(line), previewStart: 0 };
  // PREVIEW_BEFORE code units of context before the match, the rest after it (a match longer
  // than the preview is cut at its end); near the end of the line, more context before it.
  let start = Math.max(0, column - PREVIEW_BEFORE);
  let end = Math.min(line.length, start + PREVIEW_MAX);
  if (end - start < PREVIEW_MAX) start = Math.max(0, end - PREVIEW_MAX);
  // never cut a surrogate pair in half
  if (start > 0 && (line.charCodeAt(start) & 0xfc00) === 0xdc00) start++;
  if (end < line.length && (line.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
  return { preview: detach(line.slice(start, end)), previewStart: start };
}

/**
 * Lets the event loop run every `ms` of work. Small image reads are synchronous (FileSource), so a
 * search over files in the page cache would otherwise never yield: timers, UI messages and the
 * abort that cancels the search could not run until it finished.
 */
function yielder(ms = 20): () => Promise<void> | undefined {
  let last = Date.now();
  return () => {
    if (Date.now() - last < ms) return undefined;
    return new Promise<void>(resolve => setImmediate(() => { last = Date.now(); resolve(); }));
  };
}

function checkCount(name: string, v: number | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || Number.isNaN(v) || v < min) throw new InvalidArgumentError(`${name} must be a number ≥ ${min} (got ${v})`);
  return v;
}

/** Searches the text files under `opts.path` for `query`. See the top of this file for the rules. */
export async function searchText(img: DiscImage, query: SearchQuery, opts: SearchOptions = {}): Promise<SearchResult> {
  const q = compileQuery(query);
  const maxFileSize = checkCount('maxFileSize', opts.maxFileSize, DEFAULT_MAX_FILE_SIZE, 0);
  const maxResults = checkCount('maxResults', opts.maxResults, DEFAULT_MAX_RESULTS, 1);
  const perFile = checkCount('maxMatchesPerFile', opts.maxMatchesPerFile, Infinity, 1);
  const chunkSize = Math.floor(checkCount('chunkSize', opts.chunkSize, SEARCH_CHUNK, 1));
  const collect = opts.collect !== false;
  const ci = img.namespace !== 'rr';
  const include = opts.include?.length ? pathMatcher(opts.include, ci) : null;
  const exclude = opts.exclude?.length ? pathMatcher(opts.exclude, ci) : null;
  const signal = opts.signal;
  const cancelled = () => new CancelledError('search cancelled', { image: img.name });
  if (signal?.aborted) throw cancelled();

  const result: SearchResult = { matches: [], filesSearched: 0, filesSkippedBinary: 0, filesSkippedLarge: 0, truncated: false, bytesSearched: 0, longLinesCapped: 0, errors: [] };
  let total = 0;
  let stopAll = false;
  let lastProgress = 0;
  let current = '';
  const progress = (force: boolean) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastProgress < PROGRESS_MS) return;
    lastProgress = now;
    opts.onProgress({ files: result.filesSearched, bytes: result.bytesSearched, current });
  };
  const buffers: [Uint8Array, Uint8Array] = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
  const breathe = yielder();

  const searchFile = async (node: FileNode): Promise<void> => {
    current = node.path;
    let fileMatches = 0;
    let stopFile = false;
    let lineNo = 0; // line number of the text held in `parts`
    let colBase = 0; // code units of the current line already examined (very long lines only)
    let parts: string[] = [];
    let partsLen = 0;

    /** Reports one match (`index` in `line`, which starts `base` code units into the line); false to stop. */
    const emit = (line: string, no: number, base: number, index: number, length: number): boolean => {
      if (total >= maxResults) { result.truncated = true; stopAll = true; return false; }
      total++;
      fileMatches++;
      const p = preview(line, index);
      const m: TextMatch = { path: node.path, line: no, column: base + index, length, preview: p.preview, previewStart: base + p.previewStart };
      if (collect) result.matches.push(m);
      opts.onMatch?.(m);
      if (signal?.aborted) throw cancelled();
      if (fileMatches >= perFile) { stopFile = true; return false; }
      return true;
    };

    /** Reports the matches of one line (without its CR/LF); false when the search must stop. */
    const scanLine = (line: string, no: number, base: number): boolean => {
      let text = line;
      if (q.regex && line.length > REGEX_LINE_LIMIT) {
        text = line.slice(0, REGEX_LINE_LIMIT);
        result.longLinesCapped++;
      }
      const re = q.line;
      re.lastIndex = 0;
      let found = false;
      let empty = -1;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m[0].length === 0) {
          if (empty < 0) empty = m.index;
          const c = text.charCodeAt(m.index);
          re.lastIndex = m.index + ((c & 0xfc00) === 0xd800 && (text.charCodeAt(m.index + 1) & 0xfc00) === 0xdc00 ? 2 : 1);
          if (re.lastIndex > text.length) break;
          continue;
        }
        found = true;
        if (!emit(line, no, base, m.index, m[0].length)) return false;
      }
      if (!found && empty >= 0 && !emit(line, no, base, empty, 0)) return false;
      return true;
    };

    const lineOf = (block: string, start: number, end: number): string =>
      end > start && block.charCodeAt(end - 1) === 13 ? block.slice(start, end - 1) : block.slice(start, end);

    /** Examines a block of whole lines (ending with "\n"); the first continues `parts`' line. */
    const scanBlock = (block: string): boolean => {
      let pos = 0;
      if (q.block) {
        // Literal: every match in the block is a match in its line; lines are cut out only for
        // the matches' previews.
        const pre = q.block;
        pre.lastIndex = 0;
        let ls = 0; // current line: [ls, le), le at its "\n"
        let le = -1;
        let line = '';
        let base = colBase;
        for (let m = pre.exec(block); m; m = pre.exec(block)) {
          if (m.index > le) {
            const start = m.index === 0 ? 0 : block.lastIndexOf('\n', m.index - 1) + 1;
            for (let i = block.indexOf('\n', le + 1); i >= 0 && i < start; i = block.indexOf('\n', i + 1)) lineNo++;
            if (start > 0) base = 0;
            if (le >= 0) lineNo++;
            ls = start;
            le = block.indexOf('\n', m.index);
            line = lineOf(block, ls, le);
          }
          if (!emit(line, lineNo, base, m.index - ls, m[0].length)) return false;
        }
        for (let i = block.indexOf('\n', le + 1); i >= 0; i = block.indexOf('\n', i + 1)) lineNo++;
        if (le >= 0) lineNo++;
        colBase = 0;
        return true;
      }
      for (let le = block.indexOf('\n'); le >= 0; le = block.indexOf('\n', pos)) {
        if (!scanLine(lineOf(block, pos, le), lineNo, pos === 0 ? colBase : 0)) return false;
        lineNo++;
        colBase = 0;
        pos = le + 1;
      }
      return true;
    };

    /** Takes decoded text; examines every line it completes. */
    const feed = (t: string): boolean => {
      if (t.length === 0) return true;
      const last = t.lastIndexOf('\n');
      if (last < 0) {
        parts.push(t);
        partsLen += t.length;
        if (partsLen > LINE_HOLD_LIMIT) {
          // A pathological line: examine what is held and continue the line after it.
          const piece = parts.join('');
          parts = [];
          partsLen = 0;
          if (!scanLine(piece, lineNo, colBase)) return false;
          colBase += piece.length;
        }
        return true;
      }
      const head = t.slice(0, last + 1);
      const block = parts.length ? parts.join('') + head : head;
      parts = last + 1 < t.length ? [t.slice(last + 1)] : [];
      partsLen = t.length - last - 1;
      return scanBlock(block);
    };

    /** The end of the file: the last line, if it has no newline. */
    const finish = (): void => {
      if (partsLen > 0) {
        const tail = parts.join('');
        scanLine(tail.charCodeAt(tail.length - 1) === 13 ? tail.slice(0, -1) : tail, lineNo, colBase);
      }
      parts = [];
      partsLen = 0;
    };

    // Read: the first 8 KiB decide the encoding and whether the file is binary.
    let decoder: TextDecoder | null = null;
    let utf16 = false;
    let head: Buffer[] = [];
    let headLen = 0;
    let binary = false;
    let sawNul = false;

    /** Decodes bytes and examines them; stops at a NUL (that line and the rest are not examined). */
    const decodeAndFeed = (bytes: Uint8Array): boolean => {
      let text: string;
      if (!utf16) {
        const nul = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(0);
        if (nul >= 0) {
          feed(decoder!.decode(bytes.subarray(0, nul), { stream: true }));
          sawNul = true;
          return false;
        }
        text = decoder!.decode(bytes, { stream: true });
      } else {
        text = decoder!.decode(bytes, { stream: true });
        const nul = text.indexOf('\0');
        if (nul >= 0) {
          feed(text.slice(0, nul));
          sawNul = true;
          return false;
        }
      }
      return feed(text);
    };

    const startDecoding = (): boolean => {
      const first = Buffer.concat(head, headLen);
      head = [];
      let enc = 'utf-8';
      if (first.length >= 2 && first[0] === 0xff && first[1] === 0xfe) enc = 'utf-16le';
      else if (first.length >= 2 && first[0] === 0xfe && first[1] === 0xff) enc = 'utf-16be';
      utf16 = enc !== 'utf-8';
      // The BOM is dropped by the decoder (ignoreBOM false), so columns start after it.
      decoder = new TextDecoder(enc);
      if (utf16) {
        const sniff = new TextDecoder(enc).decode(first.subarray(0, BINARY_SNIFF));
        if (sniff.includes('\0')) { binary = true; return false; }
      } else if (first.subarray(0, BINARY_SNIFF).indexOf(0) >= 0) {
        binary = true;
        return false;
      }
      result.filesSearched++;
      return decodeAndFeed(first);
    };

    progress(false);
    await img.pump(node, async chunk => {
      await breathe();
      if (signal?.aborted) throw cancelled();
      result.bytesSearched += chunk.length;
      let go: boolean;
      if (!decoder) {
        head.push(Buffer.from(chunk));
        headLen += chunk.length;
        go = headLen >= BINARY_SNIFF ? startDecoding() : true;
      } else go = decodeAndFeed(chunk);
      progress(false);
      return go && !stopFile && !stopAll;
    }, buffers);
    // A file shorter than the sniff window (or empty) is decided now.
    const more = decoder ? true : startDecoding();
    if (binary) { result.filesSkippedBinary++; return; }
    if (!more || stopFile || stopAll || sawNul) return;
    if (!feed(decoder!.decode())) return;
    finish();
  };

  const consider = async (node: FileNode): Promise<boolean> => {
    await breathe();
    if (signal?.aborted) throw cancelled();
    if (node.type !== 'file') return true;
    if (include && !include(node.path)) return true;
    if (exclude && exclude(node.path)) return true;
    if (node.size > maxFileSize) { result.filesSkippedLarge++; return true; }
    try {
      await searchFile(node);
    } catch (e) {
      if (!(e instanceof IsoError) || e instanceof CancelledError) throw e;
      if (result.errors.length < 1000) result.errors.push({ path: node.path, message: e.message.includes(node.path) ? e.message : `${node.path}: ${e.message}` });
    }
    return !stopAll;
  };

  const start = await img.lookup(opts.path ?? '/');
  if (start.type === 'dir') await img.walk(start, consider);
  else await consider(start);
  current = '';
  progress(true);
  return result;
}

// ---- file list --------------------------------------------------------------------------------

export interface ListFilesOptions {
  /** Folder (or file) inside the image; default "/". */
  path?: string;
  signal?: AbortSignal;
  /** Paths as they are found, in batches (every 1,000 paths or 100 ms). */
  onBatch?: (paths: string[]) => void;
  /** Stop after this many paths (default unlimited); the result says truncated. */
  max?: number;
}

/**
 * Every file path under `path` (regular files and symlinks; not directories, devices, FIFOs or
 * sockets), depth-first in image order, for a Go-to-File picker; streamed in batches.
 */
export async function listFiles(img: DiscImage, opts: ListFilesOptions = {}): Promise<{ paths: string[]; truncated: boolean }> {
  const max = checkCount('max', opts.max, Infinity, 0);
  const signal = opts.signal;
  const cancelled = () => new CancelledError('file listing cancelled', { image: img.name });
  if (signal?.aborted) throw cancelled();
  const paths: string[] = [];
  let truncated = false;
  let batch: string[] = [];
  let lastBatch = Date.now();
  const flush = () => {
    if (batch.length === 0) return;
    opts.onBatch?.(batch);
    batch = [];
    lastBatch = Date.now();
  };
  const breathe = yielder();
  const visit = async (n: FileNode): Promise<boolean> => {
    await breathe();
    if (signal?.aborted) throw cancelled();
    if (n.type !== 'file' && n.type !== 'symlink') return true;
    if (paths.length >= max) { truncated = true; return false; }
    paths.push(n.path);
    if (opts.onBatch) {
      batch.push(n.path);
      if (batch.length >= 1000 || Date.now() - lastBatch >= 100) flush();
    }
    return true;
  };
  const start = await img.lookup(opts.path ?? '/');
  if (start.type === 'dir') await img.walk(start, visit);
  else await visit(start);
  flush();
  return { paths, truncated };
}
