// Whole-tree traversals of an image: the depth-first walk behind DiscImage.walk (extraction,
// search, listings) and the breadth-first search for the files at given LBAs behind
// DiscImage.filesAt (boot images, boot catalogs). Both stream directories in batches.
import { CancelledError, IsoError, LimitExceededError } from './errors';
import { shortPath } from './paths';
import type { DiscImage, FileNode } from './image';

/**
 * Walks the tree depth-first in recorded order, calling `visit` for every entry below `from`
 * (not `from` itself); `visit` returning false stops the walk. Each directory extent is
 * expanded once: an entry pointing at a directory already listed in this walk (a directory
 * DAG, which no writer makes) is visited but its contents are not listed again, and a loop back
 * to an ancestor is not followed; both are reported. Directories are streamed in batches. A
 * directory that cannot be read (its extent beyond the end of the image, …) is reported —
 * to `onError` when given, else as a diagnostic — and the walk goes on with the next one. More
 * than `limits.entriesPerWalk` entries → LimitExceededError.
 */
export async function walkTree(img: DiscImage, from: FileNode, visit: (node: FileNode) => void | boolean | Promise<void | boolean>, onError?: (dir: FileNode, e: IsoError) => void): Promise<void> {
  const ancestors = new Set<number>();
  const expanded = new Map<number, string>();
  const limit = img.limits.entriesPerWalk;
  let visited = 0;
  const rec = async (dir: FileNode): Promise<boolean> => {
    if (!dir.dir) return true;
    const lba = dir.dir.lba;
    if (ancestors.has(lba)) {
      img.diagnostics.warn(`directory loop: ${shortPath(dir.path)} points back at an ancestor (LBA ${lba}); not followed`, 'directory record', dir.recordOffset);
      return true;
    }
    const first = expanded.get(lba);
    if (first !== undefined) {
      img.diagnostics.warn(`${shortPath(dir.path)} is the directory already listed as ${shortPath(first)} (both point at LBA ${lba}); its contents are listed there only`, 'directory record', dir.recordOffset);
      return true;
    }
    expanded.set(lba, dir.path);
    ancestors.add(lba);
    const batches = img.readdirStream(dir);
    try {
      for (;;) {
        let next: IteratorResult<FileNode[]>;
        try {
          next = await batches.next();
        } catch (e) {
          // One unreadable directory does not end the walk (its entries read so far were visited).
          if (!(e instanceof IsoError) || e instanceof CancelledError || e instanceof LimitExceededError) throw e;
          if (onError) onError(dir, e);
          else img.diagnostics.error(`${shortPath(dir.path)}: directory not read: ${e.detail}`, e.structure ?? 'directory', e.offset);
          return true;
        }
        if (next.done) return true;
        for (const k of next.value) {
          if (++visited > limit) {
            throw new LimitExceededError(`more than ${limit} entries in one walk of the tree (limit entriesPerWalk; raise it with --limit entriesPerWalk=N)`, { image: img.name, structure: `directory ${shortPath(dir.path)}`, offset: k.recordOffset, limit: 'entriesPerWalk' });
          }
          if ((await visit(k)) === false) return false;
          if (k.type === 'dir' && !(await rec(k))) return false;
        }
      }
    } finally {
      ancestors.delete(lba);
      await batches.return(undefined);
    }
  };
  await rec(from);
}

/**
 * Finds the files whose first extent starts at one of the given LBAs. Breadth-first, because
 * boot images and catalogs live near the root (/isolinux, /boot/grub, /EFI); stops as soon as
 * every LBA is found, so a 100,000-file tree is not walked for a handful of boot files.
 */
export async function filesAt(img: DiscImage, root: FileNode, lbas: Set<number>): Promise<Map<number, { path: string; size: number }>> {
  const found = new Map<number, { path: string; size: number }>();
  if (lbas.size === 0) return found;
  const seen = new Set<number>();
  let level: FileNode[] = [root];
  while (level.length > 0 && found.size < lbas.size) {
    const nextLevel: FileNode[] = [];
    for (const dir of level) {
      if (!dir.dir || seen.has(dir.dir.lba)) continue;
      seen.add(dir.dir.lba);
      for await (const batch of img.readdirStream(dir)) {
        for (const n of batch) {
          if (n.type === 'dir') nextLevel.push(n);
          else if (n.type === 'file' && n.extents.length > 0 && lbas.has(n.extents[0].lba) && !found.has(n.extents[0].lba)) {
            found.set(n.extents[0].lba, { path: n.path, size: n.size });
            if (found.size === lbas.size) return found;
          }
        }
      }
    }
    level = nextLevel;
  }
  return found;
}
