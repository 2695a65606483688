// Persistence of the edit model: the saved-changes JSON (SerializedChangeSet) — for every
// directory that differs from the image, the names removed and the entries added or changed —
// written by toJSON and replayed (validated again against the image) by ChangeSet.fromJSON.
import * as fs from 'node:fs';
import type { FileNode } from '../image';
import type { EntryType } from '../types';
import { MODE_BY_TYPE, S_IFMT } from '../fileMode';
import { joinPath } from '../paths';
import { EditError } from './editError';
import type { ONode } from './stagedTree';
import { ValidatedTree } from './validation';

export interface SerializedChangeSet {
  version: 1;
  image: { path: string; size: number; mtimeMs: number };
  namespace: string;
  ops: unknown[];
}

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

/** The tree that can be saved as JSON and rebuilt from it. */
export abstract class PersistentTree extends ValidatedTree {
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
   * Replays toJSON's output over this (fresh) tree of the same image. EditError when the image
   * file changed (size or mtime), the namespace differs, an entry it refers to is gone, a staged
   * content file is missing, or a name is not legal.
   */
  protected async replay(json: SerializedChangeSet): Promise<void> {
    const where = { image: this.image.name };
    if (!json || json.version !== 1 || !Array.isArray(json.ops) || !json.image) throw new EditError('invalid-argument', 'not a saved ISO Workbench change set (version 1)', where);
    if (json.image.size !== this.stamp.size || json.image.mtimeMs !== this.stamp.mtimeMs) {
      throw new EditError('invalid-argument', `the image changed since these changes were staged (then ${json.image.size} bytes, modified ${new Date(json.image.mtimeMs).toISOString()}; now ${this.stamp.size} bytes, modified ${new Date(this.stamp.mtimeMs).toISOString()}); they cannot be applied to it`, where);
    }
    if (json.namespace !== this.ns) throw new EditError('invalid-argument', `the changes were staged in the ${json.namespace} tree, but the image shows its ${this.ns} tree`, where);
    for (const raw of json.ops as Op[]) {
      if (raw?.op === 'root') {
        this.root.mode = (this.root.mode & S_IFMT) | (num(raw.mode) & 0o7777);
        this.root.uid = num(raw.uid); this.root.gid = num(raw.gid); this.root.mtime = new Date(num(raw.mtime));
        this.root.changed = true;
      } else if (raw?.op === 'dir') {
        const dir = await this.ensure(this.split(String(raw.path)));
        if (!dir) throw this.err('not-found', `saved changes refer to ${raw.path}, which does not exist`);
        if (dir.type !== 'dir') throw this.err('not-a-directory', `saved changes refer to ${raw.path}, which is not a directory`);
        await this.materialize(dir);
        for (const name of raw.removed ?? []) dir.kids!.delete(this.key(String(name)));
        for (const s of raw.entries ?? []) {
          // Names the image did not have are validated again (the rules are the image's).
          if (s?.base === null || (typeof s?.base === 'string' && s.base.slice(s.base.lastIndexOf('/') + 1) !== s.name)) await this.checkName(String(s.name), dir, s.type === 'dir' ? 'dir' : 'file');
          dir.kids!.set(this.key(s.name), await this.fromSpec(s, dir));
        }
      } else {
        throw new EditError('invalid-argument', `unknown operation in saved changes: ${JSON.stringify(raw).slice(0, 80)}`, where);
      }
    }
    this.touch();
  }

  /** Whether `n` is exactly what materialising `dir` creates for its original child `f`. */
  protected isPlain(n: ONode, dir: ONode, f: FileNode): boolean {
    return n.origin === f && n.base === (dir.base ? f : null) && !n.changed && !n.content && n.name === f.name;
  }

  protected spec(n: ONode): EntrySpec {
    return {
      name: n.name, base: n.base?.path ?? null, origin: n.origin?.path ?? null, type: n.type,
      mode: n.mode, uid: n.uid, gid: n.gid, nlink: n.nlink,
      mtime: n.mtime.getTime(), atime: n.atime?.getTime() ?? null, ctime: n.ctime?.getTime() ?? null,
      ...(n.target !== undefined ? { target: n.target } : {}), ...(n.rdev ? { rdev: n.rdev } : {}),
      hidden: n.hidden, content: n.content, changed: n.changed,
      ...(n.type === 'dir' && !n.origin ? { empty: true } : {}),
    };
  }

  protected async fromSpec(s: EntrySpec, parent: ONode): Promise<ONode> {
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
}

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new EditError('invalid-argument', `bad number in saved changes: ${JSON.stringify(v)}`);
  return v;
}
