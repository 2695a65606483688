// ECMA-119 8 Volume descriptors: the volume descriptor set (8.1, 8.3 terminator) and the small
// descriptors — 8.2 boot record (with the El Torito catalog pointer), 8.6 partition, unknown types —
// each with its field table, parser and serializer. The header every descriptor starts with is in
// vdHeader.ts; 8.4 primary / 8.5 supplementary descriptors (and the volume's field names,
// VolumeFields) in primaryVolumeDescriptor.ts, re-exported here.
import { CorruptImageError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader } from '../structure/fields';
import { layout, putNum, putRaw } from '../structure/layout';
import { CD001, VD_HEADER, VD_SIZE, expectVersion, header, makeStructure, putHeader, standardIdOf, type VdBase } from './vdHeader';
import { parsePrimaryLike, type PrimaryVd } from './primaryVolumeDescriptor';

export { VD_SIZE, VD_HEADER, type VdBase } from './vdHeader';
export {
  PVD_LAYOUT, JOLIET_ESCAPES, jolietLevelOf, patchVolumeDescriptor, serializeVolumeDescriptor,
  type PrimaryVd, type VolumeDescriptorPatch, type VolumeDescriptorSpec, type VolumeFields, type VolumeIdentifierName, type VolumeLayoutFields,
} from './primaryVolumeDescriptor';

/** Upper bound on descriptors read from one volume descriptor set. */
export const MAX_VOLUME_DESCRIPTORS = 256;
export const EL_TORITO_ID = 'EL TORITO SPECIFICATION';

/** ECMA-119 8.2 Boot Record, with the El Torito 1.0 2.0 boot catalog pointer. */
export const BOOT_RECORD = layout({
  bootSystemId: { at: 7, type: 'ascii', len: 32, name: 'Boot System Identifier', spec: '8.2.4' },
  bootId: { at: 39, type: 'ascii', len: 32, name: 'Boot Identifier', spec: '8.2.5' },
  bootSystemUse: { at: 71, type: 'bytes', len: VD_SIZE - 71, name: 'Boot System Use', spec: '8.2.6' },
  catalogPointer: { at: 0x47, type: 'u32le', name: 'Boot Catalog Pointer', spec: 'El Torito 1.0 2.0 (Boot Record Volume Descriptor, offset 47h)', kind: 'pointer' },
  elToritoUnused: { at: 0x4b, type: 'bytes', len: VD_SIZE - 0x4b, name: 'Unused (El Torito)', spec: 'El Torito 1.0 2.0', kind: 'reserved' },
});

/** ECMA-119 8.3 Volume Descriptor Set Terminator. */
export const TERMINATOR = layout({
  reserved: { at: 7, type: 'bytes', len: VD_SIZE - 7, name: 'Reserved', spec: '8.3.4', kind: 'reserved' },
});

/** ECMA-119 8.6 Volume Partition Descriptor. */
export const PARTITION = layout({
  unused: { at: 7, type: 'bytes', len: 1, name: 'Unused Field', spec: '8.6.4', kind: 'reserved' },
  systemId: { at: 8, type: 'ascii', len: 32, name: 'System Identifier', spec: '8.6.5' },
  partitionId: { at: 40, type: 'ascii', len: 32, name: 'Volume Partition Identifier', spec: '8.6.6' },
  partitionLba: { at: 72, type: 'both32', name: 'Volume Partition Location', spec: '8.6.7', kind: 'pointer' },
  partitionSize: { at: 80, type: 'both32', name: 'Volume Partition Size', spec: '8.6.8', kind: 'length' },
  systemUse: { at: 88, type: 'bytes', len: VD_SIZE - 88, name: 'System Use', spec: '8.6.9' },
});

/** ECMA-119 8.1.4: the data of a descriptor of unknown type. */
const UNKNOWN = layout({
  data: { at: 7, type: 'bytes', len: VD_SIZE - 7, name: 'Descriptor Data', spec: '8.1.4' },
});

export interface BootRecordVd extends VdBase {
  kind: 'boot';
  bootSystemId: string;
  bootId: string;
  /** El Torito boot catalog LBA (LE u32 at byte 0x47) when bootSystemId is "EL TORITO SPECIFICATION". */
  catalogLba: number | null;
}

export interface PartitionVd extends VdBase {
  kind: 'partition';
  systemId: string;
  partitionId: string;
  partitionLba: number;
  partitionSize: number;
}

