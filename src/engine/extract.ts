// Extraction of files from an image to a folder. Never writes outside the chosen folder: names
// are checked component by component, parents are verified not to be symlinks, and the image's
// own symlinks are created last so no write can pass through one.
//
// One bad entry never stops an extraction: whatever fails for one entry (a system call's errno
// error, a failing mkfifo/mknod, an IsoError reading its data) becomes a warning naming the entry,
// the entry counts as not extracted, and the walk goes on; directory modes and times are applied
// at the end. Only cancellation, an unusable destination folder and a destination that can take
// no more writes (full disk, quota, read-only file system) stop it.
//
// No entry overwrites another or vanishes on the target's file system: the target folder is
// probed first (case-insensitive? normalization-insensitive? Windows names?), every name is
// placed through a FolderNames planner (hostNames.ts), and an entry whose name the target holds
// as another entry's, or cannot hold at all, is written under a deterministic other name
// ("readme~2", "a%3Ab", "CON_"), named in a warning and listed in .isowb-renames.txt at the top of
// the target folder. An entry this run already wrote is never replaced: should the target still
// say "exists" (a casefolded folder deeper in the tree), the later entry takes the next free name.
import * as fs from 'node:fs';
import { promises as fsp, constants as C } from 'node:fs';
import * as nodePath from 'node:path';
import { execFile } from 'node:child_process';
import { getSystemErrorMap, promisify } from 'node:util';
import { CancelledError, CorruptImageError, InvalidArgumentError, IsoError, UnsafePathError, UnsupportedFeatureError } from './errors';
import type { DiscImage, FileNode } from './image';
import { FolderNames, HOST_PROFILES, hostSafeName, namesCanClash, platformProfile, probeHostProfile, REASON_TEXT, type HostProfile, type PlacedName, type RenameReason } from './hostNames';
import { termText } from './util/escape';
import { writeSparse } from './io/copy';

export interface ExtractProgress {
  files: number;
  bytes: number;
  /** Bytes of file data the selection holds, when known (after the plan pass). */
  totalBytes: number;
  current: string;
}

export interface ExtractOptions {
  /** Paths inside the image to extract (default: everything). */
  paths?: string[];
  /**
   * Image folder the selection is placed relative to (default "/": full image paths are kept).
   * With base "/boot", extracting "/boot/grub" writes DEST/grub. Every selected path must be
   * inside it.
   */
  base?: string;
  /** Walk the selection first so progress reports carry totalBytes (costs one directory walk). */
  planTotal?: boolean;
  /** Destination folder (created when missing). */
  dest: string;
  signal?: AbortSignal;
  onProgress?: (p: ExtractProgress) => void;
  /** Restore owner and group (default: when running as root, like tar). */
  preserveOwner?: boolean;
  /** Called for each entry that could not be extracted (default: collected in the result). */
  onWarning?: (message: string) => void;
  /**
   * The rules names are written under (default: probed on the target folder). A profile stricter
   * than the target (HOST_PROFILES.windows on Linux) gives a tree that copies to that host as is.
   */
  hostProfile?: HostProfile;
  /** Write RENAME_LIST at the top of the target folder when entries were renamed (default true). */
  renameList?: boolean;
}

/** An entry written under another name than its own. */
export interface Renamed {
  /** Its path in the image. */
  path: string;
  /** Its path in the target folder, relative, with "/" between names. */
  as: string;
  reasons: RenameReason[];
  /** The name it clashed with on the target, for a clash. */
  clashesWith?: string;
}

/** The list of renamed entries extraction leaves at the top of the target folder. */
export const RENAME_LIST = '.isowb-renames.txt';

export interface ExtractResult {
  files: number;
  dirs: number;
  symlinks: number;
  special: number;
  bytes: number;
  /**
   * Entries of the selection that could not be extracted: each is named in a warning, except the
   * contents of a directory that could not be created (its warning says they are skipped).
   */
  failed: number;
  /** Every warning: entries not extracted, attributes not applied, problems read in the image. */
  warnings: string[];
  /** Entries written under another name (each is also a warning). */
  renamed: Renamed[];
  /** The target's name rules, as probed ("case-insensitive, Windows names"). */
  hostProfile: string;
  /** The rename list written (host path), when entries were renamed. */
  renameList?: string;
}

