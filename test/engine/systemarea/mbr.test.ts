// MBR (src/engine/systemarea/mbr.ts) from hand-made sectors: partitions, signature, boot flag,
// type names, field offsets, protective MBRs and boot code recognition; the record serializer
// against the records isohybrid, xorriso and grub-mkrescue wrote.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { DiagnosticSink, InvalidArgumentError } from '../../../src/engine/errors';
import { chsBytes, classifyBootCode, geometryOfRecord, parseMbr, serializeMbrPartition, setMbrPartitions } from '../../../src/engine/systemarea/mbr';
import { le32 } from '../../../src/engine/bytes/endian';
import { fixture, realImage } from '../../fixtures/build';
import { mbrSector } from '../../util/bootTree';

/** Sector 0 of an image file. */
function readHead(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(512);
    fs.readSync(fd, b, 0, 512, 0);
    return new Uint8Array(b);
  } finally {
    fs.closeSync(fd);
  }
}

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

describe('MBR records (serializer) against real images', function () {
  this.timeout(5 * 60_000);

  it('serializeMbrPartition reproduces the records isohybrid, xorriso and grub-mkrescue wrote', async () => {
    for (const [name, slot] of [['isolinux-hybrid', 0], ['efi-appended', 0], ['efi-appended', 1], ['gpt-basdat', 0], ['grub-mkrescue', 0]] as const) {
      const head = readHead(await fixture(name));
      const p = parseMbr(head, new DiagnosticSink())!.info.partitions.find(x => x.index === slot + 1)!;
      const rec = head.subarray(446 + slot * 16, 462 + slot * 16);
      assert.deepEqual(Buffer.from(serializeMbrPartition(p)), Buffer.from(rec), `${name} partition ${slot + 1}`);
      assert.deepEqual(geometryOfRecord(rec), { heads: 64, sectorsPerTrack: 32 });
    }
    const head = readHead(await realImage('grub-rescue-cdrom.iso'));
    assert.deepEqual(Buffer.from(serializeMbrPartition({ bootable: true, type: 0xcd, startLba: 1, sectors: 9923 })), Buffer.from(head.subarray(446, 462)));
  });

  it('CHS is clamped to cylinder 1023 like libisofs/isohybrid; zero-size records are empty; bad values rejected', () => {
    assert.deepEqual(chsBytes(1024 * 2048), [63, 0xe0, 0xff]);
    assert.deepEqual(chsBytes(1024 * 255 * 63 + 5, { heads: 255, sectorsPerTrack: 63 }), [0xfe, 0xff, 0xff]);
    assert.deepEqual(chsBytes(1023 * 2048 + 2047), [63, 0xe0, 0xff]);
    assert.deepEqual(chsBytes(2048 + 33), [1, 2, 1]);
    assert.deepEqual([...serializeMbrPartition({ bootable: true, type: 0x17, startLba: 5, sectors: 0 })], new Array(16).fill(0));
    assert.throws(() => serializeMbrPartition({ bootable: false, type: 0xee, startLba: 1, sectors: 2 ** 32 }), InvalidArgumentError);
    const s0 = new Uint8Array(512).fill(0xaa);
    setMbrPartitions(s0, [{ bootable: false, type: 0xee, startLba: 1, sectors: 100 }]);
    assert.equal(s0[440], 0xaa, 'disk signature untouched');
    assert.deepEqual([s0[446 + 4], le32(s0, 446 + 8), le32(s0, 446 + 12), s0[462], s0[510], s0[511]], [0xee, 1, 100, 0, 0x55, 0xaa]);
  });
});
