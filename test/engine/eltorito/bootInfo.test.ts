// Boot info table and GRUB2 boot info (src/engine/eltorito/bootInfo.ts): detection, and the
// writers recomputing from the boot files on disk what genisoimage/xorriso patched in. Images:
// test/fixtures/gen/{grub-mkrescue,isolinux-hybrid,gpt-basdat}.sh and Debian's
// grub-rescue-cdrom.iso (fetch-grub-rescue.sh).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { InvalidArgumentError } from '../../../src/engine/errors';
import { BootInfoChecksum, hasBootInfoTable, hasGrub2BootInfo, writeBootInfoTable, writeGrub2BootInfo } from '../../../src/engine/eltorito/bootInfo';
import { DiscImage } from '../../../src/engine/image';
import { fixture, realImage } from '../../fixtures/build';

const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);

describe('boot info table / GRUB2 boot info detection', () => {
  it('boot-info-table: PVD LBA at 8, image LBA at 12', () => {
    const b = new Uint8Array(64);
    const dv = new DataView(b.buffer);
    dv.setUint32(8, 16, true); dv.setUint32(12, 754, true); dv.setUint32(16, 38912, true); dv.setUint32(20, 0x12345678, true);
    assert.equal(hasBootInfoTable(b, 754), true);
    assert.equal(hasBootInfoTable(b, 755), false);
    assert.equal(hasBootInfoTable(b, 754, 32), false);
    assert.equal(hasBootInfoTable(b.subarray(0, 20), 754), false);
    assert.equal(hasBootInfoTable(new Uint8Array(64), 0, 0), false);
  });
  it('grub2 boot info: u64 at 2548 = lba*4+5', () => {
    const b = new Uint8Array(2560);
    new DataView(b.buffer).setBigUint64(2548, 2972n * 4n + 5n, true);
    assert.equal(hasGrub2BootInfo(b, 2972), true);
    assert.equal(hasGrub2BootInfo(b, 2973), false);
    assert.equal(hasGrub2BootInfo(b.subarray(0, 2555), 2972), false);
  });
});

describe('boot info table and GRUB2 boot info: writing', function () {
  this.timeout(5 * 60_000);

  /** The boot file of entry 0 as on disk, with the LBA xorriso/genisoimage put it at. */
  async function bootFile(file: string): Promise<{ lba: number; bytes: Uint8Array }> {
    const img = await DiscImage.openFile(file);
    try {
      const e = (await img.elTorito())!.entries[0];
      assert.equal(e.imageSizeSource, 'file');
      return { lba: e.loadRba, bytes: new Uint8Array(fs.readFileSync(file).subarray(e.loadRba * 2048, e.loadRba * 2048 + e.imageSize)) };
    } finally {
      await img.close();
    }
  }

  /** Rebuilds the patched bytes from a copy with both patches cleared; must equal the disk bytes. */
  function repatch(onDisk: Uint8Array, lba: number, grub2: boolean, chunk: number): Uint8Array {
    const f = new Uint8Array(onDisk);
    f.fill(0, 8, 64);
    if (grub2) {
      f.fill(0, 2548, 2556);
      // patch through a buffer that covers 2548..2555 but starts elsewhere
      const part = f.subarray(2000, 3000);
      writeGrub2BootInfo(part, 2000, lba);
    }
    const ck = new BootInfoChecksum();
    for (let o = 0; o < f.length; o += chunk) ck.update(f.subarray(o, Math.min(f.length, o + chunk)), o);
    writeBootInfoTable(f.subarray(0, 64), 16, lba, f.length, ck.value);
    return f;
  }

  for (const [name, get, grub2] of [
    ['isolinux-hybrid: isolinux.bin patched by genisoimage', () => fixture('isolinux-hybrid'), false],
    ['gpt-basdat: isolinux.bin patched by xorriso', () => fixture('gpt-basdat'), false],
    ['grub-mkrescue: eltorito.img with boot info table and GRUB2 boot info (xorriso)', () => fixture('grub-mkrescue'), true],
    ['real grub-rescue-cdrom.iso: eltorito.img', () => realImage('grub-rescue-cdrom.iso'), true],
  ] as Array<[string, () => Promise<string>, boolean]>) {
    it(name, async () => {
      const { lba, bytes } = await bootFile(await get());
      assert.equal(u32(bytes, 8), 16);
      assert.equal(hasGrub2BootInfo(bytes, lba), grub2);
      // odd chunkings exercise the unaligned paths of BootInfoChecksum
      for (const chunk of [bytes.length, 2048, 4093, 1, 7]) {
        assert.deepEqual(Buffer.from(repatch(bytes, lba, grub2, chunk)), Buffer.from(bytes), `chunk ${chunk}`);
      }
    });
  }

  it('the GRUB2 boot info is checksummed (xorriso patches it before computing the table)', async () => {
    const { lba, bytes } = await bootFile(await fixture('grub-mkrescue'));
    const f = new Uint8Array(bytes);
    f.fill(0, 2548, 2556);
    const ck = new BootInfoChecksum();
    ck.update(f, 0);
    assert.notEqual(ck.value, u32(bytes, 20));
    writeGrub2BootInfo(f, 0, lba);
    const ck2 = new BootInfoChecksum();
    ck2.update(f, 0);
    assert.equal(ck2.value, u32(bytes, 20));
  });

  it('checksum sums little-endian words from byte 64, a trailing partial word zero-padded', () => {
    const f = new Uint8Array(64 + 9).fill(0);
    f.set([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x02], 64);
    f.fill(0xaa, 0, 64); // ignored
    const ck = new BootInfoChecksum();
    ck.update(f, 0);
    assert.equal(ck.value, (1 + 0xffffffff + 2) >>> 0);
    const split = new BootInfoChecksum();
    split.update(f.subarray(0, 66), 0);
    split.update(f.subarray(66), 66);
    assert.equal(split.value, ck.value);
  });

  it('writers reject buffers that do not cover their fields and values that do not fit', () => {
    assert.throws(() => writeBootInfoTable(new Uint8Array(63), 16, 1, 1, 0), InvalidArgumentError);
    assert.throws(() => writeBootInfoTable(new Uint8Array(64), 16, 2 ** 32, 1, 0), InvalidArgumentError);
    assert.throws(() => writeGrub2BootInfo(new Uint8Array(2555), 0, 10), InvalidArgumentError);
    assert.throws(() => writeGrub2BootInfo(new Uint8Array(100), 2549, 10), InvalidArgumentError);
    const b = new Uint8Array(8);
    writeGrub2BootInfo(b, 2548, 0x40000000);
    assert.equal(Buffer.from(b).readBigUInt64LE(0), 0x40000000n * 4n + 5n);
  });
});