export type VolumeDescriptor = PrimaryVd | BootRecordVd | PartitionVd | (VdBase & { kind: 'terminator' | 'unknown' });
/**
 * Parses one volume descriptor (one 2048-byte sector at `lba`). Throws CorruptImageError when the
 * sector is short or the standard identifier is not "CD001". Field-level problems (both-endian
 * mismatches, bad versions, bad block size) are recorded on the structure and in the sink.
 */
export function parseVolumeDescriptor(buf: Uint8Array, lba: number, sink: DiagnosticSink, imageName?: string): VolumeDescriptor {
  const abs = lba * VD_SIZE;
  if (buf.length < VD_SIZE) {
    throw new CorruptImageError(`volume descriptor truncated: ${buf.length} of ${VD_SIZE} bytes`, { image: imageName, structure: `volume descriptor at LBA ${lba}`, offset: abs });
  }
  const b = buf.length === VD_SIZE ? buf : buf.subarray(0, VD_SIZE);
  const magic = standardIdOf(b);
  if (magic !== CD001) {
    throw new CorruptImageError(`standard identifier is ${JSON.stringify(magic)}, expected "CD001" (ECMA-119 8.1.2)`, { image: imageName, structure: `volume descriptor at LBA ${lba}`, offset: abs + VD_HEADER.standardId.at });
  }
  const r = new FieldReader(b, abs, 'ECMA-119');
  const type = b[VD_HEADER.type.at];
  const version = b[VD_HEADER.version.at];

  let vd: VolumeDescriptor;
  switch (type) {
    case 0: vd = parseBootRecord(r, lba, version); break;
    case 1: case 2: vd = parsePrimaryLike(r, b, lba, type, version, sink); break;
    case 3: vd = parsePartition(r, lba, version); break;
    case 255: vd = parseTerminator(r, lba, version); break;
    default: vd = parseUnknown(r, lba, type, version); break;
  }
  if (r.problems.length) vd.structure.problems = r.problems.map((p) => p.message);
  for (const p of r.problems) sink.warn(p.message, vd.structure.name, p.offset);
  return vd;
}

function parseBootRecord(r: FieldReader, lba: number, version: number): BootRecordVd {
  header(r, '8.2', 'Boot Record');
  expectVersion(r, version, 1);
  const bootSystemId = r.text(BOOT_RECORD.bootSystemId);
  const bootId = r.text(BOOT_RECORD.bootId);
  let catalogLba: number | null = null;
  const elTorito = bootSystemId === EL_TORITO_ID;
  if (elTorito) {
    catalogLba = r.num(BOOT_RECORD.catalogPointer);
    r.raw(BOOT_RECORD.elToritoUnused);
  } else {
    r.raw(BOOT_RECORD.bootSystemUse);
  }
  const structure = makeStructure(r, lba, 'boot-record', elTorito ? 'Boot Record (El Torito)' : 'Boot Record', 'ECMA-119 8.2');
  if (catalogLba !== null) structure.target = { lba: catalogLba, blocks: 1 };
  return { kind: 'boot', type: 0, version, lba, structure, bootSystemId, bootId, catalogLba };
}

function parseTerminator(r: FieldReader, lba: number, version: number): VdBase & { kind: 'terminator' } {
  header(r, '8.3', 'Volume Descriptor Set Terminator');
  expectVersion(r, version, 1);
  r.raw(TERMINATOR.reserved);
  return { kind: 'terminator', type: 255, version, lba, structure: makeStructure(r, lba, 'terminator', 'Volume Descriptor Set Terminator', 'ECMA-119 8.3') };
}

function parsePartition(r: FieldReader, lba: number, version: number): PartitionVd {
  header(r, '8.6', 'Volume Partition Descriptor');
  expectVersion(r, version, 1);
  r.raw(PARTITION.unused);
  const systemId = r.text(PARTITION.systemId);
  const partitionId = r.text(PARTITION.partitionId);
  const partitionLba = r.num(PARTITION.partitionLba);
  const partitionSize = r.num(PARTITION.partitionSize);
  r.raw(PARTITION.systemUse);
  const structure = makeStructure(r, lba, 'partition', 'Volume Partition Descriptor', 'ECMA-119 8.6');
  structure.target = { lba: partitionLba, blocks: partitionSize };
  return { kind: 'partition', type: 3, version, lba, structure, systemId, partitionId, partitionLba, partitionSize };
}

