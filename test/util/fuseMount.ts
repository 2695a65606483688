// File systems with other name rules, mounted for a test through FUSE (CI's kernel has no vfat
// module and ext4 without CONFIG_UNICODE, so no casefold; FUSE it has, as root):
//   ntfs: mkntfs + lowntfs-3g -o ignore_case,windows_names — case-insensitive with Windows' name
//         rules (refuses <>:"|?*\, device names, trailing dots and spaces);
//   fat:  mkfs.fat + fusefat — case-insensitive, refuses : ? * and (this driver) non-ASCII names.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FuseMount { dir: string; unmount: () => void }

/** Mounts a fresh 64 MiB NTFS or FAT image (made in `base`) at `base/KIND-mnt`; a string saying why not when this machine cannot. */
export function mountFuse(kind: 'ntfs' | 'fat', base: string): FuseMount | string {
  if (!fs.existsSync('/dev/fuse')) return 'no /dev/fuse on this machine';
  if (process.getuid?.() !== 0) return 'FUSE mounts here need root';
  const img = path.join(base, `${kind}.img`);
  const dir = path.join(base, `${kind}-mnt`);
  fs.mkdirSync(dir);
  fs.writeFileSync(img, '');
  fs.truncateSync(img, 64 * 1024 * 1024);
  try {
    if (kind === 'ntfs') {
      execFileSync('mkntfs', ['-q', '-F', '-f', img], { stdio: 'ignore' });
      execFileSync('lowntfs-3g', ['-o', 'ignore_case,windows_names', img, dir], { stdio: 'pipe' });
    } else {
      execFileSync('mkfs.fat', [img], { stdio: 'ignore' });
      execFileSync('fusefat', ['-o', 'rw+', img, dir], { stdio: 'pipe' });
    }
  } catch (e) {
    return `mounting ${kind} through FUSE failed: ${(e as Error).message.split('\n')[0]}`;
  }
  return {
    dir,
    unmount: () => {
      try { execFileSync('umount', [dir], { stdio: 'ignore' }); } catch { try { execFileSync('fusermount', ['-u', '-z', dir], { stdio: 'ignore' }); } catch { /* already gone */ } }
    },
  };
}