const CHUNK = 4 * 1024 * 1024;
const fsFtruncate = promisify(fs.ftruncate);

/** The target said an entry this run wrote already holds the name: the later entry needs another one. */
class NameClash extends Error {}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}
const run = promisify(execFile);

/** Checks one name from the image and returns it, or throws UnsafePathError. */
export function safeComponent(name: string, imagePath: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || (nodePath.sep === '\\' && /[\\:]/.test(name))) {
    throw new UnsafePathError(`refusing to extract ${JSON.stringify(imagePath)}: name ${JSON.stringify(name)} would leave the target folder`);
  }
  return name;
}

export async function extract(image: DiscImage, opts: ExtractOptions): Promise<ExtractResult> {
  const dest = nodePath.resolve(opts.dest);
  const base = '/' + (opts.base ?? '/').split('/').filter(x => x !== '' && x !== '.').join('/');
  if (base.split('/').includes('..')) throw new InvalidArgumentError(`".." is not allowed in the extraction base: ${opts.base}`);
  const baseLen = base === '/' ? 0 : base.length;
  // An unusable destination stops everything before anything is written.
  await fsp.mkdir(dest, { recursive: true });
  const root = await fsp.realpath(dest);
  const preserveOwner = opts.preserveOwner ?? (typeof process.getuid === 'function' && process.getuid() === 0);
  // What the target does to names, and its clock: an entry whose change time is not older than
  // the probe's folder was written by this run.
  const probed = await probeHostProfile(root).catch(() => null);
  const profile = opts.hostProfile ?? probed?.profile ?? platformProfile();
  const startCtimeMs = probed?.startCtimeMs ?? Date.now();
  const result: ExtractResult = { files: 0, dirs: 0, symlinks: 0, special: 0, bytes: 0, failed: 0, warnings: [], renamed: [], hostProfile: profile.label };
  const warn = (m: string) => { result.warnings.push(m); opts.onWarning?.(m); };
  const verified = new Set<string>([root]);
  const dirFixups: Array<{ target: string; node: FileNode }> = [];
  const links: Array<{ target: string; node: FileNode }> = [];
  /** Directories (paths relative to the base) that could not be created: their contents are skipped. */
  const failedDirs = new Set<string>();
  const progress: ExtractProgress = { files: 0, bytes: 0, totalBytes: 0, current: '' };
  let lastReport = 0;
  const report = (force = false) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (force || now - lastReport > 100) { lastReport = now; opts.onProgress({ ...progress }); }
  };
  const checkCancel = () => { if (opts.signal?.aborted) throw new CancelledError('extraction cancelled', { image: image.name }); };

  /**
   * One entry could not be extracted: a warning naming it and why, and on we go — unless the
   * destination can take no more writes (then extraction stops with a clear error) or the user
   * cancelled.
   */
  const failed = (node: FileNode, e: unknown, what = `${TYPE_WORD[node.type]} not extracted`): void => {
    stopIfFatal(e, node, root, result);
    result.failed++;
    warn(`${node.path}: ${what}: ${describeFailure(e)}`);
  };
  /** An attribute (owner, mode, times) that could not be applied: a warning; the entry stays. */
  const attempt = async (node: FileNode, what: string, fn: () => unknown): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      stopIfFatal(e, node, root, result);
      // A file system without the attribute at all (FAT has no modes): one warning, not one per entry.
      const code = errnoCode(e);
      if (code === 'ENOSYS' || code === 'EOPNOTSUPP' || code === 'ENOTSUP') {
        const n = (unsupported.get(what) ?? 0) + 1;
        unsupported.set(what, n);
        if (n > 1) return;
        warn(`${node.path}: ${what} not applied: ${describeFailure(e)}; the file system does not support it (later entries not named)`);
        return;
      }
      warn(`${node.path}: ${what} not applied: ${describeFailure(e)}`);
    }
  };
  /** Attributes the target does not support, and on how many entries they were not applied. */
  const unsupported = new Map<string, number>();

  // The target with one separator after it (a drive or share root, "/" or "C:\\", has it already).
  const rootSep = root.endsWith(nodePath.sep) ? root : root + nodePath.sep;
  // The names of each target folder (by host path), where names can clash on this target.
  const clashes = namesCanClash(profile);
  const folders = new Map<string, FolderNames>();
  const folderOf = (hostDir: string): FolderNames => {
    let f = folders.get(hostDir);
    if (!f) folders.set(hostDir, f = new FolderNames(profile));
    return f;
  };
  /** The host name of `name` in the folder `hostDir`: its own, or another one (then `renamed`). */
  const placeName = (hostDir: string, name: string, isDir: boolean): { name: string; renamed?: Omit<Renamed, 'path' | 'as'> } => {
    const placed = clashes ? folderOf(hostDir).place(name, isDir) : hostSafeName(name, profile, isDir);
    return placed.name === name ? { name } : { name: placed.name, renamed: { reasons: placed.reasons, clashesWith: (placed as PlacedName).clashesWith } };
  };
  const relHost = (hostPath: string): string => nodePath.relative(root, hostPath).split(nodePath.sep).join('/');
  const noteRename = (node: FileNode, target: string, r: Omit<Renamed, 'path' | 'as'>): void => {
    const entry: Renamed = { path: node.path, as: relHost(target), ...r };
    result.renamed.push(entry);
    warn(`${node.path}: extracted as ${entry.as}: ${renameWhy(entry)}`);
  };
  /** Renames decided while placing an entry, noted once the entry exists. */
  const pending = new Map<FileNode, Omit<Renamed, 'path' | 'as'>>();

  /** Host path for an image path; every component is validated (and placed, when names can clash). */
  const slowHostPath = (p: string, node: FileNode): string => {
    const parts = p.split('/').filter(x => x !== '');
    for (const part of parts) safeComponent(part, p);
    let t = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const placed = last ? placeName(t, part, node.type === 'dir') : { name: hostSafeName(part, profile, true).name };
      if (last && placed.renamed) pending.set(node, placed.renamed);
      t = nodePath.join(t, placed.name);
    });
    if (t !== root && !t.startsWith(rootSep)) throw new UnsafePathError(`refusing to extract ${JSON.stringify(p)}: it resolves outside ${root}`);
    return t;
  };
  // Host paths of directories already placed: a child's path is its parent's plus one checked
  // name, so 100,000 files cost 100,000 name checks, not a split and join of every full path.
  const hostDirs = new Map<string, string>([['', root]]);
  const hostPath = (p: string, node: FileNode): string => {
    const slash = p.lastIndexOf('/');
    const parent = hostDirs.get(p.slice(0, slash));
    if (parent === undefined) return slowHostPath(p, node);
    const placed = placeName(parent, safeComponent(p.slice(slash + 1), p), node.type === 'dir');
    if (placed.renamed) pending.set(node, placed.renamed);
    return (parent === root ? rootSep : parent + nodePath.sep) + placed.name;
  };
  /** An entry this run wrote: its change time is not older than the probe's folder. */
  const writtenByUs = (st: fs.Stats): boolean => st.ctimeMs >= startCtimeMs;
  /** Removes what is at `target` before an entry is written there: never an entry of this run. */
  const clearFor = async (target: string): Promise<void> => {
    let st;
    try { st = await fsp.lstat(target); } catch { return; }
    if (writtenByUs(st)) throw new NameClash(target);
    if (st.isDirectory()) throw new InvalidArgumentError(`${target} exists and is a directory`);
    await fsp.unlink(target);
  };
  /**
   * Creates the entry `node` at `target` with `create`, under the next free name when the target
   * already holds an entry of this run there, or refuses the name (a Windows rule the probe did
   * not see). Returns where it was created.
   */
  const createAt = async (node: FileNode, target: string, create: (t: string) => Promise<void>): Promise<string> => {
    const isDir = node.type === 'dir';
    let asked = nodePath.basename(target);
    for (let attempt = 0; ; attempt++) {
      try {
        await create(target);
        const r = pending.get(node);
        if (r) { pending.delete(node); noteRename(node, target, r); }
        return target;
      } catch (e) {
        if (attempt >= 3) throw e;
        const dir = nodePath.dirname(target), name = nodePath.basename(target);
        let other: string;
        if (e instanceof NameClash) {
          other = folderOf(dir).alternative(asked, isDir);
        } else {
          // A name the target refuses (EINVAL, EPERM, EILSEQ …): its Windows-safe form if that
          // differs, else its ASCII form (%XX for the rest: FUSE FAT drivers without Unicode).
          const code = errnoCode(e);
          if (code === undefined || !REFUSED_NAME.has(code)) throw e;
          const strict = { ...HOST_PROFILES.windows, maxName: profile.maxName };
          let safe = hostSafeName(name, strict, isDir).name;
          if (safe === name) safe = hostSafeName(name, { ...strict, asciiOnly: true }, isDir).name;
          if (safe === name) throw e;
          other = folderOf(dir).place(safe, isDir).name;
          asked = safe;
        }
        const before = pending.get(node);
        pending.set(node, { reasons: [...new Set([...(before?.reasons ?? []), 'taken' as const])], clashesWith: before?.clashesWith ?? (e instanceof NameClash ? name : undefined) });
        target = nodePath.join(dir, other);
      }
    }
  };

  /**
   * Makes sure `dir` exists as a real directory under root, never following a symlink. For an
   * entry's own directory (`forEntry`), a directory already there is used unless this run made it
   * for another entry (then NameClash: the entry takes another name).
   */
  const ensureDir = async (dir: string, forEntry = false): Promise<void> => {
    if (!forEntry && verified.has(dir)) return;
    const parent = nodePath.dirname(dir);
    if (parent !== dir) await ensureDir(parent);
    try {
      fs.mkdirSync(dir, { mode: 0o700 }); // a directory we just made is real: no need to look at it
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = fs.lstatSync(dir);
      if (forEntry && !verified.has(dir) && writtenByUs(st)) throw new NameClash(dir);
      if (st.isSymbolicLink()) throw new UnsafePathError(`refusing to write through the symbolic link ${dir}`);
      if (!st.isDirectory()) throw new UnsafePathError(`${dir} exists and is not a directory`);
    }
    verified.add(dir);
  };

  let big: [Buffer, Buffer] | null = null;
  const bigBuffers = (): [Buffer, Buffer] => (big ??= [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]);
  const FLAGS = C.O_WRONLY | C.O_CREAT | C.O_EXCL | (C.O_NOFOLLOW ?? 0);
  // Files are created with their final permission bits where the umask allows it, so most need
  // no chmod afterwards (a new file is writable through the descriptor that created it).
  const umask = process.umask();
  const myUid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const myGid = typeof process.getgid === 'function' ? process.getgid() : -1;
  const openNew = async (target: string, mode: number): Promise<number> => {
    try {
      return fs.openSync(target, FLAGS, mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      await clearFor(target);
      return fs.openSync(target, FLAGS, mode);
    }
  };

  // Small files are written with synchronous calls: for tens of thousands of files the
  // thread-pool round trips of the promise API cost more than the writes themselves.
  const writeFile = async (node: FileNode, target: string): Promise<void> => {
    await ensureDir(nodePath.dirname(target));
    const perm = node.mode & 0o7777;
    const fd = await openNew(target, perm & 0o777);
    let written = false;
    try {
      let pos = 0;
      if (node.size <= CHUNK) {
        // Small file: one read, one write.
        const b = node.size > 0 ? await image.read(node, 0, node.size) : new Uint8Array(0);
        writeAll(fd, b);
        pos = b.length;
        progress.bytes += b.length;
      } else {
        // Large file: read ahead through two reused buffers; asynchronous writes keep the event
        // loop free for cancellation and progress.
        pos = await image.pump(node, async (b, at) => {
          checkCancel();
          await writeSparse(fd, b, at);
          progress.bytes += b.length;
          report();
        }, bigBuffers());
        // A file that ends in a hole gets its length from ftruncate.
        if (pos > 0) await fsFtruncate(fd, pos);
      }
      written = true;
      if (pos < node.size) warn(`${node.path}: image ends after ${pos} of ${node.size} bytes; file is short`);
      // Owner first: chown clears the set-user/group-ID bits, chmod then restores them.
      const chown = preserveOwner && (node.uid !== myUid || node.gid !== myGid);
      if (chown) { try { fs.fchownSync(fd, node.uid, node.gid); } catch { /* not permitted: keep ours */ } }
      if (chown || perm !== (perm & 0o777 & ~umask)) await attempt(node, 'mode', () => fs.fchmodSync(fd, perm));
      const mtime = node.mtime;
      if (mtime) await attempt(node, 'modification time', () => fs.futimesSync(fd, node.atime ?? mtime, mtime));
    } finally {
      fs.closeSync(fd);
      // A file whose data could not be written completely is not left behind looking complete.
      if (!written) try { fs.unlinkSync(target); } catch { /* already gone */ }
    }
  };

  /**
   * FIFOs and devices: Node cannot make them, so the system's mkfifo and mknod do (POSIX tools,
   * on Linux and macOS; devices only as root); on Windows they are warnings.
   */
  const makeSpecial = async (node: FileNode, target: string): Promise<boolean> => {
    if (process.platform === 'win32') { failed(node, new UnsupportedFeatureError('FIFOs and device files cannot be created on Windows')); return false; }
    const perm = node.mode & 0o7777;
    // mkfifo/mknod refuse set-user/group-ID and sticky bits in -m: those come with the chmod below.
    const mode = (perm & 0o777).toString(8);
    if (node.type === 'fifo') {
      await ensureDir(nodePath.dirname(target));
      target = await createAt(node, target, async (t) => { await clearFor(t); await run('mkfifo', ['-m', mode, t]); });
    } else if ((node.type === 'char' || node.type === 'block') && preserveOwner) {
      const dev = node.rdev ?? { major: 0, minor: 0 };
      if (!isDeviceNumber(dev.major) || !isDeviceNumber(dev.minor)) {
        failed(node, new CorruptImageError(`device number ${dev.major},${dev.minor} is not valid`));
        return false;
      }
      await ensureDir(nodePath.dirname(target));
      // The target is an absolute path (no "--" needed; BSD mknod has no -m: the chmod below sets the mode).
      const args = [target, node.type === 'char' ? 'c' : 'b', String(dev.major), String(dev.minor)];
      target = await createAt(node, target, async (t) => { await clearFor(t); await run('mknod', process.platform === 'linux' ? ['-m', mode, t, ...args.slice(1)] : [t, ...args.slice(1)]); });
    } else {
      result.failed++;
      warn(`${node.path}: ${node.type} ${node.type === 'socket' ? 'cannot be extracted' : 'needs root to be created'}; skipped`);
      return false;
    }
    if (preserveOwner) await fsp.lchown(target, node.uid, node.gid).catch(() => undefined);
    if (perm !== (perm & 0o777 & ~umask) || process.platform !== 'linux') await attempt(node, 'mode', () => fsp.chmod(target, perm));
    const mtime = node.mtime;
    if (mtime) await attempt(node, 'modification time', () => fsp.utimes(target, node.atime ?? mtime, mtime));
    return true;
  };

  const extractNode = async (node: FileNode): Promise<void> => {
    checkCancel();
    progress.current = node.path;
    const rel = node.path.slice(baseLen);
    if (failedDirs.has(rel.slice(0, rel.lastIndexOf('/')))) {
      // Inside a directory that could not be created (its warning said its contents are skipped).
      result.failed++;
      if (node.type === 'dir') failedDirs.add(rel);
      return;
    }
    try {
      let target = hostPath(rel, node);
      switch (node.type) {
        case 'dir':
          target = await createAt(node, target, (t) => ensureDir(t, true));
          hostDirs.set(rel, target);
          dirFixups.push({ target, node });
          result.dirs++;
          break;
        case 'file':
          await createAt(node, target, (t) => writeFile(node, t));
          result.files++;
          result.bytes += node.size;
          progress.files++;
          break;
        case 'symlink':
          links.push({ target, node });
          break;
        default:
          if (await makeSpecial(node, target)) result.special++;
      }
    } catch (e) {
      if (node.type === 'dir') {
        failedDirs.add(rel);
        failed(node, e, 'directory not created (its contents are skipped)');
      } else {
        failed(node, e);
      }
    }
    report();
  };

  // Problems the image model reports while we read (entries skipped for unusable names,
  // duplicate names, data beyond the end of the image) are problems of this extraction too.
  const firstDiagnostic = image.diagnostics.items.length;
  const selection = opts.paths && opts.paths.length > 0 ? opts.paths : ['/'];
  const nodes: FileNode[] = [];
  for (const p of selection) {
    const node = await image.lookup(p);
    if (baseLen > 0 && node.path !== base && !node.path.startsWith(base + '/')) {
      throw new InvalidArgumentError(`${node.path} is not inside the extraction base ${base}`, { image: image.name });
    }
    nodes.push(node);
  }
  if (opts.planTotal) {
    try {
      for (const node of nodes) {
        if (node.type === 'file') progress.totalBytes += node.size;
        else if (node.type === 'dir') await image.walk(node, n => { checkCancel(); if (n.type === 'file') progress.totalBytes += n.size; }, () => undefined);
      }
    } catch (e) {
      // An unreadable directory is reported by the extraction walk below; the total stays a guess.
      if (!(e instanceof IsoError) || e instanceof CancelledError) throw e;
    }
    report(true);
  }
  for (const node of nodes) {
    if (node.type === 'dir') {
      if (node.path.length > baseLen && node.path !== '/') await extractNode(node);
      else await ensureDir(root);
      try {
        // A directory whose records cannot be read is one failed entry; the walk goes on.
        await image.walk(node, n => extractNode(n), (dir, e) => {
          result.failed++;
          warn(`${dir.path}: directory not read, its contents are not extracted: ${e.message}`);
        });
      } catch (e) {
        // A budget of the walk (limits.entriesPerWalk) ends it; the other selected entries, the
        // symbolic links and the directory attributes still follow.
        if (!(e instanceof IsoError) || e instanceof CancelledError || stops.has(e)) throw e;
        result.failed++;
        warn(`${node.path}: not completely extracted: ${e.message}`);
      }
    } else {
      await extractNode(node);
    }
  }

  // Symlinks last: nothing above can have written through one of them.
  for (const link of links) {
    const node = link.node;
    let target = link.target;
    checkCancel();
    try {
      const to = node.target ?? '';
      if (to.includes('\0')) throw new CorruptImageError('the link target contains a NUL byte, which no file system can store');
      await ensureDir(nodePath.dirname(target));
      target = await createAt(node, target, async (t) => { await clearFor(t); await fsp.symlink(to, t); });
      result.symlinks++;
    } catch (e) {
      if (process.platform === 'win32' && errnoCode(e) === 'EPERM') {
        // Windows lets only administrators (or Developer Mode) create symbolic links.
        result.failed++;
        warn(`${node.path}: symbolic link to ${node.target ?? ''} not created: Windows allows symbolic links only with Developer Mode on or as administrator`);
      } else {
        failed(node, e);
      }
      continue;
    }
    if (preserveOwner) await fsp.lchown(target, node.uid, node.gid).catch(() => undefined);
    const mtime = node.mtime;
    if (mtime) await attempt(node, 'modification time', () => fsp.lutimes(target, node.atime ?? mtime, mtime));
  }
  // Directory modes and times last, deepest first (a read-only directory blocks its children).
  for (let i = dirFixups.length - 1; i >= 0; i--) {
    const { target, node } = dirFixups[i];
    if (preserveOwner) await fsp.lchown(target, node.uid, node.gid).catch(() => undefined);
    await attempt(node, 'directory mode', () => fsp.chmod(target, node.mode & 0o7777));
    const mtime = node.mtime;
    if (mtime) await attempt(node, 'directory modification time', () => fsp.utimes(target, node.atime ?? mtime, mtime));
  }
  if (result.renamed.length > 0 && opts.renameList !== false) {
    await attempt(nodes[0] ?? image.root, 'rename list', async () => { result.renameList = await writeRenameList(root, result, image.name, writtenByUs); });
  }
  for (const [what, n] of unsupported) if (n > 1) warn(`${what} not applied to ${n} entries: the file system does not support it`);
  for (const d of image.diagnostics.items.slice(firstDiagnostic)) {
    warn(`${d.structure ? `${d.structure}: ` : ''}${d.message}${d.offset !== undefined ? ` (byte ${d.offset})` : ''}`);
  }
  report(true);
  return result;
}

