// Text for people: what `isowb` prints in its human-readable output (everything but --json and
// `cat`) goes through these, whether stdout is a terminal or not — a log file viewed later with
// `cat` or `less -R` is a terminal too. Names, volume ids, symlink targets and messages from an
// image can hold ESC and other control characters (an OSC sequence retitles the terminal, CSI 2J
// clears it, CR overwrites what was printed), C1 controls (U+009B is CSI on terminals that honour
// 8-bit controls) and bidi overrides (they reorder the rest of the line).
//
// The escaped form (src/engine/util/escape.ts) is visible and reversible (unescapeTermText()
// gives back the string).
// --json output is never escaped (JSON.stringify keeps strings exact; the reader decodes them).

import { termText } from '../engine/util/escape';

export { termText, unescapeTermText } from '../engine/util/escape';

/** `"…"` around termText, with `"` escaped as `\"` (for names inside a line of other text). */
export function quoted(s: string): string {
  return `"${termText(s).replace(/"/g, '\\"')}"`;
}

/** Writes `isowb: warning: MESSAGE` (escaped) to stderr. */
export function warnLine(message: string): void {
  process.stderr.write(`isowb: warning: ${termText(message)}\n`);
}
