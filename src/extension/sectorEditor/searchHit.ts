// One byte-search hit as the webview's search panel (media/src/ui/searchPanel.ts) lists it:
// offset, LBA, where it lies (file or structure) and the bytes around it. The search itself is
// src/engine/byteSearch.ts.
import type { ByteSource } from '../../engine/io/source';
import type { Locator } from '../../engine/locate';
import { SECTOR_SIZE, type SearchHit } from '../../shared/sectorProtocol';

const CONTEXT = 8;

export async function byteSearchHit(src: ByteSource, locator: Locator, offset: number, length: number): Promise<SearchHit> {
  const start = Math.max(0, offset - CONTEXT);
  const b = await src.read(start, Math.min(length, 32) + (offset - start) + CONTEXT);
  return {
    offset, length, lba: Math.floor(offset / SECTOR_SIZE), location: locator.locate(offset),
    context: Buffer.from(b).toString('hex'),
  };
}
