// UDF (ECMA-167 3rd edition as profiled by OSTA UDF 2.60) in the structure map: the volume
// recognition sequence, the anchors, the main and reserve volume descriptor sequences, the
// logical volume integrity sequence, the file set descriptor and the root directory's (extended)
// file entry. Every walk is bounded (descriptor counts, pointer hops, visited extents) and every
// defect becomes a field problem or a diagnostic: a damaged UDF area never stops the rest of
// the map from being shown.
import { IsoError, type DiagnosticSink } from '../errors';
import type { ByteSource } from '../io/source';
import type { Structure } from '../structure/fields';
import { parseAvdp, type Avdp } from './avdp';
import { parseFileEntry, type UdfFileEntry } from './fileEntry';
import { parseFsd } from './fsd';
import { parseIuvd } from './iuvd';
import { parseLvd, type UdfLvd } from './lvd';
import { parseLvid } from './lvid';
import { parsePd, type UdfPd } from './pd';
import { parsePvd, type UdfPvd } from './pvd';
import type { ExtentAd, LongAd } from './primitives';
import { descriptorStructure, peekTag, reader, readDescriptor, tagFields, TAG_NAMES, TAG_SIZE } from './tag';
import { parseTd } from './td';
import { parseUsd } from './usd';
import { parseVdp } from './vdp';
import { readVrs } from './vrs';

export { crcItu, tagChecksum } from './tag';

/** Most descriptors read from one volume descriptor sequence (all its extents together). */
export const MAX_VDS_DESCRIPTORS = 256;
/** Most Volume Descriptor Pointer / next-integrity-extent hops followed. */
export const MAX_HOPS = 16;
/** Most descriptors read from the logical volume integrity sequence. */
export const MAX_LVID_DESCRIPTORS = 64;

export interface UdfInfo {
  blockSize: number;
  nsr: 'NSR02' | 'NSR03' | null;
  anchors: number[];
  volumeId: string | null;
  logicalVolumeId: string | null;
  /** UDF revision from the LVD domain identifier, e.g. "2.01". */
  domain: string | null;
  integrity: 'open' | 'closed' | null;
  partitions: Array<{ number: number; start: number; length: number }>;
  rootFileType: number | null;
}

export interface UdfMap { info: UdfInfo; structures: Structure[] }

interface Sequence {
  pvd?: UdfPvd;
  lvd?: UdfLvd;
  pds: Map<number, UdfPd>;
  structure: Structure | null;
}

/** Sector size candidates, most common first (optical media, then hard disks). */
const BLOCK_SIZES = [2048, 512, 1024, 4096];

function guard<T>(sink: DiagnosticSink, what: string, f: () => Promise<T>): Promise<T | null> {
  return f().catch((e: unknown) => {
    if (!(e instanceof IsoError)) throw e;
    sink.error(e.detail, e.structure ?? what, e.offset);
    return null;
  });
}

/** Finds the block size and anchor sectors: AVDP tag (id 2, recorded at its own sector) at 256, N-256 or N. */
async function findAnchors(src: ByteSource): Promise<{ bs: number; sectors: number[] } | null> {
  for (const bs of BLOCK_SIZES) {
    const n = Math.floor(src.size / bs);
    if (n <= 256) continue;
    const last = n - 1;
    const cands = [...new Set([256, last - 256, last])].filter(s => s >= 256 && s <= last);
    const found: number[] = [];
    for (const s of cands) {
      const b = await src.read(s * bs, TAG_SIZE);
      const t = peekTag(b);
      if (t && t.id === 2 && (t.location === s || t.checksumOk)) found.push(s);
    }
    if (found.length) return { bs, sectors: found };
  }
  return null;
}

/**
 * Decodes the UDF structures of `src`. Null when there is neither an NSR descriptor nor an
 * anchor (not UDF). Throws only for I/O errors.
 */
