// Shared by the SUSP and Rock Ridge tests (test/engine/rockridge/*.test.ts): hand-made System Use
// entries, a reader over an in-memory image, and the walk / parse of one System Use area.
import { DiagnosticSink } from '../../../src/engine/errors';
import { MemorySource, readExact } from '../../../src/engine/io/source';
import { parseRockRidge, type RockRidge } from '../../../src/engine/rockridge/rrip';
import { readSuspArea, type ReadAt, type SuspArea, type SuspEntry } from '../../../src/engine/rockridge/susp';
import { BS } from '../iso9660/helpers';

export { BS };

export function bytes(...parts: Array<number | number[] | Uint8Array | string>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const ch of Buffer.from(p, 'utf8')) out.push(ch);
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
/** ECMA-119 7.3.3 both-byte-order 32-bit. */
export function bb32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
/** A System Use entry: signature, length, version, data. */
export function entry(sig: string, version: number, ...data: Array<number | number[] | Uint8Array | string>): Uint8Array {
  const d = bytes(...data);
  return bytes(sig, 4 + d.length, version, d);
}
export const SP = (skip = 0) => entry('SP', 1, 0xbe, 0xef, skip);
export const CE = (lba: number, off: number, len: number) => entry('CE', 1, bb32(lba), bb32(off), bb32(len));
export const ST = () => entry('ST', 1);
export const PX = (mode: number, nlink: number, uid: number, gid: number, ino?: number) =>
  entry('PX', 1, bb32(mode), bb32(nlink), bb32(uid), bb32(gid), ino === undefined ? [] : bb32(ino));
export const NM = (flags: number, name: string | Uint8Array) => entry('NM', 1, flags, name);
export const SLc = (flags: number, content: string | Uint8Array = '') => {
  const c = typeof content === 'string' ? Buffer.from(content) : content;
  return [flags, c.length, ...c];
};
export const SL = (flags: number, ...comps: number[][]) => entry('SL', 1, flags, comps.flat());
export const date7 = (y: number, mo: number, d: number, h: number, mi: number, s: number, q = 0) => [y - 1900, mo, d, h, mi, s, q & 0xff];
export const date17 = (s: string, q = 0) => [...Buffer.from(s), q & 0xff];

export function image(blocks: number): Uint8Array { return new Uint8Array(blocks * BS); }
export function readerFor(img: Uint8Array): ReadAt {
  const src = new MemorySource(img, 'test.iso');
  return (o, l) => readExact(src, o, l, 'SUSP continuation area');
}
export async function walk(su: Uint8Array, opts: { img?: Uint8Array; base?: number; skip?: number } = {}): Promise<{ area: SuspArea; sink: DiagnosticSink }> {
  const sink = new DiagnosticSink();
  const img = opts.img ?? image(4);
  const area = await readSuspArea(su, opts.base ?? 1000, opts.skip ?? 0, readerFor(img), BS, sink, '/f');
  return { area, sink };
}
export function rrOf(...entries: Uint8Array[]): { rr: RockRidge; sink: DiagnosticSink } {
  const list: SuspEntry[] = [];
  let off = 5000;
  for (const e of entries) {
    list.push({ sig: String.fromCharCode(e[0], e[1]), length: e[2], version: e[3], data: e.slice(4, e[2]), offset: off });
    off += e.length;
  }
  const sink = new DiagnosticSink();
  return { rr: parseRockRidge(list, sink, '/f'), sink };
}
export const msgs = (s: DiagnosticSink) => s.items.map(i => i.message).join('\n');

/** A TF entry in the short form: modified, accessed, attributes. */
export function TFshort(): Uint8Array {
  return entry('TF', 1, 0x0e, date7(2021, 6, 7, 8, 9, 10, 4), date7(2021, 6, 8, 0, 0, 0), date7(1999, 12, 31, 23, 59, 59, -8));
}
