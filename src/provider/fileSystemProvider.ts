// The FileSystemProvider for isowb: URIs: directories, stat and file content of an image, read
// through the shared engine. Files are streamed with open/read/close (VS Code uses them for
// copies, drag and drop and large reads), so a multi-GB file never sits in memory whole.
//
// Writes (save, new file/folder, delete, rename, copy, paste) are staged: they go into the
// image's change set (StagingManager), new content into a file under the extension's storage,
// and reads show the staged state. `isowb://…/path?original` always shows the image's own bytes
// (read-only): the left side of Show Staged Changes' diffs. Images inside images, images read
// from a temporary copy, read-only files and older sessions stay read-only (the file stat says
// so and writes are refused with the reason).
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { EditError, type ChangeSet, type EditedNode } from '../engine/edit/changeSet';
import type { DiscImage, FileNode } from '../engine/image';
import { IsoError, NotFoundError } from '../engine/errors';
import { ImageRegistry, type Lease, type Logger } from './registry';
import { StagingRefusal, type StagingManager } from './staging';
import { SCHEME } from './uri';
import { noticeText } from './escape';

/** The query that asks for the image's original content (no staged changes). */
export const ORIGINAL_QUERY = 'original';

type Node = FileNode | EditedNode;

/** What reads go through: the image itself, or its staged change set. */
interface View {
  /** Resolves a path (following links in every component, the last one too unless told); null when absent. */
  resolve(path: string, followLast: boolean): Promise<Node | null>;
  readdir(dir: Node): Promise<Node[]>;
  read(node: Node, offset: number, length: number): Promise<Uint8Array>;
  readInto(node: Node, offset: number, target: Uint8Array): Promise<number>;
}

function imageView(img: DiscImage): View {
  return {
    resolve: async (path, followLast) => {
      try {
        return await img.resolve(path, followLast);
      } catch (e) {
        if (e instanceof NotFoundError) return null;
        throw e;
      }
    },
    readdir: dir => img.readdir(dir as FileNode),
    read: (node, offset, length) => img.read(node as FileNode, offset, length),
    readInto: (node, offset, target) => img.readInto(node as FileNode, offset, target),
  };
}

function stagedView(cs: ChangeSet): View {
  return {
    resolve: (path, followLast) => cs.resolve(path, followLast),
    readdir: dir => cs.readdir(dir.path),
    read: (node, offset, length) => cs.read(node as EditedNode, offset, length),
    readInto: async (node, offset, target) => {
      const e = node as EditedNode;
      if (e.data?.kind === 'image') return cs.image.readInto(e.data.node, offset, target);
      const b = await cs.read(e, offset, target.length);
      target.set(b);
      return b.length;
    },
  };
}

interface Handle { lease: Lease; node: Node; view: View }

