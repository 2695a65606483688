// SUSP 1.12 System Use entries (src/engine/rockridge/suspEntry.ts): the SP entry that announces
// SUSP in the root's "." record.
import * as assert from 'node:assert/strict';
import { detectSusp } from '../../../src/engine/rockridge/suspEntry';
import { bytes, PX, SP } from './helpers';

describe('SUSP 1.12 entries (suspEntry.ts)', () => {
  it('detectSusp finds SP (5.3) and its LEN_SKP, rejects look-alikes', () => {
    assert.deepEqual(detectSusp(bytes(SP(0), PX(0o40755, 2, 0, 0))), { skip: 0 });
    assert.deepEqual(detectSusp(SP(3)), { skip: 3 });
    assert.equal(detectSusp(bytes('SP', 7, 1, 0xbe, 0xee, 0)), null);
    assert.equal(detectSusp(bytes('SP', 7, 1, 0xbe)), null);
    assert.equal(detectSusp(new Uint8Array(0)), null);
    assert.equal(detectSusp(PX(0o40755, 2, 0, 0)), null);
  });
});
