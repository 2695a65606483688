// `isowb build DIR -o OUT` read back by xorriso, 7-Zip, bsdtar and isoinfo. The folder is made in
// the test (below): nested 11 levels (Rock Ridge relocation), a symlink, a hard link, an empty
// file, Unicode and 120-character names, modes; every file's content is compared after
// `xorriso -osirrox on -indev OUT -extract / DIR`.
import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { xorrisoLsdl } from '../peers/xorriso';
import { sevenZipList } from '../peers/sevenzip';
import { bsdtarList } from '../peers/bsdtar';
import { run } from '../peers/run';
import { CLI } from './helpers';

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-build-'));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const LONG = `a-long-name-${'x'.repeat(100)}.txt`;
const DEEP = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9', 'd10', 'd11'];

function makeTree(root: string): void {
  fs.mkdirSync(path.join(root, ...DEEP), { recursive: true });
  fs.writeFileSync(path.join(root, ...DEEP, 'bottom.txt'), 'at the bottom\n');
  fs.writeFileSync(path.join(root, 'readme.txt'), 'hello\n'.repeat(1000));
  fs.writeFileSync(path.join(root, 'empty'), '');
  fs.writeFileSync(path.join(root, LONG), 'long\n');
  fs.mkdirSync(path.join(root, 'ünïcødé ☃'));
  fs.writeFileSync(path.join(root, 'ünïcødé ☃', 'snow man.txt'), '☃\n');
  fs.writeFileSync(path.join(root, 'script.sh'), '#!/bin/sh\necho hi\n');
  fs.chmodSync(path.join(root, 'script.sh'), 0o755);
  fs.symlinkSync('readme.txt', path.join(root, 'link'));
  fs.linkSync(path.join(root, 'readme.txt'), path.join(root, 'hardlink.txt'));
  const big = Buffer.alloc(3 << 20);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  fs.writeFileSync(path.join(root, 'big.bin'), big);
}

function walk(root: string, rel = ''): Array<{ path: string; type: string; size: number; target?: string; perm: number }> {
  const out: Array<{ path: string; type: string; size: number; target?: string; perm: number }> = [];
  for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
    const p = path.join(rel, name);
    const st = fs.lstatSync(path.join(root, p));
    const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file';
    out.push({ path: '/' + p, type, size: type === 'file' ? st.size : 0, target: type === 'symlink' ? fs.readlinkSync(path.join(root, p)) : undefined, perm: st.mode & 0o7777 });
    if (type === 'dir') out.push(...walk(root, p));
  }
  return out;
}

