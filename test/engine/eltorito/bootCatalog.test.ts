// El Torito boot catalog (src/engine/eltorito/bootCatalog.ts) from hand-made catalogs, good and
// bad: validation entry, default entry, sections, extensions, bounds and diagnostics.
import * as assert from 'node:assert/strict';
import { CorruptImageError, DiagnosticSink } from '../../../src/engine/errors';
import { MemorySource } from '../../../src/engine/io/source';
import { MAX_CATALOG_SECTORS, readBootCatalog } from '../../../src/engine/eltorito/bootCatalog';
import { bootEntry, extension, imageWithCatalog, sectionHeader, validationEntry } from '../../unit/bootTree';

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
