// ECMA-119 8 Volume descriptors (8.2 boot record, 8.3 terminator, 8.4 primary, 8.5 supplementary / ISO 9660:1999 enhanced, 8.6 partition)
import { CorruptImageError, InvalidArgumentError, type DiagnosticSink } from '../errors';
import { readExact, type ByteSource } from '../io/source';
import { FieldReader, type Field, type Structure } from '../structure/fields';
import { date17Field, encodeDate17, type IsoDate } from './dates';
import { parseRootRecord, type DirectoryRecord } from './directoryRecord';
import { putBoth16, putBoth32 } from '../bytes/endian';
import { SECTOR_SIZE } from '../bytes/sector';

/** A volume descriptor fills one logical sector (ECMA-119 8.1). */
export const VD_SIZE = SECTOR_SIZE;
/** Upper bound on descriptors read from one volume descriptor set. */
export const MAX_VOLUME_DESCRIPTORS = 256;
export const EL_TORITO_ID = 'EL TORITO SPECIFICATION';

export interface VdBase {
  kind: 'primary' | 'supplementary' | 'enhanced' | 'boot' | 'partition' | 'terminator' | 'unknown';
  type: number;
  version: number;
  lba: number;
  structure: Structure;
}

export interface PrimaryVd extends VdBase {
  kind: 'primary' | 'supplementary' | 'enhanced';
  systemId: string;
  volumeId: string;
  volumeSpaceSize: number;
  /** Escape sequences field (8.5.6) as hex, trailing zero bytes dropped; '' for a primary descriptor. */
  escapeSequences: string;
  /** Joliet level from the escape sequences: %/@ → 1, %/C → 2, %/E → 3; 0 when not Joliet. */
  jolietLevel: 0 | 1 | 2 | 3;
  volumeFlags: number;
  volumeSetSize: number;
  volumeSequenceNumber: number;
  /** Recorded logical block size, or 2048 when the recorded one is unusable (reported as a problem). */
  logicalBlockSize: number;
  pathTableSize: number;
  lPathTableLba: number;
  lPathTableOptLba: number;
  mPathTableLba: number;
  mPathTableOptLba: number;
  root: DirectoryRecord;
  volumeSetId: string;
  publisherId: string;
  preparerId: string;
  applicationId: string;
  copyrightFileId: string;
  abstractFileId: string;
  bibliographicFileId: string;
  created: IsoDate | null;
  modified: IsoDate | null;
  expires: IsoDate | null;
  effective: IsoDate | null;
  fileStructureVersion: number;
}

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

function addProblem(r: FieldReader, f: Field, msg: string): void {
  f.problem = f.problem ? `${f.problem}; ${msg}` : msg;
  r.problems.push({ message: `${f.name}: ${msg}`, offset: f.offset, field: f.name });
}

function lastField(r: FieldReader): Field {
  return r.fields[r.fields.length - 1];
}

/** Joliet level from an ECMA-119 8.5.6 escape sequences field (ECMA-35 "%/@", "%/C", "%/E"). */
export function jolietLevelOf(esc: Uint8Array): 0 | 1 | 2 | 3 {
  for (let i = 0; i + 2 < esc.length; i++) {
    if (esc[i] === 0x25 && esc[i + 1] === 0x2f) {
      if (esc[i + 2] === 0x40) return 1;
      if (esc[i + 2] === 0x43) return 2;
      if (esc[i + 2] === 0x45) return 3;
    }
  }
  return 0;
}

function isValidBlockSize(n: number): boolean {
  return n >= 512 && n <= 2048 && (n & (n - 1)) === 0;
}

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
  const magic = String.fromCharCode(b[1], b[2], b[3], b[4], b[5]);
  if (magic !== 'CD001') {
    throw new CorruptImageError(`standard identifier is ${JSON.stringify(magic)}, expected "CD001" (ECMA-119 8.1.2)`, { image: imageName, structure: `volume descriptor at LBA ${lba}`, offset: abs + 1 });
  }
  const r = new FieldReader(b, abs, 'ECMA-119');
  const type = b[0];
  const version = b[6];

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

