// Copying a whole file in Node, the same on every OS: a clone where the file system has one
// (btrfs, XFS, APFS, ReFS: instant, shares the blocks), else a streaming copy that keeps holes,
// reports progress and can be cancelled. `writeSparse` is the hole-keeping write that extraction
// uses too.
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { promisify } from 'node:util';
import { CancelledError, InvalidArgumentError } from '../errors';

/** Granularity of holes: all-zero blocks of this size (at block-aligned positions) are not written. */
export const HOLE = 64 * 1024;
const ZEROS = Buffer.alloc(HOLE);
const fsWrite = promisify(fs.write);

/** Is `b` all zeros? Compared HOLE bytes at a time against zeros (a memcmp). */
export function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i += HOLE) {
    const n = Math.min(HOLE, b.length - i);
    if (Buffer.compare(b.subarray(i, i + n), n === HOLE ? ZEROS : ZEROS.subarray(0, n)) !== 0) return false;
  }
  return true;
}

/**
 * The next run of `b` to write, from `i` on: [start, end), or null when only all-zero 64 KiB
 * blocks are left. A run ends before the next all-zero block; a partial block at the end is
 * always written.
 */
function dataRun(b: Uint8Array, i: number): [number, number] | null {
  while (i < b.length) {
    const end = Math.min(b.length, i + HOLE);
    if (end - i === HOLE && isZero(b.subarray(i, end))) { i = end; continue; }
    // Extend the run over following non-zero blocks, then write it in one call.
    let runEnd = end;
    while (runEnd < b.length) {
      const next = Math.min(b.length, runEnd + HOLE);
      if (next - runEnd === HOLE && isZero(b.subarray(runEnd, next))) break;
      runEnd = next;
    }
    return [i, runEnd];
  }
  return null;
}

/**
 * Writes `b` at `position`, leaving all-zero 64 KiB blocks unwritten so they become holes (like
 * `cp --sparse=auto` and bsdtar): large images often carry mostly-empty files, and writing
 * gigabytes of zeros costs time and disk. The caller ftruncates to the final length.
 */
export async function writeSparse(fd: number, b: Uint8Array, position: number): Promise<void> {
  for (let r = dataRun(b, 0); r; r = dataRun(b, r[1])) {
    let off = r[0];
    while (off < r[1]) off += (await fsWrite(fd, b, off, r[1] - off, position + off)).bytesWritten;
  }
}

/** `writeSparse` with synchronous writes. */
export function writeSparseSync(fd: number, b: Uint8Array, position: number): void {
  for (let r = dataRun(b, 0); r; r = dataRun(b, r[1])) {
    let off = r[0];
    while (off < r[1]) off += fs.writeSync(fd, b, off, r[1] - off, position + off);
  }
}

export interface CopyOptions {
  /** Bytes to copy: the source's size when the caller looked at it. A shorter source fails the copy. */
  size: number;
  signal?: AbortSignal;
  /** Bytes copied so far: increasing, every PROGRESS_STEP bytes and once at the end (= size). */
  onProgress?: (done: number) => void;
}

/**
 * Size of each read and write of the streaming copy. Small on purpose: a 128 KiB buffer stays in
 * the CPU cache between the read and the write, and synchronous calls cost no thread-pool round
 * trip. Measured on a 2-core VM (docs/benchmarks.md, "Copying an image"): buffers of 2 MiB and
 * more took 2.5–8× the kernel time, and the next read in flight on the thread pool (two buffers
 * of 128 KiB to 8 MiB) cost more than it overlapped.
 */
export const COPY_CHUNK = 128 * 1024;
/**
 * The copy gives the event loop a turn (cancel, progress, other work) after this many bytes or
 * milliseconds, whichever comes first (slow media: a few MiB can take a while).
 */
const YIELD_STEP = 4 << 20;
const YIELD_MS = 20;
/** Progress is reported after at least this many more bytes. */
export const PROGRESS_STEP = 16 << 20;

/**
 * Copies the first `o.size` bytes of `src` to a new file `dst` (created or truncated; its mode is
 * the source's permission bits less the umask, as `cp` gives it). Clones first
 * (`COPYFILE_FICLONE_FORCE`); where the file system cannot, streams (`sparseCopy`). Returns
 * which of the two it did.
 */
