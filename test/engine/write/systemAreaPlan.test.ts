// The writer's system-area planning (src/engine/write/systemAreaPlan.ts) and the MBR/GPT/APM
// serializers under it. serializeGpt must regenerate the GPTs xorriso wrote byte for byte; then
// repacks are simulated the way the writer's "preserve" layout works — the original bytes up to
// the old volume end, N MiB of new data after them, carried tail partitions moved behind the new
// volume, plan.head/plan.writes written, the PVD's volume space size patched — and the result is
// judged by xorriso -report_system_area, fdisk -l, sgdisk -v, mtools and our own reader.
// Images: test/fixtures/gen/{isolinux-hybrid,grub-mkrescue,efi-appended,gpt-basdat,apm-hfsplus,
// eltorito-multi}.sh (genisoimage + isohybrid, grub-mkrescue, xorriso -as mkisofs with
// -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin, -append_partition 2 0xef efi.img,
// -isohybrid-gpt-basdat, -isohybrid-apm-hfsplus) and Debian's grub-rescue-cdrom.iso.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InvalidArgumentError } from '../../../src/engine/errors';
import { patchBootCatalog } from '../../../src/engine/eltorito/bootCatalog';
import { BootInfoChecksum, writeBootInfoTable, writeGrub2BootInfo } from '../../../src/engine/eltorito/bootInfo';
import { DiscImage } from '../../../src/engine/image';
import type { ElToritoInfo, SystemAreaInfo } from '../../../src/engine/types';
import { buildSystemArea, classifyTail, planSystemArea, type ByteMove, type SystemAreaPlan, type TailRegion } from '../../../src/engine/write/systemAreaPlan';
import { fixture, realImage } from '../../fixtures/build';
import { assertGptValid, sgdiskProblems } from '../../util/bootTree';
import { fdiskList } from '../../peers/fdisk';
import { runText } from '../../peers/run';
import { guidFromRawHex as guidFromRaw, xorrisoElTorito, xorrisoSystemArea } from '../../peers/xorriso';

const MIB = 1 << 20;
const le32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);
const le64 = (b: Uint8Array, o: number) => Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(o, true));

function readAt(fd: number, offset: number, length: number): Uint8Array {
  const b = Buffer.alloc(length);
  fs.readSync(fd, b, 0, length, offset);
  return new Uint8Array(b);
}

interface Source { info: SystemAreaInfo; et: ElToritoInfo | null; volumeBytes: number; size: number; head: Uint8Array }

async function sourceOf(file: string): Promise<Source> {
  const img = await DiscImage.openFile(file);
  try {
    const fd = fs.openSync(file, 'r');
    const head = readAt(fd, 0, 32768);
    fs.closeSync(fd);
    return { info: await img.systemArea(), et: await img.elTorito(), volumeBytes: img.volume.volumeBlocks * 2048, size: fs.statSync(file).size, head };
  } finally {
    await img.close();
  }
}

interface Grown { file: string; plan: SystemAreaPlan; src: Source; tail: TailRegion[]; moves: ByteMove[]; newVolumeBytes: number }

/**
 * Simulates the writer's preserve layout: copy [0, old volume end), `grow` zero bytes of "new
 * data", carried tail partitions moved behind the new volume (1 MiB aligned when they were),
 * extra `moves` (e.g. a boot image copied into the new area), plan.head + plan.writes, and the
 * PVD volume space size (both-endian at byte 80 of sector 16).
 */
