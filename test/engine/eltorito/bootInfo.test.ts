// Boot info table and GRUB2 boot info detection (src/engine/eltorito/bootInfo.ts).
import * as assert from 'node:assert/strict';
import { hasBootInfoTable, hasGrub2BootInfo } from '../../../src/engine/eltorito/bootInfo';

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
