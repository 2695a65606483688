// `isowb grep` / `isowb find` (src/cli/grep.ts over src/engine/textSearch/searchText.ts) cross-checked against
// GNU grep and find on the same image extracted by bsdtar:
//
//   bsdtar -xf IMAGE -C DIR && cd DIR && grep -rnI -D skip --null [-F|-E] [-i] [-w] -- PATTERN .
//
// compared as the set of `path:line` (and `grep -rlI` for -l, `find -type f -o -type l` for find).
// Both skip symlinks while recursing (grep -r follows only command-line links) and devices/FIFOs
// (-D skip). Binary files: GNU grep -I drops a file when a buffer it reads (32 KiB or more) holds
// a NUL, and hides matching lines that are not valid in the locale; we skip a file with a NUL in
// its first 8 KiB and stop at the line of a later NUL. On these images the two agree: every file
// with a NUL (the GRUB .mod/.img/.o files, boot catalogs) has one in its first 8 KiB and every
// text file is valid UTF-8, so the patterns below can be anything that occurs (including "." and
// "^", which list every line of every text file). Patterns are ASCII and valid both as POSIX
// EREs and as JavaScript regular expressions with the same meaning.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { fixture, realImage } from '../fixtures/build';
import { bsdtarExtract } from '../peers/bsdtar';
import { run } from '../peers/run';
import { CLI, isowb, rmrf, tmpDir } from './helpers';

interface Check {
  /** Options for both (-i, -w, -l); -E / -F are added from `regex`. */
  flags: string[];
  regex: boolean;
  pattern: string;
  /** Lower bound on matching lines, so a pattern that stopped occurring is noticed. */
  atLeast: number;
}

interface Subject {
  name: string;
  image: () => Promise<string>;
  checks: Check[];
}

const lit = (pattern: string, atLeast: number, ...flags: string[]): Check => ({ pattern, atLeast, flags, regex: false });
const ere = (pattern: string, atLeast: number, ...flags: string[]): Check => ({ pattern, atLeast, flags, regex: true });

const subjects: Subject[] = [
  {
    name: 'grub-rescue-cdrom.iso',
    image: () => realImage('grub-rescue-cdrom.iso'),
    checks: [
      lit('menuentry', 10),
      lit('linux', 20, '-i'),
      lit('set', 10, '-w'),
      ere('^[a-z_]+: ', 100),
      ere('insmod|search|efi', 10, '-i'),
      ere('[0-9]{3}', 10),
      ere('.', 500),
      ere('^', 500),
      lit('linux', 4, '-l'),
      lit('GRUB', 2, '-l', '-i'),
    ],
  },
  {
    name: 'rr-joliet',
    image: () => fixture('rr-joliet'),
    checks: [
      lit('quick', 10_000), // data/seq.txt (1 MiB, last line without a newline) and the pattern files, hard links included
      lit('HELLO', 1, '-i'),
      lit('fox', 10_000, '-w'),
      ere('0000000(1|2)[0-9]', 100),
      lit('café', 1),
      ere('e$', 1),
      ere('^', 10_000),
      lit('the', 5, '-l'),
    ],
  },
  {
    name: 'rr-deep',
    image: () => fixture('rr-deep'),
    checks: [lit('bottom', 1), ere('^(mid|other|top)$', 3)],
  },
];

