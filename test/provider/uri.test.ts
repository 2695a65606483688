// The isowb: URI key (src/provider/uri.ts): base32 of the image URI in the authority.
import { strict as assert } from 'assert';
import { base32Decode, base32Encode, decodeKey, encodeKey, normalizeInnerPath } from '../../src/provider/uri';
import { prng } from '../util/prng';

describe('isowb URI keys', () => {
  it('base32 matches the RFC 4648 test vectors (lower case, no padding)', () => {
    const vectors: Array<[string, string]> = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']];
    for (const [plain, code] of vectors) {
      assert.equal(base32Encode(plain), code);
      assert.equal(base32Decode(code), plain);
      assert.equal(base32Decode(code.toUpperCase()), plain, 'authorities are compared case-insensitively');
    }
  });

  it('round-trips image URIs with spaces, #, ?, %, unicode and other schemes', () => {
    const uris = [
      'file:///home/me/My%20Images/debian%2312%3F.iso',
      'file:///tmp/%25percent%25/d%C3%A9j%C3%A0%20vu%20%E2%9C%93.iso',
      'vscode-remote://ssh-remote%2Bbox/srv/images/ubuntu.iso',
      'isowb://mzxw6ytboi/efi/boot/efiboot.img',
      'file:///c%3A/Users/x/disc.ISO',
    ];
    for (const image of uris) {
      const key = encodeKey({ image });
      assert.match(key, /^[a-z2-7]+$/, 'the alphabet needs no escaping in an authority');
      assert.deepEqual(decodeKey(key), { image });
      assert.deepEqual(decodeKey(encodeKey({ image, session: 3 })), { image, session: 3 });
    }
  });

  it('gives images with the same name in different folders different keys, the same image one key', () => {
    const a = encodeKey({ image: 'file:///a/disc.iso' });
    const b = encodeKey({ image: 'file:///b/disc.iso' });
    assert.notEqual(a, b);
    assert.equal(encodeKey({ image: 'file:///a/disc.iso' }), a);
  });

  it('round-trips random strings (property test)', () => {
    const next = prng(7);
    const rnd = () => next() / 2 ** 32;
    for (let i = 0; i < 500; i++) {
      const len = Math.floor(rnd() * 40);
      let s = 'file:///';
      for (let j = 0; j < len; j++) {
        const r = rnd();
        s += r < 0.7 ? String.fromCharCode(32 + Math.floor(rnd() * 95)) : r < 0.9 ? String.fromCharCode(0xa0 + Math.floor(rnd() * 0x500)) : '\u{1F4BF}';
      }
      assert.equal(base32Decode(base32Encode(s)), s);
      assert.deepEqual(decodeKey(encodeKey({ image: s })), { image: s });
    }
  });

  it('rejects authorities that are not keys with a readable error', () => {
    assert.throws(() => decodeKey('not-a-key'), /not an ISO Workbench image key/);
    assert.throws(() => decodeKey(''), /not an ISO Workbench image key/);
    assert.throws(() => decodeKey(base32Encode('no uri here')), /no URI inside/);
    assert.throws(() => decodeKey('aaaa'), /not an ISO Workbench image key/); // decodes to bytes that are not UTF-8 / not a URI
    assert.throws(() => decodeKey(`${encodeKey({ image: 'file:///x.iso' })}.s0`), /not an ISO Workbench image key/);
  });

  it('normalises inner paths and refuses ".."', () => {
    assert.equal(normalizeInnerPath(''), '/');
    assert.equal(normalizeInnerPath('/boot//grub/./'), '/boot/grub');
    assert.equal(normalizeInnerPath('a b/#c?d%e'), '/a b/#c?d%e');
    assert.throws(() => normalizeInnerPath('/boot/../etc'), /"\.\." is not allowed/);
  });
});
