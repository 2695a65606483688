// How the webview writes bytes, offsets and sizes (the grid's cells, 0x offsets, grouped
// decimals, KiB/MiB): small helpers shared by its components (pure: no DOM).

export const ROW_BYTES = 16;

/** "00".."FF" for every byte value. */
export const HEX2: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

/** The ASCII column: printable ASCII as itself, everything else as '.'. */
export const ASCII_CHAR: readonly string[] = Array.from({ length: 256 }, (_, b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'));

export function isPrintable(b: number): boolean {
  return b >= 0x20 && b < 0x7f;
}

/** Hex digits needed to show every offset of a document of `size` bytes (at least 8). */
export function offsetDigits(size: number): number {
  return Math.max(8, Math.max(0, size - 1).toString(16).length);
}

export function hexOffset(offset: number, digits = 8): string {
  return offset.toString(16).toUpperCase().padStart(digits, '0');
}

/** "0x8000" */
export function hex0x(n: number): string {
  return '0x' + n.toString(16).toUpperCase();
}

/** 1234567 → "1,234,567" (locale independent, for stable tests). */
export function grouped(n: number): string {
  const s = String(Math.trunc(Math.abs(n)));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return (n < 0 ? '-' : '') + out;
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

/** "1 byte", "2,048 bytes" */
export function bytesLabel(n: number): string {
  return n === 1 ? '1 byte' : `${grouped(n)} bytes`;
}
