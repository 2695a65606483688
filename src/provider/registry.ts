// One engine instance (DiscImage) per image, shared by the file system provider, the commands and
// the sector editor. Users take a lease; an image nobody leases is closed after an idle delay.
// The image file is watched: when it changes on disk the engine is reopened and listeners hear
// about it (the provider turns that into onDidChangeFile).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { DiscImage } from '../engine/image';
import { FileSource } from '../engine/io/fileSource';
import { portableName } from '../engine/hostNames';
import type { ByteSource } from '../engine/io/source';
import type { Limits } from '../engine/limits';
import type { Namespace } from '../engine/types';
import { decodeKey, encodeKey, normalizeInnerPath, SCHEME, type ImageKey } from './uri';

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

export interface RegistryOptions {
  log: Logger;
  /** Folder for copies of images that live on file systems without ranged reads. */
  tempDir: string;
  idleCloseMs: () => number;
  /** Namespace to open an image with (remembered per image, or the setting). */
  namespaceFor: (imageUri: string) => Namespace | undefined;
  /** Resource budgets to open images with (the isoWorkbench.limits.* settings); unset = defaults. */
  limits?: () => Partial<Limits>;
}

/** Identity of the bytes an engine was opened on: a change means the image must be reopened. */
interface Stamp { size: number; mtimeMs: number; ino: number }
const sameStamp = (a: Stamp, b: Stamp): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;

class Entry {
  leases = 0;
  idleTimer: NodeJS.Timeout | undefined;
  stale = false;
  lastCheck = Date.now();
  watcher: vscode.Disposable | undefined;
  constructor(
    readonly key: string,
    readonly imageUri: vscode.Uri,
    readonly image: DiscImage,
    readonly localPath: string | null,
    readonly stamp: Stamp | null,
    readonly cleanup: () => Promise<void>,
  ) {}
}

export interface Lease {
  readonly image: DiscImage;
  readonly key: string;
  readonly imageUri: vscode.Uri;
  /** The image file on this machine's disk, when it is read in place (null: inside another image, or a temporary copy). */
  readonly localPath: string | null;
  release(): void;
}

export type ImageEvent =
  | { kind: 'opened' | 'closed' | 'changed' | 'namespace'; key: string; imageUri: vscode.Uri };

