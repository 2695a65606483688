// Matching inside one file's decoded text, for a text search (searchText.ts): text arrives in
// pieces of any size; whole lines are cut out and matched, a line's CR before its LF dropped,
// line numbers and columns (UTF-16 code units) counted, and each match reported with a preview
// of its line. The rules are those at the top of searchText.ts.
import type { CompiledQuery } from './query';

/** Code units of a line a regular expression examines. */
export const REGEX_LINE_LIMIT = 64 * 1024;
/** Code units of one line held before it is examined in pieces. */
const LINE_HOLD_LIMIT = 16 * 1024 * 1024;
const PREVIEW_MAX = 250;
const PREVIEW_BEFORE = 40;

/**
 * Reports one match: `index` in `line` (0-based line `no`), which starts `base` code units into
 * the line (only a very long line is examined in pieces); false to stop matching.
 */
export type EmitMatch = (line: string, no: number, base: number, index: number, length: number) => boolean;

/** A fresh flat copy of a short string, so a stored preview does not keep its 64 KiB block alive. */
function detach(s: string): string {
  // V8 slices longer strings as views of their parent; slicing a concatenation flattens it into a
  // new ≤ 251-character string first, and the result refers to that instead.
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** The line trimmed to at most 250 code units around the match at `column`, and where that starts. */
export function preview(line: string, column: number): { preview: string; previewStart: number } {
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

const lineOf = (block: string, start: number, end: number): string =>
  end > start && block.charCodeAt(end - 1) === 13 ? block.slice(start, end - 1) : block.slice(start, end);

/** The lines of one file, fed as decoded text, matched against a query. */
export class LineMatcher {
  /** Line number of the text held in `parts`. */
  private lineNo = 0;
  /** Code units of the current line already examined (very long lines only). */
  private colBase = 0;
  private parts: string[] = [];
  private partsLen = 0;

  /** `onLongLine`: a line was cut to REGEX_LINE_LIMIT for a regular expression. */
  constructor(private readonly q: CompiledQuery, private readonly emit: EmitMatch, private readonly onLongLine: () => void) {}

  /** Takes decoded text; examines every line it completes. False when matching must stop. */
  feed(t: string): boolean {
    if (t.length === 0) return true;
    const last = t.lastIndexOf('\n');
    if (last < 0) {
      this.parts.push(t);
      this.partsLen += t.length;
      if (this.partsLen > LINE_HOLD_LIMIT) {
        // A pathological line: examine what is held and continue the line after it.
        const piece = this.parts.join('');
        this.parts = [];
        this.partsLen = 0;
        if (!this.scanLine(piece, this.lineNo, this.colBase)) return false;
        this.colBase += piece.length;
      }
      return true;
    }
    const head = t.slice(0, last + 1);
    const block = this.parts.length ? this.parts.join('') + head : head;
    this.parts = last + 1 < t.length ? [t.slice(last + 1)] : [];
    this.partsLen = t.length - last - 1;
    return this.scanBlock(block);
  }

  /** The end of the file: the last line, if it has no newline. */
  finish(): void {
    if (this.partsLen > 0) {
      const tail = this.parts.join('');
      this.scanLine(tail.charCodeAt(tail.length - 1) === 13 ? tail.slice(0, -1) : tail, this.lineNo, this.colBase);
    }
    this.parts = [];
    this.partsLen = 0;
  }

  /** Reports the matches of one line (without its CR/LF); false when the search must stop. */
  private scanLine(line: string, no: number, base: number): boolean {
    let text = line;
    if (this.q.regex && line.length > REGEX_LINE_LIMIT) {
      text = line.slice(0, REGEX_LINE_LIMIT);
      this.onLongLine();
    }
    const re = this.q.line;
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
      if (!this.emit(line, no, base, m.index, m[0].length)) return false;
    }
    if (!found && empty >= 0 && !this.emit(line, no, base, empty, 0)) return false;
    return true;
  }

  /** Examines a block of whole lines (ending with "\n"); the first continues `parts`' line. */
  private scanBlock(block: string): boolean {
    if (this.q.block) return this.scanLiteralBlock(block, this.q.block);
    let pos = 0;
    for (let le = block.indexOf('\n'); le >= 0; le = block.indexOf('\n', pos)) {
      if (!this.scanLine(lineOf(block, pos, le), this.lineNo, pos === 0 ? this.colBase : 0)) return false;
      this.lineNo++;
      this.colBase = 0;
      pos = le + 1;
    }
    return true;
  }

  /** Literal: every match in the block is a match in its line; lines are cut out only for the matches' previews. */
  private scanLiteralBlock(block: string, pre: RegExp): boolean {
    pre.lastIndex = 0;
    let ls = 0; // current line: [ls, le), le at its "\n"
    let le = -1;
    let line = '';
    let base = this.colBase;
    for (let m = pre.exec(block); m; m = pre.exec(block)) {
      if (m.index > le) {
        const start = m.index === 0 ? 0 : block.lastIndexOf('\n', m.index - 1) + 1;
        for (let i = block.indexOf('\n', le + 1); i >= 0 && i < start; i = block.indexOf('\n', i + 1)) this.lineNo++;
        if (start > 0) base = 0;
        if (le >= 0) this.lineNo++;
        ls = start;
        le = block.indexOf('\n', m.index);
        line = lineOf(block, ls, le);
      }
      if (!this.emit(line, this.lineNo, base, m.index - ls, m[0].length)) return false;
    }
    for (let i = block.indexOf('\n', le + 1); i >= 0; i = block.indexOf('\n', i + 1)) this.lineNo++;
    if (le >= 0) this.lineNo++;
    this.colBase = 0;
    return true;
  }
}
