// The selected structure drawn over the grid: for each byte on screen, the kind of the field it
// belongs to (a tint class) and the field's edges (first byte, last byte, a field with a problem).
// Pure: the renderer fills two byte arrays per frame and the grid turns them into classes.

import type { StructNode } from '../../../src/shared/sectorProtocol';
import type { StructureIndex } from './structIndex';

/** Field kinds by index; 0 is "no field". Tint classes are `k-<kind>`. */
export const KINDS = ['', 'number', 'text', 'date', 'flags', 'enum', 'pointer', 'length', 'checksum', 'reserved', 'bytes', 'guid', 'magic'] as const;
export const KIND_INDEX: Record<string, number> = Object.fromEntries(KINDS.map((k, i) => [k, i]));
export const EDGE_START = 1;
export const EDGE_END = 2;
/** The byte belongs to a field with a problem (bad checksum, both-endian mismatch, …). */
export const EDGE_PROBLEM = 4;

/**
 * Clears kinds and edges (index 0 is byte `base`) and marks the fields of `node` that overlap
 * [base, end): KIND_INDEX of the field's kind, and EDGE_* bits.
 */
export function decorateFields(index: StructureIndex, node: StructNode | null, base: number, end: number, kinds: Uint8Array, edges: Uint8Array): void {
  kinds.fill(0);
  edges.fill(0);
  if (!node || node.fields.length === 0 || node.offset >= end || node.offset + node.length <= base) return;
  for (const [s, e, i] of index.nodeFields(node).overlapping(base, end)) {
    const field = node.fields[i];
    const k = KIND_INDEX[field.kind] ?? 0;
    const from = Math.max(s, base);
    const to = Math.min(e, end);
    kinds.fill(k, from - base, to - base);
    if (field.problem) for (let o = from; o < to; o++) edges[o - base] |= EDGE_PROBLEM;
    if (s >= base) edges[s - base] |= EDGE_START;
    if (e - 1 < end && e - 1 >= base) edges[e - 1 - base] |= EDGE_END;
  }
}
