import { strict as assert } from 'assert';
import { lbaText, locationText, rulerMark } from '../../../media/src/model/ruler';
import { grouped, hexOffset, humanSize, offsetDigits } from '../../../media/src/model/notation';

describe('webview LBA ruler and formats', () => {
  it('marks 2048-byte sectors everywhere and 512-byte blocks in the system area', () => {
    assert.deepEqual(rulerMark(0)!.label, 'LBA 0');
    assert.equal(rulerMark(16), null);
    assert.equal(rulerMark(512)!.label, 'blk 1');
    assert.equal(rulerMark(512)!.kind, 'blk');
    assert.equal(rulerMark(2048)!.label, 'LBA 1');
    assert.match(rulerMark(2048)!.title, /512-byte block 4/);
    assert.equal(rulerMark(32768 - 512)!.label, 'blk 63');
    assert.equal(rulerMark(32768)!.label, 'LBA 16');
    assert.equal(rulerMark(32768 + 512), null, 'no 512-byte marks past the system area');
    assert.equal(rulerMark(2 ** 32)!.label, 'LBA 2097152');
  });

  it('formats offsets and locations', () => {
    assert.equal(lbaText(32768 + 0x9c), 'LBA 16 + 0x09C');
    assert.equal(offsetDigits(100), 8);
    assert.equal(offsetDigits(2 ** 32 + 1), 9);
    assert.equal(hexOffset(0x8000, 8), '00008000');
    assert.equal(grouped(1234567), '1,234,567');
    assert.equal(grouped(12), '12');
    assert.equal(humanSize(5081088), '4.85 MiB');
    assert.equal(locationText({ kind: 'file', path: '/boot/grub/grub.cfg', fileOffset: 16 }), '/boot/grub/grub.cfg + 0x10');
    assert.equal(locationText({ kind: 'unallocated' }), 'Unallocated');
  });
});