export class ImageRegistry implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly opening = new Map<string, Promise<Entry>>();
  /** Watchers kept for closed images that are still on screen (a workspace folder, an editor). */
  private readonly dormant = new Map<string, vscode.Disposable>();
  private readonly emitter = new vscode.EventEmitter<ImageEvent>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly opts: RegistryOptions) {}

  /** The image key (URI authority) for an image URI. */
  static keyOf(imageUri: vscode.Uri, session?: number): string {
    return encodeKey({ image: imageUri.toString(), session });
  }

  /** `isowb://<key>/<path>` for a path inside an image. */
  static uriOf(imageUri: vscode.Uri, innerPath = '/', session?: number): vscode.Uri {
    return vscode.Uri.from({ scheme: SCHEME, authority: ImageRegistry.keyOf(imageUri, session), path: normalizeInnerPath(innerPath) });
  }

  /** Splits an isowb URI into its image and inner path. */
  static parse(uri: vscode.Uri): { key: string; image: vscode.Uri; session?: number; path: string } {
    if (uri.scheme !== SCHEME) throw new Error(`not an ${SCHEME}: URI: ${uri.toString()}`);
    const k: ImageKey = decodeKey(uri.authority);
    return { key: uri.authority.toLowerCase(), image: vscode.Uri.parse(k.image, true), session: k.session, path: normalizeInnerPath(uri.path) };
  }

  /** Open images (key → image URI), for pickers and the status bar. */
  get open(): Array<{ key: string; imageUri: vscode.Uri; image: DiscImage; leases: number }> {
    return [...this.entries.values()].filter(e => !e.stale).map(e => ({ key: e.key, imageUri: e.imageUri, image: e.image, leases: e.leases }));
  }

  /** Leases the engine for an image key, opening (or reopening after a change) as needed. */
  async acquire(key: string): Promise<Lease> {
    key = key.toLowerCase();
    let entry = this.entries.get(key);
    if (entry && !entry.stale && Date.now() - entry.lastCheck > 1000) {
      entry.lastCheck = Date.now();
      if (await this.changedOnDisk(entry)) this.markStale(entry, 'changed');
    }
    entry = this.entries.get(key);
    if (!entry || entry.stale) entry = await this.openEntry(key);
    entry.leases++;
    if (entry.idleTimer) { clearTimeout(entry.idleTimer); entry.idleTimer = undefined; }
    let released = false;
    const e = entry;
    return {
      image: e.image, key, imageUri: e.imageUri, localPath: e.localPath,
      release: () => {
        if (released) return;
        released = true;
        e.leases--;
        if (e.leases === 0) this.scheduleClose(e);
      },
    };
  }

  /** Runs `fn` with a leased engine. */
  async use<T>(key: string, fn: (img: DiscImage, lease: Lease) => Promise<T> | T): Promise<T> {
    const lease = await this.acquire(key);
    try {
      return await fn(lease.image, lease);
    } finally {
      lease.release();
    }
  }

  /** Switches the namespace an image presents; listeners refresh their views. */
  async setNamespace(key: string, ns: Namespace): Promise<void> {
    await this.use(key, img => img.setNamespace(ns));
    const e = this.entries.get(key.toLowerCase());
    if (e) this.emitter.fire({ kind: 'namespace', key: e.key, imageUri: e.imageUri });
  }

  /** Closes an image now (its open file handles keep working until closed). */
  async close(key: string): Promise<void> {
    key = key.toLowerCase();
    this.dormant.get(key)?.dispose();
    this.dormant.delete(key);
    const e = this.entries.get(key);
    if (e) this.markStale(e, 'closed', false);
  }

  private openEntry(key: string): Promise<Entry> {
    const pending = this.opening.get(key);
    if (pending) return pending;
    const p = (async () => {
      const k = decodeKey(key);
      const imageUri = vscode.Uri.parse(k.image, true);
      const t0 = Date.now();
      const src = await this.openSource(imageUri);
      let image: DiscImage;
      try {
        image = await DiscImage.open(src.source, { session: k.session, namespace: this.opts.namespaceFor(k.image), limits: this.opts.limits?.() });
      } catch (e) {
        await src.source.close().catch(() => undefined);
        await src.cleanup();
        throw e;
      }
      const entry = new Entry(key, imageUri, image, src.localPath, src.stamp, src.cleanup);
      this.dormant.get(key)?.dispose();
      this.dormant.delete(key);
      if (src.localPath) entry.watcher = this.watch(entry, src.localPath);
      this.entries.set(key, entry);
      this.opts.log.info(`opened ${imageUri.toString(true)} (${image.size} bytes, ${image.namespaces.join('/')}, showing ${image.namespace}) in ${Date.now() - t0} ms`);
      for (const w of image.warnings) this.opts.log.warn(`${imageUri.toString(true)}: ${w.structure ? w.structure + ': ' : ''}${w.message}`);
      this.emitter.fire({ kind: 'opened', key, imageUri });
      return entry;
    })();
    this.opening.set(key, p);
    const clear = () => { this.opening.delete(key); };
    p.then(clear, clear);
    return p;
  }

  /** A byte source for any file URI, opened the way images are (the sector editor reads raw bytes). */
  openByteSource(uri: vscode.Uri): Promise<{ source: ByteSource; localPath: string | null; cleanup: () => Promise<void> }> {
    return this.openSource(uri);
  }

  /**
   * A byte source for the image URI: the file itself when it is on a disk this extension host can
   * read (file:, or vscode-remote: in a remote window where we run beside the files), a file
   * inside another image (isowb:), else a temporary copy made through VS Code's file system API.
   */
  private async openSource(uri: vscode.Uri): Promise<{ source: ByteSource; localPath: string | null; stamp: Stamp | null; cleanup: () => Promise<void> }> {
    const none = async () => undefined;
    if (uri.scheme === SCHEME) {
      const parsed = ImageRegistry.parse(uri);
      const outer = await this.acquire(parsed.key);
      try {
        const node = await outer.image.resolve(parsed.path);
        const inner = outer.image.fileSource(node);
        return {
          source: { ...inner, close: async () => { outer.release(); } },
          localPath: null, stamp: null, cleanup: none,
        };
      } catch (e) {
        outer.release();
        throw e;
      }
    }
    const local = await this.localPathOf(uri);
    if (local) {
      const st = fs.statSync(local);
      return { source: await FileSource.open(local), localPath: local, stamp: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }, cleanup: none };
    }
    // No ranged reads through vscode.workspace.fs: copy (VS Code streams the copy) and read that.
    await fs.promises.mkdir(this.opts.tempDir, { recursive: true });
    // The URI's last segment may hold characters this host cannot put in a file name (a virtual
    // file system's `a:b?.iso` on Windows) or be 255 bytes long: a portable, short form of it.
    const tmp = nodePath.join(this.opts.tempDir, `${process.pid}-${Date.now()}-${portableName(nodePath.posix.basename(uri.path))}`);
    this.opts.log.info(`copying ${uri.toString(true)} to ${tmp} (no ranged reads on ${uri.scheme}:)`);
    await vscode.workspace.fs.copy(uri, vscode.Uri.file(tmp), { overwrite: true });
    const cleanup = async () => { await fs.promises.rm(tmp, { force: true }); };
    try {
      return { source: await FileSource.open(tmp), localPath: null, stamp: null, cleanup };
    } catch (e) {
      await cleanup();
      throw e;
    }
  }

  /** The path this extension host can open the image at, or null. */
  private async localPathOf(uri: vscode.Uri): Promise<string | null> {
    if (uri.scheme === 'file') return uri.fsPath;
    if (uri.scheme !== 'vscode-remote' && uri.scheme !== 'vscode-userdata') return null;
    // In a remote window the extension runs on the remote machine (extensionKind "workspace"), so
    // a vscode-remote: path of that window is a local path here. Confirm it is the same file.
    try {
      const mine = fs.statSync(uri.fsPath);
      const theirs = await vscode.workspace.fs.stat(uri);
      if (mine.isFile() && mine.size === theirs.size) return uri.fsPath;
    } catch {
      /* not on this machine */
    }
    return null;
  }

  private async changedOnDisk(e: Entry): Promise<boolean> {
    if (!e.localPath || !e.stamp) return false;
    try {
      const st = await fs.promises.stat(e.localPath);
      return !sameStamp(st, e.stamp);
    } catch {
      return true;
    }
  }

  private watch(e: Entry, localPath: string): vscode.Disposable {
    // fs.watchFile polls (stat every 2 s) but works for files anywhere, also outside the
    // workspace and on network file systems where inotify events never come.
    const onChange = (cur: fs.Stats, prev: fs.Stats) => {
      if (sameStamp(cur, prev)) return;
      if (this.entries.get(e.key) !== e || e.stale) return;
      this.opts.log.info(`${e.imageUri.toString(true)} changed on disk; reopening`);
      this.markStale(e, 'changed');
    };
    fs.watchFile(localPath, { interval: 2000, persistent: false }, onChange);
    return { dispose: () => fs.unwatchFile(localPath, onChange) };
  }

  private markStale(e: Entry, why: 'changed' | 'closed', idle = true): void {
    if (e.stale) return;
    e.stale = true;
    if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    e.watcher?.dispose();
    if (why === 'closed' && idle && e.localPath && e.stamp && this.onScreen(e.key)) this.keepWatching(e.key, e.imageUri, e.localPath, e.stamp);
    if (e.leases === 0) void this.dispose1(e);
    this.emitter.fire({ kind: why, key: e.key, imageUri: e.imageUri });
  }

  /** Whether a workspace folder or an open document shows this image. */
  private onScreen(key: string): boolean {
    const mine = (u: vscode.Uri) => u.scheme === SCHEME && u.authority.toLowerCase() === key;
    return (vscode.workspace.workspaceFolders ?? []).some(f => mine(f.uri)) || vscode.workspace.textDocuments.some(d => mine(d.uri));
  }

  /**
   * After an idle close, keeps polling the image file of a mounted image so a change still
   * reaches the Explorer and open editors (the engine itself stays closed until used).
   */
  private keepWatching(key: string, imageUri: vscode.Uri, localPath: string, stamp: Stamp): void {
    this.dormant.get(key)?.dispose();
    const onChange = (cur: fs.Stats) => {
      if (sameStamp(cur, stamp)) return;
      this.dormant.get(key)?.dispose();
      this.dormant.delete(key);
      this.opts.log.info(`${imageUri.toString(true)} changed on disk while closed`);
      this.emitter.fire({ kind: 'changed', key, imageUri });
    };
    fs.watchFile(localPath, { interval: 2000, persistent: false }, onChange);
    this.dormant.set(key, { dispose: () => fs.unwatchFile(localPath, onChange) });
  }

  private scheduleClose(e: Entry): void {
    if (e.stale) { void this.dispose1(e); return; }
    const ms = this.opts.idleCloseMs();
    e.idleTimer = setTimeout(() => {
      if (e.leases > 0) return;
      this.markStale(e, 'closed');
    }, ms);
    e.idleTimer.unref?.();
  }

  private async dispose1(e: Entry): Promise<void> {
    if (e.idleTimer) clearTimeout(e.idleTimer);
    try {
      await e.image.close();
      await e.cleanup();
      this.opts.log.debug(`closed ${e.imageUri.toString(true)}`);
    } catch (err) {
      this.opts.log.warn(`closing ${e.imageUri.toString(true)}: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    for (const e of [...this.entries.values()]) this.markStale(e, 'closed');
    for (const d of this.dormant.values()) d.dispose();
    this.dormant.clear();
    this.emitter.dispose();
  }
}

/** Default temp folder for copies of images from virtual file systems. */
export function defaultTempDir(storage: vscode.Uri | undefined): string {
  return storage?.scheme === 'file' ? nodePath.join(storage.fsPath, 'tmp') : nodePath.join(os.tmpdir(), 'iso-workbench');
}

/** Folder for staged edits (see stagingStore.ts): beside the temp folder in the extension's storage. */
export function defaultStagingDir(storage: vscode.Uri | undefined): string {
  return storage?.scheme === 'file' ? nodePath.join(storage.fsPath, 'staging') : nodePath.join(os.tmpdir(), 'iso-workbench-staging');
}
