// The image model: one object per opened disc image. It reads only what it is asked for —
// descriptors at open, directories on demand (bounded cache), file data by streaming.
// This file opens the image (volume descriptors, sessions, namespaces), holds the tree API
// (readdir, lookup, resolve, walk) and the boot, structure-map and path-table views; directory
// records become FileNodes in imageDirectory.ts, file data is read in imageFileData.ts,
// directories become structure-map structures in imageStructures.ts, whole-tree traversals
// (walk, filesAt) are imageWalk.ts.
// What open reads from the volume descriptors (the namespaces, the UDF recognition sequence) and
// the path-table cross-check are imageVolume.ts.
/* eslint-disable max-lines -- DiscImage is the one public class of the image model: its API (tree, reads, boot, system area, structure views) delegates to the image*.ts modules; what is left is the API's own glue. */
import { Readable } from 'node:stream';
import { CorruptImageError, DiagnosticSink, InvalidArgumentError, IsoError, NotFoundError, UnsupportedFeatureError, type Diagnostic } from './errors';
import { CachedSource, FileSource } from './io/fileSource';
import type { ByteSource } from './io/source';
import { readPathTable } from './iso9660/pathTable';
import { readVolumeDescriptorSet, type PrimaryVd, type VolumeDescriptor } from './iso9660/volumeDescriptor';
import { ContinuationLedger } from './rockridge/susp';
import { readBootCatalog } from './eltorito/bootCatalog';
import { readElTorito } from './eltorito/index';
import { readSystemArea } from './systemarea/index';
import { listSessions } from './sessions';
import { readUdf } from './udf/index';
import type { Structure } from './structure/fields';
import { resolveLimits, type Limits } from './limits';
import { DirectoryDecoder, type NsContext } from './imageDirectory';
import { buildContexts, checkPathTables, detectUdf } from './imageVolume';
import { filesAt, walkTree } from './imageWalk';
import { FileData } from './imageFileData';
import { DirectoryStructures, treeOf } from './imageStructures';
import type { DataRange, ElToritoInfo, EntryType, Extent, Namespace, SessionInfo, SystemAreaInfo, VolumeInfo } from './types';


/** One entry of the tree in one namespace. */
export interface FileNode {
  name: string;
  /** Absolute path inside the image ("/" for the root). */
  path: string;
  type: EntryType;
  /** Size in bytes (uncompressed size for zisofs files). */
  size: number;
  /** Full st_mode (type bits + permissions). */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  mtime: Date | null;
  atime: Date | null;
  ctime: Date | null;
  /** Symlink target (Rock Ridge SL). */
  target?: string;
  /** Device numbers (Rock Ridge PN). */
  rdev?: { major: number; minor: number };
  /** File serial number (Rock Ridge PX, RRIP 1.12); equal for hard links. */
  ino?: number;
  hidden: boolean;
  /** Extents as recorded (several for multi-extent files). */
  extents: Extent[];
  /** Where the (possibly compressed) data lies in the image, in order (an interleaved section is one strided range). */
  ranges: DataRange[];
  /** Present when the data is zisofs-compressed (Rock Ridge ZF). */
  zisofs?: { compressedSize: number; log2BlockSize: number; algorithm?: string; headerSizeDiv4?: number };
  /** Rock Ridge SF: sparse file, reported but not expanded. */
  sparse?: boolean;
  /** Directory extent to list children from. */
  dir?: { lba: number; length: number };
  /** Absolute offset of the (first) directory record. */
  recordOffset: number;
  namespace: Namespace;
}

export interface OpenOptions {
  /** Namespace to present; default Rock Ridge > Joliet > ISO 9660. */
  namespace?: Namespace;
  /** 1-based session index; default the newest. */
  session?: number;
  /** Cache size in 64 KiB blocks for metadata (default 256 = 16 MiB). */
  cacheBlocks?: number;
  /** Resource budgets (src/engine/limits.ts); unset ones keep their defaults. */
  limits?: Partial<Limits>;
}
const MAX_CACHED_ENTRIES = 50_000;
/** Directories with more entries than this are listed again when asked, never cached whole. */
const MAX_CACHED_DIRECTORY = MAX_CACHED_ENTRIES / 4;
/** Directories whose records take more than this are searched by streaming (lookup), not listed whole. */
const SMALL_DIRECTORY_BYTES = 1024 * 1024;

