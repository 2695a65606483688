// Pass 6, descriptors: the volume descriptor set (ECMA-119 8). Reads the job's descriptor plans,
// the hierarchies' root directories, the path table places, the volume size and the boot catalog
// LBA; produces each descriptor's bytes and LBA (preserve: where the source had it; compact: from
// LBA 16 in plan order). A descriptor from a template (repack) is patched with a new modification
// time; one from a spec (build) is serialized whole.
import { InternalError } from '../../errors';
import { patchVolumeDescriptor, serializeBootRecordVd, serializeTerminatorVd, serializeVolumeDescriptor } from '../../iso9660/volumeDescriptor';
import { rootRecord } from '../hierarchy';
import type { VdPlan, WriteJob } from './job';
import type { Hierarchies } from './hierarchies';
import type { Allocation } from './allocate';

export interface PlacedBytes { lba: number; bytes: Uint8Array }

export function volumeDescriptors(job: WriteJob, preserve: boolean, h: Hierarchies, a: Allocation): PlacedBytes[] {
  const now = new Date();
  return job.vds.map((v, i) => {
    const lba = preserve && v.lba !== undefined ? v.lba : 16 + i;
    if (v.kind === 'keep') return { lba: preserve ? v.lba : 16 + i, bytes: v.bytes };
    if (v.kind === 'term') return { lba, bytes: serializeTerminatorVd() };
    if (v.kind === 'br') return { lba, bytes: serializeBootRecordVd(a.catalogLba) };
    return { lba, bytes: volumeDescriptor(job, v, h, a, now) };
  });
}

function volumeDescriptor(job: WriteJob, v: Extract<VdPlan, { kind: 'pvd' | 'svd' }>, h: Hierarchies, a: Allocation, now: Date): Uint8Array {
  const dirs = v.kind === 'pvd' ? h.iso : h.jol;
  const pt = v.kind === 'pvd' ? a.isoPt : a.jolPt;
  if (!dirs || !pt) throw new InternalError(`no ${v.kind === 'pvd' ? 'ISO 9660' : 'Joliet'} hierarchy for a descriptor`, { image: job.imageName });
  const fields = { volumeSpaceSize: a.volumeBlocks, pathTableSize: pt.size, lPathTableLba: pt.l, mPathTableLba: pt.m, lPathTableOptLba: 0, mPathTableOptLba: 0, root: rootRecord(dirs[0]) };
  if (v.template) return patchVolumeDescriptor(v.template, { ...fields, modified: now });
  return serializeVolumeDescriptor({ ...v.spec!, ...fields });
}
