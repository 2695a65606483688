// The LBA ruler: which rows start a sector (a line and "LBA n" at every 2048-byte boundary) and,
// inside the system area (the first 32 KiB, where MBR/GPT/APM count 512-byte blocks), which rows
// start a 512-byte block. Also the small "where is this offset" texts shared by the status line,
// the field panel and the search results.

import type { Location } from '../../../src/shared/sectorProtocol';
import { SYSTEM_AREA_END } from '../../../src/shared/sectorProtocol';
import { hex0x } from './notation';

export interface RulerMark {
  kind: 'lba' | 'blk';
  label: string;
  title: string;
}

export function rulerMark(rowOffset: number, sectorSize = 2048): RulerMark | null {
  if (rowOffset % sectorSize === 0) {
    const lba = rowOffset / sectorSize;
    const inSystem = rowOffset < SYSTEM_AREA_END;
    return {
      kind: 'lba', label: `LBA ${lba}`,
      title: `LBA ${lba} (${sectorSize}-byte sector) at ${hex0x(rowOffset)}` + (inSystem ? ` = 512-byte block ${rowOffset / 512}` : ''),
    };
  }
  if (rowOffset < SYSTEM_AREA_END && rowOffset % 512 === 0) {
    const blk = rowOffset / 512;
    return { kind: 'blk', label: `blk ${blk}`, title: `512-byte block ${blk} (the LBA that MBR and GPT count) at ${hex0x(rowOffset)}` };
  }
  return null;
}

export function lbaOf(offset: number, sectorSize = 2048): number {
  return Math.floor(offset / sectorSize);
}

/** "LBA 16 + 0x09C" */
export function lbaText(offset: number, sectorSize = 2048): string {
  const within = offset % sectorSize;
  const w = Math.max(1, (sectorSize - 1).toString(16).length);
  return `LBA ${lbaOf(offset, sectorSize)} + 0x${within.toString(16).toUpperCase().padStart(w, '0')}`;
}

export function locationText(loc: Location): string {
  switch (loc.kind) {
    case 'file': return `${loc.path} + ${hex0x(loc.fileOffset)}`;
    case 'structure': return loc.name;
    case 'system-area': return 'System area';
    case 'unallocated': return 'Unallocated';
    case 'beyond-volume': return 'Beyond the volume';
  }
}

export function locationIcon(loc: Location): string {
  switch (loc.kind) {
    case 'file': return 'file';
    case 'structure': return 'symbol-structure';
    case 'system-area': return 'server';
    case 'unallocated': return 'circle-slash';
    case 'beyond-volume': return 'debug-step-out';
  }
}
