// Multi-session images. On a file or other overwriteable medium, xorriso/libisoburn grows an
// image in place: the first session starts at LBA 32, each later one at the next 32-block
// boundary after the previous session, each with its own volume descriptor set at start + 16,
// and the newest descriptor set is copied to LBA 16 (libisoburn's "emulated TOC"). A plain
// single-session image has one session at LBA 0.
import type { DiagnosticSink } from './errors';
import type { ByteSource } from './io/source';
import { parseVolumeDescriptor, type PrimaryVd } from './iso9660/volumeDescriptor';
import { DiagnosticSink as Sink } from './errors';
import type { SessionInfo } from './types';
import { SECTOR_SIZE } from './bytes/sector';

const MAX_SESSIONS = 1024;

async function primaryAt(src: ByteSource, lba: number): Promise<PrimaryVd | null> {
  if ((lba + 1) * SECTOR_SIZE > src.size) return null;
  const b = await src.read(lba * SECTOR_SIZE, SECTOR_SIZE);
  if (b.length < SECTOR_SIZE || b[0] !== 1 || String.fromCharCode(...b.subarray(1, 6)) !== 'CD001') return null;
  try {
    const vd = parseVolumeDescriptor(b, lba, new Sink(16), src.name);
    return vd.kind === 'primary' ? vd : null;
  } catch {
    return null;
  }
}

/** Lists the sessions of an image; the last one is the newest. */
export async function listSessions(src: ByteSource, newest: PrimaryVd, sink: DiagnosticSink): Promise<SessionInfo[]> {
  const sessions: SessionInfo[] = [];
  const imageBlocks = Math.floor(src.size / SECTOR_SIZE);
  let start = 32;
  let vd = await primaryAt(src, start + 16);
  if (vd) {
    while (vd && sessions.length < MAX_SESSIONS) {
      sessions.push({ index: sessions.length + 1, startLba: start, volumeBlocks: vd.volumeSpaceSize, volumeId: vd.volumeId, created: vd.created?.iso ?? null });
      // libisoburn records each session's own size in its descriptors; other writers may record
      // the absolute end. Try both (relative first) and follow whichever has a descriptor set.
      const size = vd.volumeSpaceSize;
      if (size <= 0) { sink.warn(`session ${sessions.length} has volume space size 0`, 'session list', (start + 16) * SECTOR_SIZE); break; }
      const candidates = [Math.ceil((start + size) / 32) * 32];
      if (size > start) candidates.push(Math.ceil(size / 32) * 32);
      let found: PrimaryVd | null = null;
      for (const next of candidates) {
        if (next <= start || next + 16 >= imageBlocks) continue;
        found = await primaryAt(src, next + 16);
        if (found) { start = next; break; }
      }
      vd = found;
    }
    if (sessions.length === MAX_SESSIONS) sink.warn(`more than ${MAX_SESSIONS} sessions; listing stopped`, 'session list');
    const last = sessions[sessions.length - 1];
    if (last.volumeId !== newest.volumeId && sessions.length > 0) {
      sink.warn('the newest session found by scanning does not match the descriptor at LBA 16', 'session list', 16 * SECTOR_SIZE);
    }
    return sessions;
  }
  return [{ index: 1, startLba: 0, volumeBlocks: newest.volumeSpaceSize, volumeId: newest.volumeId, created: newest.created?.iso ?? null }];
}
