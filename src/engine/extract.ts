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
//
// This file runs the extraction and writes the entries; extractTarget.ts places them on the
// target (names, host paths, the rename list), extractFailures.ts judges what went wrong.
import * as fs from 'node:fs';
import { promises as fsp, constants as C } from 'node:fs';
import * as nodePath from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CancelledError, CorruptImageError, InvalidArgumentError, IsoError, UnsupportedFeatureError } from './errors';
import type { DiscImage, FileNode } from './image';
import { platformProfile, probeHostProfile, type HostProfile, type RenameReason } from './hostNames';
import { writeSparse } from './io/copy';
import { describeFailure, errnoCode, isDeviceNumber, stopIfFatal, stops } from './extractFailures';
import { ExtractTarget, renameWhy, writeRenameList } from './extractTarget';

export { describeFailure } from './extractFailures';
export { RENAME_LIST, renameWhy, safeComponent } from './extractTarget';

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
const run = promisify(execFile);
const FLAGS = C.O_WRONLY | C.O_CREAT | C.O_EXCL | (C.O_NOFOLLOW ?? 0);
const TYPE_WORD: Record<FileNode['type'], string> = {
  file: 'file', dir: 'directory', symlink: 'symbolic link', fifo: 'FIFO', char: 'character device', block: 'block device', socket: 'socket',
};

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}

export async function extract(image: DiscImage, opts: ExtractOptions): Promise<ExtractResult> {
  const dest = nodePath.resolve(opts.dest);
  const base = '/' + (opts.base ?? '/').split('/').filter(x => x !== '' && x !== '.').join('/');
  if (base.split('/').includes('..')) throw new InvalidArgumentError(`".." is not allowed in the extraction base: ${opts.base}`);
  const baseLen = base === '/' ? 0 : base.length;
  // An unusable destination stops everything before anything is written.
  await fsp.mkdir(dest, { recursive: true });
  const root = await fsp.realpath(dest);
  // What the target does to names, and its clock: an entry whose change time is not older than
  // the probe's folder was written by this run.
  const probed = await probeHostProfile(root).catch(() => null);
  const profile = opts.hostProfile ?? probed?.profile ?? platformProfile();
  const x = new Extraction(image, opts, root, profile, probed?.startCtimeMs ?? Date.now(), baseLen);
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
  if (opts.planTotal) await x.planTotal(nodes);
  for (const node of nodes) await x.extractSelected(node);
  await x.finish(nodes);
  for (const d of image.diagnostics.items.slice(firstDiagnostic)) {
    x.warn(`${d.structure ? `${d.structure}: ` : ''}${d.message}${d.offset !== undefined ? ` (byte ${d.offset})` : ''}`);
  }
  x.report(true);
  return x.result;
}

/** One extraction: its target, its result so far, and what is left for the end. */
class Extraction {
  readonly result: ExtractResult;
  private readonly target: ExtractTarget;
  private readonly preserveOwner: boolean;
  private readonly dirFixups: Array<{ target: string; node: FileNode }> = [];
  private readonly links: Array<{ target: string; node: FileNode }> = [];
  /** Directories (paths relative to the base) that could not be created: their contents are skipped. */
  private readonly failedDirs = new Set<string>();
  /** Attributes the target does not support, and on how many entries they were not applied. */
  private readonly unsupported = new Map<string, number>();
  private readonly progress: ExtractProgress = { files: 0, bytes: 0, totalBytes: 0, current: '' };
  private lastReport = 0;
  private big: [Buffer, Buffer] | null = null;
  // Files are created with their final permission bits where the umask allows it, so most need
  // no chmod afterwards (a new file is writable through the descriptor that created it).
  private readonly umask = process.umask();
  private readonly myUid = typeof process.getuid === 'function' ? process.getuid() : -1;
  private readonly myGid = typeof process.getgid === 'function' ? process.getgid() : -1;

