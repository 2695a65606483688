import { strict as assert } from 'assert';
import { formatBytes, hexPatternError, parseHex, textToBytes, toBase64, toCArray, toHex, toText } from '../../../media/src/model/byteText';

describe('webview copy formats', () => {
  const b = Uint8Array.from([0x01, 0x43, 0x44, 0x30, 0x30, 0x31, 0x0a, 0xff]);

  it('formats hex, text and C arrays', () => {
    assert.equal(toHex(b), '01 43 44 30 30 31 0A FF');
    assert.equal(toHex(new Uint8Array(0)), '');
    assert.equal(toText(b), '.CD001\n.');
    assert.equal(toCArray(Uint8Array.from([1, 2])), 'const unsigned char data[2] = {\n  0x01, 0x02\n};\n');
    const c = toCArray(new Uint8Array(13).fill(0xab));
    assert.equal(c.split('\n')[1], '  ' + Array(12).fill('0xAB').join(', ') + ',');
    assert.equal(c.split('\n')[2], '  0xAB');
    assert.equal(formatBytes(b, 'hex'), toHex(b));
    assert.equal(toText(new Uint8Array(20000).fill(0x41)).length, 20000);
  });

  it('matches Node\'s base64 for every padding and a large buffer', () => {
    for (let n = 0; n < 10; n++) {
      const x = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
      assert.equal(toBase64(x), Buffer.from(x).toString('base64'), `length ${n}`);
    }
    const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 131) & 0xff);
    assert.equal(toBase64(big), Buffer.from(big).toString('base64'));
  });

  it('parses pasted hex in common spellings', () => {
    assert.deepEqual([...parseHex('DE AD be ef')!], [0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual([...parseHex('deadbeef')!], [0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual([...parseHex('0xde, 0xad,0x1')!], [0xde, 0xad, 0x01]);
    assert.deepEqual([...parseHex('de:ad-be\nef')!], [0xde, 0xad, 0xbe, 0xef]);
    assert.equal(parseHex('abc'), null, 'odd number of digits');
    assert.equal(parseHex('hello'), null);
    assert.equal(parseHex('  '), null);
  });

  it('turns text into bytes one per character', () => {
    assert.deepEqual([...textToBytes('CD001')!], [0x43, 0x44, 0x30, 0x30, 0x31]);
    assert.deepEqual([...textToBytes('é')!], [0xe9]);
    assert.equal(textToBytes('€'), null);
  });

  it('validates hex search patterns like the host reads them', () => {
    assert.equal(hexPatternError('43 44 30 ?? 31'), null);
    assert.equal(hexPatternError('4344'), null);
    assert.match(hexPatternError('434')!, /pairs/);
    assert.match(hexPatternError('4G')!, /pairs/);
    assert.match(hexPatternError('?? ??')!, /fixed byte/);
    assert.match(hexPatternError('  ')!, /empty/);
  });
});
