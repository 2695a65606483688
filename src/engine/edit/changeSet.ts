// The edit model: a change set over an opened image — add and replace files, make directories,
// symbolic links, FIFOs, sockets and device nodes, delete, rename/move, copy, change permissions,
// owners and times — seen as an overlay tree that
// the writer (src/engine/write) turns into a new image, and the VS Code provider shows as the
// "staged" state of a mounted image.
//
// Lazy by construction: a directory of the image is read only when something inside it is looked
// at or changed. Changing something materialises the directories on its path (their children
// become overlay nodes); everything else is still read from the image. Renaming a directory moves
// one overlay node: its whole subtree goes with it without being read. New content is never held
// in memory: a staged file is a host file (path + size) that the caller owns.
//
// Validation happens as changes are made: names legal for every namespace the image has (Rock
// Ridge: ≤ 255 bytes; Joliet: ≤ 103 UCS-2 units, none of * / : ; ? \ ; plain ISO 9660 only: the
// level's d-character names), no clobbering without `overwrite`, no deleting a non-empty
// directory without `recursive`, directory depth (8 levels without Rock Ridge, which alone can
// relocate deeper directories) and path length (255 bytes ISO 9660, 4095 bytes Rock Ridge).
// Symbolic links and special files exist only in Rock Ridge (SL, PN and the PX file type): an image
// without it cannot record them ('unsupported').
import * as fs from 'node:fs';
import { IsoError, type ErrorLocation } from '../errors';
import type { DiscImage, FileNode } from '../image';
import type { EntryAttributes, EntryType, Namespace } from '../types';
import { MODE_BY_TYPE, S_IFMT } from '../fileMode';
import { joinPath, parentPath } from '../paths';

export type EditErrorCode = 'exists' | 'not-found' | 'not-a-directory' | 'is-a-directory' | 'not-empty' | 'invalid-name' | 'invalid-argument'
  /** The image cannot record it (a symbolic link or special file without Rock Ridge). */
  | 'unsupported';

/** Entry types staged by ChangeSet.mknod. */
export type SpecialType = 'fifo' | 'char' | 'block' | 'socket';

/** A change that cannot be made (or a change set that cannot be restored); `reason` says why. */
export class EditError extends IsoError {
  readonly code = 'INVALID_ARGUMENT' as const;
  constructor(readonly reason: EditErrorCode, detail: string, where?: ErrorLocation) {
    super(detail, where);
  }

  override withImage(image: string): IsoError {
    if (this.image) return this;
    const e = new EditError(this.reason, this.detail, { image, structure: this.structure, offset: this.offset });
    e.stack = this.stack;
    return e;
  }
}

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

export interface SerializedChangeSet {
  version: 1;
  image: { path: string; size: number; mtimeMs: number };
  namespace: string;
  ops: unknown[];
}

// ---- the overlay tree -------------------------------------------------------------------------

interface ONode extends EntryAttributes {
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
interface Loc {
  o: ONode;
  f?: FileNode;
  path: string;
}

const RR_PATH_MAX = 4095;
const ISO_PATH_MAX = 255;
/** ECMA-119 6.8.2.1: at most 8 levels of directories, the root being the first. */
const ISO_MAX_DIR_COMPONENTS = 7;
const JOLIET_MAX_UNITS = 103;
// eslint-disable-next-line no-control-regex -- control characters are exactly what Joliet forbids
const JOLIET_FORBIDDEN = /[*/:;?\\\u0000-\u001f]/u;

interface EntrySpec {
  name: string;
  base: string | null;
  origin: string | null;
  type: EntryType;
  mode: number; uid: number; gid: number; nlink: number;
  mtime: number; atime: number | null; ctime: number | null;
  target?: string;
  rdev?: { major: number; minor: number };
  hidden: boolean;
  content: { path: string; size: number } | null;
  changed: boolean;
  /** A new directory (its children are listed by its own 'dir' op). */
  empty?: boolean;
}

type Op =
  | { op: 'root'; mode: number; uid: number; gid: number; mtime: number }
  | { op: 'dir'; path: string; removed: string[]; entries: EntrySpec[] };

export class ChangeSet {
  readonly image: DiscImage;
  private readonly root: ONode;
  private readonly ns: Namespace;
  private readonly rock: boolean;
  private readonly joliet: boolean;
  private readonly stamp: { path: string; size: number; mtimeMs: number };
  private isoLevel: Promise<1 | 2 | 4> | null = null;
  private version = 0;
  private derived: { version: number; gone: FileNode[]; gonePaths: Set<string>; replaced: Set<string>; summary: ChangeSummary[] } | null = null;

  /** Edits the image's active namespace tree (Rock Ridge > Joliet > ISO 9660 unless switched). */
  constructor(image: DiscImage, imagePath: string) {
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
    return !this.root.changed && this.summary().length === 0;
  }

  // ---- changes --------------------------------------------------------------------------------

