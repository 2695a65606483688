// Offset → structure and field lookups over the structure tree. The tree's byte ranges do not nest
// strictly (a Rock Ridge entry in a continuation area lies outside its directory record), so the
// index cuts the offsets into elementary segments and stores, for each one, the innermost
// structure (deepest, then shortest) and the innermost field (shortest); a lookup is one binary
// search. Building is O(n log n) for the usual shallow overlap.

import type { FieldInfo, StructNode } from '../../../src/shared/sectorProtocol';

export interface FieldHit { field: FieldInfo; node: StructNode }

export interface Hit {
  /** The innermost structure covering the offset. */
  node: StructNode | null;
  /** The innermost field covering the offset (of any structure) and the structure it belongs to. */
  field: FieldInfo | null;
  fieldNode: StructNode | null;
}

/** A segment map: starts[i] .. starts[i+1] (exclusive) maps to items[i] (-1: nothing). */
export class SegmentMap {
  readonly starts: Float64Array;
  readonly items: Int32Array;

  /**
   * Items are intervals [ivStart[i], ivEnd[i]); `better(a, b)` is true when item a should win over
   * item b where both cover a segment. Empty intervals are ignored.
   */
  constructor(ivStart: ArrayLike<number>, ivEnd: ArrayLike<number>, better: (a: number, b: number) => boolean) {
    const n = ivStart.length;
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (ivEnd[i] > ivStart[i]) idx.push(i);
    const m = idx.length;
    // Items by start (the tree walk gives them nearly sorted), boundaries sorted numerically.
    const order = Int32Array.from(idx).sort((a, b) => ivStart[a] - ivStart[b]);
    const bounds = new Float64Array(m * 2);
    for (let k = 0; k < m; k++) { bounds[2 * k] = ivStart[order[k]]; bounds[2 * k + 1] = ivEnd[order[k]]; }
    bounds.sort();
    const segStarts: number[] = [];
    const segItems: number[] = [];
    const active: number[] = [];
    let p = 0;
    let prev = NaN;
    for (let k = 0; k < bounds.length; k++) {
      const b = bounds[k];
      if (b === prev) continue;
      prev = b;
      if (active.length > 0) {
        let w = 0;
        for (let r = 0; r < active.length; r++) if (ivEnd[active[r]] > b) active[w++] = active[r];
        active.length = w;
      }
      while (p < m && ivStart[order[p]] <= b) {
        if (ivEnd[order[p]] > b) active.push(order[p]);
        p++;
      }
      let best = -1;
      for (let r = 0; r < active.length; r++) if (best < 0 || better(active[r], best)) best = active[r];
      if (segItems.length > 0 && segItems[segItems.length - 1] === best) continue;
      segStarts.push(b);
      segItems.push(best);
    }
    this.starts = Float64Array.from(segStarts);
    this.items = Int32Array.from(segItems);
  }

  /** The item covering offset, or -1. */
  find(offset: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    if (hi < 0 || offset < s[0]) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.items[lo];
  }

  /** Segments overlapping [start, end): [segStart, segEnd, item] for items >= 0. */
  *overlapping(start: number, end: number): Generator<[number, number, number]> {
    const s = this.starts;
    if (s.length === 0) return;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= start) lo = mid;
      else hi = mid - 1;
    }
    for (let i = lo; i < s.length && s[i] < end; i++) {
      const segEnd = i + 1 < s.length ? s[i + 1] : Infinity;
      if (this.items[i] >= 0 && segEnd > start) yield [s[i], segEnd, this.items[i]];
    }
  }
}

function fieldMapOf(fields: readonly FieldInfo[]): SegmentMap {
  const n = fields.length;
  const st = new Float64Array(n);
  const en = new Float64Array(n);
  for (let i = 0; i < n; i++) { st[i] = fields[i].offset; en[i] = fields[i].offset + fields[i].length; }
  return new SegmentMap(st, en, (a, b) => en[a] - st[a] < en[b] - st[b]);
}

export class StructureIndex {
  readonly byId = new Map<string, StructNode>();
  /** Node → its index in `nodes`. */
  private readonly indexOf = new Map<StructNode, number>();
  private readonly nodes: StructNode[] = [];
  private readonly parentIdx: number[] = [];
  private readonly depthOf: number[] = [];
  private readonly fieldList: FieldInfo[] = [];
  private readonly fieldOwner: number[] = [];
  private readonly nodeMap: SegmentMap;
  private readonly fieldMap: SegmentMap;
  private readonly perNode = new Map<StructNode, SegmentMap>();

