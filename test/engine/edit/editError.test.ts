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
    const expected: Record<EditErrorCode, IsoErrorCode> = {
      'exists': 'INVALID_ARGUMENT',
      'not-found': 'NOT_FOUND',
      'not-a-directory': 'INVALID_ARGUMENT',
      'is-a-directory': 'INVALID_ARGUMENT',
      'not-empty': 'INVALID_ARGUMENT',
      'invalid-name': 'INVALID_ARGUMENT',
      'invalid-argument': 'INVALID_ARGUMENT',
      'unsupported': 'UNSUPPORTED',
    };
    assert.deepEqual(EDIT_ERROR_CODES, expected);
    for (const reason of Object.keys(expected) as EditErrorCode[]) {
      const e = new EditError(reason, 'x');
      assert.ok(e instanceof IsoError);
      assert.equal(e.code, expected[reason], reason);
      assert.equal((e.withImage('i.iso') as EditError).code, expected[reason], `${reason} after withImage`);
    }
  });
});
