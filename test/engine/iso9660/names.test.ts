// ISO 9660 and Joliet names (src/engine/iso9660/names.ts): the name rules the edit model applies.
import { strict as assert } from 'assert';
import { iso9660NameProblem, jolietNames, jolietProblem } from '../../../src/engine/iso9660/names';

describe('iso9660/names', () => {
  it('ISO 9660 name rules by interchange level', () => {
    assert.equal(iso9660NameProblem('A'.repeat(9), 'dir', 1), 'ISO 9660 level 1 directory names are limited to 8 characters');
    assert.equal(iso9660NameProblem('A'.repeat(30) + '.X', 'file', 2), 'ISO 9660 level 2/3 file names are limited to 30 characters besides the dot');
    assert.equal(iso9660NameProblem('A'.repeat(29) + '.X', 'file', 2), null);
    assert.equal(iso9660NameProblem('A'.repeat(31), 'dir', 3), null);
    assert.equal(iso9660NameProblem('lower case ok; no', 'file', 4), 'ISO 9660 names cannot contain ";" (it separates the version number)');
    assert.equal(iso9660NameProblem('lower case ok', 'file', 4), null);
  });

  it('Joliet name rules: length and forbidden characters', () => {
    assert.equal(jolietProblem('x'.repeat(103)), null);
    assert.match(jolietProblem('x'.repeat(104))!, /103/);
    assert.match(jolietProblem('a\u0001')!, /control character 0x01/);
  });

  it('the Joliet names the writer makes avoid exactly the characters the rules refuse', () => {
    const names = jolietNames(['a*b', 'c/d', 'e:f', 'g;h', 'i?j', 'k\\l', 'm\u001fn', 'o\u0020p'].map(name => ({ name, dir: false })), 103);
    assert.deepEqual(names, ['a_b', 'c_d', 'e_f', 'g_h', 'i_j', 'k_l', 'm_n', 'o p']);
    for (const n of names) assert.equal(jolietProblem(n), null, n);
  });
});
