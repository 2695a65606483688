import { strict as assert } from 'assert';
import { hexDigit, leave, typeChar, typeNibble } from '../../../media/src/model/hexInput';

describe('webview hex input', () => {
  it('reads hex digit keys', () => {
    assert.equal(hexDigit('0'), 0);
    assert.equal(hexDigit('9'), 9);
    assert.equal(hexDigit('a'), 10);
    assert.equal(hexDigit('F'), 15);
    assert.equal(hexDigit('g'), -1);
    assert.equal(hexDigit('F1'), -1);
  });

  it('commits a byte after its second nibble', () => {
    let r = typeNibble(null, 100, 0xa, 0x35);
    assert.deepEqual(r, { pending: { offset: 100, value: 0xa5 }, commits: [], advance: false });
    r = typeNibble(r.pending, 100, 0x7, 0x35);
    assert.deepEqual(r, { pending: null, commits: [{ offset: 100, value: 0xa7 }], advance: true });
  });

  it('commits a half-typed byte when the cursor leaves it', () => {
    const first = typeNibble(null, 100, 0x1, 0xff);
    assert.deepEqual(leave(first.pending, 100), { pending: first.pending, commits: [], advance: false });
    assert.deepEqual(leave(first.pending, 101).commits, [{ offset: 100, value: 0x1f }]);
    assert.deepEqual(leave(null, 3).commits, []);
    // Typing at another offset commits the old half byte first.
    const r = typeNibble(first.pending, 200, 0x2, 0x00);
    assert.deepEqual(r.commits, [{ offset: 100, value: 0x1f }]);
    assert.deepEqual(r.pending, { offset: 200, value: 0x20 });
  });

  it('types printable characters in the ASCII column', () => {
    assert.deepEqual(typeChar(null, 5, 'A'), { pending: null, commits: [{ offset: 5, value: 0x41 }], advance: true });
    assert.equal(typeChar(null, 5, '\n'), null);
    assert.equal(typeChar(null, 5, 'é'), null);
    assert.equal(typeChar(null, 5, 'Enter'), null);
    const half = typeNibble(null, 4, 0xc, 0).pending;
    assert.deepEqual(typeChar(half, 5, 'z')!.commits, [{ offset: 4, value: 0xc0 }, { offset: 5, value: 0x7a }]);
  });
});
