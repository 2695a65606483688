// Where extraction (extract.ts) puts each entry on the target: host paths built name by name
// (every name checked, placed by a FolderNames planner where names can clash on the target),
// entries created under the next free name when the target already holds an entry of this run
// there or refuses the name, directories made without ever following a symbolic link, and the
// rename list (RENAME_LIST) that names every entry written under another name.
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { InvalidArgumentError, UnsafePathError } from './errors';
import type { FileNode } from './image';
import { FolderNames, HOST_PROFILES, hostSafeName, namesCanClash, REASON_TEXT, type HostProfile, type PlacedName } from './hostNames';
import { termText } from './util/escape';
import { errnoCode, REFUSED_NAME } from './extractFailures';
import type { ExtractResult, Renamed } from './extract';

/** The list of renamed entries extraction leaves at the top of the target folder. */
export const RENAME_LIST = '.isowb-renames.txt';

/** The target said an entry this run wrote already holds the name: the later entry needs another one. */
class NameClash extends Error {}

/** Checks one name from the image and returns it, or throws UnsafePathError. */
export function safeComponent(name: string, imagePath: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || (nodePath.sep === '\\' && /[\\:]/.test(name))) {
    throw new UnsafePathError(`refusing to extract ${JSON.stringify(imagePath)}: name ${JSON.stringify(name)} would leave the target folder`);
  }
  return name;
}

/** The target folder of one extraction: its names, and what this run wrote there. */
export class ExtractTarget {
  /** The target with one separator after it (a drive or share root, "/" or "C:\\", has it already). */
  private readonly rootSep: string;
  /** Whether names can clash on this target (then each target folder's names are planned). */
  private readonly clashes: boolean;
  private readonly folders = new Map<string, FolderNames>();
  /** Renames decided while placing an entry, noted once the entry exists. */
  private readonly pending = new Map<FileNode, Omit<Renamed, 'path' | 'as'>>();
  /**
   * Host paths of directories already placed (by path relative to the base): a child's path is
   * its parent's plus one checked name, so 100,000 files cost 100,000 name checks, not a split
   * and join of every full path.
   */
  readonly hostDirs: Map<string, string>;
  private readonly verified: Set<string>;

  /**
   * `startCtimeMs`: the target's clock at the start (an entry whose change time is not older was
   * written by this run). `onRenamed`: an entry was created under another name than its own.
   */
  constructor(readonly root: string, private readonly profile: HostProfile, private readonly startCtimeMs: number, private readonly onRenamed: (entry: Renamed) => void) {
    this.rootSep = root.endsWith(nodePath.sep) ? root : root + nodePath.sep;
    this.clashes = namesCanClash(profile);
    this.hostDirs = new Map<string, string>([['', root]]);
    this.verified = new Set<string>([root]);
  }

  /** An entry this run wrote: its change time is not older than the probe's folder. */
  writtenByUs(st: fs.Stats): boolean {
    return st.ctimeMs >= this.startCtimeMs;
  }

  /** Host path for an image path (relative to the base); every component is validated (and placed, when names can clash). */
  hostPath(p: string, node: FileNode): string {
    const slash = p.lastIndexOf('/');
    const parent = this.hostDirs.get(p.slice(0, slash));
    if (parent === undefined) return this.slowHostPath(p, node);
    const placed = this.placeName(parent, safeComponent(p.slice(slash + 1), p), node.type === 'dir');
    if (placed.renamed) this.pending.set(node, placed.renamed);
    return (parent === this.root ? this.rootSep : parent + nodePath.sep) + placed.name;
  }

  /** Removes what is at `target` before an entry is written there: never an entry of this run. */
  async clearFor(target: string): Promise<void> {
    let st;
    try { st = await fsp.lstat(target); } catch { return; }
    if (this.writtenByUs(st)) throw new NameClash(target);
    if (st.isDirectory()) throw new InvalidArgumentError(`${target} exists and is a directory`);
    await fsp.unlink(target);
  }

  /**
   * Creates the entry `node` at `target` with `create`, under the next free name when the target
   * already holds an entry of this run there, or refuses the name (a Windows rule the probe did
   * not see). Returns where it was created.
   */
  async createAt(node: FileNode, target: string, create: (t: string) => Promise<void>): Promise<string> {
    const isDir = node.type === 'dir';
    let asked = nodePath.basename(target);
    for (let attempt = 0; ; attempt++) {
      try {
        await create(target);
        const r = this.pending.get(node);
        if (r) { this.pending.delete(node); this.noteRename(node, target, r); }
        return target;
      } catch (e) {
        if (attempt >= 3) throw e;
        const dir = nodePath.dirname(target), name = nodePath.basename(target);
        let other: string;
        if (e instanceof NameClash) {
          other = this.folderOf(dir).alternative(asked, isDir);
        } else {
          asked = this.refusedNameAlternative(e, name, isDir);
          other = this.folderOf(dir).place(asked, isDir).name;
        }
        const before = this.pending.get(node);
        this.pending.set(node, { reasons: [...new Set([...(before?.reasons ?? []), 'taken' as const])], clashesWith: before?.clashesWith ?? (e instanceof NameClash ? name : undefined) });
        target = nodePath.join(dir, other);
      }
    }
  }

