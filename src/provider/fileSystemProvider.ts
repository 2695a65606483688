// The FileSystemProvider for isowb: URIs: directories, stat and file content of an image, read
// through the shared engine. Files are streamed with open/read/close (VS Code uses them for
// copies, drag and drop and large reads), so a multi-GB file never sits in memory whole.
// Read-only: writes arrive with repack support.
import * as vscode from 'vscode';
import type { DiscImage, FileNode } from '../engine/image';
import { IsoError, NotFoundError } from '../engine/errors';
import { ImageRegistry, type Lease, type Logger } from './registry';
import { SCHEME } from './uri';

const READ_ONLY = new vscode.MarkdownString('Disc images open read-only in this version of ISO Workbench; use **ISO: Extract…** to get editable copies.');

interface Handle { lease: Lease; node: FileNode }

export class IsoFileSystemProvider implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  private readonly handles = new Map<number, Handle>();
  private nextFd = 1;
  private readonly sub: vscode.Disposable;

  constructor(private readonly registry: ImageRegistry, private readonly log: Logger, private readonly maxReadFile: () => number) {
    this.sub = registry.onDidChange(ev => {
      if (ev.kind !== 'changed' && ev.kind !== 'namespace') return;
      // Every URI of this image may now name different bytes or not exist: tell VS Code the root
      // changed (the Explorer re-reads it) and that open documents changed.
      const root = vscode.Uri.from({ scheme: SCHEME, authority: ev.key, path: '/' });
      const events: vscode.FileChangeEvent[] = [{ type: vscode.FileChangeType.Changed, uri: root }];
      for (const doc of vscode.workspace.textDocuments) {
        if (doc.uri.scheme === SCHEME && doc.uri.authority.toLowerCase() === ev.key) events.push({ type: vscode.FileChangeType.Changed, uri: doc.uri });
      }
      this.emitter.fire(events);
    });
  }

  /** Registration options: read-only with an explanation, case-sensitive paths. */
  static get options(): { isCaseSensitive: boolean; isReadonly: vscode.MarkdownString } {
    return { isCaseSensitive: true, isReadonly: READ_ONLY };
  }

  watch(): vscode.Disposable {
    // Changes come from the registry (the image file changed, the namespace switched).
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.withImage(uri, async (img, path) => {
      const link = await img.resolve(path, false);
      if (link.type !== 'symlink') return toStat(link, link.type === 'dir' ? vscode.FileType.Directory : vscode.FileType.File);
      // A link: the target's type and size, flagged as a link; a dangling link is a bare link.
      try {
        const target = await img.resolve(path, true);
        return toStat(target, kindOf(target) | vscode.FileType.SymbolicLink);
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        return toStat(link, vscode.FileType.SymbolicLink);
      }
    });
  }

  async readDirectory(uri: vscode.Uri): Promise<Array<[string, vscode.FileType]>> {
    return this.withImage(uri, async (img, path) => {
      const dir = await img.resolve(path, true);
      if (dir.type !== 'dir') throw vscode.FileSystemError.FileNotADirectory(uri);
      const out: Array<[string, vscode.FileType]> = [];
      const seen = new Set<string>();
      for (const kid of await img.readdir(dir)) {
        if (seen.has(kid.name)) continue; // two records with one name: VS Code needs unique names
        seen.add(kid.name);
        let type = kindOf(kid);
        if (kid.type === 'symlink') {
          try {
            type = kindOf(await img.resolve(`${dir.path === '/' ? '' : dir.path}/${kid.name}`, true)) | vscode.FileType.SymbolicLink;
          } catch {
            type = vscode.FileType.SymbolicLink;
          }
        }
        out.push([kid.name, type]);
      }
      return out;
    });
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.withImage(uri, async (img, path) => {
      const node = await img.resolve(path, true);
      if (node.type === 'dir') throw vscode.FileSystemError.FileIsADirectory(uri);
      if (node.type !== 'file') return new Uint8Array(0); // devices, fifos, sockets have no data
      const max = this.maxReadFile();
      if (node.size > max) {
        throw vscode.FileSystemError.Unavailable(`${node.path} is ${node.size} bytes, more than isoWorkbench.maxReadFileMiB allows loading at once (${max} bytes). Copy it out (ISO: Extract…, or copy and paste in the Explorer): copies are streamed.`);
      }
      return img.read(node, 0, node.size);
    });
  }

  async open(uri: vscode.Uri, opts: { create: boolean }): Promise<number> {
    if (opts.create) throw vscode.FileSystemError.NoPermissions(uri);
    const { key, path } = this.parse(uri);
    const lease = await this.acquire(key, uri);
    try {
      const node = await lease.image.resolve(path, true);
      if (node.type === 'dir') throw vscode.FileSystemError.FileIsADirectory(uri);
      const fd = this.nextFd++;
      this.handles.set(fd, { lease, node });
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
      return await h.lease.image.readInto(h.node, pos, data.subarray(offset, offset + length));
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

  // ---- writes: not in this version -------------------------------------------------------------
  write(): Promise<number> { throw vscode.FileSystemError.NoPermissions(READ_ONLY.value); }
  writeFile(uri: vscode.Uri): void { throw vscode.FileSystemError.NoPermissions(uri); }
  createDirectory(uri: vscode.Uri): void { throw vscode.FileSystemError.NoPermissions(uri); }
  delete(uri: vscode.Uri): void { throw vscode.FileSystemError.NoPermissions(uri); }
  rename(oldUri: vscode.Uri): void { throw vscode.FileSystemError.NoPermissions(oldUri); }

  // ---- plumbing -------------------------------------------------------------------------------

  private parse(uri: vscode.Uri): { key: string; path: string } {
    try {
      const p = ImageRegistry.parse(uri);
      return { key: p.key, path: p.path };
    } catch (e) {
      throw vscode.FileSystemError.FileNotFound(`${uri.toString()}: ${(e as Error).message}`);
    }
  }

  private async acquire(key: string, uri: vscode.Uri): Promise<Lease> {
    try {
      return await this.registry.acquire(key);
    } catch (e) {
      throw this.translate(e, uri);
    }
  }

  private async withImage<T>(uri: vscode.Uri, fn: (img: DiscImage, path: string) => Promise<T>): Promise<T> {
    const { key, path } = this.parse(uri);
    const lease = await this.acquire(key, uri);
    try {
      return await fn(lease.image, path);
    } catch (e) {
      throw this.translate(e, uri);
    } finally {
      lease.release();
    }
  }

  /** Engine and OS errors become FileSystemErrors VS Code understands, with the engine's words. */
  private translate(e: unknown, uri: vscode.Uri | undefined): unknown {
    if (e instanceof vscode.FileSystemError) return e;
    if (e instanceof NotFoundError) return vscode.FileSystemError.FileNotFound(uri ?? e.message);
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT') return vscode.FileSystemError.FileNotFound(`the image file is gone: ${(e as Error).message}`);
    if (code === 'EACCES' || code === 'EPERM') return vscode.FileSystemError.NoPermissions(`cannot read the image: ${(e as Error).message}`);
    if (e instanceof IsoError) {
      this.log.warn(`${uri?.toString(true) ?? 'read'}: ${e.message}`);
      return vscode.FileSystemError.Unavailable(e.message);
    }
    this.log.error(`${uri?.toString(true) ?? 'read'}: ${(e as Error)?.stack ?? String(e)}`);
    return vscode.FileSystemError.Unavailable((e as Error)?.message ?? String(e));
  }

  dispose(): void {
    for (const h of this.handles.values()) h.lease.release();
    this.handles.clear();
    this.sub.dispose();
    this.emitter.dispose();
  }
}

function kindOf(n: FileNode): vscode.FileType {
  if (n.type === 'dir') return vscode.FileType.Directory;
  if (n.type === 'symlink') return vscode.FileType.SymbolicLink;
  if (n.type === 'file') return vscode.FileType.File;
  return vscode.FileType.Unknown;
}

function toStat(n: FileNode, type: vscode.FileType): vscode.FileStat {
  const mtime = n.mtime?.getTime() ?? 0;
  return {
    type,
    size: n.type === 'dir' ? 0 : n.size,
    ctime: n.ctime?.getTime() ?? mtime,
    mtime,
    permissions: vscode.FilePermission.Readonly,
  };
}
