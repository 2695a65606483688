// Text from an image made safe to print on a terminal or to store in a line-oriented text file
// (the CLI's human-readable output, extraction's rename list): control characters, bidi
// characters and the backslash escaped, visibly and reversibly:
//   \\  a backslash            \n \r \t  LF, CR, TAB
//   \xHH  another C0 control or DEL       \uHHHH  a C1 control, a bidi or line/paragraph
//   separator character, a BOM, or a lone surrogate half.
// Everything else — printable ASCII, accents, CJK, emoji — stays as it is.

// C0, DEL, C1, ALM, LRM/RLM, LS/PS, LRE..RLO, LRI..PDI, BOM, lone surrogates (matching controls
// is the point); and the backslash, the escape character itself.
// eslint-disable-next-line no-control-regex
const SPECIAL = /[\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|\p{Cs}/gu;
// eslint-disable-next-line no-control-regex
const SPECIAL_KEEP_TAB = /[\\\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|\p{Cs}/gu;

const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const cp = c.codePointAt(0)!;
  return cp < 0x80 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/**
 * A string from an image (or anything quoting one: an error message, a warning), made safe to
 * print: controls, bidi characters and backslashes escaped as described above.
 * `keepTab` leaves TAB as it is (grep's matching lines: indentation stays readable).
 */
export function termText(s: string, opts: { keepTab?: boolean } = {}): string {
  return s.replace(opts.keepTab ? SPECIAL_KEEP_TAB : SPECIAL, escapeChar);
}

/** The inverse of termText and of the inside of quoted() (for tests, and for scripts that want the exact name back). */
export function unescapeTermText(s: string): string {
  return s.replace(/\\(\\|"|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_, e: string) => {
    if (e === '\\' || e === '"') return e;
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    return String.fromCharCode(parseInt(e.slice(1), 16));
  });
}