function header(r: FieldReader, section: string, typeName: string): void {
  const t = r.buf[0];
  r.field('Volume Descriptor Type', 0, 1, t, `${t} (${typeName})`, 'enum', `${section}.1`);
  r.field('Standard Identifier', 1, 5, 'CD001', '"CD001"', 'magic', `${section}.2`);
  r.u8('Volume Descriptor Version', 6, `${section}.3`);
}

function expectVersion(r: FieldReader, version: number, want: number): void {
  if (version !== want) addProblem(r, r.fields[2], `is ${version}, expected ${want}`);
}

function makeStructure(r: FieldReader, lba: number, type: string, name: string, spec: string): Structure {
  return { id: `vd:${lba}`, type, name, offset: lba * VD_SIZE, length: VD_SIZE, spec, fields: r.fields, children: [] };
}

function parseBootRecord(r: FieldReader, lba: number, version: number): BootRecordVd {
  header(r, '8.2', 'Boot Record');
  expectVersion(r, version, 1);
  const bootSystemId = r.str('Boot System Identifier', 7, 32, 'ascii', '8.2.4');
  const bootId = r.str('Boot Identifier', 39, 32, 'ascii', '8.2.5');
  let catalogLba: number | null = null;
  const elTorito = bootSystemId === EL_TORITO_ID;
  if (elTorito) {
    catalogLba = r.u32le('Boot Catalog Pointer', 0x47, 'El Torito 1.0 2.0 (Boot Record Volume Descriptor, offset 47h)', 'pointer');
    r.bytes('Unused (El Torito)', 0x4b, VD_SIZE - 0x4b, 'El Torito 1.0 2.0', 'reserved');
  } else {
    r.bytes('Boot System Use', 71, VD_SIZE - 71, '8.2.6');
  }
  const structure = makeStructure(r, lba, 'boot-record', elTorito ? 'Boot Record (El Torito)' : 'Boot Record', 'ECMA-119 8.2');
  if (catalogLba !== null) structure.target = { lba: catalogLba, blocks: 1 };
  return { kind: 'boot', type: 0, version, lba, structure, bootSystemId, bootId, catalogLba };
}

function parseTerminator(r: FieldReader, lba: number, version: number): VdBase & { kind: 'terminator' } {
  header(r, '8.3', 'Volume Descriptor Set Terminator');
  expectVersion(r, version, 1);
  r.bytes('Reserved', 7, VD_SIZE - 7, '8.3.4', 'reserved');
  return { kind: 'terminator', type: 255, version, lba, structure: makeStructure(r, lba, 'terminator', 'Volume Descriptor Set Terminator', 'ECMA-119 8.3') };
}

function parsePartition(r: FieldReader, lba: number, version: number): PartitionVd {
  header(r, '8.6', 'Volume Partition Descriptor');
  expectVersion(r, version, 1);
  r.bytes('Unused Field', 7, 1, '8.6.4', 'reserved');
  const systemId = r.str('System Identifier', 8, 32, 'ascii', '8.6.5');
  const partitionId = r.str('Volume Partition Identifier', 40, 32, 'ascii', '8.6.6');
  const partitionLba = r.both32('Volume Partition Location', 72, '8.6.7', 'pointer');
  const partitionSize = r.both32('Volume Partition Size', 80, '8.6.8', 'length');
  r.bytes('System Use', 88, VD_SIZE - 88, '8.6.9');
  const structure = makeStructure(r, lba, 'partition', 'Volume Partition Descriptor', 'ECMA-119 8.6');
  structure.target = { lba: partitionLba, blocks: partitionSize };
  return { kind: 'partition', type: 3, version, lba, structure, systemId, partitionId, partitionLba, partitionSize };
}

function parseUnknown(r: FieldReader, lba: number, type: number, version: number): VdBase & { kind: 'unknown' } {
  header(r, '8.1', 'unknown');
  addProblem(r, r.fields[0], `unknown volume descriptor type ${type}`);
  r.bytes('Descriptor Data', 7, VD_SIZE - 7, '8.1.4');
  return { kind: 'unknown', type, version, lba, structure: makeStructure(r, lba, 'unknown-vd', `Volume Descriptor (type ${type})`, 'ECMA-119 8.1') };
}