  constructor(private readonly image: DiscImage, private readonly opts: ExtractOptions, private readonly root: string, profile: HostProfile, startCtimeMs: number, private readonly baseLen: number) {
    this.preserveOwner = opts.preserveOwner ?? (typeof process.getuid === 'function' && process.getuid() === 0);
    this.result = { files: 0, dirs: 0, symlinks: 0, special: 0, bytes: 0, failed: 0, warnings: [], renamed: [], hostProfile: profile.label };
    this.target = new ExtractTarget(root, profile, startCtimeMs, entry => {
      this.result.renamed.push(entry);
      this.warn(`${entry.path}: extracted as ${entry.as}: ${renameWhy(entry)}`);
    });
  }

  warn(m: string): void {
    this.result.warnings.push(m);
    this.opts.onWarning?.(m);
  }

  report(force = false): void {
    if (!this.opts.onProgress) return;
    const now = Date.now();
    if (force || now - this.lastReport > 100) { this.lastReport = now; this.opts.onProgress({ ...this.progress }); }
  }

  private checkCancel(): void {
    if (this.opts.signal?.aborted) throw new CancelledError('extraction cancelled', { image: this.image.name });
  }

  /** Walks the selection first so progress reports carry totalBytes. */
  async planTotal(nodes: FileNode[]): Promise<void> {
    try {
      for (const node of nodes) {
        if (node.type === 'file') this.progress.totalBytes += node.size;
        else if (node.type === 'dir') await this.image.walk(node, n => { this.checkCancel(); if (n.type === 'file') this.progress.totalBytes += n.size; }, () => undefined);
      }
    } catch (e) {
      // An unreadable directory is reported by the extraction walk below; the total stays a guess.
      if (!(e instanceof IsoError) || e instanceof CancelledError) throw e;
    }
    this.report(true);
  }

  /** Extracts one selected entry, and everything below it when it is a directory. */
  async extractSelected(node: FileNode): Promise<void> {
    if (node.type !== 'dir') { await this.extractNode(node); return; }
    if (node.path.length > this.baseLen && node.path !== '/') await this.extractNode(node);
    else await this.target.ensureDir(this.root);
    try {
      // A directory whose records cannot be read is one failed entry; the walk goes on.
      await this.image.walk(node, n => this.extractNode(n), (dir, e) => {
        this.result.failed++;
        this.warn(`${dir.path}: directory not read, its contents are not extracted: ${e.message}`);
      });
    } catch (e) {
      // A budget of the walk (limits.entriesPerWalk) ends it; the other selected entries, the
      // symbolic links and the directory attributes still follow.
      if (!(e instanceof IsoError) || e instanceof CancelledError || stops.has(e)) throw e;
      this.result.failed++;
      this.warn(`${node.path}: not completely extracted: ${e.message}`);
    }
  }

  /** Symbolic links, directory attributes, the rename list and the summary warnings. */
  async finish(nodes: FileNode[]): Promise<void> {
    // Symlinks last: nothing above can have written through one of them.
    for (const link of this.links) await this.makeLink(link.node, link.target);
    // Directory modes and times last, deepest first (a read-only directory blocks its children).
    for (let i = this.dirFixups.length - 1; i >= 0; i--) {
      const { target, node } = this.dirFixups[i];
      if (this.preserveOwner) await fsp.lchown(target, node.uid, node.gid).catch(() => undefined);
      await this.attempt(node, 'directory mode', () => fsp.chmod(target, node.mode & 0o7777));
      const mtime = node.mtime;
      if (mtime) await this.attempt(node, 'directory modification time', () => fsp.utimes(target, node.atime ?? mtime, mtime));
    }
    if (this.result.renamed.length > 0 && this.opts.renameList !== false) {
      await this.attempt(nodes[0] ?? this.image.root, 'rename list', async () => { this.result.renameList = await writeRenameList(this.root, this.result, this.image.name, st => this.target.writtenByUs(st)); });
    }
    for (const [what, n] of this.unsupported) if (n > 1) this.warn(`${what} not applied to ${n} entries: the file system does not support it`);
  }

  /**
   * One entry could not be extracted: a warning naming it and why, and on we go — unless the
   * destination can take no more writes (then extraction stops with a clear error) or the user
   * cancelled.
   */
  private failed(node: FileNode, e: unknown, what = `${TYPE_WORD[node.type]} not extracted`): void {
    stopIfFatal(e, node, this.root, this.result);
    this.result.failed++;
    this.warn(`${node.path}: ${what}: ${describeFailure(e)}`);
  }

