// ECMA-119 8.1 The volume descriptor header (type, "CD001", version) shared by every volume
// descriptor: its field table, how it is recorded in the structure map and how it is written.
import type { FieldReader, Structure } from '../structure/fields';
import { layout, putNum, putRaw, rawOf } from '../structure/layout';
import { SECTOR_SIZE } from '../bytes/sector';

/** A volume descriptor fills one logical sector (ECMA-119 8.1). */
export const VD_SIZE = SECTOR_SIZE;
export const CD001 = 'CD001';

/** ECMA-119 8.1: the header every volume descriptor starts with. */
export const VD_HEADER = layout({
  type: { at: 0, type: 'u8', name: 'Volume Descriptor Type', kind: 'enum' },
  standardId: { at: 1, type: 'ascii', len: 5, name: 'Standard Identifier', kind: 'magic' },
  version: { at: 6, type: 'u8', name: 'Volume Descriptor Version' },
});

export interface VdBase {
  kind: 'primary' | 'supplementary' | 'enhanced' | 'boot' | 'partition' | 'terminator' | 'unknown';
  type: number;
  version: number;
  lba: number;
  structure: Structure;
}

/** The 5-byte standard identifier (8.1.2) as text; "CD001" in every volume descriptor. */
export function standardIdOf(b: Uint8Array): string {
  const id = rawOf(b, VD_HEADER.standardId);
  return String.fromCharCode(...id);
}

/** Records the header fields; spec references are those of the descriptor's section (8.2.1, 8.4.1, …). */
export function header(r: FieldReader, section: string, typeName: string): void {
  const { type, standardId, version } = VD_HEADER;
  const t = r.buf[type.at];
  r.field(type.name, type.at, type.len, t, `${t} (${typeName})`, 'enum', `${section}.1`);
  r.field(standardId.name, standardId.at, standardId.len, CD001, `"${CD001}"`, 'magic', `${section}.2`);
  r.u8(version.name, version.at, `${section}.3`);
}

/** A problem on the version field (the third recorded) when it is not the expected one. */
export function expectVersion(r: FieldReader, version: number, want: number): void {
  if (version !== want) r.addProblem(r.fields[2], `is ${version}, expected ${want}`);
}

/** The descriptor's structure-map entry: one sector, the fields recorded by `r`. */
export function makeStructure(r: FieldReader, lba: number, type: string, name: string, spec: string): Structure {
  return { id: `vd:${lba}`, type, name, offset: lba * VD_SIZE, length: VD_SIZE, spec, fields: r.fields, children: [] };
}

/** Writes type, "CD001" and version. */
export function putHeader(b: Uint8Array, type: number, version: number): void {
  putNum(b, VD_HEADER.type, type);
  putRaw(b, VD_HEADER.standardId, Uint8Array.from(CD001, (c) => c.charCodeAt(0)));
  putNum(b, VD_HEADER.version, version);
}

