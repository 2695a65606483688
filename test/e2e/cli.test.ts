// CLI contract: exit codes (0 ok, 1 error with a message on stderr, 2 usage) and extract safety on
// a hostile image (test/fixtures/gen/escape.sh: a Rock Ridge symlink pointing outside plus a
// same-named directory whose file would be written through it, and names "..", "../x.txt",
// "../../y.txtxxxx" patched into NM fields).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { fixture } from '../fixtures/build';
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
