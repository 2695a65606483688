// Numbers and bytes as hex, for messages, the structure map and the webview (no Buffer here).

/** `0x`-prefixed hex of a number, zero-padded to `width` digits. */
export function hex(n: number, width = 2): string { return '0x' + n.toString(16).padStart(width, '0'); }

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Raw bytes as hex, one flat string (joined: a structure view holds ~100,000 of them, and built
 * by `+=` per byte each was a rope of one string per byte). Also used by the webview: no Buffer.
 */
export function toHex(b: Uint8Array, max = 64): string {
  const n = Math.min(b.length, max);
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) parts[i] = HEX_PAIRS[b[i]];
  const s = parts.join('');
  return b.length > max ? s + '…' : s;
}
