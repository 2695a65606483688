// Pass 5, El Torito: the boot catalog for the new layout. Reads the job's boot job, the allocated
// data plans (each entry's boot image LBA and size) and the moves (a boot image outside the tree
// follows its bytes); produces the catalog bytes (the source catalog patched, or a new one built
// from entry specs), the head bytes of moved boot images whose boot info table or GRUB2 boot info
// must name their new LBA, and the LBA of the BIOS boot image (for the hybrid MBR).
import * as fs from 'fs';
import { InternalError } from '../../errors';
import { patchBootCatalog, serializeBootCatalog } from '../../eltorito/bootCatalog';
import { BootInfoChecksum, writeBootInfoTable, writeGrub2BootInfo } from '../../eltorito/bootInfo';
import { SECTOR_SIZE } from '../../bytes/sector';
import type { DataRef } from '../tree';
import type { BootEntryJob, BootJob, WriteJob } from './job';
import { dataKey, type PlannedData } from './planData';
import type { Moves } from './moves';
import { copyData } from './copyData';

export interface ElToritoOutput {
  catalogBytes: Uint8Array | null;
  /** Data key (planData's dataKey) → the patched first bytes of that boot image. */
  bootPatches: Map<string | object, Uint8Array>;
  biosBootLba: number | undefined;
}

type EntryUpdate = { index: number; loadRba?: number; sectorCount?: number };
type EntrySpec = NonNullable<BootEntryJob['spec']> & { loadRba: number };

export async function elTorito(job: WriteJob, data: PlannedData, moved: Moves): Promise<ElToritoOutput> {
  const out: ElToritoOutput = { catalogBytes: null, bootPatches: new Map(), biosBootLba: undefined };
  if (!job.boot) return out;
  const updates: EntryUpdate[] = [];
  const specs: EntrySpec[] = [];
  for (const e of job.boot.entries) {
    const d = e.node ? data.dataOf(e.node) : e.hidden ?? null;
    let lba: number;
    let size = 0;
    let isMoved = false;
    if (d) {
      const p = data.planFor(d);
      lba = p.alloc!.lba;
      size = p.size;
      isMoved = !p.keep;
    } else if (e.oldOffset !== undefined) {
      lba = Math.floor(moved.movedOffset(e.oldOffset) / SECTOR_SIZE);
    } else {
      throw new InternalError(`El Torito entry ${e.index} has no boot image`, { image: job.imageName });
    }
    if (e.spec ? e.spec.platform === 0 : e.index === 0) out.biosBootLba ??= lba;
    const u: EntryUpdate = { index: e.index, loadRba: lba };
    if (e.sectorCountFollows && d) u.sectorCount = Math.min(0xffff, Math.ceil(size / 512));
    updates.push(u);
    if (e.spec) specs.push({ ...e.spec, loadRba: lba, sectorCount: u.sectorCount ?? e.spec.sectorCount });
    if (d && isMoved && (e.bootInfoTable || e.grub2BootInfo)) out.bootPatches.set(dataKey(d), await patchedBootHead(job, d, lba, e));
  }
  out.catalogBytes = catalogFor(job.boot, updates, specs);
  return out;
}

/** The source catalog with the entries' new LBAs and sizes, or a new catalog from the specs. */
function catalogFor(boot: BootJob, updates: EntryUpdate[], specs: EntrySpec[]): Uint8Array | null {
  if (boot.catalogBytes) return patchBootCatalog(boot.catalogBytes, updates);
  if (!boot.catalogSpec) return null;
  const [first, ...rest] = specs;
  const entry = (s: EntrySpec) => ({ platform: s.platform, bootable: true, emulation: s.emulation, loadSegment: s.loadSegment, systemType: s.systemType, sectorCount: s.sectorCount, loadRba: s.loadRba });
  return serializeBootCatalog({
    ...boot.catalogSpec,
    defaultEntry: entry(first),
    sections: rest.map((s) => ({ platform: s.platform, idString: '', entries: [entry(s)] })),
  });
}

/** The first bytes of a moved boot image with its boot info table / GRUB2 boot info rewritten. */
async function patchedBootHead(job: WriteJob, d: DataRef, lba: number, e: BootEntryJob): Promise<Uint8Array> {
  const headLen = Math.min(d.size, 4096);
  const head = new Uint8Array(headLen);
  const srcFd = job.source ? await fs.promises.open(job.source.path, 'r') : null;
  const sum = new BootInfoChecksum();
  try {
    const buf = new Uint8Array(1 << 20);
    const chunks: Array<{ chunk: Uint8Array; pos: number }> = [];
    await copyData(d, srcFd, buf, async (chunk, pos) => {
      if (pos < headLen) head.set(chunk.subarray(0, Math.min(chunk.length, headLen - pos)), pos);
      if (pos + chunk.length > headLen) chunks.push({ chunk: chunk.slice(Math.max(0, headLen - pos)), pos: Math.max(pos, headLen) });
    });
    if (e.grub2BootInfo && headLen >= 2556) writeGrub2BootInfo(head, 0, lba);
    if (e.bootInfoTable) {
      sum.update(head.subarray(64), 64);
      for (const c of chunks) sum.update(c.chunk, c.pos);
      writeBootInfoTable(head, 16, lba, d.size, sum.value);
    }
  } finally { await srcFd?.close(); }
  return head;
}
