// Patches that ISO authoring tools write into no-emulation boot images (not part of El Torito
// itself): the mkisofs/genisoimage/xorriso "boot info table" (-boot-info-table: 56 bytes at
// offset 8 of the image, documented in the genisoimage man page) and xorriso's GRUB2 boot info
// (-boot-info-table's grub2 variant, --grub2-boot-info: a 64-bit value at offset 2548).
import { InvalidArgumentError } from '../errors';
import { FieldReader, type Field } from '../structure/fields';
import { layout, layoutEnd, putNum } from '../structure/layout';
import { le64big, putLe32 } from '../bytes/endian';

const BIT_SPEC = 'genisoimage(1) -boot-info-table';
/** The boot info table: bytes 8..63 of the boot image (the last 40 reserved, zero). */
export const BOOT_INFO_TABLE = layout({
  pvdLba: { at: 8, type: 'u32le', name: 'Boot info: PVD LBA', spec: BIT_SPEC, kind: 'pointer' },
  imageLba: { at: 12, type: 'u32le', name: 'Boot info: boot image LBA', spec: BIT_SPEC, kind: 'pointer' },
  imageLength: { at: 16, type: 'u32le', name: 'Boot info: boot image length', spec: BIT_SPEC, kind: 'length' },
  checksum: { at: 20, type: 'u32le', name: 'Boot info: checksum (32-bit sum from byte 64)', spec: BIT_SPEC, kind: 'checksum' },
  reserved: { at: 24, type: 'bytes', len: 40, name: 'Boot info: reserved', spec: BIT_SPEC, kind: 'reserved' },
});
const T = BOOT_INFO_TABLE;
/** Where the boot info checksum starts summing (just past the table). */
const CHECKSUM_FROM = layoutEnd(T);

/**
 * True when the image carries a boot info table: u32le at 8 = LBA of the PVD, at 12 = LBA of
 * the boot image itself (at 16 = image length, at 20 = checksum of bytes 64.. of the image; both
 * need the whole image to verify and are not checked here).
 */
export function hasBootInfoTable(image: Uint8Array, imageLba: number, pvdLba = 16): boolean {
  if (image.length < T.checksum.at + T.checksum.len) return false;
  const r = new FieldReader(image, 0, '', false);
  return r.num(T.pvdLba) === pvdLba && r.num(T.imageLba) === imageLba && r.num(T.imageLength) !== 0;
}

/** Offset of the GRUB2 boot info patched by xorriso --grub2-boot-info. */
export const GRUB2_BOOT_INFO_OFFSET = 2548;

/** True when the u64le at byte 2548 of the image equals imageLba * 4 + 5 (its 512-byte sector + 5). */
export function hasGrub2BootInfo(image: Uint8Array, imageLba: number): boolean {
  if (image.length < GRUB2_BOOT_INFO_OFFSET + 8) return false;
  return le64big(image, GRUB2_BOOT_INFO_OFFSET) === BigInt(imageLba) * 4n + 5n;
}

/** Structure-map fields of a boot info table found in `image` (which starts at absolute `base`). */
export function bootInfoTableFields(image: Uint8Array, base: number): Field[] {
  const r = new FieldReader(image.subarray(0, T.checksum.at + T.checksum.len), base);
  for (const f of [T.pvdLba, T.imageLba, T.imageLength, T.checksum]) r.num(f);
  return r.fields;
}

/** Structure-map field of the GRUB2 boot info found in `image` (which starts at absolute `base`). */
export function grub2BootInfoFields(image: Uint8Array, base: number): Field[] {
  const r = new FieldReader(image.subarray(0, GRUB2_BOOT_INFO_OFFSET + 8), base);
  r.u64le('GRUB2 boot info: image 512-byte sector + 5', GRUB2_BOOT_INFO_OFFSET, 'xorriso --grub2-boot-info', 'pointer');
  return r.fields;
}

// ---- writing ------------------------------------------------------------------------------

