// The CLI's one error-to-exit-code rule: usage errors print the usage and exit 2; engine errors
// (which name the image, the structure and the offset) and system-call errors print one line;
// anything else is a bug and prints its stack. `errorCode` is 1, except for grep (2).
// Messages quote names from the image and the command line: they are printed escaped
// (src/cli/terminal.ts), never with raw control characters.
import { IsoError } from '../engine/errors';
import { termText } from './terminal';

/** Bad command line: the message, then the usage, exit 2. */
export class UsageError extends Error {}

export function reportError(e: unknown, usage: string, errorCode = 1): number {
  if (e instanceof UsageError) {
    process.stderr.write(`isowb: ${termText(e.message)}\n\n${usage}\n`);
    return 2;
  }
  if (e instanceof IsoError) {
    process.stderr.write(`isowb: ${termText(e.message)}\n`);
    return errorCode;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.syscall) {
    process.stderr.write(`isowb: ${termText(err.message)}\n`);
    return errorCode;
  }
  // (a stack keeps its lines; each is escaped)
  process.stderr.write(`isowb: internal error: ${String(err?.stack ?? e).split('\n').map(l => termText(l)).join('\n')}\n`);
  return errorCode;
}
