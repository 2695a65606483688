// ISO 9660 and Joliet names (src/engine/iso9660/names.ts): the name rules the edit model applies,
// versions and multi-extent groups as the reader sees them, and the names the writer makes
// (isoNames, jolietNames), their encoding and their order.
import { strict as assert } from 'assert';
import {
  compareIdentifiers, encodeIsoIdentifier, encodeJolietIdentifier, groupMultiExtent, iso9660NameProblem, isoNames, jolietNames, jolietProblem, stripVersion,
  type NameRequest,
} from '../../../src/engine/iso9660/names';
import { prng } from '../../util/prng';
import { ascii as bytes } from './helpers';

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

describe('iso9660 names', () => {
  it('stripVersion drops ";N" and an empty extension', () => {
    assert.equal(stripVersion('FOO.TXT;1'), 'FOO.TXT');
    assert.equal(stripVersion('FOO.;1'), 'FOO');
    assert.equal(stripVersion('README.'), 'README');
    assert.equal(stripVersion('README'), 'README');
    assert.equal(stripVersion('long joliet name.txt;1'), 'long joliet name.txt');
    assert.equal(stripVersion('A;32767'), 'A');
    assert.equal(stripVersion('.'), '.');
    assert.equal(stripVersion('..'), '..');
    assert.equal(stripVersion('a;b'), 'a;b');
  });

  it('groupMultiExtent groups consecutive same-name records ending with a non-multi-extent one', () => {
    const r = (name: string, multiExtent: boolean) => ({ name, multiExtent });
    const recs = [r('A;1', false), r('BIG;1', true), r('BIG;1', true), r('BIG;1', false), r('C;1', false)];
    const groups = groupMultiExtent(recs);
    assert.deepEqual(groups.map((g) => g.length), [1, 3, 1]);
    assert.equal(groups[1][0], recs[1]);
    assert.equal(groups[1][2], recs[3]);
  });

  it('groupMultiExtent closes a group broken by another name or by the end, and reports it', () => {
    const r = (name: string, multiExtent: boolean) => ({ name, multiExtent });
    const broken: string[] = [];
    const groups = groupMultiExtent([r('BIG;1', true), r('OTHER;1', false), r('END;1', true)], (g, reason) => broken.push(`${g[0].name}|${reason}`));
    assert.deepEqual(groups.map((g) => g.map((x) => x.name)), [['BIG;1'], ['OTHER;1'], ['END;1']]);
    assert.equal(broken.length, 2);
    assert.match(broken[0], /^BIG;1\|.*interrupted by "OTHER;1"/);
    assert.match(broken[1], /^END;1\|.*no final extent/);
  });
});