export async function readUdf(src: ByteSource, sink: DiagnosticSink): Promise<UdfMap | null> {
  const anchors = await findAnchors(src);
  const vrs = await readVrs(src, anchors?.bs ?? 2048, sink);
  if (!anchors && !vrs.nsr) return null;
  const structures: Structure[] = [...vrs.structures];
  const info: UdfInfo = {
    blockSize: anchors?.bs ?? 2048, nsr: vrs.nsr, anchors: anchors?.sectors ?? [], volumeId: null, logicalVolumeId: null,
    domain: null, integrity: null, partitions: [], rootFileType: null,
  };
  if (!anchors) {
    sink.error('an NSR descriptor announces UDF, but no Anchor Volume Descriptor Pointer was found at sector 256, N-256 or N (block sizes 512-4096 tried)', 'UDF Anchor Volume Descriptor Pointer', 256 * 2048);
    return { info, structures };
  }
  if (!vrs.nsr) sink.warn('Anchor Volume Descriptor Pointer found but no NSR02/NSR03 descriptor in the volume recognition sequence', 'Volume Recognition Sequence', 32768);
  const bs = anchors.bs;
  if (anchors.sectors.length < 2) sink.warn(`only one Anchor Volume Descriptor Pointer (sector ${anchors.sectors[0]}); OSTA UDF 2.60 2.2.3 requires two`, 'UDF Anchor Volume Descriptor Pointer', anchors.sectors[0] * bs);

  const avdps: Avdp[] = [];
  for (const s of anchors.sectors) {
    const a = await guard(sink, 'UDF Anchor Volume Descriptor Pointer', async () => parseAvdp(await readDescriptor(src, s * bs, bs, `UDF anchor at sector ${s}`), s * bs, s, sink));
    if (a) { avdps.push(a); structures.push(a.structure); }
  }
  const anchor = avdps.find(a => a.checksumOk) ?? avdps[0];
  if (!anchor) return { info, structures };

  const main = await readSequence(src, bs, anchor.main, 'main', sink);
  const reserve = await readSequence(src, bs, anchor.reserve, 'reserve', sink);
  for (const s of [main, reserve]) if (s.structure) structures.push(s.structure);

  const pvd = main.pvd ?? reserve.pvd;
  const lvd = main.lvd ?? reserve.lvd;
  const pds = main.pds.size ? main.pds : reserve.pds;
  info.volumeId = pvd?.volumeId ?? null;
  info.partitions = [...pds.values()].map(p => ({ number: p.number, start: p.start, length: p.length }));
  if (!lvd) {
    sink.error('no Logical Volume Descriptor in the main or reserve volume descriptor sequence', 'UDF volume descriptor sequence', anchor.main.location * bs);
    return { info, structures };
  }
  info.logicalVolumeId = lvd.logicalVolumeId;
  const domField = lvd.structure.fields.find(f => f.name === 'Domain Identifier');
  info.domain = /UDF (\d+\.\d+)/.exec(domField?.display ?? '')?.[1] ?? null;
  if (lvd.blockSize !== bs) sink.warn(`logical block size ${lvd.blockSize} differs from the sector size ${bs} the anchors were found with; ${bs} is used`, 'UDF Logical Volume Descriptor', lvd.structure.offset + 212);

  // Logical volume integrity sequence.
  const lvid = await readIntegrity(src, bs, lvd.integrity, sink);
  structures.push(...lvid.structures);
  info.integrity = lvid.closed === null ? null : lvid.closed ? 'closed' : 'open';

  // Partition-relative logical blocks → sectors, through the partition maps.
  const mapper = await makeMapper(src, bs, lvd, pds, sink, structures);
  const fsdSector = mapper(lvd.fsd);
  if (fsdSector === null) return { info, structures };
  const fsd = await guard(sink, 'UDF File Set Descriptor', async () => {
    const buf = await readDescriptor(src, fsdSector * bs, bs, 'UDF File Set Descriptor');
    return parseFsd(buf, fsdSector * bs, lvd.fsd.lbn, fsdSector, sink);
  });
  if (!fsd) return { info, structures };
  structures.push(fsd.structure);
  const rootSector = mapper(fsd.root);
  if (rootSector !== null) {
    const fe = await readFileEntry(src, bs, rootSector, fsd.root.lbn, 'root directory', sink);
    if (fe) { structures.push(fe.structure); info.rootFileType = fe.fileType; }
  }
  return { info, structures };
}

async function readFileEntry(src: ByteSource, bs: number, sector: number, block: number, what: string, sink: DiagnosticSink): Promise<UdfFileEntry | null> {
  return guard(sink, `UDF file entry of the ${what}`, async () => {
    const buf = await readDescriptor(src, sector * bs, bs, `UDF file entry of the ${what}`);
    const t = peekTag(buf);
    if (!t || (t.id !== 261 && t.id !== 266)) {
      sink.error(`no File Entry at sector ${sector} (tag identifier ${t?.id ?? '?'})`, `UDF file entry of the ${what}`, sector * bs);
      return null;
    }
    return parseFileEntry(buf, sector * bs, block, sector, bs, sink, what);
  });
}

/**
 * Reads a volume descriptor sequence: descriptors one per sector until a Terminating
 * Descriptor, an empty or unrecognisable sector, or the extent end; Volume Descriptor Pointers
 * continue it in another extent (visited extents are not read twice).
 */