/** `grep -rn --null` output ("./path\0line:text") → "/path:line"; with -l ("./path\0") → "/path". */
function parseGrep(out: string, list: boolean): string[] {
  const recs = out.split(list ? '\0' : '\n').filter(l => l !== '');
  return recs.map(r => {
    if (list) return r.replace(/^\.\//, '/');
    const i = r.indexOf('\0');
    assert.ok(i > 0, `unparsed grep line ${JSON.stringify(r)}`);
    return `${r.slice(0, i).replace(/^\.\//, '/')}:${/^(\d+):/.exec(r.slice(i + 1))![1]}`;
  });
}

/** `isowb grep` output ("/path:line:text", or "/path" with -l) → "/path:line" / "/path". */
function parseOurs(out: string, list: boolean): string[] {
  return out.split('\n').filter(l => l !== '').map(l => {
    if (list) return l;
    const m = /^(.*?):(\d+):/.exec(l);
    assert.ok(m, `unparsed isowb line ${JSON.stringify(l)}`);
    return `${m[1]}:${m[2]}`;
  });
}

function assertSameSet(ours: string[], theirs: string[], what: string): void {
  assert.equal(new Set(ours).size, ours.length, `${what}: isowb printed a line twice`);
  const a = new Set(ours);
  const b = new Set(theirs);
  const onlyOurs = [...a].filter(p => !b.has(p)).slice(0, 20);
  const onlyTheirs = [...b].filter(p => !a.has(p)).slice(0, 20);
  assert.deepEqual({ onlyOurs, onlyTheirs }, { onlyOurs: [], onlyTheirs: [] }, `${what}: differs from GNU grep`);
}

for (const s of subjects) {
  describe(`isowb grep / find on ${s.name} = bsdtar -xf + GNU grep -rnI / find`, function () {
    this.timeout(5 * 60_000);
    let img = '';
    let dir = '';
    before(async function () {
      assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
      img = await s.image();
      dir = tmpDir('grep');
      const r = await bsdtarExtract(img, dir);
      assert.equal(r.code, 0, `bsdtar -xf ${img}: ${r.stderr}`);
    });
    after(function () { if (dir) rmrf(dir); });

    for (const c of s.checks) {
      const label = `${c.regex ? '-E' : '-F'} ${c.flags.join(' ')} ${JSON.stringify(c.pattern)}`.replace(/ +/g, ' ');
      it(`grep ${label}`, async function () {
        const list = c.flags.includes('-l');
        const gnuFlags = [list ? '-rlI' : '-rnI', '-D', 'skip', '--null', c.regex ? '-E' : '-F', ...c.flags.filter(f => f !== '-l')];
        const g = await run('grep', [...gnuFlags, '--', c.pattern, '.'], { cwd: dir });
        assert.equal(g.code, 0, `GNU grep ${gnuFlags.join(' ')} ${c.pattern}: exit ${g.code} ${g.stderr}`);
        const theirs = parseGrep(g.stdout.toString('utf8'), list);
        const o = await isowb(['grep', ...(c.regex ? ['-E'] : []), ...c.flags, '--', c.pattern, img]);
        assert.equal(o.code, 0, `isowb grep exit ${o.code}: ${o.stderr}`);
        const ours = parseOurs(o.stdout.toString('utf8'), list);
        assert.ok(theirs.length >= c.atLeast, `the pattern still occurs (${theirs.length} < ${c.atLeast})`);
        assertSameSet(ours, theirs, label);
      });
    }

    it('find lists what find(1) lists (files and symlinks)', async function () {
      const f = await run('find', ['.', '(', '-type', 'f', '-o', '-type', 'l', ')', '-print0'], { cwd: dir });
      const theirs = f.stdout.toString('utf8').split('\0').filter(x => x).map(x => x.slice(1));
      const o = await isowb(['find', img]);
      assert.equal(o.code, 0, o.stderr);
      assertSameSet(o.stdout.toString('utf8').split('\n').filter(x => x), theirs, 'find');
      const named = await run('find', ['.', '(', '-type', 'f', '-o', '-type', 'l', ')', '-name', '*.t?t', '-print0'], { cwd: dir });
      const o2 = await isowb(['find', img, '--name', '*.t?t']);
      assertSameSet(o2.stdout.toString('utf8').split('\n').filter(x => x), named.stdout.toString('utf8').split('\0').filter(x => x).map(x => x.slice(1)), 'find --name');
    });
  });
}

describe('isowb grep / find: output, options and exit codes', function () {
  this.timeout(5 * 60_000);
  let grub = '';
  let rr = '';
  before(async function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
    grub = await realImage('grub-rescue-cdrom.iso');
    rr = await fixture('rr-joliet');
  });

  it('prints path:line:text (1-based) and exits 0 on a match, 1 on none', async function () {
    const r = await isowb(['grep', 'menuentry "NetBSD"', grub]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), '/boot/grub/grub.cfg:49:menuentry "NetBSD" {\n');
    const none = await isowb(['grep', 'no such text anywhere', grub]);
    assert.equal(none.code, 1);
    assert.equal(none.stdout.length, 0);
    assert.equal(none.stderr, '');
  });

  it('PATH, --include, --exclude, --max-size, -l', async function () {
    const inDir = await isowb(['grep', '-l', 'menuentry', grub, '/boot/grub/i386-pc']);
    assert.equal(inDir.stdout.toString(), '/boot/grub/i386-pc/command.lst\n');
    const inc = await isowb(['grep', '-l', 'menuentry', grub, '--include', '*.cfg']);
    assert.equal(inc.stdout.toString(), '/boot/grub/grub.cfg\n');
    const exc = await isowb(['grep', '-l', 'menuentry', grub, '--exclude', '*.cfg', '--exclude=*.lst']);
    assert.equal(exc.code, 1);
    const small = await isowb(['grep', '-l', 'quick', rr, '--max-size', '4K']);
    const big = await isowb(['grep', '-l', 'quick', rr, '--max-size=1M']);
    assert.ok(!small.stdout.toString().includes('/data/seq.txt'));
    assert.ok(!big.stdout.toString().includes('/data/seq.txt'), 'seq.txt is 1048583 bytes > 1 MiB');
    assert.ok((await isowb(['grep', '-l', 'quick', rr, '--max-size', '2M'])).stdout.toString().includes('/data/seq.txt'));
  });

  it('a pattern starting with "-" after --, and -e', async function () {
    const a = await isowb(['grep', '--', '--id gnulinux', grub]);
    assert.equal(a.code, 0);
    assert.match(a.stdout.toString(), /^\/boot\/grub\/grub\.cfg:15:/);
    const b = await isowb(['grep', '-e', '--id gnulinux', grub]);
    assert.equal(b.stdout.toString(), a.stdout.toString());
  });

  it('exit 2 on errors and bad usage (grep), 1 / 2 for find', async function () {
    for (const args of [['grep', '-E', '(', grub], ['grep', 'x', path.join(tmpDir('nope'), 'missing.iso')], ['grep', 'x'], ['grep', '--bogus', 'x', grub], ['grep', 'x', grub, '/no/such/dir'], ['grep', '', grub]]) {
      const r = await isowb(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.trim().length > 0, `message for ${args.join(' ')}`);
    }
    const bad = await isowb(['grep', '-E', '(', grub]);
    assert.match(bad.stderr, /Unterminated group/);
    assert.equal((await isowb(['find', path.join(tmpDir('nope'), 'missing.iso')])).code, 1);
    assert.equal((await isowb(['find', grub, '--bogus'])).code, 2);
    assert.equal((await isowb(['grep', '--help'])).code, 0);
  });
});