export class IsoFileSystemProvider implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  private readonly handles = new Map<number, Handle>();
  private nextFd = 1;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly registry: ImageRegistry,
    private readonly log: Logger,
    private readonly maxReadFile: () => number,
    readonly staging: StagingManager,
  ) {
    this.subs.push(registry.onDidChange(ev => {
      if (ev.kind === 'changed' || ev.kind === 'namespace') this.fireImageChanged(ev.key);
    }));
    this.subs.push(staging.onDidChange(ev => { if (ev.reset) this.fireImageChanged(ev.key); }));
  }

  /** Every URI of this image may now name different bytes or not exist: tell VS Code the root
   *  changed (the Explorer re-reads it) and that its open documents changed. */
  private fireImageChanged(key: string): void {
    const root = vscode.Uri.from({ scheme: SCHEME, authority: key, path: '/' });
    const events: vscode.FileChangeEvent[] = [{ type: vscode.FileChangeType.Changed, uri: root }];
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme === SCHEME && doc.uri.authority.toLowerCase() === key) events.push({ type: vscode.FileChangeType.Changed, uri: doc.uri });
    }
    this.emitter.fire(events);
  }

  /** Registration options: case-sensitive paths; writable (staged), per-file read-only in stat. */
  static get options(): { isCaseSensitive: boolean } {
    return { isCaseSensitive: true };
  }

  watch(): vscode.Disposable {
    // Changes come from the registry (the image file changed, the namespace switched) and from
    // staging (edits, discard, restore).
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.withView(uri, async (view, path, readOnly) => {
      const link = await view.resolve(path, false);
      if (!link) throw vscode.FileSystemError.FileNotFound(uri);
      if (link.type !== 'symlink') return toStat(link, link.type === 'dir' ? vscode.FileType.Directory : vscode.FileType.File, readOnly);
      // A link: the target's type and size, flagged as a link; a dangling link is a bare link.
      const target = await view.resolve(path, true).catch(() => null);
      return target ? toStat(target, kindOf(target) | vscode.FileType.SymbolicLink, readOnly) : toStat(link, vscode.FileType.SymbolicLink, readOnly);
    });
  }

  async readDirectory(uri: vscode.Uri): Promise<Array<[string, vscode.FileType]>> {
    return this.withView(uri, async (view, path) => {
      const dir = await view.resolve(path, true);
      if (!dir) throw vscode.FileSystemError.FileNotFound(uri);
      if (dir.type !== 'dir') throw vscode.FileSystemError.FileNotADirectory(uri);
      const out: Array<[string, vscode.FileType]> = [];
      const seen = new Set<string>();
      for (const kid of await view.readdir(dir)) {
        if (seen.has(kid.name)) continue; // two records with one name: VS Code needs unique names
        seen.add(kid.name);
        let type = kindOf(kid);
        if (kid.type === 'symlink') {
          const t = await view.resolve(`${dir.path === '/' ? '' : dir.path}/${kid.name}`, true).catch(() => null);
          type = t ? kindOf(t) | vscode.FileType.SymbolicLink : vscode.FileType.SymbolicLink;
        }
        out.push([kid.name, type]);
      }
      return out;
    });
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.withView(uri, async (view, path) => {
      const node = await view.resolve(path, true);
      if (!node) throw vscode.FileSystemError.FileNotFound(uri);
      if (node.type === 'dir') throw vscode.FileSystemError.FileIsADirectory(uri);
      if (node.type !== 'file') return new Uint8Array(0); // devices, fifos, sockets have no data
      const max = this.maxReadFile();
      if (node.size > max) {
        throw vscode.FileSystemError.Unavailable(`${noticeText(node.path)} is ${node.size} bytes, more than isoWorkbench.maxReadFileMiB allows loading at once (${max} bytes). Copy it out (ISO: Extract…, or copy and paste in the Explorer): copies are streamed.`);
      }
      return view.read(node, 0, node.size);
    });
  }

  async open(uri: vscode.Uri, opts: { create: boolean }): Promise<number> {
    if (opts.create) throw vscode.FileSystemError.NoPermissions('streaming writes are not supported; use writeFile');
    const { key, path, original } = this.parse(uri);
    const lease = await this.acquire(key, uri);
    try {
      const staged = original ? undefined : this.staging.get(key);
      const view = staged ? stagedView(staged.cs) : imageView(lease.image);
      const node = await view.resolve(path, true);
      if (!node) throw vscode.FileSystemError.FileNotFound(uri);
      if (node.type === 'dir') throw vscode.FileSystemError.FileIsADirectory(uri);
      const fd = this.nextFd++;
      this.handles.set(fd, { lease, node, view });
      return fd;
    } catch (e) {
      lease.release();
      throw this.translate(e, uri);
    }
  }

  async read(fd: number, pos: number, data: Uint8Array, offset: number, length: number): Promise<number> {
    const h = this.handles.get(fd);
    if (!h) throw vscode.FileSystemError.Unavailable(`file handle ${fd} is not open`);
    if (h.node.type !== 'file') return 0;
    try {
      return await h.view.readInto(h.node, pos, data.subarray(offset, offset + length));
    } catch (e) {
      throw this.translate(e, undefined);
    }
  }

  async close(fd: number): Promise<void> {
    const h = this.handles.get(fd);
    if (!h) return;
    this.handles.delete(fd);
    h.lease.release();
  }

  /** Number of open handles (tests check that streams release their leases). */
  get openHandles(): number { return this.handles.size; }

  write(): Promise<number> { throw vscode.FileSystemError.NoPermissions('streaming writes are not supported; use writeFile'); }

  // ---- staged writes -------------------------------------------------------------------------

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { create: boolean; overwrite: boolean }): Promise<void> {
    const { key, path } = this.writable(uri);
    const events = await this.edit(uri, key, async cs => {
      const target = await writeTarget(cs, path);
      const existed = (await cs.stat(target)) !== null;
      const c = await this.staging.newContent(key, content);
      try {
        await cs.writeFile(target, c, { create: options?.create !== false, overwrite: options?.overwrite === true });
      } catch (e) {
        await fs.promises.rm(c.path, { force: true });
        throw e;
      }
      const at = this.uriIn(key, target);
      return existed ? [changed(at)] : [created(at), changed(parentUri(at))];
    });
    this.emitter.fire(events);
  }

  async createDirectory(uri: vscode.Uri): Promise<void> {
    const { key, path } = this.writable(uri);
    const events = await this.edit(uri, key, async cs => {
      const target = await lexical(cs, path);
      await cs.mkdir(target);
      const at = this.uriIn(key, target);
      return [created(at), changed(parentUri(at))];
    });
    this.emitter.fire(events);
  }

  async delete(uri: vscode.Uri, options: { recursive: boolean }): Promise<void> {
    const { key, path } = this.writable(uri);
    const events = await this.edit(uri, key, async cs => {
      const target = await lexical(cs, path);
      await cs.delete(target, { recursive: options?.recursive === true });
      const at = this.uriIn(key, target);
      return [deleted(at), changed(parentUri(at))];
    });
    this.emitter.fire(events);
  }

  async rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { overwrite: boolean }): Promise<void> {
    const from = this.writable(oldUri);
    const to = this.writable(newUri);
    if (from.key !== to.key) {
      await this.copyAcross(oldUri, newUri, options?.overwrite === true);
      await this.delete(oldUri, { recursive: true });
      return;
    }
    const events = await this.edit(oldUri, from.key, async cs => {
      const a = await lexical(cs, from.path);
      const b = await lexical(cs, to.path);
      await cs.rename(a, b, { overwrite: options?.overwrite === true });
      const ua = this.uriIn(from.key, a);
      const ub = this.uriIn(from.key, b);
      return [deleted(ua), created(ub), changed(parentUri(ua)), changed(parentUri(ub))];
    });
    this.emitter.fire(events);
  }

  async copy(source: vscode.Uri, destination: vscode.Uri, options: { overwrite: boolean }): Promise<void> {
    const to = this.writable(destination);
    const from = this.parse(source);
    if (from.key !== to.key || from.original) {
      await this.copyAcross(source, destination, options?.overwrite === true);
      return;
    }
    const events = await this.edit(destination, to.key, async cs => {
      const a = await lexical(cs, from.path);
      const b = await lexical(cs, to.path);
      await cs.copy(a, b, { overwrite: options?.overwrite === true });
      const ub = this.uriIn(to.key, b);
      return [created(ub), changed(parentUri(ub))];
    });
    this.emitter.fire(events);
  }

  /** Copies between two images (or from an original view): files are read and staged again. */
  private async copyAcross(source: vscode.Uri, destination: vscode.Uri, overwrite: boolean): Promise<void> {
    const st = await this.stat(source);
    const exists = await this.stat(destination).then(() => true, () => false);
    if (exists) {
      if (!overwrite) throw vscode.FileSystemError.FileExists(destination);
      await this.delete(destination, { recursive: true });
    }
    if (st.type & vscode.FileType.Directory && !(st.type & vscode.FileType.SymbolicLink)) {
      await this.createDirectory(destination);
      for (const [name] of await this.readDirectory(source)) {
        await this.copyAcross(vscode.Uri.joinPath(source, name), vscode.Uri.joinPath(destination, name), false);
      }
    } else {
      await this.writeFile(destination, await this.readFile(source), { create: true, overwrite: false });
    }
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private parse(uri: vscode.Uri): { key: string; path: string; original: boolean } {
    try {
      const p = ImageRegistry.parse(uri);
      return { key: p.key, path: p.path, original: uri.query === ORIGINAL_QUERY };
    } catch (e) {
      throw vscode.FileSystemError.FileNotFound(`${uri.toString()}: ${(e as Error).message}`);
    }
  }

  /** Parses a URI a write goes to; the original view is read-only. */
  private writable(uri: vscode.Uri): { key: string; path: string } {
    const p = this.parse(uri);
    if (p.original) throw vscode.FileSystemError.NoPermissions(`${noticeText(p.path)} (original): the image's original content is read-only; edit the file itself to stage a change`);
    return p;
  }

  private uriIn(key: string, path: string): vscode.Uri {
    return vscode.Uri.from({ scheme: SCHEME, authority: key, path });
  }

  private async edit(uri: vscode.Uri, key: string, fn: (cs: ChangeSet) => Promise<vscode.FileChangeEvent[]>): Promise<vscode.FileChangeEvent[]> {
    try {
      return await this.staging.edit(key, cs => fn(cs));
    } catch (e) {
      throw this.translate(e, uri);
    }
  }

  private async acquire(key: string, uri: vscode.Uri): Promise<Lease> {
    try {
      return await this.registry.acquire(key);
    } catch (e) {
      throw this.translate(e, uri);
    }
  }

  private async withView<T>(uri: vscode.Uri, fn: (view: View, path: string, readOnly: boolean) => Promise<T>): Promise<T> {
    const { key, path, original } = this.parse(uri);
    // The lease also re-checks the image file (a change drops staged changes made against it).
    const lease = await this.acquire(key, uri);
    try {
      const staged = original ? undefined : this.staging.get(key);
      const view = staged ? stagedView(staged.cs) : imageView(lease.image);
      const readOnly = original || (!staged && this.staging.readOnlyReason(lease) !== null);
      return await fn(view, path, readOnly);
    } catch (e) {
      throw this.translate(e, uri);
    } finally {
      lease.release();
    }
  }

  /**
   * Engine and OS errors become FileSystemErrors VS Code understands, with the engine's words —
   * escaped for notifications, where VS Code shows them (they quote names from the image).
   */
  private translate(e: unknown, uri: vscode.Uri | undefined): unknown {
    const t = (m: string): string => noticeText(m);
    if (e instanceof vscode.FileSystemError) return e;
    if (e instanceof StagingRefusal) return vscode.FileSystemError.NoPermissions(t(e.message));
    if (e instanceof EditError) {
      switch (e.reason) {
        case 'exists': return vscode.FileSystemError.FileExists(t(e.message));
        case 'not-found': return vscode.FileSystemError.FileNotFound(t(e.message));
        case 'not-a-directory': return vscode.FileSystemError.FileNotADirectory(t(e.message));
        case 'is-a-directory': return vscode.FileSystemError.FileIsADirectory(t(e.message));
        default: return vscode.FileSystemError.NoPermissions(t(e.message));
      }
    }
    if (e instanceof NotFoundError) return vscode.FileSystemError.FileNotFound(uri ?? t(e.message));
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT') return vscode.FileSystemError.FileNotFound(t(`the image file is gone: ${(e as Error).message}`));
    if (code === 'EACCES' || code === 'EPERM') return vscode.FileSystemError.NoPermissions(t(`cannot read the image: ${(e as Error).message}`));
    if (code === 'ENOSPC') return vscode.FileSystemError.Unavailable(t(`no space left for staged content: ${(e as Error).message}`));
    if (e instanceof IsoError) {
      this.log.warn(`${uri?.toString(true) ?? 'read'}: ${e.message}`);
      return vscode.FileSystemError.Unavailable(t(e.message));
    }
    this.log.error(`${uri?.toString(true) ?? 'read'}: ${(e as Error)?.stack ?? String(e)}`);
    return vscode.FileSystemError.Unavailable(t((e as Error)?.message ?? String(e)));
  }

  dispose(): void {
    for (const h of this.handles.values()) h.lease.release();
    this.handles.clear();
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}

/** The path a write lands on: links in the folders followed, and a link to a file followed too. */
async function writeTarget(cs: ChangeSet, path: string): Promise<string> {
  const target = await lexical(cs, path);
  const here = await cs.stat(target);
  if (here?.type === 'symlink') {
    const r = await cs.resolve(target, true);
    if (r?.type === 'file') return r.path;
  }
  return target;
}

/** The path with links in its folders followed (the last component itself is not followed). */
async function lexical(cs: ChangeSet, path: string): Promise<string> {
  const i = path.lastIndexOf('/');
  const dir = i <= 0 ? '/' : path.slice(0, i);
  const name = path.slice(i + 1);
  if (dir === '/' || name === '') return path;
  const d = await cs.resolve(dir, true);
  if (!d) throw new EditError('not-found', `${dir} does not exist`, { image: cs.image.name });
  return d.path === '/' ? `/${name}` : `${d.path}/${name}`;
}

function parentUri(uri: vscode.Uri): vscode.Uri {
  const i = uri.path.lastIndexOf('/');
  return uri.with({ path: i <= 0 ? '/' : uri.path.slice(0, i) });
}

const created = (uri: vscode.Uri): vscode.FileChangeEvent => ({ type: vscode.FileChangeType.Created, uri });
const changed = (uri: vscode.Uri): vscode.FileChangeEvent => ({ type: vscode.FileChangeType.Changed, uri });
const deleted = (uri: vscode.Uri): vscode.FileChangeEvent => ({ type: vscode.FileChangeType.Deleted, uri });

function kindOf(n: Node): vscode.FileType {
  if (n.type === 'dir') return vscode.FileType.Directory;
  if (n.type === 'symlink') return vscode.FileType.SymbolicLink;
  if (n.type === 'file') return vscode.FileType.File;
  return vscode.FileType.Unknown;
}

function toStat(n: Node, type: vscode.FileType, readOnly: boolean): vscode.FileStat {
  const mtime = n.mtime?.getTime() ?? 0;
  const st: vscode.FileStat = {
    type,
    size: n.type === 'dir' ? 0 : n.size,
    ctime: n.ctime?.getTime() ?? mtime,
    mtime,
  };
  if (readOnly) st.permissions = vscode.FilePermission.Readonly;
  return st;
}
