// Pass 2, build hierarchies: the ISO 9660 directory hierarchy (with Rock Ridge entries and
// relocation) and the Joliet one. Reads the job's tree and options and the data plan's extent
// counts (a record per extent); produces the directories with their sizes (no LBAs yet). May leave
// an empty /rr_moved of the tree out (with a note) so Rock Ridge relocation can use the name.
import { InvalidArgumentError } from '../../errors';
import { buildHierarchy, type HDir } from '../hierarchy';
import type { WNode } from '../tree';
import type { WriteJob } from './job';
import type { PlannedData } from './planData';

export interface Hierarchies {
  iso: HDir[];
  /** null without Joliet. */
  jol: HDir[] | null;
}

export function buildHierarchies(job: WriteJob, data: PlannedData): Hierarchies {
  if (job.rock) reserveRelocationName(job);
  const common = { level: job.level, jolietMax: job.jolietMax, extentCount: data.extentCount, imageName: job.imageName };
  const iso = buildHierarchy(job.tree, { kind: 'iso', rock: job.rock, ...common, keepIdentifier: job.keepIdentifier });
  const jol = job.joliet ? buildHierarchy(job.tree, { kind: 'joliet', rock: false, ...common, keepIdentifier: job.keepJolietIdentifier }) : null;
  return { iso, jol };
}

/**
 * Rock Ridge relocates directories deeper than 8 levels into /rr_moved, and readers know that
 * directory by its name (libarchive calls any other place of an RE entry invalid; ours and
 * libarchive hide it). A tree that needs relocation and has a /rr_moved of its own: an empty
 * directory (what a mounted or extracted image shows of its relocation directory) is left out
 * with a note; anything else is refused, naming it.
 */
function reserveRelocationName(job: WriteJob): void {
  const own = job.tree.children?.find((c) => c.name === 'rr_moved');
  if (!own) return;
  const deep = (n: WNode, depth: number): boolean => n.type === 'dir' && (depth > 8 || (n.children ?? []).some((c) => deep(c, depth + 1)));
  if (!(job.tree.children ?? []).some((c) => deep(c, 2))) return;
  if (own.type === 'dir' && (own.children ?? []).length === 0) {
    job.tree.children = job.tree.children!.filter((c) => c !== own);
    job.notes.push('/rr_moved: an empty directory of the name Rock Ridge gives its relocation directory (directories deeper than 8 levels go there); left out, the relocation directory takes its place');
    return;
  }
  throw new InvalidArgumentError(`/rr_moved: the tree has directories deeper than 8 levels, which Rock Ridge relocates into a directory of this name (readers know it by its name), and a ${own.type === 'dir' ? 'non-empty directory' : own.type} of its own named rr_moved: rename it`, { image: job.imageName, structure: 'directory tree' });
}
