// The system area: the first 16 sectors (32 KiB) of an ISO 9660 volume, which ECMA-119 6.2.1
// leaves to the system. Hybrid images put an MBR (UEFI 2.10 §5.2), a GPT (§5.3) and/or an Apple
// Partition Map there so the same image boots from a disk.
import { IsoError, type DiagnosticSink } from '../errors';
import type { ByteSource } from '../io/source';
import type { Structure } from '../structure/fields';
import type { SystemAreaInfo } from '../types';
import { readApm } from './apm';
import { readGpt } from './gpt';
import { parseMbr } from './mbr';

export const SYSTEM_AREA_SIZE = 32 * 1024;

/** Serves reads inside the already-read head of the image from memory. */
class HeadSource implements ByteSource {
  constructor(private readonly inner: ByteSource, private readonly head: Uint8Array) {}
  get name(): string { return this.inner.name; }
  get size(): number { return this.inner.size; }
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset >= 0 && offset + length <= this.head.length) return this.head.subarray(offset, offset + length);
    return this.inner.read(offset, length);
  }
  async close(): Promise<void> { /* owned by the caller */ }
}

async function guarded<T>(what: string, sink: DiagnosticSink, f: () => Promise<T>): Promise<T | null> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof IsoError)) throw e;
    sink.error(`${what} could not be read: ${e.detail}`, e.structure ?? what, e.offset);
    return null;
  }
}

/** Reads the first 32 KiB once and decodes the MBR, GPT and APM found there. */
export async function readSystemArea(src: ByteSource, sink: DiagnosticSink): Promise<{ info: SystemAreaInfo; structures: Structure[] }> {
  const head = await src.read(0, Math.min(SYSTEM_AREA_SIZE, src.size));
  const empty = head.every((b) => b === 0);
  const info: SystemAreaInfo = { empty, mbr: null, gpt: null, apm: null };
  const structures: Structure[] = [];
  if (empty) return { info, structures };
  if (head.length < SYSTEM_AREA_SIZE) sink.warn(`image is only ${src.size} bytes, shorter than the 32 KiB system area`, 'system area', 0);
  const hs = new HeadSource(src, head);

  if (head.length >= 512) {
    const mbr = parseMbr(head.subarray(0, 512), sink);
    if (mbr) {
      info.mbr = mbr.info;
      structures.push(mbr.structure);
      const sectors = Math.floor(src.size / 512);
      for (const p of mbr.info.partitions) {
        if (p.type !== 0xee && p.startLba + p.sectors > sectors) {
          sink.warn(`MBR partition ${p.index} (sectors ${p.startLba}..${p.startLba + p.sectors - 1}) extends beyond the end of the image (${sectors} sectors)`, `MBR partition ${p.index}`, 446 + (p.index - 1) * 16);
        }
      }
    }
  }
  const gpt = await guarded('GPT', sink, () => readGpt(hs, sink));
  if (gpt) {
    info.gpt = gpt.info;
    structures.push(...gpt.structures);
    if (!info.mbr) sink.warn('GPT found but sector 0 has no MBR signature (55 AA); UEFI 2.10 §5.3.1 requires a protective MBR', 'MBR', 510);
  } else if (info.mbr?.protective) {
    sink.warn('protective MBR (type 0xEE) but no GPT header', 'Protective MBR', 0);
  }
  const apm = await guarded('Apple Partition Map', sink, () => readApm(hs, sink));
  if (apm) {
    info.apm = apm.info;
    structures.push(...apm.structures);
  }
  return { info, structures };
}
