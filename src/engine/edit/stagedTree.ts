// The staged tree model of the edit model (src/engine/edit/changeSet.ts): an overlay tree over an
// opened image's tree. Overlay nodes (ONode) stand for the entries that changed and the
// directories on their paths; everything else is still read from the image, through `Loc`s that
// point at an image node below an unmaterialised overlay node. This layer knows paths, lookup,
// materialisation, the public node shapes (EditedNode, ChangeSummary) and the derived state
// (what is gone, replaced, and the change summary); the changes themselves are ChangeSet's.
// Layers: StagedTree (this file) ← ValidatedTree (validation.ts) ← PersistentTree
// (savedChanges.ts) ← ChangeSet (changeSet.ts).
import * as fs from 'node:fs';
import type { DiscImage, FileNode } from '../image';
import type { EntryAttributes, EntryType, Namespace } from '../types';
import { MODE_BY_TYPE } from '../fileMode';
import { joinPath, parentPath } from '../paths';
import { EditError, type EditErrorCode } from './editError';

export type EntryData =
  | { kind: 'image'; node: FileNode }
  | { kind: 'file'; path: string; size: number };

export interface EditedNode extends EntryAttributes {
  name: string;
  /** Path in the edited tree ("/" for the root). */
  path: string;
  size: number;
  /** The original image entry this one is (renamed, modified or unchanged); null when new. */
  base: FileNode | null;
  /** Where the bytes of a regular file come from; null for directories, symlinks, devices. */
  data: EntryData | null;
  /** 'modified' = content or attributes changed, or renamed/moved (itself or an ancestor). */
  status: 'unchanged' | 'added' | 'modified';
}

export interface ChangeSummary {
  path: string;
  kind: 'added' | 'modified' | 'deleted' | 'renamed';
  /** Original path, for renamed entries and for modified entries inside a moved directory. */
  from?: string;
  isDirectory: boolean;
}

// ---- the overlay tree -------------------------------------------------------------------------

export interface ONode extends EntryAttributes {
  name: string;
  parent: ONode | null;
  /** Identity: the original entry this node is (null for new and copied entries). */
  base: FileNode | null;
  /** Where unchanged file bytes / directory children come from (the base, or a copy's source). */
  origin: FileNode | null;
  /** Staged content (a host file). */
  content: { path: string; size: number } | null;
  /** Content or attributes differ from the base. */
  changed: boolean;
  /** Children, once materialised (always for new directories). */
  kids: Map<string, ONode> | null;
  /** The origin directory's children when materialised (deleted-entry detection, serialisation). */
  origKids: FileNode[] | null;
}

/** A position in the edited tree: an overlay node, or an image node below an unmaterialised one. */
export interface Loc {
  o: ONode;
  f?: FileNode;
  path: string;
}

/** The overlay tree over one namespace tree of an image; ChangeSet adds the changes. */
export abstract class StagedTree {
  readonly image: DiscImage;
  protected readonly root: ONode;
  protected readonly ns: Namespace;
  protected readonly rock: boolean;
  protected readonly joliet: boolean;
  protected readonly stamp: { path: string; size: number; mtimeMs: number };
  protected version = 0;
  protected derived: { version: number; gone: FileNode[]; gonePaths: Set<string>; replaced: Set<string>; summary: ChangeSummary[] } | null = null;

  /** Edits the image's active namespace tree (Rock Ridge > Joliet > ISO 9660 unless switched). */
  protected constructor(image: DiscImage, imagePath: string) {
    this.image = image;
    this.ns = image.namespace;
    this.rock = image.namespaces.includes('rr');
    this.joliet = image.namespaces.includes('joliet');
    let mtimeMs = 0;
    try { mtimeMs = fs.statSync(imagePath).mtimeMs; } catch { /* not a host file: only the size is checked */ }
    this.stamp = { path: imagePath, size: image.size, mtimeMs };
    this.root = fromImage(image.root, null, image.root, '');
  }

  get namespace(): Namespace { return this.ns; }

  /** True when the edited tree equals the image's. */
  get isEmpty(): boolean {
    return !this.root.changed && this.derive().summary.length === 0;
  }

  /** Original paths of every overlay node in the tree. */
  protected presentBases(): Set<string> {
    const out = new Set<string>();
    const walk = (n: ONode) => {
      if (n.base) out.add(n.base.path);
      if (n.kids) for (const c of n.kids.values()) walk(c);
    };
    walk(this.root);
    return out;
  }

