// One image opened in the sector editor: its bytes (the file, or a file inside another image)
// under an overlay of unsaved edits, the structure map decoded from those bytes, and the
// save / save as / revert / backup operations VS Code's custom-document model asks for.
// Save writes only the byte ranges that differ, in place, after journaling their original bytes;
// Save As writes a temp copy beside the destination, fsyncs and renames.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as nodePath from 'path';
import * as vscode from 'vscode';
import { byteSearchHit } from './searchHit';
import { compilePattern, searchBytes } from '../../engine/imageByteSearch';
import { Locator } from '../../engine/locate';
import { PatchedSource } from '../../engine/io/patched';
import { rollbackJournal, saveCopy, saveInPlace, type SaveStats } from '../../engine/io/saveRanges';
import { mapStructures, type StructureMap } from '../../engine/structureMap';
import { checksumFix, fixableReason } from '../../engine/fixes';
import type { Structure } from '../../engine/structure/fields';
import type { ImageRegistry, Logger } from '../../provider/registry';
import type { DocInfo, Location, SearchHit, SearchQuery, StructNode } from '../../shared/sectorProtocol';
import { toNodes } from './convert';
import { noticeText } from '../../provider/escape';

export interface DocumentDeps {
  registry: ImageRegistry;
  log: Logger;
  /** Folder for save journals (extension global storage). */
  journalDir: string;
}

interface Patch { offset: number; before: Uint8Array; after: Uint8Array }

/** Backup file format (hot exit): the bytes that differ from the file, by range. */
interface BackupFile {
  version: 1;
  uri: string;
  size: number;
  ranges: Array<{ offset: number; base64: string }>;
}

const MAX_BACKUP_BYTES = 256 * 1024 * 1024;

export class SectorDocument implements vscode.CustomDocument {
  private readonly bytesChanged = new vscode.EventEmitter<{ ranges: Array<[number, number]> }>();
  /** Bytes changed (edit, undo, redo, revert, save, change on disk). */
  readonly onDidChangeBytes = this.bytesChanged.event;
  private readonly structuresChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeStructures = this.structuresChanged.event;
  private readonly edited = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<SectorDocument>>();
  /** Undoable edits, forwarded to VS Code by the provider. */
  readonly onDidEdit = this.edited.event;

  /** The custom editor view type VS Code opened this document for. */
  viewType = '';
  /** Bumped whenever bytes change; the webview drops answers of older generations. */
  generation = 0;
  map: StructureMap | null = null;
  nodes: StructNode[] = [];
  private index = new Map<string, Structure>();
  private decodeTimer: NodeJS.Timeout | undefined;
  private decoding: Promise<void> = Promise.resolve();
  private locatorP: Promise<Locator> | null = null;
  /** What the last Save wrote (tests and the log). */
  lastSave: (SaveStats & { kind: 'save' | 'saveAs'; ms: number }) | null = null;
  private watcher: (() => void) | null = null;
  private ownWriteUntil = 0;
  private disposed = false;

  private constructor(
    readonly uri: vscode.Uri,
    private source: PatchedSource,
    readonly localPath: string | null,
    private cleanup: () => Promise<void>,
    readonly editable: boolean,
    readonly readonlyReason: string | undefined,
    private readonly deps: DocumentDeps,
  ) {}

  static async open(uri: vscode.Uri, backupId: string | undefined, deps: DocumentDeps): Promise<SectorDocument> {
    const opened = await deps.registry.openByteSource(uri);
    let editable = false;
    let reason: string | undefined;
    if (!opened.localPath) {
      reason = uri.scheme === 'isowb'
        ? 'This image lies inside another image: it is shown read-only. Extract it (or use Save As…) to edit a copy.'
        : `Images on ${uri.scheme}: are read from a temporary copy: shown read-only.`;
    } else {
      try {
        fs.accessSync(opened.localPath, fs.constants.W_OK);
        editable = true;
      } catch {
        reason = 'The file is not writable.';
      }
    }
    const doc = new SectorDocument(uri, new PatchedSource(opened.source), opened.localPath, opened.cleanup, editable, reason, deps);
    if (opened.localPath) await doc.recoverJournal();
    if (backupId) await doc.restoreBackup(vscode.Uri.parse(backupId));
    await doc.decode();
    doc.watch();
    return doc;
  }

  get size(): number { return this.source.size; }
  get bytes(): PatchedSource { return this.source; }

