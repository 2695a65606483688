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
//
// The change set is built in layers, one file each: the staged tree model (stagedTree.ts), the
// validation of names, paths and content (validation.ts), persistence as saved-changes JSON
// (savedChanges.ts), and here the changes themselves and the edited view. EditError and its
// reasons: editError.ts.
import * as fs from 'node:fs';
import type { DiscImage } from '../image';
import { MODE_BY_TYPE, S_IFMT } from '../fileMode';
import { joinPath, parentPath } from '../paths';
import { PersistentTree, type SerializedChangeSet } from './savedChanges';
import { cloneNode, fromImage, resetAttributes, setLink, typeOf, type ChangeSummary, type EditedNode, type Loc, type ONode } from './stagedTree';
import { ISO_PATH_MAX, type SpecialType } from './validation';

// The edit model's public API, importable from here as before the split into layers.
export { EditError, EDIT_ERROR_CODES, type EditErrorCode } from './editError';
export type { ChangeSummary, EditedNode, EntryData } from './stagedTree';
export type { SerializedChangeSet } from './savedChanges';
export { basicNameProblem, type SpecialType } from './validation';

export class ChangeSet extends PersistentTree {
  /** Edits the image's active namespace tree (Rock Ridge > Joliet > ISO 9660 unless switched). */
  constructor(image: DiscImage, imagePath: string) {
    super(image, imagePath);
  }

  /**
   * Rebuilds a change set from toJSON's output over the same image. EditError when the image file
   * changed (size or mtime), the namespace differs, an entry it refers to is gone, a staged
   * content file is missing, or a name is not legal.
   */
  static async fromJSON(image: DiscImage, imagePath: string, json: SerializedChangeSet): Promise<ChangeSet> {
    const cs = new ChangeSet(image, imagePath);
    await cs.replay(json);
    return cs;
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
}
