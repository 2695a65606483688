// Patches that ISO authoring tools write into no-emulation boot images (not part of El Torito
// itself): the mkisofs/genisoimage/xorriso "boot info table" (-boot-info-table: 56 bytes at
// offset 8 of the image, documented in the genisoimage man page) and xorriso's GRUB2 boot info
// (-boot-info-table's grub2 variant, --grub2-boot-info: a 64-bit value at offset 2548).
import { FieldReader, type Field } from '../structure';

function u32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

/**
 * True when the image carries a boot info table: u32le at 8 = LBA of the PVD, at 12 = LBA of
 * the boot image itself (at 16 = image length, at 20 = checksum of bytes 64.. of the image; both
 * need the whole image to verify and are not checked here).
 */
export function hasBootInfoTable(image: Uint8Array, imageLba: number, pvdLba = 16): boolean {
  if (image.length < 24) return false;
  return u32(image, 8) === pvdLba && u32(image, 12) === imageLba && u32(image, 16) !== 0;
}

/** Offset of the GRUB2 boot info patched by xorriso --grub2-boot-info. */
export const GRUB2_BOOT_INFO_OFFSET = 2548;

/** True when the u64le at byte 2548 of the image equals imageLba * 4 + 5 (its 512-byte sector + 5). */
export function hasGrub2BootInfo(image: Uint8Array, imageLba: number): boolean {
  if (image.length < GRUB2_BOOT_INFO_OFFSET + 8) return false;
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  return dv.getBigUint64(GRUB2_BOOT_INFO_OFFSET, true) === BigInt(imageLba) * 4n + 5n;
}

/** Structure-map fields of a boot info table found in `image` (which starts at absolute `base`). */
export function bootInfoTableFields(image: Uint8Array, base: number): Field[] {
  const r = new FieldReader(image.subarray(0, 24), base);
  const spec = 'genisoimage(1) -boot-info-table';
  r.u32le('Boot info: PVD LBA', 8, spec, 'pointer');
  r.u32le('Boot info: boot image LBA', 12, spec, 'pointer');
  r.u32le('Boot info: boot image length', 16, spec, 'length');
  r.u32le('Boot info: checksum (32-bit sum from byte 64)', 20, spec, 'checksum');
  return r.fields;
}

/** Structure-map field of the GRUB2 boot info found in `image` (which starts at absolute `base`). */
export function grub2BootInfoFields(image: Uint8Array, base: number): Field[] {
  const r = new FieldReader(image.subarray(0, GRUB2_BOOT_INFO_OFFSET + 8), base);
  r.u64le('GRUB2 boot info: image 512-byte sector + 5', GRUB2_BOOT_INFO_OFFSET, 'xorriso --grub2-boot-info', 'pointer');
  return r.fields;
}
