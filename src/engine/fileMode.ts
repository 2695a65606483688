// POSIX file modes (st_mode) as Rock Ridge's PX entry records them (RRIP 4.1.1 uses POSIX.1
// 5.6.1's values): the file-type bits and the permission bits. The one table of type bits.
import type { EntryType } from './types';

/** The file-type bits of a mode. */
export const S_IFMT = 0o170000;
/** Permission, set-id and sticky bits. */
export const PERM_BITS = 0o7777;

/** Each entry type's S_IFMT bits. */
export const MODE_BY_TYPE: Readonly<Record<EntryType, number>> = {
  socket: 0o140000, symlink: 0o120000, file: 0o100000, block: 0o060000, dir: 0o040000, char: 0o020000, fifo: 0o010000,
};

const TYPE_BY_MODE = new Map<number, EntryType>(Object.entries(MODE_BY_TYPE).map(([t, m]) => [m, t as EntryType]));

/** The entry type a mode's S_IFMT bits name, or undefined for bits no type has. */
export function typeOfMode(mode: number): EntryType | undefined {
  return TYPE_BY_MODE.get(mode & S_IFMT);
}
