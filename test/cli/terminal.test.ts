// Text for terminals (src/cli/terminal.ts): what `isowb` prints for people. The escaped form holds
// no control, C1 or bidi character, is visible, and decodes back to the exact string. The CLI's
// outputs themselves are checked on the inject-names fixture in test/e2e/cli.test.ts.
import { strict as assert } from 'assert';
import { formatInfo, infoJson } from '../../src/cli/format';
import { quoted, termText, unescapeTermText } from '../../src/cli/terminal';
import { DiscImage } from '../../src/engine/image';
import { fixture, realImage } from '../fixtures/build';
import { prng } from '../util/prng';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|\p{Cs}/u;

describe('terminal text (src/cli/terminal.ts)', function () {
  const rnd = prng(0x7e);
  const ALPHABET = ['\\', 'x', 'u', 'n', '1b', '"', '\x1b', '\x07', '\n', '\r', '\t', '\0', '\x7f', '\u0085', '\u009b', '\u202e', '\u2066', '\u2028', '\ufeff', '\ud800', '\udfff', '😀', 'é', ' ', 'a', '\\x1b', '\\\\'];
  const strings = [
    '', 'plain', '/boot/grub/grub.cfg', 'naïve café ☃ 😀', '\x1b]0;pwned\x07', '\x1b[2J', 'visible\rhidden', 'c1 \u009b31m', 'bidi \u202etxt.exe',
    'back\\slash', 'literal \\x1b text', 'C:\\Users\\me\\x.iso', '\\', '\\\\', 'q"uote',
    ...Array.from({ length: 2000 }, () => Array.from({ length: rnd() % 10 }, () => ALPHABET[rnd() % ALPHABET.length]).join('')),
  ];

  it('leaves no control, C1, bidi or separator character, and decodes back exactly', function () {
    for (const s of strings) {
      const e = termText(s);
      assert.doesNotMatch(e, UNSAFE, JSON.stringify(s));
      assert.equal(unescapeTermText(e), s, JSON.stringify(s));
      const q = quoted(s);
      assert.doesNotMatch(q, UNSAFE, JSON.stringify(s));
      assert.equal(unescapeTermText(q.slice(1, -1)), s, `quoted ${JSON.stringify(s)}`);
      const t = termText(s, { keepTab: true });
      assert.doesNotMatch(t.replace(/\t/g, ''), UNSAFE, JSON.stringify(s));
      assert.equal(unescapeTermText(t), s, `keepTab ${JSON.stringify(s)}`);
    }
  });

  it('writes \\xHH, \\n, \\r, \\t, \\uHHHH and \\\\ and nothing else changes', function () {
    assert.equal(termText('\x1b]0;pwned\x07'), '\\x1b]0;pwned\\x07');
    assert.equal(termText('a\nb\rc\td\0e\x7f'), 'a\\nb\\rc\\td\\x00e\\x7f');
    assert.equal(termText('c1 \u009b31m \u202e \ud800'), 'c1 \\u009b31m \\u202e \\ud800');
    assert.equal(termText('back\\slash'), 'back\\\\slash');
    assert.equal(quoted('say "hi"\n'), '"say \\"hi\\"\\n"');
    for (const s of ['plain', '/boot/grub/i386-pc/eltorito.img', 'naïve café ☃ 😀 漢字', '[x](command:y) $(alert) <b>']) assert.equal(termText(s), s);
  });

  it('isowb info text: every string of a real image\'s facts, made hostile, prints escaped', async function () {
    // The real facts of images with El Torito, MBR, GPT and APM; every string in them replaced by
    // one holding ESC, BEL, CR, LF, C1, bidi and a backslash: the text rendering keeps no
    // control character but its own line breaks, and shows each string's escaped form.
    const hostile = (k: string) => `${k}\x1b]0;pwned\x07\x1b[2J\r\n\u009b\u202e\\`;
    for (const img of [realImage('grub-rescue-cdrom.iso'), fixture('apm-hfsplus'), fixture('gpt-basdat'), fixture('eltorito-multi')]) {
      const image = await DiscImage.openFile(await img);
      try {
        const data = JSON.parse(JSON.stringify(await infoJson(image))) as Record<string, unknown>;
        data.warnings = [{ severity: 'warning', message: hostile('message'), structure: hostile('structure'), offset: 5 }];
        data.pathTableProblems = ['a path-table problem'];
        const seen: string[] = [];
        const walk = (o: unknown, key: string): unknown => {
          if (typeof o === 'string') { const h = hostile(key); seen.push(h); return h; }
          if (Array.isArray(o)) return o.map(x => walk(x, key));
          if (o && typeof o === 'object') return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, walk(v, k)]));
          return o;
        };
        const text = formatInfo(walk(data, '') as Parameters<typeof formatInfo>[0]);
        assert.doesNotMatch(text.replace(/\n/g, ''), UNSAFE);
        for (const key of ['image', 'volumeId', 'publisherId', 'message', 'pathTableProblems']) assert.ok(text.includes(termText(hostile(key))), key);
        assert.ok(seen.length > 20, `${seen.length} strings replaced`);
      } finally {
        await image.close();
      }
    }
  });
});
