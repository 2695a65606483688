// Text search queries and path globs: what a text search (searchText.ts) looks for and in which
// files. A query compiles to one regular expression for a line and, for literals, one for a block
// of whole lines (no backtracking); globs compile to anchored regular expressions on image paths.
import { InvalidArgumentError } from '../errors';

export interface SearchQuery {
  pattern: string;
  /** Default false (literal). */
  isRegExp?: boolean;
  /** Default false. */
  isCaseSensitive?: boolean;
  /** Default false. The match must not touch a letter, digit, mark or underscore on either side. */
  isWordMatch?: boolean;
}

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