  /** Renamed, or moved to another directory (not just carried along by a moved ancestor). */
  protected directlyMoved(n: ONode): boolean {
    if (!n.base || !n.parent) return false;
    const parentBase = n.parent.base?.path;
    return n.name !== n.base.name || parentBase === undefined || parentBase !== parentPath(n.base.path);
  }

  // ---- internals: paths and lookup ------------------------------------------------------------

  protected err(reason: EditErrorCode, detail: string): EditError {
    return new EditError(reason, detail, { image: this.image.name });
  }

  protected key(name: string): string {
    return this.ns === 'iso9660' ? name.toUpperCase() : name;
  }

  protected split(path: string): string[] {
    if (typeof path !== 'string') throw this.err('invalid-argument', 'path must be a string');
    const parts = path.split('/').filter(p => p !== '' && p !== '.');
    if (parts.includes('..')) throw this.err('invalid-argument', `".." is not allowed in image paths: ${path}`);
    return parts;
  }

  protected pathOf(n: ONode): string {
    const names: string[] = [];
    for (let c: ONode | null = n; c && c.parent; c = c.parent) names.push(c.name);
    return '/' + names.reverse().join('/');
  }

  protected touch(): void {
    this.version++;
    this.derived = null;
  }

  /** Original children of a node's origin directory (read through the image's bounded cache). */
  protected async readOrigin(f: FileNode): Promise<FileNode[]> {
    return this.image.readdir(f);
  }

  /** The original children a materialised directory was built from (dedup'd, kept at materialisation). */
  protected originKidsOf(dir: ONode): FileNode[] {
    return dir.origKids ?? [];
  }

  /** Turns a directory's children into overlay nodes (reads it from the image once). */
  protected async materialize(dir: ONode): Promise<void> {
    if (dir.kids) return;
    dir.kids = new Map();
    if (!dir.origin) { dir.origKids = []; return; }
    const list = await this.readOrigin(dir.origin);
    const kept: FileNode[] = [];
    for (const f of list) {
      const k = this.key(f.name);
      if (dir.kids.has(k)) continue; // a duplicate record: the first one wins, as in lookups
      kept.push(f);
      dir.kids.set(k, fromImage(f, dir, dir.base ? f : null, f.name));
    }
    dir.origKids = kept;
  }

  /** The overlay node at `parts`, materialising the directories on the way; null when absent. */
  protected async ensure(parts: string[]): Promise<ONode | null> {
    let n = this.root;
    for (let i = 0; i < parts.length; i++) {
      if (n.type !== 'dir') throw this.err('not-a-directory', `${this.pathOf(n)} is not a directory`);
      await this.materialize(n);
      const c = n.kids!.get(this.key(parts[i]));
      if (!c) return null;
      n = c;
    }
    return n;
  }

  /** The materialised parent directory of `parts` (errors when it is missing or not a directory). */
  protected async parentDir(parts: string[]): Promise<ONode> {
    const pp = parts.slice(0, -1);
    const parent = await this.ensure(pp);
    if (!parent) throw this.err('not-found', `${'/' + pp.join('/')} does not exist`);
    if (parent.type !== 'dir') throw this.err('not-a-directory', `${this.pathOf(parent)} is not a directory`);
    await this.materialize(parent);
    return parent;
  }

  protected async existing(path: string): Promise<ONode> {
    const parts = this.split(path);
    const n = await this.ensure(parts);
    if (!n) throw this.err('not-found', `${'/' + parts.join('/')} does not exist`);
    return n;
  }

  /** Locates a path without materialising anything. */
  protected async locate(parts: string[]): Promise<Loc | null> {
    let loc: Loc = { o: this.root, path: '/' };
    for (const part of parts) {
      if (typeOf(loc) !== 'dir') return null;
      const next = await this.childOf(loc, part);
      if (!next) return null;
      loc = next;
    }
    return loc;
  }

  protected async childOf(loc: Loc, name: string): Promise<Loc | null> {
    const k = this.key(name);
    if (!loc.f && loc.o.kids) {
      const c = loc.o.kids.get(k);
      return c ? { o: c, path: joinPath(loc.path, c.name) } : null;
    }
    const from = loc.f ?? loc.o.origin;
    if (!from) return null;
    const f = (await this.readOrigin(from)).find(x => this.key(x.name) === k);
    return f ? { o: loc.o, f, path: joinPath(loc.path, f.name) } : null;
  }

