// The edit model's validation (src/engine/edit/validation.ts) as pure functions; the checks on a
// change set are exercised in changeSet.test.ts.
import { strict as assert } from 'assert';
import { basicNameProblem } from '../../../src/engine/edit/validation';

describe('edit/validation', () => {
  it('name rules every namespace has', () => {
    assert.match(basicNameProblem('')!, /empty/);
    assert.match(basicNameProblem('.')!, /not a name/);
    assert.match(basicNameProblem('..')!, /not a name/);
    assert.match(basicNameProblem('a/b')!, /"\/"/);
    assert.equal(basicNameProblem('ok name'), null);
  });
});