function parsePrimaryLike(r: FieldReader, b: Uint8Array, lba: number, type: 1 | 2, version: number, sink: DiagnosticSink): PrimaryVd {
  const fileStructureVersion = b[881];
  const kind: PrimaryVd['kind'] = type === 1 ? 'primary' : version === 2 || fileStructureVersion === 2 ? 'enhanced' : 'supplementary';
  const primary = kind === 'primary';
  const esc = b.subarray(88, 120);
  const jolietLevel = primary ? 0 : jolietLevelOf(esc);
  const enc = jolietLevel > 0 ? 'ucs2be' : 'ascii';
  // Spec reference: the PVD section, or the SVD one (fields of 8.5 not listed there are "as in 8.4").
  const sp = (pvd: number, svd?: number): string => primary ? `8.4.${pvd}` : svd !== undefined ? `8.5.${svd}` : `8.5 (as 8.4.${pvd})`;
  const typeName = primary ? 'Primary Volume Descriptor' : kind === 'enhanced' ? 'Enhanced Volume Descriptor' : 'Supplementary Volume Descriptor';

  header(r, primary ? '8.4' : '8.5', typeName);
  if (primary) expectVersion(r, version, 1);
  else if (kind === 'enhanced') expectVersion(r, version, 2);
  else expectVersion(r, version, 1);

  let volumeFlags = 0;
  if (primary) r.bytes('Unused Field', 7, 1, sp(4), 'reserved');
  else volumeFlags = r.u8('Volume Flags', 7, sp(4, 3), 'flags');
  const systemId = r.str('System Identifier', 8, 32, enc, sp(5, 4));
  const volumeId = r.str('Volume Identifier', 40, 32, enc, sp(6, 5));
  r.bytes('Unused Field', 72, 8, sp(7), 'reserved');
  const volumeSpaceSize = r.both32('Volume Space Size', 80, sp(8), 'length');
  if (volumeSpaceSize === 0) addProblem(r, lastField(r), 'is 0');
  let escapeSequences = '';
  if (primary) {
    r.bytes('Unused Field', 88, 32, sp(9), 'reserved');
  } else {
    let n = esc.length;
    while (n > 0 && esc[n - 1] === 0) n--;
    for (let i = 0; i < n; i++) escapeSequences += esc[i].toString(16).padStart(2, '0');
    const disp = jolietLevel ? `${escapeSequences} (Joliet level ${jolietLevel})` : escapeSequences || '(none)';
    r.field('Escape Sequences', 88, 32, escapeSequences, disp, 'bytes', sp(9, 6));
  }
  const volumeSetSize = r.both16('Volume Set Size', 120, sp(10));
  const volumeSequenceNumber = r.both16('Volume Sequence Number', 124, sp(11));
  if (volumeSequenceNumber > volumeSetSize && volumeSetSize > 0) addProblem(r, lastField(r), `exceeds the volume set size ${volumeSetSize}`);
  const recordedBlockSize = r.both16('Logical Block Size', 128, sp(12), 'length');
  let logicalBlockSize = recordedBlockSize;
  if (!isValidBlockSize(recordedBlockSize)) {
    addProblem(r, lastField(r), `${recordedBlockSize} is not a power of two between 512 and 2048; assuming 2048`);
    logicalBlockSize = 2048;
  }
  const pathTableSize = r.both32('Path Table Size', 132, sp(13), 'length');
  const lPathTableLba = r.u32le('Location of Type L Path Table', 140, sp(14), 'pointer');
  const lPathTableOptLba = r.u32le('Location of Optional Type L Path Table', 144, sp(15), 'pointer');
  const mPathTableLba = r.u32be('Location of Type M Path Table', 148, sp(16), 'pointer');
  const mPathTableOptLba = r.u32be('Location of Optional Type M Path Table', 152, sp(17), 'pointer');

  const rootAbs = lba * VD_SIZE + 156;
  const root = parseRootRecord(b.subarray(156, 190), rootAbs, { joliet: jolietLevel > 0, path: '/' }, sink);
  r.field('Directory Record for Root Directory', 156, 34, root.extentLba, `extent ${root.extentLba}, ${root.dataLength} bytes`, 'pointer', sp(18));
  if (!root.isDirectory) addProblem(r, lastField(r), 'the root record is not flagged as a directory');
  root.structure.name = 'Root Directory Record';

  const volumeSetId = r.str('Volume Set Identifier', 190, 128, enc, sp(19));
  const publisherId = r.str('Publisher Identifier', 318, 128, enc, sp(20));
  const preparerId = r.str('Data Preparer Identifier', 446, 128, enc, sp(21));
  const applicationId = r.str('Application Identifier', 574, 128, enc, sp(22));
  const copyrightFileId = r.str('Copyright File Identifier', 702, 37, enc, sp(23));
  const abstractFileId = r.str('Abstract File Identifier', 739, 37, enc, sp(24));
  const bibliographicFileId = r.str('Bibliographic File Identifier', 776, 37, enc, sp(25));
  const dsp = (n: number) => `ECMA-119 ${sp(n)}`;
  const created = date17Field(r, 'Volume Creation Date and Time', 813, dsp(26));
  const modified = date17Field(r, 'Volume Modification Date and Time', 830, dsp(27));
  const expires = date17Field(r, 'Volume Expiration Date and Time', 847, dsp(28));
  const effective = date17Field(r, 'Volume Effective Date and Time', 864, dsp(29));
  r.u8('File Structure Version', 881, sp(30));
  if (kind !== 'enhanced' && fileStructureVersion !== 1) addProblem(r, lastField(r), `is ${fileStructureVersion}, expected 1`);
  r.bytes('Reserved', 882, 1, sp(31), 'reserved');
  r.bytes('Application Use', 883, 512, sp(32));
  r.bytes('Reserved', 1395, VD_SIZE - 1395, sp(33), 'reserved');

  const structType = primary ? 'pvd' : kind === 'enhanced' ? 'evd' : 'svd';
  const name = jolietLevel ? `${typeName} (Joliet level ${jolietLevel})` : typeName;
  const structure = makeStructure(r, lba, structType, name, primary ? 'ECMA-119 8.4' : kind === 'enhanced' ? 'ISO 9660:1999 8.5' : 'ECMA-119 8.5');
  structure.children.push(root.structure);
  return {
    kind, type, version, lba, structure, systemId, volumeId, volumeSpaceSize, escapeSequences, jolietLevel,
    volumeFlags, volumeSetSize, volumeSequenceNumber, logicalBlockSize, pathTableSize,
    lPathTableLba, lPathTableOptLba, mPathTableLba, mPathTableOptLba, root, volumeSetId, publisherId,
    preparerId, applicationId, copyrightFileId, abstractFileId, bibliographicFileId,
    created, modified, expires, effective, fileStructureVersion,
  };
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

// ---- Serialization (the writer) -------------------------------------------------------------

export interface VolumeDescriptorSpec {
  /** 1 primary, 2 supplementary (Joliet) or enhanced (ISO 9660:1999). */
  type: 1 | 2;
  /** Descriptor version (default 1); 2 with fileStructureVersion 2 = ISO 9660:1999 enhanced. */
  version?: 1 | 2;
  /** Escape sequences at 88, up to 32 bytes (Joliet level 3: '%/E'). Type 2 only. */
  escapes?: Uint8Array;
  systemId: string; volumeId: string; volumeSetId: string; publisherId: string; preparerId: string;
  applicationId: string; copyrightFileId: string; abstractFileId: string; bibliographicFileId: string;
  volumeBlocks: number; volumeSetSize?: number; volumeSequenceNumber?: number; blockSize?: number;
  pathTableSize: number; lPathLba: number; optLPathLba?: number; mPathLba: number; optMPathLba?: number;
  /** 34-byte root directory record. */
  root: Uint8Array;
  created: Date | null; modified: Date | null; expires: Date | null; effective: Date | null;
  /** Default: the descriptor version. */
  fileStructureVersion?: number;
  /** Up to 512 bytes at 883. */
  applicationUse?: Uint8Array;
  /** Identifier strings as UCS-2 BE (padded with 00 20, truncated to the field), else a/d-characters padded with spaces. */
  joliet?: boolean;
}

/** Joliet escape sequences (Joliet spec, table of UCS-2 levels): "%/@" level 1, "%/C" level 2, "%/E" level 3. */
export const JOLIET_ESCAPES = { 1: Uint8Array.of(0x25, 0x2f, 0x40), 2: Uint8Array.of(0x25, 0x2f, 0x43), 3: Uint8Array.of(0x25, 0x2f, 0x45) } as const;

/**
 * Writes a text field. Plain: bytes 0x20–0x7E (a-characters and more; what mkisofs/xorriso accept),
 * padded with spaces; too long or other characters → InvalidArgumentError. Joliet: UCS-2 BE padded
 * with 00 20 (characters outside the BMP → '_'), truncated to the field as xorriso does (a 32-byte
 * volume identifier holds 16 characters).
 */
function putText(b: Uint8Array, off: number, len: number, text: string, joliet: boolean, field: string): void {
  if (joliet) {
    const units: number[] = [];
    for (const ch of text) {
      const c = ch.codePointAt(0) as number;
      units.push(c > 0xffff || (c >= 0xd800 && c <= 0xdfff) ? 0x5f : c);
    }
    const n = Math.min(units.length, len >> 1);
    for (let i = 0; i < n; i++) { b[off + 2 * i] = units[i] >> 8; b[off + 2 * i + 1] = units[i] & 0xff; }
    for (let i = 2 * n; i < len; i++) b[off + i] = i & 1 ? 0x20 : 0x00;
    return;
  }
  if (text.length > len) throw new InvalidArgumentError(`${field} ${JSON.stringify(text)} is ${text.length} characters; the field holds ${len}`);
  for (let i = 0; i < len; i++) {
    if (i >= text.length) { b[off + i] = 0x20; continue; }
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new InvalidArgumentError(`${field} ${JSON.stringify(text)}: character ${JSON.stringify(text[i])} cannot be recorded (ECMA-119 7.4: a-/d-characters)`);
    b[off + i] = c;
  }
}

function putU32(dv: DataView, off: number, v: number, le: boolean, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(`${what} ${v} does not fit in 32 bits`);
  dv.setUint32(off, v, le);
}

function checkedBoth32(b: Uint8Array, off: number, v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(`${what} ${v} does not fit in 32 bits`);
  putBoth32(b, off, v);
}

function checkedBoth16(b: Uint8Array, off: number, v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new InvalidArgumentError(`${what} ${v} does not fit in 16 bits`);
  putBoth16(b, off, v);
}

function putHeader(b: Uint8Array, type: number, version: number): void {
  b[0] = type;
  for (let i = 0; i < 5; i++) b[1 + i] = 'CD001'.charCodeAt(i);
  b[6] = version;
}

/** Writes the fields a rewrite changes (shared by serialize and patch). */
function putLayout(b: Uint8Array, p: { volumeBlocks: number; pathTableSize: number; lPathLba: number; optLPathLba?: number; mPathLba: number; optMPathLba?: number; root: Uint8Array }): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  checkedBoth32(b, 80, p.volumeBlocks, 'volume space size');
  checkedBoth32(b, 132, p.pathTableSize, 'path table size');
  putU32(dv, 140, p.lPathLba, true, 'type L path table location');
  putU32(dv, 144, p.optLPathLba ?? 0, true, 'optional type L path table location');
  putU32(dv, 148, p.mPathLba, false, 'type M path table location');
  putU32(dv, 152, p.optMPathLba ?? 0, false, 'optional type M path table location');
  if (p.root.length !== 34) throw new InvalidArgumentError(`root directory record is ${p.root.length} bytes; a volume descriptor holds exactly 34 (ECMA-119 8.4.18)`);
  b.set(p.root, 156);
}

