// Pass 8, emit: writes what the other passes planned, through `safeWrite` (a temporary file
// renamed into place; the source is never the output). Reads everything before it; produces the
// output file and its byte counts. Preserve: the source is copied first (a clone where the file
// system has one, else a streaming copy that keeps holes: io/copy.ts) and everything past the old
// volume is dropped, then only the new blocks are written over it.
//
// Write order (later writes win where they overlap): sectors to zero, the system area head, the
// descriptors, path tables, directories, continuation areas, the catalog, file data (with patched
// boot image heads), tail partitions, then the system area's writes past the volume (GPT backup).
// Then the MD5 is implanted (when asked, or the source had one) and the output verified.
import * as fs from 'fs';
import { InternalError, InvalidArgumentError } from '../../errors';
import { serializePathTable } from '../../iso9660/pathTable';
import { serializeDirectory, type HDir } from '../hierarchy';
import { implantIsoMd5 } from '../isomd5';
import { safeWrite } from '../output';
import { verifyOutput } from '../verify';
import { cloneOrCopy, isZero } from '../../io/copy';
import { SECTOR_SIZE } from '../../bytes/sector';
import type { VerifyReport } from '../api';
import { checkCancelled, reportProgress, type WriteJob } from './job';
import { dataKey, type PlannedData } from './planData';
import type { Hierarchies } from './hierarchies';
import { pathTableEntries, type Allocation, type PathTablePlace } from './allocate';
import type { Moves } from './moves';
import type { ElToritoOutput } from './elTorito';
import type { PlacedBytes } from './descriptors';
import type { SystemArea } from './systemArea';
import { copyData } from './copyData';

/** What the passes before produced. */
export interface EmitInput {
  data: PlannedData;
  h: Hierarchies;
  a: Allocation;
  moved: Moves;
  boot: ElToritoOutput;
  vds: PlacedBytes[];
  sa: SystemArea;
}

export interface Emitted { bytesCopied: number; bytesWritten: number; verify: VerifyReport | null }

export async function emit(job: WriteJob, x: EmitInput): Promise<Emitted> {
  const src = job.source;
  const result: Emitted = { bytesCopied: 0, bytesWritten: 0, verify: null };
  const writeAll = async (temp: string): Promise<void> => {
    if (x.data.preserve) {
      reportProgress(job, 'copying the image', 0, src!.size);
      await cloneOrCopy(src!.path, temp, { size: src!.size, signal: job.signal, onProgress: (d) => reportProgress(job, 'copying the image', d, src!.size) });
      result.bytesCopied = src!.size;
    }
    checkCancelled(job);
    const out = await fs.promises.open(temp, x.data.preserve ? 'r+' : 'w');
    const srcFd = src ? await fs.promises.open(src.path, 'r') : null;
    try {
      // Everything past the old volume is re-planned: drop it (holes) before writing the new layout.
      await out.truncate(x.data.preserve ? src!.volumeBytes : 0);
      await out.truncate(x.sa.imageSize);
      const o = new ImageOut(out, job.imageName);
      await writeMetadata(o, job, x);
      checkCancelled(job);
      await writeData(o, job, x, srcFd, result);
      if (x.sa.sys) for (const w of x.sa.sys.writes) await o.put(w.bytes, w.offset);
      await out.sync();
    } finally {
      await out.close();
      await srcFd?.close();
    }
    checkCancelled(job);
    if (job.md5 || src?.hadMd5) {
      await implantIsoMd5(temp, { signal: job.signal, force: true, onProgress: (d: number, t: number) => reportProgress(job, 'implanting the MD5 checksum', d, t) });
      job.notes.push('isomd5sum implanted (checkisomd5)');
    }
  };
  const verifyTemp = async (temp: string): Promise<void> => {
    if (!job.verify) return;
    reportProgress(job, 'verifying', 0, 0);
    const verify = result.verify = await verifyOutput(temp, job, x.a.catalogLba, x.boot.catalogBytes !== null, x.sa.sys?.removedGptPartitions ?? 0);
    if (verify.problems.length) throw new InternalError(`the written image did not verify: ${verify.problems.slice(0, 5).join('; ')}`, { image: job.output });
  };
  try {
    const notes = await safeWrite({ output: job.output, replace: job.replace, keepBackup: job.keepBackup, protect: src ? [src.path] : [], signal: job.signal }, writeAll, verifyTemp);
    job.notes.push(...notes);
  } catch (e) {
    throw translateIo(e, job.output);
  }
  return result;
}

/** Positioned writes to the output; file data goes through `putData`, which gathers consecutive
 *  small writes into one (a 100k-file build would otherwise make 100k write calls). */
