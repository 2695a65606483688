// A small source tree for real boot images built in unit tests: isolinux.bin (from Debian's
// isolinux package), a text file, and a 1.44 MB FAT image (mformat) usable both as an EFI boot
// image and as a floppy-emulation image — at efi.img beside the tree and at tree/boot/efi.img.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Makes a temp dir holding `tree/` and `efi.img`; returns the dir. */
export function makeBootTree(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, 'tree/isolinux'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tree/boot'), { recursive: true });
  fs.copyFileSync('/usr/lib/ISOLINUX/isolinux.bin', path.join(dir, 'tree/isolinux/isolinux.bin'));
  fs.writeFileSync(path.join(dir, 'tree/hello.txt'), 'hello\n');
  sh('dd', ['if=/dev/zero', `of=${path.join(dir, 'efi.img')}`, 'bs=1024', 'count=1440']);
  sh('mformat', ['-i', path.join(dir, 'efi.img'), '-f', '1440', '::']);
  fs.copyFileSync(path.join(dir, 'efi.img'), path.join(dir, 'tree/boot/efi.img'));
  return dir;
}
