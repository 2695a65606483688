// ECMA-119 8.4 Primary and 8.5 Supplementary (Joliet, ISO 9660:1999 enhanced) volume descriptors:
// their field table (PVD_LAYOUT and its variants), the volume's fields under their ECMA-119 names
// (VolumeFields: one set of names for the parsed descriptor, the serializer's spec, the patch input
// and the image's VolumeInfo in types.ts), the parser, serializeVolumeDescriptor and
// patchVolumeDescriptor, all reading and writing through the table.
import { InvalidArgumentError, type DiagnosticSink } from '../errors';
import type { FieldReader } from '../structure/fields';
import { layout, putNum, putRaw, rawOf, type FieldDef } from '../structure/layout';
import { putBe16 } from '../bytes/endian';
import { date17Field, encodeDate17, type IsoDate } from './dates';
import { parseRootRecord, type DirectoryRecord } from './directoryRecord';
import { CD001, VD_HEADER, VD_SIZE, expectVersion, header, makeStructure, putHeader, standardIdOf, type VdBase } from './vdHeader';

/**
 * ECMA-119 8.4 primary / 8.5 supplementary volume descriptor fields. The offsets are the same for
 * both; the spec references (8.5 fields not listed there are "as in 8.4") and the identifier
 * encoding (Joliet: UCS-2 BE) differ, so the table is built for each variant.
 */
function primaryLikeLayout(primary: boolean, enc: 'ascii' | 'ucs2be') {
  const sp = (pvd: number, svd?: number): string => primary ? `8.4.${pvd}` : svd !== undefined ? `8.5.${svd}` : `8.5 (as 8.4.${pvd})`;
  return layout({
    unused7: { at: 7, type: 'bytes', len: 1, name: 'Unused Field', spec: sp(4), kind: 'reserved' },
    volumeFlags: { at: 7, type: 'u8', name: 'Volume Flags', spec: sp(4, 3), kind: 'flags' },
    systemId: { at: 8, type: enc, len: 32, name: 'System Identifier', spec: sp(5, 4) },
    volumeId: { at: 40, type: enc, len: 32, name: 'Volume Identifier', spec: sp(6, 5) },
    unused72: { at: 72, type: 'bytes', len: 8, name: 'Unused Field', spec: sp(7), kind: 'reserved' },
    volumeSpaceSize: { at: 80, type: 'both32', name: 'Volume Space Size', spec: sp(8), kind: 'length' },
    unused88: { at: 88, type: 'bytes', len: 32, name: 'Unused Field', spec: sp(9), kind: 'reserved' },
    escapeSequences: { at: 88, type: 'bytes', len: 32, name: 'Escape Sequences', spec: sp(9, 6) },
    volumeSetSize: { at: 120, type: 'both16', name: 'Volume Set Size', spec: sp(10) },
    volumeSequenceNumber: { at: 124, type: 'both16', name: 'Volume Sequence Number', spec: sp(11) },
    logicalBlockSize: { at: 128, type: 'both16', name: 'Logical Block Size', spec: sp(12), kind: 'length' },
    pathTableSize: { at: 132, type: 'both32', name: 'Path Table Size', spec: sp(13), kind: 'length' },
    lPathTableLba: { at: 140, type: 'u32le', name: 'Location of Type L Path Table', spec: sp(14), kind: 'pointer' },
    lPathTableOptLba: { at: 144, type: 'u32le', name: 'Location of Optional Type L Path Table', spec: sp(15), kind: 'pointer' },
    mPathTableLba: { at: 148, type: 'u32be', name: 'Location of Type M Path Table', spec: sp(16), kind: 'pointer' },
    mPathTableOptLba: { at: 152, type: 'u32be', name: 'Location of Optional Type M Path Table', spec: sp(17), kind: 'pointer' },
    root: { at: 156, type: 'bytes', len: 34, name: 'Directory Record for Root Directory', spec: sp(18), kind: 'pointer' },
    volumeSetId: { at: 190, type: enc, len: 128, name: 'Volume Set Identifier', spec: sp(19) },
    publisherId: { at: 318, type: enc, len: 128, name: 'Publisher Identifier', spec: sp(20) },
    preparerId: { at: 446, type: enc, len: 128, name: 'Data Preparer Identifier', spec: sp(21) },
    applicationId: { at: 574, type: enc, len: 128, name: 'Application Identifier', spec: sp(22) },
    copyrightFileId: { at: 702, type: enc, len: 37, name: 'Copyright File Identifier', spec: sp(23) },
    abstractFileId: { at: 739, type: enc, len: 37, name: 'Abstract File Identifier', spec: sp(24) },
    bibliographicFileId: { at: 776, type: enc, len: 37, name: 'Bibliographic File Identifier', spec: sp(25) },
    created: { at: 813, type: 'bytes', len: 17, name: 'Volume Creation Date and Time', spec: sp(26), kind: 'date' },
    modified: { at: 830, type: 'bytes', len: 17, name: 'Volume Modification Date and Time', spec: sp(27), kind: 'date' },
    expires: { at: 847, type: 'bytes', len: 17, name: 'Volume Expiration Date and Time', spec: sp(28), kind: 'date' },
    effective: { at: 864, type: 'bytes', len: 17, name: 'Volume Effective Date and Time', spec: sp(29), kind: 'date' },
    fileStructureVersion: { at: 881, type: 'u8', name: 'File Structure Version', spec: sp(30) },
    reserved882: { at: 882, type: 'bytes', len: 1, name: 'Reserved', spec: sp(31), kind: 'reserved' },
    applicationUse: { at: 883, type: 'bytes', len: 512, name: 'Application Use', spec: sp(32) },
    reserved1395: { at: 1395, type: 'bytes', len: VD_SIZE - 1395, name: 'Reserved', spec: sp(33), kind: 'reserved' },
  });
}

