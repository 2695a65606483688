// MBR (src/engine/systemarea/mbr.ts) from hand-made sectors: partitions, signature, boot flag,
// type names, field offsets, protective MBRs and boot code recognition.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { DiagnosticSink } from '../../../src/engine/errors';
import { classifyBootCode, parseMbr } from '../../../src/engine/systemarea/mbr';
import { mbrSector } from '../../unit/bootTree';

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
