// System area: MBR, GPT and Apple Partition Map from hand-made bytes (good and bad) and from real
// hybrid images built here with xorriso / isohybrid / grub-mkrescue, checked against sfdisk
// (fdisk) and xorriso -report_system_area.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { DiagnosticSink } from '../../src/engine/errors';
import { FileSource } from '../../src/engine/io/fileSource';
import { MemorySource } from '../../src/engine/io/source';
import { readApm } from '../../src/engine/systemarea/apm';
import { readGpt } from '../../src/engine/systemarea/gpt';
import { formatGuid, gptTypeName } from '../../src/engine/systemarea/guids';
import { readSystemArea } from '../../src/engine/systemarea/index';
import { classifyBootCode, parseMbr } from '../../src/engine/systemarea/mbr';
import type { SystemAreaInfo } from '../../src/engine/types';
import { makeBootTree, sh } from './bootTree';
import { crc32 } from '../../src/engine/bytes/crc32';

// ---- hand-made bytes -----------------------------------------------------------------------

function mbrSector(parts: { status?: number; type: number; start: number; size: number }[], code?: Uint8Array, sig = 0x12345678): Uint8Array {
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
function guidBytes(g: string): Uint8Array {
  const h = g.replace(/-/g, '');
  const b = Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
  const out = new Uint8Array(16);
  out.set([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]]);
  out.set(b.subarray(8), 8);
  return out;
}

interface GptPart { type: string; guid: string; first: number; last: number; name: string; attrs?: bigint }