  protected async childrenOf(loc: Loc): Promise<Loc[]> {
    if (!loc.f && loc.o.kids) return [...loc.o.kids.values()].map(c => ({ o: c, path: joinPath(loc.path, c.name) }));
    const from = loc.f ?? loc.o.origin;
    if (!from) return [];
    const seen = new Set<string>();
    const out: Loc[] = [];
    for (const f of await this.readOrigin(from)) {
      const k = this.key(f.name);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ o: loc.o, f, path: joinPath(loc.path, f.name) });
    }
    return out;
  }

  protected toEdited(loc: Loc): EditedNode {
    if (loc.f) {
      // An image entry below the unmaterialised overlay node loc.o.
      const f = loc.f;
      const base = loc.o.base ? f : null;
      return {
        name: f.name, path: loc.path, type: f.type, size: f.type === 'file' ? f.size : 0, mode: f.mode, uid: f.uid, gid: f.gid, nlink: f.nlink,
        mtime: f.mtime ?? new Date(0), atime: f.atime, ctime: f.ctime,
        ...(f.target !== undefined ? { target: f.target } : {}), ...(f.rdev ? { rdev: f.rdev } : {}),
        hidden: f.hidden, base, data: f.type === 'file' ? { kind: 'image', node: f } : null,
        status: base === null ? 'added' : loc.path !== f.path ? 'modified' : 'unchanged',
      };
    }
    const n = loc.o;
    let data: EntryData | null = null;
    if (n.type === 'file') data = n.content ? { kind: 'file', path: n.content.path, size: n.content.size } : n.origin ? { kind: 'image', node: n.origin } : null;
    return {
      name: n.name, path: loc.path, type: n.type,
      size: n.type === 'file' ? (n.content ? n.content.size : n.origin?.size ?? 0) : 0,
      mode: n.mode, uid: n.uid, gid: n.gid, nlink: n.nlink, mtime: n.mtime, atime: n.atime, ctime: n.ctime,
      ...(n.target !== undefined ? { target: n.target } : {}), ...(n.rdev ? { rdev: n.rdev } : {}),
      hidden: n.hidden, base: n.base, data,
      status: n.base === null ? 'added' : n.changed || loc.path !== n.base.path ? 'modified' : 'unchanged',
    };
  }

  protected newNode(name: string, parent: ONode, type: EntryType, perm: number, mtime?: Date): ONode {
    const now = mtime ?? new Date();
    return {
      name, parent, type, mode: MODE_BY_TYPE[type] | (perm & 0o7777), uid: 0, gid: 0, nlink: type === 'dir' ? 2 : 1,
      mtime: now, atime: null, ctime: null, hidden: false, base: null, origin: null, content: null, changed: false, kids: null, origKids: null,
    };
  }

  /** Deepest directory level and longest relative path below a directory (only used without Rock Ridge). */
  protected async subtreeShape(loc: Loc): Promise<{ depth: number; pathLength: number }> {
    let depth = 0;
    let pathLength = 0;
    const rec = async (l: Loc, level: number, rel: number): Promise<void> => {
      for (const c of await this.childrenOf(l)) {
        const len = rel + 1 + Buffer.byteLength(c.path.slice(c.path.lastIndexOf('/') + 1));
        pathLength = Math.max(pathLength, len);
        if (typeOf(c) === 'dir') {
          depth = Math.max(depth, level + 1);
          if (level < 64) await rec(c, level + 1, len);
        }
      }
    };
    await rec(loc, 0, 0);
    return { depth, pathLength };
  }

  // ---- internals: derived state ---------------------------------------------------------------

  protected derive(): { gone: FileNode[]; gonePaths: Set<string>; replaced: Set<string>; summary: ChangeSummary[] } {
    if (this.derived && this.derived.version === this.version) return this.derived;
    const present = new Set<string>();
    const all: Array<{ n: ONode; path: string }> = [];
    const walk = (n: ONode, path: string) => {
      all.push({ n, path });
      if (n.base) present.add(n.base.path);
      if (n.kids) for (const c of n.kids.values()) walk(c, joinPath(path, c.name));
    };
    walk(this.root, '/');
    const gone: FileNode[] = [];
    for (const { n } of all) {
      if (!n.kids || !n.base || !n.origKids) continue;
      for (const f of n.origKids) if (!present.has(f.path)) gone.push(f);
    }
    const existing = new Set(all.map(a => a.path));
    /** Original entries deleted (not moved) — a new entry at such a path replaces them. */
    const replaced = new Set(gone.map(f => f.path));
    // Original paths with nothing at them any more (deleted, or moved away): what status() calls deleted.
    const gonePaths = new Set<string>();
    for (const { n } of all) {
      if (!n.kids || !n.base || !n.origKids) continue;
      for (const f of n.origKids) if (!existing.has(f.path)) gonePaths.add(f.path);
    }
    const summary: ChangeSummary[] = [];
    for (const { n, path } of all) {
      const isDirectory = n.type === 'dir';
      if (n === this.root) {
        if (n.changed) summary.push({ path, kind: 'modified', isDirectory });
        continue;
      }
      if (!n.base) {
        // New entries, except the unchanged entries a copied directory brought along (the copy
        // itself is listed).
        const p = n.parent;
        const broughtByCopy = p !== null && p.base === null && p.origin !== null && n.origin !== null && n.name === n.origin.name
          && n.content === null && !n.changed && (p.origKids?.includes(n.origin) ?? false);
        if (!broughtByCopy) summary.push({ path, kind: replaced.has(path) ? 'modified' : 'added', isDirectory });
        continue;
      }
      if (this.directlyMoved(n)) summary.push({ path, kind: 'renamed', from: n.base.path, isDirectory });
      else if (n.changed) summary.push(path !== n.base.path ? { path, kind: 'modified', from: n.base.path, isDirectory } : { path, kind: 'modified', isDirectory });
    }
    for (const f of gone) if (!existing.has(f.path)) summary.push({ path: f.path, kind: 'deleted', isDirectory: f.type === 'dir' });
    summary.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.kind < b.kind ? -1 : 1));
    this.derived = { version: this.version, gone, gonePaths, replaced, summary };
    return this.derived;
  }

  /** An entry of the original tree (this change set's namespace) by its original path. */
  protected async lookupOriginal(path: string): Promise<FileNode> {
    const parts = this.split(path);
    let f = this.root.origin!;
    for (let i = 0; i < parts.length; i++) {
      if (f.type !== 'dir') throw this.err('not-found', `saved changes refer to ${path}, which the image no longer has`);
      const k = this.key(parts[i]);
      const next = (await this.readOrigin(f)).find(x => this.key(x.name) === k);
      if (!next) throw this.err('not-found', `saved changes refer to ${path}, which the image no longer has`);
      f = next;
    }
    return f;
  }
}