/**
 * The boot info table checksum (genisoimage(1) -boot-info-table): the 32-bit little-endian sum,
 * modulo 2^32, of all 32-bit words of the boot file from byte 64 to its end (a final partial
 * word counts as if zero-padded, as mkisofs reads the file in zero-padded 2048-byte blocks). Feed
 * the file's bytes in any chunking; `fileOffset` is the chunk's offset within the boot file.
 * With xorriso's GRUB2 boot info also present, sum the file after writeGrub2BootInfo patched it.
 */
export class BootInfoChecksum {
  private sum = 0;

  update(chunk: Uint8Array, fileOffset: number): void {
    let i = Math.max(0, CHECKSUM_FROM - fileOffset);
    const n = chunk.length;
    let s = this.sum;
    // Leading bytes up to a word boundary of the file.
    while (i < n && (fileOffset + i) % 4 !== 0) {
      s = (s + chunk[i] * 2 ** (8 * ((fileOffset + i) % 4))) >>> 0;
      i++;
    }
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (; i + 4 <= n; i += 4) s = (s + dv.getUint32(i, true)) >>> 0;
    for (; i < n; i++) s = (s + chunk[i] * 2 ** (8 * ((fileOffset + i) % 4))) >>> 0;
    this.sum = s;
  }

  get value(): number { return this.sum >>> 0; }
}

/**
 * Writes the boot info table into bytes 8..63 of the boot image (genisoimage(1)
 * -boot-info-table): LBA of the PVD, LBA of the boot file, its length in bytes and the
 * BootInfoChecksum of bytes 64.. (all u32le), then 40 reserved zero bytes.
 */
export function writeBootInfoTable(head: Uint8Array, pvdLba: number, imageLba: number, imageLength: number, checksum: number): void {
  if (head.length < CHECKSUM_FROM) throw new InvalidArgumentError(`boot info table needs the first ${CHECKSUM_FROM} bytes of the boot image, got ${head.length}`, { structure: 'boot info table' });
  for (const [v, what] of [[pvdLba, 'PVD LBA'], [imageLba, 'boot image LBA'], [imageLength, 'boot image length'], [checksum, 'checksum']] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(`${what} ${v} does not fit the boot info table's 32 bits`, { structure: 'boot info table', offset: T.pvdLba.at });
  }
  head.fill(0, T.pvdLba.at, CHECKSUM_FROM);
  putNum(head, T.pvdLba, pvdLba);
  putNum(head, T.imageLba, imageLba);
  putNum(head, T.imageLength, imageLength);
  putNum(head, T.checksum, checksum);
}

/**
 * Writes xorriso's GRUB2 boot info (xorriso(1) -boot_image grub grub2_boot_info=on, libisofs
 * eltorito.c): the 512-byte block address of the boot image plus 5 (imageLba * 4 + 5) as a u64le
 * at byte 2548 of the boot image. `buf` holds boot-image bytes starting at `bufFileOffset`.
 */
export function writeGrub2BootInfo(buf: Uint8Array, bufFileOffset: number, imageLba: number): void {
  const at = GRUB2_BOOT_INFO_OFFSET - bufFileOffset;
  if (at < 0 || at + 8 > buf.length) {
    throw new InvalidArgumentError(`buffer (boot image bytes ${bufFileOffset}..${bufFileOffset + buf.length}) does not cover bytes ${GRUB2_BOOT_INFO_OFFSET}..${GRUB2_BOOT_INFO_OFFSET + 8}`, { structure: 'GRUB2 boot info' });
  }
  if (!Number.isInteger(imageLba) || imageLba < 0 || imageLba > 0xffffffff) throw new InvalidArgumentError(`boot image LBA ${imageLba} is out of range`, { structure: 'GRUB2 boot info' });
  const v = imageLba * 4 + 5;
  putLe32(buf, at, v % 0x100000000);
  putLe32(buf, at + 4, Math.floor(v / 0x100000000));
}