const TYPE_WORD: Record<FileNode['type'], string> = {
  file: 'file', dir: 'directory', symlink: 'symbolic link', fifo: 'FIFO', char: 'character device', block: 'block device', socket: 'socket',
};

/** Errors of a name the target file system will not hold (Windows rules on FAT, NTFS, SMB). */
const REFUSED_NAME = new Set(['EINVAL', 'EPERM', 'EILSEQ', 'ENOENT', 'EACCES']);

/** Errors after which the destination takes no more writes: every later entry would fail too. */
const FULL = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);
/** The errors that stopped an extraction (they pass every per-entry handler on the way out). */
const stops = new WeakSet<object>();

/**
 * Ends the extraction when `e` is a cancellation or says the destination is full (or read-only):
 * the directories written so far keep their owner-only permissions (0700, as created), so the
 * partial result can be removed, or completed by extracting again once there is room.
 */
function stopIfFatal(e: unknown, node: FileNode, root: string, r: ExtractResult): void {
  if (e instanceof CancelledError || (typeof e === 'object' && e !== null && stops.has(e))) throw e;
  const code = errnoCode(e);
  if (code !== undefined && FULL.has(code)) {
    const why = code === 'EROFS' ? 'the file system is read-only' : code === 'EDQUOT' ? 'the disk quota is exhausted' : 'no space left on the device';
    const stop = new InvalidArgumentError(`extraction to ${root} stopped at ${node.path}: ${why} (${code}); the ${r.files} files and ${r.dirs} directories written so far are kept`);
    stops.add(stop);
    throw stop;
  }
}

