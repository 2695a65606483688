// El Torito boot images (src/engine/eltorito/index.ts: readElTorito): location of hand-made
// catalogs' images and real images built here with xorriso / genisoimage / grub-mkrescue, checked
// against xorriso's -report_el_torito and dumpet.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { DiagnosticSink } from '../../../src/engine/errors';
import { FileSource } from '../../../src/engine/io/fileSource';
import { MemorySource, type ByteSource } from '../../../src/engine/io/source';
import { readElTorito, type FileAtLba } from '../../../src/engine/eltorito/index';
import { readSystemArea } from '../../../src/engine/systemarea/index';
import type { SystemAreaInfo } from '../../../src/engine/types';
import { bootEntry, imageWithCatalog, makeBootTree, sectionHeader, sh, validationEntry } from '../../util/bootTree';

const noSystemArea: SystemAreaInfo = { empty: true, mbr: null, gpt: null, apm: null };

describe('boot image location (hand-made)', () => {
  it('file, floppy, appended partition, hdd MBR and sector-count sources', async () => {
    const volumeBlocks = 100;
    const ents = [validationEntry(0, ''), bootEntry({ rba: 30, count: 4 }), sectionHeader(true, 0xef, 4),
      bootEntry({ media: 2, rba: 40, count: 1 }), // 1.44 MB floppy
      bootEntry({ rba: 100, count: 0 }), // outside the volume, partition at 400 (512-byte sectors)
      bootEntry({ media: 4, rba: 50, count: 1 }), // hdd emulation
      bootEntry({ rba: 60, count: 8 })]; // nothing known: sector count
    const img = imageWithCatalog(20, ents, 1200);
    // hdd image: MBR with a partition at 63, 1000 sectors → 1063 * 512 bytes
    const mbrOff = 50 * 2048;
    img[mbrOff + 510] = 0x55; img[mbrOff + 511] = 0xaa;
    img[mbrOff + 446 + 4] = 0x83;
    new DataView(img.buffer).setUint32(mbrOff + 446 + 8, 63, true);
    new DataView(img.buffer).setUint32(mbrOff + 446 + 12, 1000, true);
    // boot info table in the first image
    new DataView(img.buffer).setUint32(30 * 2048 + 8, 16, true);
    new DataView(img.buffer).setUint32(30 * 2048 + 12, 30, true);
    new DataView(img.buffer).setUint32(30 * 2048 + 16, 5000, true);
    const sys: SystemAreaInfo = { empty: false, gpt: null, apm: null,
      mbr: { signature: '0x00000000', protective: false, bootCode: 'none', partitions: [{ index: 2, bootable: false, type: 0xef, typeName: 'EFI (FAT-12/16/32)', startLba: 400, sectors: 64 }] } };
    const files = new Map<number, FileAtLba>([[30, { path: '/boot/loader.bin', size: 5000 }], [20, { path: '/boot.cat', size: 2048 }]]);
    const sink = new DiagnosticSink();
    const { info, structures } = await readElTorito(new MemorySource(img), 17, 20, volumeBlocks, sys, (l) => files.get(l) ?? null, sink);
    assert.deepEqual(sink.items, []);
    assert.equal(info.catalogPath, '/boot.cat');
    assert.equal(info.bootRecordLba, 17);
    const e = info.entries;
    assert.deepEqual([e[0].imageSize, e[0].imageSizeSource, e[0].path, e[0].bootInfoTable, e[0].outsideVolume], [5000, 'file', '/boot/loader.bin', true, false]);
    assert.deepEqual([e[1].imageSize, e[1].imageSizeSource, e[1].path], [1_474_560, 'emulation', null]);
    assert.deepEqual([e[2].imageSize, e[2].imageSizeSource, e[2].outsideVolume], [64 * 512, 'partition', true]);
    assert.deepEqual([e[3].imageSize, e[3].imageSizeSource], [1063 * 512, 'emulation']);
    assert.deepEqual([e[4].imageSize, e[4].imageSizeSource, e[4].bootInfoTable, e[4].grub2BootInfo], [8 * 512, 'sector-count', false, false]);
    assert.equal(structures.length, 1 + 5);
    assert.equal(structures[0].type, 'boot-catalog');
    const bi = structures[1];
    assert.equal(bi.type, 'boot-image');
    assert.equal(bi.offset, 30 * 2048);
    assert.equal(bi.length, 5000);
    assert.deepEqual(bi.target, { lba: 30, blocks: 3, path: '/boot/loader.bin' });
    assert.equal(bi.fields.find((f) => f.name === 'Boot info: boot image LBA')?.offset, 30 * 2048 + 12);
  });

  it('a boot image beyond the end of a truncated image is a diagnostic, not a crash', async () => {
    const img = imageWithCatalog(20, [validationEntry(0, ''), bootEntry({ rba: 500, count: 4 })], 30);
    const sink = new DiagnosticSink();
    const { info, structures } = await readElTorito(new MemorySource(img), 17, 20, 30, noSystemArea, () => null, sink);
    assert.equal(info.entries[0].imageSize, 2048);
    assert.equal(info.entries[0].outsideVolume, true);
    assert.ok(sink.items.some((d) => /beyond the end of the image/.test(d.message) && d.offset === 500 * 2048));
    assert.ok(structures[1].problems?.length);
  });
});

