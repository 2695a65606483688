// CLI contract: exit codes (0 ok, 1 error with a message on stderr, 2 usage) and extract safety on
// a hostile image (test/fixtures/gen/escape.sh: a Rock Ridge symlink pointing outside plus a
// same-named directory whose file would be written through it, and names "..", "../x.txt",
// "../../y.txtxxxx" patched into NM fields).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { unescapeTermText } from '../../src/cli/terminal';
import { fixture } from '../fixtures/build';
import { run } from '../peers/run';
import { CLI, isowb, rmrf, tmpDir } from './helpers';

describe('isowb CLI contract', function () {
  this.timeout(5 * 60_000);
  let img = '';
  before(async function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
    img = await fixture('rr-joliet');
  });

  it('exits 2 on no arguments, with usage on stderr', async function () {
    const r = await isowb([]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.trim().length > 0);
  });
  it('exits 2 on an unknown command', async function () {
    const r = await isowb(['frobnicate', img]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.trim().length > 0);
  });
  it('exits 2 on an unknown option', async function () {
    const r = await isowb(['ls', img, '--no-such-option']);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.trim().length > 0);
  });
  it('exits 1 with a message for a missing path in the image', async function () {
    for (const args of [['ls', img, '/no/such/path'], ['cat', img, '/no/such/file.txt']]) {
      const r = await isowb(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.ok(r.stderr.trim().length > 0, `message for ${args.join(' ')}`);
      assert.equal(r.stdout.length, 0, `no output for ${args.join(' ')}`);
    }
  });
  it('exits 1 with a message for a missing image file', async function () {
    const r = await isowb(['info', path.join(tmpDir('missing'), 'nope.iso')]);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.trim().length > 0);
  });
  it('exits 1 for a file that is not an ISO image', async function () {
    const d = tmpDir('notiso');
    const f = path.join(d, 'zeros.iso');
    fs.writeFileSync(f, Buffer.alloc(64 * 1024));
    const r = await isowb(['ls', f]);
    rmrf(d);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.trim().length > 0);
  });
  it('cat of a directory is an error (exit 1)', async function () {
    const r = await isowb(['cat', img, '/docs']);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.trim().length > 0);
  });
});

describe('isowb extract never writes outside the target directory', function () {
  this.timeout(5 * 60_000);
  let img = '';
  before(async function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
    img = await fixture('escape');
  });

  /** Every path under base (relative), not following symlinks. */
  const listAll = (base: string): string[] => {
    const out: string[] = [];
    const visit = (d: string) => {
      for (const n of fs.readdirSync(d)) {
        const f = path.join(d, n);
        out.push(path.relative(base, f));
        if (fs.lstatSync(f).isDirectory()) visit(f);
      }
    };
    visit(base);
    return out.sort();
  };

  for (const variant of [{ name: 'whole image', paths: [] as string[] }, { name: 'selected paths', paths: ['/evil1', '/sub', '/ok.txt'] }]) {
    it(`${variant.name}: symlink-then-directory trick and ".." names stay inside`, async function () {
      const base = tmpDir('escape');
      try {
        const out = path.join(base, 'out');
        const outside = path.join(base, 'outside');
        fs.mkdirSync(out);
        fs.mkdirSync(outside);
        const r = await isowb(['extract', img, ...variant.paths, '-o', out]);
        const all = listAll(base);
        const escaped = all.filter((p) => p !== 'out' && !p.startsWith(`out${path.sep}`) && p !== 'outside');
        assert.deepEqual(escaped, [], `files written outside the target: ${escaped.join(', ')} (exit ${r.code}, stderr ${r.stderr})`);
        assert.deepEqual(fs.readdirSync(outside), [], 'something was written through the symlink');
        // nothing inside out/ may be reached through a symlink either: every regular file's real
        // path must be under out/
        for (const p of all.filter((q) => q.startsWith(`out${path.sep}`))) {
          const full = path.join(base, p);
          if (fs.lstatSync(full).isFile()) assert.ok(fs.realpathSync(full).startsWith(fs.realpathSync(out) + path.sep), `${p} resolves outside`);
        }
        // it must have said something about the hostile entries (refusal or warning)
        assert.ok(r.code !== 0 || r.stderr.trim().length > 0, `hostile entries passed silently (exit ${r.code})`);
        assert.notEqual(r.code, 2, 'not a usage error');
        // the harmless file is still extracted when asked for (whole image, or selected)
        if (r.code === 0) assert.equal(fs.readFileSync(path.join(out, 'ok.txt'), 'utf8'), 'harmless\n');
      } finally {
        rmrf(base);
      }
    });
  }
});

