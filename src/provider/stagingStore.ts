// Where staged changes live on disk (pure Node, no `vscode`: unit-tested in plain Node).
//
//   <storage>/staging/<sha256(image key), 16 hex>/
//     state.json        the change set (ChangeSet.toJSON) + which image, when, how many changes
//     content/<id>      staged file contents (written once, never modified; removed when no
//                       longer referenced)
//
// state.json is replaced atomically (temp file + fsync + rename) after every change, and content
// files are fsynced before the state that references them, so a crash leaves either the previous
// or the new state, each with all its content files.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { SerializedChangeSet } from '../engine/edit/changeSet';
import { hostPathKey } from '../engine/hostPaths';

export interface PersistedState {
  version: 1;
  /** The image's URI (vscode.Uri.toString()). */
  imageUri: string;
  /** The registry key (isowb: authority). */
  key: string;
  /** When the state was last saved (ms since the epoch). */
  savedAt: number;
  /** Number of changes (ChangeSet.summary().length) when saved. */
  count: number;
  changes: SerializedChangeSet;
}

export class StagingStore {
  constructor(readonly root: string) {}

  /** The folder of one image's staged state. */
  dirOf(key: string): string {
    return nodePath.join(this.root, createHash('sha256').update(key.toLowerCase()).digest('hex').slice(0, 16));
  }

  contentDir(key: string): string {
    return nodePath.join(this.dirOf(key), 'content');
  }

  /** Writes staged content to a new file (fsynced) and returns it as a ChangeSet content reference. */
  async newContentFile(key: string, data: Uint8Array): Promise<{ path: string; size: number }> {
    const dir = this.contentDir(key);
    await fs.promises.mkdir(dir, { recursive: true });
    const p = nodePath.join(dir, `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
    const fh = await fs.promises.open(p, 'wx', 0o600);
    try {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await fh.write(data, done, data.length - done, done);
        done += bytesWritten;
      }
      await fh.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await fs.promises.rm(p, { force: true });
      throw e;
    }
    await fh.close();
    return { path: p, size: data.length };
  }

  /** Saves the state atomically. */
  async save(state: PersistedState): Promise<void> {
    const dir = this.dirOf(state.key);
    await fs.promises.mkdir(dir, { recursive: true });
    const target = nodePath.join(dir, 'state.json');
    const tmp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    const fh = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(state));
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fs.promises.rename(tmp, target);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
  }

  /** The saved state of an image, or null (none, or unreadable: reported through `onBad`). */
  load(key: string, onBad?: (why: string) => void): PersistedState | null {
    const file = nodePath.join(this.dirOf(key), 'state.json');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    try {
      const s = JSON.parse(text) as PersistedState;
      if (s?.version !== 1 || typeof s.key !== 'string' || typeof s.imageUri !== 'string' || !s.changes || !Array.isArray(s.changes.ops)) throw new Error('not a staged-changes file');
      if (s.key.toLowerCase() !== key.toLowerCase()) throw new Error(`it belongs to another image (${s.imageUri})`);
      return s;
    } catch (e) {
      onBad?.(`${file}: ${(e as Error).message}`);
      return null;
    }
  }

  /** Every saved state (for listing what is pending). */
  list(): PersistedState[] {
    let dirs: string[];
    try { dirs = fs.readdirSync(this.root); } catch { return []; }
    const out: PersistedState[] = [];
    for (const d of dirs) {
      try {
        const s = JSON.parse(fs.readFileSync(nodePath.join(this.root, d, 'state.json'), 'utf8')) as PersistedState;
        if (s?.version === 1 && typeof s.key === 'string') out.push(s);
      } catch { /* not a state folder */ }
    }
    return out;
  }

  /** Removes an image's whole staged state (state.json and every content file). */
  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.dirOf(key), { recursive: true, force: true });
  }

  /**
   * Deletes content files the state no longer references; returns how many. With `candidates`,
   * only those are considered (the files this window wrote: another window editing the same image
   * may have written the others).
   */
  async gc(key: string, referenced: Iterable<string>, candidates?: Iterable<string>): Promise<number> {
    // Compared as host path keys: a saved state may spell the storage folder in another case
    // (C:\ and c:\) or with the long-path prefix; a referenced file must never look unreferenced.
    const keep = new Set([...referenced].map(p => hostPathKey(p)));
    const dir = this.contentDir(key);
    const dirKey = hostPathKey(dir);
    let paths: string[];
    if (candidates) {
      paths = [...candidates].filter(p => hostPathKey(nodePath.dirname(p)) === dirKey);
    } else {
      try { paths = (await fs.promises.readdir(dir)).map(name => nodePath.join(dir, name)); } catch { return 0; }
    }
    let n = 0;
    for (const p of paths) {
      if (keep.has(hostPathKey(p))) continue;
      await fs.promises.rm(p, { force: true });
      n++;
    }
    return n;
  }
}
