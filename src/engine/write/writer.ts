// The image writer: lays out a tree (ECMA-119 6: volume descriptors from LBA 16, path tables,
// directories, Rock Ridge continuation areas, the El Torito catalog, file data) and writes it.
// Two layouts: 'preserve' copies the source image and appends only what changed (unchanged data
// and boot images keep their LBAs); 'compact' lays everything out afresh. The system area and
// anything after the volume (appended partitions, GPT backup) are re-planned so every pointer
// matches the new layout.
//
// writeImage is a pipeline of passes (passes/*.ts, each with a typed input and output, after
// libisofs's IsoImageWriter: compute blocks, then descriptors, then data). Their order is what
// each needs from the ones before:
//   1. planData      which data is distinct and what stays in place: the hierarchies need each
//                    file's record count (multi-extent), the allocator the kept extents.
//   2. hierarchies   directories and their sizes: sizes come before any LBA (Rock Ridge CE
//                    entries are fixed-size placeholders), so blocks can be counted.
//   3. allocate      every LBA: directories, continuation areas, path tables, the catalog, data,
//                    and so the volume size.
//   4. moves         where source bytes end up (moved data, tail partitions after the new volume):
//                    needs the data LBAs and the volume size.
//   5. elTorito      the catalog and boot info tables: needs the boot images' LBAs (and the moves
//                    for images outside the tree).
//   6. descriptors   needs the path tables, the root directory, the volume size and the catalog LBA.
//   7. systemArea    partition tables: needs the volume size, the moves and the boot image LBAs;
//                    it gives the image's final size.
//   8. emit          writes all of it, implants the MD5 and verifies.
// A UDF bridge would be one more pass after allocate (its blocks) with its bytes emitted like the
// descriptors'.
import * as fs from 'fs';
import { planData } from './passes/planData';
import { buildHierarchies } from './passes/hierarchies';
import { allocate } from './passes/allocate';
import { placeMovedData } from './passes/moves';
import { elTorito } from './passes/elTorito';
import { volumeDescriptors } from './passes/descriptors';
import { systemArea } from './passes/systemArea';
import { emit } from './passes/emit';
import { checkCancelled, type WriteJob } from './passes/job';
import type { WriteResult } from './api';

export type { BootEntryJob, BootJob, SourceInfo, VdPlan, WriteJob } from './passes/job';

export async function writeImage(job: WriteJob): Promise<WriteResult> {
  const t0 = Date.now();
  const data = planData(job);
  const h = buildHierarchies(job, data);
  checkCancelled(job);
  const a = allocate(job, data, h);
  checkCancelled(job);
  const moved = placeMovedData(job, data, a.volumeBytes);
  const boot = await elTorito(job, data, moved);
  const vds = volumeDescriptors(job, data.preserve, h, a);
  const sa = systemArea(job, data, a.volumeBytes, moved, boot.biosBootLba);
  const { bytesCopied, bytesWritten, verify } = await emit(job, { data, h, a, moved, boot, vds, sa });
  const size = fs.statSync(job.output).size;
  return { output: job.output, layout: data.preserve ? 'preserve' : 'compact', size, bytesCopied, bytesWritten, verify, notes: job.notes, warnings: job.warnings ?? [], ms: Date.now() - t0 };
}
