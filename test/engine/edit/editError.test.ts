// EditError (src/engine/edit/editError.ts): the engine's error conventions, and the engine error
// code of every reason.
import { strict as assert } from 'assert';
import { EDIT_ERROR_CODES, EditError, type EditErrorCode } from '../../../src/engine/edit/editError';
import { IsoError, type IsoErrorCode } from '../../../src/engine/errors';

describe('edit/editError', () => {
  it('EditError keeps the engine conventions', () => {
    const e = new EditError('exists', '/a already exists');
    assert.equal(e.message, '/a already exists');
    const w = e.withImage('x.iso') as EditError;
    assert.ok(w instanceof EditError);
    assert.equal(w.reason, 'exists');
    assert.equal(w.code, 'INVALID_ARGUMENT');
    assert.equal(w.message, 'x.iso: /a already exists');
  });

  it('maps each reason to its engine error code', () => {
    // A missing entry is NOT_FOUND, what the image cannot record UNSUPPORTED, every other reason the caller's.
    const reasons: EditErrorCode[] = ['exists', 'not-found', 'not-a-directory', 'is-a-directory', 'not-empty', 'invalid-name', 'invalid-argument', 'unsupported'];
    const special: Partial<Record<EditErrorCode, IsoErrorCode>> = { 'not-found': 'NOT_FOUND', unsupported: 'UNSUPPORTED' };
    const expected = Object.fromEntries(reasons.map(r => [r, special[r] ?? 'INVALID_ARGUMENT'])) as Record<EditErrorCode, IsoErrorCode>;
    assert.deepEqual(EDIT_ERROR_CODES, expected);
    for (const reason of reasons) {
      const e = new EditError(reason, 'x');
      assert.ok(e instanceof IsoError);
      assert.equal(e.code, expected[reason], reason);
      assert.equal((e.withImage('i.iso') as EditError).code, expected[reason], `${reason} after withImage`);
    }
  });
});
