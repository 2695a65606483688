// Writing El Torito structures (the writer's building blocks): the boot catalog is serialized
// from its parsed form and must reproduce the bytes genisoimage/xorriso wrote; patchBootCatalog
// changes only the fields asked for; the boot info table (genisoimage -boot-info-table) and
// xorriso's GRUB2 boot info are recomputed from the boot files on disk and compared with what
// the tools patched in. Images: test/fixtures/gen/{eltorito-multi,grub-mkrescue,efi-appended,
// isolinux-hybrid,gpt-basdat}.sh and Debian's grub-rescue-cdrom.iso (fetch-grub-rescue.sh).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiagnosticSink, InvalidArgumentError } from '../../src/engine/errors';
import { catalogSpecOf, patchBootCatalog, readBootCatalog, serializeBootCatalog, type CatalogSpec } from '../../src/engine/eltorito/bootCatalog';
import { BootInfoChecksum, hasGrub2BootInfo, writeBootInfoTable, writeGrub2BootInfo } from '../../src/engine/eltorito/bootInfo';
import { DiscImage } from '../../src/engine/image';
import { FileSource } from '../../src/engine/io/fileSource';
import { MemorySource } from '../../src/engine/io/source';
import { fixture, realImage } from '../fixtures/build';
import { dumpet } from '../peers/dumpet';
import { runText } from '../peers/run';

async function readAt(file: string, offset: number, length: number): Promise<Uint8Array> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const b = Buffer.alloc(length);
    await fh.read(b, 0, length, offset);
    return new Uint8Array(b);
  } finally {
    await fh.close();
  }
}

async function catalogOf(file: string): Promise<{ lba: number; bytes: Uint8Array; spec: CatalogSpec; entries: number }> {
  const img = await DiscImage.openFile(file);
  try {
    const et = await img.elTorito();
    assert.ok(et, `${file}: no El Torito`);
    const src = await FileSource.open(file);
    try {
      const parsed = await readBootCatalog(src, et.catalogLba, new DiagnosticSink());
      return { lba: et.catalogLba, bytes: await readAt(file, et.catalogLba * 2048, 2048), spec: catalogSpecOf(parsed), entries: parsed.entries.length };
    } finally {
      await src.close();
    }
  } finally {
    await img.close();
  }
}

const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);

