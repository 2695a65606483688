// Typing over bytes. In the hex column a byte takes two nibbles: the first one shows at once
// (the low nibble keeps its old value) and the byte is committed after the second one, or when the
// cursor leaves it. In the ASCII column every printable character commits one byte.

export interface PendingNibble {
  offset: number;
  /** The byte as shown: the typed high nibble and the original low nibble. */
  value: number;
}

export interface Commit { offset: number; value: number }

export interface InputResult {
  pending: PendingNibble | null;
  /** Bytes to send to the host, in order (a left-behind half byte, then this one). */
  commits: Commit[];
  /** The cursor moves to the next byte. */
  advance: boolean;
}

/** 0..15 for a hex digit key, else -1. */
export function hexDigit(key: string): number {
  if (key.length !== 1) return -1;
  const c = key.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** A nibble typed in the hex column at `offset`, whose current byte is `original`. */
export function typeNibble(pending: PendingNibble | null, offset: number, digit: number, original: number): InputResult {
  const commits: Commit[] = [];
  if (pending && pending.offset !== offset) {
    commits.push({ offset: pending.offset, value: pending.value });
    pending = null;
  }
  if (!pending) {
    return { pending: { offset, value: ((digit & 0xf) << 4) | (Math.max(0, original) & 0x0f) }, commits, advance: false };
  }
  commits.push({ offset, value: (pending.value & 0xf0) | (digit & 0xf) });
  return { pending: null, commits, advance: true };
}

/** A character typed in the ASCII column; null when it is not one byte of printable ASCII. */
export function typeChar(pending: PendingNibble | null, offset: number, ch: string): InputResult | null {
  if (ch.length !== 1) return null;
  const c = ch.charCodeAt(0);
  if (c < 0x20 || c > 0x7e) return null;
  const commits: Commit[] = [];
  if (pending) commits.push({ offset: pending.offset, value: pending.value });
  commits.push({ offset, value: c });
  return { pending: null, commits, advance: true };
}

/** The cursor left the byte (or the view lost focus): a half-typed byte is committed. */
export function leave(pending: PendingNibble | null, newOffset?: number): InputResult {
  if (!pending || pending.offset === newOffset) return { pending, commits: [], advance: false };
  return { pending: null, commits: [{ offset: pending.offset, value: pending.value }], advance: false };
}
