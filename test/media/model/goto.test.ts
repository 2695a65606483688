import { strict as assert } from 'assert';
import { parseGoto } from '../../../media/src/model/goto';

describe('webview goto parser', () => {
  const ctx = { cursor: 0x9000, size: 5_081_088, sectorSize: 2048 };
  const ok = (s: string): number => {
    const r = parseGoto(s, ctx);
    assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error}`);
    return r.offset;
  };
  const err = (s: string): string => {
    const r = parseGoto(s, ctx);
    assert.ok(!r.ok, `${s} should fail`);
    return r.error;
  };

  it('reads offsets, sectors and the ends', () => {
    assert.equal(ok('32768'), 32768);
    assert.equal(ok('0x8000'), 0x8000);
    assert.equal(ok('0X8000'), 0x8000);
    assert.equal(ok('8000h'), 0x8000);
    assert.equal(ok('lba 16'), 32768);
    assert.equal(ok('LBA16'), 32768);
    assert.equal(ok('sector 17'), 34816);
    assert.equal(ok('s 0x10'), 32768);
    assert.equal(ok('end'), 5_081_087);
    assert.equal(ok('start'), 0);
    assert.equal(ok('32k'), 32768);
    assert.equal(ok('1_024'), 1024);
    assert.equal(ok('  0x10  '), 16);
  });

  it('adds and subtracts terms', () => {
    assert.equal(ok('lba 16 + 0x9c'), 32768 + 0x9c);
    assert.equal(ok('end - 0x7ff'), 5_081_087 - 0x7ff);
    assert.equal(ok('lba 1 + lba 1 - 16'), 4096 - 16);
  });

  it('goes relative to the cursor with a leading sign', () => {
    let r = parseGoto('+16', ctx);
    assert.ok(r.ok && r.relative && r.offset === 0x9010);
    r = parseGoto('-0x10', ctx);
    assert.ok(r.ok && r.offset === 0x8ff0);
    assert.equal(ok('+lba 1'), 0x9000 + 2048);
    assert.equal(ok('- lba 1 + 4'), 0x9000 - 2044);
  });

  it('clamps into the document and says so', () => {
    let r = parseGoto('lba 999999', ctx);
    assert.ok(r.ok && r.clamped && r.offset === 5_081_087);
    r = parseGoto('-0x100000', ctx);
    assert.ok(r.ok && r.clamped && r.offset === 0);
    r = parseGoto('16', { cursor: 0, size: 0, sectorSize: 2048 });
    assert.ok(r.ok && r.offset === 0);
  });

  it('reaches past 4 GiB exactly', () => {
    const big = { cursor: 0, size: Math.round(4.4 * 2 ** 30), sectorSize: 2048 };
    const r = parseGoto('lba 2097152 + 5', big);
    assert.ok(r.ok && r.offset === 2 ** 32 + 5);
    const e = parseGoto('end', big);
    assert.ok(e.ok && e.offset === big.size - 1);
  });

  it('rejects what it does not understand', () => {
    assert.match(err(''), /empty/);
    assert.match(err('8000abc'), /hex needs 0x/);
    assert.match(err('ff'), /unknown word/);
    assert.match(err('lba'), /sector number/);
    assert.match(err('16 +'), /ends with an operator/);
    assert.match(err('16 32'), /expected \+ or -/);
    assert.match(err('16 * 2'), /unexpected/);
    assert.match(err('+ +3'), /two operators/);
    assert.match(err('99999999999999999999'), /too large/);
  });
});
