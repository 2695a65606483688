// The image model: one object per opened disc image. It reads only what it is asked for —
// descriptors at open, directories on demand (bounded cache), file data by streaming.
import { Readable } from 'node:stream';
import { CancelledError, CorruptImageError, DiagnosticSink, InvalidArgumentError, IsoError, LimitExceededError, NotFoundError, UnsupportedFeatureError, type Diagnostic } from './errors';
import { CachedSource, FileSource } from './io/fileSource';
import { readExact, type ByteSource } from './io/source';
import { bytesBelow, directoryRecords, rangePieces, readDirectory, sectionRange, type DirectoryRecord } from './iso9660/directoryRecord';
import { stripVersion } from './iso9660/names';
import { crossCheckPathTables, readPathTable } from './iso9660/pathTable';
import { readVolumeDescriptorSet, type PrimaryVd, type VolumeDescriptor } from './iso9660/volumeDescriptor';
import { ContinuationLedger, detectSusp, directoryContinuations, readSuspArea, type DirectoryContinuations } from './rockridge/susp';
import { decodeBytes, parseRockRidge, RR_CURRENT, RR_PARENT, type RockRidge } from './rockridge/rrip';
import { ZisofsReader } from './rockridge/zisofs';
import { readBootCatalog } from './eltorito/bootCatalog';
import { readElTorito } from './eltorito/index';
import { readSystemArea } from './systemarea/index';
import { listSessions } from './sessions';
import { readUdf } from './udf/index';
import type { Structure } from './structure/fields';
import { resolveLimits, type Limits } from './limits';
import { MODE_BY_TYPE, typeOfMode } from './fileMode';
import { joinPath, parentPath, shortPath } from './paths';
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

interface NsContext {
  ns: Namespace;
  vd: PrimaryVd;
  joliet: boolean;
  suspSkip: number | null;
  root: FileNode;
}

const MAX_CACHED_ENTRIES = 50_000;
/** Directories with more entries than this are listed again when asked, never cached whole. */
const MAX_CACHED_DIRECTORY = MAX_CACHED_ENTRIES / 4;
/** Directories whose records take more than this are searched by streaming (lookup), not listed whole. */
const SMALL_DIRECTORY_BYTES = 1024 * 1024;
/** Names per directory remembered for the duplicate-name check. */
const DUPLICATE_CHECK_NAMES = 65_536;
/** Records shown in one directory's structure (sector editor, --structures). */
const MAX_STRUCTURE_RECORDS = 4096;
/** Fields shown in one directory's structure (~2,400 Rock Ridge records; ~55 MB of heap). */
const MAX_STRUCTURE_FIELDS = 100_000;
const READ_CHUNK = 4 * 1024 * 1024;