/** ECMA-119 8.4 primary / 8.5 supplementary (Joliet, ISO 9660:1999 enhanced) volume descriptor: 2048 bytes. */
export function serializeVolumeDescriptor(s: VolumeDescriptorSpec): Uint8Array {
  const b = new Uint8Array(VD_SIZE);
  const version = s.version ?? 1;
  const joliet = s.joliet === true;
  putHeader(b, s.type, version);
  putText(b, 8, 32, s.systemId, joliet, 'system identifier');
  putText(b, 40, 32, s.volumeId, joliet, 'volume identifier');
  if (s.escapes) {
    if (s.type !== 2) throw new InvalidArgumentError('escape sequences belong in a supplementary volume descriptor (type 2)');
    if (s.escapes.length > 32) throw new InvalidArgumentError(`escape sequences are ${s.escapes.length} bytes; the field holds 32`);
    b.set(s.escapes, 88);
  }
  checkedBoth16(b, 120, s.volumeSetSize ?? 1, 'volume set size');
  checkedBoth16(b, 124, s.volumeSequenceNumber ?? 1, 'volume sequence number');
  const bs = s.blockSize ?? 2048;
  if (!isValidBlockSize(bs)) throw new InvalidArgumentError(`logical block size ${bs} is not a power of two between 512 and 2048`);
  checkedBoth16(b, 128, bs, 'logical block size');
  putLayout(b, s);
  putText(b, 190, 128, s.volumeSetId, joliet, 'volume set identifier');
  putText(b, 318, 128, s.publisherId, joliet, 'publisher identifier');
  putText(b, 446, 128, s.preparerId, joliet, 'data preparer identifier');
  putText(b, 574, 128, s.applicationId, joliet, 'application identifier');
  putText(b, 702, 37, s.copyrightFileId, joliet, 'copyright file identifier');
  putText(b, 739, 37, s.abstractFileId, joliet, 'abstract file identifier');
  putText(b, 776, 37, s.bibliographicFileId, joliet, 'bibliographic file identifier');
  b.set(encodeDate17(s.created), 813);
  b.set(encodeDate17(s.modified), 830);
  b.set(encodeDate17(s.expires), 847);
  b.set(encodeDate17(s.effective), 864);
  const fsv = s.fileStructureVersion ?? version;
  if (!Number.isInteger(fsv) || fsv < 0 || fsv > 0xff) throw new InvalidArgumentError(`file structure version ${fsv} does not fit in one byte`);
  b[881] = fsv;
  if (s.applicationUse) {
    if (s.applicationUse.length > 512) throw new InvalidArgumentError(`application use is ${s.applicationUse.length} bytes; the field holds 512`);
    b.set(s.applicationUse, 883);
  }
  return b;
}

