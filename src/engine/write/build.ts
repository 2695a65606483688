// Build a new image from a folder (like `xorriso -as mkisofs -R -J`): Rock Ridge + Joliet + ISO
// level 3 by default, optional El Torito BIOS/EFI boot entries, a hybrid MBR or GPT system area,
// and an isomd5sum.
import * as fs from 'fs';
import * as path from 'path';
import { InvalidArgumentError } from '../errors';
import { folderPathToImagePath, imagePathUnder } from '../hostPaths';
import { parentPath } from '../paths';
import { isTempName } from './output';
import { findNode, treeFromFolder, type WNode } from './tree';
import { writeImage, type BootEntryJob, type BootJob, type VdPlan } from './writer';
import type { BuildOptions, WriteResult } from './api';

/** Where Debian keeps hybrid MBR boot code matching each BIOS boot image (syslinux's isohybrid, GRUB's boot_hybrid). */
const MBR_CODE: Array<{ match: RegExp; file: string; kind: 'isohybrid' | 'grub2' }> = [
  { match: /isolinux\.bin$/, file: '/usr/lib/ISOLINUX/isohdpfx.bin', kind: 'isohybrid' },
  { match: /eltorito\.img$/, file: '/usr/lib/grub/i386-pc/boot_hybrid.img', kind: 'grub2' },
];

/** The real path of `p` (links resolved, names as stored), or of its parent plus its name when `p` does not exist yet. */
function realPath(p: string): string {
  try { return fs.realpathSync.native(p); } catch { /* not there (yet) */ }
  const parent = path.dirname(p);
  if (parent === p) return p;
  return path.join(realPath(parent), path.basename(p));
}

export function defaultVolumeId(dir: string): string {
  const v = path.basename(path.resolve(dir)).toUpperCase().replace(/[^A-Z0-9_]/g, '_').slice(0, 32);
  return v || 'CDROM';
}

