// Staged edits of mounted images: one ChangeSet per image (shared by every isowb: URI of it),
// its content files and its saved state on disk (StagingStore), and the offer to restore saved
// changes when an image is opened again (new window, reload, crash).
//
// A staged image pins its engine (a registry lease) so the change set's file nodes stay valid.
// Edits of one image are serialised; after each one the state is saved and unreferenced content
// files are removed. When the image file changes on disk the staged changes no longer apply: the
// in-memory change set is dropped (the saved one is kept until the user discards it).
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as vscode from 'vscode';
import { ChangeSet, EditError } from '../engine/edit/changeSet';
import type { Namespace } from '../engine/types';
import type { ImageEvent, ImageRegistry, Lease, Logger } from './registry';
import type { PersistedState, StagingStore } from './stagingStore';

/** An edit that this image does not accept (read-only image, repack running…): the reason is the message. */
export class StagingRefusal extends Error {}

export interface Staged {
  readonly key: string;
  readonly imageUri: vscode.Uri;
  readonly localPath: string;
  readonly cs: ChangeSet;
}

interface Live extends Staged {
  readonly lease: Lease;
}

export interface StagingEvent {
  key: string;
  imageUri: vscode.Uri;
  /** True when the staged view changed other than by a provider edit (discard, restore, revert,
   *  dropped): every URI of the image may now show something else. */
  reset: boolean;
}

export interface StagingOptions {
  log: Logger;
  /** Offers to restore saved changes (a non-modal message); resolves with the answer. */
  offer: (state: PersistedState, label: string) => Thenable<'restore' | 'discard' | undefined>;
  /** A warning with actions; resolves with the action chosen. */
  warn: (message: string, ...actions: string[]) => Thenable<string | undefined>;
}

const NS_LABEL: Record<Namespace, string> = { rr: 'Rock Ridge', joliet: 'Joliet', iso9660: 'ISO 9660' };

