// Resource budgets: how much of an image the engine will read, list, follow or expand before it
// stops with a typed error (LimitExceededError) or a warning. Every size and count a parser takes
// from an image is bounded by one of these (or by a fixed bound beside its structure, listed in
// docs/formats.md "Budgets"), so a hostile image of a few hundred KB cannot make the engine hang,
// recurse without end or allocate without bound. The defaults are far above anything a real disc
// holds; each can be changed per opened image (OpenOptions.limits), from the CLI (--limit
// NAME=VALUE) and in VS Code (isoWorkbench.limits.* settings).

export interface Limits {
  /** Entries listed in one directory; the rest of a larger directory is skipped with a warning. */
  entriesPerDirectory: number;
  /** Entries one whole-tree walk visits (ls -R, extract, search, repack); beyond: LimitExceededError. */
  entriesPerWalk: number;
  /** SUSP continuation areas followed for one directory record (SUSP 5.1 CE chains). */
  continuationsPerRecord: number;
  /** SUSP continuation areas followed while listing one directory. */
  continuationsPerDirectory: number;
  /** Distinct SUSP continuation areas one opened image follows in all. */
  continuationsPerImage: number;
  /** Extents (multi-extent sections) of one file; more are left out with a warning. */
  extentsPerFile: number;
  /**
   * Largest expanded:recorded size ratio of a compressed file (zisofs) that is expanded without
   * being asked to; 0 = no limit. Files expanding to at most `expansionFloor` bytes are exempt.
   */
  expansionRatio: number;
  /** Expanded size (bytes) up to which the expansion ratio is not checked. */
  expansionFloor: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  entriesPerDirectory: 1_048_576,
  entriesPerWalk: 16_777_216,
  continuationsPerRecord: 32,
  continuationsPerDirectory: 65_536,
  continuationsPerImage: 1_048_576,
  extentsPerFile: 65_536,
  expansionRatio: 1024,
  expansionFloor: 16 * 1024 * 1024,
});

/** What each limit is, for messages and `--limit` help. */
export const LIMIT_DESCRIPTIONS: Readonly<Record<keyof Limits, string>> = Object.freeze({
  entriesPerDirectory: 'entries listed in one directory',
  entriesPerWalk: 'entries visited by one walk of the tree',
  continuationsPerRecord: 'Rock Ridge continuation areas followed for one directory record',
  continuationsPerDirectory: 'Rock Ridge continuation areas followed in one directory',
  continuationsPerImage: 'distinct Rock Ridge continuation areas followed in one image',
  extentsPerFile: 'extents of one file',
  expansionRatio: 'expanded:recorded size ratio of a compressed file (0 = no limit)',
  expansionFloor: 'expanded size in bytes below which the expansion ratio is not checked',
});

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as Array<keyof Limits>;

/** The defaults with `over` applied; every value must be a non-negative safe integer. */
export function resolveLimits(over?: Partial<Limits>): Limits {
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(over ?? {}) as Array<[keyof Limits, number | undefined]>) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_LIMITS)) throw new RangeError(`unknown limit ${k} (known: ${LIMIT_NAMES.join(', ')})`);
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`limit ${k} must be a non-negative integer (got ${v})`);
    out[k] = v;
  }
  return out;
}

/**
 * Parses `NAME=VALUE` (VALUE a count, or bytes with a K/M/G suffix) into a partial Limits.
 * Throws RangeError with a readable message on anything else.
 */
export function parseLimit(s: string): Partial<Limits> {
  const m = /^([A-Za-z]+)=(\d+)([KMG]?)$/i.exec(s.trim());
  if (!m) throw new RangeError(`--limit wants NAME=VALUE (got ${s}); names: ${LIMIT_NAMES.join(', ')}`);
  const name = LIMIT_NAMES.find(n => n.toLowerCase() === m[1].toLowerCase());
  if (!name) throw new RangeError(`unknown limit ${m[1]}; names: ${LIMIT_NAMES.join(', ')}`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[3].toUpperCase() as '' | 'K' | 'M' | 'G'];
  const v = Number(m[2]) * mult;
  if (!Number.isSafeInteger(v)) throw new RangeError(`limit ${name}: ${s} is too large`);
  return { [name]: v };
}