// ---- real images ---------------------------------------------------------------------------

interface XorrisoBoot { n: number; pltf: string; bootable: boolean; emul: string; ldSeg: number; hdpt: number; ldsiz: number; lba: number }
interface XorrisoReport { catalogLba: number; catPath: string | null; images: XorrisoBoot[]; paths: Map<number, string>; opts: Map<number, string>; hdsiz: Map<number, number>; blks: Map<number, number> }

/** Parses `xorriso -report_el_torito plain`. */
function xorrisoElTorito(iso: string): XorrisoReport {
  const out = execFileSync('xorriso', ['-indev', iso, '-report_el_torito', 'plain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const r: XorrisoReport = { catalogLba: -1, catPath: null, images: [], paths: new Map(), opts: new Map(), hdsiz: new Map(), blks: new Map() };
  for (const line of out.split('\n')) {
    let m = /^El Torito catalog\s*:\s*(\d+)/.exec(line);
    if (m) r.catalogLba = Number(m[1]);
    m = /^El Torito cat path\s*:\s*(\S+)/.exec(line);
    if (m) r.catPath = m[1];
    m = /^El Torito boot img\s*:\s*(\d+)\s+(\S+)\s+([yn])\s+(\S+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\d+)\s+(\d+)/.exec(line);
    if (m) r.images.push({ n: +m[1], pltf: m[2], bootable: m[3] === 'y', emul: m[4], ldSeg: parseInt(m[5], 16), hdpt: parseInt(m[6], 16), ldsiz: +m[7], lba: +m[8] });
    m = /^El Torito img path\s*:\s*(\d+)\s+(\S+)/.exec(line);
    if (m) r.paths.set(+m[1], m[2]);
    m = /^El Torito img opts\s*:\s*(\d+)\s+(.*)$/.exec(line);
    if (m) r.opts.set(+m[1], m[2]);
    m = /^El Torito hdsiz\/512\s*:\s*(\d+)\s+(\d+)/.exec(line);
    if (m) r.hdsiz.set(+m[1], +m[2]);
    m = /^El Torito img blks\s*:\s*(\d+)\s+(\d+)/.exec(line);
    if (m) r.blks.set(+m[1], +m[2]);
  }
  return r;
}

/** File extents from `xorriso -find / -exec report_lba` (independent of our ISO 9660 reader). */
function xorrisoFiles(iso: string, catalog: { lba: number; path: string | null }): Map<number, FileAtLba> {
  const out = execFileSync('xorriso', ['-indev', iso, '-find', '/', '-exec', 'report_lba', '--'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const m = new Map<number, FileAtLba>();
  for (const line of out.split('\n')) {
    const r = /^File data lba:\s*\d+\s*,\s*(\d+)\s*,\s*\d+\s*,\s*(\d+)\s*,\s*'(.*)'$/.exec(line);
    if (r && !m.has(+r[1])) m.set(+r[1], { path: r[3], size: +r[2] });
  }
  if (catalog.path) m.set(catalog.lba, { path: catalog.path, size: 2048 });
  return m;
}

/** Volume size in blocks and boot record LBA, read straight from the descriptors. */
function volumeInfo(iso: string): { volumeBlocks: number; bootRecordLba: number; catalogLba: number } {
  const fd = fs.openSync(iso, 'r');
  try {
    const b = Buffer.alloc(2048);
    let volumeBlocks = 0, bootRecordLba = -1, catalogLba = -1;
    for (let lba = 16; lba < 64; lba++) {
      fs.readSync(fd, b, 0, 2048, lba * 2048);
      if (b.toString('latin1', 1, 6) !== 'CD001') break;
      if (b[0] === 1) volumeBlocks = b.readUInt32LE(80);
      if (b[0] === 0 && b.toString('latin1', 7, 30) === 'EL TORITO SPECIFICATION') { bootRecordLba = lba; catalogLba = b.readUInt32LE(71); }
      if (b[0] === 255) break;
    }
    return { volumeBlocks, bootRecordLba, catalogLba };
  } finally { fs.closeSync(fd); }
}

async function readReal(iso: string): Promise<{ info: Awaited<ReturnType<typeof readElTorito>>['info']; structures: Awaited<ReturnType<typeof readElTorito>>['structures']; x: XorrisoReport; sink: DiagnosticSink; sys: SystemAreaInfo }> {
  const x = xorrisoElTorito(iso);
  const v = volumeInfo(iso);
  assert.equal(v.catalogLba, x.catalogLba);
  const files = xorrisoFiles(iso, { lba: x.catalogLba, path: x.catPath });
  const src: ByteSource = await FileSource.open(iso);
  try {
    const sink = new DiagnosticSink();
    const sys = (await readSystemArea(src, sink)).info;
    const r = await readElTorito(src, v.bootRecordLba, v.catalogLba, v.volumeBlocks, sys, (l) => files.get(l) ?? null, sink);
    return { ...r, x, sink, sys };
  } finally { await src.close(); }
}

const PLTF: Record<string, string> = { BIOS: 'x86', UEFI: 'efi', PPC: 'ppc', Mac: 'mac' };
const EMUL: Record<string, string> = { none: 'none', hd: 'hdd', 'fd1.2': 'floppy1.2', 'fd1.4': 'floppy1.44', 'fd2.8': 'floppy2.88' };

/** Checks every catalog field xorriso reports. */
function assertMatchesXorriso(info: Awaited<ReturnType<typeof readElTorito>>['info'], x: XorrisoReport): void {
  assert.equal(info.catalogLba, x.catalogLba);
  assert.equal(info.catalogPath, x.catPath);
  assert.equal(info.entries.length, x.images.length);
  x.images.forEach((xi, i) => {
    const e = info.entries[i];
    assert.equal(e.platform, PLTF[xi.pltf], `platform of ${xi.n}`);
    assert.equal(e.bootable, xi.bootable);
    assert.equal(e.emulation, EMUL[xi.emul], `emulation of ${xi.n}`);
    assert.equal(e.loadSegment, xi.ldSeg === 0 ? 0x07c0 : xi.ldSeg);
    assert.equal(e.systemType, xi.hdpt);
    assert.equal(e.sectorCount, xi.ldsiz);
    assert.equal(e.loadRba, xi.lba);
    assert.equal(e.path, x.paths.get(xi.n) ?? null);
    const opts = x.opts.get(xi.n) ?? '';
    assert.equal(e.bootInfoTable, /boot-info-table/.test(opts), `boot-info-table of ${xi.n}`);
    assert.equal(e.grub2BootInfo, /grub2-boot-info/.test(opts), `grub2-boot-info of ${xi.n}`);
  });
}

describe('El Torito on real images', function () {
  this.timeout(120_000);
  let dir = '';
  before(() => {
    dir = makeBootTree('isowb-eltorito-');
  });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('xorriso isolinux (boot-info-table) + EFI image inside the ISO', async () => {
    const iso = path.join(dir, 'hyb.iso');
    sh('xorriso', ['-as', 'mkisofs', '-o', iso, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4',
      '-boot-info-table', '-isohybrid-mbr', '/usr/lib/ISOLINUX/isohdpfx.bin', '-eltorito-alt-boot', '-e', 'boot/efi.img', '-no-emul-boot',
      '-isohybrid-gpt-basdat', path.join(dir, 'tree')]);
    const { info, x, sink, structures } = await readReal(iso);
    assertMatchesXorriso(info, x);
    assert.equal(info.validation.checksumOk, true);
    assert.equal(info.validation.keyOk, true);
    assert.equal(info.catalogPath, '/isolinux/boot.cat');
    const [bios, efi] = info.entries;
    assert.equal(bios.bootInfoTable, true);
    assert.equal(bios.imageSizeSource, 'file');
    assert.equal(bios.imageSize, fs.statSync('/usr/lib/ISOLINUX/isolinux.bin').size);
    assert.equal(efi.path, '/boot/efi.img');
    assert.equal(efi.imageSize, 1_474_560);
    assert.equal(efi.outsideVolume, false);
    assert.equal(efi.section, 1);
    assert.deepEqual(sink.items.filter((d) => d.severity === 'error'), []);
    assert.equal(structures.filter((s) => s.type === 'boot-image').length, 2);
    // dumpet agrees on the raw catalog
    const d = sh('dumpet', ['-i', iso]);
    assert.match(d, /PlatformId: 0x00 \(80x86\)/);
    assert.match(d, new RegExp(`Load LBA: ${bios.loadRba} `));
    assert.match(d, new RegExp(`Load LBA: ${efi.loadRba} `));
    assert.match(d, /PlatformId: 0xef \(EFI\)/);
  });

  it('xorriso EFI image in an appended partition (outside the volume)', async () => {
    const iso = path.join(dir, 'app.iso');
    sh('xorriso', ['-as', 'mkisofs', '-o', iso, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4',
      '-boot-info-table', '-isohybrid-mbr', '/usr/lib/ISOLINUX/isohdpfx.bin', '-append_partition', '2', '0xef', path.join(dir, 'efi.img'),
      '-eltorito-alt-boot', '-e', '--interval:appended_partition_2:all::', '-no-emul-boot', '-isohybrid-gpt-basdat', path.join(dir, 'tree')]);
    const { info, x, sys } = await readReal(iso);
    assertMatchesXorriso(info, x);
    const efi = info.entries[1];
    assert.equal(efi.outsideVolume, true);
    assert.equal(efi.imageSizeSource, 'partition');
    // fdisk: partition 2 of type ef starts at loadRba*4 and is 2880 sectors long
    const fd = JSON.parse(sh('sfdisk', ['-J', iso])) as { partitiontable: { partitions: { start: number; size: number; type: string }[] } };
    const p2 = fd.partitiontable.partitions.find((p) => p.type === 'ef')!;
    assert.equal(p2.start, efi.loadRba * 4);
    assert.equal(efi.imageSize, p2.size * 512);
    assert.equal(efi.imageSize, (x.blks.get(2) ?? 0) * 2048);
    assert.equal(sys.mbr?.partitions.find((p) => p.type === 0xef)?.startLba, p2.start);
  });

  it('grub-mkrescue: grub2-boot-info and boot-info-table on eltorito.img', async () => {
    const iso = path.join(dir, 'grub.iso');
    fs.mkdirSync(path.join(dir, 'gtree'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'gtree/a.txt'), 'a\n');
    sh('grub-mkrescue', ['-o', iso, path.join(dir, 'gtree')]);
    const { info, x } = await readReal(iso);
    assertMatchesXorriso(info, x);
    const bios = info.entries[0];
    assert.equal(bios.grub2BootInfo, true);
    assert.equal(bios.bootInfoTable, true);
    assert.equal(bios.path, '/boot/grub/i386-pc/eltorito.img');
    assert.equal(info.entries[1].platform, 'efi');
    // Without the file tree (sector-count size of 2048 bytes) the GRUB2 boot info at byte 2548 is still found.
    const src = await FileSource.open(iso);
    try {
      const v = volumeInfo(iso);
      const r = await readElTorito(src, v.bootRecordLba, v.catalogLba, v.volumeBlocks, noSystemArea, () => null, new DiagnosticSink());
      assert.deepEqual([r.info.entries[0].imageSizeSource, r.info.entries[0].grub2BootInfo, r.info.entries[0].bootInfoTable], ['sector-count', true, true]);
    } finally { await src.close(); }
  });

  it('genisoimage 1.44 MB floppy emulation', async () => {
    const iso = path.join(dir, 'fl.iso');
    fs.mkdirSync(path.join(dir, 'ftree'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'efi.img'), path.join(dir, 'ftree/floppy.img'));
    sh('genisoimage', ['-quiet', '-o', iso, '-b', 'floppy.img', '-c', 'boot.cat', path.join(dir, 'ftree')]);
    const { info, x } = await readReal(iso);
    assertMatchesXorriso(info, x);
    const e = info.entries[0];
    assert.equal(e.emulation, 'floppy1.44');
    assert.equal(e.imageSize, 1_474_560);
    assert.match(sh('dumpet', ['-i', iso]), /1\.44MB floppy diskette emulation/);
  });

  it('genisoimage hard-disk emulation: size from the MBR inside the image (like xorriso hdsiz/512)', async () => {
    const hdd = path.join(dir, 'hdd.img');
    sh('dd', ['if=/dev/zero', `of=${hdd}`, 'bs=512', 'count=4096']);
    execFileSync('sfdisk', ['-q', hdd], { input: 'label: dos\nstart=63, size=4000, type=83, bootable\n' });
    fs.mkdirSync(path.join(dir, 'htree'), { recursive: true });
    fs.copyFileSync(hdd, path.join(dir, 'htree/hdd.img'));
    const iso = path.join(dir, 'hd.iso');
    sh('genisoimage', ['-quiet', '-o', iso, '-hard-disk-boot', '-b', 'hdd.img', '-c', 'boot.cat', path.join(dir, 'htree')]);
    const { info, x, structures } = await readReal(iso);
    assertMatchesXorriso(info, x);
    const e = info.entries[0];
    assert.equal(e.emulation, 'hdd');
    assert.equal(e.systemType, 0x83);
    // With the file known, the file size wins; without it, the MBR inside the image gives 4063 sectors.
    assert.equal(e.imageSize, 4096 * 512);
    const src = await FileSource.open(iso);
    try {
      const v = volumeInfo(iso);
      const r = await readElTorito(src, v.bootRecordLba, v.catalogLba, v.volumeBlocks, noSystemArea, () => null, new DiagnosticSink());
      assert.equal(r.info.entries[0].imageSizeSource, 'emulation');
      assert.equal(r.info.entries[0].imageSize, x.hdsiz.get(1)! * 512);
    } finally { await src.close(); }
    assert.equal(structures[1].length, 4096 * 512);
  });

  it('xorriso with three boot entries: default BIOS + one EFI section of two entries (dumpet: "Section Entries: 2")', async () => {
    const iso = path.join(dir, 'three.iso');
    sh('xorriso', ['-as', 'mkisofs', '-o', iso, '-b', 'isolinux/isolinux.bin', '-c', 'boot.cat', '-no-emul-boot', '-boot-load-size', '4',
      '-eltorito-alt-boot', '-e', 'boot/efi.img', '-no-emul-boot', '-eltorito-alt-boot', '-e', 'hello.txt', '-no-emul-boot', path.join(dir, 'tree')]);
    const { info, x } = await readReal(iso);
    assertMatchesXorriso(info, x);
    assert.equal(info.entries.length, 3);
    assert.deepEqual(info.entries.map((e) => e.section), [0, 1, 1]);
    assert.equal(info.entries[2].path, '/hello.txt');
    assert.match(sh('dumpet', ['-i', iso]), /Section Entries: 2/);
  });
});