// Names that inject (issue 10): the inject-names fixture's names and volume fields hold ESC/OSC
// and CSI sequences, BEL, CR, LF, C1 CSI, a bidi override and backslashes. Human-readable output
// (info, ls, ls -l, find, grep, sessions, extract's warnings and progress line, error messages)
// must carry none of those characters — a log file viewed later is a terminal too — and show
// them escaped (src/cli/terminal.ts); --json keeps the exact names.
describe('isowb prints names from the image escaped, JSON exact', function () {
  this.timeout(5 * 60_000);
  let img = '';
  // eslint-disable-next-line no-control-regex
  const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffd]/u;
  const LINK = '[Retry extraction](command:workbench.action.terminal.new)';
  /** The names made by test/fixtures/gen/inject-names.sh, as `ls -R` lists them. */
  const NAMES = [
    `/${LINK}`, '/$(alert) x', '/\x1b]0;pwned\x07', '/\x1b[2J', '/c1 \u009b31m red', '/bidi \u202etxt.exe', '/visible\rhidden',
    '/line1\nline2', '/back\\slash', '/tab\tthere', '/dir \x1b[31mred\x1b[0m', `/dir \x1b[31mred\x1b[0m/${LINK}.txt`, '/esc-link', '/notes.txt',
    '/sock \x1b]0;pwned\x07', `/mail user@evil.com ${LINK.replace('Retry extraction', 'x')}`, `/mail user@evil.com ${LINK.replace('Retry extraction', 'x')}/f.txt`,
  ].sort();
  before(async function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
    img = await fixture('inject-names');
  });
  /** No control character but LF (and TAB where allowed), no C1, no bidi: on stdout and stderr. */
  const clean = (what: string, text: string, tab = false) => {
    const bad = UNSAFE.exec(tab ? text : text.replace(/\t/g, '\x01'));
    assert.equal(bad, null, `${what}: ${JSON.stringify(bad?.[0])} at ${bad?.index} in ${JSON.stringify(text.slice(Math.max(0, (bad?.index ?? 0) - 40), (bad?.index ?? 0) + 40))}`);
  };

  it('ls -R --json round-trips the exact names (Rock Ridge and Joliet); ls -R prints each escaped', async function () {
    for (const ns of ['rr', 'joliet']) {
      const json = await isowb(['ls', img, '-R', '--json', '--namespace', ns]);
      assert.equal(json.code, 0, json.stderr);
      const paths = json.stdout.toString('utf8').split('\n').filter(Boolean).map(l => (JSON.parse(l) as { path: string }).path);
      const text = await isowb(['ls', img, '-R', '--namespace', ns]);
      assert.equal(text.code, 0, text.stderr);
      clean(`ls -R --namespace ${ns}`, text.stdout.toString('utf8') + text.stderr);
      const lines = text.stdout.toString('utf8').split('\n').filter(Boolean);
      assert.deepEqual(lines.map(unescapeTermText), paths, 'each text line decodes to the JSON path');
      if (ns === 'rr') assert.deepEqual([...paths].sort(), NAMES);
      else for (const n of [`/${LINK}`, '/$(alert) x', '/\x1b]0;pwned\x07', '/\x1b[2J']) assert.ok(paths.includes(n), `Joliet ${JSON.stringify(n)}`);
    }
    const l = await isowb(['ls', img, '-R', '-l']);
    assert.equal(l.code, 0, l.stderr);
    const out = l.stdout.toString('utf8');
    clean('ls -R -l', out + l.stderr);
    assert.match(out, / \/esc-link -> \\x1b\]0;pwned\\x07$/m);
    assert.match(out, / \/back\\\\slash$/m);
    assert.match(out, / \/bidi \\u202etxt\.exe$/m);
  });

  it('info, sessions, find, grep: no control characters; the volume fields escaped; --json exact', async function () {
    const info = await isowb(['info', img]);
    assert.equal(info.code, 0, info.stderr);
    clean('info', info.stdout.toString('utf8') + info.stderr);
    assert.match(info.stdout.toString('utf8'), /Volume id {6}: \$\(alert\)\\x1b\]0;pwned\\x07 a@evil\.com$/m);
    assert.match(info.stdout.toString('utf8'), /Publisher id {3}: pub\\x1b\[2Jlisher /m);
    assert.match(info.stdout.toString('utf8'), /Volume set id {2}: set \\u009b31m c1$/m);
    const json = JSON.parse((await isowb(['info', img, '--json'])).stdout.toString('utf8')) as { volume: { volumeId: string; publisherId: string; volumeSetId: string } };
    assert.equal(json.volume.volumeId, '$(alert)\x1b]0;pwned\x07 a@evil.com');
    assert.equal(json.volume.publisherId, `pub\x1b[2Jlisher ${LINK}`);
    assert.equal(json.volume.volumeSetId, 'set \u009b31m c1');
    const sessions = await isowb(['sessions', img]);
    assert.equal(sessions.code, 0, sessions.stderr);
    clean('sessions', sessions.stdout.toString('utf8') + sessions.stderr);
    assert.match(sessions.stdout.toString('utf8'), /\$\(alert\)\\x1b\]0;pwned\\x07 a@evil\.com$/m);
    const find = await isowb(['find', img]);
    assert.equal(find.code, 0, find.stderr);
    clean('find', find.stdout.toString('utf8') + find.stderr);
    assert.ok(find.stdout.toString('utf8').split('\n').includes('/\\x1b[2J'));
    const grep = await isowb(['grep', 'pwned', img]);
    assert.equal(grep.code, 0, grep.stderr);
    const g = grep.stdout.toString('utf8');
    clean('grep', g + grep.stderr, true);
    assert.deepEqual(g.split('\n').filter(Boolean), [
      '/notes.txt:1:plain line pwned', '/notes.txt:2:\\x1b]0;pwned\\x07 title line pwned', '/notes.txt:3:\\x1b[2J clear line pwned',
      `/notes.txt:4:${LINK} pwned`, '/notes.txt:5:tab\tindented pwned', '/notes.txt:6:c1 \\u009b31m line pwned',
    ]);
    const gl = await isowb(['grep', '-l', 'clear', img]);
    clean('grep -l', gl.stdout.toString('utf8') + gl.stderr);
  });

  it('error messages quoting a name are escaped', async function () {
    const dir = '/dir \x1b[31mred\x1b[0m';
    for (const args of [['cat', img, dir], ['ls', img, '/no\x1b]0;pwned\x07such'], ['grep', 'x', img, '/no\x1b[2Jsuch'], ['find', img, '/no\x1b[2Jsuch']]) {
      const r = await isowb(args);
      assert.ok(r.code === 1 || r.code === 2, `${JSON.stringify(args)}: exit ${r.code}`);
      assert.ok(r.stderr.length > 0);
      clean(JSON.stringify(args), r.stdout.toString('utf8') + r.stderr);
      assert.match(r.stderr, /\\x1b/, 'the escape shows');
    }
  });

  it('extract: warnings and the progress line escaped; on a terminal only its own line codes', async function () {
    const base = tmpDir('inject');
    try {
      const r = await isowb(['extract', img, '-o', path.join(base, 'a')]);
      clean('extract', r.stdout.toString('utf8') + r.stderr);
      // the socket cannot be extracted: a warning quoting its name, exit 1
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^isowb: warning: .*\/sock \\x1b\]0;pwned\\x07/m);
      // the exact names on disk
      assert.ok(fs.existsSync(path.join(base, 'a', '\x1b]0;pwned\x07')));
      assert.equal(fs.readlinkSync(path.join(base, 'a', 'esc-link')), '\x1b]0;pwned\x07');
      // stderr a terminal (a pseudo-terminal from python3's pty module): the progress line shows
      // the file being extracted, and the summary the target folder (here with ESC in its name)
      const dest = path.join(base, 'b\x1b[2Jout');
      const t = await run('python3', ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, CLI, 'extract', img, '/\x1b]0;pwned\x07', '-o', dest]);
      assert.equal(t.code, 0, t.stdout.toString('utf8'));
      const tty = t.stdout.toString('utf8');
      assert.match(tty, /\r\x1b\[K1 files, .*\/\\x1b\]0;pwned\\x07/, 'the progress line names the file, escaped'); // eslint-disable-line no-control-regex
      assert.match(tty, /extracted to .*b\\x1b\[2Jout/);
      clean('extract on a terminal', tty.replace(/\r\x1b\[K/g, '').replace(/\r\n/g, '\n')); // eslint-disable-line no-control-regex
      assert.ok(fs.existsSync(path.join(dest, '\x1b]0;pwned\x07')));
    } finally {
      rmrf(base);
    }
  });
});