  info(): DocInfo {
    const img = this.map?.image ?? null;
    const name = nodePath.posix.basename(this.uri.path) || this.uri.toString(true);
    const info: DocInfo = {
      name, uri: this.uri.toString(true), size: this.size, editable: this.editable,
      decoded: !!this.map?.decoded, blockSize: img?.primary.logicalBlockSize ?? 2048,
    };
    if (this.readonlyReason) info.readonlyReason = this.readonlyReason;
    if (this.map?.error) info.decodeError = this.map.error;
    if (img) info.volumeBlocks = img.primary.volumeSpaceSize;
    return info;
  }

  // ---- reading ------------------------------------------------------------------------------

  async read(offset: number, length: number): Promise<{ data: Uint8Array; edited: Array<[number, number]> }> {
    const len = Math.max(0, Math.min(length, 4 * 1024 * 1024, this.size - offset));
    if (offset < 0 || len === 0) return { data: new Uint8Array(0), edited: [] };
    return this.source.readWithDiff(offset, len);
  }

  // ---- structures ---------------------------------------------------------------------------

  /** Decodes the structure map from the current bytes (edits included). */
  decode(): Promise<void> {
    this.decoding = this.decoding.then(async () => {
      if (this.disposed) return;
      const old = this.map?.image ?? null;
      const map = await mapStructures(this.source); // reads through a non-owning view
      const index = new Map<string, Structure>();
      const img = map.image;
      this.nodes = toNodes(map.structures, {
        isExpandable: s => img?.isExpandable(s) ?? false,
        fixableReason: s => fixableReason(s),
      }, index);
      this.map = map;
      this.index = index;
      this.locatorP = null;
      if (old) await old.close().catch(() => undefined);
      this.structuresChanged.fire();
    }).catch(e => this.deps.log.error(`sector editor: decoding ${this.uri.toString(true)} failed: ${String(e)}`));
    return this.decoding;
  }

  private scheduleDecode(): void {
    if (this.decodeTimer) clearTimeout(this.decodeTimer);
    this.decodeTimer = setTimeout(() => { this.decodeTimer = undefined; void this.decode(); }, 150);
  }

  /**
   * All children of a lazily loaded node: its own (a record's SUSP entries) followed by what it
   * points to (the subdirectory's records). The webview replaces the node's children with them.
   */
  async expand(id: string): Promise<StructNode[]> {
    const s = this.index.get(id);
    const img = this.map?.image;
    if (!s || !img) throw new Error(`no structure ${id} (the image was re-decoded; try again)`);
    const loaded = (await img.expandStructure(s)) ?? [];
    const own = s.children.filter(c => !loaded.some(l => l.id === c.id));
    s.children = [...own, ...loaded];
    return toNodes(s.children, { isExpandable: x => img.isExpandable(x), fixableReason: x => fixableReason(x) }, this.index);
  }

  structure(id: string): Structure | undefined { return this.index.get(id); }

  private locator(): Promise<Locator> {
    if (!this.locatorP) {
      const map = this.map;
      this.locatorP = Locator.build(map?.image ?? null, map?.structures ?? [], this.size);
      this.locatorP.catch(() => { this.locatorP = null; });
    }
    return this.locatorP;
  }

  async locate(offset: number): Promise<Location> {
    return (await this.locator()).locate(offset);
  }

  async fileAtLba(lba: number): Promise<string | null> {
    return (await this.locator()).fileAtLba(lba);
  }

  // ---- editing ------------------------------------------------------------------------------

  /** Overwrites bytes as one undoable step. */
  edit(patches: Array<{ offset: number; data: Uint8Array }>, label: string): void {
    if (!this.editable) throw new Error(this.readonlyReason ?? 'read-only');
    const applied: Patch[] = [];
    for (const p of patches) {
      if (p.data.length === 0) continue;
      if (p.offset < 0 || p.offset + p.data.length > this.size) throw new Error(`edit outside the image (offset ${p.offset}, ${p.data.length} bytes, image ${this.size} bytes)`);
      const after = new Uint8Array(p.data);
      applied.push({ offset: p.offset, before: this.source.write(p.offset, after), after });
    }
    if (applied.length === 0) return;
    const ranges = applied.map(p => [p.offset, p.offset + p.after.length] as [number, number]);
    this.changed(ranges);
    this.edited.fire({
      document: this, label,
      undo: () => { for (const p of [...applied].reverse()) this.source.write(p.offset, p.before); this.changed(ranges); },
      redo: () => { for (const p of applied) this.source.write(p.offset, p.after); this.changed(ranges); },
    });
  }