// ---- helpers ------------------------------------------------------------------------------------

export function fromImage(f: FileNode, parent: ONode | null, base: FileNode | null, name: string): ONode {
  return {
    name, parent, type: f.type, mode: f.mode, uid: f.uid, gid: f.gid, nlink: f.nlink,
    mtime: f.mtime ?? new Date(0), atime: f.atime, ctime: f.ctime,
    ...(f.target !== undefined ? { target: f.target } : {}), ...(f.rdev ? { rdev: f.rdev } : {}),
    hidden: f.hidden, base, origin: f, content: null, changed: false, kids: null, origKids: null,
  };
}

/** Sets (or clears) a node's link target and device number. */
export function setLink(n: ONode, target: string | undefined, rdev: { major: number; minor: number } | undefined): void {
  if (target !== undefined) n.target = target; else delete n.target;
  if (rdev) n.rdev = { major: rdev.major, minor: rdev.minor }; else delete n.rdev;
}

/** Gives an overlay node of an original entry the original's content and attributes back. */
export function resetAttributes(n: ONode): void {
  const f = n.base!;
  Object.assign(n, {
    type: f.type, mode: f.mode, uid: f.uid, gid: f.gid, nlink: f.nlink, mtime: f.mtime ?? new Date(0), atime: f.atime, ctime: f.ctime,
    hidden: f.hidden, origin: f, content: null, changed: false,
  });
  if (f.target !== undefined) n.target = f.target; else delete n.target;
  if (f.rdev) n.rdev = f.rdev; else delete n.rdev;
}

/** A copy of a node (and of its materialised subtree) as new entries. */
export function cloneNode(n: ONode, parent: ONode, name: string): ONode {
  const c: ONode = {
    ...n, name, parent, base: null, rdev: n.rdev ? { ...n.rdev } : undefined,
    content: n.content ? { ...n.content } : null, changed: false, kids: null, origKids: n.origKids,
  };
  if (c.rdev === undefined) delete c.rdev;
  if (n.kids) {
    c.kids = new Map();
    for (const [k, v] of n.kids) c.kids.set(k, cloneNode(v, c, v.name));
  }
  return c;
}

export function typeOf(loc: Loc): EntryType {
  return loc.f ? loc.f.type : loc.o.type;
}