function parseUnknown(r: FieldReader, lba: number, type: number, version: number): VdBase & { kind: 'unknown' } {
  header(r, '8.1', 'unknown');
  r.addProblem(r.fields[0], `unknown volume descriptor type ${type}`);
  r.raw(UNKNOWN.data);
  return { kind: 'unknown', type, version, lba, structure: makeStructure(r, lba, 'unknown-vd', `Volume Descriptor (type ${type})`, 'ECMA-119 8.1') };
}

/**
 * Reads the volume descriptor set starting at `firstLba` (16, or session start + 16) up to and
 * including the terminator, at most MAX_VOLUME_DESCRIPTORS descriptors. A sector without "CD001"
 * after the first, or the image end, ends the set with a diagnostic. Throws CorruptImageError
 * when the first descriptor is unreadable or the set holds no primary volume descriptor.
 */
export async function readVolumeDescriptorSet(src: ByteSource, firstLba: number, sink: DiagnosticSink): Promise<VolumeDescriptor[]> {
  const out: VolumeDescriptor[] = [];
  const setLabel = `volume descriptor set at LBA ${firstLba}`;
  let terminated = false;
  for (let i = 0; i < MAX_VOLUME_DESCRIPTORS; i++) {
    const lba = firstLba + i;
    const off = lba * VD_SIZE;
    if (off + VD_SIZE > src.size) {
      if (out.length === 0) {
        throw new CorruptImageError(`the image (${src.size} bytes) is too small to hold a volume descriptor at LBA ${lba}`, { image: src.name, structure: setLabel, offset: off });
      }
      sink.error(`the image ends at LBA ${lba} before a volume descriptor set terminator`, setLabel, off);
      terminated = true;
      break;
    }
    const buf = await readExact(src, off, VD_SIZE, `volume descriptor at LBA ${lba}`);
    let vd: VolumeDescriptor;
    try {
      vd = parseVolumeDescriptor(buf, lba, sink, src.name);
    } catch (e) {
      if (e instanceof CorruptImageError && out.length > 0) {
        sink.error(`${e.detail}; treating it as the end of the volume descriptor set (no terminator)`, `volume descriptor at LBA ${lba}`, off);
        terminated = true;
        break;
      }
      throw e instanceof CorruptImageError ? e.withImage(src.name) : e;
    }
    out.push(vd);
    if (vd.kind === 'terminator') { terminated = true; break; }
  }
  if (!terminated) {
    sink.error(`no volume descriptor set terminator within ${MAX_VOLUME_DESCRIPTORS} descriptors; reading stopped there`, setLabel, firstLba * VD_SIZE);
  }
  const pvd = out.find((d): d is PrimaryVd => d.kind === 'primary');
  if (!pvd) {
    throw new CorruptImageError('the volume descriptor set holds no Primary Volume Descriptor', { image: src.name, structure: setLabel, offset: firstLba * VD_SIZE });
  }
  const bytes = pvd.volumeSpaceSize * pvd.logicalBlockSize;
  if (bytes > src.size) {
    sink.warn(`volume space size ${pvd.volumeSpaceSize} blocks (${bytes} bytes) exceeds the image size ${src.size}; the image may be truncated`, 'Primary Volume Descriptor', pvd.lba * VD_SIZE + 80);
  }
  return out;
}

/** El Torito 1.0 2.0 Boot Record Volume Descriptor (ECMA-119 8.2): "EL TORITO SPECIFICATION", catalog LBA (LE) at 0x47. */
export function serializeBootRecordVd(catalogLba: number): Uint8Array {
  const b = new Uint8Array(VD_SIZE);
  putHeader(b, 0, 1);
  putRaw(b, BOOT_RECORD.bootSystemId, Uint8Array.from(EL_TORITO_ID, (c) => c.charCodeAt(0))); // padded with zeros
  putNum(b, BOOT_RECORD.catalogPointer, catalogLba, 0, 'boot catalog location');
  return b;
}

/** ECMA-119 8.3 Volume Descriptor Set Terminator. */
export function serializeTerminatorVd(): Uint8Array {
  const b = new Uint8Array(VD_SIZE);
  putHeader(b, 255, 1);
  return b;
}