  /** Recomputes the checksum/CRC of a structure as one undoable step. Returns the label used. */
  async fix(id: string): Promise<string> {
    const s = this.index.get(id);
    if (!s) throw new Error(`no structure ${id}`);
    const fix = await checksumFix(this.source, s);
    if (!fix || fix.patches.length === 0) throw new Error(`${s.name}: nothing to recompute`);
    this.edit(fix.patches, `Recompute ${fix.label}`);
    return fix.label;
  }

  private changed(ranges: Array<[number, number]>): void {
    this.generation++;
    this.bytesChanged.fire({ ranges });
    this.scheduleDecode();
  }

  get hasEdits(): boolean { return this.source.patchCount > 0; }

  // ---- save, save as, revert, backup --------------------------------------------------------

  private journalPath(): string {
    const h = createHash('sha256').update(this.localPath ?? this.uri.toString()).digest('hex').slice(0, 24);
    return nodePath.join(this.deps.journalDir, `save-${h}.json`);
  }

  /** A save that was interrupted (crash, power loss) left a journal: put the original bytes back. */
  private async recoverJournal(): Promise<void> {
    const r = await rollbackJournal(this.journalPath());
    if (r) {
      this.deps.log.warn(`sector editor: an interrupted save of ${r.file} was rolled back (${r.ranges} ranges restored)`);
      void vscode.window.showWarningMessage(`ISO Workbench: a save of ${noticeText(nodePath.basename(r.file))} was interrupted; its original bytes were restored.`);
    }
  }

  async save(): Promise<SaveStats> {
    if (!this.editable || !this.localPath) throw new Error(this.readonlyReason ?? 'read-only');
    const t0 = Date.now();
    const ranges = await this.source.diffRanges();
    await fs.promises.mkdir(this.deps.journalDir, { recursive: true });
    this.ownWriteUntil = Date.now() + 5000;
    const stats = await saveInPlace(this.localPath, this.source, this.journalPath());
    this.source.clear();
    this.lastSave = { ...stats, kind: 'save', ms: Date.now() - t0 };
    this.deps.log.info(`sector editor: saved ${this.localPath}: ${stats.ranges} range(s), ${stats.bytesWritten} bytes written in ${this.lastSave.ms} ms`);
    this.generation++;
    this.bytesChanged.fire({ ranges });
    this.ownWriteUntil = Date.now() + 1500;
    return stats;
  }

  async saveAs(dest: vscode.Uri, cancel?: vscode.CancellationToken): Promise<SaveStats> {
    if (dest.scheme !== 'file') throw new Error(`Save As writes to local files only (got ${dest.scheme}:)`);
    const t0 = Date.now();
    const ac = new AbortController();
    const sub = cancel?.onCancellationRequested(() => ac.abort());
    try {
      let stats: SaveStats;
      if (this.localPath) stats = await saveCopy(this.localPath, dest.fsPath, this.source, ac.signal);
      else stats = await this.streamCopy(dest.fsPath, ac.signal);
      this.lastSave = { ...stats, kind: 'saveAs', ms: Date.now() - t0 };
      return stats;
    } finally {
      sub?.dispose();
    }
  }

  /** Save As for images without a local file (inside another image): stream every byte to a temp file, fsync, rename. */
  private async streamCopy(dest: string, signal: AbortSignal): Promise<SaveStats> {
    const tmp = nodePath.join(nodePath.dirname(dest), `.${nodePath.basename(dest)}.isowb-${process.pid}-${Date.now()}.tmp`);
    const fh = await fs.promises.open(tmp, 'wx');
    let ok = false;
    try {
      const chunk = 4 * 1024 * 1024;
      let written = 0;
      for (let off = 0; off < this.size; off += chunk) {
        if (signal.aborted) throw new vscode.CancellationError();
        const b = await this.source.read(off, Math.min(chunk, this.size - off));
        await fh.write(b, 0, b.length, off);
        written += b.length;
      }
      await fh.sync();
      await fh.close();
      await fs.promises.rename(tmp, dest);
      ok = true;
      return { ranges: 1, bytesWritten: written };
    } finally {
      if (!ok) {
        await fh.close().catch(() => undefined);
        await fs.promises.rm(tmp, { force: true });
      }
    }
  }

  async revert(): Promise<void> {
    const ranges = await this.source.diffRanges();
    this.source.clear();
    await this.reloadIfChanged(ranges);
  }

