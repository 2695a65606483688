// Pass 4, place moved data: what of the source image ends up elsewhere in the output. Reads the
// source's tail regions (partitions appended after the volume) and the allocated data plans;
// produces the byte moves (for the system area plan, which re-points partition tables, and for
// El Torito entries whose boot image is not a file of the tree), the tail regions' new places
// (after the new volume, 1 MiB aligned when they were) and where the image's tail ends.
import type { ByteMove, TailRegion } from '../systemAreaPlan';
import { SECTOR_SIZE } from '../../bytes/sector';
import type { WriteJob } from './job';
import type { PlannedData } from './planData';

export interface Moves {
  moves: ByteMove[];
  /** Tail partitions to copy after the volume. */
  tailMoves: Array<ByteMove & { region: TailRegion }>;
  /** The end of the last moved tail region (the volume's end without one). */
  tailEnd: number;
  /** Where a byte of the source is in the output. */
  movedOffset(off: number): number;
}

export function placeMovedData(job: WriteJob, data: PlannedData, volumeBytes: number): Moves {
  const moves: ByteMove[] = [];
  const tailMoves: Moves['tailMoves'] = [];
  let tailEnd = volumeBytes;
  const src = job.source;
  if (src) {
    for (const region of src.tail) {
      if (region.kind !== 'partition') continue;
      const align = region.offset % (1 << 20) === 0 ? 1 << 20 : SECTOR_SIZE;
      tailEnd = Math.ceil(tailEnd / align) * align;
      tailMoves.push({ from: region.offset, to: tailEnd, length: region.length, region });
      moves.push({ from: region.offset, to: tailEnd, length: region.length });
      tailEnd += region.length;
    }
    for (const p of data.plans.values()) {
      if (p.keep || p.data.kind !== 'image' || p.size === 0) continue;
      const r0 = p.data.ranges[0];
      if (r0 && !r0.stride && p.data.ranges.length === 1) moves.push({ from: r0.offset, to: p.alloc!.lba * SECTOR_SIZE, length: r0.length });
    }
  }
  const movedOffset = (off: number): number => {
    for (const m of moves) if (off >= m.from && off < m.from + m.length) return m.to + (off - m.from);
    return off;
  };
  return { moves, tailMoves, tailEnd, movedOffset };
}
