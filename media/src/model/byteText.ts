// Bytes as text and text as bytes: the copy formats for a byte selection (hex, text, base64, C
// array), and the parsers for pasting hex or text into it and for hex search patterns.

import { HEX2 } from './notation';

/** Copies larger than this are refused (the clipboard is not a file transfer). */
export const MAX_COPY_BYTES = 16 * 1024 * 1024;

export type CopyFormat = 'hex' | 'text' | 'base64' | 'cArray';

export const COPY_FORMATS: ReadonlyArray<{ format: CopyFormat; label: string; command: string }> = [
  { format: 'hex', label: 'Copy as Hex', command: 'copyHex' },
  { format: 'text', label: 'Copy as Text', command: 'copyText' },
  { format: 'base64', label: 'Copy as Base64', command: 'copyBase64' },
  { format: 'cArray', label: 'Copy as C Array', command: 'copyCArray' },
];

/** "DE AD BE EF" — uppercase pairs separated by single spaces. */
export function toHex(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = HEX2[bytes[i]];
  return parts.join(' ');
}

/**
 * The bytes as the ASCII column shows them: printable ASCII as is, tab/CR/LF kept (so a text
 * file's lines survive), every other byte as '.'.
 */
export function toText(bytes: Uint8Array): string {
  let s = '';
  const CHUNK = 8192;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const part = bytes.subarray(i, i + CHUNK);
    const codes = new Array<number>(part.length);
    for (let j = 0; j < part.length; j++) {
      const b = part[j];
      codes[j] = (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d ? b : 0x2e;
    }
    s += String.fromCharCode(...codes);
  }
  return s;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (RFC 4648, with padding). */
export function toBase64(bytes: Uint8Array): string {
  const out: string[] = [];
  let chunk = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    chunk += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + B64[v & 63];
    if (chunk.length >= 16384) { out.push(chunk); chunk = ''; }
  }
  if (i < n) {
    const v = (bytes[i] << 16) | ((i + 1 < n ? bytes[i + 1] : 0) << 8);
    chunk += B64[v >> 18] + B64[(v >> 12) & 63] + (i + 1 < n ? B64[(v >> 6) & 63] : '=') + '=';
  }
  out.push(chunk);
  return out.join('');
}

/** A C array declaration, 12 bytes per line. */
export function toCArray(bytes: Uint8Array, name = 'data'): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 12) {
    const row: string[] = [];
    for (let j = i; j < Math.min(bytes.length, i + 12); j++) row.push('0x' + HEX2[bytes[j]]);
    lines.push('  ' + row.join(', ') + (i + 12 < bytes.length ? ',' : ''));
  }
  return `const unsigned char ${name}[${bytes.length}] = {\n${lines.join('\n')}${lines.length ? '\n' : ''}};\n`;
}

export function formatBytes(bytes: Uint8Array, format: CopyFormat): string {
  switch (format) {
    case 'hex': return toHex(bytes);
    case 'text': return toText(bytes);
    case 'base64': return toBase64(bytes);
    case 'cArray': return toCArray(bytes);
  }
}

/**
 * Parses pasted hex: pairs of digits, optionally separated by spaces, commas, colons or dashes,
 * with optional 0x prefixes ("DE AD", "0xde,0xad", "dead", "de:ad"). Null when it is not hex.
 */
export function parseHex(text: string): Uint8Array | null {
  const t = text.trim();
  if (t === '') return null;
  const tokens = t.split(/[\s,;:-]+/).filter((x) => x !== '');
  let digits = '';
  for (let tok of tokens) {
    if (/^0x/i.test(tok)) {
      tok = tok.slice(2);
      if (tok.length === 1) tok = '0' + tok;
    }
    if (!/^[0-9a-f]+$/i.test(tok) || tok.length % 2 !== 0) return null;
    digits += tok;
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.substr(i * 2, 2), 16);
  return out;
}

/** Text as bytes, one byte per character; null when a character is beyond U+00FF. */
export function textToBytes(text: string): Uint8Array | null {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return null;
    out[i] = c;
  }
  return out;
}

/** Checks a hex search pattern the way the host reads it: pairs of digits, spaces, `??` wildcards. */
export function hexPatternError(p: string): string | null {
  const t = p.replace(/\s+/g, '');
  if (t === '') return 'empty pattern';
  if (!/^([0-9a-fA-F]{2}|\?\?)+$/.test(t)) return 'hex pattern: pairs of hex digits (spaces allowed) and ?? for any byte';
  if (/^(\?\?)+$/.test(t)) return 'the pattern needs at least one fixed byte';
  return null;
}