  /**
   * Stages `content` (a host file the caller keeps until the change set is done with it) as the
   * file at `path`. `create` (default true): may create it; `overwrite` (default false): may
   * replace an existing file.
   */
  async writeFile(path: string, content: { path: string; size: number }, opts: { create?: boolean; overwrite?: boolean; mode?: number; mtime?: Date } = {}): Promise<void> {
    const parts = this.split(path);
    if (parts.length === 0) throw this.err('is-a-directory', 'the root is a directory');
    if (!Number.isSafeInteger(content?.size) || content.size < 0 || typeof content.path !== 'string') throw this.err('invalid-argument', `bad content for ${path}: a host file path and its size are needed`);
    await this.checkContent(content, path);
    const name = parts[parts.length - 1];
    const parent = await this.parentDir(parts);
    const existing = parent.kids!.get(this.key(name));
    const p = joinPath(this.pathOf(parent), existing?.name ?? name);
    if (existing) {
      if (existing.type === 'dir') throw this.err('is-a-directory', `${p} is a directory`);
      if (opts.overwrite !== true) throw this.err('exists', `${p} already exists (replacing it needs overwrite)`);
      existing.type = 'file';
      existing.mode = MODE_BY_TYPE.file | ((opts.mode ?? existing.mode) & 0o7777);
      existing.content = { path: content.path, size: content.size };
      existing.origin = null;
      existing.target = undefined;
      existing.rdev = undefined;
      existing.mtime = opts.mtime ?? new Date();
      existing.changed = true;
    } else {
      if (opts.create === false) throw this.err('not-found', `${p} does not exist`);
      await this.checkName(name, parent, 'file');
      this.checkPath(p);
      // Without Rock Ridge no mode is recorded: new files show r-xr-xr-x, as every file there does.
      const n = this.newNode(name, parent, 'file', opts.mode ?? (this.rock ? 0o644 : 0o555), opts.mtime);
      n.content = { path: content.path, size: content.size };
      parent.kids!.set(this.key(name), n);
    }
    this.touch();
  }

  /**
   * Stages a symbolic link at `path` pointing at `target` (stored as it is: never resolved).
   * `overwrite` (default false): may replace an existing entry that is not a directory.
   */
  async symlink(path: string, target: string, opts: { overwrite?: boolean; mtime?: Date } = {}): Promise<void> {
    await this.stageSpecial(path, 'symlink', { target, mode: 0o777, mtime: opts.mtime, overwrite: opts.overwrite });
  }

  /**
   * Stages a FIFO, socket or device node (`rdev` for 'char' and 'block') at `path` — an entry with
   * no content, as xorriso -map and mkisofs -R record one. `mode`: permission bits (default 0644).
   */
  async mknod(path: string, type: SpecialType, opts: { rdev?: { major: number; minor: number }; mode?: number; mtime?: Date; overwrite?: boolean } = {}): Promise<void> {
    if (!['fifo', 'char', 'block', 'socket'].includes(type)) throw this.err('invalid-argument', `bad special file type ${String(type)} for ${path}`);
    await this.stageSpecial(path, type, { rdev: opts.rdev, mode: opts.mode ?? 0o644, mtime: opts.mtime, overwrite: opts.overwrite });
  }

  private async stageSpecial(path: string, type: 'symlink' | SpecialType, a: { target?: string; rdev?: { major: number; minor: number }; mode: number; mtime?: Date; overwrite?: boolean }): Promise<void> {
    const parts = this.split(path);
    if (parts.length === 0) throw this.err('exists', '/ already exists');
    if (!Number.isInteger(a.mode) || a.mode < 0 || a.mode > 0o7777) throw this.err('invalid-argument', `bad mode ${String(a.mode)} for ${path}`);
    if (a.mtime !== undefined && !(a.mtime instanceof Date && Number.isFinite(a.mtime.getTime()))) throw this.err('invalid-argument', `bad mtime for ${path}`);
    const name = parts[parts.length - 1];
    const parent = await this.parentDir(parts);
    const existing = parent.kids!.get(this.key(name));
    const p = joinPath(this.pathOf(parent), existing?.name ?? name);
    this.checkSpecial(p, type, a.target, a.rdev);
    if (existing) {
      if (existing.type === 'dir') throw this.err('is-a-directory', `${p} is a directory`);
      if (a.overwrite !== true) throw this.err('exists', `${p} already exists (replacing it needs overwrite)`);
      Object.assign(existing, { type, mode: MODE_BY_TYPE[type] | a.mode, nlink: 1, content: null, origin: null, mtime: a.mtime ?? new Date(), changed: true });
      setLink(existing, a.target, a.rdev);
    } else {
      await this.checkName(name, parent, 'file');
      this.checkPath(p);
      const n = this.newNode(name, parent, type, a.mode, a.mtime);
      setLink(n, a.target, a.rdev);
      parent.kids!.set(this.key(name), n);
    }
    this.touch();
  }

  async mkdir(path: string, opts: { mode?: number } = {}): Promise<void> {
    const parts = this.split(path);
    if (parts.length === 0) throw this.err('exists', '/ already exists');
    const name = parts[parts.length - 1];
    const parent = await this.parentDir(parts);
    const existing = parent.kids!.get(this.key(name));
    const p = joinPath(this.pathOf(parent), existing?.name ?? name);
    if (existing) throw this.err('exists', `${p} already exists`);
    await this.checkName(name, parent, 'dir');
    this.checkPath(p);
    this.checkDepth(p, 0);
    const n = this.newNode(name, parent, 'dir', opts.mode ?? (this.rock ? 0o755 : 0o555));
    n.kids = new Map();
    parent.kids!.set(this.key(name), n);
    this.touch();
  }

  async delete(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const parts = this.split(path);
    if (parts.length === 0) throw this.err('invalid-argument', 'the root cannot be deleted');
    const parent = await this.parentDir(parts);
    const k = this.key(parts[parts.length - 1]);
    const node = parent.kids!.get(k);
    if (!node) throw this.err('not-found', `${joinPath(this.pathOf(parent), parts[parts.length - 1])} does not exist`);
    if (node.type === 'dir' && opts.recursive !== true && (await this.childrenOf({ o: node, path: this.pathOf(node) })).length > 0) {
      throw this.err('not-empty', `${this.pathOf(node)} is not empty (deleting it with its contents needs recursive)`);
    }
    parent.kids!.delete(k);
    node.parent = null;
    this.touch();
  }

  async rename(from: string, to: string, opts: { overwrite?: boolean } = {}): Promise<void> {
    await this.moveOrCopy('rename', from, to, opts.overwrite === true);
  }

  async copy(from: string, to: string, opts: { overwrite?: boolean } = {}): Promise<void> {
    await this.moveOrCopy('copy', from, to, opts.overwrite === true);
  }

