// Saving a PatchedSource: in place (only the ranges that differ, after journaling their original
// bytes so an interrupted save can be rolled back) or as a copy (temp file beside the
// destination, reflinked when the file system can, fsync, rename).
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { CancelledError, CorruptImageError, InvalidArgumentError } from '../errors';
import { CachedSource } from './fileSource';
import type { PatchedSource } from './patched';
import { cloneOrCopy } from './copy';

export interface SaveStats { ranges: number; bytesWritten: number }

interface Journal {
  file: string;
  size: number;
  ranges: Array<{ offset: number; base64: string }>;
}

/** Largest piece written (and held in memory) at once. */
const PIECE = 4 * 1024 * 1024;

async function writeAll(fh: fsp.FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten} at byte ${position + done}`);
    done += bytesWritten;
  }
}

/** Writes the overlay bytes of `ranges` into an open file, in pieces of at most PIECE bytes. */
async function writeRanges(fh: fsp.FileHandle, src: PatchedSource, ranges: Array<[number, number]>, signal?: AbortSignal): Promise<number> {
  let written = 0;
  for (const [s, e] of ranges) {
    for (let pos = s; pos < e; pos += PIECE) {
      if (signal?.aborted) throw new CancelledError('save cancelled', { image: src.name });
      const n = Math.min(PIECE, e - pos);
      const b = await src.read(pos, n);
      if (b.length !== n) throw new CorruptImageError(`short read: ${b.length} of ${n} bytes`, { image: src.name, offset: pos });
      await writeAll(fh, b, pos);
      written += n;
    }
  }
  return written;
}

/** fsyncs a directory so a rename or unlink in it is durable (best effort: not every OS allows it). */
async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    /* directories cannot be opened/fsynced on some platforms (Windows) */
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Writes a file atomically: temp file, fsync, rename, fsync of the folder. */
async function writeFileDurable(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(nodePath.dirname(path));
}

/** Drops the base's cached blocks after its file was rewritten underneath it. */
function invalidateBase(src: PatchedSource): void {
  if (src.base instanceof CachedSource) src.base.invalidate();
}

/**
 * Writes only the ranges that differ (diffRanges) into the file at `path` in place, fsyncs.
 * Before writing, saves the original bytes of those ranges to `journalPath` (JSON {file, size,
 * ranges:[{offset, base64}]}) and fsyncs it; deletes it after the data fsync. The journal is
 * written to a temp name and renamed, so it is either complete or absent.
 */
export async function saveInPlace(path: string, src: PatchedSource, journalPath?: string): Promise<SaveStats> {
  const ranges = await src.diffRanges();
  if (ranges.length === 0) return { ranges: 0, bytesWritten: 0 };
  const fh = await fsp.open(path, 'r+');
  try {
    const st = await fh.stat();
    if (st.size !== src.size) {
      throw new InvalidArgumentError(`the file is ${st.size} bytes but the edited image is ${src.size}; it changed on disk (not saved)`, { image: path });
    }
    if (journalPath !== undefined) {
      const journal: Journal = { file: nodePath.resolve(path), size: src.size, ranges: [] };
      for (const [s, e] of ranges) {
        // Original bytes come from the file itself (what a rollback must restore).
        const b = Buffer.allocUnsafe(e - s);
        let got = 0;
        while (got < b.length) {
          const { bytesRead } = await fh.read(b, got, b.length - got, s + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        if (got !== b.length) throw new CorruptImageError(`short read of the original bytes: ${got} of ${b.length}`, { image: path, offset: s });
        journal.ranges.push({ offset: s, base64: b.toString('base64') });
      }
      await writeFileDurable(journalPath, JSON.stringify(journal));
    }
    const bytesWritten = await writeRanges(fh, src, ranges);
    await fh.sync();
    invalidateBase(src);
    if (journalPath !== undefined) {
      await fsp.rm(journalPath, { force: true });
      await syncDir(nodePath.dirname(journalPath));
    }
    return { ranges: ranges.length, bytesWritten };
  } finally {
    await fh.close();
  }
}

/**
 * Writes a copy: temp file in dest's folder (a clone of src.base's file `basePath` where the file
 * system clones, else the hole-keeping streaming copy of io/copy.ts, cancellable), applies the
 * diff ranges, fsync, rename over dest; on any failure the temp file is removed and dest untouched.
 */
export async function saveCopy(basePath: string, dest: string, src: PatchedSource, signal?: AbortSignal, onProgress?: (copied: number) => void): Promise<SaveStats> {
  const cancelled = () => new CancelledError('save cancelled', { image: dest });
  if (signal?.aborted) throw cancelled();
  const dir = nodePath.dirname(nodePath.resolve(dest));
  const tmp = nodePath.join(dir, `.${nodePath.basename(dest)}.isowb-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fh: fsp.FileHandle | undefined;
  try {
    const ranges = await src.diffRanges();
    const base = await fsp.stat(basePath);
    if (base.size !== src.size) {
      throw new InvalidArgumentError(`${basePath} is ${base.size} bytes but the edited image is ${src.size}; it changed on disk (not saved)`, { image: basePath });
    }
    await cloneOrCopy(basePath, tmp, { size: src.size, signal, onProgress });
    if (signal?.aborted) throw cancelled();
    fh = await fsp.open(tmp, 'r+');
    const st = await fh.stat();
    if (st.size !== src.size) {
      throw new InvalidArgumentError(`${basePath} is ${st.size} bytes but the edited image is ${src.size}; it changed on disk (not saved)`, { image: basePath });
    }
    const bytesWritten = await writeRanges(fh, src, ranges, signal);
    await fh.sync();
    await fh.close();
    fh = undefined;
    if (signal?.aborted) throw cancelled();
    await fsp.rename(tmp, dest);
    await syncDir(dir);
    return { ranges: ranges.length, bytesWritten };
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

function parseJournal(text: string, journalPath: string): Journal {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new CorruptImageError(`save journal is not valid JSON: ${(e as Error).message}`, { image: journalPath });
  }
  const o = j as Partial<Journal>;
  if (!o || typeof o.file !== 'string' || !Number.isSafeInteger(o.size) || !Array.isArray(o.ranges) ||
    !o.ranges.every(r => r && Number.isSafeInteger(r.offset) && r.offset >= 0 && typeof r.base64 === 'string')) {
    throw new CorruptImageError('save journal is malformed (expected {file, size, ranges:[{offset, base64}]})', { image: journalPath });
  }
  return o as Journal;
}