async function grow(original: string, dir: string, growBytes: number, extra: (s: Source) => ByteMove[] = () => []): Promise<Grown> {
  const src = await sourceOf(original);
  const tail = classifyTail(src.info, src.volumeBytes, src.size);
  const newVolumeBytes = src.volumeBytes + growBytes;
  const moves: ByteMove[] = extra(src);
  let cursor = newVolumeBytes;
  for (const r of tail.filter(t => t.kind === 'partition')) {
    const align = r.offset % MIB === 0 ? MIB : 2048;
    cursor = Math.ceil(cursor / align) * align;
    moves.push({ from: r.offset, to: cursor, length: r.length });
    cursor += r.length;
  }
  const plan = planSystemArea({ imageName: original, head: src.head, info: src.info, elTorito: src.et, oldVolumeBytes: src.volumeBytes, oldImageSize: src.size, newVolumeBytes, moves });
  assert.ok(plan.imageSize >= cursor, 'image holds the moved regions');
  const file = path.join(dir, path.basename(original).replace(/\.iso$/, '') + '-grown.iso');
  const inFd = fs.openSync(original, 'r');
  const outFd = fs.openSync(file, 'w');
  try {
    fs.ftruncateSync(outFd, plan.imageSize);
    const copy = (from: number, to: number, length: number) => {
      for (let o = 0; o < length; o += MIB) {
        const n = Math.min(MIB, length - o);
        fs.writeSync(outFd, readAt(inFd, from + o, n), 0, n, to + o);
      }
    };
    copy(0, 0, src.volumeBytes);
    for (const m of moves) copy(m.from, m.to, m.length);
    fs.writeSync(outFd, plan.head, 0, plan.head.length, 0);
    for (const w of plan.writes) fs.writeSync(outFd, w.bytes, 0, w.bytes.length, w.offset);
    const size = Buffer.alloc(8);
    size.writeUInt32LE(newVolumeBytes / 2048, 0);
    size.writeUInt32BE(newVolumeBytes / 2048, 4);
    fs.writeSync(outFd, size, 0, 8, 16 * 2048 + 80);
  } finally {
    fs.closeSync(inFd);
    fs.closeSync(outFd);
  }
  return { file, plan, src, tail, moves, newVolumeBytes };
}

function sameBytes(a: string, aOff: number, b: string, bOff: number, length: number): boolean {
  const fa = fs.openSync(a, 'r');
  const fb = fs.openSync(b, 'r');
  try {
    for (let o = 0; o < length; o += MIB) {
      const n = Math.min(MIB, length - o);
      if (!Buffer.from(readAt(fa, aOff + o, n)).equals(Buffer.from(readAt(fb, bOff + o, n)))) return false;
    }
    return true;
  } finally {
    fs.closeSync(fa);
    fs.closeSync(fb);
  }
}