  /** Changes permissions (the type bits are kept), owner, group or modification time. */
  async setAttributes(path: string, attrs: { mode?: number; uid?: number; gid?: number; mtime?: Date }): Promise<void> {
    const node = await this.existing(path);
    if (!this.rock && (attrs.mode !== undefined || attrs.uid !== undefined || attrs.gid !== undefined)) {
      throw this.err('invalid-argument', `${this.pathOf(node)}: permissions and owners are recorded only with Rock Ridge, which this image does not have (its ${this.ns === 'joliet' ? 'Joliet' : 'ISO 9660'} tree keeps names and times only)`);
    }
    for (const [k, v] of [['mode', attrs.mode], ['uid', attrs.uid], ['gid', attrs.gid]] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 0xffffffff)) throw this.err('invalid-argument', `bad ${k} ${String(v)} for ${this.pathOf(node)}`);
    }
    if (attrs.mtime !== undefined && !(attrs.mtime instanceof Date && Number.isFinite(attrs.mtime.getTime()))) throw this.err('invalid-argument', `bad mtime for ${this.pathOf(node)}`);
    if (attrs.mode !== undefined) node.mode = (node.mode & S_IFMT) | (attrs.mode & 0o7777);
    if (attrs.uid !== undefined) node.uid = attrs.uid;
    if (attrs.gid !== undefined) node.gid = attrs.gid;
    if (attrs.mtime !== undefined) node.mtime = new Date(attrs.mtime.getTime());
    node.changed = true;
    this.touch();
  }

  /**
   * Undoes the change summary() reports at `path`: an added entry goes (and a deleted original it
   * replaced comes back), a modified entry gets its original content and attributes back, a
   * renamed one also its original place, a deleted one (its original path) comes back.
   */
  async revert(path: string): Promise<void> {
    const parts = this.split(path);
    const p = '/' + parts.join('/');
    const d = this.derive();
    const node = await this.ensure(parts);
    if (node && node === this.root) {
      resetAttributes(node);
    } else if (node && !node.base) {
      node.parent!.kids!.delete(this.key(node.name));
      node.parent = null;
      if (d.replaced.has(p)) await this.restoreOriginal(p);
    } else if (node && node.base) {
      const base = node.base;
      if (this.directlyMoved(node)) {
        const home = await this.ensure(this.split(parentPath(base.path)));
        if (!home || home.type !== 'dir') throw this.err('not-found', `${base.path} cannot come back: ${parentPath(base.path)} no longer exists (discard that change first)`);
        await this.materialize(home);
        const there = home.kids!.get(this.key(base.name));
        if (there && there !== node) throw this.err('exists', `${base.path} cannot come back: ${this.pathOf(there)} is there now (discard that change first)`);
        node.parent!.kids!.delete(this.key(node.name));
        node.name = base.name;
        node.parent = home;
        home.kids!.set(this.key(base.name), node);
      }
      resetAttributes(node);
    } else if (d.gonePaths.has(p)) {
      await this.restoreOriginal(p);
    } else {
      for (let j = parts.length - 1; j > 0; j--) {
        const up = '/' + parts.slice(0, j).join('/');
        if (d.gonePaths.has(up)) throw this.err('not-found', `${p} cannot come back: ${up} no longer exists (discard that change first)`);
      }
      throw this.err('not-found', `no staged change at ${p}`);
    }
    this.touch();
  }

  /** Puts a deleted original entry back at its original path. */
  private async restoreOriginal(p: string): Promise<void> {
    const orig = await this.lookupOriginal(p);
    const moved = [...this.presentBases()].find(b => b === orig.path || b.startsWith(orig.path + '/'));
    if (moved !== undefined) throw this.err('invalid-argument', `${p} cannot come back as it was: ${moved} of it is staged elsewhere (discard that change first)`);
    const parent = await this.ensure(this.split(parentPath(p)));
    if (!parent || parent.type !== 'dir') throw this.err('not-found', `${p} cannot come back: ${parentPath(p)} no longer exists (discard that change first)`);
    await this.materialize(parent);
    if (parent.kids!.has(this.key(orig.name))) throw this.err('exists', `${p} cannot come back: something else is there now (discard that change first)`);
    parent.kids!.set(this.key(orig.name), fromImage(orig, parent, orig, orig.name));
  }

  /** Original paths of every overlay node in the tree. */
  private presentBases(): Set<string> {
    const out = new Set<string>();
    const walk = (n: ONode) => {
      if (n.base) out.add(n.base.path);
      if (n.kids) for (const c of n.kids.values()) walk(c);
    };
    walk(this.root);
    return out;
  }

  /** Renamed, or moved to another directory (not just carried along by a moved ancestor). */
  private directlyMoved(n: ONode): boolean {
    if (!n.base || !n.parent) return false;
    const parentBase = n.parent.base?.path;
    return n.name !== n.base.name || parentBase === undefined || parentBase !== parentPath(n.base.path);
  }

  // ---- the edited view ------------------------------------------------------------------------

  /** The entry at `path` in the edited tree (no symbolic links followed), or null. */
  async stat(path: string): Promise<EditedNode | null> {
    const loc = await this.locate(this.split(path));
    return loc ? this.toEdited(loc) : null;
  }

  /** Children of the directory at `path` in the edited tree. */
  async readdir(path: string): Promise<EditedNode[]> {
    const parts = this.split(path);
    const loc = await this.locate(parts);
    if (!loc) throw this.err('not-found', `${'/' + parts.join('/')} does not exist`);
    if (typeOf(loc) !== 'dir') throw this.err('not-a-directory', `${loc.path} is not a directory`);
    return (await this.childrenOf(loc)).map(c => this.toEdited(c));
  }

  /**
   * Resolves a path following symbolic links in every component (the last one too unless
   * `followLast` is false), like DiscImage.resolve over the edited tree. Null when it does not exist.
   */
  async resolve(path: string, followLast = true): Promise<EditedNode | null> {
    let pending = this.split(path);
    let loc: Loc = { o: this.root, path: '/' };
    const stack: Loc[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const want = pending[0];
      pending = pending.slice(1);
      if (want === '..') { loc = stack.pop() ?? { o: this.root, path: '/' }; continue; }
      if (typeOf(loc) !== 'dir') return null;
      const next = await this.childOf(loc, want);
      if (!next) return null;
      const t = typeOf(next);
      if (t === 'symlink' && (pending.length > 0 || followLast)) {
        if (++hops > 40) throw this.err('invalid-argument', `too many levels of symbolic links resolving ${path}`);
        const target = (next.f ? next.f.target : next.o.target) ?? '';
        const parts = target.split('/').filter(x => x !== '' && x !== '.');
        if (target.startsWith('/')) { stack.length = 0; loc = { o: this.root, path: '/' }; }
        pending = [...parts, ...pending];
        continue;
      }
      stack.push(loc);
      loc = next;
    }
    return this.toEdited(loc);
  }

  /** Reads up to `length` bytes of a regular file of the edited tree. */
  async read(node: EditedNode, offset: number, length: number): Promise<Uint8Array> {
    if (node.type === 'dir') throw this.err('is-a-directory', `${node.path} is a directory`);
    if (!node.data) return new Uint8Array(0);
    if (offset < 0 || length < 0 || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) throw this.err('invalid-argument', `bad range ${offset}+${length} reading ${node.path}`);
    if (node.data.kind === 'image') return this.image.read(node.data.node, offset, length);
    const end = Math.min(node.data.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    const fh = await fs.promises.open(node.data.path, 'r');
    try {
      const out = new Uint8Array(end - offset);
      let filled = 0;
      while (filled < out.length) {
        const { bytesRead } = await fh.read(out, filled, out.length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === out.length ? out : out.subarray(0, filled);
    } finally {
      await fh.close();
    }
  }

  /** Status of a path for decorations: 'deleted' = an original path that no longer exists. */
  status(path: string): 'added' | 'modified' | 'deleted' | null {
    let parts: string[];
    try { parts = this.split(path); } catch { return null; }
    const d = this.derive();
    let n = this.root;
    let p = '/';
    for (let i = 0; i < parts.length; i++) {
      if (!n.kids) {
        // Below an unmaterialised directory: unchanged, unless that directory is new or moved.
        if (n.base === null) return 'added';
        return this.pathOf(n) !== n.base.path ? 'modified' : null;
      }
      const child = n.kids.get(this.key(parts[i]));
      if (!child) {
        for (let j = parts.length; j > i; j--) if (d.gonePaths.has('/' + parts.slice(0, j).join('/'))) return 'deleted';
        return null;
      }
      n = child;
      p = joinPath(p, child.name);
    }
    if (n.base === null) return d.replaced.has(p) ? 'modified' : 'added';
    return n.changed || p !== n.base.path ? 'modified' : null;
  }

  /** Every change, sorted by path: added, modified, renamed (with `from`) and deleted entries. */
  summary(): ChangeSummary[] {
    return this.derive().summary;
  }

  /** Host files the change set references (staged contents) — the caller owns their lifetime. */
  contentFiles(): string[] {
    const out = new Set<string>();
    const visit = (n: ONode) => {
      if (n.content) out.add(n.content.path);
      if (n.kids) for (const k of n.kids.values()) visit(k);
    };
    visit(this.root);
    return [...out];
  }

  // ---- persistence ----------------------------------------------------------------------------

  /**
   * The change set as JSON: the image it applies to (path, size, mtime) and, for every directory
   * that differs from the image, the names removed and the entries added or changed — a snapshot
   * replayed by fromJSON, which validates it again against the image.
   */
  toJSON(): SerializedChangeSet {
    const ops: Op[] = [];
    if (this.root.changed) ops.push({ op: 'root', mode: this.root.mode, uid: this.root.uid, gid: this.root.gid, mtime: this.root.mtime.getTime() });
    const visit = (dir: ONode, path: string) => {
      if (!dir.kids) return;
      const removed: string[] = [];
      const entries: EntrySpec[] = [];
      if (dir.origin) {
        // Children a fresh materialisation would create that are no longer there as they were.
        for (const f of this.originKidsOf(dir)) {
          const k = this.key(f.name);
          const now = dir.kids.get(k);
          if (!now || !this.isPlain(now, dir, f)) removed.push(f.name);
        }
      }
      for (const n of dir.kids.values()) {
        const f = dir.origin ? this.originKidsOf(dir).find(x => this.key(x.name) === this.key(n.name)) : undefined;
        if (f && this.isPlain(n, dir, f)) continue;
        entries.push(this.spec(n));
      }
      if (removed.length > 0 || entries.length > 0) ops.push({ op: 'dir', path, removed, entries });
      for (const n of dir.kids.values()) if (n.kids) visit(n, joinPath(path, n.name));
    };
    visit(this.root, '/');
    return { version: 1, image: { ...this.stamp }, namespace: this.ns, ops };
  }

  /**
   * Rebuilds a change set from toJSON's output over the same image. EditError when the image file
   * changed (size or mtime), the namespace differs, an entry it refers to is gone, a staged
   * content file is missing, or a name is not legal.
   */
  static async fromJSON(image: DiscImage, imagePath: string, json: SerializedChangeSet): Promise<ChangeSet> {
    const cs = new ChangeSet(image, imagePath);
    const where = { image: image.name };
    if (!json || json.version !== 1 || !Array.isArray(json.ops) || !json.image) throw new EditError('invalid-argument', 'not a saved ISO Workbench change set (version 1)', where);
    if (json.image.size !== cs.stamp.size || json.image.mtimeMs !== cs.stamp.mtimeMs) {
      throw new EditError('invalid-argument', `the image changed since these changes were staged (then ${json.image.size} bytes, modified ${new Date(json.image.mtimeMs).toISOString()}; now ${cs.stamp.size} bytes, modified ${new Date(cs.stamp.mtimeMs).toISOString()}); they cannot be applied to it`, where);
    }
    if (json.namespace !== cs.ns) throw new EditError('invalid-argument', `the changes were staged in the ${json.namespace} tree, but the image shows its ${cs.ns} tree`, where);
    for (const raw of json.ops as Op[]) {
      if (raw?.op === 'root') {
        cs.root.mode = (cs.root.mode & S_IFMT) | (num(raw.mode) & 0o7777);
        cs.root.uid = num(raw.uid); cs.root.gid = num(raw.gid); cs.root.mtime = new Date(num(raw.mtime));
        cs.root.changed = true;
      } else if (raw?.op === 'dir') {
        const dir = await cs.ensure(cs.split(String(raw.path)));
        if (!dir) throw cs.err('not-found', `saved changes refer to ${raw.path}, which does not exist`);
        if (dir.type !== 'dir') throw cs.err('not-a-directory', `saved changes refer to ${raw.path}, which is not a directory`);
        await cs.materialize(dir);
        for (const name of raw.removed ?? []) dir.kids!.delete(cs.key(String(name)));
        for (const s of raw.entries ?? []) {
          // Names the image did not have are validated again (the rules are the image's).
          if (s?.base === null || (typeof s?.base === 'string' && s.base.slice(s.base.lastIndexOf('/') + 1) !== s.name)) await cs.checkName(String(s.name), dir, s.type === 'dir' ? 'dir' : 'file');
          dir.kids!.set(cs.key(s.name), await cs.fromSpec(s, dir));
        }
      } else {
        throw new EditError('invalid-argument', `unknown operation in saved changes: ${JSON.stringify(raw).slice(0, 80)}`, where);
      }
    }
    cs.touch();
    return cs;
  }

  // ---- internals: paths and lookup ------------------------------------------------------------

  private err(reason: EditErrorCode, detail: string): EditError {
    return new EditError(reason, detail, { image: this.image.name });
  }

  private key(name: string): string {
    return this.ns === 'iso9660' ? name.toUpperCase() : name;
  }

  private split(path: string): string[] {
    if (typeof path !== 'string') throw this.err('invalid-argument', 'path must be a string');
    const parts = path.split('/').filter(p => p !== '' && p !== '.');
    if (parts.includes('..')) throw this.err('invalid-argument', `".." is not allowed in image paths: ${path}`);
    return parts;
  }

  private pathOf(n: ONode): string {
    const names: string[] = [];
    for (let c: ONode | null = n; c && c.parent; c = c.parent) names.push(c.name);
    return '/' + names.reverse().join('/');
  }

  private touch(): void {
    this.version++;
    this.derived = null;
  }

  /** Original children of a node's origin directory (read through the image's bounded cache). */
  private async readOrigin(f: FileNode): Promise<FileNode[]> {
    return this.image.readdir(f);
  }

  /** The original children a materialised directory was built from (dedup'd, kept at materialisation). */
  private originKidsOf(dir: ONode): FileNode[] {
    return dir.origKids ?? [];
  }

  /** Turns a directory's children into overlay nodes (reads it from the image once). */
  private async materialize(dir: ONode): Promise<void> {
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
  private async ensure(parts: string[]): Promise<ONode | null> {
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
  private async parentDir(parts: string[]): Promise<ONode> {
    const pp = parts.slice(0, -1);
    const parent = await this.ensure(pp);
    if (!parent) throw this.err('not-found', `${'/' + pp.join('/')} does not exist`);
    if (parent.type !== 'dir') throw this.err('not-a-directory', `${this.pathOf(parent)} is not a directory`);
    await this.materialize(parent);
    return parent;
  }

  private async existing(path: string): Promise<ONode> {
    const parts = this.split(path);
    const n = await this.ensure(parts);
    if (!n) throw this.err('not-found', `${'/' + parts.join('/')} does not exist`);
    return n;
  }

  /** Locates a path without materialising anything. */
  private async locate(parts: string[]): Promise<Loc | null> {
    let loc: Loc = { o: this.root, path: '/' };
    for (const part of parts) {
      if (typeOf(loc) !== 'dir') return null;
      const next = await this.childOf(loc, part);
      if (!next) return null;
      loc = next;
    }
    return loc;
  }

  private async childOf(loc: Loc, name: string): Promise<Loc | null> {
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

  private async childrenOf(loc: Loc): Promise<Loc[]> {
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

  private toEdited(loc: Loc): EditedNode {
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

  private newNode(name: string, parent: ONode, type: EntryType, perm: number, mtime?: Date): ONode {
    const now = mtime ?? new Date();
    return {
      name, parent, type, mode: MODE_BY_TYPE[type] | (perm & 0o7777), uid: 0, gid: 0, nlink: type === 'dir' ? 2 : 1,
      mtime: now, atime: null, ctime: null, hidden: false, base: null, origin: null, content: null, changed: false, kids: null, origKids: null,
    };
  }

  // ---- internals: rename and copy -------------------------------------------------------------

  private async moveOrCopy(what: 'rename' | 'copy', from: string, to: string, overwrite: boolean): Promise<void> {
    const src = this.split(from);
    const dst = this.split(to);
    if (src.length === 0) throw this.err('invalid-argument', `the root cannot be ${what === 'rename' ? 'renamed' : 'copied'}`);
    if (dst.length === 0) throw this.err('exists', '/ already exists');
    const node = await this.ensure(src);
    if (!node) throw this.err('not-found', `${'/' + src.join('/')} does not exist`);
    const srcPath = this.pathOf(node);
    const srcKeys = src.map(p => this.key(p));
    const dstKeys = dst.map(p => this.key(p));
    const same = srcKeys.length === dstKeys.length && srcKeys.every((k, i) => k === dstKeys[i]);
    if (node.type === 'dir' && !same && dstKeys.length > srcKeys.length && srcKeys.every((k, i) => k === dstKeys[i])) {
      throw this.err('invalid-argument', `cannot ${what} ${srcPath} into itself (${'/' + dst.join('/')})`);
    }
    if (dstKeys.length < srcKeys.length && dstKeys.every((k, i) => k === srcKeys[i])) {
      throw this.err('invalid-argument', `cannot ${what} ${srcPath} onto its own ancestor ${'/' + dst.join('/')}`);
    }
    const name = dst[dst.length - 1];
    const parent = await this.parentDir(dst);
    const target = parent.kids!.get(this.key(name));
    const dstPath = joinPath(this.pathOf(parent), name);
    if (same) {
      if (what === 'copy') throw this.err('exists', `${dstPath} already exists (a file cannot be copied onto itself)`);
      if (name === node.name) return; // renaming onto itself: nothing to do
    } else if (target) {
      if (!overwrite) throw this.err('exists', `${this.pathOf(target)} already exists (replacing it needs overwrite)`);
    }
    if (name !== node.name) await this.checkName(name, parent, node.type === 'dir' ? 'dir' : 'file');
    this.checkPath(dstPath);
    if (node.type === 'dir' && !this.rock) {
      const below = await this.subtreeShape({ o: node, path: srcPath });
      this.checkDepth(dstPath, below.depth);
      if (this.ns === 'iso9660' && dstPath.length - 1 + below.pathLength > ISO_PATH_MAX) {
        throw this.err('invalid-name', `${what === 'rename' ? 'moving' : 'copying'} ${srcPath} to ${dstPath} makes paths longer than ISO 9660's ${ISO_PATH_MAX} bytes (the image has no Rock Ridge)`);
      }
    }
    if (target && !same) {
      parent.kids!.delete(this.key(name));
      target.parent = null;
    }
    if (what === 'rename') {
      const oldParent = node.parent!;
      oldParent.kids!.delete(this.key(node.name));
      node.name = name;
      node.parent = parent;
      parent.kids!.set(this.key(name), node);
    } else {
      const c = cloneNode(node, parent, name);
      parent.kids!.set(this.key(name), c);
    }
    this.touch();
  }

  /** Deepest directory level and longest relative path below a directory (only used without Rock Ridge). */
  private async subtreeShape(loc: Loc): Promise<{ depth: number; pathLength: number }> {
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

  // ---- internals: validation ------------------------------------------------------------------

  private async checkContent(content: { path: string; size: number }, path: string): Promise<void> {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(content.path);
    } catch {
      throw this.err('invalid-argument', `the content for ${path} (${content.path}) does not exist`);
    }
    if (!st.isFile()) throw this.err('invalid-argument', `the content for ${path} (${content.path}) is not a regular file`);
    if (st.size !== content.size) throw this.err('invalid-argument', `the content for ${path} (${content.path}) is ${st.size} bytes, not ${content.size}`);
  }

  /** Refuses names that some namespace of the image cannot hold, explaining which and why. */
  private async checkName(name: string, parent: ONode, kind: 'file' | 'dir'): Promise<void> {
    const at = joinPath(this.pathOf(parent), name);
    const problem = basicNameProblem(name);
    if (problem) throw this.err('invalid-name', `${JSON.stringify(name)} in ${this.pathOf(parent)}: ${problem}`);
    if (this.ns === 'rr' || this.rock) {
      const bytes = Buffer.byteLength(name, 'utf8');
      if (bytes > 255) throw this.err('invalid-name', `${at}: the name is ${bytes} bytes; Rock Ridge names (like Linux file names) are limited to 255 bytes`);
    }
    // With Rock Ridge the Joliet names are generated from the Rock Ridge ones by the writer (too
    // long → cut with a counter, forbidden characters → '_'), like mkisofs/xorriso do; only a
    // Joliet-only image shows Joliet names as they are, so only there the Joliet rules apply.
    if (this.joliet && this.ns === 'joliet') {
      const p = jolietProblem(name);
      if (p) throw this.err('invalid-name', `${at}: ${p}`);
    }
    if (this.ns === 'iso9660') {
      const level = await this.level();
      const p = iso9660NameProblem(name, kind, level);
      if (p) throw this.err('invalid-name', `${at}: ${p} (the image has neither Rock Ridge nor Joliet, so its ISO 9660 names are the only names)`);
    }
  }

  /** A symbolic link or special file: Rock Ridge is needed, the target or device number must be recordable. */
  private checkSpecial(p: string, type: 'symlink' | SpecialType, target: string | undefined, rdev: { major: number; minor: number } | undefined): void {
    const what = type === 'symlink' ? 'symbolic links' : type === 'fifo' ? 'FIFOs' : type === 'socket' ? 'sockets' : 'device nodes';
    if (!this.rock) {
      throw this.err('unsupported', `${p}: ${what} can be recorded only with Rock Ridge, which this image does not have (its ${this.ns === 'joliet' ? 'Joliet' : 'ISO 9660'} tree keeps names and times only)`);
    }
    if (type === 'symlink') {
      if (typeof target !== 'string' || target === '') throw this.err('invalid-argument', `${p}: a symbolic link needs a target`);
      if (target.includes('\0')) throw this.err('invalid-argument', `${p}: a link target cannot contain a NUL character`);
      const bytes = Buffer.byteLength(target, 'utf8');
      if (bytes > RR_PATH_MAX) throw this.err('invalid-argument', `${p}: the link target is ${bytes} bytes; targets are limited to ${RR_PATH_MAX} bytes (PATH_MAX)`);
    } else if (target !== undefined) {
      throw this.err('invalid-argument', `${p}: only a symbolic link has a target`);
    }
    if (type === 'char' || type === 'block') {
      const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
      if (!rdev || !ok(rdev.major) || !ok(rdev.minor)) throw this.err('invalid-argument', `${p}: a device node needs a device number (major and minor, 0 to 4294967295)`);
    } else if (rdev !== undefined) {
      throw this.err('invalid-argument', `${p}: only a device node has a device number`);
    }
  }

  private checkPath(path: string): void {
    if (this.ns === 'iso9660') {
      if (path.length - 1 > ISO_PATH_MAX) throw this.err('invalid-name', `${path}: ISO 9660 paths are limited to ${ISO_PATH_MAX} bytes (the image has no Rock Ridge)`);
    } else if (Buffer.byteLength(path, 'utf8') > RR_PATH_MAX) {
      throw this.err('invalid-name', `${path.slice(0, 60)}…: the path is longer than ${RR_PATH_MAX} bytes`);
    }
  }

  /** Without Rock Ridge nothing can relocate directories deeper than ECMA-119's 8 levels. */
  private checkDepth(dirPath: string, below: number): void {
    if (this.rock) return;
    const components = dirPath.split('/').filter(Boolean).length + below;
    if (components > ISO_MAX_DIR_COMPONENTS) {
      throw this.err('invalid-name', `${dirPath}: directories may be nested at most 8 levels deep (the root counts as one; this would make ${components + 1}); only Rock Ridge can relocate deeper directories, and the image has none`);
    }
  }

  /** ISO 9660 interchange level of an image without extensions, judged from its names. */
  private level(): Promise<1 | 2 | 4> {
    this.isoLevel ??= (async () => {
      if (this.image.volume.fileStructureVersion === 2) return 4;
      // Breadth-first over at most 200 directories: any name beyond 8.3 means level 2 or 3.
      let level: FileNode[] = [this.root.origin!];
      let dirs = 0;
      while (level.length > 0 && dirs < 200) {
        const next: FileNode[] = [];
        for (const d of level) {
          if (++dirs > 200) break;
          for (const k of await this.readOrigin(d)) {
            if (k.type === 'dir') {
              if (k.name.length > 8) return 2;
              next.push(k);
            } else {
              const dot = k.name.lastIndexOf('.');
              const base = dot < 0 ? k.name : k.name.slice(0, dot);
              const ext = dot < 0 ? '' : k.name.slice(dot + 1);
              if (base.length > 8 || ext.length > 3) return 2;
            }
          }
        }
        level = next;
      }
      return 1;
    })();
    return this.isoLevel;
  }

  // ---- internals: derived state ---------------------------------------------------------------

  private derive(): { gone: FileNode[]; gonePaths: Set<string>; replaced: Set<string>; summary: ChangeSummary[] } {
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

  // ---- internals: serialisation ---------------------------------------------------------------

  /** Whether `n` is exactly what materialising `dir` creates for its original child `f`. */
  private isPlain(n: ONode, dir: ONode, f: FileNode): boolean {
    return n.origin === f && n.base === (dir.base ? f : null) && !n.changed && !n.content && n.name === f.name;
  }

  private spec(n: ONode): EntrySpec {
    return {
      name: n.name, base: n.base?.path ?? null, origin: n.origin?.path ?? null, type: n.type,
      mode: n.mode, uid: n.uid, gid: n.gid, nlink: n.nlink,
      mtime: n.mtime.getTime(), atime: n.atime?.getTime() ?? null, ctime: n.ctime?.getTime() ?? null,
      ...(n.target !== undefined ? { target: n.target } : {}), ...(n.rdev ? { rdev: n.rdev } : {}),
      hidden: n.hidden, content: n.content, changed: n.changed,
      ...(n.type === 'dir' && !n.origin ? { empty: true } : {}),
    };
  }

  private async fromSpec(s: EntrySpec, parent: ONode): Promise<ONode> {
    if (typeof s?.name !== 'string' || !(s.type in MODE_BY_TYPE)) throw this.err('invalid-argument', `bad entry in saved changes: ${JSON.stringify(s).slice(0, 80)}`);
    const target = typeof s.target === 'string' ? s.target : undefined;
    const rdev = s.rdev ? { major: num(s.rdev.major), minor: num(s.rdev.minor) } : undefined;
    if (s.type !== 'dir' && s.type !== 'file' && s.origin === null) {
      // A staged symbolic link or special file: the same rules as when it was staged.
      this.checkSpecial(joinPath(this.pathOf(parent), s.name), s.type, target, rdev);
    }
    const base = s.base !== null ? await this.lookupOriginal(s.base) : null;
    const origin = s.origin !== null ? (s.origin === s.base ? base : await this.lookupOriginal(s.origin)) : null;
    if (s.content) {
      if (typeof s.content.path !== 'string' || !Number.isSafeInteger(s.content.size)) throw this.err('invalid-argument', `bad content in saved changes for ${s.name}`);
      let st: fs.Stats | null = null;
      try { st = await fs.promises.stat(s.content.path); } catch { /* reported below */ }
      if (!st || !st.isFile()) throw this.err('not-found', `the staged content of ${joinPath(this.pathOf(parent), s.name)} (${s.content.path}) is missing`);
      if (st.size !== s.content.size) throw this.err('invalid-argument', `the staged content of ${joinPath(this.pathOf(parent), s.name)} (${s.content.path}) is ${st.size} bytes, not ${s.content.size}`);
    }
    return {
      name: s.name, parent, type: s.type, mode: num(s.mode), uid: num(s.uid), gid: num(s.gid), nlink: num(s.nlink),
      mtime: new Date(num(s.mtime)), atime: s.atime === null ? null : new Date(num(s.atime)), ctime: s.ctime === null ? null : new Date(num(s.ctime)),
      ...(target !== undefined ? { target } : {}), ...(rdev ? { rdev } : {}),
      hidden: s.hidden === true, base, origin, content: s.content ? { path: s.content.path, size: s.content.size } : null, changed: s.changed === true,
      kids: s.empty ? new Map() : null, origKids: s.empty ? [] : null,
    };
  }

  /** An entry of the original tree (this change set's namespace) by its original path. */
  private async lookupOriginal(path: string): Promise<FileNode> {
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

function fromImage(f: FileNode, parent: ONode | null, base: FileNode | null, name: string): ONode {
  return {
    name, parent, type: f.type, mode: f.mode, uid: f.uid, gid: f.gid, nlink: f.nlink,
    mtime: f.mtime ?? new Date(0), atime: f.atime, ctime: f.ctime,
    ...(f.target !== undefined ? { target: f.target } : {}), ...(f.rdev ? { rdev: f.rdev } : {}),
    hidden: f.hidden, base, origin: f, content: null, changed: false, kids: null, origKids: null,
  };
}

/** Sets (or clears) a node's link target and device number. */
function setLink(n: ONode, target: string | undefined, rdev: { major: number; minor: number } | undefined): void {
  if (target !== undefined) n.target = target; else delete n.target;
  if (rdev) n.rdev = { major: rdev.major, minor: rdev.minor }; else delete n.rdev;
}

/** Gives an overlay node of an original entry the original's content and attributes back. */
function resetAttributes(n: ONode): void {
  const f = n.base!;
  Object.assign(n, {
    type: f.type, mode: f.mode, uid: f.uid, gid: f.gid, nlink: f.nlink, mtime: f.mtime ?? new Date(0), atime: f.atime, ctime: f.ctime,
    hidden: f.hidden, origin: f, content: null, changed: false,
  });
  if (f.target !== undefined) n.target = f.target; else delete n.target;
  if (f.rdev) n.rdev = f.rdev; else delete n.rdev;
}

/** A copy of a node (and of its materialised subtree) as new entries. */
function cloneNode(n: ONode, parent: ONode, name: string): ONode {
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

function typeOf(loc: Loc): EntryType {
  return loc.f ? loc.f.type : loc.o.type;
}

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new EditError('invalid-argument', `bad number in saved changes: ${JSON.stringify(v)}`);
  return v;
}

/** Problems every namespace has with a name (empty, ".", "..", "/", NUL), or null. */
export function basicNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name === '') return 'a name cannot be empty';
  if (name === '.' || name === '..') return `${JSON.stringify(name)} is not a name`;
  if (name.includes('/')) return 'a name cannot contain "/"';
  if (name.includes('\0')) return 'a name cannot contain a NUL character';
  return null;
}

/** Why a name cannot be a Joliet name (≤ 103 UCS-2 units, none of * / : ; ? \ or control characters), or null. */
export function jolietProblem(name: string): string | null {
  if (name.length > JOLIET_MAX_UNITS) return `the name is ${name.length} UCS-2 characters; Joliet names are limited to ${JOLIET_MAX_UNITS}`;
  const bad = JOLIET_FORBIDDEN.exec(name);
  if (bad) return `Joliet names cannot contain ${bad[0] < ' ' ? `control character 0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0')}` : JSON.stringify(bad[0])} (forbidden: * / : ; ? \\ and control characters)`;
  return null;
}

/**
 * Why a name is not a legal ISO 9660 identifier at an interchange level, or null. Levels 1–3
 * (ECMA-119 7.5, 7.6): d-characters A–Z 0–9 _; files NAME.EXT with one dot (level 1: 8.3;
 * levels 2–3: at most 30 characters besides the dot); directories without a dot (level 1: 8
 * characters, levels 2–3: 31). Level 4 (ISO 9660:1999): up to 207 bytes, no ";".
 */
export function iso9660NameProblem(name: string, kind: 'file' | 'dir', level: 1 | 2 | 3 | 4): string | null {
  if (level === 4) {
    if (Buffer.byteLength(name, 'utf8') > 207) return 'ISO 9660:1999 names are limited to 207 bytes';
    if (name.includes(';')) return 'ISO 9660 names cannot contain ";" (it separates the version number)';
    return null;
  }
  const suggestion = name.toUpperCase().replace(/[^A-Z0-9_.]/g, '_');
  if (/[a-z]/.test(name) && /^[A-Za-z0-9_.]*$/.test(name)) return `ISO 9660 names are upper case (d-characters A–Z, 0–9, _): use ${JSON.stringify(suggestion)}`;
  if (kind === 'dir') {
    if (!/^[A-Z0-9_]+$/.test(name)) return `ISO 9660 directory names may contain only A–Z, 0–9 and _ (no dot)${/[^A-Z0-9_]/.test(name) ? `, e.g. ${JSON.stringify(suggestion.replace(/\./g, '_'))}` : ''}`;
    const max = level === 1 ? 8 : 31;
    if (name.length > max) return `ISO 9660 level ${level === 1 ? 1 : '2/3'} directory names are limited to ${max} characters`;
    return null;
  }
  if (!/^[A-Z0-9_]*(\.[A-Z0-9_]*)?$/.test(name)) return `ISO 9660 file names may contain only A–Z, 0–9, _ and one dot, e.g. ${JSON.stringify(suggestion)}`;
  const dot = name.indexOf('.');
  const base = dot < 0 ? name : name.slice(0, dot);
  const ext = dot < 0 ? '' : name.slice(dot + 1);
  if (base === '' && ext === '') return 'an ISO 9660 file name needs a name or an extension';
  if (level === 1) {
    if (base.length > 8 || ext.length > 3) return 'ISO 9660 level 1 file names are limited to 8 characters and a 3-character extension (8.3)';
  } else if (base.length + ext.length > 30) {
    return 'ISO 9660 level 2/3 file names are limited to 30 characters besides the dot';
  }
  return null;
}
