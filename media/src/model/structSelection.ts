// The structure panel's model: the decoded roots, their index, and which structure is selected.
// A selection survives a new decoding by id; one inside a lazy node that is not expanded yet
// waits for its children. Pure (the panel and the tree are drawn from it).

import type { StructNode } from '../../../src/shared/sectorProtocol';
import { StructureIndex } from './structIndex';

export class StructSelection {
  roots: StructNode[] = [];
  index = new StructureIndex([]);
  selected: StructNode | null = null;
  /** A selected node not in the tree yet (inside a lazy node being re-expanded). */
  private wanted: string | null = null;

  /** A new decoding: the selected id is looked up again (or waited for). */
  setRoots(roots: StructNode[]): void {
    this.roots = roots;
    this.index = new StructureIndex(roots);
    const selId = this.selected?.id ?? this.wanted;
    this.selected = selId ? this.index.byId.get(selId) ?? null : null;
    this.wanted = selId && !this.selected ? selId : null;
  }

  /** Is the node with this id in the tree? */
  has(id: string): boolean {
    return this.index.byId.has(id);
  }

  /** The children of a lazy node arrived (the caller checked that it is known). */
  addChildren(id: string, children: StructNode[]): void {
    const n = this.index.byId.get(id);
    if (!n) return;
    n.children = children;
    n.lazy = false;
    this.index = new StructureIndex(this.roots);
  }

  /** The waited-for selection, if it is in the tree now: it becomes the selection. */
  claimWanted(): StructNode | null {
    const want = this.wanted ? this.index.byId.get(this.wanted) : undefined;
    if (!want) return null;
    this.wanted = null;
    this.selected = want;
    return want;
  }

  select(node: StructNode | null): void {
    this.selected = node;
    this.wanted = null;
  }

  /**
   * The selection follows the cursor into the innermost structure when it leaves the selected
   * one; true when the selection changed.
   */
  follow(cursor: number): boolean {
    const cur = this.selected;
    if (cur && cursor >= cur.offset && cursor < cur.offset + cur.length) return false;
    const n = this.index.nodeAt(cursor);
    if (n === cur) return false;
    this.select(n);
    return true;
  }

  /** Root … selected, or null. */
  selectedPath(): StructNode[] | null {
    return this.selected ? this.index.path(this.selected) : null;
  }
}
