// Apple Partition Map (src/engine/systemarea/apm.ts) from hand-made maps: 512- and 2048-byte
// blocks, a DDR block size that does not match, absurd and truncated maps.
import * as assert from 'node:assert/strict';
import { DiagnosticSink } from '../../../src/engine/errors';
import { MemorySource } from '../../../src/engine/io/source';
import { readApm } from '../../../src/engine/systemarea/apm';

/** Apple partition map: DDR "ER" with block size `bs`, entries "PM" at blocks 1..n. */
function apmImage(bs: number, entries: { name: string; type: string; start: number; blocks: number; status?: number }[], o: { mapCount?: number; ddrBlockSize?: number; blocks?: number } = {}): Uint8Array {
  const img = new Uint8Array((o.blocks ?? entries.length + 4) * bs);
  const dv = new DataView(img.buffer);
  img[0] = 0x45; img[1] = 0x52;
  dv.setUint16(2, o.ddrBlockSize ?? bs, false);
  dv.setUint32(4, img.length / bs, false);
  entries.forEach((e, i) => {
    const off = (i + 1) * bs;
    img[off] = 0x50; img[off + 1] = 0x4d;
    dv.setUint32(off + 4, o.mapCount ?? entries.length, false);
    dv.setUint32(off + 8, e.start, false);
    dv.setUint32(off + 12, e.blocks, false);
    for (let k = 0; k < e.name.length; k++) img[off + 16 + k] = e.name.charCodeAt(k);
    for (let k = 0; k < e.type.length; k++) img[off + 48 + k] = e.type.charCodeAt(k);
    dv.setUint32(off + 88, e.status ?? 0x13, false);
  });
  return img;
}

describe('Apple Partition Map (hand-made bytes)', () => {
  const ents = [
    { name: 'Apple', type: 'Apple_partition_map', start: 1, blocks: 3, status: 3 },
    { name: 'HFSPLUS_Hybrid', type: 'Apple_HFS', start: 10, blocks: 20, status: 0x40000013 },
    { name: 'Gap', type: 'ISO9660_data', start: 30, blocks: 5 },
  ];
  for (const bs of [512, 2048]) {
    it(`reads a ${bs}-byte-block map`, async () => {
      const sink = new DiagnosticSink();
      const r = (await readApm(new MemorySource(apmImage(bs, ents)), sink))!;
      assert.deepEqual(sink.items, []);
      assert.equal(r.info.blockSize, bs);
      assert.deepEqual(r.info.partitions, [
        { index: 1, name: 'Apple', type: 'Apple_partition_map', startBlock: 1, blocks: 3, status: '0x00000003' },
        { index: 2, name: 'HFSPLUS_Hybrid', type: 'Apple_HFS', startBlock: 10, blocks: 20, status: '0x40000013' },
        { index: 3, name: 'Gap', type: 'ISO9660_data', startBlock: 30, blocks: 5, status: '0x00000013' },
      ]);
      assert.deepEqual(r.structures.map((s) => s.type), ['apm-ddr', 'apm-map']);
      assert.equal(r.structures[1].children[2].offset, 3 * bs);
    });
  }

  it('DDR block size that does not match the map: falls back to 512/2048 and reports it', async () => {
    const sink = new DiagnosticSink();
    const r = (await readApm(new MemorySource(apmImage(2048, ents, { ddrBlockSize: 512 })), sink))!;
    assert.equal(r.info.blockSize, 2048);
    assert.ok(sink.items.some((d) => /sbBlkSize/.test(d.message)));
  });

  it('absurd map count is bounded; a missing "PM" stops the walk', async () => {
    const sink = new DiagnosticSink();
    const r = (await readApm(new MemorySource(apmImage(512, ents, { mapCount: 0xffffffff })), sink))!;
    assert.equal(r.info.partitions.length, 3);
    assert.ok(sink.items.some((d) => /outside 1\.\.256/.test(d.message)));
    assert.ok(sink.items.some((d) => /no "PM" signature/.test(d.message)));
  });

  it('map count beyond a truncated image', async () => {
    const sink = new DiagnosticSink();
    const r = (await readApm(new MemorySource(apmImage(512, ents, { mapCount: 10, blocks: 4 })), sink))!;
    assert.equal(r.info.partitions.length, 3);
    assert.ok(sink.items.some((d) => /beyond the end of the image/.test(d.message)));
  });

  it('no "ER", or "ER" without any "PM" → null', async () => {
    assert.equal(await readApm(new MemorySource(new Uint8Array(8192)), new DiagnosticSink()), null);
    const img = new Uint8Array(8192);
    img[0] = 0x45; img[1] = 0x52;
    assert.equal(await readApm(new MemorySource(img), new DiagnosticSink()), null);
  });
});