class ImageOut {
  private readonly batch = new Uint8Array(8 << 20);
  private bStart = -1;
  private bLen = 0;
  constructor(private readonly out: fs.promises.FileHandle, private readonly imageName: string) {}

  async put(bytes: Uint8Array, offset: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten: n } = await this.out.write(bytes, done, bytes.length - done, offset + done);
      if (n <= 0) throw new InternalError('short write', { image: this.imageName });
      done += n;
    }
  }

  async flush(): Promise<void> {
    if (this.bLen) await this.put(this.batch.subarray(0, this.bLen), this.bStart);
    this.bStart = -1;
    this.bLen = 0;
  }

  async putData(chunk: Uint8Array, offset: number): Promise<void> {
    if (chunk.length >= this.batch.length / 2) { await this.flush(); await this.put(chunk, offset); return; }
    const end = this.bStart + this.bLen;
    if (this.bStart < 0 || offset < end || offset - end >= SECTOR_SIZE || offset - this.bStart + chunk.length > this.batch.length) { await this.flush(); this.bStart = offset; }
    const at = offset - this.bStart;
    if (at > this.bLen) this.batch.fill(0, this.bLen, at);
    this.batch.set(chunk, at);
    this.bLen = at + chunk.length;
  }
}

async function writeMetadata(o: ImageOut, job: WriteJob, x: EmitInput): Promise<void> {
  if (job.source) for (const s of job.source.zeroSectors) await o.put(new Uint8Array(SECTOR_SIZE), s * SECTOR_SIZE);
  if (x.sa.sys) await o.put(x.sa.sys.head, 0);
  for (const v of x.vds) await o.put(v.bytes, v.lba * SECTOR_SIZE);
  const writePt = async (dirs: HDir[], pt: PathTablePlace): Promise<void> => {
    const entries = pathTableEntries(dirs);
    await o.put(serializePathTable(entries, true), pt.l * SECTOR_SIZE);
    await o.put(serializePathTable(entries, false), pt.m * SECTOR_SIZE);
  };
  await writePt(x.h.iso, x.a.isoPt);
  if (x.h.jol && x.a.jolPt) await writePt(x.h.jol, x.a.jolPt);
  for (const d of x.h.iso) await o.put(serializeDirectory(d, x.a.placements), d.lba * SECTOR_SIZE);
  if (x.h.jol) for (const d of x.h.jol) await o.put(serializeDirectory(d, x.a.placements), d.lba * SECTOR_SIZE);
  if (x.a.ce.blocks) await o.put(x.a.ce.bytes, (x.a.ce.list[0].ce!.lba) * SECTOR_SIZE);
  if (x.boot.catalogBytes) await o.put(x.boot.catalogBytes, x.a.catalogLba * SECTOR_SIZE);
}

/** New file data (all-zero 4 MiB chunks stay holes in compact layout), then the tail partitions. */
async function writeData(o: ImageOut, job: WriteJob, x: EmitInput, srcFd: fs.promises.FileHandle | null, counts: Emitted): Promise<void> {
  const total = x.a.bytesToWrite + x.moved.tailMoves.reduce((a, m) => a + m.length, 0);
  const buf = new Uint8Array(4 << 20);
  const step = (): void => reportProgress(job, 'writing data', counts.bytesWritten, total);
  let lastStep = 0;
  for (const p of x.data.plans.values()) {
    if (p.keep || p.size === 0) continue;
    const at = p.alloc!.lba * SECTOR_SIZE;
    const head = x.boot.bootPatches.get(dataKey(p.data));
    await copyData(p.data, srcFd, buf, async (chunk, pos) => {
      checkCancelled(job);
      if (head && pos < head.length) chunk.set(head.subarray(pos, Math.min(head.length, pos + chunk.length)).subarray(0, Math.min(chunk.length, head.length - pos)));
      if (!x.data.preserve && !head && chunk.length === buf.length && isZero(chunk)) { counts.bytesWritten += chunk.length; return; }
      await o.putData(chunk, at + pos);
      counts.bytesWritten += chunk.length;
      if (counts.bytesWritten - lastStep > 16 << 20) { lastStep = counts.bytesWritten; step(); }
    });
  }
  for (const m of x.moved.tailMoves) {
    await copyData({ kind: 'image', ranges: [{ offset: m.from, length: m.length }], size: m.length, extents: [] }, srcFd, buf, async (chunk, pos) => {
      checkCancelled(job);
      await o.putData(chunk, m.to + pos);
      counts.bytesWritten += chunk.length;
      step();
    });
  }
  await o.flush();
  step();
}

function translateIo(e: unknown, output: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return new InvalidArgumentError(`no space left on the device writing ${output}; nothing was changed`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new InvalidArgumentError(`cannot write ${output}: ${(e as Error).message}`);
  return e;
}
