// A small source tree for real boot images built in unit tests: isolinux.bin (from Debian's
// isolinux package), a text file, and a 1.44 MB FAT image (mformat) usable both as an EFI boot
// image and as a floppy-emulation image — at efi.img beside the tree and at tree/boot/efi.img.
// Also hand-made system areas (an MBR sector, a disk with a protective MBR and primary/backup GPT)
// shared by the MBR, GPT and system-area tests, and hand-made El Torito catalogs shared by the
// catalog and boot-image tests; our reader's and sgdisk's verdict on a written GPT.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { crc32 } from '../../src/engine/bytes/crc32';
import { DiagnosticSink } from '../../src/engine/errors';
import { FileSource } from '../../src/engine/io/fileSource';
import { readSystemArea } from '../../src/engine/systemarea/index';
import type { SystemAreaInfo } from '../../src/engine/types';
import { run } from '../peers/run';

export function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Makes a temp dir holding `tree/` and `efi.img`; returns the dir. */
export function makeBootTree(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, 'tree/isolinux'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tree/boot'), { recursive: true });
  fs.copyFileSync('/usr/lib/ISOLINUX/isolinux.bin', path.join(dir, 'tree/isolinux/isolinux.bin'));
  fs.writeFileSync(path.join(dir, 'tree/hello.txt'), 'hello\n');
  sh('dd', ['if=/dev/zero', `of=${path.join(dir, 'efi.img')}`, 'bs=1024', 'count=1440']);
  sh('mformat', ['-i', path.join(dir, 'efi.img'), '-f', '1440', '::']);
  fs.copyFileSync(path.join(dir, 'efi.img'), path.join(dir, 'tree/boot/efi.img'));
  return dir;
}

// ---- hand-made system areas ------------------------------------------------------------------

export function mbrSector(parts: { status?: number; type: number; start: number; size: number }[], code?: Uint8Array, sig = 0x12345678): Uint8Array {
  const s = new Uint8Array(512);
  if (code) s.set(code.subarray(0, 440));
  const dv = new DataView(s.buffer);
  dv.setUint32(440, sig, true);
  parts.forEach((p, i) => {
    const o = 446 + i * 16;
    s[o] = p.status ?? 0;
    s[o + 4] = p.type;
    dv.setUint32(o + 8, p.start, true);
    dv.setUint32(o + 12, p.size, true);
  });
  s[510] = 0x55; s[511] = 0xaa;
  return s;
}

/** GUID text → on-disk bytes (mixed endian). */
export function guidBytes(g: string): Uint8Array {
  const h = g.replace(/-/g, '');
  const b = Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
  const out = new Uint8Array(16);
  out.set([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]]);
  out.set(b.subarray(8), 8);
  return out;
}

export interface GptPart { type: string; guid: string; first: number; last: number; name: string; attrs?: bigint }

/** A disk image of `blocks` blocks of `bs` bytes with a protective MBR, primary and backup GPT. */
export function gptImage(bs: number, blocks: number, parts: GptPart[], o: { entryCount?: number; entrySize?: number; breakHeaderCrc?: boolean; breakEntriesCrc?: boolean; truncateTo?: number; noBackup?: boolean } = {}): Uint8Array {
  const img = new Uint8Array(blocks * bs);
  img.set(mbrSector([{ type: 0xee, start: 1, size: Math.min(0xffffffff, blocks * (bs / 512) - 1) }], undefined, 0), 0);
  const count = o.entryCount ?? 128, esize = o.entrySize ?? 128;
  const arr = new Uint8Array(count * esize);
  parts.forEach((p, i) => {
    const e = arr.subarray(i * esize);
    e.set(guidBytes(p.type), 0);
    e.set(guidBytes(p.guid), 16);
    const dv = new DataView(e.buffer, e.byteOffset);
    dv.setBigUint64(32, BigInt(p.first), true);
    dv.setBigUint64(40, BigInt(p.last), true);
    dv.setBigUint64(48, p.attrs ?? 0n, true);
    for (let k = 0; k < p.name.length; k++) dv.setUint16(56 + 2 * k, p.name.charCodeAt(k), true);
  });
  const arrBlocks = Math.ceil(arr.length / bs);
  const arrCrc = crc32(arr) ^ (o.breakEntriesCrc ? 1 : 0);
  const header = (my: number, alt: number, entries: number): Uint8Array => {
    const h = new Uint8Array(92);
    const dv = new DataView(h.buffer);
    h.set([...'EFI PART'].map((c) => c.charCodeAt(0)));
    dv.setUint32(8, 0x00010000, true);
    dv.setUint32(12, 92, true);
    dv.setBigUint64(24, BigInt(my), true);
    dv.setBigUint64(32, BigInt(alt), true);
    dv.setBigUint64(40, BigInt(2 + arrBlocks), true);
    dv.setBigUint64(48, BigInt(blocks - 2 - arrBlocks), true);
    h.set(guidBytes('11223344-5566-7788-99AA-BBCCDDEEFF00'), 56);
    dv.setBigUint64(72, BigInt(entries), true);
    dv.setUint32(80, count, true);
    dv.setUint32(84, esize, true);
    dv.setUint32(88, arrCrc, true);
    dv.setUint32(16, crc32(h), true);
    return h;
  };
  const last = blocks - 1;
  const ph = header(1, last, 2);
  if (o.breakHeaderCrc) ph[16] ^= 0xff;
  img.set(ph, bs);
  if (arr.length <= img.length - 2 * bs) img.set(arr, 2 * bs);
  if (!o.noBackup) {
    img.set(arr.subarray(0, Math.min(arr.length, (last - arrBlocks) * bs)), (last - arrBlocks) * bs);
    img.set(header(last, 1, last - arrBlocks), last * bs);
  }
  return o.truncateTo ? img.slice(0, o.truncateTo) : img;
}