const sha = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('isowb build: peers read back the folder', function () {
  this.timeout(5 * 60_000);
  const tree = path.join(TMP, 'tree');
  before(() => makeTree(tree));

  it('defaults (Rock Ridge + Joliet, level 3): xorriso lists the exact tree with modes, links and sizes; contents equal', async () => {
    const out = path.join(TMP, 'default.iso');
    const r = await run(process.execPath, [CLI, 'build', tree, '-o', out, '--volid', 'MY_DISC']);
    assert.equal(r.code, 0, r.stderr.toString());
    assert.match(r.stdout.toString(), /verified: \d+ entries/);
    const got = (await xorrisoLsdl(out)).filter((e) => e.path !== '/' && !/^\/rr_moved/.test(e.path));
    const want = walk(tree);
    assert.deepEqual(got.map((e) => [e.path, e.type, e.type === 'file' ? e.size : 0, e.target, e.perm]).sort(), want.map((e) => [e.path, e.type, e.size, e.target, e.perm]).sort());
    const ex = path.join(TMP, 'ex');
    const x = await run('xorriso', ['-osirrox', 'on', '-indev', out, '-extract', '/', ex]);
    assert.equal(x.code, 0, x.stderr.toString());
    for (const e of want.filter((w) => w.type === 'file')) assert.equal(sha(path.join(ex, e.path)), sha(path.join(tree, e.path)), e.path);
    // The hard link shares one extent (xorriso reports the same LBA for both names).
    const lba = async (p: string): Promise<string> => (await run('xorriso', ['-indev', out, '-find', p, '-exec', 'report_lba'])).stdout.toString().split('\n').find((l) => l.startsWith('File data lba'))?.split(',')[1].trim() ?? '';
    assert.equal(await lba('/hardlink.txt'), await lba('/readme.txt'));
    // Volume id.
    assert.match((await run('isoinfo', ['-d', '-i', out])).stdout.toString(), /Volume id: MY_DISC/);
    // bsdtar (Rock Ridge) lists every path; 7-Zip (Joliet) lists the files with Joliet-legal names.
    const tar = new Set((await bsdtarList(out)).map((e) => '/' + e.path.replace(/^\/+|\/$/g, '')));
    for (const w of want) assert.ok(tar.has(w.path), `bsdtar lists ${w.path}`);
    const seven = (await sevenZipList(out)).map((e) => e.path.replace(/^\/+/, ''));
    assert.ok(seven.some((p) => p.endsWith('snow man.txt')), '7z lists the Unicode file');
    assert.ok(seven.some((p) => p.startsWith('a-long-name-x')), `7z lists the long name: ${seven.join(' ')}`);
    // isoinfo -J: Joliet names are legal.
    const joliet = (await run('isoinfo', ['-J', '-f', '-i', out])).stdout.toString().split('\n').filter(Boolean);
    for (const j of joliet) assert.ok(!/[*:;?\\]/.test(j.split('/').pop()!) && j.split('/').pop()!.length <= 64, `legal Joliet name ${j}`);
  });

  it('--iso-level 1 --no-rock --no-joliet: plain 8.3 names that isoinfo lists; the deep tree is refused (no Rock Ridge to relocate it)', async () => {
    const flat = path.join(TMP, 'flat');
    fs.mkdirSync(flat);
    fs.writeFileSync(path.join(flat, 'Some Long File Name.text'), 'x');
    fs.writeFileSync(path.join(flat, 'Some Long File Name.other'), 'y');
    const out = path.join(TMP, 'level1.iso');
    const r = await run(process.execPath, [CLI, 'build', flat, '-o', out, '--iso-level', '1', '--no-rock', '--no-joliet', '-q']);
    assert.equal(r.code, 0, r.stderr.toString());
    const names = (await run('isoinfo', ['-f', '-i', out])).stdout.toString().split('\n').filter(Boolean);
    assert.equal(names.length, 2);
    for (const n of names) assert.match(n, /^\/[A-Z0-9_]{1,8}\.[A-Z0-9_]{0,3};1$/);
    assert.notEqual(names[0], names[1]);
    const deep = await run(process.execPath, [CLI, 'build', tree, '-o', path.join(TMP, 'deep.iso'), '--no-rock', '-q']);
    assert.equal(deep.code, 1);
    assert.match(deep.stderr.toString(), /nested 9 levels deep; ISO 9660 allows 8 and only Rock Ridge can relocate/);
    assert.ok(!fs.existsSync(path.join(TMP, 'deep.iso')));
  });

  it('--md5 implants a checksum that checkisomd5 verifies; refuses to overwrite without --force', async () => {
    const out = path.join(TMP, 'md5.iso');
    const r = await run(process.execPath, [CLI, 'build', tree, '-o', out, '--md5', '-q']);
    assert.equal(r.code, 0, r.stderr.toString());
    const c = await run('checkisomd5', ['--verbose', out]);
    assert.equal(c.code, 0, c.stdout.toString() + c.stderr.toString());
    const again = await run(process.execPath, [CLI, 'build', tree, '-o', out, '-q']);
    assert.equal(again.code, 1);
    assert.match(again.stderr.toString(), /exists/);
  });

  it('a folder with its own rr_moved (found by npm run fuzz): kept when nothing is relocated; an empty one gives way to the relocation directory; a non-empty one with a deep tree is refused', async () => {
    // What an extracted or mounted image shows of its relocation directory: an empty rr_moved.
    const plain = path.join(TMP, 'rrm-plain');
    fs.mkdirSync(path.join(plain, 'rr_moved'), { recursive: true });
    fs.writeFileSync(path.join(plain, 'x.txt'), 'x\n');
    const o1 = path.join(TMP, 'rrm-plain.iso');
    const r1 = await run(process.execPath, [CLI, 'build', plain, '-o', o1, '-q']);
    assert.equal(r1.code, 0, r1.stderr.toString());
    const ls1 = await run(process.execPath, [CLI, 'ls', o1, '/']);
    assert.deepEqual(ls1.stdout.toString().trim().split('\n'), ['/rr_moved', '/x.txt'], 'an empty rr_moved is a folder like any other (xorriso, 7-Zip and Linux show it)');
    const deep = path.join(TMP, 'rrm-deep');
    fs.mkdirSync(path.join(deep, 'rr_moved'), { recursive: true });
    fs.mkdirSync(path.join(deep, ...DEEP), { recursive: true });
    fs.writeFileSync(path.join(deep, ...DEEP, 'f.txt'), 'deep\n');
    const o2 = path.join(TMP, 'rrm-deep.iso');
    const r2 = await run(process.execPath, [CLI, 'build', deep, '-o', o2]);
    assert.equal(r2.code, 0, r2.stderr.toString());
    assert.match(r2.stdout.toString() + r2.stderr.toString(), /note: \/rr_moved: an empty directory of the name Rock Ridge gives its relocation directory/);
    assert.deepEqual(await bsdtarList(o2).then(l => l.map(e => e.path).filter(p => p.endsWith('f.txt'))), [`/${DEEP.join('/')}/f.txt`], 'libarchive reads the relocation (it failed on an RE outside rr_moved)');
    fs.writeFileSync(path.join(deep, 'rr_moved', 'mine.txt'), 'mine\n');
    const r3 = await run(process.execPath, [CLI, 'build', deep, '-o', path.join(TMP, 'rrm-refused.iso')]);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr.toString(), /\/rr_moved: the tree has directories deeper than 8 levels, .* a non-empty directory of its own named rr_moved: rename it/);
    assert.ok(!fs.existsSync(path.join(TMP, 'rrm-refused.iso')));
  });
});
