// `--limit NAME=VALUE` (any command that opens an image): the engine's resource budgets
// (src/engine/limits.ts) for this run, e.g. `--limit expansionRatio=0` to expand a zisofs file
// whatever its ratio, `--limit entriesPerWalk=100000000` for a huge image.
import { LIMIT_DESCRIPTIONS, LIMIT_NAMES, parseLimit, type Limits } from '../engine/limits';
import { UsageError } from './errors';

export function limitsOption(values: readonly string[] | undefined): Partial<Limits> | undefined {
  if (!values || values.length === 0) return undefined;
  const out: Partial<Limits> = {};
  for (const v of values) {
    try {
      Object.assign(out, parseLimit(v));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return out;
}

export const LIMITS_HELP = `limits (--limit NAME=VALUE, repeatable; VALUE a count, or bytes with K/M/G):\n${LIMIT_NAMES.map(n => `  ${n.padEnd(26)} ${LIMIT_DESCRIPTIONS[n]}`).join('\n')}`;
