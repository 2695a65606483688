// isomd5sum (implantisomd5/checkisomd5, Red Hat; Debian package isomd5sum 1.2.3): an MD5 of the
// image implanted in the Primary Volume Descriptor's application use area (ECMA-119 8.4.32, bytes
// 883..1394) as "ISO MD5SUM = …;SKIPSECTORS = 15;RHLISOSTATUS=0;FRAGMENT SUMS = …;FRAGMENT COUNT
// = 20;THIS IS NOT THE SAME AS RUNNING MD5SUM ON THIS ISO!!", space-padded to 512 bytes. The sum
// covers the volume (PVD volume space size, read big-endian at byte 84) minus its last 15 sectors,
// with the application use area read as spaces. The fragment sums are taken whenever a 32 KiB
// read starts in a new twenty-first of that length: the first hex digit of each of the first
// three bytes of the MD5 so far (libimplantisomd5.c, utilities.c validate_fragment()).
import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { CancelledError, CorruptImageError, InvalidArgumentError, UnsupportedFeatureError } from '../errors';
import { SECTOR_SIZE } from '../bytes/sector';

const PVD_OFFSET = 16 * SECTOR_SIZE;
const APPDATA_OFFSET = 883;
const APPDATA_SIZE = 512;
const SKIPSECTORS = 15;
const FRAGMENT_COUNT = 20;
const FRAGMENT_DIGITS = 60 / FRAGMENT_COUNT;
/** isomd5sum reads (and takes fragment sums) in NUM_SYSTEM_SECTORS * SECTOR_SIZE pieces. */
const READ_SIZE = 16 * SECTOR_SIZE;
const CHUNK = 1 << 20;
const SPACE = 0x20;

function appData(pvd: Uint8Array): string {
  return String.fromCharCode(...pvd.subarray(APPDATA_OFFSET, APPDATA_OFFSET + APPDATA_SIZE));
}

/** True when the PVD's application use area holds an isomd5sum ("ISO MD5SUM = " and "SKIPSECTORS = ", as checkisomd5 requires). */
export function hasIsoMd5(pvd: Uint8Array): boolean {
  if (pvd.length < APPDATA_OFFSET + APPDATA_SIZE) return false;
  const s = appData(pvd);
  return s.includes('ISO MD5SUM = ') && s.includes('SKIPSECTORS = ');
}

/**
 * Implants the isomd5sum into the image at `path` in place, reading it sequentially in 1 MiB
 * chunks: the same 512 bytes `implantisomd5 [--force]` writes (RHLISOSTATUS=1 only with
 * `supported`, like its --supported-iso). Without `force` an application use area that is not all
 * spaces is refused, as implantisomd5 does. The file is written only after the sum is complete,
 * so a cancel leaves it untouched.
 */
export async function implantIsoMd5(path: string, opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; force?: boolean; supported?: boolean } = {}): Promise<void> {
  const where = { image: path, structure: 'Primary Volume Descriptor', offset: PVD_OFFSET };
  const fh = await fsp.open(path, 'r+');
  try {
    const pvd = new Uint8Array(SECTOR_SIZE);
    const { bytesRead } = await fh.read(pvd, 0, SECTOR_SIZE, PVD_OFFSET);
    if (bytesRead < SECTOR_SIZE || pvd[0] !== 1 || String.fromCharCode(...pvd.subarray(1, 6)) !== 'CD001') {
      // isomd5sum computes the PVD's offset right only when it is the first descriptor.
      throw new UnsupportedFeatureError('no Primary Volume Descriptor at sector 16, where isomd5sum looks for it', where);
    }
    if (!opts.force && !pvd.subarray(APPDATA_OFFSET, APPDATA_OFFSET + APPDATA_SIZE).every((b) => b === SPACE)) {
      throw new InvalidArgumentError('the application use area is already in use (an isomd5sum is implanted, or other data); pass force to replace it', { ...where, offset: PVD_OFFSET + APPDATA_OFFSET });
    }
    const isoSize = (pvd[84] * 0x1000000 + ((pvd[85] << 16) | (pvd[86] << 8) | pvd[87])) * SECTOR_SIZE;
    const total = isoSize - SKIPSECTORS * SECTOR_SIZE;
    if (total <= PVD_OFFSET + SECTOR_SIZE) throw new CorruptImageError(`volume of ${isoSize} bytes is too small for an isomd5sum`, { ...where, offset: PVD_OFFSET + 84 });

    const md5 = createHash('md5');
    let fragments = '';
    let previous = 0;
    const appStart = PVD_OFFSET + APPDATA_OFFSET;
    const appEnd = appStart + APPDATA_SIZE;
    const buf = new Uint8Array(CHUNK);
    let offset = 0;
    opts.onProgress?.(0, total);
    while (offset < total) {
      if (opts.signal?.aborted) throw new CancelledError('isomd5sum cancelled', { image: path });
      const want = Math.min(CHUNK, total - offset);
      const { bytesRead: got } = await fh.read(buf, 0, want, offset);
      if (got <= 0) break;
      const chunk = buf.subarray(0, got);
      // The sum is over the image with the application use area blank.
      if (offset < appEnd && offset + got > appStart) chunk.fill(SPACE, Math.max(0, appStart - offset), Math.min(got, appEnd - offset));
      for (let o = 0; o < got; o += READ_SIZE) {
        const pos = offset + o;
        md5.update(chunk.subarray(o, Math.min(got, o + READ_SIZE)));
        const current = Math.floor((pos * (FRAGMENT_COUNT + 1)) / total);
        if (current !== previous) {
          fragments += fragmentDigits(md5);
          previous = current;
        }
      }
      offset += got;
      opts.onProgress?.(offset, total);
      if (got < want) break;
    }
    const text = `ISO MD5SUM = ${md5.digest('hex')};SKIPSECTORS = ${SKIPSECTORS};RHLISOSTATUS=${opts.supported ? 1 : 0};` +
      `FRAGMENT SUMS = ${fragments};FRAGMENT COUNT = ${FRAGMENT_COUNT};THIS IS NOT THE SAME AS RUNNING MD5SUM ON THIS ISO!!`;
    const area = new Uint8Array(APPDATA_SIZE).fill(SPACE);
    for (let i = 0; i < text.length; i++) area[i] = text.charCodeAt(i);
    if (opts.signal?.aborted) throw new CancelledError('isomd5sum cancelled', { image: path });
    await fh.write(area, 0, APPDATA_SIZE, appStart);
  } finally {
    await fh.close();
  }
}

/** The fragment sum of the MD5 so far: the first hex digit ("%01x") of each of its first three bytes. */
function fragmentDigits(md5: Hash): string {
  const d = md5.copy().digest();
  let s = '';
  for (let i = 0; i < FRAGMENT_DIGITS; i++) s += d[i].toString(16)[0];
  return s;
}
