// Pass 1, plan data: where each distinct file's data comes from and whether it stays in place.
// Reads the job's tree (and layout, source); produces one DataPlan per distinct data (hard links
// share one; the boot catalog file is not data, the catalog pass writes it) in tree order, which
// is the order the allocate pass lays new data out in. No LBA is known yet: `alloc` is filled in
// by the allocate pass.
import { MAX_EXTENT, type FileExtent } from '../hierarchy';
import { walkTree, type DataRef, type WNode } from '../tree';
import { SECTOR_SIZE } from '../../bytes/sector';
import { preserving, type WriteJob } from './job';

export interface DataPlan {
  /** Preserve layout: the data stays at its extents in the copied source. */
  keep: boolean;
  size: number;
  data: DataRef;
  /** Set by the allocate pass: the first LBA and the extents recorded for the data. */
  alloc?: { lba: number; extents: FileExtent[] };
}

export interface PlannedData {
  preserve: boolean;
  /** The boot catalog file in the tree (its record points at the catalog, not at data). */
  catalogNode: WNode | null;
  /** One plan per distinct data, in the order first seen. */
  plans: Map<string | object, DataPlan>;
  /** The plan of some data, added when first asked for (boot images outside the tree). */
  planFor(d: DataRef): DataPlan;
  dataOf(n: WNode): DataRef | null;
  /** Directory records a node needs (several for a file over MAX_EXTENT, or kept multi-extent). */
  extentCount(n: WNode): number;
}

/** The identity of data: image data by its first byte and size, host files by path or id. */
export function dataKey(d: DataRef): string | object {
  if (d.kind === 'image') return `i:${d.ranges[0]?.offset ?? -1}:${d.size}`;
  if (d.kind === 'file') return d.id ? `h:${d.id}` : `f:${d.path}`;
  return d;
}

/** Can this image data stay where it is (preserve layout)? Plain extents only: each extent is one
 *  range starting at its LBA (no extended attribute record, not interleaved). */
function preservable(d: DataRef): boolean {
  if (d.kind !== 'image') return false;
  const real = d.extents.filter((e) => e.length > 0);
  const ranges = d.ranges.filter((r) => r.length > 0);
  if (real.length !== ranges.length) return false;
  return real.every((e, i) => !ranges[i].stride && ranges[i].offset === e.lba * SECTOR_SIZE && ranges[i].length === e.length);
}

export function planData(job: WriteJob): PlannedData {
  const preserve = preserving(job);
  // Looked up per record several times, so the plan is also remembered per DataRef object.
  const plans = new Map<string | object, DataPlan>();
  const planOf = new WeakMap<DataRef, DataPlan>();
  const dataOf = (n: WNode): DataRef | null => (n.type === 'file' ? n.data : null);
  const planFor = (d: DataRef): DataPlan => {
    let p = planOf.get(d);
    if (p) return p;
    const k = dataKey(d);
    p = plans.get(k);
    if (!p) {
      p = { keep: preserve && preservable(d), size: d.size, data: d };
      plans.set(k, p);
    }
    planOf.set(d, p);
    return p;
  };
  const catalogNode = job.boot?.catalogNode ?? null;
  for (const n of walkTree(job.tree)) {
    if (n === catalogNode) continue;
    const d = dataOf(n);
    if (d) planFor(d);
  }
  const extentCount = (n: WNode): number => {
    if (n === catalogNode) return 1;
    const d = dataOf(n);
    if (!d) return 1;
    const p = planFor(d);
    if (p.keep && d.kind === 'image') return Math.max(1, d.extents.length);
    return Math.max(1, Math.ceil(d.size / MAX_EXTENT));
  };
  return { preserve, catalogNode, plans, planFor, dataOf, extentCount };
}
