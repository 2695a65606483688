// El Torito boot catalog (src/engine/eltorito/bootCatalog.ts): hand-made catalogs, good and bad
// (validation entry, default entry, sections, extensions, bounds and diagnostics); and writing:
// the catalog serialized from its parsed form must reproduce the bytes genisoimage/xorriso wrote,
// patchBootCatalog changes only the fields asked for. Images: test/fixtures/gen/{eltorito-multi,
// grub-mkrescue,efi-appended,isolinux-hybrid}.sh and Debian's grub-rescue-cdrom.iso.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorruptImageError, DiagnosticSink, InvalidArgumentError } from '../../../src/engine/errors';
import { FileSource } from '../../../src/engine/io/fileSource';
import { MemorySource } from '../../../src/engine/io/source';
import { catalogSpecOf, MAX_CATALOG_SECTORS, patchBootCatalog, readBootCatalog, serializeBootCatalog, type CatalogSpec } from '../../../src/engine/eltorito/bootCatalog';
import { DiscImage } from '../../../src/engine/image';
import { fixture, realImage } from '../../fixtures/build';
import { dumpet } from '../../peers/dumpet';
import { runText } from '../../peers/run';
import { bootEntry, extension, imageWithCatalog, sectionHeader, validationEntry } from '../../util/bootTree';