export class DiscImage {
  readonly diagnostics: DiagnosticSink;
  private readonly contexts = new Map<Namespace, NsContext>();
  private active: NsContext;
  private dirCache = new Map<string, FileNode[]>();
  private cachedEntries = 0;
  private elToritoPromise?: Promise<{ info: ElToritoInfo | null; structures: Structure[] }>;
  private systemAreaPromise?: Promise<{ info: SystemAreaInfo; structures: Structure[] }>;

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
    private readonly ledger: ContinuationLedger,
  ) {
    this.diagnostics = sink;
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
    for await (const batch of this.listBatches(ctx, dir)) for (const k of batch) children.push(k);
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
    yield* this.listBatches(ctx, dir);
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
  async walk(from: FileNode, visit: (node: FileNode) => void | boolean | Promise<void | boolean>, onError?: (dir: FileNode, e: IsoError) => void): Promise<void> {
    const ancestors = new Set<number>();
    const expanded = new Map<number, string>();
    const limit = this.limits.entriesPerWalk;
    let visited = 0;
    const rec = async (dir: FileNode): Promise<boolean> => {
      if (!dir.dir) return true;
      const lba = dir.dir.lba;
      if (ancestors.has(lba)) {
        this.diagnostics.warn(`directory loop: ${shortPath(dir.path)} points back at an ancestor (LBA ${lba}); not followed`, 'directory record', dir.recordOffset);
        return true;
      }
      const first = expanded.get(lba);
      if (first !== undefined) {
        this.diagnostics.warn(`${shortPath(dir.path)} is the directory already listed as ${shortPath(first)} (both point at LBA ${lba}); its contents are listed there only`, 'directory record', dir.recordOffset);
        return true;
      }
      expanded.set(lba, dir.path);
      ancestors.add(lba);
      const batches = this.readdirStream(dir);
      try {
        for (;;) {
          let next: IteratorResult<FileNode[]>;
          try {
            next = await batches.next();
          } catch (e) {
            // One unreadable directory does not end the walk (its entries read so far were visited).
            if (!(e instanceof IsoError) || e instanceof CancelledError || e instanceof LimitExceededError) throw e;
            if (onError) onError(dir, e);
            else this.diagnostics.error(`${shortPath(dir.path)}: directory not read: ${e.detail}`, e.structure ?? 'directory', e.offset);
            return true;
          }
          if (next.done) return true;
          for (const k of next.value) {
            if (++visited > limit) {
              throw new LimitExceededError(`more than ${limit} entries in one walk of the tree (limit entriesPerWalk; raise it with --limit entriesPerWalk=N)`, { image: this.name, structure: `directory ${shortPath(dir.path)}`, offset: k.recordOffset, limit: 'entriesPerWalk' });
            }
            if ((await visit(k)) === false) return false;
            if (k.type === 'dir' && !(await rec(k))) return false;
          }
        }
      } finally {
        ancestors.delete(lba);
        await batches.return(undefined);
      }
    };
    await rec(from);
  }

  // ---- directory decoding -------------------------------------------------------------------

  /**
   * Decodes a directory into nodes, batch by batch (one batch per DIRECTORY_CHUNK of records):
   * multi-extent sections grouped into one file (at most `limits.extentsPerFile` extents), "."
   * and ".." and associated files left out, Rock Ridge applied, rr_moved hidden at the root when
   * everything in it is shown elsewhere, at most `limits.entriesPerDirectory` entries.
   */
  private async *listBatches(ctx: NsContext, dir: FileNode): AsyncGenerator<FileNode[]> {
    const bs = ctx.vd.logicalBlockSize;
    const where = shortPath(dir.path);
    const names = new Set<string>();
    const continuations = directoryContinuations(this.limits.continuationsPerDirectory);
    const maxEntries = this.limits.entriesPerDirectory;
    const maxExtents = this.limits.extentsPerFile;
    let count = 0;
    let open: DirectoryRecord[] | null = null;
    let dropped = 0;
    let previous = '';
    let out: FileNode[] = [];
    const rrRoot = ctx.ns === 'rr' && dir.path === '/';
    // Groups of one batch, decoded into nodes one by one (no extra promise per record).
    const decode = async (groups: DirectoryRecord[][]): Promise<void> => {
      for (const group of groups) {
        const first = group[0];
        if (first.associated) continue;
        const node = await this.makeNode(ctx, dir, group, continuations);
        if (!node) continue;
        if (rrRoot && node.type === 'dir' && /^\.?rr_moved$/i.test(node.name) && await this.onlyRelocated(ctx, node)) continue;
        // Duplicate names: every name is remembered up to DUPLICATE_CHECK_NAMES (memory stays
        // bounded in a huge directory); beyond, a duplicate is found when it follows its twin,
        // as the sorted ISO 9660 and Joliet orders (ECMA-119 9.3) place it.
        if (names.has(node.name) || node.name === previous) this.diagnostics.warn(`duplicate name ${JSON.stringify(node.name)} in ${where}`, 'directory record', first.offset);
        if (names.size < DUPLICATE_CHECK_NAMES) names.add(node.name);
        previous = node.name;
        out.push(node);
      }
    };
    try {
      let groups: DirectoryRecord[][] = [];
      for await (const batch of directoryRecords(this.source, dir.dir!.lba, dir.dir!.length, bs, { joliet: ctx.joliet, path: dir.path, structures: false }, this.diagnostics)) {
        for (const r of batch) {
          if (r.identifier.length === 1 && r.identifier[0] <= 1) continue;
          // ECMA-119 6.5.1 / 9.1.6: the sections of a multi-extent file are consecutive records
          // with the same name, all but the last flagged multi-extent.
          if (open) {
            if (r.name === open[0].name) {
              if (open.length < maxExtents) open.push(r);
              else if (dropped++ === 0) this.diagnostics.warn(`${joinPath(where, stripVersion(r.name))} has more than ${maxExtents} extents (limit extentsPerFile); the rest are left out`, 'directory record', r.offset);
              if (!r.multiExtent) { groups.push(open); open = null; dropped = 0; }
              continue;
            }
            this.diagnostics.warn(`multi-extent file ${JSON.stringify(open[0].name)} is interrupted by ${JSON.stringify(r.name)} before its last extent`, 'directory record', r.offset);
            groups.push(open);
            open = null;
            dropped = 0;
          }
          if (count + groups.length >= maxEntries) {
            await decode(groups);
            this.diagnostics.warn(`${where} has more than ${maxEntries} entries (limit entriesPerDirectory); the rest are not listed`, 'directory record', r.offset);
            if (out.length) yield out;
            return;
          }
          if (r.multiExtent) open = [r];
          else groups.push([r]);
        }
        count += groups.length;
        await decode(groups);
        groups = [];
        if (out.length) { yield out; out = []; }
      }
      if (open) {
        this.diagnostics.warn(`multi-extent file ${JSON.stringify(open[0].name)} has no final extent (the directory ends with a record flagged multi-extent)`, 'directory record', open[open.length - 1].offset);
        await decode([open]);
      }
      if (out.length) yield out;
    } finally {
      this.reportContinuations(continuations, where);
    }
  }

  /** One warning for the continuation areas a listing refused as another record's. */
  private reportContinuations(c: DirectoryContinuations, where: string): void {
    if (c.shared === 0) return;
    const f = c.firstShared!;
    this.diagnostics.warn(`${c.shared} record${c.shared === 1 ? '' : 's'} in ${where} point${c.shared === 1 ? 's' : ''} at Rock Ridge continuation areas that belong to other records (the first: the area at byte ${f.area}, owned by the record at byte ${this.ledger.ownerOf(f.area)}); those areas were not read again`, `System Use area in ${where}`, f.at);
  }

  /**
   * True when the relocation directory ("rr_moved") holds relocated directories (RRIP 4.1.5) and
   * nothing else: each is shown where it belongs. An empty one is a user's folder of that name
   * (a writer creates rr_moved only to relocate): shown.
   */
  private async onlyRelocated(ctx: NsContext, moved: FileNode): Promise<boolean> {
    const records = await readDirectory(this.source, moved.dir!.lba, moved.dir!.length, ctx.vd.logicalBlockSize, { joliet: false, path: moved.path, structures: false }, this.diagnostics);
    let relocated = 0;
    for (const r of records) {
      if (r.identifier.length === 1 && r.identifier[0] <= 1) continue;
      const rr = await this.rockRidgeOf(ctx, r, moved.path);
      if (!rr?.re) return false; // it holds something real: keep it visible
      relocated++;
    }
    return relocated > 0;
  }

  private async rockRidgeOf(ctx: NsContext, r: DirectoryRecord, where: string, directory?: DirectoryContinuations): Promise<RockRidge | null> {
    if (ctx.suspSkip === null || r.systemUse.length === 0) return null;
    const area = await readSuspArea(r.systemUse, r.systemUseOffset, ctx.suspSkip, (o, l) => readExact(this.source, o, l, `SUSP continuation area of ${where}`), ctx.vd.logicalBlockSize, this.diagnostics, where, { structures: false, ledger: this.ledger, directory });
    if (area.entries.length === 0) return null;
    return parseRockRidge(area.entries, this.diagnostics, where);
  }

  private async makeNode(ctx: NsContext, parent: FileNode, group: DirectoryRecord[], continuations?: DirectoryContinuations): Promise<FileNode | null> {
    const first = group[0];
    const bs = ctx.vd.logicalBlockSize;
    const isoName = stripVersion(first.name);
    const provisionalPath = joinPath(parent.path, isoName);
    let rr = ctx.ns === 'rr' ? await this.rockRidgeOf(ctx, first, provisionalPath, continuations) : null;
    if (rr?.re) return null; // relocated directory: shown where its CL placeholder is
    const name = rr?.nm ?? isoName;
    if (name === '' || name === '.' || name === '..' || name.includes('/')) {
      this.diagnostics.warn(`unusable name ${JSON.stringify(name)} in ${shortPath(parent.path)}; entry skipped`, 'directory record', first.offset);
      return null;
    }
    const path = joinPath(parent.path, name);
    let dirExtent: { lba: number; length: number } | undefined;
    let isDir = first.isDirectory;
    if (rr?.cl !== undefined) {
      // RRIP 4.1.5.1: a placeholder file standing for a directory relocated to rr_moved.
      const moved = await this.relocated(ctx, rr.cl, path, first.offset);
      if (moved) {
        isDir = true;
        dirExtent = { lba: rr.cl, length: moved.dataLength };
        const movedRr = await this.rockRidgeOf(ctx, moved, path, continuations);
        if (movedRr) rr = { ...movedRr, nm: rr.nm, cl: rr.cl, re: false };
      }
    } else if (isDir) {
      // Records start after the extended attribute record, if any (ECMA-119 9.1.2).
      dirExtent = { lba: first.extentLba + first.extAttrLength, length: first.dataLength };
    }
    let type: EntryType = isDir ? 'dir' : 'file';
    // Without Rock Ridge: read and execute for everybody, as the Linux kernel (fs/isofs: "read
    // and execute permission for everybody") and xorriso show it.
    let mode = isDir ? 0o40555 : 0o100555;
    if (rr?.px) {
      const t = typeOfMode(rr.px.mode);
      if (t && !(isDir && t !== 'dir')) { type = t; mode = rr.px.mode; } else mode = MODE_BY_TYPE[type] | (rr.px.mode & 0o7777);
    }
    if (rr?.sl !== undefined && !isDir) { type = 'symlink'; mode = MODE_BY_TYPE.symlink | (mode & 0o7777); }
    const extents: Extent[] = group.map(r => ({ lba: r.extentLba, blocks: Math.ceil(r.dataLength / bs), length: r.dataLength }));
    let ranges: DataRange[] = [];
    if (type === 'file') {
      // One range per section; an interleaved section is one strided range (however many units).
      for (const r of group) {
        const range = sectionRange(r.extentLba, r.extAttrLength, r.dataLength, r.fileUnitSize, r.interleaveGap, bs);
        if (range) ranges.push(range);
      }
      const last = ranges[ranges.length - 1];
      if (last && (last.stride || ranges.length > 1 || last.offset + last.length > this.source.size)) ranges = this.clampRanges(ranges, path, first.offset);
    }
    const recordedSize = group.reduce((a, r) => a + r.dataLength, 0);
    const tf = rr?.tf;
    const node: FileNode = {
      name, path, type,
      size: type === 'file' ? recordedSize : type === 'dir' ? (dirExtent?.length ?? 0) : 0,
      mode,
      nlink: rr?.px?.nlink ?? 1,
      uid: rr?.px?.uid ?? 0,
      gid: rr?.px?.gid ?? 0,
      mtime: tf?.modified?.date ?? first.recorded?.date ?? null,
      atime: tf?.accessed?.date ?? null,
      ctime: tf?.attributes?.date ?? null,
      hidden: first.hidden,
      extents,
      ranges,
      recordOffset: first.offset,
      namespace: ctx.ns,
    };
    if (dirExtent) node.dir = dirExtent;
    if (type === 'symlink') node.target = rr?.sl ?? '';
    if ((type === 'char' || type === 'block') && rr?.pn) node.rdev = devNumbers(rr.pn.high, rr.pn.low);
    if (rr?.px?.ino !== undefined) node.ino = rr.px.ino;
    if (rr?.sf) node.sparse = true;
    if (rr?.zf && type === 'file') {
      if ((rr.zf.algorithm === 'pz' && rr.zf.version === 1) || (rr.zf.algorithm === 'PZ' && rr.zf.version === 2)) {
        node.zisofs = { compressedSize: recordedSize, log2BlockSize: rr.zf.log2BlockSize, algorithm: rr.zf.algorithm, headerSizeDiv4: rr.zf.headerSizeDiv4 };
        node.size = rr.zf.uncompressedSize;
      } else {
        this.diagnostics.warn(`unknown compression ${JSON.stringify(rr.zf.algorithm)} on ${path}; raw bytes shown`, 'Rock Ridge ZF', first.systemUseOffset);
      }
    }
    return node;
  }

  /** Reads the "." record of a relocated directory (RRIP CL target). */
  private async relocated(ctx: NsContext, lba: number, path: string, at: number): Promise<DirectoryRecord | null> {
    const bs = ctx.vd.logicalBlockSize;
    if ((lba + 1) * bs > this.source.size) {
      this.diagnostics.warn(`Rock Ridge CL of ${path} points beyond the image (LBA ${lba})`, 'Rock Ridge CL', at);
      return null;
    }
    const recs = await readDirectory(this.source, lba, bs, bs, { joliet: false, path, structures: false }, this.diagnostics);
    const dot = recs[0];
    if (!dot || !(dot.identifier.length === 1 && dot.identifier[0] === 0)) {
      this.diagnostics.warn(`Rock Ridge CL of ${path} does not point at a directory (LBA ${lba})`, 'Rock Ridge CL', at);
      return null;
    }
    return dot;
  }

  /** Keeps data ranges inside the image: a file whose extent runs past the end is cut (like 7-Zip) with a warning. */
  private clampRanges(ranges: DataRange[], path: string, at: number): DataRange[] {
    const size = this.source.size;
    let cut = false;
    const out: DataRange[] = [];
    for (const r of ranges) {
      const n = bytesBelow(r, size);
      if (n < r.length) cut = true;
      if (n > 0) out.push(n === r.length ? r : { ...r, length: n });
    }
    if (cut) this.diagnostics.warn(`data of ${shortPath(path)} extends beyond the end of the image; the file reads short`, 'directory record', at);
    return out;
  }

  // ---- file data ----------------------------------------------------------------------------

  /** Reads up to `length` bytes of a file's content at `offset` (decompressing zisofs). */
  async read(node: FileNode, offset: number, length: number): Promise<Uint8Array> {
    if (node.type !== 'file') throw new InvalidArgumentError(`not a regular file: ${node.path}`, { image: this.name });
    if (offset < 0 || length < 0) throw new InvalidArgumentError(`bad range ${offset}+${length}`, { image: this.name });
    const end = Math.min(node.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    if (node.zisofs) {
      this.checkExpansion(node);
      const z = await this.zisofsReader(node);
      return z.read(offset, end - offset);
    }
    return this.readRanges(node.ranges, offset, end - offset);
  }

  /**
   * Reads file content at `offset` into `target` (as many bytes as fit, short only at the end of
   * the file) without allocating: the streaming paths reuse two buffers.
   */
  async readInto(node: FileNode, offset: number, target: Uint8Array): Promise<number> {
    if (node.type !== 'file') throw new InvalidArgumentError(`not a regular file: ${node.path}`, { image: this.name });
    const end = Math.min(node.size, offset + target.length);
    if (offset < 0 || offset >= end) return 0;
    if (node.zisofs) {
      const b = await this.read(node, offset, end - offset);
      target.set(b);
      return b.length;
    }
    return this.fillRanges(node.ranges, offset, target.subarray(0, end - offset));
  }

  /** Maps file offsets onto a file's data ranges in the image and reads them into `target`. */
  private async fillRanges(ranges: DataRange[], offset: number, target: Uint8Array): Promise<number> {
    let pos = 0; // position within the file of the current range
    let filled = 0;
    for (const r of ranges) {
      if (filled >= target.length) break;
      const at = offset + filled;
      if (at < pos + r.length) {
        for (const piece of rangePieces(r, at - pos, target.length - filled)) {
          const got = await this.source.readDirectInto(piece.offset, target.subarray(filled, filled + piece.length));
          filled += got;
          if (got < piece.length) return filled;
        }
      }
      pos += r.length;
    }
    return filled;
  }

  private async readRanges(ranges: DataRange[], offset: number, length: number): Promise<Uint8Array> {
    // The common case — the wanted bytes lie inside one contiguous range — needs no copy.
    let pos0 = 0;
    for (const r of ranges) {
      if (offset < pos0 + r.length) {
        if (!r.stride && offset + length <= pos0 + r.length) return this.source.readDirect(r.offset + offset - pos0, length);
        break;
      }
      pos0 += r.length;
    }
    const out = new Uint8Array(length);
    const filled = await this.fillRanges(ranges, offset, out);
    return filled === length ? out : out.subarray(0, filled);
  }

  /**
   * Refuses to expand a compressed file whose expanded size is out of proportion to its recorded
   * size (limits.expansionRatio, above limits.expansionFloor): a few MB of zisofs block pointers
   * can describe 64 GiB of zeros. LimitExceededError says how to allow it.
   */
  private checkExpansion(node: FileNode): void {
    const { expansionRatio: max, expansionFloor: floor } = this.limits;
    const z = node.zisofs!;
    if (max === 0 || node.size <= floor) return;
    const ratio = node.size / Math.max(1, z.compressedSize);
    if (ratio <= max) return;
    throw new LimitExceededError(
      `${shortPath(node.path)} would expand from ${z.compressedSize} bytes to ${node.size} bytes (${Math.round(ratio)}:1; the limit is ${max}:1 for files over ${floor} bytes) — a zisofs expansion bomb, or an extremely compressible file. To read it anyway raise the limit: isowb --limit expansionRatio=0 (no limit), or the isoWorkbench.limits.expansionRatio setting`,
      { image: this.name, structure: 'zisofs file', offset: node.ranges[0]?.offset, limit: 'expansionRatio' });
  }

  private zisofsCache = new Map<string, Promise<ZisofsReader>>();
  private zisofsReader(node: FileNode): Promise<ZisofsReader> {
    const key = `${node.recordOffset}`;
    let p = this.zisofsCache.get(key);
    if (!p) {
      const compressed = node.zisofs!.compressedSize;
      p = ZisofsReader.open((o, l) => this.readRanges(node.ranges, o, Math.min(l, compressed - o)), compressed, `${this.name}: ${node.path}`, node.ranges[0]?.offset ?? 0);
      p.catch(() => this.zisofsCache.delete(key));
      if (this.zisofsCache.size > 32) this.zisofsCache.delete(this.zisofsCache.keys().next().value as string);
      this.zisofsCache.set(key, p);
    }
    return p;
  }

  /**
   * The content of a file (or of bytes [start, end)) in chunks, reading the next chunk while
   * the caller consumes the current one, so disk reads and the consumer's writes overlap.
   */
  async *chunks(node: FileNode, start = 0, end = node.size, chunkSize = READ_CHUNK): AsyncGenerator<Uint8Array> {
    if (node.type !== 'file') throw new InvalidArgumentError(`not a regular file: ${node.path}`, { image: this.name });
    const stop = Math.min(end, node.size);
    let pos = start;
    const next = (): Promise<Uint8Array> | null => {
      if (pos >= stop) return null;
      const n = Math.min(chunkSize, stop - pos);
      const p = this.read(node, pos, n);
      pos += n;
      return p;
    };
    let pending = next();
    while (pending) {
      const b = await pending;
      pending = b.length > 0 ? next() : null;
      if (b.length === 0) break;
      yield b;
    }
  }

  /**
   * Copies a file's content to `write` through two reused buffers: the next chunk is read while
   * `write` handles the current one, and nothing is allocated per chunk. `write` must be done
   * with the chunk when its promise resolves (the buffer is reused); returning false stops the
   * copy. Returns the number of bytes delivered (short only if the image ends early).
   */
  async pump(node: FileNode, write: (chunk: Uint8Array, position: number) => Promise<boolean | void>, buffers?: [Uint8Array, Uint8Array]): Promise<number> {
    const bufs = buffers ?? [new Uint8Array(READ_CHUNK), new Uint8Array(READ_CHUNK)];
    let cur = 0;
    let pos = 0;
    let pending: Promise<number> | null = node.size > 0 ? this.readInto(node, 0, bufs[0]) : null;
    while (pending) {
      const n = await pending;
      if (n === 0) break;
      const chunk = bufs[cur].subarray(0, n);
      const at = pos;
      pos += n;
      cur ^= 1;
      pending = pos < node.size ? this.readInto(node, pos, bufs[cur]) : null;
      let more: boolean | void;
      try {
        more = await write(chunk, at);
      } catch (e) {
        if (pending) await pending.catch(() => 0); // never leave a read to reject unobserved
        throw e;
      }
      if (more === false) {
        if (pending) await pending.catch(() => 0);
        break;
      }
    }
    return pos;
  }

  /** Streams a file's content (or a byte range of it, end exclusive) without buffering it whole. */
  createReadStream(node: FileNode, start = 0, end = node.size): Readable {
    return Readable.from(this.chunks(node, start, end), { objectMode: false, highWaterMark: 1 });
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
  async filesAt(lbas: Set<number>): Promise<Map<number, { path: string; size: number }>> {
    const found = new Map<number, { path: string; size: number }>();
    if (lbas.size === 0) return found;
    const seen = new Set<number>();
    let level: FileNode[] = [this.active.root];
    while (level.length > 0 && found.size < lbas.size) {
      const nextLevel: FileNode[] = [];
      for (const dir of level) {
        if (!dir.dir || seen.has(dir.dir.lba)) continue;
        seen.add(dir.dir.lba);
        for await (const batch of this.readdirStream(dir)) {
          for (const n of batch) {
            if (n.type === 'dir') nextLevel.push(n);
            else if (n.type === 'file' && n.extents.length > 0 && lbas.has(n.extents[0].lba) && !found.has(n.extents[0].lba)) {
              found.set(n.extents[0].lba, { path: n.path, size: n.size });
              if (found.size === lbas.size) return found;
            }
          }
        }
      }
      level = nextLevel;
    }
    return found;
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
    const { tree, lba, path } = s.expand;
    let { length } = s.expand;
    const ctx = tree === 'joliet' ? this.contexts.get('joliet')! : (this.contexts.get('rr') ?? this.contexts.get('iso9660')!);
    const bs = ctx.vd.logicalBlockSize;
    const node: FileNode = {
      name: path.slice(path.lastIndexOf('/') + 1), path, type: 'dir', size: length, mode: 0o40555, nlink: 1, uid: 0, gid: 0,
      mtime: null, atime: null, ctime: null, hidden: false, extents: [], ranges: [], dir: { lba, length }, recordOffset: s.offset, namespace: ctx.ns,
    };
    try {
      if (length === 0) {
        // A Rock Ridge CL placeholder: the relocated directory's "." record gives its length.
        const dot = await this.relocated(ctx, lba, path, s.offset);
        if (!dot) return null;
        length = dot.dataLength;
        node.dir = { lba, length };
      }
      return [await this.directoryStructure(ctx, node)];
    } catch (e) {
      if (!(e instanceof IsoError)) throw e;
      this.diagnostics.error(e.detail, e.structure ?? `directory ${path}`, e.offset);
      return [{
        id: `dir:${treeOf(ctx)}:${lba}`, type: 'directory', name: `Directory ${path} (${ctx.joliet ? 'Joliet' : 'ISO 9660'})`,
        offset: lba * bs, length, spec: 'ECMA-119 6.8.1 / 9.1', fields: [], children: [], problems: [e.detail],
        target: { lba, blocks: Math.ceil(length / bs), path },
      }];
    }
  }

  private async directoryStructure(ctx: NsContext, dir: FileNode): Promise<Structure> {
    const bs = ctx.vd.logicalBlockSize;
    const tree = treeOf(ctx);
    const records: DirectoryRecord[] = [];
    let capped = false;
    for await (const batch of directoryRecords(this.source, dir.dir!.lba, dir.dir!.length, bs, { joliet: ctx.joliet, path: dir.path }, this.diagnostics)) {
      for (const r of batch) {
        if (records.length === MAX_STRUCTURE_RECORDS) { capped = true; break; }
        records.push(r);
      }
      if (capped) break;
    }
    const continuations = directoryContinuations(this.limits.continuationsPerDirectory);
    const children: Structure[] = [];
    let fields = 0;
    const countFields = (x: Structure): number => x.children.reduce((a, c) => a + countFields(c), x.fields.length);
    for (const r of records) {
      if (fields >= MAX_STRUCTURE_FIELDS) { capped = true; break; }
      const isDot = r.identifier.length === 1 && r.identifier[0] === 0;
      const isDotDot = r.identifier.length === 1 && r.identifier[0] === 1;
      // The record's own path: its directory for ".", the parent for "..", else directory + name.
      let recPath = isDot ? dir.path : isDotDot ? parentPath(dir.path) : joinPath(dir.path, stripVersion(r.name));
      let s = r.structure;
      let cl: number | undefined;
      if (ctx.suspSkip !== null && r.systemUse.length > 0 && !ctx.joliet) {
        const area = await readSuspArea(r.systemUse, r.systemUseOffset, ctx.suspSkip, (o, l) => readExact(this.source, o, l, 'SUSP continuation area'), bs, this.diagnostics, recPath, { ledger: this.ledger, directory: continuations });
        const nm = isDot || isDotDot ? null : rockRidgeName(area.entries);
        if (nm !== null && nm !== '' && !nm.includes('/')) {
          const rrPath = joinPath(dir.path, nm);
          const suffix = ` of ${recPath}`;
          for (const st of area.structures) if (st.name.endsWith(suffix)) st.name = st.name.slice(0, -suffix.length) + ` of ${rrPath}`;
          recPath = rrPath;
        }
        const clEntry = area.entries.find(e => e.sig === 'CL' && e.data.length >= 8);
        if (clEntry) cl = (clEntry.data[0] | (clEntry.data[1] << 8) | (clEntry.data[2] << 16)) + clEntry.data[3] * 0x1000000;
        s = { ...s, children: [...s.children, ...area.structures] };
      }
      if (!isDot && !isDotDot) {
        if (r.isDirectory) s = { ...s, expand: { tree, lba: r.extentLba + r.extAttrLength, length: r.dataLength, path: recPath } };
        else if (cl !== undefined) s = { ...s, expand: { tree, lba: cl, length: 0, path: recPath } };
      }
      if (s.target?.path !== undefined && !isDot && s.target.path !== recPath) s = { ...s, target: { ...s.target, path: recPath } };
      fields += countFields(s);
      children.push(s);
    }
    this.reportContinuations(continuations, shortPath(dir.path));
    const st: Structure = {
      id: `dir:${tree}:${dir.dir!.lba}`, type: 'directory', name: `Directory ${dir.path} (${ctx.joliet ? 'Joliet' : 'ISO 9660'})`,
      offset: dir.dir!.lba * bs, length: dir.dir!.length, spec: 'ECMA-119 6.8.1 / 9.1', fields: [], children,
      target: { lba: dir.dir!.lba, blocks: Math.ceil(dir.dir!.length / bs), path: dir.path },
    };
    if (capped) st.problems = [children.length < MAX_STRUCTURE_RECORDS ? `only the first ${children.length} records are shown (their fields reach ${MAX_STRUCTURE_FIELDS.toLocaleString('en-US')})` : `only the first ${MAX_STRUCTURE_RECORDS} records are shown`];
    return st;
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
  async checkPathTables(): Promise<string[]> {
    const problems: string[] = [];
    for (const c of this.uniqueTrees()) {
      const vd = c.vd;
      const label = c.joliet ? 'Joliet' : 'ISO 9660';
      try {
        const l = await readPathTable(this.source, vd.lPathTableLba, vd.pathTableSize, true, c.joliet, this.diagnostics, vd.logicalBlockSize, false);
        const m = vd.mPathTableLba ? await readPathTable(this.source, vd.mPathTableLba, vd.pathTableSize, false, c.joliet, this.diagnostics, vd.logicalBlockSize, false) : null;
        const dirs = await this.plainDirectoryMap(c);
        for (const p of crossCheckPathTables(l.entries, m?.entries ?? null, dirs)) {
          problems.push(`${label}: ${p}`);
          this.diagnostics.warn(p, `${label} path table`, vd.lPathTableLba * vd.logicalBlockSize);
        }
      } catch (e) {
        if (!(e instanceof IsoError)) throw e;
        problems.push(`${label}: ${e.detail}`);
        this.diagnostics.error(e.detail, e.structure, e.offset);
      }
    }
    return problems;
  }

  /** path → extent LBA of every directory of a tree as recorded (no Rock Ridge relocation). */
  private async plainDirectoryMap(c: NsContext): Promise<Map<string, number>> {
    const bs = c.vd.logicalBlockSize;
    const rootLba = c.vd.root.extentLba + c.vd.root.extAttrLength;
    const out = new Map<string, number>([['/', rootLba]]);
    const seen = new Set<number>();
    // Only directory records are followed and nothing but (path, LBA) is kept: this walks
    // every directory of a 100,000-file image without building a node per file.
    const rec = async (lba: number, length: number, path: string, depth: number): Promise<void> => {
      if (seen.has(lba) || depth > 1000) return;
      seen.add(lba);
      const records = await readDirectory(this.source, lba, length, bs, { joliet: c.joliet, path, structures: false, directoriesOnly: true }, this.diagnostics);
      for (const r of records) {
        if (!r.isDirectory || (r.identifier.length === 1 && r.identifier[0] <= 1)) continue;
        const p = path === '/' ? `/${stripVersion(r.name)}` : `${path}/${stripVersion(r.name)}`;
        const childLba = r.extentLba + r.extAttrLength;
        out.set(p, childLba);
        await rec(childLba, r.dataLength, p, depth + 1);
      }
    };
    await rec(rootLba, c.vd.root.dataLength, '/', 0);
    return out;
  }

  async close(): Promise<void> {
    this.dirCache.clear();
    await this.source.close();
  }
}

// ---- helpers ----------------------------------------------------------------------------------

async function detectUdf(src: ByteSource): Promise<boolean> {
  // ECMA-167 2/8.3 volume recognition sequence: BEA01 … NSR02/NSR03 … TEA01 from LBA 16.
  for (let lba = 16; lba < 16 + 64; lba++) {
    if ((lba + 1) * 2048 > src.size) return false;
    const b = await src.read(lba * 2048, 6);
    const id = String.fromCharCode(...b.subarray(1, 6));
    if (id === 'NSR02' || id === 'NSR03') return true;
    if (id === 'TEA01') return false;
    if (b[0] === 0 && id === '\0\0\0\0\0') return false;
  }
  return false;
}

async function buildContexts(src: CachedSource, vds: VolumeDescriptor[], sink: DiagnosticSink, ledger: ContinuationLedger): Promise<NsContext[]> {
  const pvd = vds.find((d): d is PrimaryVd => d.kind === 'primary')!;
  if (pvd.logicalBlockSize !== 2048) {
    sink.warn(`logical block size ${pvd.logicalBlockSize} (2048 expected)`, 'Primary Volume Descriptor', pvd.lba * 2048 + 128);
    if (![512, 1024, 2048].includes(pvd.logicalBlockSize)) {
      throw new UnsupportedFeatureError(`logical block size ${pvd.logicalBlockSize} is not supported`, { structure: 'Primary Volume Descriptor', offset: pvd.lba * 2048 + 128 });
    }
  }
  const rootOf = (vd: PrimaryVd, ns: Namespace): FileNode => ({
    name: '', path: '/', type: 'dir', size: vd.root.dataLength, mode: 0o40555, nlink: 1, uid: 0, gid: 0,
    mtime: vd.root.recorded?.date ?? null, atime: null, ctime: null, hidden: false,
    extents: [{ lba: vd.root.extentLba, blocks: Math.ceil(vd.root.dataLength / vd.logicalBlockSize), length: vd.root.dataLength }],
    ranges: [], dir: { lba: vd.root.extentLba + vd.root.extAttrLength, length: vd.root.dataLength }, recordOffset: vd.root.offset, namespace: ns,
  });
  const out: NsContext[] = [];
  const iso: NsContext = { ns: 'iso9660', vd: pvd, joliet: false, suspSkip: null, root: rootOf(pvd, 'iso9660') };
  out.push(iso);
  // Rock Ridge: SUSP "SP" in the root directory's "." record (SUSP 5.3), then RRIP entries (ER or PX/NM/…).
  try {
    const recs = await readDirectory(src, pvd.root.extentLba, Math.min(pvd.root.dataLength, pvd.logicalBlockSize), pvd.logicalBlockSize, { joliet: false, path: '/' }, sink);
    const dot = recs[0];
    const sp = dot ? detectSusp(dot.systemUse) : null;
    if (dot && sp) {
      const area = await readSuspArea(dot.systemUse, dot.systemUseOffset, 0, (o, l) => readExact(src, o, l, 'SUSP continuation area of /'), pvd.logicalBlockSize, sink, '/', { ledger });
      const rrSigs = new Set(['PX', 'NM', 'TF', 'RR', 'SL', 'PN', 'CL', 'PL', 'RE', 'ZF']);
      const hasRr = area.entries.some(e => rrSigs.has(e.sig) || (e.sig === 'ER'));
      if (hasRr) {
        const rr: NsContext = { ns: 'rr', vd: pvd, joliet: false, suspSkip: sp.skip, root: rootOf(pvd, 'rr') };
        const info = parseRockRidge(area.entries, sink, '/');
        if (info.px) { rr.root.mode = 0o40000 | (info.px.mode & 0o7777); rr.root.uid = info.px.uid; rr.root.gid = info.px.gid; rr.root.nlink = info.px.nlink; }
        if (info.tf?.modified) rr.root.mtime = info.tf.modified.date;
        out.unshift(rr);
      }
    }
  } catch (e) {
    if (!(e instanceof IsoError)) throw e;
    sink.error(`root directory unreadable: ${e.detail}`, e.structure, e.offset);
  }
  const svd = vds
    .filter((d): d is PrimaryVd => d.kind === 'supplementary' && d.jolietLevel > 0)
    .sort((a, b) => b.jolietLevel - a.jolietLevel)[0];
  if (svd) out.splice(out.length - 1, 0, { ns: 'joliet', vd: svd, joliet: true, suspSkip: null, root: rootOf(svd, 'joliet') });
  return out;
}

/** Key of a directory tree: Rock Ridge and plain ISO 9660 share one tree, Joliet has its own. */
function treeOf(ctx: NsContext): 'iso9660' | 'joliet' {
  return ctx.joliet ? 'joliet' : 'iso9660';
}

/** The Rock Ridge name (RRIP 4.1.4 NM entries, concatenated) of a record's System Use entries, or null. */
function rockRidgeName(entries: Array<{ sig: string; data: Uint8Array }>): string | null {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (e.sig !== 'NM' || e.data.length < 1) continue;
    if (e.data[0] & (RR_CURRENT | RR_PARENT)) return null;
    parts.push(e.data.subarray(1));
  }
  if (parts.length === 0) return null;
  return decodeBytes(Buffer.concat(parts));
}

function splitPath(path: string, image: string): string[] {
  if (typeof path !== 'string') throw new InvalidArgumentError('path must be a string', { image });
  const parts = path.split('/').filter(p => p !== '' && p !== '.');
  if (parts.some(p => p === '..')) throw new InvalidArgumentError(`".." is not allowed in image paths: ${path}`, { image });
  return parts;
}

/**
 * RRIP 4.1.2: PN holds the high and low 32 bits of the dev_t. mkisofs and xorriso store glibc's
 * 64-bit encoding (gnu_dev_makedev), decoded here.
 */
function devNumbers(high: number, low: number): { major: number; minor: number } {
  const major = ((low >>> 8) & 0xfff) | ((high & 0xfffff000) >>> 0);
  const minor = (((low & 0xff) | ((low >>> 12) & 0xfff00)) >>> 0) + (high & 0xfff) * 0x100000;
  return { major: major >>> 0, minor };
}
