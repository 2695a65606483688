// Extraction onto file systems that cannot hold every name of a Linux tree (issue 18): the
// host-names fixture (test/fixtures/gen/host-names.sh: case pairs, NFC/NFD, Windows' forbidden
// characters, device names, trailing dots and spaces, a 255-byte name, a symlink) extracted by
// `isowb extract` onto
//   - NTFS, case-insensitive with Windows' name rules: mkntfs + lowntfs-3g -o ignore_case,windows_names (FUSE);
//   - FAT: mkfs.fat + fusefat (FUSE; case-insensitive, refuses : ? * and, in this driver, non-ASCII names);
//   - this machine's temp folder (Linux, case-sensitive), plain and with --names windows.
// Every file must be there exactly once with its own content (each file's content names its image
// path), renamed where needed and listed in .isowb-renames.txt, nothing overwritten, exit 1 with a
// summary. FUSE is what CI can mount as root (its kernel has no vfat module and ext4 without
// CONFIG_UNICODE, so no casefold); without /dev/fuse these tests say so and are skipped.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { fixture } from '../fixtures/build';
import { CLI, isowb, ourLs, readRenameList, renamedPath, tmpDir, type OurEntry } from './helpers';
import { mountFuse, type FuseMount as Mount } from '../util/fuseMount';

/** Regular files under `dir` (relative, "/"-separated, leading "/"), the rename list left out. */
function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(path.join(dir, rel))) {
    const r = `${rel}/${name}`;
    const st = fs.lstatSync(path.join(dir, r));
    if (st.isDirectory()) out.push(...filesUnder(dir, r));
    else if (st.isFile() && r !== '/.isowb-renames.txt') out.push(r);
  }
  return out;
}

