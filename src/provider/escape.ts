// Text from an image (names, paths, volume ids, symlink targets, file contents, and engine messages
// quoting them) — and image file names, which come from downloads — shown in VS Code's UI. Each
// place VS Code shows text parses it its own way (VS Code 1.139, read in its source):
//
//  * notifications (showInformation/Warning/ErrorMessage) run parseLinkedText
//    (src/vs/base/common/linkedText.ts): `[label](https://… | http://… | command:… | file:…)`
//    becomes a clickable link — a command link runs the command. A progress notification's title
//    and message go through stripIcons first (`$(name)` vanishes) and, while the notification is
//    hidden, into the status bar, which renders `$(name)` as an icon. Newlines become spaces.
//  * modal dialogs, quick-input titles and placeholders, tree item labels, descriptions and string
//    tooltips, string hovers and file decoration tooltips: plain text (textContent).
//  * quick-pick labels, descriptions and details and status-bar text render `$(name)` as a
//    codicon (renderLabelWithIcons; `\$(name)` is the escape, but only there: elsewhere the
//    backslash shows). Quick-pick descriptions and details also get a hover that renders them as
//    Markdown (only `<`, `>`, `&` escaped, theme icons on): links, images and marked's GFM
//    autolinks (http(s)://…, ftp://…, www.…, e-mail addresses) become live there.
//  * a MarkdownString we build (the status-bar tooltip): Markdown by marked, GFM autolinks on;
//    with supportThemeIcons the rendered HTML goes through renderLabelWithIcons again, so a `$(`
//    that Markdown escaping turned back into text still becomes an icon.
//
// One function per kind of place. Each makes control, bidi and separator characters visible
// (visible(): ␛ for ESC, ‹U+202E› for a right-to-left override — the same as the info report),
// and defuses the syntax of its place with U+2060 WORD JOINER (zero width, invisible): "](" and
// "$(" become "]\u2060(" and "$\u2060(", so the text shows exactly as it is, in every place, with
// no link and no icon — unlike a backslash, which shows where icons are not parsed, and unlike
// stripIcons, which drops the text. Pure (no vscode import): unit-tested in Node, and the real
// rendering is checked in VS Code by the UI scenario "names that inject".

/** U+2060 WORD JOINER: invisible, zero width, no line break; splits a syntax VS Code would parse. */
export const WJ = '\u2060';

// C0, DEL, C1, ALM, LRM/RLM, LS/PS, LRE..RLO, LRI..PDI, BOM, lone surrogates (matching controls is the point)
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|\p{Cs}/gu;

/**
 * Makes a character visible: C0 controls and DEL become their Unicode control pictures (␊, ␀, ␉,
 * ␛), C1 controls, bidi overrides, line/paragraph separators, BOM and lone surrogates become
 * ‹U+XXXX›. A name cannot break a line, hide what precedes it, or reorder what is shown.
 */
function visibleChar(c: string): string {
  const cp = c.codePointAt(0)!;
  if (cp < 0x20) return String.fromCharCode(0x2400 + cp);
  if (cp === 0x7f) return '\u2421';
  return `\u2039U+${cp.toString(16).toUpperCase().padStart(4, '0')}\u203a`;
}

/** Replaces control and bidi characters with visible stand-ins (see visibleChar). */
export function visible(s: string): string {
  return s.replace(INVISIBLE, visibleChar);
}

/** "$(" → "$⁠(" (also across the ends of `s`, which the caller may put next to "$" or "("). */
function noIcons(s: string): string {
  return s.replace(/\$\(/g, `$${WJ}(`).replace(/\$$/, `$${WJ}`).replace(/^\(/, `${WJ}(`);
}

/** "](" → "]⁠(" (a link or image needs it; also across the ends of `s`). */
function noLinks(s: string): string {
  return s.replace(/\]\(/g, `]${WJ}(`).replace(/\]$/, `]${WJ}`).replace(/^\(/, `${WJ}(`);
}

/**
 * What autolinks need (marked's GFM ones, and linkify-it's): "http:", "https:", "ftp:", "file:",
 * "mailto:", "//" (also alone: "//host"), "www." before a host name, "@" before a domain (an
 * e-mail address: the word joiner goes before the "@", where no autolinker accepts it as part of
 * the name). A word joiner splits each.
 */
function noAutolinks(s: string): string {
  return s
    .replace(/\b(https?|ftp|file|mailto)(?=:)/gi, `$1${WJ}`)
    .replace(/\/(?=\/)/g, `/${WJ}`)
    .replace(/\b(www)(?=\.[A-Za-z0-9-])/gi, `$1${WJ}`)
    .replace(/@(?=[A-Za-z0-9_-]+\.)/g, `${WJ}@`);
}

/**
 * Text for a notification: showInformationMessage / showWarningMessage / showErrorMessage (modal
 * or not: a modal dialog shows it as plain text, where the word joiners are invisible too), and a
 * withProgress title or progress message (notification or status bar).
 */
export function noticeText(s: string): string {
  return noIcons(noLinks(visible(s)));
}

/**
 * Text where `$(name)` is an icon and nothing else is parsed: quick-pick labels, status-bar text,
 * setStatusBarMessage.
 */
export function iconText(s: string): string {
  return noIcons(visible(s));
}

/**
 * Quick-pick descriptions and details (shown with icons, and as Markdown in their hover), and
 * workspace folder names (VS Code puts them into descriptions of its own quick picks).
 */
export function pickText(s: string): string {
  return noAutolinks(noLinks(noIcons(visible(s))));
}

/** Plain-text places: tree item labels, descriptions and string tooltips, quick-input titles and placeholders, dialog titles, decoration tooltips. */
export function plainText(s: string): string {
  return visible(s);
}

/**
 * Markdown for MarkdownString.appendMarkdown that renders as exactly `s` (controls made visible):
 * every ASCII punctuation character is backslash-escaped (CommonMark and marked allow that for
 * all of them), which stops emphasis, links, images, HTML, entities, and autolinks (no "://",
 * "www." or "@" survives as such); "$(" gets a word joiner first, because a MarkdownString with
 * supportThemeIcons renders icons in the HTML that Markdown made. Spaces and tabs become &nbsp;
 * (no indented code block, no trimming), as MarkdownString.appendText does.
 */
export function markdownText(s: string): string {
  return noIcons(visible(s))
    .replace(/[!-/:-@[-`{-~]/g, '\\$&')
    .replace(/[ \t]/g, '&nbsp;');
}

/** The output channel (plain text, saved and copied as text): controls visible; a line break of a message continues indented, so it cannot forge a log line. */
export function logText(s: string): string {
  return s.split('\n').map(visible).join('\n    ');
}