// ---- hand-made El Torito catalogs --------------------------------------------------------------

export function validationEntry(platform: number, id: string, opts: { badChecksum?: boolean; key?: [number, number]; headerId?: number } = {}): Uint8Array {
  const e = new Uint8Array(32);
  e[0] = opts.headerId ?? 1;
  e[1] = platform;
  for (let i = 0; i < id.length; i++) e[4 + i] = id.charCodeAt(i);
  e[30] = opts.key?.[0] ?? 0x55;
  e[31] = opts.key?.[1] ?? 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + (e[i] | (e[i + 1] << 8))) & 0xffff;
  const ck = (0x10000 - sum) & 0xffff;
  e[28] = ck & 0xff;
  e[29] = ck >> 8;
  if (opts.badChecksum) e[28] ^= 1;
  return e;
}

export function bootEntry(o: { bootable?: boolean; media?: number; seg?: number; sys?: number; count?: number; rba?: number; critType?: number; crit?: number[] }): Uint8Array {
  const e = new Uint8Array(32);
  const dv = new DataView(e.buffer);
  e[0] = o.bootable === false ? 0 : 0x88;
  e[1] = o.media ?? 0;
  dv.setUint16(2, o.seg ?? 0, true);
  e[4] = o.sys ?? 0;
  dv.setUint16(6, o.count ?? 4, true);
  dv.setUint32(8, o.rba ?? 0, true);
  e[12] = o.critType ?? 0;
  (o.crit ?? []).forEach((b, i) => { e[13 + i] = b; });
  return e;
}

export function sectionHeader(last: boolean, platform: number, count: number, id = ''): Uint8Array {
  const e = new Uint8Array(32);
  e[0] = last ? 0x91 : 0x90;
  e[1] = platform;
  new DataView(e.buffer).setUint16(2, count, true);
  for (let i = 0; i < id.length; i++) e[4 + i] = id.charCodeAt(i);
  return e;
}

export function extension(more: boolean, bytes: number[]): Uint8Array {
  const e = new Uint8Array(32);
  e[0] = 0x44;
  e[1] = more ? 0x20 : 0;
  bytes.forEach((b, i) => { e[2 + i] = b; });
  return e;
}

/** An image of `sectors` 2048-byte sectors with the catalog entries written at `lba`. */
export function imageWithCatalog(lba: number, entries: Uint8Array[], sectors = lba + 4): Uint8Array {
  const img = new Uint8Array(sectors * 2048);
  entries.forEach((e, i) => img.set(e, lba * 2048 + i * 32));
  return img;
}

// ---- verdicts on written GPTs ------------------------------------------------------------------

/** sgdisk -v's verdict: the number of problems (0 for "No problems found"). */
export async function sgdiskProblems(file: string): Promise<{ problems: number; text: string }> {
  const r = await run('sgdisk', ['-v', file]);
  const text = r.stdout.toString();
  if (/No problems found/.test(text)) return { problems: 0, text };
  const m = /Identified (\d+) problems?/.exec(text);
  assert.ok(m, `sgdisk -v: ${text}${r.stderr}`);
  return { problems: +m[1], text };
}

export async function systemAreaOf(file: string): Promise<{ info: SystemAreaInfo; diagnostics: string[] }> {
  const src = await FileSource.open(file);
  try {
    const sink = new DiagnosticSink();
    const { info } = await readSystemArea(src, sink);
    return { info, diagnostics: sink.items.map(d => d.message) };
  } finally {
    await src.close();
  }
}

/** Our reader agrees the GPT is intact: both headers and arrays with good CRCs, backup in the last block. */
export async function assertGptValid(file: string): Promise<SystemAreaInfo> {
  const { info, diagnostics } = await systemAreaOf(file);
  const g = info.gpt;
  assert.ok(g, 'GPT');
  assert.ok(g.headerCrcOk && g.entriesCrcOk, 'primary CRCs');
  assert.ok(g.backup?.found && g.backup.headerCrcOk && g.backup.entriesCrcOk, `backup: ${JSON.stringify(g.backup)} ${diagnostics.join('; ')}`);
  assert.equal(g.backupLba, fs.statSync(file).size / g.blockSize - 1, 'backup header in the last block');
  assert.ok(!diagnostics.some(d => /GPT|backup/i.test(d)), diagnostics.join('; '));
  return info;
}