/**
 * Reads a journal left by an interrupted saveInPlace and writes the original bytes back (fsync),
 * then deletes it. Returns null if no journal. Throws (keeping the journal) when the file is
 * missing or its size differs from the journal's.
 */
export async function rollbackJournal(journalPath: string): Promise<{ file: string; ranges: number } | null> {
  // A temp journal left by a crash while the journal itself was written: nothing was written to
  // the image yet (data is written only after the journal is renamed into place).
  const dir = nodePath.dirname(journalPath);
  const base = nodePath.basename(journalPath);
  try {
    for (const f of await fsp.readdir(dir)) {
      if (f.startsWith(`${base}.tmp-`)) await fsp.rm(nodePath.join(dir, f), { force: true });
    }
  } catch { /* no folder: no journal */ }
  let text: string;
  try {
    text = await fsp.readFile(journalPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const j = parseJournal(text, journalPath);
  const fh = await fsp.open(j.file, 'r+');
  try {
    const st = await fh.stat();
    if (st.size !== j.size) {
      throw new InvalidArgumentError(`cannot roll back: ${j.file} is ${st.size} bytes, the journal was written for ${j.size}`, { image: journalPath });
    }
    for (const r of j.ranges) {
      const b = Buffer.from(r.base64, 'base64');
      if (r.offset + b.length > j.size) throw new CorruptImageError(`journal range at ${r.offset} (${b.length} bytes) lies beyond the file`, { image: journalPath });
      await writeAll(fh, b, r.offset);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rm(journalPath, { force: true });
  await syncDir(dir);
  return { file: j.file, ranges: j.ranges.length };
}