/** ECMA-119 8.4 Primary Volume Descriptor fields (offsets shared by 8.5). */
export const PVD_LAYOUT = primaryLikeLayout(true, 'ascii');
type PrimaryLikeLayout = typeof PVD_LAYOUT;
const SVD_LAYOUT: PrimaryLikeLayout = primaryLikeLayout(false, 'ascii');
const JOLIET_SVD_LAYOUT = primaryLikeLayout(false, 'ucs2be');

/**
 * The volume's fields under their ECMA-119 8.4 names: one set of names for the parsed descriptor
 * (PrimaryVd), the serializer's spec (VolumeDescriptorSpec), the patch input and the image's
 * VolumeInfo (types.ts).
 */
export interface VolumeFields {
  systemId: string;
  volumeId: string;
  volumeSetId: string;
  publisherId: string;
  preparerId: string;
  applicationId: string;
  copyrightFileId: string;
  abstractFileId: string;
  bibliographicFileId: string;
  volumeSpaceSize: number;
  volumeSetSize: number;
  volumeSequenceNumber: number;
  /** Recorded logical block size, or 2048 when the recorded one is unusable (reported as a problem). */
  logicalBlockSize: number;
  pathTableSize: number;
  lPathTableLba: number;
  lPathTableOptLba: number;
  mPathTableLba: number;
  mPathTableOptLba: number;
  /** 1 = ECMA-119, 2 = ISO 9660:1999 (from the enhanced volume descriptor). */
  fileStructureVersion: number;
}

/** The identifier strings of a volume (8.4.5, 8.4.6, 8.4.19-8.4.25). */
export type VolumeIdentifierName = 'systemId' | 'volumeId' | 'volumeSetId' | 'publisherId' | 'preparerId' | 'applicationId'
  | 'copyrightFileId' | 'abstractFileId' | 'bibliographicFileId';
