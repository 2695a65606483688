// Text search queries and globs (src/engine/textSearch/query.ts); searching an image with them:
// searchText.test.ts.
import * as assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../src/engine/errors';
import { globToRegExp, pathMatcher } from '../../../src/engine/textSearch/query';

describe('textSearch/query', () => {
  it('globs: *, **, ?, [..], {a,b}', function () {
    assert.ok(globToRegExp('**/*.cfg').test('boot/grub/grub.cfg'));
    assert.ok(globToRegExp('**/*.cfg').test('grub.cfg'));
    assert.ok(!globToRegExp('*.cfg').test('boot/grub.cfg'));
    assert.ok(globToRegExp('gr?b.{cfg,lst}').test('grub.lst'));
    assert.ok(globToRegExp('[!a-c]x').test('dx') && !globToRegExp('[!a-c]x').test('bx'));
    assert.ok(globToRegExp('a{b').test('a{b'), 'an unclosed brace is literal');
    const m = pathMatcher(['boot/grub', '*.mod']);
    assert.ok(m('/boot/grub/x/y.cfg') && m('/lib/a.mod') && !m('/boot/other.cfg'));
    assert.throws(() => globToRegExp('[z-a]'), InvalidArgumentError);
  });
});