  /** An attribute (owner, mode, times) that could not be applied: a warning; the entry stays. */
  private async attempt(node: FileNode, what: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (e) {
      stopIfFatal(e, node, this.root, this.result);
      // A file system without the attribute at all (FAT has no modes): one warning, not one per entry.
      const code = errnoCode(e);
      if (code === 'ENOSYS' || code === 'EOPNOTSUPP' || code === 'ENOTSUP') {
        const n = (this.unsupported.get(what) ?? 0) + 1;
        this.unsupported.set(what, n);
        if (n > 1) return;
        this.warn(`${node.path}: ${what} not applied: ${describeFailure(e)}; the file system does not support it (later entries not named)`);
        return;
      }
      this.warn(`${node.path}: ${what} not applied: ${describeFailure(e)}`);
    }
  }

  private async extractNode(node: FileNode): Promise<void> {
    this.checkCancel();
    this.progress.current = node.path;
    const rel = node.path.slice(this.baseLen);
    if (this.failedDirs.has(rel.slice(0, rel.lastIndexOf('/')))) {
      // Inside a directory that could not be created (its warning said its contents are skipped).
      this.result.failed++;
      if (node.type === 'dir') this.failedDirs.add(rel);
      return;
    }
    try {
      let target = this.target.hostPath(rel, node);
      switch (node.type) {
        case 'dir':
          target = await this.target.createAt(node, target, (t) => this.target.ensureDir(t, true));
          this.target.hostDirs.set(rel, target);
          this.dirFixups.push({ target, node });
          this.result.dirs++;
          break;
        case 'file':
          await this.target.createAt(node, target, (t) => this.writeFile(node, t));
          this.result.files++;
          this.result.bytes += node.size;
          this.progress.files++;
          break;
        case 'symlink':
          this.links.push({ target, node });
          break;
        default:
          if (await this.makeSpecial(node, target)) this.result.special++;
      }
    } catch (e) {
      if (node.type === 'dir') {
        this.failedDirs.add(rel);
        this.failed(node, e, 'directory not created (its contents are skipped)');
      } else {
        this.failed(node, e);
      }
    }
    this.report();
  }