  /**
   * Makes sure `dir` exists as a real directory under root, never following a symlink. For an
   * entry's own directory (`forEntry`), a directory already there is used unless this run made it
   * for another entry (then NameClash: the entry takes another name).
   */
  async ensureDir(dir: string, forEntry = false): Promise<void> {
    if (!forEntry && this.verified.has(dir)) return;
    const parent = nodePath.dirname(dir);
    if (parent !== dir) await this.ensureDir(parent);
    try {
      fs.mkdirSync(dir, { mode: 0o700 }); // a directory we just made is real: no need to look at it
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = fs.lstatSync(dir);
      if (forEntry && !this.verified.has(dir) && this.writtenByUs(st)) throw new NameClash(dir);
      if (st.isSymbolicLink()) throw new UnsafePathError(`refusing to write through the symbolic link ${dir}`);
      if (!st.isDirectory()) throw new UnsafePathError(`${dir} exists and is not a directory`);
    }
    this.verified.add(dir);
  }

  /**
   * A name the target refuses (EINVAL, EPERM, EILSEQ …): its Windows-safe form if that differs,
   * else its ASCII form (%XX for the rest: FUSE FAT drivers without Unicode). Rethrows `e` otherwise.
   */
  private refusedNameAlternative(e: unknown, name: string, isDir: boolean): string {
    const code = errnoCode(e);
    if (code === undefined || !REFUSED_NAME.has(code)) throw e;
    const strict = { ...HOST_PROFILES.windows, maxName: this.profile.maxName };
    let safe = hostSafeName(name, strict, isDir).name;
    if (safe === name) safe = hostSafeName(name, { ...strict, asciiOnly: true }, isDir).name;
    if (safe === name) throw e;
    return safe;
  }

  private folderOf(hostDir: string): FolderNames {
    let f = this.folders.get(hostDir);
    if (!f) this.folders.set(hostDir, f = new FolderNames(this.profile));
    return f;
  }

  /** The host name of `name` in the folder `hostDir`: its own, or another one (then `renamed`). */
  private placeName(hostDir: string, name: string, isDir: boolean): { name: string; renamed?: Omit<Renamed, 'path' | 'as'> } {
    const placed = this.clashes ? this.folderOf(hostDir).place(name, isDir) : hostSafeName(name, this.profile, isDir);
    return placed.name === name ? { name } : { name: placed.name, renamed: { reasons: placed.reasons, clashesWith: (placed as PlacedName).clashesWith } };
  }

  /** Host path for an image path whose parent was not placed yet. */
  private slowHostPath(p: string, node: FileNode): string {
    const parts = p.split('/').filter(x => x !== '');
    for (const part of parts) safeComponent(part, p);
    let t = this.root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const placed = last ? this.placeName(t, part, node.type === 'dir') : { name: hostSafeName(part, this.profile, true).name };
      if (last && placed.renamed) this.pending.set(node, placed.renamed);
      t = nodePath.join(t, placed.name);
    });
    if (t !== this.root && !t.startsWith(this.rootSep)) throw new UnsafePathError(`refusing to extract ${JSON.stringify(p)}: it resolves outside ${this.root}`);
    return t;
  }

  private noteRename(node: FileNode, target: string, r: Omit<Renamed, 'path' | 'as'>): void {
    const as = nodePath.relative(this.root, target).split(nodePath.sep).join('/');
    this.onRenamed({ path: node.path, as, ...r });
  }
}

/** Why an entry was renamed, in words. */
export function renameWhy(r: Pick<Renamed, 'reasons' | 'clashesWith'>): string {
  return r.reasons.map((k) => (k === 'case' || k === 'normalization') && r.clashesWith ? `${REASON_TEXT[k]} (${r.clashesWith})` : REASON_TEXT[k]).join('; ');
}

/**
 * Writes the rename list at the top of the target folder (RENAME_LIST, or RENAME_LIST with "~2"
 * when the image itself holds a file of that name): a header, then one line per renamed entry,
 * "image path<TAB>extracted as<TAB>why", names escaped like the CLI's output (\t, \n, \\ …).
 */
export async function writeRenameList(root: string, r: ExtractResult, imageName: string, writtenByUs: (st: fs.Stats) => boolean): Promise<string> {
  const lines = [
    `# ISO Workbench: entries of ${termText(imageName)} extracted under other names, because this file system (${r.hostProfile}) cannot hold them as they are.`,
    '# image path<TAB>extracted as (relative to this folder)<TAB>why; backslash, TAB, LF and other control characters in names are escaped as \\\\, \\t, \\n, \\xHH.',
    ...r.renamed.map((e) => `${termText(e.path)}\t${termText(e.as)}\t${termText(renameWhy(e))}`),
  ];
  for (let n = 1; ; n++) {
    const name = n === 1 ? RENAME_LIST : RENAME_LIST.replace(/\.txt$/, `~${n}.txt`);
    const file = nodePath.join(root, name);
    try {
      const st = fs.lstatSync(file);
      if (writtenByUs(st) || !st.isFile()) continue; // extracted from the image (or not a file): keep it
    } catch { /* not there */ }
    const tmp = `${file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, lines.join('\n') + '\n', { flag: 'wx' });
    await fsp.rename(tmp, file);
    return file;
  }
}
