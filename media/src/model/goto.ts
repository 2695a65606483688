// The "Go to" field's little language. An expression is a sum of terms:
//   32768        a byte offset (decimal)          0x8000 / 8000h   a byte offset (hex)
//   lba 16       a 2048-byte sector (also "lba16", "sector 16", "s16")
//   end          the last byte                    start            byte 0
//   32k / 2m / 1g  KiB / MiB / GiB
// joined by + and -, e.g. "lba 16 + 0x9c", "end - 0x800". A leading + or - makes the expression
// relative to the cursor: "+16", "-0x10", "+lba 1". The result is clamped into the document.

export interface GotoContext { cursor: number; size: number; sectorSize: number }

export type GotoResult =
  | { ok: true; offset: number; clamped: boolean; relative: boolean }
  | { ok: false; error: string };

export const GOTO_PLACEHOLDER = 'Go to: 0x8000 · 32768 · lba 16 · lba 16 + 0x9c · +16 · -0x10 · end';

export const GOTO_HELP =
  'Byte offset: 32768 or 0x8000 (or 8000h); sector: lba 16 (2048-byte LBA); end; start.\n' +
  'Sums: lba 16 + 0x9c, end - 0x800. Units: 32k, 2m, 1g.\n' +
  'Relative to the cursor: +16, -0x10, +lba 1.';

type Tok = { t: 'num'; v: number } | { t: 'op'; v: '+' | '-' } | { t: 'word'; v: string };

const UNITS: Record<string, number> = { k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
const SECTOR_WORDS = new Set(['lba', 'sector', 's']);

function tokenize(input: string): Tok[] | string {
  const out: Tok[] = [];
  const s = input.toLowerCase().replace(/_/g, '');
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c) || c === ',') { i++; continue; }
    if (c === '+' || c === '-') { out.push({ t: 'op', v: c }); i++; continue; }
    let m: RegExpMatchArray | null;
    const rest = s.slice(i);
    if ((m = /^0x([0-9a-f]+)/.exec(rest))) {
      out.push({ t: 'num', v: parseInt(m[1], 16) });
      i += m[0].length;
    } else if ((m = /^([0-9][0-9a-f]*)h(?![a-z0-9])/.exec(rest))) {
      out.push({ t: 'num', v: parseInt(m[1], 16) });
      i += m[0].length;
    } else if ((m = /^[0-9]+/.exec(rest))) {
      let v = parseInt(m[0], 10);
      i += m[0].length;
      const u = /^(kib|kb|k|mib|mb|m|gib|gb|g)(?![a-z0-9])/.exec(s.slice(i));
      if (u) { v *= UNITS[u[1]]; i += u[0].length; }
      if (/^[0-9a-z]/.test(s.slice(i))) return `"${input.slice(i - m[0].length).split(/[\s+-]/)[0]}" is not a number (hex needs 0x, e.g. 0x8000)`;
      out.push({ t: 'num', v });
    } else if ((m = /^[a-z]+/.exec(rest))) {
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    } else {
      return `unexpected "${c}"`;
    }
  }
  return out;
}

/** Parses a go-to expression; offsets are clamped to [0, size - 1]. */
export function parseGoto(input: string, ctx: GotoContext): GotoResult {
  const toks = tokenize(input.trim());
  if (typeof toks === 'string') return { ok: false, error: toks };
  if (toks.length === 0) return { ok: false, error: 'empty — ' + GOTO_PLACEHOLDER.replace(/^Go to: /, 'try ') };
  let i = 0;
  let relative = false;
  let total = 0;
  let sign = 1;
  if (toks[0].t === 'op') {
    relative = true;
    sign = toks[0].v === '-' ? -1 : 1;
    i = 1;
  }
  let expectTerm = true;
  while (i < toks.length) {
    const tk = toks[i];
    if (expectTerm) {
      let v: number;
      if (tk.t === 'num') {
        v = tk.v;
        i++;
      } else if (tk.t === 'word') {
        if (tk.v === 'end') { v = Math.max(0, ctx.size - 1); i++; }
        else if (tk.v === 'start' || tk.v === 'begin') { v = 0; i++; }
        else if (SECTOR_WORDS.has(tk.v)) {
          const n = toks[i + 1];
          if (!n || n.t !== 'num') return { ok: false, error: `"${tk.v}" needs a sector number, e.g. lba 16` };
          v = n.v * ctx.sectorSize;
          i += 2;
        } else {
          return { ok: false, error: `unknown word "${tk.v}" (use lba N, end, start, or a number)` };
        }
      } else {
        return { ok: false, error: 'two operators in a row' };
      }
      if (!Number.isSafeInteger(v)) return { ok: false, error: 'number too large' };
      total += sign * v;
      expectTerm = false;
    } else {
      if (tk.t !== 'op') return { ok: false, error: 'expected + or - between terms' };
      sign = tk.v === '-' ? -1 : 1;
      expectTerm = true;
      i++;
    }
  }
  if (expectTerm) return { ok: false, error: 'expression ends with an operator' };
  const raw = relative ? ctx.cursor + total : total;
  const last = Math.max(0, ctx.size - 1);
  const offset = Math.min(Math.max(0, raw), last);
  return { ok: true, offset, clamped: offset !== raw, relative };
}