const IDENTIFIER_NAMES: readonly VolumeIdentifierName[] = ['systemId', 'volumeId', 'volumeSetId', 'publisherId', 'preparerId', 'applicationId', 'copyrightFileId', 'abstractFileId', 'bibliographicFileId'];

/** The fields a rewrite changes: volume size, path tables and the root directory record (34 bytes, 8.4.18). Optional path tables default to 0. */
export type VolumeLayoutFields = Pick<VolumeFields, 'volumeSpaceSize' | 'pathTableSize' | 'lPathTableLba' | 'mPathTableLba'>
  & Partial<Pick<VolumeFields, 'lPathTableOptLba' | 'mPathTableOptLba'>> & { root: Uint8Array };

/** patchVolumeDescriptor's input: the layout fields and, when given, a new modification date. */
export type VolumeDescriptorPatch = VolumeLayoutFields & { modified?: Date };

export interface PrimaryVd extends VdBase, VolumeFields {
  kind: 'primary' | 'supplementary' | 'enhanced';
  /** Escape sequences field (8.5.6) as hex, trailing zero bytes dropped; '' for a primary descriptor. */
  escapeSequences: string;
  /** Joliet level from the escape sequences: %/@ → 1, %/C → 2, %/E → 3; 0 when not Joliet. */
  jolietLevel: 0 | 1 | 2 | 3;
  volumeFlags: number;
  root: DirectoryRecord;
  created: IsoDate | null;
  modified: IsoDate | null;
  expires: IsoDate | null;
  effective: IsoDate | null;
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

/** The escape sequences field (8.5.6) as hex without trailing zero bytes, recorded with the Joliet level it names. */
function escapesField(r: FieldReader, L: PrimaryLikeLayout, jolietLevel: number): string {
  const f = L.escapeSequences;
  const esc = rawOf(r.buf, f);
  let n = esc.length;
  while (n > 0 && esc[n - 1] === 0) n--;
  let escapeSequences = '';
  for (let i = 0; i < n; i++) escapeSequences += esc[i].toString(16).padStart(2, '0');
  const disp = jolietLevel ? `${escapeSequences} (Joliet level ${jolietLevel})` : escapeSequences || '(none)';
  r.field(f.name, f.at, f.len, escapeSequences, disp, 'bytes', f.spec);
  return escapeSequences;
}

type PathTableFields = Pick<VolumeFields, 'volumeSetSize' | 'volumeSequenceNumber' | 'logicalBlockSize' | 'pathTableSize' | 'lPathTableLba' | 'lPathTableOptLba' | 'mPathTableLba' | 'mPathTableOptLba'>;

/** 8.4.10-8.4.17: volume set, block size and the path tables. */
function parseSetAndPathTables(r: FieldReader, L: PrimaryLikeLayout): PathTableFields {
  const volumeSetSize = r.num(L.volumeSetSize);
  const volumeSequenceNumber = r.num(L.volumeSequenceNumber);
  if (volumeSequenceNumber > volumeSetSize && volumeSetSize > 0) r.addProblem(r.last, `exceeds the volume set size ${volumeSetSize}`);
  const recordedBlockSize = r.num(L.logicalBlockSize);
  let logicalBlockSize = recordedBlockSize;
  if (!isValidBlockSize(recordedBlockSize)) {
    r.addProblem(r.last, `${recordedBlockSize} is not a power of two between 512 and 2048; assuming 2048`);
    logicalBlockSize = 2048;
  }
  return {
    volumeSetSize, volumeSequenceNumber, logicalBlockSize,
    pathTableSize: r.num(L.pathTableSize),
    lPathTableLba: r.num(L.lPathTableLba),
    lPathTableOptLba: r.num(L.lPathTableOptLba),
    mPathTableLba: r.num(L.mPathTableLba),
    mPathTableOptLba: r.num(L.mPathTableOptLba),
  };
}

/** 8.4.18: the root directory record, recorded as one field and as a child structure. */
function parseRootField(r: FieldReader, L: PrimaryLikeLayout, lba: number, jolietLevel: number, sink: DiagnosticSink): DirectoryRecord {
  const f = L.root;
  const root = parseRootRecord(rawOf(r.buf, f), lba * VD_SIZE + f.at, { joliet: jolietLevel > 0, path: '/' }, sink);
  r.field(f.name, f.at, f.len, root.extentLba, `extent ${root.extentLba}, ${root.dataLength} bytes`, 'pointer', f.spec);
  if (!root.isDirectory) r.addProblem(r.last, 'the root record is not flagged as a directory');
  root.structure.name = 'Root Directory Record';
  return root;
}

/** 8.4.19-8.4.29: the identifiers after the root record and the four volume dates. */
function parseIdsAndDates(r: FieldReader, L: PrimaryLikeLayout): Pick<PrimaryVd, 'volumeSetId' | 'publisherId' | 'preparerId' | 'applicationId' | 'copyrightFileId' | 'abstractFileId' | 'bibliographicFileId' | 'created' | 'modified' | 'expires' | 'effective'> {
  const text = (f: FieldDef<'ascii' | 'ucs2be'>) => r.text(f);
  const date = (f: FieldDef) => date17Field(r, f.name, f.at, `ECMA-119 ${f.spec}`);
  return {
    volumeSetId: text(L.volumeSetId), publisherId: text(L.publisherId), preparerId: text(L.preparerId),
    applicationId: text(L.applicationId), copyrightFileId: text(L.copyrightFileId), abstractFileId: text(L.abstractFileId),
    bibliographicFileId: text(L.bibliographicFileId),
    created: date(L.created), modified: date(L.modified), expires: date(L.expires), effective: date(L.effective),
  };
}

export function parsePrimaryLike(r: FieldReader, b: Uint8Array, lba: number, type: 1 | 2, version: number, sink: DiagnosticSink): PrimaryVd {
  const fileStructureVersion = b[PVD_LAYOUT.fileStructureVersion.at];
  const kind: PrimaryVd['kind'] = type === 1 ? 'primary' : version === 2 || fileStructureVersion === 2 ? 'enhanced' : 'supplementary';
  const primary = kind === 'primary';
  const jolietLevel = primary ? 0 : jolietLevelOf(rawOf(b, PVD_LAYOUT.escapeSequences));
  const L = primary ? PVD_LAYOUT : jolietLevel > 0 ? JOLIET_SVD_LAYOUT : SVD_LAYOUT;
  const typeName = primary ? 'Primary Volume Descriptor' : kind === 'enhanced' ? 'Enhanced Volume Descriptor' : 'Supplementary Volume Descriptor';

  header(r, primary ? '8.4' : '8.5', typeName);
  expectVersion(r, version, kind === 'enhanced' ? 2 : 1);
  let volumeFlags = 0;
  if (primary) r.raw(L.unused7);
  else volumeFlags = r.num(L.volumeFlags);
  const systemId = r.text(L.systemId);
  const volumeId = r.text(L.volumeId);
  r.raw(L.unused72);
  const volumeSpaceSize = r.num(L.volumeSpaceSize);
  if (volumeSpaceSize === 0) r.addProblem(r.last, 'is 0');
  let escapeSequences = '';
  if (primary) r.raw(L.unused88);
  else escapeSequences = escapesField(r, L, jolietLevel);
  const tables = parseSetAndPathTables(r, L);
  const root = parseRootField(r, L, lba, jolietLevel, sink);
  const rest = parseIdsAndDates(r, L);
  r.num(L.fileStructureVersion);
  if (kind !== 'enhanced' && fileStructureVersion !== 1) r.addProblem(r.last, `is ${fileStructureVersion}, expected 1`);
  r.raw(L.reserved882);
  r.raw(L.applicationUse);
  r.raw(L.reserved1395);

  const structType = primary ? 'pvd' : kind === 'enhanced' ? 'evd' : 'svd';
  const name = jolietLevel ? `${typeName} (Joliet level ${jolietLevel})` : typeName;
  const structure = makeStructure(r, lba, structType, name, primary ? 'ECMA-119 8.4' : kind === 'enhanced' ? 'ISO 9660:1999 8.5' : 'ECMA-119 8.5');
  structure.children.push(root.structure);
  return {
    kind, type, version, lba, structure, systemId, volumeId, volumeSpaceSize, escapeSequences, jolietLevel,
    volumeFlags, ...tables, root, ...rest, fileStructureVersion,
  };
}
// ---- Serialization (the writer) -------------------------------------------------------------

/**
 * serializeVolumeDescriptor's input: the volume's fields under their VolumeFields names (block
 * size, volume set numbers and file structure version have defaults), plus what only writing needs.
 */
export interface VolumeDescriptorSpec extends Pick<VolumeFields, VolumeIdentifierName>,
  Partial<Pick<VolumeFields, 'volumeSetSize' | 'volumeSequenceNumber' | 'logicalBlockSize' | 'fileStructureVersion'>> {
  /** 1 primary, 2 supplementary (Joliet) or enhanced (ISO 9660:1999). */
  type: 1 | 2;
  /** Descriptor version (default 1); 2 with fileStructureVersion 2 = ISO 9660:1999 enhanced. */
  version?: 1 | 2;
  /** Escape sequences at 88, up to 32 bytes (Joliet level 3: '%/E'). Type 2 only. */
  escapes?: Uint8Array;
  volumeSpaceSize: number;
  pathTableSize: number;
  lPathTableLba: number;
  lPathTableOptLba?: number;
  mPathTableLba: number;
  mPathTableOptLba?: number;
  /** 34-byte root directory record. */
  root: Uint8Array;
  created: Date | null; modified: Date | null; expires: Date | null; effective: Date | null;
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
 * volume identifier holds 16 characters). Messages name the field in lower case ("volume identifier").
 */
function putText(b: Uint8Array, f: FieldDef, text: string, joliet: boolean): void {
  const { at: off, len } = f;
  if (joliet) {
    const units: number[] = [];
    for (const ch of text) {
      const c = ch.codePointAt(0) as number;
      units.push(c > 0xffff || (c >= 0xd800 && c <= 0xdfff) ? 0x5f : c);
    }
    const n = Math.min(units.length, len >> 1);
    for (let i = 0; i < n; i++) putBe16(b, off + 2 * i, units[i]);
    for (let i = 2 * n; i < len; i++) b[off + i] = i & 1 ? 0x20 : 0x00;
    return;
  }
  const field = f.name.toLowerCase();
  if (text.length > len) throw new InvalidArgumentError(`${field} ${JSON.stringify(text)} is ${text.length} characters; the field holds ${len}`);
  for (let i = 0; i < len; i++) {
    if (i >= text.length) { b[off + i] = 0x20; continue; }
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new InvalidArgumentError(`${field} ${JSON.stringify(text)}: character ${JSON.stringify(text[i])} cannot be recorded (ECMA-119 7.4: a-/d-characters)`);
    b[off + i] = c;
  }
}

/** Writes the fields a rewrite changes (shared by serialize and patch). */
function putLayout(b: Uint8Array, p: VolumeLayoutFields): void {
  const L = PVD_LAYOUT;
  putNum(b, L.volumeSpaceSize, p.volumeSpaceSize, 0, 'volume space size');
  putNum(b, L.pathTableSize, p.pathTableSize, 0, 'path table size');
  putNum(b, L.lPathTableLba, p.lPathTableLba, 0, 'type L path table location');
  putNum(b, L.lPathTableOptLba, p.lPathTableOptLba ?? 0, 0, 'optional type L path table location');
  putNum(b, L.mPathTableLba, p.mPathTableLba, 0, 'type M path table location');
  putNum(b, L.mPathTableOptLba, p.mPathTableOptLba ?? 0, 0, 'optional type M path table location');
  if (p.root.length !== L.root.len) throw new InvalidArgumentError(`root directory record is ${p.root.length} bytes; a volume descriptor holds exactly ${L.root.len} (ECMA-119 8.4.18)`);
  putRaw(b, L.root, p.root);
}

/** ECMA-119 8.4 primary / 8.5 supplementary (Joliet, ISO 9660:1999 enhanced) volume descriptor: 2048 bytes. */
export function serializeVolumeDescriptor(s: VolumeDescriptorSpec): Uint8Array {
  const L = PVD_LAYOUT;
  const b = new Uint8Array(VD_SIZE);
  const version = s.version ?? 1;
  const joliet = s.joliet === true;
  putHeader(b, s.type, version);
  putText(b, L.systemId, s.systemId, joliet);
  putText(b, L.volumeId, s.volumeId, joliet);
  if (s.escapes) {
    if (s.type !== 2) throw new InvalidArgumentError('escape sequences belong in a supplementary volume descriptor (type 2)');
    if (s.escapes.length > L.escapeSequences.len) throw new InvalidArgumentError(`escape sequences are ${s.escapes.length} bytes; the field holds ${L.escapeSequences.len}`);
    putRaw(b, L.escapeSequences, s.escapes);
  }
  putNum(b, L.volumeSetSize, s.volumeSetSize ?? 1, 0, 'volume set size');
  putNum(b, L.volumeSequenceNumber, s.volumeSequenceNumber ?? 1, 0, 'volume sequence number');
  const bs = s.logicalBlockSize ?? 2048;
  if (!isValidBlockSize(bs)) throw new InvalidArgumentError(`logical block size ${bs} is not a power of two between 512 and 2048`);
  putNum(b, L.logicalBlockSize, bs, 0, 'logical block size');
  putLayout(b, s);
  for (const k of IDENTIFIER_NAMES) if (k !== 'systemId' && k !== 'volumeId') putText(b, L[k], s[k], joliet);
  for (const k of ['created', 'modified', 'expires', 'effective'] as const) putRaw(b, L[k], encodeDate17(s[k]));
  const fsv = s.fileStructureVersion ?? version;
  if (!Number.isInteger(fsv) || fsv < 0 || fsv > 0xff) throw new InvalidArgumentError(`file structure version ${fsv} does not fit in one byte`);
  putNum(b, L.fileStructureVersion, fsv);
  if (s.applicationUse) {
    if (s.applicationUse.length > L.applicationUse.len) throw new InvalidArgumentError(`application use is ${s.applicationUse.length} bytes; the field holds ${L.applicationUse.len}`);
    putRaw(b, L.applicationUse, s.applicationUse);
  }
  return b;
}

/**
 * A copy of an existing primary/supplementary descriptor with only the layout fields replaced
 * (volume space size, path table size and locations, root record, and the modification date when
 * given); identifiers, other dates and the application use area stay byte for byte. Optional path
 * table locations left out become 0: the old optional tables are not rewritten.
 */
export function patchVolumeDescriptor(original: Uint8Array, p: VolumeDescriptorPatch): Uint8Array {
  if (original.length !== VD_SIZE) throw new InvalidArgumentError(`volume descriptor is ${original.length} bytes, expected ${VD_SIZE}`);
  const magic = standardIdOf(original);
  const type = original[VD_HEADER.type.at];
  if (magic !== CD001 || (type !== 1 && type !== 2)) {
    throw new InvalidArgumentError(`not a primary or supplementary volume descriptor (type ${type}, identifier ${JSON.stringify(magic)})`);
  }
  const b = original.slice();
  putLayout(b, p);
  if (p.modified) putRaw(b, PVD_LAYOUT.modified, encodeDate17(p.modified));
  return b;
}