export class DiscImage {
  readonly diagnostics: DiagnosticSink;
  private readonly contexts = new Map<Namespace, NsContext>();
  private active: NsContext;
  private dirCache = new Map<string, FileNode[]>();
  private cachedEntries = 0;
  private elToritoPromise?: Promise<{ info: ElToritoInfo | null; structures: Structure[] }>;
  private systemAreaPromise?: Promise<{ info: SystemAreaInfo; structures: Structure[] }>;
  private readonly data: FileData;
  private readonly dirs: DirectoryDecoder;
  private readonly dirStructures: DirectoryStructures;

  private constructor(
    readonly source: CachedSource,
    readonly descriptors: VolumeDescriptor[],
    readonly sessions: SessionInfo[],
    readonly session: SessionInfo,
    readonly udf: boolean,
    contexts: NsContext[],
    preferred: Namespace | undefined,
    sink: DiagnosticSink,
    /** The budgets this image is read with (src/engine/limits.ts). */
    readonly limits: Limits,
    /** Owners of Rock Ridge continuation areas, and the image's budget of them. */
    ledger: ContinuationLedger,
  ) {
    this.diagnostics = sink;
    this.data = new FileData(source, limits);
    this.dirs = new DirectoryDecoder(source, sink, limits, ledger);
    this.dirStructures = new DirectoryStructures(source, sink, limits, ledger, this.dirs);
    for (const c of contexts) this.contexts.set(c.ns, c);
    const order: Namespace[] = ['rr', 'joliet', 'iso9660'];
    const pick = preferred ?? order.find(n => this.contexts.has(n))!;
    const ctx = this.contexts.get(pick);
    if (!ctx) throw new InvalidArgumentError(`namespace ${pick} is not present in this image (present: ${this.namespaces.join(', ')})`, { image: source.name });
    this.active = ctx;
  }

  /** Opens an image file. */
  static async openFile(path: string, opts: OpenOptions = {}): Promise<DiscImage> {
    const fs = await FileSource.open(path);
    try {
      return await DiscImage.open(fs, opts);
    } catch (e) {
      await fs.close();
      throw e;
    }
  }