async function readSequence(src: ByteSource, bs: number, extent: ExtentAd, which: 'main' | 'reserve', sink: DiagnosticSink): Promise<Sequence> {
  const seq: Sequence = { pds: new Map(), structure: null };
  if (extent.length === 0) return seq;
  const label = which === 'reserve' ? ' (reserve)' : '';
  const title = `UDF ${which === 'main' ? 'Main' : 'Reserve'} Volume Descriptor Sequence`;
  const children: Structure[] = [];
  const visited = new Set<number>();
  let next: ExtentAd | null = extent;
  let count = 0;
  let hops = 0;
  while (next && next.length > 0) {
    if (visited.has(next.location)) { sink.warn(`Volume Descriptor Pointer loops back to sector ${next.location}; not followed`, title, next.location * bs); break; }
    if (++hops > MAX_HOPS) { sink.warn(`more than ${MAX_HOPS} Volume Descriptor Pointers; not followed further`, title, next.location * bs); break; }
    visited.add(next.location);
    const cur: ExtentAd = next;
    next = null;
    const sectors = Math.ceil(cur.length / bs);
    for (let i = 0; i < sectors; i++) {
      if (++count > MAX_VDS_DESCRIPTORS) { sink.warn(`more than ${MAX_VDS_DESCRIPTORS} descriptors; reading stopped`, title, cur.location * bs); next = null; break; }
      const sector = cur.location + i;
      const abs = sector * bs;
      if (abs + TAG_SIZE > src.size) { sink.error(`sector ${sector} lies beyond the end of the image; the image may be truncated`, title, abs); break; }
      const buf = await guard(sink, title, () => readDescriptor(src, abs, bs, `${title}, sector ${sector}`));
      if (!buf) break;
      const t = peekTag(buf)!;
      if (t.id === 0 && buf.subarray(0, TAG_SIZE).every(x => x === 0)) break; // unrecorded: end of the sequence
      if (!TAG_NAMES[t.id] || t.id > 9) {
        if (t.location === sector || t.checksumOk) {
          // A tag, but not a volume descriptor: show it, stop.
          const r = reader(buf.subarray(0, Math.min(buf.length, 512)), abs);
          tagFields(r, sector, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
          children.push(descriptorStructure(r, { id: `udf:desc:${sector}`, type: 'udf-descriptor', name: `UDF descriptor (tag ${t.id})${label}`, offset: abs, length: Math.min(buf.length, 512), spec: 'ECMA-167 3/7.2' }, sink));
        } else {
          sink.warn(`sector ${sector} holds no descriptor tag (identifier ${t.id}) before a Terminating Descriptor`, title, abs);
        }
        break;
      }
      let stop = false;
      switch (t.id) {
        case 1: { const d = parsePvd(buf, abs, sector, sink, label); children.push(d.structure); if (!seq.pvd || d.sequenceNumber >= seq.pvd.sequenceNumber) seq.pvd = d; break; }
        case 2: { const d = parseAvdp(buf, abs, sector, sink); children.push(d.structure); break; }
        case 3: {
          const d = parseVdp(buf, abs, sector, sink, label);
          children.push(d.structure);
          next = d.next;
          stop = true; // the sequence continues in the pointed-to extent
          break;
        }
        case 4: children.push(parseIuvd(buf, abs, sector, sink, label).structure); break;
        case 5: {
          const d = parsePd(buf, abs, sector, sink, label);
          children.push(d.structure);
          const prev = seq.pds.get(d.number);
          if (!prev || d.sequenceNumber >= prev.sequenceNumber) seq.pds.set(d.number, d);
          break;
        }
        case 6: { const d = parseLvd(buf, abs, sector, sink, label); children.push(d.structure); if (!seq.lvd || d.sequenceNumber >= seq.lvd.sequenceNumber) seq.lvd = d; break; }
        case 7: children.push(parseUsd(buf, abs, sector, sink, label).structure); break;
        case 8: children.push(parseTd(buf, abs, sector, sink, label).structure); stop = true; break;
        case 9: children.push(parseLvid(buf, abs, sector, sink).structure); break;
      }
      if (stop) break;
    }
  }
  if (children.length) {
    const first = extent.location * bs;
    const end = Math.min(src.size, first + extent.length);
    seq.structure = {
      id: which === 'main' ? 'udf:mvds' : 'udf:rvds', type: 'udf-vds', name: title, offset: first, length: Math.max(0, end - first),
      spec: 'ECMA-167 3/8.4.2', fields: [], children,
    };
  }
  return seq;
}

/** Reads the logical volume integrity sequence (LVIDs until a Terminating Descriptor; next-extent hops bounded). */
async function readIntegrity(src: ByteSource, bs: number, extent: ExtentAd, sink: DiagnosticSink): Promise<{ structures: Structure[]; closed: boolean | null }> {
  const out: Structure[] = [];
  let closed: boolean | null = null;
  const visited = new Set<number>();
  let next: ExtentAd | null = extent.length > 0 ? extent : null;
  let count = 0;
  let hops = 0;
  const title = 'UDF Logical Volume Integrity Sequence';
  while (next) {
    if (visited.has(next.location) || ++hops > MAX_HOPS) { sink.warn('integrity sequence loops or is too long; not followed further', title, next.location * bs); break; }
    visited.add(next.location);
    const cur: ExtentAd = next;
    next = null;
    const sectors = Math.ceil(cur.length / bs);
    for (let i = 0; i < sectors && count < MAX_LVID_DESCRIPTORS; i++, count++) {
      const sector = cur.location + i;
      const abs = sector * bs;
      if (abs + TAG_SIZE > src.size) { sink.error(`sector ${sector} lies beyond the end of the image`, title, abs); break; }
      const buf = await guard(sink, title, () => readDescriptor(src, abs, bs, title));
      if (!buf) break;
      const t = peekTag(buf)!;
      if (t.id === 9) {
        const d = parseLvid(buf, abs, sector, sink);
        out.push(d.structure);
        closed = d.closed;
        if (d.next.length > 0) { next = d.next; break; }
      } else if (t.id === 8) {
        out.push(parseTd(buf, abs, sector, sink, ' (integrity sequence)').structure);
        break;
      } else {
        if (i === 0 && count === 0) sink.warn(`no Logical Volume Integrity Descriptor at sector ${sector} (tag identifier ${t.id})`, title, abs);
        break;
      }
    }
  }
  return { structures: out, closed };
}

/**
 * Maps a long_ad (partition reference + logical block) to an absolute sector: physical and
 * sparable partitions by the partition start; a metadata partition (UDF 2.2.10) through its
 * metadata file's allocation descriptors (read here, its file entry added to `structures`).
 * Virtual (VAT) partitions are not followed. Null (with a diagnostic) when unmappable.
 */
async function makeMapper(src: ByteSource, bs: number, lvd: UdfLvd, pds: Map<number, UdfPd>, sink: DiagnosticSink, structures: Structure[]): Promise<(ad: LongAd) => number | null> {
  const metadataExtents = new Map<number, Array<{ start: number; blocks: number }>>();
  for (let ref = 0; ref < lvd.maps.length; ref++) {
    const m = lvd.maps[ref];
    if (m.kind !== 'metadata') continue;
    const pd = pds.get(m.partition);
    if (!pd) continue;
    const fe = await readFileEntry(src, bs, pd.start + m.metadataFile, m.metadataFile, 'metadata file', sink);
    if (!fe) continue;
    structures.push(fe.structure);
    const ext: Array<{ start: number; blocks: number }> = [];
    for (const a of fe.ads) if (a.type === 0 || a.type === 1) ext.push({ start: pd.start + a.lbn, blocks: Math.ceil(a.length / bs) });
    metadataExtents.set(ref, ext);
  }
  return (ad: LongAd) => {
    const where = 'UDF logical volume';
    const m = lvd.maps[ad.partition];
    if (!m) { sink.error(`partition reference ${ad.partition} has no partition map (the LVD has ${lvd.maps.length})`, where, lvd.structure.offset); return null; }
    if (m.kind === 'virtual') { sink.warn(`block ${ad.lbn} lies in a virtual (VAT) partition, which is not followed`, where, lvd.structure.offset); return null; }
    if (m.kind === 'metadata') {
      const ext = metadataExtents.get(ad.partition);
      if (!ext) { sink.error('the metadata partition\'s metadata file could not be read', where, lvd.structure.offset); return null; }
      let b = ad.lbn;
      for (const e of ext) {
        if (b < e.blocks) return e.start + b;
        b -= e.blocks;
      }
      sink.error(`block ${ad.lbn} lies beyond the metadata file`, where, lvd.structure.offset);
      return null;
    }
    const pd = pds.get(m.partition);
    if (!pd) { sink.error(`no Partition Descriptor for partition number ${m.partition}`, where, lvd.structure.offset); return null; }
    if (ad.lbn >= pd.length) sink.warn(`block ${ad.lbn} lies beyond partition ${pd.number} (${pd.length} blocks)`, where, pd.structure.offset);
    const sector = pd.start + ad.lbn;
    if ((sector + 1) * bs > src.size) { sink.error(`partition ${pd.number} block ${ad.lbn} (sector ${sector}) lies beyond the end of the image`, where, pd.structure.offset); return null; }
    return sector;
  };
}