/** The errno code of a system-call error, or of a tool (mkfifo, mknod) that failed with one. */
function errnoCode(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException & { stderr?: unknown; cmd?: unknown };
  if (typeof err?.code === 'string' && /^E[A-Z0-9]+$/.test(err.code)) return err.code;
  if (typeof err?.cmd === 'string') return toolError(err.stderr)?.code;
  return undefined;
}

/** The last message of a tool's stderr ("mknod: /x/y: Invalid argument") as an errno code. */
function toolError(stderr: unknown): { code?: string; text: string } | null {
  const line = String(stderr ?? '').trim().split('\n').pop() ?? '';
  if (!line) return null;
  const text = line.slice(line.lastIndexOf(': ') + 2);
  const lower = text.toLowerCase();
  for (const [name, description] of getSystemErrorMap().values()) if (description.toLowerCase() === lower) return { code: name, text };
  return { text };
}

/** What went wrong, in one line: "open: ENAMETOOLONG (name too long)", "mknod: EINVAL (invalid argument)", an engine error's message. */
export function describeFailure(e: unknown): string {
  if (e instanceof IsoError) return e.message;
  const err = e as NodeJS.ErrnoException & { stderr?: unknown; cmd?: unknown };
  if (typeof err?.code === 'string') {
    // "ENAMETOOLONG: name too long, open '/very/long/host/path'": the code and the reason; the
    // host path is the entry's, already named. (Also a tool that cannot be started: "spawn mknod".)
    const reason = /^[A-Z0-9_]+: ([^,]*)/.exec(err.message ?? '')?.[1];
    return `${err.syscall ? `${err.syscall}: ` : ''}${err.code}${reason ? ` (${reason})` : ''}`;
  }
  if (typeof err?.cmd === 'string') {
    // A tool that ran and failed: its last message, as an errno code when it is one.
    const tool = err.cmd.split(' ')[0];
    const t = toolError(err.stderr);
    if (t?.code) return `${tool}: ${t.code} (${t.text})`;
    return `${tool} failed${t ? `: ${t.text}` : typeof err.code === 'number' ? ` with exit code ${err.code}` : ''}`;
  }
  return `internal error: ${err?.message ?? String(e)}`;
}

/** A device number mknod can be given (it reads "-5" as an option; the kernel judges the range). */
function isDeviceNumber(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
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
async function writeRenameList(root: string, r: ExtractResult, imageName: string, writtenByUs: (st: fs.Stats) => boolean): Promise<string> {
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