  /** Reopens the bytes when the file changed on disk (size or content); else just re-announces `ranges`. */
  private async reloadIfChanged(ranges: Array<[number, number]>): Promise<void> {
    if (this.localPath) {
      const st = await fs.promises.stat(this.localPath).catch(() => null);
      if (st && st.size !== this.source.size) {
        const opened = await this.deps.registry.openByteSource(this.uri);
        const old = this.source;
        const oldCleanup = this.cleanup;
        this.source = new PatchedSource(opened.source);
        this.cleanup = opened.cleanup;
        await old.close().catch(() => undefined);
        await oldCleanup();
        ranges = [[0, Math.max(old.size, this.source.size)]];
      }
    }
    this.changed(ranges);
  }

  async backup(dest: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    const ranges = await this.source.diffRanges();
    let total = 0;
    const out: BackupFile = { version: 1, uri: this.uri.toString(), size: this.size, ranges: [] };
    for (const [s, e] of ranges) {
      total += e - s;
      if (total > MAX_BACKUP_BYTES) throw new Error(`unsaved edits exceed ${MAX_BACKUP_BYTES} bytes: not backed up`);
      out.ranges.push({ offset: s, base64: Buffer.from(await this.source.read(s, e - s)).toString('base64') });
    }
    await vscode.workspace.fs.writeFile(dest, Buffer.from(JSON.stringify(out)));
    return { id: dest.toString(), delete: () => { void vscode.workspace.fs.delete(dest).then(undefined, () => undefined); } };
  }

  private async restoreBackup(backup: vscode.Uri): Promise<void> {
    let data: BackupFile;
    try {
      data = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(backup)).toString('utf8')) as BackupFile;
    } catch (e) {
      this.deps.log.warn(`sector editor: backup ${backup.toString(true)} unreadable: ${String(e)}`);
      return;
    }
    if (data.version !== 1 || data.size !== this.size) {
      void vscode.window.showWarningMessage(`ISO Workbench: unsaved edits of ${noticeText(nodePath.basename(this.uri.path))} were not restored: the file changed size since.`);
      return;
    }
    for (const r of data.ranges) this.source.write(r.offset, Buffer.from(r.base64, 'base64'));
    this.deps.log.info(`sector editor: restored ${data.ranges.length} unsaved range(s) of ${this.uri.toString(true)} from a backup`);
  }

  // ---- search -------------------------------------------------------------------------------

  /** Streams a search over all bytes (edits included), reporting hits with their location. */
  async search(q: SearchQuery, signal: AbortSignal, progress: (scanned: number, total: number, hits: SearchHit[]) => Promise<void> | void): Promise<{ truncated: boolean; cancelled: boolean; count: number }> {
    const pattern = compilePattern(q.kind, q.pattern, q.caseSensitive);
    const locator = await this.locator();
    let count = 0;
    let pending: Promise<void> = Promise.resolve();
    const r = await searchBytes(this.source, pattern, {
      from: Math.max(0, Math.min(q.from, this.size)), signal, maxHits: 10000,
      onProgress: (scanned, total, offsets) => {
        count += offsets.length;
        pending = pending.then(async () => {
          const hits: SearchHit[] = [];
          for (const o of offsets) hits.push(await byteSearchHit(this.source, locator, o, pattern.bytes.length));
          await progress(scanned, total, hits);
        });
      },
    });
    await pending;
    return { truncated: r.truncated, cancelled: r.cancelled, count: r.hits.length || count };
  }

  // ---- changes on disk ----------------------------------------------------------------------

  private watch(): void {
    const p = this.localPath;
    if (!p) return;
    let last = fs.statSync(p);
    const listener = (cur: fs.Stats) => {
      const changed = cur.mtimeMs !== last.mtimeMs || cur.size !== last.size || cur.ino !== last.ino;
      last = cur;
      if (!changed || Date.now() < this.ownWriteUntil) return;
      if (this.hasEdits) {
        void vscode.window.showWarningMessage(`${noticeText(nodePath.basename(p))} changed on disk while it has unsaved edits in the sector editor. Revert to see the new bytes, or Save to overwrite the changed ranges.`);
        return;
      }
      this.deps.log.info(`sector editor: ${p} changed on disk; reloading`);
      void this.reloadIfChanged([[0, this.size]]);
    };
    fs.watchFile(p, { interval: 1000 }, listener);
    this.watcher = () => fs.unwatchFile(p, listener);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.decodeTimer) clearTimeout(this.decodeTimer);
    this.watcher?.();
    const img = this.map?.image;
    void (async () => {
      await this.decoding;
      if (img) await img.close().catch(() => undefined);
      if (this.map?.image && this.map.image !== img) await this.map.image.close().catch(() => undefined);
      await this.source.close().catch(() => undefined);
      await this.cleanup().catch(() => undefined);
    })();
    this.bytesChanged.dispose();
    this.structuresChanged.dispose();
    this.edited.dispose();
  }
}
