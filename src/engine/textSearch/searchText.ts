// Text search in the files of an image ("Find in Files" for disc images) and the file list behind a
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
//
// This file walks the tree and reads the files; query.ts compiles the query and globs,
// fileText.ts decodes a file's bytes as text, lineMatcher.ts finds the matches in its lines.
import { CancelledError, InvalidArgumentError, IsoError } from '../errors';
import type { DiscImage, FileNode } from '../image';
import { FileTextDecoder } from './fileText';
import { LineMatcher, preview } from './lineMatcher';
import { compileQuery, pathMatcher, type CompiledQuery, type SearchQuery } from './query';

export { REGEX_LINE_LIMIT } from './lineMatcher';
export { compileQuery, escapeRegExp, globToRegExp, pathMatcher, type CompiledQuery, type SearchQuery } from './query';

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
const PROGRESS_MS = 100;

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
  const search = new TextSearch(img, compileQuery(query), opts);
  const start = await img.lookup(opts.path ?? '/');
  if (start.type === 'dir') await img.walk(start, node => search.consider(node));
  else await search.consider(start);
  return search.done();
}

/** One run of searchText: its limits, its result so far, and the file being searched. */
class TextSearch {
  readonly result: SearchResult = { matches: [], filesSearched: 0, filesSkippedBinary: 0, filesSkippedLarge: 0, truncated: false, bytesSearched: 0, longLinesCapped: 0, errors: [] };
  private readonly maxFileSize: number;
  private readonly maxResults: number;
  private readonly perFile: number;
  private readonly collect: boolean;
  private readonly include: ((path: string) => boolean) | null;
  private readonly exclude: ((path: string) => boolean) | null;
  private readonly buffers: [Uint8Array, Uint8Array];
  private readonly breathe = yielder();
  private total = 0;
  private stopAll = false;
  private lastProgress = 0;
  private current = '';

  constructor(private readonly img: DiscImage, private readonly q: CompiledQuery, private readonly opts: SearchOptions) {
    this.maxFileSize = checkCount('maxFileSize', opts.maxFileSize, DEFAULT_MAX_FILE_SIZE, 0);
    this.maxResults = checkCount('maxResults', opts.maxResults, DEFAULT_MAX_RESULTS, 1);
    this.perFile = checkCount('maxMatchesPerFile', opts.maxMatchesPerFile, Infinity, 1);
    const chunkSize = Math.floor(checkCount('chunkSize', opts.chunkSize, SEARCH_CHUNK, 1));
    this.collect = opts.collect !== false;
    const ci = img.namespace !== 'rr';
    this.include = opts.include?.length ? pathMatcher(opts.include, ci) : null;
    this.exclude = opts.exclude?.length ? pathMatcher(opts.exclude, ci) : null;
    if (opts.signal?.aborted) throw this.cancelled();
    this.buffers = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
  }

  /** Searches `node` when it is a regular file the options select; false once the search must stop. */
  async consider(node: FileNode): Promise<boolean> {
    await this.breathe();
    if (this.opts.signal?.aborted) throw this.cancelled();
    if (node.type !== 'file') return true;
    if (this.include && !this.include(node.path)) return true;
    if (this.exclude && this.exclude(node.path)) return true;
    if (node.size > this.maxFileSize) { this.result.filesSkippedLarge++; return true; }
    try {
      await this.searchFile(node);
    } catch (e) {
      if (!(e instanceof IsoError) || e instanceof CancelledError) throw e;
      if (this.result.errors.length < 1000) this.result.errors.push({ path: node.path, message: e.message.includes(node.path) ? e.message : `${node.path}: ${e.message}` });
    }
    return !this.stopAll;
  }

  done(): SearchResult {
    this.current = '';
    this.progress(true);
    return this.result;
  }

  private cancelled(): CancelledError {
    return new CancelledError('search cancelled', { image: this.img.name });
  }

  private progress(force: boolean): void {
    if (!this.opts.onProgress) return;
    const now = Date.now();
    if (!force && now - this.lastProgress < PROGRESS_MS) return;
    this.lastProgress = now;
    this.opts.onProgress({ files: this.result.filesSearched, bytes: this.result.bytesSearched, current: this.current });
  }

  private async searchFile(node: FileNode): Promise<void> {
    this.current = node.path;
    const result = this.result;
    let fileMatches = 0;
    let stopFile = false;
    const emit = (line: string, no: number, base: number, index: number, length: number): boolean => {
      if (this.total >= this.maxResults) { result.truncated = true; this.stopAll = true; return false; }
      this.total++;
      fileMatches++;
      const p = preview(line, index);
      const m: TextMatch = { path: node.path, line: no, column: base + index, length, preview: p.preview, previewStart: base + p.previewStart };
      if (this.collect) result.matches.push(m);
      this.opts.onMatch?.(m);
      if (this.opts.signal?.aborted) throw this.cancelled();
      if (fileMatches >= this.perFile) { stopFile = true; return false; }
      return true;
    };
    const lines = new LineMatcher(this.q, emit, () => { result.longLinesCapped++; });
    const text = new FileTextDecoder(t => lines.feed(t), () => { result.filesSearched++; });
    this.progress(false);
    await this.img.pump(node, async chunk => {
      await this.breathe();
      if (this.opts.signal?.aborted) throw this.cancelled();
      result.bytesSearched += chunk.length;
      const go = text.push(chunk);
      this.progress(false);
      return go && !stopFile && !this.stopAll;
    }, this.buffers);
    const more = text.endHead();
    if (text.binary) { result.filesSkippedBinary++; return; }
    if (!more || stopFile || this.stopAll || text.sawNul) return;
    if (!text.flush()) return;
    lines.finish();
  }
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