describe('system area writing', function () {
  this.timeout(5 * 60_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-sysarea-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('classifyTail', () => {
    it('efi-appended: the appended ESP (MBR partition 2) then padding', async () => {
      const s = await sourceOf(await fixture('efi-appended'));
      assert.deepEqual(classifyTail(s.info, s.volumeBytes, s.size), [
        { offset: MIB, length: 2880 * 512, kind: 'partition', description: 'MBR partition 2 (type 0xef)' },
        { offset: MIB + 2880 * 512, length: s.size - MIB - 2880 * 512, kind: 'padding', description: 'padding' },
      ]);
    });
    it('isolinux-hybrid: only the cylinder padding; xorriso images: nothing after the volume', async () => {
      const s = await sourceOf(await fixture('isolinux-hybrid'));
      assert.deepEqual(classifyTail(s.info, s.volumeBytes, s.size), [{ offset: s.volumeBytes, length: MIB - s.volumeBytes, kind: 'padding', description: 'padding' }]);
      for (const name of ['grub-mkrescue', 'gpt-basdat']) {
        const x = await sourceOf(await fixture(name));
        assert.deepEqual(classifyTail(x.info, x.volumeBytes, x.size), []);
      }
    });
    it('a GPT backup after the volume is its own region', async () => {
      const s = await sourceOf(await fixture('gpt-basdat'));
      const vol = 1000 * 2048;
      const t = classifyTail(s.info, vol, s.size);
      assert.deepEqual(t.map(r => [r.kind, r.offset, r.length]), [['padding', vol, 4033 * 512 - vol], ['gpt-backup', 4033 * 512, 63 * 512]]);
    });
  });

  describe('planSystemArea on grown images', () => {
    it('isolinux-hybrid (genisoimage + isohybrid): partition 1 grows, padded to the 1 MiB cylinder', async () => {
      const g = await grow(await fixture('isolinux-hybrid'), tmp, 3 * MIB);
      assert.equal(g.plan.imageSize, 4 * MIB);
      const sa = await xorrisoSystemArea(g.file);
      assert.deepEqual(sa.summary, ['MBR', 'isohybrid', 'cyl-align-on']);
      assert.deepEqual(sa.mbr, [{ index: 1, status: 0x80, type: 0x17, start: 0, blocks: 8192 }]);
      const fd = await fdiskList(g.file);
      assert.deepEqual(fd.dos, [{ index: 1, bootable: true, start: 0, sectors: 8192, type: 0x17 }]);
      assert.deepEqual(Buffer.from(g.plan.head.subarray(0, 446)), Buffer.from(g.src.head.subarray(0, 446)), 'boot code and disk signature kept');
      assert.deepEqual(Buffer.from(g.plan.head.subarray(512)), Buffer.from(g.src.head.subarray(512)), 'rest of the system area kept');
    });

    it('grub-mkrescue: protective MBR, GPT (gap partition grows, backup at the new end) and APM', async () => {
      const g = await grow(await fixture('grub-mkrescue'), tmp, 3 * MIB);
      const size = g.plan.imageSize;
      assert.equal(size % 2048, 0);
      assert.equal(size, Math.ceil((g.newVolumeBytes + 45 * 512) / 2048) * 2048);
      const info = await assertGptValid(g.file);
      assert.equal(info.gpt!.lastUsableLba, size / 512 - 46);
      const v = await sgdiskProblems(g.file);
      assert.equal(v.problems, 0, v.text);
      const sa = await xorrisoSystemArea(g.file);
      assert.deepEqual(sa.summary, ['MBR', 'protective-msdos-label', 'grub2-mbr', 'cyl-align-off', 'GPT', 'APM']);
      assert.deepEqual(sa.mbr, [{ index: 1, status: 0, type: 0xee, start: 1, blocks: size / 512 - 1 }]);
      const gapEnd = Math.floor((size / 512 - 45) / 4) * 4; // the last usable block, rounded down to 2048 bytes
      assert.deepEqual(sa.gpt!.partitions.map(p => [p.name, p.start, p.size]), [['Gap0', 64, 224], ['EFI boot partition', 288, 5760], ['HFSPLUS', 6048, 32884], ['Gap1', 38932, gapEnd - 38932]]);
      assert.deepEqual(sa.apm!.partitions.map(p => [p.name, p.start, p.size]), [['Gap0', 16, 1496], ['HFSPLUS_Hybrid', 1512, 8221], ['Gap1', 9733, size / 2048 - 9733]]);
      const fd = await fdiskList(g.file);
      assert.equal(fd.label, 'gpt');
      assert.equal(fd.gpt[3].end, gapEnd - 1);
    });

    it('efi-appended: the appended ESP moves behind the new volume with its content; the EFI catalog entry follows', async () => {
      const grown = 3 * MIB + 6 * 1024;
      const g = await grow(await fixture('efi-appended'), tmp, grown);
      const esp = g.moves[0];
      assert.deepEqual([esp.from, esp.to, esp.length], [MIB, 5 * MIB, 2880 * 512]);
      assert.ok(sameBytes(await fixture('efi-appended'), esp.from, g.file, esp.to, esp.length), 'ESP content');
      assert.equal(g.plan.imageSize, 5 * MIB + 2880 * 512 + 307200, 'the trailing padding of the original kept');
      assert.deepEqual(g.plan.catalogUpdates, [{ index: 1, loadRba: 5 * MIB / 2048 }]);
      // the writer patches the catalog with the plan's updates
      const cat = g.src.et!.catalogLba * 2048;
      const fdw = fs.openSync(g.file, 'r+');
      fs.writeSync(fdw, patchBootCatalog(readAt(fdw, cat, 2048), g.plan.catalogUpdates!), 0, 2048, cat);
      fs.closeSync(fdw);
      const sa = await xorrisoSystemArea(g.file);
      assert.deepEqual(sa.summary, ['MBR', 'isohybrid', 'cyl-align-on']);
      assert.deepEqual(sa.mbr, [
        { index: 1, status: 0x80, type: 0x17, start: 0, blocks: 5 * MIB / 512 }, // the volume padded to the ESP's cylinder
        { index: 2, status: 0, type: 0xef, start: 5 * MIB / 512, blocks: 2880 },
      ]);
      const et = await xorrisoElTorito(g.file);
      assert.deepEqual(et!.images.map(i => [i.platform, i.lba]), [['BIOS', 34], ['UEFI', 5 * MIB / 2048]]);
      const ls = await runText('mdir', ['-b', '-i', `${g.file}@@${5 * MIB}`, '::/EFI/BOOT']);
      assert.match(ls, /BOOTX64\.EFI/);
    });

    for (const name of ['gpt-basdat', 'apm-hfsplus']) {
      it(`${name}: MBR partition 1 and the GPT ISO partition grow, the ESP stays, backup GPT at the new end`, async () => {
        const original = await fixture(name);
        const before = await sgdiskProblems(original);
        const g = await grow(original, tmp, 3 * MIB);
        assert.equal(g.plan.imageSize, 6 * MIB);
        await assertGptValid(g.file);
        const after = await sgdiskProblems(g.file);
        assert.equal(after.problems, before.problems, `${after.text}\nbefore:\n${before.text}`);
        const sa = await xorrisoSystemArea(g.file);
        const orig = await xorrisoSystemArea(original);
        assert.deepEqual(sa.summary, orig.summary);
        assert.deepEqual(sa.mbr, [{ index: 1, status: 0x80, type: 0, start: 0, blocks: 6 * 2048 }, { index: 2, status: 0, type: 0xef, start: 136, blocks: 2880 }]);
        const lastUsable = 6 * 2048 - 1 - (name === 'gpt-basdat' ? 62 : 52) - 1;
        assert.deepEqual(sa.gpt!.partitions.map(p => [p.name, p.start, p.size]), [['ISOHybrid', 0, Math.floor((lastUsable + 1) / 4) * 4], ['ISOHybrid1', 136, 2880]]);
        if (name === 'apm-hfsplus') {
          assert.deepEqual(sa.apm!.partitions.map(p => [p.name, p.start, p.size]), [['EFI', 34, 720]]);
          assert.deepEqual(Buffer.from(g.plan.head.subarray(0, 8)), Buffer.from(g.src.head.subarray(0, 8)), 'APM block 0 / MBR code untouched');
        }
        const fd = await fdiskList(g.file);
        assert.deepEqual(fd.dos.map(p => [p.start, p.sectors, p.type]), [[0, 6 * 2048, 0], [136, 2880, 0xef]]);
      });
    }

    it('real grub-rescue-cdrom.iso: the msdos label partition (0xcd) grows to the new end', async () => {
      const g = await grow(await realImage('grub-rescue-cdrom.iso'), tmp, 3 * MIB);
      assert.equal(g.plan.imageSize, g.newVolumeBytes);
      const sa = await xorrisoSystemArea(g.file);
      assert.deepEqual(sa.summary, ['MBR', 'protective-msdos-label', 'grub2-mbr', 'cyl-align-off']);
      assert.deepEqual(sa.mbr, [{ index: 1, status: 0x80, type: 0xcd, start: 1, blocks: g.plan.imageSize / 512 - 1 }]);
      const fd = await fdiskList(g.file);
      assert.deepEqual(fd.dos.map(p => [p.start, p.sectors, p.type]), [[1, g.plan.imageSize / 512 - 1, 0xcd]]);
    });

    it('eltorito-multi: nothing but partition 1 changes', async () => {
      const g = await grow(await fixture('eltorito-multi'), tmp, 5 * MIB);
      const changed: number[] = [];
      for (let i = 0; i < 32768; i++) if (g.plan.head[i] !== g.src.head[i]) changed.push(i);
      assert.ok(changed.every(i => i >= 446 + 5 && i < 446 + 16), `changed ${changed.join(',')}`);
      assert.deepEqual(g.plan.writes, []);
    });

    async function moveBootImage(name: string, grub2: boolean): Promise<Grown> {
      // The BIOS boot image is copied into the new area (as when it was replaced), its boot info
      // table / GRUB2 boot info rewritten, the catalog patched; the MBR pointer must follow.
      const original = await fixture(name);
      let bootLen = 0;
      const g = await grow(original, tmp, 2 * MIB, (s) => {
        const e = s.et!.entries[0];
        bootLen = e.imageSize;
        return [{ from: e.loadRba * 2048, to: s.volumeBytes, length: e.imageSize }];
      });
      const newLba = g.src.volumeBytes / 2048;
      assert.deepEqual(g.plan.catalogUpdates, [{ index: 0, loadRba: newLba }]);
      const fd = fs.openSync(g.file, 'r+');
      const boot = readAt(fd, g.src.volumeBytes, bootLen);
      if (grub2) writeGrub2BootInfo(boot, 0, newLba);
      const ck = new BootInfoChecksum();
      ck.update(boot, 0);
      writeBootInfoTable(boot, 16, newLba, bootLen, ck.value);
      fs.writeSync(fd, boot, 0, bootLen, g.src.volumeBytes);
      const cat = g.src.et!.catalogLba * 2048;
      fs.writeSync(fd, patchBootCatalog(readAt(fd, cat, 2048), g.plan.catalogUpdates!), 0, 2048, cat);
      // the directory records (ISO 9660 and Joliet) of the boot file point at its new place
      const lba = Buffer.alloc(8);
      lba.writeUInt32LE(newLba, 0);
      lba.writeUInt32BE(newLba, 4);
      let patched = 0;
      for (const ns of ['rr', 'joliet'] as const) {
        const img = await DiscImage.openFile(original, { namespace: ns }).catch(() => null);
        if (!img) continue;
        try {
          const node = await img.lookup(g.src.et!.entries[0].path!).catch(() => null);
          if (node) { fs.writeSync(fd, lba, 0, 8, node.recordOffset + 2); patched++; }
        } finally {
          await img.close();
        }
      }
      assert.ok(patched > 0);
      fs.closeSync(fd);
      return g;
    }

    it('isolinux-hybrid with isolinux.bin moved: the isohybrid MBR points at it (xorriso still calls it isohybrid)', async () => {
      const g = await moveBootImage('isolinux-hybrid', false);
      assert.equal(le32(g.plan.head, 432), g.src.volumeBytes / 512);
      assert.ok(g.plan.notes.some(n => n.startsWith('isohybrid MBR: boot image address 140 → ')), g.plan.notes.join('\n'));
      const sa = await xorrisoSystemArea(g.file);
      assert.deepEqual(sa.summary, ['MBR', 'isohybrid', 'cyl-align-on']);
      const et = await xorrisoElTorito(g.file);
      assert.deepEqual(et!.images[0].opts, ['boot-info-table', 'isohybrid-suitable']);
    });

    it('grub-mkrescue with eltorito.img moved: the GRUB2 MBR points at it (xorriso still calls it grub2-mbr)', async () => {
      const g = await moveBootImage('grub-mkrescue', true);
      assert.equal(le64(g.plan.head, 432), g.src.volumeBytes / 512 + 4);
      const sa = await xorrisoSystemArea(g.file);
      assert.ok(sa.summary.includes('grub2-mbr'), sa.summary.join(' '));
      const et = await xorrisoElTorito(g.file);
      assert.deepEqual(et!.images[0].opts, ['boot-info-table', 'grub2-boot-info']);
      await assertGptValid(g.file);
    });

    it('a smaller new volume (compact layout) shrinks covering partitions and drops GPT entries beyond the end', async () => {
      const s = await sourceOf(await fixture('grub-mkrescue'));
      const newVolumeBytes = 4000 * 2048; // before the HFS+ partition's end
      const plan = planSystemArea({ imageName: 'x', head: s.head, info: s.info, elTorito: s.et, oldVolumeBytes: s.volumeBytes, oldImageSize: s.size, newVolumeBytes, moves: [] });
      assert.ok(plan.notes.some(n => /GPT partition 4 .*removed/.test(n)), plan.notes.join('\n'));
      assert.ok(plan.notes.some(n => /GPT partition 3:.*cut/.test(n)), plan.notes.join('\n'));
      assert.equal(le32(plan.head, 446 + 12), plan.imageSize / 512 - 1);
    });

    it('rejects a head that is not the whole system area and volumes not in 2048-byte blocks', async () => {
      const s = await sourceOf(await fixture('isolinux-hybrid'));
      const input = { imageName: 'x', head: s.head, info: s.info, elTorito: s.et, oldVolumeBytes: s.volumeBytes, oldImageSize: s.size, newVolumeBytes: s.volumeBytes, moves: [] };
      assert.throws(() => planSystemArea({ ...input, head: s.head.subarray(0, 512) }), InvalidArgumentError);
      assert.throws(() => planSystemArea({ ...input, newVolumeBytes: s.volumeBytes + 1 }), InvalidArgumentError);
      assert.throws(() => planSystemArea({ ...input, moves: [{ from: 0, to: 512, length: 10 }] }), InvalidArgumentError);
      const same = planSystemArea(input);
      assert.deepEqual(Buffer.from(same.head), Buffer.from(s.head), 'an unchanged layout keeps every byte');
      assert.equal(same.imageSize, s.size);
    });
  });
});

describe('buildSystemArea (hybrid system areas for images built from folders)', function () {
  this.timeout(5 * 60_000);
  const ISOHDPFX = '/usr/lib/ISOLINUX/isohdpfx.bin';
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-build-sa-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A copy of `file` with the planned system area written over it (xorriso's own removed first). */
  function applied(file: string, plan: SystemAreaPlan, name: string): string {
    const out = path.join(tmp, name);
    fs.copyFileSync(file, out);
    fs.truncateSync(out, plan.imageSize);
    const fd = fs.openSync(out, 'r+');
    fs.writeSync(fd, new Uint8Array(32768), 0, 32768, 0);
    fs.writeSync(fd, plan.head, 0, 32768, 0);
    for (const w of plan.writes) fs.writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
    fs.closeSync(fd);
    return out;
  }

  // xorriso puts its padding (300 KiB) and GPT backup inside the volume; a volume that ends 32 KiB
  // before xorriso's image end pads to the same 1 MiB cylinder, so the layouts must coincide.
  it("'gpt' matches xorriso -isohybrid-mbr isohdpfx.bin -isohybrid-gpt-basdat (gpt-basdat fixture)", async () => {
    const file = await fixture('gpt-basdat');
    const x = await sourceOf(file);
    const efi = x.et!.entries.find(e => e.platform === 'efi')!;
    const plan = buildSystemArea({
      kind: 'gpt', imageName: 'gpt.iso', volumeBytes: x.size - 32768, biosBootImageLba: x.et!.entries[0].loadRba,
      mbrCode: new Uint8Array(fs.readFileSync(ISOHDPFX)), efiImage: { offset: efi.loadRba * 2048, length: efi.imageSize },
    });
    assert.equal(plan.imageSize, x.size);
    const h = plan.head;
    assert.deepEqual(Buffer.from(h.subarray(0, 440)), Buffer.from(x.head.subarray(0, 440)), 'boot code and boot image address');
    assert.deepEqual(Buffer.from(h.subarray(446, 462)), Buffer.from(x.head.subarray(446, 462)), 'MBR partition 1');
    for (const o of [0, 4, 8, 12]) assert.equal(h[462 + o], x.head[462 + o], `MBR partition 2 byte ${o}`);
    assert.equal(le32(h, 470), le32(x.head, 470));
    assert.equal(le32(h, 474), le32(x.head, 474));
    for (const o of [8, 12, 24, 32, 40, 48, 72, 80, 84]) assert.equal(le32(h, 512 + o), le32(x.head, 512 + o), `GPT header field at ${o}`);
    for (const o of [32, 40, 48, 52]) {
      assert.equal(le32(h, 1024 + o), le32(x.head, 1024 + o), `GPT entry 1 field at ${o}`);
      assert.equal(le32(h, 1024 + 128 + o), le32(x.head, 1024 + 128 + o), `GPT entry 2 field at ${o}`);
    }
    assert.deepEqual(Buffer.from(h.subarray(1024, 1040)), Buffer.from(x.head.subarray(1024, 1040)), 'ISO partition is basic data');
    const out = applied(file, plan, 'gpt.iso');
    await assertGptValid(out);
    assert.equal((await sgdiskProblems(out)).problems, (await sgdiskProblems(file)).problems, 'the same (overlap) complaints as for xorriso\'s');
    const ours = await xorrisoSystemArea(out);
    const theirs = await xorrisoSystemArea(file);
    assert.deepEqual(ours.summary, theirs.summary);
    assert.deepEqual(ours.mbr, theirs.mbr);
    assert.deepEqual(ours.gpt!.partitions.map(p => [p.start, p.size]), theirs.gpt!.partitions.map(p => [p.start, p.size]));
    assert.deepEqual(ours.gpt!.partitions.map(p => guidFromRaw(p.typeGuidHex)), ['EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B']);
    assert.deepEqual((await fdiskList(out)).dos, (await fdiskList(file)).dos);
  });

  it("'mbr' matches xorriso -isohybrid-mbr isohdpfx.bin byte for byte but the disk signature (eltorito-multi fixture)", async () => {
    const file = await fixture('eltorito-multi');
    const x = await sourceOf(file);
    const spec = { kind: 'mbr' as const, imageName: 'mbr.iso', volumeBytes: x.size - 32768, biosBootImageLba: x.et!.entries[0].loadRba, mbrCode: new Uint8Array(fs.readFileSync(ISOHDPFX)) };
    const plan = buildSystemArea(spec);
    assert.equal(plan.imageSize, x.size);
    assert.deepEqual(plan.writes, []);
    const mask = (b: Uint8Array) => { const c = Buffer.from(b); c.fill(0, 440, 444); return c; };
    assert.deepEqual(mask(plan.head), mask(x.head));
    assert.notEqual(le32(plan.head, 440), 0, 'a disk signature');
    assert.deepEqual(Buffer.from(buildSystemArea(spec).head), Buffer.from(plan.head), 'deterministic');
    assert.notDeepEqual(Buffer.from(buildSystemArea({ ...spec, imageName: 'other.iso' }).head.subarray(440, 444)), Buffer.from(plan.head.subarray(440, 444)));
    const out = applied(file, plan, 'mbr.iso');
    assert.deepEqual((await xorrisoSystemArea(out)).summary, ['MBR', 'isohybrid', 'cyl-align-on']);
  });

  it("'mbr' with an EFI image adds partition 2 (0xEF) over it; fdisk and xorriso read both", async () => {
    const file = await fixture('eltorito-multi');
    const x = await sourceOf(file);
    const efi = x.et!.entries.find(e => e.platform === 'efi')!;
    const plan = buildSystemArea({ kind: 'mbr', imageName: 'm.iso', volumeBytes: 3 * MIB + 2048, biosBootImageLba: x.et!.entries[0].loadRba, mbrCode: new Uint8Array(fs.readFileSync(ISOHDPFX)), efiImage: { offset: efi.loadRba * 2048, length: efi.imageSize } });
    assert.equal(plan.imageSize, 4 * MIB);
    const out = applied(file, plan, 'mbr-efi.iso');
    const sa = await xorrisoSystemArea(out);
    assert.deepEqual(sa.mbr, [{ index: 1, status: 0x80, type: 0x17, start: 0, blocks: 8192 }, { index: 2, status: 0, type: 0xef, start: efi.loadRba * 4, blocks: 2880 }]);
    assert.deepEqual((await fdiskList(out)).dos.map(p => [p.start, p.sectors, p.type, p.bootable]), [[0, 8192, 0x17, true], [efi.loadRba * 4, 2880, 0xef, false]]);
  });

  it("'gpt' without boot code: no BIOS code, valid GPT read back by our reader and sgdisk", async () => {
    const plan = buildSystemArea({ kind: 'gpt', imageName: 'plain.iso', volumeBytes: 5 * MIB, efiImage: { offset: 40 * 2048, length: 1000 } });
    assert.equal(plan.imageSize, 6 * MIB);
    assert.ok(plan.head.subarray(0, 440).every(b => b === 0));
    const out = path.join(tmp, 'plain.iso');
    const fd = fs.openSync(out, 'w');
    fs.ftruncateSync(fd, plan.imageSize);
    fs.writeSync(fd, plan.head, 0, 32768, 0);
    for (const w of plan.writes) fs.writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
    fs.closeSync(fd);
    const info = await assertGptValid(out);
    assert.deepEqual(info.gpt!.partitions.map(p => [p.typeName, p.name, p.firstLba, p.lastLba]), [
      ['Microsoft basic data', 'ISOHybrid', 0, Math.floor((6 * 2048 - 63) / 4) * 4 - 1],
      ['EFI System', 'EFI boot partition', 160, 161],
    ]);
    assert.deepEqual(info.mbr!.partitions.map(p => [p.type, p.startLba, p.sectors]), [[0, 0, 6 * 2048], [0xef, 160, 2]]);
  });

  it('rejects what cannot be built', () => {
    const base = { kind: 'mbr' as const, imageName: 'x', volumeBytes: MIB };
    assert.throws(() => buildSystemArea({ ...base, volumeBytes: MIB + 1 }), InvalidArgumentError);
    assert.throws(() => buildSystemArea({ ...base, mbrCode: new Uint8Array(432) }), InvalidArgumentError, 'code without a boot image');
    assert.throws(() => buildSystemArea({ ...base, mbrCode: new Uint8Array(100), biosBootImageLba: 20 }), InvalidArgumentError);
    assert.throws(() => buildSystemArea({ ...base, efiImage: { offset: MIB - 2048, length: 4096 } }), InvalidArgumentError);
  });
});