export async function cloneOrCopy(src: string, dst: string, o: CopyOptions): Promise<'clone' | 'stream'> {
  if (o.signal?.aborted) throw new CancelledError('cancelled', { image: src });
  try {
    await fsp.copyFile(src, dst, fs.constants.COPYFILE_FICLONE_FORCE);
  } catch {
    // The file system or the OS cannot clone (ENOTSUP, EOPNOTSUPP, EXDEV, EINVAL, ENOSYS, ENOTTY
    // on ext4, tmpfs, NTFS, across devices, …). Whatever the reason, the streaming copy either
    // works or fails with its own, clearer error (a missing source, a full disk).
    await sparseCopy(src, dst, o);
    return 'stream';
  }
  try {
    const st = await fsp.stat(dst);
    // A clone takes the whole file as it is now: it must still hold what the caller saw.
    if (st.size < o.size) throw shortSource(src, st.size, o.size);
    await fsp.chmod(dst, st.mode & 0o777 & ~process.umask());
  } catch (e) {
    await fsp.rm(dst, { force: true });
    throw e;
  }
  o.onProgress?.(o.size);
  return 'clone';
}

/**
 * Copies the first `o.size` bytes of `src` to a new file `dst` in 128 KiB synchronous reads and
 * writes, giving the event loop a turn every 4 MiB or 20 ms; all-zero 64 KiB blocks are left as holes and
 * the file is ftruncated to the size. A source that ends early fails the copy
 * (InvalidArgumentError); a cancel throws CancelledError; a full disk is an InvalidArgumentError.
 * The destination is left as it is on a failure (the caller removes it).
 */
export async function sparseCopy(src: string, dst: string, o: CopyOptions): Promise<void> {
  const { size, signal, onProgress } = o;
  const cancelled = (): CancelledError => new CancelledError('cancelled', { image: src });
  if (signal?.aborted) throw cancelled();
  const input = fs.openSync(src, 'r');
  let output = -1;
  try {
    output = fs.openSync(dst, 'w', fs.fstatSync(input).mode & 0o777);
    const buf = alignedBuffer(Math.min(COPY_CHUNK, size));
    let pos = 0;
    let yielded = 0;
    let yieldedAt = performance.now();
    let reported = 0;
    while (pos < size) {
      const want = Math.min(buf.length, size - pos);
      let got = 0;
      while (got < want) {
        const n = fs.readSync(input, buf, got, want - got, pos + got);
        if (n === 0) throw shortSource(src, pos + got, size);
        got += n;
      }
      writeSparseSync(output, buf.subarray(0, got), pos);
      pos += got;
      if (pos - yielded >= YIELD_STEP || pos === size || performance.now() - yieldedAt >= YIELD_MS) {
        yielded = pos;
        await new Promise((resolve) => setImmediate(resolve));
        yieldedAt = performance.now();
        if (signal?.aborted) throw cancelled();
      }
      if (onProgress && (pos - reported >= PROGRESS_STEP || pos === size)) { reported = pos; onProgress(pos); }
    }
    // A file that ends in a hole gets its length here.
    fs.ftruncateSync(output, size);
    if (size === 0) onProgress?.(0);
  } catch (e) {
    throw copyError(e, src);
  } finally {
    if (output >= 0) fs.closeSync(output);
    fs.closeSync(input);
  }
}

declare const WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } }; // not in lib ES2022

/**
 * A buffer that starts on a page boundary. The kernel's copy between the page cache and a
 * process's buffer took 2–4× as long when the buffer was not 64-byte aligned (measured on an AMD
 * EPYC VM, `_copy_to_iter` in perf), and `Buffer.allocUnsafe` gives whatever malloc returns
 * (16-byte aligned, at any offset in a cache line). V8 allocates a WebAssembly memory in whole
 * pages; where none can be made (no WebAssembly in the runtime, e.g. node --jitless; no address
 * space for it), an ordinary buffer does the same job more slowly.
 */
function alignedBuffer(n: number): Buffer {
  try {
    return Buffer.from(new WebAssembly.Memory({ initial: Math.ceil(n / 65536) }).buffer, 0, n);
  } catch {
    return Buffer.allocUnsafe(n);
  }
}

function shortSource(src: string, have: number, size: number): InvalidArgumentError {
  return new InvalidArgumentError(`${src} is shorter than when it was opened (${have} of ${size} bytes): it changed during the copy`);
}

/** A full disk is the user's to fix (a clear message); other errors pass unchanged. */
function copyError(e: unknown, src: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new InvalidArgumentError(`no space left on the device while copying ${src}`);
  return e;
}