describe('serializers (writer) round-trip through the parsers', function () {
  describe('names (ECMA-119 7.5, ISO 9660:1999, Joliet)', () => {
    /** 1000 distinct names with many shared prefixes, extensions, case and Unicode variants. */
    function generated(seed: number): NameRequest[] {
      const rand = prng(seed);
      const stems = ['longname', 'LongName', 'longname_with_many_characters_in_it_', 'file', 'Ünïcödé', 'a.b.c', '.hidden', 'with space', '😀emoji', 'x', 'CON', 'a*b?c:d'];
      const exts = ['', '.txt', '.TXT', '.tar.gz', '.jpeg', '.c', '.verylongextensionnamethatgoesonandonandon', '.'];
      const seen = new Set<string>();
      const out: NameRequest[] = [];
      while (out.length < 1000) {
        const stem = stems[rand() % stems.length];
        const name = stem + (rand() % 3 ? String(rand() % 400) : '') + (rand() % 5 === 0 ? 'x'.repeat(rand() % 250) : '') + exts[rand() % exts.length];
        if (seen.has(name)) continue;
        seen.add(name);
        out.push({ name, dir: rand() % 5 === 0 });
      }
      return out;
    }
    const reqs = generated(99);

    function checkUnique(names: string[], strip: boolean): void {
      assert.equal(new Set(names).size, names.length, 'identifiers are not unique');
      if (strip) assert.equal(new Set(names.map(stripVersion)).size, names.length, 'names are not unique once the version is stripped');
    }

    for (const level of [1, 2, 3] as const) {
      it(`level ${level}: 1000 names are legal d-character identifiers, unique, extensions kept`, () => {
        const names = isoNames(reqs, level);
        assert.equal(names.length, reqs.length);
        checkUnique(names, true);
        const maxDir = level === 1 ? 8 : 31;
        names.forEach((n, i) => {
          if (reqs[i].dir) {
            assert.match(n, /^[A-Z0-9_]+$/, n);
            assert.ok(n.length <= maxDir, n);
            return;
          }
          const m = /^([A-Z0-9_]+)\.([A-Z0-9_]*);1$/.exec(n);
          assert.ok(m, n);
          if (level === 1) assert.ok(m[1].length <= 8 && m[2].length <= 3, n);
          else assert.ok(m[1].length + m[2].length <= 30, n);
          const dot = reqs[i].name.lastIndexOf('.');
          const ext = dot > 0 ? reqs[i].name.slice(dot + 1).toUpperCase().replace(/[^A-Z0-9_]/g, '_') : '';
          if (ext.length <= (level === 1 ? 3 : 22)) assert.equal(m[2], ext, `${reqs[i].name} → ${n}`);
        });
        assert.deepEqual(isoNames(reqs, level), names, 'not deterministic');
        // The same directory listed in another order gets the same names.
        const perm = reqs.map((r, i) => ({ r, i })).sort((a, b) => (a.r.name < b.r.name ? 1 : -1));
        const again = isoNames(perm.map((p) => p.r), level);
        perm.forEach((p, j) => assert.equal(again[j], names[p.i]));
      });
    }
    it('level 4: up to 207 bytes, case kept, only NUL and / replaced, no version, unique', () => {
      const names = isoNames(reqs.concat([{ name: 'a/b\0c', dir: false }, { name: '\x01', dir: false }]), 4);
      checkUnique(names, false);
      for (const n of names) {
        assert.ok(encodeIsoIdentifier(n).length <= 207, n);
        assert.ok(!/[\0/]/.test(n) && n !== '\x01' && !n.endsWith(';1'), n);
      }
      assert.equal(names[1000], 'a_b_c');
      assert.equal(names[1001], '_');
      assert.ok(names.includes('Ünïcödé.txt') || reqs.every((r) => r.name !== 'Ünïcödé.txt'));
      const long = isoNames([{ name: `${'é'.repeat(150)}.txt`, dir: false }, { name: `${'é'.repeat(151)}.txt`, dir: false }], 4);
      for (const n of long) { assert.ok(n.endsWith('.txt')); assert.ok(encodeIsoIdentifier(n).length <= 207); }
      assert.notEqual(long[0], long[1]);
    });
    it('collisions get counters in place of the tail of the base, like genisoimage/xorriso', () => {
      const r = (name: string, dir = false) => ({ name, dir });
      assert.deepEqual(isoNames([r('longname1.txt'), r('longname2.txt'), r('longname3.txt')], 1), ['LONGNAME.TXT;1', 'LONGNA00.TXT;1', 'LONGNA01.TXT;1']);
      assert.deepEqual(isoNames([r('readme.txt'), r('README.TXT')], 1), ['README00.TXT;1', 'README.TXT;1']);
      assert.deepEqual(isoNames([r('readme'), r('my.dir', true), r('.bashrc'), r('a')], 1), ['README.;1', 'MY_DIR', '_BASHRC.;1', 'A.;1']);
      assert.deepEqual(isoNames([r('a'), r('a', true)].reverse(), 2), ['A', 'A00.;1']);
      assert.deepEqual(isoNames([r('archive.tar.gz')], 2), ['ARCHIVE_TAR.GZ;1']);
      assert.deepEqual(isoNames([r('x'.repeat(40) + '.txt'), r('x'.repeat(41) + '.txt')], 2), [`${'X'.repeat(27)}.TXT;1`, `${'X'.repeat(25)}00.TXT;1`]);
      // The extension gives way only when the base cannot hold the counter.
      const e = 'E'.repeat(29);
      assert.deepEqual(isoNames([r(`a.${e}1`), r(`a.${e}2`)], 3), [`A.${e};1`, `00.${'E'.repeat(28)};1`]);
    });
    for (const max of [64, 103] as const) {
      it(`Joliet (${max} characters): legal, unique, extension kept`, () => {
        const names = jolietNames(reqs, max);
        checkUnique(names, false);
        names.forEach((n, i) => {
          assert.ok(n.length <= max, n);
          // eslint-disable-next-line no-control-regex
          assert.ok(!/[\0-\x1f*/:;?\\\ud800-\udfff]/.test(n), n);
          const ext = /\.[a-z]{1,4}$/i.exec(reqs[i].name);
          if (!reqs[i].dir && ext) assert.ok(n.endsWith(ext[0]), `${reqs[i].name} → ${n}`);
          assert.equal(encodeJolietIdentifier(n).length, n.length * 2);
        });
        const r = (name: string) => ({ name, dir: false });
        assert.deepEqual(jolietNames([r('a*b?.txt'), r('a_b_.txt'), r('😀.txt')], max), ['a_b_00.txt', 'a_b_.txt', '_.txt']);
      });
    }
    it('encodeJolietIdentifier: UCS-2 BE, outside the BMP → _', () => {
      assert.deepEqual([...encodeJolietIdentifier('aé😀')], [0x00, 0x61, 0x00, 0xe9, 0x00, 0x5f]);
    });
    it('compareIdentifiers: name, then extension (space padded), then version descending', () => {
      const ids = ['A.B;1', 'AB.;1', 'A.;1', 'A.B;2', 'A.BC;1', 'B', '_', 'A0.;1', 'A.B;10'];
      const sorted = ids.map(bytes).sort(compareIdentifiers).map((b) => String.fromCharCode(...b));
      assert.deepEqual(sorted, ['A.;1', 'A.B;10', 'A.B;2', 'A.B;1', 'A.BC;1', 'A0.;1', 'AB.;1', 'B', '_']);
      assert.ok(compareIdentifiers(Uint8Array.of(0), Uint8Array.of(1)) < 0);
      assert.ok(compareIdentifiers(Uint8Array.of(1), bytes('A.;1')) < 0);
      const j = ['ab', 'a', 'a.b', 'B', 'é'].map(encodeJolietIdentifier).sort((x, y) => compareIdentifiers(x, y, true));
      assert.deepEqual(j.map((b) => String.fromCharCode(...Array.from({ length: b.length / 2 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]))), ['B', 'a', 'a.b', 'ab', 'é']);
    });
  });
});