describe('isowb extract onto case-insensitive and Windows-rule file systems', function () {
  this.timeout(5 * 60_000);
  let img = '';
  let files: OurEntry[] = [];
  let base = '';
  const mounts: Mount[] = [];
  before(async function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
    img = await fixture('host-names');
    files = (await ourLs(img)).filter((e) => e.type === 'file');
    assert.equal(files.length, 30, 'the fixture holds 30 files');
    base = tmpDir('hostnames');
  });
  after(() => {
    for (const m of mounts) m.unmount();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  /**
   * Extracts into `out` and checks: every file of the image present once, under its own name or
   * the one the rename list gives, with its own content; nothing else; the exit status and summary.
   */
  const extractAndCheck = async (out: string, extra: string[], expectRenamed: boolean, label: RegExp) => {
    const r = await isowb(['extract', img, '-o', out, ...extra]);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace');
    const renames = readRenameList(out);
    const summary = r.stderr.trim().split('\n').pop()!;
    if (expectRenamed) {
      assert.equal(r.code, 1, r.stderr);
      assert.ok(renames.size > 0, 'a rename list');
      assert.match(summary, new RegExp(`; ${renames.size} entries renamed for this file system \\(${label.source}\\), listed in ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\.isowb-renames\\.txt`));
      for (const [from, as] of renames) assert.ok(r.stderr.includes(`isowb: warning: `) && as !== from, `${from} → ${as}`);
    } else {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(renames.size, 0);
    }
    const got = filesUnder(out);
    assert.equal(got.length, files.length, `every file once, nothing overwritten:\n${got.join('\n')}`);
    for (const f of files) {
      const where = renamedPath(f.path, renames);
      assert.equal(fs.readFileSync(path.join(out, where), 'utf8'), `content of ${f.path.slice(1)}\n`, `${JSON.stringify(f.path)} at ${JSON.stringify(where)}`);
    }
    return { r, renames };
  };

  it('NTFS (case-insensitive, Windows names): every file there, 21 renamed and listed; again into the same folder: the same names', async function () {
    const m = mountFuse('ntfs', base);
    if (typeof m === 'string') { console.log(`      (skipped: ${m})`); this.skip(); }
    mounts.push(m);
    const out = path.join(m.dir, 'out');
    const { renames } = await extractAndCheck(out, [], true, /case-insensitive, Windows names/);
    const want: Record<string, string> = {
      '/README': '/README', '/ReadMe': '/ReadMe~2', '/readme': '/readme~3', '/readme~2': '/readme~2~2', '/docs/guide.txt': '/docs/guide~2.txt',
      '/boot': '/boot~2', '/a:b': '/a%3Ab', '/what?': '/what%3F', '/back\\slash': '/back%5Cslash', '/ctrl\u0001char': '/ctrl%01char',
      '/CON': '/CON_', '/aux.txt': '/aux_.txt', '/nul': '/nul_', '/com1.log': '/com1_.log', '/LPT9': '/LPT9_',
      '/name.': '/name%2E', '/name ': '/name%20', '/dots...': '/dots%2E%2E%2E',
    };
    for (const [from, as] of Object.entries(want)) assert.equal(renamedPath(from, renames), as, from);
    assert.equal(renames.size, 21);
    // The symlink is there (NTFS holds them).
    assert.equal(fs.readlinkSync(path.join(out, 'link-to-readme')), 'readme');
    // Extracting again replaces what the first run wrote, under the same names: no ~3 copies.
    await extractAndCheck(out, [], true, /case-insensitive, Windows names/);
    assert.deepEqual([...readRenameList(out)], [...renames]);
  });

  it('NTFS with --names linux (the probe overruled): the target still says "exists" or "invalid", and no file is lost', async function () {
    const m = mounts[0] ?? mountFuse('ntfs', base);
    if (typeof m === 'string') { console.log(`      (skipped: ${m})`); this.skip(); }
    if (!mounts.includes(m)) mounts.push(m);
    const { renames } = await extractAndCheck(path.join(m.dir, 'linux-rules'), ['--names', 'linux'], true, /case-sensitive/);
    // Case clashes found by the target (this run's README is there), names it refused turned safe.
    assert.equal(renamedPath('/ReadMe', renames), '/ReadMe~2');
    assert.equal(renamedPath('/readme', renames), '/readme~3');
    assert.equal(renamedPath('/a:b', renames), '/a%3Ab');
  });

  it('FAT through fusefat: every file there (non-ASCII names as %XX where the driver refuses them); the symlink a warning', async function () {
    const m = mountFuse('fat', base);
    if (typeof m === 'string') { console.log(`      (skipped: ${m})`); this.skip(); }
    mounts.push(m);
    const out = path.join(m.dir, 'out');
    const { r, renames } = await extractAndCheck(out, [], true, /[^)]*/);
    assert.equal(renamedPath('/caf\u00e9', renames), '/caf%C3%A9');
    assert.equal(renamedPath('/cafe\u0301', renames), '/cafe%CC%81');
    assert.match(r.stderr, /isowb: warning: \/link-to-readme: symbolic link not extracted: symlink: ENOSYS/);
    // FAT has no permission bits: one warning for all directories, not one each.
    assert.ok(r.stderr.split('\n').filter((l) => /directory mode not applied/.test(l)).length <= 2, r.stderr);
  });

  it('Linux (case-sensitive): every name as it is, exit 0, no rename list', async function () {
    await extractAndCheck(path.join(base, 'linux'), [], false, /case-sensitive/);
  });

  it('--names windows on Linux: the names Windows would get (the same as on NTFS), to copy to Windows as they are', async function () {
    const out = path.join(base, 'windows-rules');
    const { renames } = await extractAndCheck(out, ['--names', 'windows'], true, /case-insensitive, Windows names/);
    assert.equal(renames.size, 21);
    const ntfs = mounts.find((x) => x.dir.endsWith('ntfs-mnt'));
    if (ntfs) assert.deepEqual([...renames], [...readRenameList(path.join(ntfs.dir, 'out'))]);
    const list = fs.readFileSync(path.join(out, '.isowb-renames.txt'), 'utf8');
    assert.match(list, /^\/ctrl\\x01char\tctrl%01char\tthe name holds characters this file system forbids$/m, 'names escaped in the list');
    assert.match(list, /^\/back\\\\slash\tback%5Cslash\t/m);
  });
});
