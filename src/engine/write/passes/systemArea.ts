// Pass 7, system area: the first 32 KiB (MBR, GPT, APM) and what follows the volume (GPT backup),
// planned by systemAreaPlan. Reads the source's system area and the moves (repack: every pointer
// re-planned for the new layout), or the job's hybrid spec, the BIOS boot image LBA and the EFI
// image's allocated place (build); produces the plan (head bytes, writes past the volume, notes)
// and the image's final size.
import { buildSystemArea, planSystemArea, type SystemAreaPlan } from '../systemAreaPlan';
import { SECTOR_SIZE } from '../../bytes/sector';
import type { WriteJob } from './job';
import type { PlannedData } from './planData';
import type { Moves } from './moves';

export interface SystemArea {
  sys: SystemAreaPlan | null;
  imageSize: number;
}

export function systemArea(job: WriteJob, data: PlannedData, volumeBytes: number, moved: Moves, biosBootLba: number | undefined): SystemArea {
  let sys: SystemAreaPlan | null = null;
  const src = job.source;
  if (src) {
    sys = planSystemArea({
      imageName: job.imageName, head: src.head, info: src.systemArea, elTorito: src.elTorito,
      oldVolumeBytes: src.volumeBytes, oldImageSize: src.size, newVolumeBytes: volumeBytes, moves: moved.moves,
    });
  } else if (job.hybrid) {
    const { efiNode, ...spec } = job.hybrid;
    const efi = efiNode ? data.dataOf(efiNode) : null;
    sys = buildSystemArea({ ...spec, volumeBytes, biosBootImageLba: biosBootLba, efiImage: efi ? { offset: data.planFor(efi).alloc!.lba * SECTOR_SIZE, length: efi.size } : undefined });
  }
  if (sys) job.notes.push(...sys.notes);
  return { sys, imageSize: Math.max(sys?.imageSize ?? volumeBytes, moved.tailEnd, volumeBytes) };
}