export class StagingManager implements vscode.Disposable {
  private readonly live = new Map<string, Live>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Saved states offered for restore and not answered yet. */
  private readonly pending = new Map<string, PersistedState>();
  /** Keys offered (or refused) in this session: not asked again until the image is closed. */
  private readonly asked = new Set<string>();
  private readonly repacking = new Set<string>();
  /** Content files written by this window, per image: the only ones its garbage collection removes. */
  private readonly written = new Map<string, Set<string>>();
  private readonly emitter = new vscode.EventEmitter<StagingEvent>();
  readonly onDidChange = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly registry: ImageRegistry, readonly store: StagingStore, private readonly opts: StagingOptions) {
    this.sub = registry.onDidChange(ev => this.onRegistry(ev));
  }

  /** The staged change set of an image, if it has one. */
  get(key: string): Staged | undefined {
    return this.live.get(key.toLowerCase());
  }

  /** Every image with staged changes. */
  get all(): Staged[] {
    return [...this.live.values()];
  }

  /** Saved changes offered for restore and not answered yet. */
  pendingOffer(key: string): PersistedState | undefined {
    return this.pending.get(key.toLowerCase());
  }

  isRepacking(key: string): boolean {
    return this.repacking.has(key.toLowerCase());
  }

  /** Why edits of this (leased) image are refused, or null when it can be edited. */
  readOnlyReason(lease: Lease): string | null {
    const label = labelOf(lease.imageUri);
    if (/\.s\d+$/.test(lease.key)) return `${label}: an earlier session of a multi-session image is shown read-only`;
    if (!lease.localPath) {
      return lease.imageUri.scheme === 'isowb'
        ? `${label} is inside another image: images inside images are read-only (extract it to edit it)`
        : `${label} is on a ${lease.imageUri.scheme}: file system and is read from a temporary copy: it is read-only`;
    }
    try {
      fs.accessSync(lease.localPath, fs.constants.W_OK);
    } catch {
      return `${label} is a read-only file: its contents cannot be edited`;
    }
    const best = lease.image.namespaces[0];
    if (lease.image.namespace !== best) {
      return `${label}: edits apply to the ${NS_LABEL[best]} tree (the ${lease.image.namespaces.filter(n => n !== best).map(n => NS_LABEL[n]).join(' and ')} names are made from it); switch back to it (ISO: Switch Namespace…) to edit`;
    }
    return null;
  }

  /**
   * Runs one edit on the image's change set (created on the first edit; saved changes not yet
   * restored are restored first, so nothing is lost), then saves the state and tells listeners.
   */
  edit<T>(key: string, fn: (cs: ChangeSet, staged: Staged) => Promise<T>, opts: { reset?: boolean } = {}): Promise<T> {
    key = key.toLowerCase();
    return this.serial(key, async () => {
      if (this.repacking.has(key)) throw new StagingRefusal(`${this.labelFor(key)} is being repacked; edit it again when that is done`);
      const live = this.live.get(key) ?? (await this.open(key, 'edit'));
      try {
        return await fn(live.cs, live);
      } finally {
        await this.persist(live, opts.reset === true);
      }
    });
  }

  /** Writes staged content for an image (call inside edit(); the file is collected once unreferenced). */
  async newContent(key: string, data: Uint8Array): Promise<{ path: string; size: number }> {
    key = key.toLowerCase();
    const c = await this.store.newContentFile(key, data);
    let set = this.written.get(key);
    if (!set) this.written.set(key, set = new Set());
    set.add(c.path);
    return c;
  }

  /** Undoes one change (ChangeSet.revert). */
  revert(key: string, path: string): Promise<void> {
    return this.edit(key, cs => cs.revert(path), { reset: true });
  }

  /** Drops an image's staged changes, in memory and on disk. */
  discard(key: string): Promise<void> {
    key = key.toLowerCase();
    return this.serial(key, async () => {
      const live = this.live.get(key);
      const uri = live?.imageUri ?? this.imageOf(key);
      this.pending.delete(key);
      if (live) this.drop(live);
      await this.store.remove(key);
      this.written.delete(key);
      this.opts.log.info(`${uri ? labelOf(uri) : key}: staged changes discarded`);
      this.fire(key, uri, true);
    });
  }

  /** Restores the saved changes of an image (what the offer's Restore button does). */
  restore(key: string): Promise<Staged | undefined> {
    key = key.toLowerCase();
    return this.serial(key, async () => {
      const existing = this.live.get(key);
      if (existing) return existing;
      if (!this.store.load(key)) return undefined;
      const live = await this.open(key, 'restore');
      this.fire(key, live.imageUri, true);
      return live;
    });
  }

  /**
   * Offers to restore saved changes of an image that was just opened (once per session and image).
   * Returns the offered state, if any.
   */
  offerRestore(key: string): PersistedState | undefined {
    key = key.toLowerCase();
    if (this.live.has(key) || this.asked.has(key)) return undefined;
    const saved = this.store.load(key, why => this.opts.log.warn(`ignoring saved staged changes: ${why}`));
    if (!saved) return undefined;
    this.asked.add(key);
    this.pending.set(key, saved);
    this.opts.log.info(`${labelOf(vscode.Uri.parse(saved.imageUri))}: ${saved.count} staged change(s) saved ${new Date(saved.savedAt).toISOString()}; offering to restore them`);
    void Promise.resolve(this.opts.offer(saved, labelOf(vscode.Uri.parse(saved.imageUri)))).then(async choice => {
      if (this.pending.get(key) !== saved) return; // answered some other way meanwhile
      if (choice === 'restore') {
        try {
          await this.restore(key);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          this.opts.log.warn(`restoring staged changes: ${msg}`);
          const b = await this.opts.warn(`The staged changes cannot be restored: ${msg}`, 'Discard Them');
          if (b) await this.discard(key);
        }
      } else if (choice === 'discard') {
        await this.discard(key);
      }
    }, () => undefined);
    return saved;
  }

  /**
   * Forgets every in-memory change set (the saved ones stay) and offers the saved changes of the
   * given images again, as a window reload would. For tests and the "reload" path.
   */
  reload(keys: string[]): PersistedState[] {
    for (const live of [...this.live.values()]) { this.drop(live); this.fire(live.key, live.imageUri, true); }
    this.asked.clear();
    this.pending.clear();
    return keys.map(k => this.offerRestore(k)).filter((s): s is PersistedState => s !== undefined);
  }

  /** Refuses edits while a repack of the image runs. */
  beginRepack(key: string): Promise<void> {
    key = key.toLowerCase();
    return this.serial(key, async () => {
      if (this.repacking.has(key)) throw new StagingRefusal(`${this.labelFor(key)} is already being repacked`);
      this.repacking.add(key);
    });
  }

  /** Ends a repack; on success the staged changes are done with (cleared, in memory and on disk). */
  endRepack(key: string, success: boolean): Promise<void> {
    key = key.toLowerCase();
    return this.serial(key, async () => {
      this.repacking.delete(key);
      if (!success) return;
      const live = this.live.get(key);
      const uri = live?.imageUri ?? this.imageOf(key);
      if (live) this.drop(live);
      this.pending.delete(key);
      await this.store.remove(key);
      this.written.delete(key);
      this.fire(key, uri, true);
    });
  }

  // ---- internals --------------------------------------------------------------------------------

  private async open(key: string, why: 'edit' | 'restore'): Promise<Live> {
    const lease = await this.registry.acquire(key);
    try {
      const refusal = this.readOnlyReason(lease);
      if (refusal) throw new StagingRefusal(refusal);
      const saved = this.store.load(key, w => this.opts.log.warn(`ignoring saved staged changes: ${w}`));
      let cs: ChangeSet;
      if (saved) {
        try {
          cs = await ChangeSet.fromJSON(lease.image, lease.localPath!, saved.changes);
        } catch (e) {
          if (!(e instanceof EditError)) throw e;
          if (why === 'restore') throw e;
          throw new StagingRefusal(`${labelOf(lease.imageUri)} has ${saved.count} staged change(s) from ${new Date(saved.savedAt).toLocaleString()} that cannot be applied (${e.detail}); discard them first (ISO: Discard Staged Changes)`);
        }
        await this.store.gc(key, cs.contentFiles());
        this.opts.log.info(`${labelOf(lease.imageUri)}: restored ${saved.count} staged change(s) from ${new Date(saved.savedAt).toISOString()}${why === 'edit' ? ' before an edit' : ''}`);
      } else {
        cs = new ChangeSet(lease.image, lease.localPath!);
      }
      this.pending.delete(key);
      const live: Live = { key, imageUri: lease.imageUri, localPath: lease.localPath!, cs, lease };
      this.live.set(key, live);
      return live;
    } catch (e) {
      lease.release();
      throw e;
    }
  }

  private async persist(live: Live, reset: boolean): Promise<void> {
    if (this.live.get(live.key) !== live) return;
    if (live.cs.isEmpty) {
      this.drop(live);
      await this.store.remove(live.key);
      this.written.delete(live.key);
    } else {
      await this.store.save({
        version: 1, imageUri: live.imageUri.toString(), key: live.key, savedAt: Date.now(), count: live.cs.summary().length, changes: live.cs.toJSON(),
      });
      const mine = this.written.get(live.key);
      if (mine) {
        await this.store.gc(live.key, live.cs.contentFiles(), mine);
        const referenced = new Set(live.cs.contentFiles());
        for (const p of [...mine]) if (!referenced.has(p)) mine.delete(p);
      }
    }
    this.fire(live.key, live.imageUri, reset);
  }

  private drop(live: Live): void {
    if (this.live.get(live.key) === live) this.live.delete(live.key);
    live.lease.release();
  }

  private onRegistry(ev: ImageEvent): void {
    const key = ev.key.toLowerCase();
    if (ev.kind === 'opened') {
      this.offerRestore(key);
      return;
    }
    const live = this.live.get(key);
    if (ev.kind === 'closed') {
      // Closed (Close Image, deactivation): the staged changes stay saved and are offered again.
      if (live) { this.drop(live); this.fire(key, live.imageUri, true); }
      this.asked.delete(key);
      this.pending.delete(key);
    } else if (ev.kind === 'changed' && live && !this.repacking.has(key)) {
      this.asked.add(key); // the warning below says it all: no restore offer when it reopens
      this.drop(live);
      this.fire(key, live.imageUri, true);
      const n = live.cs.summary().length;
      const msg = `${labelOf(live.imageUri)} changed on disk: its ${n} staged change${n === 1 ? ' was' : 's were'} made against the earlier version and no longer apply (they stay saved until you discard them).`;
      this.opts.log.warn(msg);
      void Promise.resolve(this.opts.warn(msg, 'Discard Staged Changes')).then(b => { if (b) void this.discard(key); }, () => undefined);
    }
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.then(() => undefined, () => undefined);
    this.queues.set(key, tail);
    void tail.then(() => { if (this.queues.get(key) === tail) this.queues.delete(key); });
    return next;
  }

  private fire(key: string, imageUri: vscode.Uri | undefined, reset = false): void {
    const uri = imageUri ?? this.imageOf(key);
    if (uri) this.emitter.fire({ key, imageUri: uri, reset });
  }

  private imageOf(key: string): vscode.Uri | undefined {
    const saved = this.store.load(key);
    if (saved) return vscode.Uri.parse(saved.imageUri);
    return this.registry.open.find(o => o.key === key)?.imageUri;
  }

  private labelFor(key: string): string {
    const u = this.live.get(key)?.imageUri ?? this.imageOf(key);
    return u ? labelOf(u) : 'the image';
  }

  dispose(): void {
    for (const live of [...this.live.values()]) this.drop(live);
    this.sub.dispose();
    this.emitter.dispose();
  }
}

function labelOf(uri: vscode.Uri): string {
  return nodePath.posix.basename(uri.path) || uri.toString(true);
}
