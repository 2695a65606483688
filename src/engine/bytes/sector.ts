// Sizes every layer shares. ECMA-119 6.1.2 / 6.2.1: a CD-ROM (Mode 1 / Mode 2 Form 1) sector
// carries 2048 bytes of user data, and an ISO 9660 or UDF volume on optical media addresses its
// logical blocks in those units (the "LBA" of every message, structure map and path table).

/** Bytes per logical sector of an optical-disc volume (ECMA-119 6.1.2; also UDF on CD/DVD/BD). */
export const SECTOR_SIZE = 2048;
/** ECMA-119 6.2.1: sectors 0–15 are the system area; the volume descriptor set starts at 16. */
export const SYSTEM_AREA_SECTORS = 16;
/** Bytes per block of a hard-disk style partition table (MBR, GPT on 512-byte media). */
export const DISK_BLOCK_SIZE = 512;