/**
 * A copy of an existing primary/supplementary descriptor with only the layout fields replaced
 * (volume space size, path table size and locations, root record, and the modification date when
 * given); identifiers, other dates and the application use area stay byte for byte. Optional path
 * table locations left out become 0: the old optional tables are not rewritten.
 */
export function patchVolumeDescriptor(original: Uint8Array, p: { volumeBlocks: number; pathTableSize: number; lPathLba: number; optLPathLba?: number; mPathLba: number; optMPathLba?: number; root: Uint8Array; modified?: Date }): Uint8Array {
  if (original.length !== VD_SIZE) throw new InvalidArgumentError(`volume descriptor is ${original.length} bytes, expected ${VD_SIZE}`);
  const magic = String.fromCharCode(original[1], original[2], original[3], original[4], original[5]);
  if (magic !== 'CD001' || (original[0] !== 1 && original[0] !== 2)) {
    throw new InvalidArgumentError(`not a primary or supplementary volume descriptor (type ${original[0]}, identifier ${JSON.stringify(magic)})`);
  }
  const b = original.slice();
  putLayout(b, p);
  if (p.modified) b.set(encodeDate17(p.modified), 830);
  return b;
}

/** El Torito 1.0 2.0 Boot Record Volume Descriptor (ECMA-119 8.2): "EL TORITO SPECIFICATION", catalog LBA (LE) at 0x47. */
export function serializeBootRecordVd(catalogLba: number): Uint8Array {
  const b = new Uint8Array(VD_SIZE);
  putHeader(b, 0, 1);
  for (let i = 0; i < EL_TORITO_ID.length; i++) b[7 + i] = EL_TORITO_ID.charCodeAt(i); // padded with zeros
  putU32(new DataView(b.buffer), 0x47, catalogLba, true, 'boot catalog location');
  return b;
}

/** ECMA-119 8.3 Volume Descriptor Set Terminator. */
export function serializeTerminatorVd(): Uint8Array {
  const b = new Uint8Array(VD_SIZE);
  putHeader(b, 255, 1);
  return b;
}
