// Markdown for the info report (report.ts): escaping text and link destinations that come from
// the image, links, tables, code blocks, collapsed blocks, and sizes and dates as the report
// writes them. Pure (no `vscode` import).
import { visible } from '../provider/escape';

// ---- Markdown helpers ---------------------------------------------------------------------------

/**
 * Escapes a string from the image for Markdown inline text (paragraphs, list items, headings and
 * GFM table cells): what renders is exactly the string (controls made visible), with no emphasis,
 * links, autolinks, HTML, entities, code spans, math, table-cell breaks or block syntax. Characters
 * that are harmless in running text (`.`, `-`, `(`, `_` inside words) are left alone so the raw
 * Markdown stays readable.
 *
 * Autolinks: VS Code's preview runs markdown-it with linkify on (`markdown.preview.linkify`, with
 * fuzzyLink off), which links `scheme://…` and `mailto:…` (linkify-it's schemas), `//host…` and
 * e-mail addresses; the editor showing the report's source makes `https://…` Ctrl+clickable. A
 * backslash escape splits markdown-it's text there (linkify sees the pieces), so `:` after a letter
 * (every scheme ends in one), `@`, and the second `/` of `//` are escaped.
 */
export function escapeMd(s: string): string {
  const v = visible(s);
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if ('\\`*[]<>|~&$#@'.includes(c)) out += '\\' + c;
    else if (c === ':' && /[A-Za-z]/.test(v[i - 1] ?? '')) out += '\\:';
    else if (c === '/' && v[i - 1] === '/') out += '\\/';
    else if (c === '_') {
      // intraword underscores never open or close emphasis (CommonMark 6.2)
      const alnum = (x: string | undefined) => x !== undefined && /[\p{L}\p{N}]/u.test(x);
      out += alnum(v[i - 1]) && alnum(v[i + 1]) ? '_' : '\\_';
    } else out += c;
  }
  // block syntax at the start of a line: lists (-, +, 1. 1)), setext underlines (=)
  // (*, # and > are escaped above); a leading or trailing space would be trimmed (table cells,
  // headings) or start an indented code block, so it is written as a character reference
  return out.replace(/^([-+=])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2').replace(/^ | $/g, '&#32;');
}

/**
 * A link destination that survives Markdown: wrapped in <…>, with whitespace, controls and the
 * characters that could end or split it — or end a plain-text URI match in the raw source —
 * percent-encoded (< > \ ` | ( ) [ ]); a URI decodes them back to the same path.
 */
export function linkTarget(uri: string): string {
  let out = '';
  for (const c of uri) {
    const cp = c.codePointAt(0)!;
    if (cp <= 0x20 || cp === 0x7f || '<>\\`|()[]'.includes(c) || (cp >= 0x80 && cp <= 0x9f)) {
      out += [...new TextEncoder().encode(c)].map(b => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
    } else out += c;
  }
  return `<${out}>`;
}

/** `[text](<target>)` with the text escaped. */
export function mdLink(text: string, target: string): string {
  return `[${escapeMd(text)}](${linkTarget(target)})`;
}

/** A GFM table; cells are Markdown already (escaped). Columns are padded so the source reads too. */
export function table(headers: string[], rows: string[][], right: boolean[] = []): string {
  const w = headers.map((h, i) => Math.max(3, h.length, ...rows.map(r => (r[i] ?? '').length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (right[i] ? c.padStart(w[i]) : c.padEnd(w[i]))).join(' | ') + ' |';
  const sep = '|' + w.map((n, i) => (right[i] ? '-'.repeat(n + 1) + ':' : '-'.repeat(n + 2))).join('|') + '|';
  return [line(headers), sep, ...rows.map(r => line(headers.map((_, i) => r[i] ?? '')))].join('\n') + '\n';
}

/** A fenced code block that no line of `lines` can close (fence longer than any backtick run). */
export function codeBlock(lines: string[], info = 'text'): string {
  const body = lines.map(visible);
  const longest = Math.max(0, ...body.map(l => Math.max(0, ...(l.match(/`+/g) ?? []).map(m => m.length))));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${body.join('\n')}\n${fence}\n`;
}

/** A collapsed block (HTML <details>, shown folded in the Markdown preview, plain in the source). */
export function details(summary: string, body: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${body}\n</details>\n`;
}

/** Escaped value, or an em dash for empty / missing. */
export function val(s: string | null | undefined): string {
  return s === null || s === undefined || s === '' ? '—' : escapeMd(s);
}

// ---- number formatting --------------------------------------------------------------------------

/** "1.5 MiB" (1 decimal) for ≥ 1 KiB, else "N bytes". */
export function humanSize(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** "5081088 bytes (4.8 MiB)". */
export function sizeText(bytes: number): string {
  return bytes < 1024 ? humanSize(bytes) : `${bytes} bytes (${humanSize(bytes)})`;
}

export const yesNo = (b: boolean) => (b ? 'yes' : 'no');
export const okBad = (b: boolean) => (b ? 'OK' : '**BAD**');
export const date = (iso: string | null) => (iso ? escapeMd(iso.replace('T', ' ')) : '—');