describe('El Torito boot catalog (hand-made bytes)', () => {
  it('reads validation, default, section headers, section entries and extensions', async () => {
    const ents = [
      validationEntry(0, 'TESTER'),
      bootEntry({ seg: 0, count: 4, rba: 30 }),
      sectionHeader(false, 0xef, 1, 'UEFI'),
      bootEntry({ count: 2880, rba: 40 }),
      sectionHeader(true, 0x42, 2, 'ODD'),
      bootEntry({ bootable: false, media: 0x20 | 4, seg: 0x1000, sys: 0x83, count: 1, rba: 50, critType: 1, crit: [0xaa, 0xbb] }),
      extension(true, [1, 2]),
      extension(false, [3]),
      bootEntry({ media: 2, rba: 60, count: 1 }),
    ];
    const img = imageWithCatalog(20, ents);
    const sink = new DiagnosticSink();
    const cat = await readBootCatalog(new MemorySource(img), 20, sink);
    // The only complaint: platform 0x42 is none of the four El Torito defines.
    assert.deepEqual(sink.items.map((d) => [d.message, d.offset]), [['Platform ID: unknown platform 0x42', 20 * 2048 + 4 * 32 + 1]]);
    assert.deepEqual(cat.validation, { platform: 'x86', idString: 'TESTER', checksumOk: true, keyOk: true });
    assert.equal(cat.entries.length, 4);
    const [d, efi, odd, fl] = cat.entries;
    assert.deepEqual(d, { index: 0, section: 0, platform: 'x86', bootable: true, emulation: 'none', loadSegment: 0x07c0, systemType: 0, sectorCount: 4, loadRba: 30, offset: 20 * 2048 + 32 });
    assert.equal(efi.platform, 'efi');
    assert.equal(efi.section, 1);
    assert.equal(efi.idString, 'UEFI');
    assert.equal(efi.sectorCount, 2880);
    assert.equal(efi.selectionCriteria, undefined);
    assert.equal(odd.platform, 0x42);
    assert.equal(odd.section, 2);
    assert.equal(odd.bootable, false);
    assert.equal(odd.emulation, 'hdd');
    assert.equal(odd.loadSegment, 0x1000);
    assert.equal(odd.systemType, 0x83);
    assert.equal(odd.offset, 20 * 2048 + 5 * 32);
    assert.deepEqual(odd.selectionCriteria, { type: 1, data: 'aabb' + '00'.repeat(17) + '0102' + '00'.repeat(28) + '03' + '00'.repeat(29) });
    assert.equal(fl.emulation, 'floppy1.44');
    assert.equal(fl.index, 3);
    // Structure map: one child per 32-byte entry, in order, at absolute offsets.
    assert.equal(cat.structure.type, 'boot-catalog');
    assert.equal(cat.structure.offset, 20 * 2048);
    assert.equal(cat.structure.length, 9 * 32);
    assert.deepEqual(cat.structure.children.map((c) => c.type), [
      'eltorito-validation', 'eltorito-default-entry', 'eltorito-section-header', 'eltorito-section-entry',
      'eltorito-section-header', 'eltorito-section-entry', 'eltorito-section-extension', 'eltorito-section-extension', 'eltorito-section-entry']);
    cat.structure.children.forEach((c, i) => assert.equal(c.offset, 20 * 2048 + i * 32));
    const rba = cat.structure.children[1].fields.find((f) => f.name === 'Load RBA')!;
    assert.equal(rba.offset, 20 * 2048 + 32 + 8);
    assert.equal(rba.value, 30);
    assert.equal(rba.raw, '1e000000');
  });

  it('reports each media type and platform', async () => {
    const ents = [validationEntry(2, ''), bootEntry({ media: 1, rba: 5 }), sectionHeader(true, 1, 3),
      bootEntry({ media: 3 }), bootEntry({ media: 4 }), bootEntry({ media: 0 })];
    const cat = await readBootCatalog(new MemorySource(imageWithCatalog(1, ents)), 1, new DiagnosticSink());
    assert.equal(cat.validation.platform, 'mac');
    assert.deepEqual(cat.entries.map((e) => e.emulation), ['floppy1.2', 'floppy2.88', 'hdd', 'none']);
    assert.deepEqual(cat.entries.map((e) => e.platform), ['mac', 'ppc', 'ppc', 'ppc']);
  });

  it('wrong checksum: checksumOk false, a diagnostic, entries still read', async () => {
    const sink = new DiagnosticSink();
    const cat = await readBootCatalog(new MemorySource(imageWithCatalog(3, [validationEntry(0, 'X', { badChecksum: true }), bootEntry({ rba: 9 })])), 3, sink);
    assert.equal(cat.validation.checksumOk, false);
    assert.equal(cat.validation.keyOk, true);
    assert.equal(cat.entries[0].loadRba, 9);
    assert.equal(sink.items.length, 1);
    assert.match(sink.items[0].message, /Checksum/);
    assert.equal(sink.items[0].offset, 3 * 2048 + 28);
    assert.ok(cat.structure.children[0].problems?.length);
  });

  it('missing 55 AA key with a good header id: keyOk false and a diagnostic', async () => {
    const sink = new DiagnosticSink();
    const cat = await readBootCatalog(new MemorySource(imageWithCatalog(3, [validationEntry(0, 'X', { key: [0, 0] }), bootEntry({ rba: 9 })])), 3, sink);
    assert.equal(cat.validation.keyOk, false);
    assert.ok(sink.items.some((d) => /Key bytes/.test(d.message) && d.offset === 3 * 2048 + 30));
  });

  it('no validation entry at all: CorruptImageError naming structure and offset', async () => {
    const img = imageWithCatalog(7, [validationEntry(0, 'X', { key: [0, 0], headerId: 0 })]);
    await assert.rejects(readBootCatalog(new MemorySource(img), 7, new DiagnosticSink()), (e: unknown) =>
      e instanceof CorruptImageError && e.structure === 'El Torito validation entry' && e.offset === 7 * 2048);
  });

  it('catalog LBA beyond the image (truncated image): CorruptImageError', async () => {
    const img = new Uint8Array(10 * 2048);
    await assert.rejects(readBootCatalog(new MemorySource(img, 'trunc.iso'), 50, new DiagnosticSink()), (e: unknown) =>
      e instanceof CorruptImageError && e.offset === 50 * 2048 && e.structure === 'El Torito boot catalog' && /beyond the end/.test(e.message));
  });

  it('unterminated catalog (0x90 headers forever) stops at the 64-sector bound with a diagnostic', async () => {
    const n = (MAX_CATALOG_SECTORS + 4) * 64;
    const ents = [validationEntry(0, ''), bootEntry({ rba: 1 })];
    for (let i = 2; i < n; i++) ents.push(sectionHeader(false, 0, 0));
    const img = imageWithCatalog(1, ents, 1 + MAX_CATALOG_SECTORS + 8);
    const sink = new DiagnosticSink();
    const cat = await readBootCatalog(new MemorySource(img), 1, sink);
    assert.equal(cat.entries.length, 1);
    assert.equal(cat.structure.length, MAX_CATALOG_SECTORS * 2048);
    assert.ok(sink.items.some((d) => /not terminated within 64 sector/.test(d.message)));
  });

  it('unterminated catalog at the end of a truncated image stops there', async () => {
    const ents = [validationEntry(0, ''), bootEntry({ rba: 1 })];
    for (let i = 2; i < 64; i++) ents.push(sectionHeader(false, 0, 0));
    const img = imageWithCatalog(2, ents, 3); // the catalog sector is the last one
    const sink = new DiagnosticSink();
    const cat = await readBootCatalog(new MemorySource(img), 2, sink);
    assert.equal(cat.entries.length, 1);
    assert.ok(sink.items.some((d) => /end of image/.test(d.message)));
  });

  it('absurd section entry count is bounded by what is present', async () => {
    const ents = [validationEntry(0, ''), bootEntry({ rba: 1 }), sectionHeader(true, 0xef, 65535), bootEntry({ rba: 2 }), bootEntry({ rba: 3 })];
    const sink = new DiagnosticSink();
    const cat = await readBootCatalog(new MemorySource(imageWithCatalog(1, ents)), 1, sink);
    assert.deepEqual(cat.entries.map((e) => e.loadRba), [1, 2, 3]);
    assert.ok(sink.items.some((d) => /announces 65535 entries but only 2/.test(d.message)));
  });

  it('a 0x90 header with no following header is reported; garbage where a header is expected stops reading', async () => {
    let sink = new DiagnosticSink();
    await readBootCatalog(new MemorySource(imageWithCatalog(1, [validationEntry(0, ''), bootEntry({}), sectionHeader(false, 0, 1), bootEntry({ rba: 5 })])), 1, sink);
    assert.ok(sink.items.some((d) => /expected 0x91/.test(d.message)));
    sink = new DiagnosticSink();
    const junk = new Uint8Array(32).fill(0x37);
    const cat = await readBootCatalog(new MemorySource(imageWithCatalog(1, [validationEntry(0, ''), bootEntry({}), junk])), 1, sink);
    assert.equal(cat.entries.length, 1);
    assert.ok(sink.items.some((d) => /unexpected entry 0x37/.test(d.message)));
  });

  it('invalid boot indicator and unknown media type are field problems', async () => {
    const e = bootEntry({ media: 9 });
    e[0] = 0x12;
    const sink = new DiagnosticSink();
    const cat = await readBootCatalog(new MemorySource(imageWithCatalog(1, [validationEntry(0x33, ''), e])), 1, sink);
    assert.equal(cat.entries[0].bootable, false);
    assert.equal(cat.entries[0].emulation, 'none');
    assert.equal(cat.validation.platform, 0x33);
    assert.equal(cat.structure.children[1].problems?.length, 2);
    assert.ok(sink.items.some((d) => /boot indicator/.test(d.message)));
  });
});

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

describe('El Torito boot catalog: writing', function () {
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