export async function buildImage(dir: string, opts: BuildOptions): Promise<WriteResult> {
  const rock = opts.rock ?? true;
  const joliet = opts.joliet ?? true;
  const level = opts.isoLevel ?? 3;
  const volumeId = (opts.volumeId ?? defaultVolumeId(dir));
  if (!/^[\x20-\x7e]{1,32}$/.test(volumeId)) throw new InvalidArgumentError(`volume id must be 1–32 printable ASCII characters: ${JSON.stringify(volumeId)}`);
  const out = path.resolve(opts.output);
  const tree = await treeFromFolder(dir, opts.signal);
  // Never put the output (or a writer's temp file beside it) into itself. Compared as real paths:
  // the folder or the output's folder may be reached through a link, or spelled in another case on
  // Windows and macOS, where realpath gives the names as stored. A link named like the output is
  // not followed (the output replaces the link, it is not written through it).
  let outReal = path.join(realPath(path.dirname(out)), path.basename(out));
  try { if (!fs.lstatSync(out).isSymbolicLink()) outReal = fs.realpathSync.native(out); } catch { /* not there yet */ }
  const inside = imagePathUnder(realPath(path.resolve(dir)), outReal);
  if (inside !== null && inside !== '/') {
    const parent = findNode(tree, parentPath(inside));
    const name = inside.slice(inside.lastIndexOf('/') + 1);
    if (parent?.children) parent.children = parent.children.filter((c) => c.name !== name && !isTempName(c.name));
  }
  const notes: string[] = [];
  const now = new Date();
  const ids = { systemId: 'LINUX', volumeId, volumeSetId: '', publisherId: '', preparerId: '', applicationId: 'ISO WORKBENCH', copyrightFileId: '', abstractFileId: '', bibliographicFileId: '', created: now, modified: now, expires: null, effective: null };
  const vds: VdPlan[] = [{ kind: 'pvd', spec: { type: 1, ...ids, fileStructureVersion: 1 } }];
  if (level === 4) vds.push({ kind: 'pvd', spec: { type: 2, version: 2, ...ids, fileStructureVersion: 2 } });

  let boot: BootJob | null = null;
  let hybrid: Parameters<typeof writeImage>[0]['hybrid'] = null;
  // Boot images are paths inside DIR: '/'-separated (on Windows '\\' separates too).
  const bootFile = (p: string, what: string): WNode => {
    const n = findNode(tree, folderPathToImagePath(p));
    if (!n || n.type !== 'file') throw new InvalidArgumentError(`${what} ${p} is not a file in ${dir}`);
    return n;
  };
  if (opts.biosBoot || opts.efiBoot) {
    const entries: BootEntryJob[] = [];
    let catalogParent = tree;
    if (opts.biosBoot) {
      const n = bootFile(opts.biosBoot, '--bios-boot');
      const grub = /i386-pc\/eltorito\.img$/.test(n.path);
      entries.push({ index: entries.length, node: n, bootInfoTable: true, grub2BootInfo: grub, sectorCountFollows: false, spec: { platform: 0, emulation: 0, loadSegment: 0, systemType: 0, sectorCount: 4 } });
      catalogParent = findNode(tree, parentPath(folderPathToImagePath(opts.biosBoot))) ?? tree;
    }
    if (opts.efiBoot) {
      const n = bootFile(opts.efiBoot, '--efi-boot');
      const size = n.data?.size ?? 0;
      entries.push({ index: entries.length, node: n, bootInfoTable: false, grub2BootInfo: false, sectorCountFollows: true, spec: { platform: 0xef, emulation: 0, loadSegment: 0, systemType: 0, sectorCount: Math.min(0xffff, Math.ceil(size / 512)) } });
    }
    let catName = 'boot.cat';
    for (let i = 1; catalogParent.children!.some((c) => c.name === catName); i++) catName = `boot${i}.cat`;
    const catalogNode: WNode = { name: catName, type: 'file', mode: 0o100444, uid: 0, gid: 0, nlink: 1, mtime: now, atime: null, ctime: null, hidden: false, data: { kind: 'bytes', bytes: new Uint8Array(0), size: 2048 }, path: `${catalogParent.path === '/' ? '' : catalogParent.path}/${catName}` };
    catalogParent.children!.push(catalogNode);
    boot = { catalogSpec: { validation: { platform: opts.biosBoot ? 0 : 0xef, idString: '' } }, catalogNode, entries };
    vds.splice(1, 0, { kind: 'br' });
  }
  if (joliet) vds.push({ kind: 'svd', spec: { type: 2, escapes: new Uint8Array([0x25, 0x2f, 0x45]), joliet: true, ...ids, fileStructureVersion: 1 } });
  vds.push({ kind: 'term' });

  if (opts.hybrid) {
    let mbrCode: Uint8Array | undefined;
    let mbrCodeKind: 'isohybrid' | 'grub2' | undefined;
    if (opts.biosBoot) {
      const m = MBR_CODE.find((c) => c.match.test(folderPathToImagePath(opts.biosBoot!)));
      if (m && fs.existsSync(m.file)) { mbrCode = fs.readFileSync(m.file); mbrCodeKind = m.kind; }
      else notes.push(`no hybrid MBR boot code known for ${opts.biosBoot}: the image boots from disk only through EFI`);
    }
    hybrid = { kind: opts.hybrid, imageName: out, mbrCode, mbrCodeKind, efiNode: opts.efiBoot ? bootFile(opts.efiBoot, '--efi-boot') : null };
  }

  return writeImage({
    imageName: out, output: out, replace: !!opts.replaceOriginal, keepBackup: opts.keepBackup,
    tree, layout: 'compact', rock, joliet, level, jolietMax: 64, vds, source: null, boot, hybrid,
    md5: !!opts.md5, verify: opts.verify ?? true, signal: opts.signal, onProgress: opts.onProgress, notes,
  });
}