  private async openNew(target: string, mode: number): Promise<number> {
    try {
      return fs.openSync(target, FLAGS, mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      await this.target.clearFor(target);
      return fs.openSync(target, FLAGS, mode);
    }
  }

  // Small files are written with synchronous calls: for tens of thousands of files the
  // thread-pool round trips of the promise API cost more than the writes themselves.
  private async writeFile(node: FileNode, target: string): Promise<void> {
    await this.target.ensureDir(nodePath.dirname(target));
    const perm = node.mode & 0o7777;
    const fd = await this.openNew(target, perm & 0o777);
    let written = false;
    try {
      const pos = await this.writeData(node, fd);
      written = true;
      if (pos < node.size) this.warn(`${node.path}: image ends after ${pos} of ${node.size} bytes; file is short`);
      // Owner first: chown clears the set-user/group-ID bits, chmod then restores them.
      const chown = this.preserveOwner && (node.uid !== this.myUid || node.gid !== this.myGid);
      if (chown) { try { fs.fchownSync(fd, node.uid, node.gid); } catch { /* not permitted: keep ours */ } }
      if (chown || perm !== (perm & 0o777 & ~this.umask)) await this.attempt(node, 'mode', () => fs.fchmodSync(fd, perm));
      const mtime = node.mtime;
      if (mtime) await this.attempt(node, 'modification time', () => fs.futimesSync(fd, node.atime ?? mtime, mtime));
    } finally {
      fs.closeSync(fd);
      // A file whose data could not be written completely is not left behind looking complete.
      if (!written) try { fs.unlinkSync(target); } catch { /* already gone */ }
    }
  }

  /** Writes a file's content to `fd`; the number of bytes the image held. */
  private async writeData(node: FileNode, fd: number): Promise<number> {
    if (node.size <= CHUNK) {
      // Small file: one read, one write.
      const b = node.size > 0 ? await this.image.read(node, 0, node.size) : new Uint8Array(0);
      writeAll(fd, b);
      this.progress.bytes += b.length;
      return b.length;
    }
    // Large file: read ahead through two reused buffers; asynchronous writes keep the event
    // loop free for cancellation and progress.
    const pos = await this.image.pump(node, async (b, at) => {
      this.checkCancel();
      await writeSparse(fd, b, at);
      this.progress.bytes += b.length;
      this.report();
    }, this.big ??= [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]);
    // A file that ends in a hole gets its length from ftruncate.
    if (pos > 0) await fsFtruncate(fd, pos);
    return pos;
  }

  /**
   * FIFOs and devices: Node cannot make them, so the system's mkfifo and mknod do (POSIX tools,
   * on Linux and macOS; devices only as root); on Windows they are warnings.
   */
  private async makeSpecial(node: FileNode, target: string): Promise<boolean> {
    if (process.platform === 'win32') { this.failed(node, new UnsupportedFeatureError('FIFOs and device files cannot be created on Windows')); return false; }
    const perm = node.mode & 0o7777;
    // mkfifo/mknod refuse set-user/group-ID and sticky bits in -m: those come with the chmod below.
    const mode = (perm & 0o777).toString(8);
    if (node.type === 'fifo') {
      await this.target.ensureDir(nodePath.dirname(target));
      target = await this.target.createAt(node, target, async (t) => { await this.target.clearFor(t); await run('mkfifo', ['-m', mode, t]); });
    } else if ((node.type === 'char' || node.type === 'block') && this.preserveOwner) {
      const dev = node.rdev ?? { major: 0, minor: 0 };
      if (!isDeviceNumber(dev.major) || !isDeviceNumber(dev.minor)) {
        this.failed(node, new CorruptImageError(`device number ${dev.major},${dev.minor} is not valid`));
        return false;
      }
      await this.target.ensureDir(nodePath.dirname(target));
      // The target is an absolute path (no "--" needed; BSD mknod has no -m: the chmod below sets the mode).
      const args = [target, node.type === 'char' ? 'c' : 'b', String(dev.major), String(dev.minor)];
      target = await this.target.createAt(node, target, async (t) => { await this.target.clearFor(t); await run('mknod', process.platform === 'linux' ? ['-m', mode, t, ...args.slice(1)] : [t, ...args.slice(1)]); });
    } else {
      this.result.failed++;
      this.warn(`${node.path}: ${node.type} ${node.type === 'socket' ? 'cannot be extracted' : 'needs root to be created'}; skipped`);
      return false;
    }
    if (this.preserveOwner) await fsp.lchown(target, node.uid, node.gid).catch(() => undefined);
    if (perm !== (perm & 0o777 & ~this.umask) || process.platform !== 'linux') await this.attempt(node, 'mode', () => fsp.chmod(target, perm));
    const mtime = node.mtime;
    if (mtime) await this.attempt(node, 'modification time', () => fsp.utimes(target, node.atime ?? mtime, mtime));
    return true;
  }

  /** A symbolic link of the image, made once everything else is written. */
  private async makeLink(node: FileNode, target: string): Promise<void> {
    this.checkCancel();
    try {
      const to = node.target ?? '';
      if (to.includes('\0')) throw new CorruptImageError('the link target contains a NUL byte, which no file system can store');
      await this.target.ensureDir(nodePath.dirname(target));
      target = await this.target.createAt(node, target, async (t) => { await this.target.clearFor(t); await fsp.symlink(to, t); });
      this.result.symlinks++;
    } catch (e) {
      if (process.platform === 'win32' && errnoCode(e) === 'EPERM') {
        // Windows lets only administrators (or Developer Mode) create symbolic links.
        this.result.failed++;
        this.warn(`${node.path}: symbolic link to ${node.target ?? ''} not created: Windows allows symbolic links only with Developer Mode on or as administrator`);
      } else {
        this.failed(node, e);
      }
      return;
    }
    if (this.preserveOwner) await fsp.lchown(target, node.uid, node.gid).catch(() => undefined);
    const mtime = node.mtime;
    if (mtime) await this.attempt(node, 'modification time', () => fsp.lutimes(target, node.atime ?? mtime, mtime));
  }
}