/** A disk image of `blocks` blocks of `bs` bytes with a protective MBR, primary and backup GPT. */
function gptImage(bs: number, blocks: number, parts: GptPart[], o: { entryCount?: number; entrySize?: number; breakHeaderCrc?: boolean; breakEntriesCrc?: boolean; truncateTo?: number; noBackup?: boolean } = {}): Uint8Array {
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

const EFI = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

describe('MBR (hand-made bytes)', () => {
  it('reads partitions, signature, boot flag, type names, and field offsets', () => {
    const sink = new DiagnosticSink();
    const r = parseMbr(mbrSector([{ status: 0x80, type: 0x17, start: 0, size: 4096 }, { type: 0xef, start: 136, size: 2880 }]), sink)!;
    assert.deepEqual(sink.items, []);
    assert.equal(r.info.signature, '0x12345678');
    assert.equal(r.info.protective, false);
    assert.equal(r.info.bootCode, 'none');
    assert.deepEqual(r.info.partitions, [
      { index: 1, bootable: true, type: 0x17, typeName: 'Hidden HPFS/NTFS', startLba: 0, sectors: 4096 },
      { index: 2, bootable: false, type: 0xef, typeName: 'EFI (FAT-12/16/32)', startLba: 136, sectors: 2880 },
    ]);
    assert.equal(r.structure.type, 'mbr');
    assert.equal(r.structure.children.length, 4);
    assert.equal(r.structure.children[1].fields.find((f) => f.name === 'Starting LBA')!.offset, 446 + 16 + 8);
  });

  it('null without 55 AA; unused entries (size 0) are skipped; protective flag', () => {
    const s = mbrSector([{ type: 0x83, start: 2048, size: 100 }]);
    s[511] = 0;
    assert.equal(parseMbr(s, new DiagnosticSink()), null);
    assert.equal(parseMbr(new Uint8Array(100), new DiagnosticSink()), null);
    const p = parseMbr(mbrSector([{ type: 0xee, start: 1, size: 999 }, { type: 0x83, start: 5, size: 0 }]), new DiagnosticSink())!;
    assert.equal(p.info.protective, true);
    assert.equal(p.info.partitions.length, 1);
    assert.equal(p.structure.name, 'Protective MBR');
    const sink = new DiagnosticSink();
    parseMbr(mbrSector([{ type: 0xee, start: 7, size: 999, status: 0x33 }]), sink);
    assert.ok(sink.items.some((d) => /expected 1/.test(d.message)));
    assert.ok(sink.items.some((d) => /neither 0x00 nor 0x80/.test(d.message) && d.offset === 446));
  });

  it('recognises boot code from the installed loaders', () => {
    const rd = (p: string) => new Uint8Array(fs.readFileSync(p)).subarray(0, 440);
    assert.equal(classifyBootCode(rd('/usr/lib/ISOLINUX/isohdpfx.bin')), 'isohybrid');
    assert.equal(classifyBootCode(rd('/usr/lib/ISOLINUX/isohdppx.bin')), 'isohybrid');
    assert.equal(classifyBootCode(rd('/usr/lib/grub/i386-pc/boot_hybrid.img')), 'grub2');
    assert.equal(classifyBootCode(rd('/usr/lib/grub/i386-pc/boot.img')), 'grub2');
    assert.equal(classifyBootCode(rd('/usr/lib/syslinux/mbr/mbr.bin')), 'syslinux');
    assert.equal(classifyBootCode(rd('/usr/lib/syslinux/mbr/gptmbr.bin')), 'syslinux');
    assert.equal(classifyBootCode(new Uint8Array(440)), 'none');
    assert.equal(classifyBootCode(new Uint8Array(440).fill(0xcc)), 'unknown');
  });
});

describe('GPT (hand-made bytes)', () => {
  const parts: GptPart[] = [
    { type: EFI, guid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', first: 40, last: 99, name: 'EFI system', attrs: 0x1000000000000001n },
    { type: LINUX, guid: '01020304-0506-0708-090A-0B0C0D0E0F10', first: 100, last: 199, name: 'root' },
  ];

  it('512-byte blocks: header, entries, backup all verified', async () => {
    const sink = new DiagnosticSink();
    const r = (await readGpt(new MemorySource(gptImage(512, 400, parts)), sink))!;
    assert.deepEqual(sink.items, []);
    const g = r.info;
    assert.equal(g.blockSize, 512);
    assert.equal(g.diskGuid, '11223344-5566-7788-99AA-BBCCDDEEFF00');
    assert.deepEqual([g.headerCrcOk, g.entriesCrcOk, g.currentLba, g.backupLba, g.entriesLba, g.entryCount, g.entrySize], [true, true, 1, 399, 2, 128, 128]);
    assert.deepEqual([g.firstUsableLba, g.lastUsableLba], [34, 366]);
    assert.deepEqual(g.backup, { found: true, headerCrcOk: true, entriesCrcOk: true, lba: 399 });
    assert.deepEqual(g.partitions, [
      { index: 1, typeGuid: EFI, typeName: 'EFI System', guid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', name: 'EFI system', firstLba: 40, lastLba: 99, attributes: '0x1000000000000001' },
      { index: 2, typeGuid: LINUX, typeName: 'Linux filesystem', guid: '01020304-0506-0708-090A-0B0C0D0E0F10', name: 'root', firstLba: 100, lastLba: 199, attributes: '0x0000000000000000' },
    ]);
    assert.deepEqual(r.structures.map((s) => s.type), ['gpt-header', 'gpt-entries', 'gpt-header', 'gpt-entries']);
    assert.equal(r.structures[0].offset, 512);
    assert.equal(r.structures[1].children.length, 2);
    assert.equal(r.structures[1].children[1].offset, 1024 + 128);
  });

  it('2048-byte blocks: found at byte 2048, LBAs kept in 2048-byte units', async () => {
    const sink = new DiagnosticSink();
    const img = gptImage(2048, 100, parts);
    img.fill(0, 512, 1024); // nothing at 512
    const g = (await readGpt(new MemorySource(img), sink))!.info;
    assert.deepEqual(sink.items, []);
    assert.equal(g.blockSize, 2048);
    assert.equal(g.backupLba, 99);
    assert.equal(g.partitions[0].firstLba, 40);
    assert.equal(g.backup?.found, true);
  });

  it('bad header CRC and bad entry-array CRC are reported, partitions still read', async () => {
    let sink = new DiagnosticSink();
    let g = (await readGpt(new MemorySource(gptImage(512, 400, parts, { breakHeaderCrc: true })), sink))!.info;
    assert.equal(g.headerCrcOk, false);
    assert.equal(g.backup?.headerCrcOk, true);
    assert.ok(sink.items.some((d) => /HeaderCRC32/.test(d.message) && d.offset === 512 + 16));
    sink = new DiagnosticSink();
    g = (await readGpt(new MemorySource(gptImage(512, 400, parts, { breakEntriesCrc: true })), sink))!.info;
    assert.equal(g.headerCrcOk, true);
    assert.equal(g.entriesCrcOk, false);
    assert.equal(g.backup?.entriesCrcOk, false);
    assert.equal(g.partitions.length, 2);
    assert.ok(sink.items.some((d) => /PartitionEntryArrayCRC32 mismatch/.test(d.message) && d.offset === 1024));
  });

  it('truncated image: backup header beyond the end is a diagnostic', async () => {
    const sink = new DiagnosticSink();
    const g = (await readGpt(new MemorySource(gptImage(512, 400, parts, { truncateTo: 300 * 512 })), sink))!.info;
    assert.equal(g.headerCrcOk, true);
    assert.deepEqual(g.backup, { found: false, headerCrcOk: false, entriesCrcOk: false, lba: 399 });
    assert.ok(sink.items.some((d) => /beyond the end of the image/.test(d.message)));
  });

  it('missing backup header', async () => {
    const sink = new DiagnosticSink();
    const g = (await readGpt(new MemorySource(gptImage(512, 400, parts, { noBackup: true })), sink))!.info;
    assert.equal(g.backup?.found, false);
    assert.ok(sink.items.some((d) => /no backup GPT header/.test(d.message)));
  });

  it('absurd entry count and entry size are bounded, never allocated', async () => {
    const img = gptImage(512, 400, parts);
    const dv = new DataView(img.buffer);
    dv.setUint32(512 + 80, 0xffffffff, true); // NumberOfPartitionEntries
    dv.setUint32(512 + 16, 0, true);
    dv.setUint32(512 + 16, crc32(img.subarray(512, 512 + 92)), true);
    let sink = new DiagnosticSink();
    let g = (await readGpt(new MemorySource(img), sink))!.info;
    assert.equal(g.entryCount, 0xffffffff);
    assert.equal(g.entriesCrcOk, false);
    assert.ok(sink.items.some((d) => /exceeds the limit of 1024/.test(d.message) && d.offset === 512 + 80));
    dv.setUint32(512 + 80, 128, true);
    dv.setUint32(512 + 84, 0x7fffffff, true); // SizeOfPartitionEntry
    sink = new DiagnosticSink();
    g = (await readGpt(new MemorySource(img), sink))!.info;
    assert.equal(g.partitions.length, 0);
    assert.ok(sink.items.some((d) => /SizeOfPartitionEntry 2147483647/.test(d.message)));
    // Entry array LBA far beyond the image.
    dv.setUint32(512 + 84, 128, true);
    dv.setBigUint64(512 + 72, 1n << 40n, true);
    sink = new DiagnosticSink();
    g = (await readGpt(new MemorySource(img), sink))!.info;
    assert.equal(g.partitions.length, 0);
    assert.ok(sink.items.some((d) => /outside the image/.test(d.message)));
  });

  it('no "EFI PART" → null; tiny image → null', async () => {
    assert.equal(await readGpt(new MemorySource(new Uint8Array(8192)), new DiagnosticSink()), null);
    assert.equal(await readGpt(new MemorySource(new Uint8Array(100)), new DiagnosticSink()), null);
  });

  it('GUID formatting and type names', () => {
    assert.equal(formatGuid(guidBytes(EFI)), EFI);
    assert.equal(gptTypeName(EFI.toLowerCase()), 'EFI System');
    assert.equal(gptTypeName('21686148-6449-6E6F-744E-656564454649'), 'BIOS boot');
    assert.equal(gptTypeName('EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'), 'Microsoft basic data');
    assert.equal(gptTypeName('48465300-0000-11AA-AA11-00306543ECAC'), 'Apple HFS/HFS+');
    assert.equal(gptTypeName('12345678-0000-0000-0000-000000000000'), 'unknown');
  });
});

/** Apple partition map: DDR "ER" with block size `bs`, entries "PM" at blocks 1..n. */
function apmImage(bs: number, entries: { name: string; type: string; start: number; blocks: number; status?: number }[], o: { mapCount?: number; ddrBlockSize?: number; blocks?: number } = {}): Uint8Array {
  const img = new Uint8Array((o.blocks ?? entries.length + 4) * bs);
  const dv = new DataView(img.buffer);
  img[0] = 0x45; img[1] = 0x52;
  dv.setUint16(2, o.ddrBlockSize ?? bs, false);
  dv.setUint32(4, img.length / bs, false);
  entries.forEach((e, i) => {
    const off = (i + 1) * bs;
    img[off] = 0x50; img[off + 1] = 0x4d;
    dv.setUint32(off + 4, o.mapCount ?? entries.length, false);
    dv.setUint32(off + 8, e.start, false);
    dv.setUint32(off + 12, e.blocks, false);
    for (let k = 0; k < e.name.length; k++) img[off + 16 + k] = e.name.charCodeAt(k);
    for (let k = 0; k < e.type.length; k++) img[off + 48 + k] = e.type.charCodeAt(k);
    dv.setUint32(off + 88, e.status ?? 0x13, false);
  });
  return img;
}

describe('Apple Partition Map (hand-made bytes)', () => {
  const ents = [
    { name: 'Apple', type: 'Apple_partition_map', start: 1, blocks: 3, status: 3 },
    { name: 'HFSPLUS_Hybrid', type: 'Apple_HFS', start: 10, blocks: 20, status: 0x40000013 },
    { name: 'Gap', type: 'ISO9660_data', start: 30, blocks: 5 },
  ];
  for (const bs of [512, 2048]) {
    it(`reads a ${bs}-byte-block map`, async () => {
      const sink = new DiagnosticSink();
      const r = (await readApm(new MemorySource(apmImage(bs, ents)), sink))!;
      assert.deepEqual(sink.items, []);
      assert.equal(r.info.blockSize, bs);
      assert.deepEqual(r.info.partitions, [
        { index: 1, name: 'Apple', type: 'Apple_partition_map', startBlock: 1, blocks: 3, status: '0x00000003' },
        { index: 2, name: 'HFSPLUS_Hybrid', type: 'Apple_HFS', startBlock: 10, blocks: 20, status: '0x40000013' },
        { index: 3, name: 'Gap', type: 'ISO9660_data', startBlock: 30, blocks: 5, status: '0x00000013' },
      ]);
      assert.deepEqual(r.structures.map((s) => s.type), ['apm-ddr', 'apm-map']);
      assert.equal(r.structures[1].children[2].offset, 3 * bs);
    });
  }

  it('DDR block size that does not match the map: falls back to 512/2048 and reports it', async () => {
    const sink = new DiagnosticSink();
    const r = (await readApm(new MemorySource(apmImage(2048, ents, { ddrBlockSize: 512 })), sink))!;
    assert.equal(r.info.blockSize, 2048);
    assert.ok(sink.items.some((d) => /sbBlkSize/.test(d.message)));
  });

  it('absurd map count is bounded; a missing "PM" stops the walk', async () => {
    const sink = new DiagnosticSink();
    const r = (await readApm(new MemorySource(apmImage(512, ents, { mapCount: 0xffffffff })), sink))!;
    assert.equal(r.info.partitions.length, 3);
    assert.ok(sink.items.some((d) => /outside 1\.\.256/.test(d.message)));
    assert.ok(sink.items.some((d) => /no "PM" signature/.test(d.message)));
  });

  it('map count beyond a truncated image', async () => {
    const sink = new DiagnosticSink();
    const r = (await readApm(new MemorySource(apmImage(512, ents, { mapCount: 10, blocks: 4 })), sink))!;
    assert.equal(r.info.partitions.length, 3);
    assert.ok(sink.items.some((d) => /beyond the end of the image/.test(d.message)));
  });

  it('no "ER", or "ER" without any "PM" → null', async () => {
    assert.equal(await readApm(new MemorySource(new Uint8Array(8192)), new DiagnosticSink()), null);
    const img = new Uint8Array(8192);
    img[0] = 0x45; img[1] = 0x52;
    assert.equal(await readApm(new MemorySource(img), new DiagnosticSink()), null);
  });
});

describe('readSystemArea (hand-made)', () => {
  it('all-zero system area is empty', async () => {
    const r = await readSystemArea(new MemorySource(new Uint8Array(40000)), new DiagnosticSink());
    assert.deepEqual(r.info, { empty: true, mbr: null, gpt: null, apm: null });
    assert.deepEqual(r.structures, []);
  });
  it('tiny and truncated images do not crash', async () => {
    const sink = new DiagnosticSink();
    const r = await readSystemArea(new MemorySource(new Uint8Array([1, 2, 3])), sink);
    assert.equal(r.info.empty, false);
    assert.equal(r.info.mbr, null);
    const t = await readSystemArea(new MemorySource(gptImage(512, 400, [], { truncateTo: 1500 })), sink);
    assert.equal(t.info.mbr?.protective, true);
    assert.equal(t.info.gpt?.entriesCrcOk, false);
  });
  it('protective MBR without GPT and GPT without MBR are reported', async () => {
    let sink = new DiagnosticSink();
    const img = new Uint8Array(65536);
    img.set(mbrSector([{ type: 0xee, start: 1, size: 127 }]));
    await readSystemArea(new MemorySource(img), sink);
    assert.ok(sink.items.some((d) => /no GPT header/.test(d.message)));
    sink = new DiagnosticSink();
    const g = gptImage(512, 400, []);
    g.fill(0, 0, 512);
    const r = await readSystemArea(new MemorySource(g), sink);
    assert.ok(r.info.gpt);
    assert.ok(sink.items.some((d) => /no MBR signature/.test(d.message)));
  });
});

// ---- real images ---------------------------------------------------------------------------

interface SfdiskPart { start: number; size: number; type: string; uuid?: string; name?: string; bootable?: boolean }
function sfdisk(img: string): { label: string; id: string; partitions: SfdiskPart[]; firstlba?: number; lastlba?: number } {
  return (JSON.parse(sh('sfdisk', ['-J', img])) as { partitiontable: { label: string; id: string; partitions: SfdiskPart[]; firstlba?: number; lastlba?: number } }).partitiontable;
}

/** xorriso's hex dump of on-disk GUID bytes → our text form. */
function xGuid(hex: string): string {
  return formatGuid(Uint8Array.from(hex.match(/../g)!.map((x) => parseInt(x, 16))));
}

interface XSys { gpt: { n: number; name: string; guid: string; type: string; flags: string; start: number; size: number }[]; gptDisk?: string; gptArray?: [number, number]; gptRange?: [number, number, number]; apmBlock?: number; apm: { n: number; name: string; type: string; start: number; size: number }[]; summary: string }
function xorrisoSystemArea(iso: string): XSys {
  const out = execFileSync('xorriso', ['-indev', iso, '-report_system_area', 'plain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const r: XSys = { gpt: [], apm: [], summary: '' };
  const gp = (n: number) => { let p = r.gpt.find((x) => x.n === n); if (!p) { p = { n, name: '', guid: '', type: '', flags: '', start: 0, size: 0 }; r.gpt.push(p); } return p; };
  const ap = (n: number) => { let p = r.apm.find((x) => x.n === n); if (!p) { p = { n, name: '', type: '', start: 0, size: 0 }; r.apm.push(p); } return p; };
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^System area summary:\s*(.*)$/.exec(line))) r.summary = m[1];
    if ((m = /^GPT disk GUID\s*:\s*([0-9a-f]{32})/.exec(line))) r.gptDisk = xGuid(m[1]);
    if ((m = /^GPT entry array\s*:\s*(\d+)\s+(\d+)/.exec(line))) r.gptArray = [+m[1], +m[2]];
    if ((m = /^GPT lba range\s*:\s*(\d+)\s+(\d+)\s+(\d+)/.exec(line))) r.gptRange = [+m[1], +m[2], +m[3]];
    if ((m = /^GPT partname local\s*:\s*(\d+)\s+(.*)$/.exec(line))) gp(+m[1]).name = m[2];
    if ((m = /^GPT partition GUID\s*:\s*(\d+)\s+([0-9a-f]{32})/.exec(line))) gp(+m[1]).guid = xGuid(m[2]);
    if ((m = /^GPT type GUID\s*:\s*(\d+)\s+([0-9a-f]{32})/.exec(line))) gp(+m[1]).type = xGuid(m[2]);
    if ((m = /^GPT partition flags\s*:\s*(\d+)\s+(0x[0-9a-f]+)/.exec(line))) gp(+m[1]).flags = m[2];
    if ((m = /^GPT start and size\s*:\s*(\d+)\s+(\d+)\s+(\d+)/.exec(line))) { gp(+m[1]).start = +m[2]; gp(+m[1]).size = +m[3]; }
    if ((m = /^APM block size\s*:\s*(\d+)/.exec(line))) r.apmBlock = +m[1];
    if ((m = /^APM partition name\s*:\s*(\d+)\s+(.*)$/.exec(line))) ap(+m[1]).name = m[2];
    if ((m = /^APM partition type\s*:\s*(\d+)\s+(.*)$/.exec(line))) ap(+m[1]).type = m[2];
    if ((m = /^APM start and size\s*:\s*(\d+)\s+(\d+)\s+(\d+)/.exec(line))) { ap(+m[1]).start = +m[2]; ap(+m[1]).size = +m[3]; }
  }
  return r;
}

async function readReal(img: string): Promise<{ info: SystemAreaInfo; sink: DiagnosticSink }> {
  const src = await FileSource.open(img);
  try {
    const sink = new DiagnosticSink();
    return { info: (await readSystemArea(src, sink)).info, sink };
  } finally { await src.close(); }
}

function assertMbrMatchesSfdisk(info: SystemAreaInfo, img: string): void {
  const f = sfdisk(img);
  assert.equal(f.label, 'dos');
  assert.equal(info.mbr!.signature, f.id);
  assert.deepEqual(info.mbr!.partitions.map((p) => [p.startLba, p.sectors, p.type.toString(16), p.bootable]),
    f.partitions.map((p) => [p.start, p.size, p.type, p.bootable ?? false]));
}

function assertGptMatchesXorriso(info: SystemAreaInfo, x: XSys): void {
  const g = info.gpt!;
  assert.equal(g.diskGuid, x.gptDisk);
  assert.deepEqual([g.entriesLba, g.entryCount], x.gptArray);
  assert.deepEqual([g.firstUsableLba, g.lastUsableLba, g.backupLba], x.gptRange);
  assert.deepEqual(g.partitions.map((p) => ({ n: p.index, name: p.name, guid: p.guid, type: p.typeGuid, flags: p.attributes, start: p.firstLba, size: p.lastLba - p.firstLba + 1 })), x.gpt);
}

describe('system area of real images', function () {
  this.timeout(120_000);
  let dir = '';
  before(() => {
    dir = makeBootTree('isowb-sysarea-');
  });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('plain genisoimage ISO: empty system area', async () => {
    const iso = path.join(dir, 'plain.iso');
    sh('genisoimage', ['-quiet', '-o', iso, path.join(dir, 'tree')]);
    const { info } = await readReal(iso);
    assert.deepEqual(info, { empty: true, mbr: null, gpt: null, apm: null });
  });

  it('xorriso -isohybrid-mbr + -isohybrid-gpt-basdat: isohybrid MBR (sfdisk) and hybrid GPT (xorriso)', async () => {
    const iso = path.join(dir, 'hyb.iso');
    sh('xorriso', ['-as', 'mkisofs', '-o', iso, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4',
      '-boot-info-table', '-isohybrid-mbr', '/usr/lib/ISOLINUX/isohdpfx.bin', '-eltorito-alt-boot', '-e', 'boot/efi.img', '-no-emul-boot',
      '-isohybrid-gpt-basdat', path.join(dir, 'tree')]);
    const { info, sink } = await readReal(iso);
    assert.equal(info.mbr!.bootCode, 'isohybrid');
    assert.equal(info.mbr!.protective, false);
    assertMbrMatchesSfdisk(info, iso);
    const x = xorrisoSystemArea(iso);
    assert.match(x.summary, /MBR isohybrid/);
    assertGptMatchesXorriso(info, x);
    assert.equal(info.gpt!.blockSize, 512);
    assert.equal(info.gpt!.headerCrcOk, true);
    assert.equal(info.gpt!.entriesCrcOk, true);
    assert.deepEqual(info.gpt!.backup, { found: true, headerCrcOk: true, entriesCrcOk: true, lba: x.gptRange![2] });
    assert.equal(info.apm, null);
    assert.deepEqual(sink.items, []);
  });

  it('xorriso -append_partition 2 0xef: appended ESP (sfdisk)', async () => {
    const iso = path.join(dir, 'app.iso');
    sh('xorriso', ['-as', 'mkisofs', '-o', iso, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4',
      '-isohybrid-mbr', '/usr/lib/ISOLINUX/isohdpfx.bin', '-append_partition', '2', '0xef', path.join(dir, 'efi.img'), path.join(dir, 'tree')]);
    const { info, sink } = await readReal(iso);
    assertMbrMatchesSfdisk(info, iso);
    const esp = info.mbr!.partitions.find((p) => p.type === 0xef)!;
    assert.equal(esp.sectors, 2880);
    assert.equal(esp.typeName, 'EFI (FAT-12/16/32)');
    assert.deepEqual(sink.items, []);
  });

  it('grub-mkrescue: protective MBR with GRUB boot code, GPT (sfdisk) and APM (xorriso)', async () => {
    const iso = path.join(dir, 'grub.iso');
    fs.mkdirSync(path.join(dir, 'gtree'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'gtree/a.txt'), 'a\n');
    sh('grub-mkrescue', ['-o', iso, path.join(dir, 'gtree')]);
    const { info, sink } = await readReal(iso);
    assert.equal(info.mbr!.bootCode, 'grub2');
    assert.equal(info.mbr!.protective, true);
    const f = sfdisk(iso);
    assert.equal(f.label, 'gpt');
    const g = info.gpt!;
    assert.equal(g.diskGuid, f.id);
    assert.deepEqual([g.firstUsableLba, g.lastUsableLba], [f.firstlba, f.lastlba]);
    assert.deepEqual(g.partitions.map((p) => ({ start: p.firstLba, size: p.lastLba - p.firstLba + 1, type: p.typeGuid, uuid: p.guid, name: p.name })),
      f.partitions.map((p) => ({ start: p.start, size: p.size, type: p.type, uuid: p.uuid, name: p.name })));
    assert.ok(g.partitions.some((p) => p.typeName === 'EFI System'));
    assert.ok(g.partitions.some((p) => p.typeName === 'Apple HFS/HFS+'));
    assert.equal(g.backup?.found, true);
    assert.equal(g.backup?.headerCrcOk, true);
    const x = xorrisoSystemArea(iso);
    assertGptMatchesXorriso(info, x);
    // APM: xorriso lists the partitions but not the map's own "Apple_partition_map" entry.
    const a = info.apm!;
    assert.equal(a.blockSize, x.apmBlock);
    assert.equal(a.partitions[0].type, 'Apple_partition_map');
    assert.deepEqual(a.partitions.slice(1).map((p) => ({ name: p.name, type: p.type, start: p.startBlock, size: p.blocks })),
      x.apm.map((p) => ({ name: p.name, type: p.type, start: p.start, size: p.size })));
    assert.deepEqual(sink.items, []);
  });

  it('xorriso -hfsplus -apm-block-size 2048: APM (xorriso)', async () => {
    const iso = path.join(dir, 'hfs.iso');
    sh('xorriso', ['-as', 'mkisofs', '-o', iso, '-hfsplus', '-apm-block-size', '2048', path.join(dir, 'tree')]);
    const { info } = await readReal(iso);
    const x = xorrisoSystemArea(iso);
    assert.equal(info.apm!.blockSize, 2048);
    assert.equal(x.apmBlock, 2048);
    assert.deepEqual(info.apm!.partitions.filter((p) => p.type !== 'Apple_partition_map').map((p) => ({ name: p.name, type: p.type, start: p.startBlock, size: p.blocks })),
      x.apm.map((p) => ({ name: p.name, type: p.type, start: p.start, size: p.size })));
  });

  it('syslinux isohybrid -u on a genisoimage ISO: MBR (sfdisk) and GPT (xorriso)', async () => {
    const iso = path.join(dir, 'ih.iso');
    sh('genisoimage', ['-quiet', '-o', iso, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4',
      '-boot-info-table', '-eltorito-alt-boot', '-e', 'boot/efi.img', '-no-emul-boot', path.join(dir, 'tree')]);
    sh('isohybrid', ['-u', iso]);
    const { info } = await readReal(iso);
    assert.equal(info.mbr!.bootCode, 'isohybrid');
    assertMbrMatchesSfdisk(info, iso);
    assertGptMatchesXorriso(info, xorrisoSystemArea(iso));
    assert.equal(info.gpt!.headerCrcOk, true);
    assert.equal(info.gpt!.entriesCrcOk, true);
  });

  it('truncated grub-mkrescue image: GPT backup missing is a diagnostic, not a crash', async () => {
    const iso = path.join(dir, 'grub-cut-src.iso');
    fs.mkdirSync(path.join(dir, 'gtree'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'gtree/a.txt'), 'a\n');
    sh('grub-mkrescue', ['-o', iso, path.join(dir, 'gtree')]);
    const cut = path.join(dir, 'cut.iso');
    fs.copyFileSync(iso, cut);
    fs.truncateSync(cut, 64 * 2048);
    const { info, sink } = await readReal(cut);
    assert.equal(info.gpt!.backup?.found, false);
    assert.ok(sink.items.some((d) => /beyond the end of the image/.test(d.message)));
  });
});
