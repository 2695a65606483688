// The `isowb` URI scheme: "a path inside an image". Pure string functions (no `vscode` import) so
// they are unit-tested in plain Node; src/provider/registry.ts wraps them for vscode.Uri.
//
//   isowb://<key>/<path inside the image>
//   key = <base32(image URI)>[.s<session>]
//
// The authority carries the image's own URI (any scheme: file, vscode-remote, isowb for an image
// inside an image, …) as RFC 4648 base32 in lower case without padding. The alphabet [a-z2-7] is
// legal in an authority without escaping and is immune to case folding (VS Code compares
// authorities case-insensitively), so two images with the same name in different folders get
// different keys, the same image always gets the same key (opening it twice shares one engine),
// and spaces, '#', '?', '%' and non-ASCII in the image's path survive every round trip. The inner
// path is an ordinary URI path; VS Code escapes and unescapes it.

import * as nodePath from 'node:path';
import type { PathModule } from '../engine/hostPaths';

export const SCHEME = 'isowb';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const DECODE = new Map([...ALPHABET].map((c, i) => [c, i]));

/** RFC 4648 base32 of the UTF-8 bytes, lower case, no padding. */
export function base32Encode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Inverse of base32Encode; throws on characters outside the alphabet or invalid UTF-8. */
export function base32Decode(code: string): string {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of code.toLowerCase()) {
    const v = DECODE.get(c);
    if (v === undefined) throw new Error(`not base32: ${JSON.stringify(c)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
}

export interface ImageKey {
  /** The image's own URI, as a string (vscode.Uri.toString()). */
  image: string;
  /** 1-based session to show (multi-session images); undefined = the newest. */
  session?: number;
}

/** The authority for an image (and optionally one of its sessions). */
export function encodeKey(key: ImageKey): string {
  const enc = base32Encode(key.image);
  return key.session !== undefined ? `${enc}.s${key.session}` : enc;
}

/** Parses an authority made by encodeKey; throws a readable Error for anything else. */
export function decodeKey(authority: string): ImageKey {
  const m = /^([a-z2-7]+)(?:\.s([1-9][0-9]{0,3}))?$/i.exec(authority);
  if (!m) throw new Error(`not an ISO Workbench image key: ${JSON.stringify(authority.slice(0, 80))}`);
  let image: string;
  try {
    image = base32Decode(m[1]);
  } catch {
    throw new Error(`not an ISO Workbench image key (bad encoding): ${JSON.stringify(authority.slice(0, 80))}`);
  }
  if (!/^[a-z][a-z0-9+.-]*:/i.test(image)) throw new Error(`not an ISO Workbench image key (no URI inside): ${JSON.stringify(authority.slice(0, 80))}`);
  return m[2] ? { image, session: Number(m[2]) } : { image };
}

/** Normalises a path inside an image: leading "/", no trailing "/", no empty or "." parts. */
export function normalizeInnerPath(p: string): string {
  const parts = p.split('/').filter(x => x !== '' && x !== '.');
  if (parts.includes('..')) throw new Error(`".." is not allowed in a path inside an image: ${p}`);
  return '/' + parts.join('/');
}

/**
 * Whether a string given for an image (a command's argument from a script) is a URI rather than a
 * host path: a scheme of two or more letters, then ':/' (`file:///…`, `isowb://…`,
 * `vscode-remote://…`), and not an absolute host path. `C:\x.iso`, `C:/x.iso` (a drive letter is
 * one letter), `\\server\share\x.iso`, `/home/me/a:b.iso` and `a:b.iso` are host paths.
 */
export function isUriString(s: string, pm: PathModule = nodePath): boolean {
  return /^[a-z][a-z0-9+.-]+:\//i.test(s) && !pm.isAbsolute(s);
}
