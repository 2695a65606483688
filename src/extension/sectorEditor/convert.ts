// Engine structures → the structure panel's nodes (src/shared/sectorProtocol.ts). Pure: the
// engine decides which nodes load their children lazily (subdirectories) and which checksums can
// be recomputed; this only reshapes and indexes.
import type { Structure } from '../../engine/structure/fields';
import type { StructNode } from '../../shared/sectorProtocol';

export interface ConvertHooks {
  isExpandable(s: Structure): boolean;
  fixableReason(s: Structure): string | undefined;
}

/** Converts a forest, recording every structure by id in `index` (for expand / fix requests). */
export function toNodes(structures: Structure[], hooks: ConvertHooks, index: Map<string, Structure>): StructNode[] {
  return structures.map(s => toNode(s, hooks, index));
}

function toNode(s: Structure, hooks: ConvertHooks, index: Map<string, Structure>): StructNode {
  index.set(s.id, s);
  const node: StructNode = {
    id: s.id, type: s.type, name: s.name, offset: s.offset, length: s.length, spec: s.spec,
    fields: s.fields.map(f => ({
      name: f.name, offset: f.offset, length: f.length, raw: f.raw, display: f.display, kind: f.kind,
      ...(f.spec ? { spec: f.spec } : {}), ...(f.problem ? { problem: f.problem } : {}),
    })),
    children: toNodes(s.children, hooks, index),
  };
  if (s.problems?.length) node.problems = [...s.problems];
  if (s.target) node.target = { ...s.target };
  // A subdirectory's record: its own children (SUSP entries) are here, the directory it points to
  // is loaded on expand.
  if (hooks.isExpandable(s)) node.lazy = true;
  const fix = hooks.fixableReason(s);
  if (fix) node.fixable = fix;
  return node;
}

/** Every structure of a forest, depth first. */
export function* walk(structures: Structure[]): Generator<Structure> {
  for (const s of structures) {
    yield s;
    yield* walk(s.children);
  }
}

/** The problems of a forest as one count (for the tab's description / logs). */
export function problemCount(structures: Structure[]): number {
  let n = 0;
  for (const s of walk(structures)) n += (s.problems?.length ?? 0);
  return n;
}
