// System area (src/engine/systemarea/index.ts: readSystemArea) from hand-made bytes and from
// real hybrid images built here with xorriso / isohybrid / grub-mkrescue, checked against sfdisk
// (fdisk) and xorriso -report_system_area.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { DiagnosticSink } from '../../../src/engine/errors';
import { FileSource } from '../../../src/engine/io/fileSource';
import { MemorySource } from '../../../src/engine/io/source';
import { formatGuid } from '../../../src/engine/systemarea/guids';
import { readSystemArea } from '../../../src/engine/systemarea/index';
import type { SystemAreaInfo } from '../../../src/engine/types';
import { gptImage, makeBootTree, mbrSector, sh } from '../../util/bootTree';

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
