// The writer's check of what it wrote (the emit pass runs it on the temporary output before it
// replaces anything): the written image is opened with our reader and compared with the job's tree
// (names, types, sizes, link targets), its El Torito catalog and its partition tables with what
// was planned.
import { DiscImage, type FileNode } from '../image';
import { IsoError } from '../errors';
import type { WNode } from './tree';
import type { VerifyReport } from './api';
import type { WriteJob } from './passes/job';

export async function verifyOutput(file: string, job: WriteJob, catalogLba: number, hasCatalog: boolean, removedGpt: number): Promise<VerifyReport> {
  const problems: string[] = [];
  let entries = 0;
  const img = await DiscImage.openFile(file);
  try {
    const ns = job.rock ? 'rr' : job.joliet ? 'joliet' : 'iso9660';
    if (!img.namespaces.includes(ns)) problems.push(`the ${ns} namespace is missing`);
    else img.setNamespace(ns);
    const norm = (s: string): string => (ns === 'iso9660' ? s.toUpperCase().replace(/;1$/, '').replace(/\.$/, '') : s);
    const cmp = async (want: WNode, got: FileNode, depth: number): Promise<void> => {
      if (depth > 300 || problems.length > 20) return;
      const kids = await img.readdir(got, false);
      const byName = new Map(kids.map((k) => [norm(k.name), k]));
      const expected = want.children ?? [];
      if (ns !== 'iso9660' && kids.length !== expected.length) problems.push(`${want.path}: ${kids.length} entries, expected ${expected.length}`);
      for (const w of expected) {
        entries++;
        const g = byName.get(norm(w.name));
        if (!g) { if (ns !== 'iso9660') problems.push(`${w.path} is missing`); continue; }
        if (ns !== 'iso9660' && g.type !== w.type) problems.push(`${w.path}: type ${g.type}, expected ${w.type}`);
        if (w.type === 'file') {
          const size = w.data?.kind === 'image' && w.data.zisofs ? w.data.zisofs.uncompressedSize : w.data?.size ?? 0;
          if (w !== job.boot?.catalogNode && g.size !== size) problems.push(`${w.path}: size ${g.size}, expected ${size}`);
        }
        if (w.type === 'symlink' && job.rock && g.target !== w.target) problems.push(`${w.path}: link target ${g.target}, expected ${w.target}`);
        if (w.type === 'dir' && g.type === 'dir') await cmp(w, g, depth + 1);
      }
    };
    await cmp(job.tree, img.root, 1);
    let bootEntries = 0;
    if (job.boot) {
      const et = await img.elTorito();
      if (!et) problems.push('the El Torito boot catalog is missing');
      else {
        bootEntries = et.entries.length;
        if (hasCatalog && et.catalogLba !== catalogLba) problems.push(`boot catalog at LBA ${et.catalogLba}, expected ${catalogLba}`);
        if (et.entries.length !== job.boot.entries.length) problems.push(`${et.entries.length} boot entries, expected ${job.boot.entries.length}`);
        // A catalog is carried as it was: a checksum the source already had wrong stays wrong.
        if (!et.validation.checksumOk && job.source?.elTorito?.validation.checksumOk !== false) problems.push('boot catalog validation checksum is wrong');
      }
    }
    const sa = await img.systemArea();
    let partitions = 0;
    if (sa.mbr) partitions += sa.mbr.partitions.length;
    if (sa.gpt) {
      partitions += sa.gpt.partitions.length;
      if (!sa.gpt.headerCrcOk || !sa.gpt.entriesCrcOk) problems.push('GPT CRC mismatch');
      if (sa.gpt.backup && (!sa.gpt.backup.found || !sa.gpt.backup.headerCrcOk)) problems.push('GPT backup header missing or bad');
    }
    if (job.source) {
      const before = job.source.systemArea;
      if (!!before.mbr !== !!sa.mbr) problems.push('MBR presence changed');
      if (!!before.gpt !== !!sa.gpt) problems.push('GPT presence changed');
      if (!!before.apm !== !!sa.apm) problems.push('Apple partition map presence changed');
      // Entries the plan left out (beyond the new last usable block) were noted, not lost by the write.
      if (before.gpt && sa.gpt && before.gpt.partitions.length - removedGpt !== sa.gpt.partitions.length) problems.push(`GPT has ${sa.gpt.partitions.length} partitions, the original ${before.gpt.partitions.length}${removedGpt ? ` less ${removedGpt} left out` : ''}`);
      if (before.mbr && sa.mbr && before.mbr.partitions.length !== sa.mbr.partitions.length) problems.push(`MBR has ${sa.mbr.partitions.length} partitions, the original ${before.mbr.partitions.length}`);
    }
    return { entries, bootEntries, partitions, problems };
  } catch (e) {
    if (e instanceof IsoError) problems.push(e.message);
    else throw e;
    return { entries, bootEntries: 0, partitions: 0, problems };
  } finally {
    await img.close();
  }
}