describe('El Torito writing', function () {
  this.timeout(5 * 60_000);

  describe('serializeBootCatalog(catalogSpecOf(parsed)) reproduces the catalogs on disk', () => {
    const cases: Array<[string, () => Promise<string>, number]> = [
      ['eltorito-multi (xorriso: BIOS + EFI section + PPC section)', () => fixture('eltorito-multi'), 3],
      ['grub-mkrescue (BIOS + EFI section)', () => fixture('grub-mkrescue'), 2],
      ['efi-appended (EFI entry in an appended partition)', () => fixture('efi-appended'), 2],
      ['isolinux-hybrid (genisoimage, default entry only)', () => fixture('isolinux-hybrid'), 1],
      ['real grub-rescue-cdrom.iso', () => realImage('grub-rescue-cdrom.iso'), 1],
    ];
    for (const [name, get, count] of cases) {
      it(name, async () => {
        const c = await catalogOf(await get());
        assert.equal(c.entries, count);
        const out = serializeBootCatalog(c.spec);
        assert.equal(out.length, 2048);
        assert.deepEqual(Buffer.from(out), Buffer.from(c.bytes));
      });
    }
  });

  it('serializes selection criteria with §2.5 extensions, sections 0x90/0x91, and parses back the same', async () => {
    const crit = new Uint8Array(19 + 30 + 5).map((_, i) => (i * 7 + 1) & 0xff);
    const spec: CatalogSpec = {
      validation: { platform: 0, idString: 'ISOWB TEST' },
      defaultEntry: { platform: 0, bootable: true, emulation: 0, loadSegment: 0, systemType: 0, sectorCount: 4, loadRba: 40 },
      sections: [
        { platform: 0xef, idString: 'efi', entries: [{ platform: 0xef, bootable: true, emulation: 0, loadSegment: 0, systemType: 0, sectorCount: 2880, loadRba: 50 }] },
        { platform: 1, idString: '', entries: [
          { platform: 1, bootable: false, emulation: 2, loadSegment: 0x1000, systemType: 6, sectorCount: 1, loadRba: 60, selectionCriteria: { type: 1, data: crit } },
          { platform: 1, bootable: true, emulation: 4, loadSegment: 0, systemType: 0x83, sectorCount: 1, loadRba: 70, mediaFlags: 0x40 },
        ] },
      ],
    };
    const out = serializeBootCatalog(spec);
    assert.equal(out.length, 2048);
    // validation, default, header, entry, header, entry, ext, ext, entry
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map(i => out[i * 32]), [1, 0x88, 0x90, 0x88, 0x91, 0x00, 0x44, 0x44, 0x88]);
    assert.equal(out[5 * 32 + 1], 0x22, 'floppy 1.44 + extension-follows bit');
    assert.equal(out[6 * 32 + 1], 0x20, 'first extension: more follow');
    assert.equal(out[7 * 32 + 1], 0x00, 'last extension');
    assert.equal(out[8 * 32 + 1], 0x44, 'hard disk + ATAPI flag');
    let sum = 0;
    for (let i = 0; i < 32; i += 2) sum = (sum + u16(out, i)) & 0xffff;
    assert.equal(sum, 0);
    const catalog = new Uint8Array(20 * 2048);
    catalog.set(out, 10 * 2048);
    const sink = new DiagnosticSink();
    const parsed = await readBootCatalog(new MemorySource(catalog, 'mem'), 10, sink);
    assert.deepEqual(sink.items, []);
    assert.equal(parsed.entries.length, 4);
    assert.equal(parsed.entries[2].selectionCriteria?.data, Buffer.from([...crit, ...new Uint8Array(25)]).toString('hex'));
    assert.deepEqual(Buffer.from(serializeBootCatalog(catalogSpecOf(parsed))), Buffer.from(out));
  });

  it('serializeBootCatalog rejects values that do not fit', () => {
    const base: CatalogSpec = { validation: { platform: 0, idString: '' }, defaultEntry: { platform: 0, bootable: true, emulation: 0, loadSegment: 0, systemType: 0, sectorCount: 4, loadRba: 1 }, sections: [] };
    assert.throws(() => serializeBootCatalog({ ...base, defaultEntry: { ...base.defaultEntry, sectorCount: 0x10000 } }), InvalidArgumentError);
    assert.throws(() => serializeBootCatalog({ ...base, defaultEntry: { ...base.defaultEntry, loadRba: 2 ** 32 } }), InvalidArgumentError);
    assert.throws(() => serializeBootCatalog({ ...base, validation: { platform: 0, idString: 'x'.repeat(25) } }), InvalidArgumentError);
  });

  describe('patchBootCatalog', () => {
    it('changes exactly the load RBA and sector count of the entries named, and dumpet reads the result', async () => {
      const file = await fixture('eltorito-multi');
      const c = await catalogOf(file);
      const patched = patchBootCatalog(c.bytes, [{ index: 0, loadRba: 0x12345678 }, { index: 2, sectorCount: 9, loadRba: 777 }]);
      assert.notEqual(patched, c.bytes);
      const changed: number[] = [];
      for (let i = 0; i < 2048; i++) if (patched[i] !== c.bytes[i]) changed.push(i);
      // default entry at 32: RBA bytes 40..43; third entry (second section's entry) at 5*32: 166..167 and 168..171
      assert.ok(changed.every(i => (i >= 40 && i < 44) || (i >= 166 && i < 172)), `changed ${changed.join(',')}`);
      assert.equal(u32(patched, 40), 0x12345678);
      assert.equal(u16(patched, 166), 9);
      assert.equal(u32(patched, 168), 777);
      assert.equal(u32(c.bytes, 168), 754, 'original untouched');

      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-cat-'));
      try {
        const copy = path.join(tmp, 'x.iso');
        fs.copyFileSync(file, copy);
        const fd = fs.openSync(copy, 'r+');
        fs.writeSync(fd, patchBootCatalog(c.bytes, [{ index: 1, loadRba: 99, sectorCount: 8 }]), 0, 2048, c.lba * 2048);
        fs.closeSync(fd);
        const d = await dumpet(copy);
        assert.ok(d);
        assert.deepEqual(d.entries.map(e => [e.lba, e.sectorCount]), [[756, 4], [99, 8], [754, 8]]);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('rejects an entry index the catalog does not have', async () => {
      const c = await catalogOf(await fixture('isolinux-hybrid'));
      assert.throws(() => patchBootCatalog(c.bytes, [{ index: 1, loadRba: 5 }]), InvalidArgumentError);
      assert.throws(() => patchBootCatalog(c.bytes, [{ index: 0, sectorCount: -1 }]), InvalidArgumentError);
    });
  });

  describe('boot info table and GRUB2 boot info', () => {
    /** The boot file of entry 0 as on disk, with the LBA xorriso/genisoimage put it at. */
    async function bootFile(file: string): Promise<{ lba: number; bytes: Uint8Array }> {
      const img = await DiscImage.openFile(file);
      try {
        const e = (await img.elTorito())!.entries[0];
        assert.equal(e.imageSizeSource, 'file');
        return { lba: e.loadRba, bytes: await readAt(file, e.loadRba * 2048, e.imageSize) };
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

  it('xorriso reads a catalog we serialized into a copy of the image', async () => {
    const file = await fixture('grub-mkrescue');
    const c = await catalogOf(file);
    const spec = { ...c.spec, sections: c.spec.sections.map(s => ({ ...s, entries: s.entries.map(e => ({ ...e, bootable: false })) })) };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-cat-'));
    try {
      const copy = path.join(tmp, 'x.iso');
      fs.copyFileSync(file, copy);
      const fd = fs.openSync(copy, 'r+');
      fs.writeSync(fd, serializeBootCatalog(spec), 0, 2048, c.lba * 2048);
      fs.closeSync(fd);
      const text = await runText('xorriso', ['-indev', copy, '-report_el_torito', 'plain']);
      assert.match(text, /El Torito boot img :\s+1\s+BIOS\s+y\s+none/);
      assert.match(text, /El Torito boot img :\s+2\s+UEFI\s+n\s+none/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