  /** Opens an image over any byte source; the image owns the source and closes it. */
  static async open(src: ByteSource, opts: OpenOptions = {}): Promise<DiscImage> {
    const sink = new DiagnosticSink();
    let limits: Limits;
    try {
      limits = resolveLimits(opts.limits);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message, { image: src.name });
    }
    const ledger = new ContinuationLedger(limits.continuationsPerRecord, limits.continuationsPerImage);
    const cached = src instanceof CachedSource ? src : new CachedSource(src, 64 * 1024, opts.cacheBlocks ?? 256);
    try {
      if (cached.size < 17 * 2048) {
        throw new CorruptImageError(`too small for an ISO 9660 image (${cached.size} bytes; the volume descriptors start at byte 32768)`, { structure: 'volume descriptor set', offset: 32768 });
      }
      const udf = await detectUdf(cached);
      const head = await cached.read(16 * 2048, 6);
      if (String.fromCharCode(...head.subarray(1, 6)) !== 'CD001') {
        if (udf) throw new UnsupportedFeatureError('this is a UDF-only image (no ISO 9660 volume descriptors); UDF reading is not supported yet', { structure: 'volume recognition sequence', offset: 32768 });
        throw new CorruptImageError('no ISO 9660 volume descriptor ("CD001" missing); not an ISO 9660 image', { structure: 'volume descriptor set', offset: 32768 });
      }
      const newest = await readVolumeDescriptorSet(cached, 16, sink);
      const newestPvd = newest.find((d): d is PrimaryVd => d.kind === 'primary')!;
      const sessions = await listSessions(cached, newestPvd, sink);
      let session = sessions[sessions.length - 1];
      let vds = newest;
      if (opts.session !== undefined) {
        const s = sessions.find(x => x.index === opts.session);
        if (!s) throw new InvalidArgumentError(`no session ${opts.session} (the image has ${sessions.length})`);
        session = s;
        if (s !== sessions[sessions.length - 1]) vds = await readVolumeDescriptorSet(cached, s.startLba + 16, sink);
      }
      const contexts = await buildContexts(cached, vds, sink, ledger);
      return new DiscImage(cached, vds, sessions, session, udf, contexts, opts.namespace, sink, limits, ledger);
    } catch (e) {
      throw e instanceof IsoError ? e.withImage(src.name) : e;
    }
  }

  get name(): string { return this.source.name; }
  get size(): number { return this.source.size; }
  get namespaces(): Namespace[] { return (['rr', 'joliet', 'iso9660'] as Namespace[]).filter(n => this.contexts.has(n)); }
  get namespace(): Namespace { return this.active.ns; }
  get warnings(): Diagnostic[] { return this.diagnostics.items; }
  get primary(): PrimaryVd { return this.contexts.get('iso9660')!.vd; }

  /** Switches the presented namespace. */
  setNamespace(ns: Namespace): void {
    const c = this.contexts.get(ns);
    if (!c) throw new InvalidArgumentError(`namespace ${ns} is not present in this image (present: ${this.namespaces.join(', ')})`, { image: this.name });
    this.active = c;
  }

  get volume(): VolumeInfo {
    const p = this.primary;
    return {
      systemId: p.systemId, volumeId: p.volumeId, volumeSetId: p.volumeSetId, publisherId: p.publisherId,
      preparerId: p.preparerId, applicationId: p.applicationId, copyrightFileId: p.copyrightFileId,
      abstractFileId: p.abstractFileId, bibliographicFileId: p.bibliographicFileId,
      blockSize: p.logicalBlockSize, volumeBlocks: p.volumeSpaceSize, volumeSetSize: p.volumeSetSize,
      volumeSequenceNumber: p.volumeSequenceNumber,
      created: p.created?.iso ?? null, modified: p.modified?.iso ?? null,
      expires: p.expires?.iso ?? null, effective: p.effective?.iso ?? null,
      fileStructureVersion: this.descriptors.some(d => d.kind === 'enhanced') ? 2 : p.fileStructureVersion,
    };
  }

  get root(): FileNode { return this.active.root; }

  /** The root of another namespace (without switching the presented one), or null when absent. */
  namespaceRoot(ns: Namespace): FileNode | null { return this.contexts.get(ns)?.root ?? null; }

  // ---- tree ---------------------------------------------------------------------------------

  /**
   * Children of a directory, in recorded order. Results are kept in a bounded cache unless
   * `cache` is false (whole-tree walks visit each directory once; caching them only costs memory)
   * or the directory is huge (more than MAX_CACHED_DIRECTORY entries). Listing a huge directory
   * whole costs memory per entry: whole-tree work streams with `walk` / `readdirStream` instead.
   */
  async readdir(dirOrPath: FileNode | string, cache = true): Promise<FileNode[]> {
    const dir = typeof dirOrPath === 'string' ? await this.lookup(dirOrPath) : dirOrPath;
    const { ctx, key } = this.dirKey(dir);
    const hit = this.dirCache.get(key);
    if (hit) {
      this.dirCache.delete(key);
      this.dirCache.set(key, hit);
      return hit;
    }
    const children: FileNode[] = [];
    for await (const batch of this.dirs.listBatches(ctx, dir)) for (const k of batch) children.push(k);
    if (cache && children.length <= MAX_CACHED_DIRECTORY) this.remember(key, children);
    return children;
  }

  /**
   * The children of a directory in batches, in recorded order, without holding the whole
   * directory: a directory of a million entries costs one batch of nodes at a time.
   */
  async *readdirStream(dirOrPath: FileNode | string): AsyncGenerator<FileNode[]> {
    const dir = typeof dirOrPath === 'string' ? await this.lookup(dirOrPath) : dirOrPath;
    const { ctx, key } = this.dirKey(dir);
    const hit = this.dirCache.get(key);
    if (hit) { yield hit; return; }
    yield* this.dirs.listBatches(ctx, dir);
  }

  private dirKey(dir: FileNode): { ctx: NsContext; key: string } {
    if (dir.type !== 'dir' || !dir.dir) throw new InvalidArgumentError(`not a directory: ${dir.path}`, { image: this.name });
    const ctx = this.contexts.get(dir.namespace)!;
    return { ctx, key: `${ctx.ns}:${dir.dir.lba}:${dir.path}` };
  }

  private remember(key: string, children: FileNode[]): void {
    this.dirCache.set(key, children);
    this.cachedEntries += children.length;
    while (this.cachedEntries > MAX_CACHED_ENTRIES && this.dirCache.size > 1) {
      const [k, v] = this.dirCache.entries().next().value as [string, FileNode[]];
      this.dirCache.delete(k);
      this.cachedEntries -= v.length;
    }
  }

  /**
   * The child `name` of a directory: the exact name, else (outside Rock Ridge) a case-insensitive
   * match. Small directories are listed (and cached); large ones are searched by streaming.
   */
  private async child(dir: FileNode, name: string): Promise<FileNode | undefined> {
    const ci = this.active.ns !== 'rr' ? name.toLowerCase() : null;
    if ((dir.dir?.length ?? 0) <= SMALL_DIRECTORY_BYTES || this.dirCache.has(this.dirKey(dir).key)) {
      const kids = await this.readdir(dir);
      return kids.find(k => k.name === name) ?? (ci !== null ? kids.find(k => k.name.toLowerCase() === ci) : undefined);
    }
    let fallback: FileNode | undefined;
    for await (const batch of this.readdirStream(dir)) {
      for (const k of batch) {
        if (k.name === name) return k;
        if (ci !== null && !fallback && k.name.toLowerCase() === ci) fallback = k;
      }
    }
    return fallback;
  }

  /** Resolves an absolute path ("/a/b") in the active namespace. */
  async lookup(path: string): Promise<FileNode> {
    const parts = splitPath(path, this.name);
    let node = this.active.root;
    for (let i = 0; i < parts.length; i++) {
      if (node.type !== 'dir') throw new NotFoundError(`${'/' + parts.slice(0, i).join('/')} is not a directory`, { image: this.name });
      const next = await this.child(node, parts[i]);
      if (!next) throw new NotFoundError(`no such file or directory: /${parts.slice(0, i + 1).join('/')}`, { image: this.name });
      node = next;
    }
    return node;
  }

  /**
   * Resolves a path following symbolic links (Rock Ridge SL) in every component, the last one
   * too unless `followLast` is false. Absolute targets resolve against the image root (the image
   * is the root of the system it holds). More than 40 links on one path (a loop) is an error.
   */
  async resolve(path: string, followLast = true): Promise<FileNode> {
    let pending = splitPath(path, this.name);
    let node = this.active.root;
    let hops = 0;
    const stack: FileNode[] = [];
    while (pending.length > 0) {
      const want = pending[0];
      pending = pending.slice(1);
      if (want === '..') { node = stack.pop() ?? this.active.root; continue; }
      if (node.type !== 'dir') throw new NotFoundError(`${node.path} is not a directory`, { image: this.name });
      const next = await this.child(node, want);
      if (!next) throw new NotFoundError(`no such file or directory: ${node.path === '/' ? '' : node.path}/${want}`, { image: this.name });
      if (next.type === 'symlink' && (pending.length > 0 || followLast)) {
        if (++hops > 40) throw new NotFoundError(`too many levels of symbolic links resolving ${path}`, { image: this.name });
        const target = next.target ?? '';
        const parts = target.split('/').filter(x => x !== '' && x !== '.');
        if (target.startsWith('/')) { stack.length = 0; node = this.active.root; }
        pending = [...parts, ...pending];
        continue;
      }
      stack.push(node);
      node = next;
    }
    return node;
  }

  /**
   * A random-access byte source over one file of this image (an image inside an image, a boot
   * image). Reads go through this image; closing it does not close the image.
   */
  fileSource(node: FileNode): ByteSource {
    if (node.type !== 'file') throw new InvalidArgumentError(`not a regular file: ${node.path}`, { image: this.name });
    const name = `${this.name}:${node.path}`;
    return {
      name,
      size: node.size,
      read: (offset, length) => this.read(node, offset, Math.max(0, Math.min(length, node.size - offset))),
      readInto: (offset, target) => this.readInto(node, offset, target),
      close: async () => undefined,
    };
  }

  /** Like lookup, but returns null when the path does not exist. */
  async stat(path: string): Promise<FileNode | null> {
    try {
      return await this.lookup(path);
    } catch (e) {
      if (e instanceof NotFoundError) return null;
      throw e;
    }
  }

  /**
   * Walks the tree depth-first in recorded order, calling `visit` for every entry below `from`
   * (not `from` itself); `visit` returning false stops the walk. Each directory extent is
   * expanded once: an entry pointing at a directory already listed in this walk (a directory
   * DAG, which no writer makes) is visited but its contents are not listed again, and a loop back
   * to an ancestor is not followed; both are reported. Directories are streamed in batches. A
   * directory that cannot be read (its extent beyond the end of the image, …) is reported —
   * to `onError` when given, else as a diagnostic — and the walk goes on with the next one. More
   * than `limits.entriesPerWalk` entries → LimitExceededError.
   */
  walk(from: FileNode, visit: (node: FileNode) => void | boolean | Promise<void | boolean>, onError?: (dir: FileNode, e: IsoError) => void): Promise<void> {
    return walkTree(this, from, visit, onError);
  }

  // ---- file data (imageFileData.ts) ----------------------------------------------------------

  /** Reads up to `length` bytes of a file's content at `offset` (decompressing zisofs). */
  read(node: FileNode, offset: number, length: number): Promise<Uint8Array> {
    return this.data.read(node, offset, length);
  }

  /**
   * Reads file content at `offset` into `target` (as many bytes as fit, short only at the end of
   * the file) without allocating: the streaming paths reuse two buffers.
   */
  readInto(node: FileNode, offset: number, target: Uint8Array): Promise<number> {
    return this.data.readInto(node, offset, target);
  }

  /**
   * The content of a file (or of bytes [start, end)) in chunks, reading the next chunk while
   * the caller consumes the current one, so disk reads and the consumer's writes overlap.
   */
  chunks(node: FileNode, start = 0, end = node.size, chunkSize?: number): AsyncGenerator<Uint8Array> {
    return this.data.chunks(node, start, end, chunkSize);
  }

  /**
   * Copies a file's content to `write` through two reused buffers: the next chunk is read while
   * `write` handles the current one, and nothing is allocated per chunk. `write` must be done
   * with the chunk when its promise resolves (the buffer is reused); returning false stops the
   * copy. Returns the number of bytes delivered (short only if the image ends early).
   */
  pump(node: FileNode, write: (chunk: Uint8Array, position: number) => Promise<boolean | void>, buffers?: [Uint8Array, Uint8Array]): Promise<number> {
    return this.data.pump(node, write, buffers);
  }

  /** Streams a file's content (or a byte range of it, end exclusive) without buffering it whole. */
  createReadStream(node: FileNode, start = 0, end = node.size): Readable {
    return this.data.createReadStream(node, start, end);
  }

  // ---- boot and system area -----------------------------------------------------------------

  /** The system area (first 32 KiB): MBR, GPT, APM. */
  async systemArea(): Promise<SystemAreaInfo> { return (await this.systemAreaFull()).info; }
  private systemAreaFull(): Promise<{ info: SystemAreaInfo; structures: Structure[] }> {
    this.systemAreaPromise ??= readSystemArea(this.source, this.diagnostics);
    return this.systemAreaPromise;
  }

  /** El Torito boot information, or null when the image has no boot record. */
  async elTorito(): Promise<ElToritoInfo | null> { return (await this.elToritoFull()).info; }
  private elToritoFull(): Promise<{ info: ElToritoInfo | null; structures: Structure[] }> {
    this.elToritoPromise ??= this.loadElTorito();
    return this.elToritoPromise;
  }

  private async loadElTorito(): Promise<{ info: ElToritoInfo | null; structures: Structure[] }> {
    const br = this.descriptors.find(d => d.kind === 'boot' && d.catalogLba !== null);
    if (!br || br.kind !== 'boot' || br.catalogLba === null) return { info: null, structures: [] };
    const catalogLba = br.catalogLba;
    const sys = await this.systemArea();
    let wanted: Set<number>;
    try {
      const cat = await readBootCatalog(this.source, catalogLba, new DiagnosticSink(50));
      wanted = new Set([catalogLba, ...cat.entries.map(e => e.loadRba)]);
    } catch {
      wanted = new Set([catalogLba]);
    }
    const found = await this.filesAt(wanted);
    try {
      const r = await readElTorito(this.source, br.lba, catalogLba, this.primary.volumeSpaceSize, sys, lba => found.get(lba) ?? null, this.diagnostics);
      return r;
    } catch (e) {
      if (e instanceof IsoError) {
        this.diagnostics.error(e.detail, e.structure ?? 'El Torito boot catalog', e.offset);
        return { info: null, structures: [] };
      }
      throw e;
    }
  }

  /**
   * Finds the files whose first extent starts at one of the given LBAs. Breadth-first, because
   * boot images and catalogs live near the root (/isolinux, /boot/grub, /EFI); stops as soon as
   * every LBA is found, so a 100,000-file tree is not walked for a handful of boot files.
   */
  filesAt(lbas: Set<number>): Promise<Map<number, { path: string; size: number }>> {
    return filesAt(this, this.active.root, lbas);
  }

  // ---- structure map ------------------------------------------------------------------------

  /**
   * Every top-level structure: system area, volume descriptors, path tables, root directories,
   * El Torito, and UDF (recognition sequence, anchors, descriptor sequences, integrity, file set,
   * root file entry) when the image is a UDF bridge. Defects become diagnostics and problems;
   * only I/O errors are thrown.
   */
  async structures(): Promise<Structure[]> {
    const out: Structure[] = [];
    const guarded = async (what: string, f: () => Promise<void>): Promise<void> => {
      try {
        await f();
      } catch (e) {
        if (!(e instanceof IsoError)) throw e;
        this.diagnostics.error(e.detail, e.structure ?? what, e.offset);
      }
    };
    out.push(...(await this.systemAreaFull()).structures);
    for (const d of this.descriptors) out.push(d.structure);
    for (const c of this.uniqueTrees()) {
      const vd = c.vd;
      if (vd.pathTableSize > 0) {
        for (const [lba, le] of [[vd.lPathTableLba, true], [vd.mPathTableLba, false]] as const) {
          if (lba === 0) continue;
          await guarded('path table', async () => {
            out.push((await readPathTable(this.source, lba, vd.pathTableSize, le, c.joliet, this.diagnostics, vd.logicalBlockSize)).structure);
          });
        }
      }
      await guarded('root directory', async () => { out.push(await this.directoryStructure(c, c.root)); });
    }
    out.push(...(await this.elToritoFull()).structures);
    if (this.udf) {
      await guarded('UDF', async () => {
        const u = await readUdf(this.source, this.diagnostics);
        if (u) out.push(...u.structures);
      });
    }
    return out.sort((a, b) => a.offset - b.offset);
  }

  /** The directory records of one directory as a structure (children: one per record). */
  async directoryStructureOf(path: string): Promise<Structure> {
    const node = await this.lookup(path);
    return this.directoryStructure(this.active, node);
  }

  /** Id of the 'directory' structure of a directory node (as structures() and expandStructure() give it). */
  directoryStructureId(dir: FileNode): string {
    const ctx = this.contexts.get(dir.namespace) ?? this.active;
    return `dir:${treeOf(ctx)}:${dir.dir?.lba ?? 0}`;
  }

  /** Display name of the 'directory' structure of a directory node. */
  directoryStructureName(dir: FileNode): string {
    const ctx = this.contexts.get(dir.namespace) ?? this.active;
    return `Directory ${dir.path} (${ctx.joliet ? 'Joliet' : 'ISO 9660'})`;
  }

  /** True when expandStructure would return the subdirectory of this (directory record) structure. Pure. */
  isExpandable(s: Structure): boolean {
    return s.type === 'dir-record' && s.expand !== undefined && (s.expand.tree === 'joliet' ? this.contexts.has('joliet') : true);
  }

  /**
   * For a 'dir-record' structure whose record is a subdirectory (not "." or ".."; a Rock Ridge CL
   * placeholder counts), the 'directory' structure of that subdirectory in the same tree (ISO
   * 9660 with Rock Ridge, or Joliet), else null. An unreadable directory yields a structure with
   * the problem and no children rather than an exception.
   */
  async expandStructure(s: Structure): Promise<Structure[] | null> {
    if (!this.isExpandable(s) || !s.expand) return null;
    const ctx = s.expand.tree === 'joliet' ? this.contexts.get('joliet')! : (this.contexts.get('rr') ?? this.contexts.get('iso9660')!);
    return this.dirStructures.expand(ctx, { ...s, expand: s.expand });
  }

  private directoryStructure(ctx: NsContext, dir: FileNode): Promise<Structure> {
    return this.dirStructures.directoryStructure(ctx, dir);
  }

  private uniqueTrees(): NsContext[] {
    const seen = new Set<number>();
    const out: NsContext[] = [];
    for (const c of this.contexts.values()) {
      if (seen.has(c.vd.lba)) continue;
      seen.add(c.vd.lba);
      out.push(c);
    }
    return out;
  }

  /**
   * Cross-checks the L and M path tables of each tree against the directory hierarchy
   * (ECMA-119 6.9). Returns human-readable problems (also recorded as diagnostics).
   */
  checkPathTables(): Promise<string[]> {
    return checkPathTables(this.source, this.uniqueTrees(), this.diagnostics);
  }

  async close(): Promise<void> {
    this.dirCache.clear();
    await this.source.close();
  }
}

// ---- helpers ----------------------------------------------------------------------------------

function splitPath(path: string, image: string): string[] {
  if (typeof path !== 'string') throw new InvalidArgumentError('path must be a string', { image });
  const parts = path.split('/').filter(p => p !== '' && p !== '.');
  if (parts.some(p => p === '..')) throw new InvalidArgumentError(`".." is not allowed in image paths: ${path}`, { image });
  return parts;
}
