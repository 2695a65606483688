// Images for the boot tests, made with the real tools (grub-mkrescue, xorriso) or by breaking a
// copy of a fixture on purpose; and the boot configurations the tests put into images. Everything
// is written under test/boot/out/ (git-ignored) so a failing boot can be inspected afterwards.
import * as fs from 'fs';
import * as path from 'path';
import { runText } from '../peers/run';
import { BOOT_OUT } from './bootCheck';

export const IMAGES_DIR = path.join(BOOT_OUT, 'images');
const SECTOR = 2048;

/** A fresh (emptied) directory test/boot/out/<rel>. */
export function freshDir(rel: string): string {
  const dir = path.join(BOOT_OUT, rel);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** test/boot/out/images/<name>, any old file removed. */
export function imagePath(name: string): string {
  fs.mkdirSync(IMAGES_DIR, { recursive: true });
  const p = path.join(IMAGES_DIR, name);
  fs.rmSync(p, { force: true });
  return p;
}

/**
 * A GRUB configuration that boots at once into an entry that prints `marker` and then waits: a
 * sign of life on the VGA text screen (BIOS) and on the serial console (OVMF mirrors ConOut
 * there) that proves GRUB read *this* grub.cfg. (An entry that boots nothing, like the
 * grub-mkrescue fixture's `{ true }`, makes GRUB say "Failed to boot both default and fallback
 * entries", which the checker rightly counts as a broken boot chain.)
 */
export function grubEchoCfg(marker: string): string {
  return `# isowb boot test\nset timeout=0\nmenuentry "isowb" {\n  echo "${marker}"\n  sleep 3600\n}\n`;
}

/** An ISOLINUX configuration that prints `marker` (SAY) and then waits at the boot: prompt. */
export function isolinuxCfg(marker: string): string {
  return `SAY ${marker}\nPROMPT 1\nTIMEOUT 0\nDEFAULT hello\nLABEL hello\n  KERNEL hello.c32\n`;
}

/** A tree like test/fixtures/gen/lib.sh's isolinux_tree (Debian's isolinux.bin and ldlinux.c32). */
export function isolinuxTree(dir: string, marker: string): void {
  fs.mkdirSync(path.join(dir, 'isolinux'), { recursive: true });
  fs.copyFileSync('/usr/lib/ISOLINUX/isolinux.bin', path.join(dir, 'isolinux', 'isolinux.bin'));
  fs.copyFileSync('/usr/lib/syslinux/modules/bios/ldlinux.c32', path.join(dir, 'isolinux', 'ldlinux.c32'));
  fs.writeFileSync(path.join(dir, 'isolinux', 'isolinux.cfg'), isolinuxCfg(marker));
  fs.writeFileSync(path.join(dir, 'README.TXT'), 'boot test tree\n');
}

/** Extracts the whole tree of `image` into `dir` with xorriso (files made writable). */
export async function extractTree(image: string, dir: string): Promise<void> {
  await runText('xorriso', ['-osirrox', 'on', '-indev', image, '-extract', '/', dir], { timeoutMs: 5 * 60_000 });
  await runText('chmod', ['-R', 'u+w', dir]);
}

/** One file of `image`, extracted with xorriso. */
export async function extractFile(image: string, inImage: string, dest: string): Promise<Buffer> {
  fs.rmSync(dest, { force: true });
  await runText('xorriso', ['-osirrox', 'on', '-indev', image, '-extract', inImage, dest], { timeoutMs: 5 * 60_000 });
  return fs.readFileSync(dest);
}

/**
 * The grub-mkrescue fixture's recipe (test/fixtures/gen/grub-mkrescue.sh: BIOS i386-pc + EFI
 * x86_64, GPT hybrid), with grubEchoCfg(marker) as grub.cfg: a GRUB image that PASSes in all four
 * modes, the positive control for the UEFI modes.
 */
export async function grubMkrescueEcho(name: string, marker: string): Promise<string> {
  const work = freshDir(path.join('work', name));
  const tree = path.join(work, 'tree');
  fs.mkdirSync(path.join(tree, 'boot', 'grub'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'boot', 'grub', 'grub.cfg'), grubEchoCfg(marker));
  fs.writeFileSync(path.join(tree, 'README.TXT'), 'grub-mkrescue boot test image\n');
  const out = imagePath(name);
  await runText('grub-mkrescue', ['--compress=no', '-o', out, tree, '--', '-volid', 'GRUB_RESCUE'], { timeoutMs: 5 * 60_000 });
  return out;
}

/** A copy of `src` as test/boot/out/images/<name>, with `patch` applied to the open copy. */
export function brokenCopy(src: string, name: string, patch: (fd: number) => void): string {
  const dest = imagePath(name);
  fs.copyFileSync(src, dest);
  const fd = fs.openSync(dest, 'r+');
  try {
    patch(fd);
  } finally {
    fs.closeSync(fd);
  }
  return dest;
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  fs.readSync(fd, b, 0, length, offset);
  return b;
}

export function zeroAt(fd: number, offset: number, length: number): void {
  fs.writeSync(fd, Buffer.alloc(length), 0, length, offset);
}

/** LBA of the El Torito boot catalog (from the Boot Record Volume Descriptor). */
export function catalogLba(fd: number): number {
  for (let s = 16; s < 48; s++) {
    const vd = readAt(fd, s * SECTOR, SECTOR);
    if (vd.subarray(1, 6).toString('latin1') !== 'CD001' || vd[0] === 255) break;
    if (vd[0] === 0 && vd.subarray(7, 30).toString('latin1') === 'EL TORITO SPECIFICATION') return vd.readUInt32LE(71);
  }
  throw new Error('no El Torito boot record volume descriptor');
}

const ESP_TYPE = Buffer.from('28732ac11ff8d211ba4b00a0c93ec93b', 'hex');

/** Byte offset of the first EFI System Partition in the GPT (512-byte blocks). */
export function espOffset(fd: number): number {
  const h = readAt(fd, 512, 92);
  if (h.subarray(0, 8).toString('latin1') !== 'EFI PART') throw new Error('no GPT');
  const entriesLba = Number(h.readBigUInt64LE(72));
  const count = h.readUInt32LE(80);
  const size = h.readUInt32LE(84);
  const table = readAt(fd, entriesLba * 512, count * size);
  for (let i = 0; i < count; i++) {
    const e = table.subarray(i * size, (i + 1) * size);
    if (e.subarray(0, 16).equals(ESP_TYPE)) return Number(e.readBigUInt64LE(32)) * 512;
  }
  throw new Error('no EFI System Partition in the GPT');
}