// `ls`, `find` and `grep` on an image with entries the engine must skip (test/fixtures/gen/
// escape.sh: Rock Ridge names "..", "../x.txt", "../../y.txtxxxx", and two entries named
// "evil1"): the diagnostics raised while listing are warnings on stderr and make the exit code
// an error's, as for extract (issue 10: "ls skips unusable names silently with exit 0").
describe('isowb ls, find, grep report entries they had to skip', function () {
  this.timeout(5 * 60_000);
  let img = '';
  before(async function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
    img = await fixture('escape');
  });
  const warnings = (stderr: string) => stderr.split('\n').filter(l => l.startsWith('isowb: warning: '));

  it('ls -R: every skipped entry named on stderr, the rest listed, exit 1', async function () {
    const r = await isowb(['ls', img, '-R']);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.stdout.toString('utf8').split('\n').filter(Boolean), ['/evil1', '/evil1', '/evil1/pwned.txt', '/ok.txt', '/sub']);
    const w = warnings(r.stderr);
    assert.equal(w.length, 4, r.stderr);
    for (const name of ['"../x.txt"', '".."', '"../../y.txtxxxx"']) assert.ok(w.some(l => l.includes(`unusable name ${name}`) && l.includes('entry skipped')), `${name}: ${r.stderr}`);
    assert.ok(w.some(l => l.includes('duplicate name "evil1"')));
    for (const l of w) assert.match(l, /\(byte \d+\)$/, 'names where');
  });
  it('ls of one directory reports only what listing it met (not its parents\' entries); --json too (stderr)', async function () {
    const r = await isowb(['ls', img, '/sub']);
    assert.equal(r.code, 1);
    assert.deepEqual(warnings(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /unusable name "\.\.\/\.\.\/y\.txtxxxx" in \/sub/);
    const f = await isowb(['find', img, '/sub']);
    assert.equal(f.code, 1);
    assert.equal(warnings(f.stderr).length, 1, f.stderr);
    const ok = await isowb(['ls', img, '/ok.txt']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, '');
    const j = await isowb(['ls', img, '-R', '--json']);
    assert.equal(j.code, 1);
    assert.equal(warnings(j.stderr).length, 4);
    for (const l of j.stdout.toString('utf8').split('\n').filter(Boolean)) JSON.parse(l);
  });
  it('find exits 1 and grep 2 (a file it could not search), with the same warnings', async function () {
    const f = await isowb(['find', img]);
    assert.equal(f.code, 1, f.stderr);
    assert.equal(warnings(f.stderr).length, 4, f.stderr);
    assert.ok(f.stdout.toString('utf8').split('\n').includes('/ok.txt'));
    const g = await isowb(['grep', 'harmless', img]);
    assert.equal(g.code, 2, g.stderr);
    assert.equal(g.stdout.toString('utf8'), '/ok.txt:1:harmless\n');
    assert.equal(warnings(g.stderr).length, 4, g.stderr);
  });
  it('images that list cleanly stay quiet: exit 0, nothing on stderr', async function () {
    for (const name of ['rr-joliet', 'rr-deep', 'multisession']) {
      const file = await fixture(name);
      for (const args of [['ls', file, '-R'], ['find', file]]) {
        const r = await isowb(args);
        assert.equal(r.code, 0, `${name} ${args[0]}: ${r.stderr}`);
        assert.equal(r.stderr, '', `${name} ${args[0]}`);
      }
    }
  });
});