  constructor(readonly roots: readonly StructNode[]) {
    // Depth-first, in tree order, without recursion (trees can be deep).
    const stackNode: StructNode[] = [];
    const stackParent: number[] = [];
    for (let i = roots.length - 1; i >= 0; i--) { stackNode.push(roots[i]); stackParent.push(-1); }
    while (stackNode.length > 0) {
      const n = stackNode.pop()!;
      const parent = stackParent.pop()!;
      if (this.indexOf.has(n)) continue;
      const ni = this.nodes.length;
      this.indexOf.set(n, ni);
      this.nodes.push(n);
      this.parentIdx.push(parent);
      this.depthOf.push(parent < 0 ? 0 : this.depthOf[parent] + 1);
      if (!this.byId.has(n.id)) this.byId.set(n.id, n);
      const fs = n.fields;
      for (let i = 0; i < fs.length; i++) { this.fieldList.push(fs[i]); this.fieldOwner.push(ni); }
      for (let i = n.children.length - 1; i >= 0; i--) { stackNode.push(n.children[i]); stackParent.push(ni); }
    }
    const nn = this.nodes.length;
    const nStart = new Float64Array(nn);
    const nEnd = new Float64Array(nn);
    for (let i = 0; i < nn; i++) { nStart[i] = this.nodes[i].offset; nEnd[i] = this.nodes[i].offset + this.nodes[i].length; }
    const depth = this.depthOf;
    this.nodeMap = new SegmentMap(nStart, nEnd, (a, b) => {
      if (depth[a] !== depth[b]) return depth[a] > depth[b];
      const la = nEnd[a] - nStart[a];
      const lb = nEnd[b] - nStart[b];
      return la !== lb ? la < lb : nStart[a] > nStart[b];
    });
    const fl = this.fieldList;
    const fn = fl.length;
    const fStart = new Float64Array(fn);
    const fEnd = new Float64Array(fn);
    for (let i = 0; i < fn; i++) { fStart[i] = fl[i].offset; fEnd[i] = fl[i].offset + fl[i].length; }
    const owner = this.fieldOwner;
    this.fieldMap = new SegmentMap(fStart, fEnd, (a, b) => {
      const la = fEnd[a] - fStart[a];
      const lb = fEnd[b] - fStart[b];
      return la !== lb ? la < lb : depth[owner[a]] > depth[owner[b]];
    });
  }

  get nodeCount(): number { return this.nodes.length; }
  get fieldCount(): number { return this.fieldList.length; }

  nodeAt(offset: number): StructNode | null {
    const i = this.nodeMap.find(offset);
    return i >= 0 ? this.nodes[i] : null;
  }

  fieldAt(offset: number): FieldHit | null {
    const i = this.fieldMap.find(offset);
    return i >= 0 ? { field: this.fieldList[i], node: this.nodes[this.fieldOwner[i]] } : null;
  }

  at(offset: number): Hit {
    const node = this.nodeAt(offset);
    const f = this.fieldAt(offset);
    return { node, field: f ? f.field : null, fieldNode: f ? f.node : null };
  }

  /** The innermost field of one structure at offset (for tinting the selected structure). */
  fieldOf(node: StructNode, offset: number): FieldInfo | null {
    const m = this.nodeFields(node);
    const i = m.find(offset);
    return i >= 0 ? node.fields[i] : null;
  }

  /** The segment map of one structure's fields (items index node.fields). */
  nodeFields(node: StructNode): SegmentMap {
    let m = this.perNode.get(node);
    if (!m) {
      m = fieldMapOf(node.fields);
      this.perNode.set(node, m);
    }
    return m;
  }

  parent(node: StructNode): StructNode | null {
    const i = this.indexOf.get(node);
    if (i === undefined) return null;
    const p = this.parentIdx[i];
    return p >= 0 ? this.nodes[p] : null;
  }

  depth(node: StructNode): number {
    const i = this.indexOf.get(node);
    return i === undefined ? 0 : this.depthOf[i];
  }

  /** Root … node. */
  path(node: StructNode): StructNode[] {
    const out: StructNode[] = [];
    for (let n: StructNode | null = node; n; n = this.parent(n)) out.unshift(n);
    return out;
  }

  isAncestor(ancestor: StructNode, node: StructNode): boolean {
    for (let n = this.parent(node); n; n = this.parent(n)) if (n === ancestor) return true;
    return false;
  }
}
