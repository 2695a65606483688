// The Rock Ridge dispatcher (src/engine/rockridge/rrip.ts): unknown signatures, duplicates and bad
// versions on hand-made entries, and every entry of images made by xorriso and genisoimage decoded
// by readSuspArea + parseRockRidge and checked against the source tree.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticSink } from '../../../src/engine/errors';
import { parseRockRidge, type RockRidge } from '../../../src/engine/rockridge/rrip';
import { detectSusp, readSuspArea, type SuspArea } from '../../../src/engine/rockridge/susp';
import { bb32, BS, CE, entry, msgs, PX, readerFor, rrOf, SP, ST } from './helpers';

describe('RRIP 1.12 (rrip.ts)', () => {
  it('unknown signatures are listed once; SUSP signatures are not "unknown"', () => {
    const { rr } = rrOf(SP(), entry('AA', 1, 1, 2), entry('AS', 1, 0), entry('AA', 1, 3), CE(1, 2, 3), ST());
    assert.deepEqual(rr.unknown, ['AA', 'AS']);
  });

  it('duplicate PX and bad entry versions are reported', () => {
    const { rr, sink } = rrOf(PX(0o100644, 1, 1, 1), entry('PX', 2, bb32(0o100600), bb32(1), bb32(2), bb32(2)));
    assert.equal(rr.px?.uid, 1);
    assert.match(msgs(sink), /version 2/);
    assert.match(msgs(sink), /duplicate PX/);
  });
});

// ---------------------------------------------------------------------------------------------
// Real tool output
// ---------------------------------------------------------------------------------------------

interface Rec { path: string; lba: number; size: number; isDir: boolean; area: SuspArea; rr: RockRidge }

/** Tiny ECMA-119 walker (test only): reads the PVD, then every directory record, decoding its SUSP area. */
async function walkIso(img: Uint8Array): Promise<{ recs: Map<string, Rec>; root: SuspArea; sink: DiagnosticSink }> {
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const pvd = 16 * BS;
  assert.equal(img[pvd], 1);
  const read = readerFor(img);
  const sink = new DiagnosticSink();
  const recs = new Map<string, Rec>();
  let skip = 0;
  let root: SuspArea | undefined;
  const suOf = (at: number) => {
    const len = img[at], nl = img[at + 32];
    const s = at + 33 + nl + (nl % 2 === 0 ? 1 : 0);
    return { su: img.subarray(s, at + len), abs: s };
  };
  const dirs: Array<{ lba: number; size: number; path: string }> = [];
  const rootRec = pvd + 156;
  dirs.push({ lba: dv.getUint32(rootRec + 2, true), size: dv.getUint32(rootRec + 10, true), path: '' });
  let first = true;
  while (dirs.length) {
    const d = dirs.shift() as { lba: number; size: number; path: string };
    let p = d.lba * BS;
    const end = p + d.size;
    while (p < end) {
      const len = img[p];
      if (len === 0) { p = (Math.floor(p / BS) + 1) * BS; continue; }
      const nl = img[p + 32];
      const { su, abs } = suOf(p);
      const isDot = nl === 1 && (img[p + 33] === 0 || img[p + 33] === 1);
      if (first) {
        const sp = detectSusp(su);
        assert.ok(sp, 'root "." has an SP entry');
        skip = sp.skip;
        root = await readSuspArea(su, abs, 0, read, BS, sink, '/');
        first = false;
      }
      if (!isDot) {
        const area = await readSuspArea(su, abs, skip, read, BS, sink, d.path + '/?');
        const rr = parseRockRidge(area.entries, sink, d.path + '/?');
        const name = rr.nm ?? Buffer.from(img.subarray(p + 33, p + 33 + nl)).toString('latin1');
        const rec: Rec = { path: `${d.path}/${name}`, lba: dv.getUint32(p + 2, true), size: dv.getUint32(p + 10, true), isDir: (img[p + 25] & 2) !== 0, area, rr };
        recs.set(rec.path, rec);
        if (rec.isDir && !rr.re) dirs.push({ lba: rec.lba, size: rec.size, path: rec.path });
      }
      p += len;
    }
  }
  return { recs, root: root as SuspArea, sink };
}

function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

describe('Rock Ridge against real tool output', function () {
  this.timeout(60_000);
  let tmp = '';
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-rr-')); });
  after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  it('xorriso -as mkisofs -R: PX, NM (continued), SL (continued), TF, ER match the source tree', async () => {
    const src = path.join(tmp, 'x');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'hello.txt'), 'hello\n');
    fs.chmodSync(path.join(src, 'hello.txt'), 0o640);
    fs.utimesSync(path.join(src, 'hello.txt'), new Date('2019-03-04T05:06:07Z'), new Date('2020-01-02T03:04:05Z'));
    const longName = 'L'.repeat(120) + 'ä'.repeat(60) + 'E'.repeat(15); // 255 bytes: needs two NM entries
    fs.writeFileSync(path.join(src, 'sub', longName), 'x');
    fs.symlinkSync('/usr/bin/env', path.join(src, 'abs'));
    fs.symlinkSync('./a/../b/.', path.join(src, 'rel'));
    const longTarget = Array.from({ length: 80 }, (_, i) => `seg${i}`).join('/') + '/end'; // > 255 bytes: several SL entries
    fs.symlinkSync(longTarget, path.join(src, 'sub', 'longlink'));
    execFileSync('mkfifo', [path.join(src, 'fifo')]);
    const iso = path.join(tmp, 'x.iso');
    // Generating command:
    run('xorriso', ['-no_rc', '-as', 'mkisofs', '-R', '-o', iso, src], tmp);

    const { recs, root, sink } = await walkIso(fs.readFileSync(iso));
    assert.ok(root.extensions.some(e => /RRIP_1991A|IEEE_P1282|IEEE_1282/.test(e.id)), JSON.stringify(root.extensions));

    const hello = recs.get('/hello.txt');
    assert.ok(hello, [...recs.keys()].join(','));
    const st = fs.statSync(path.join(src, 'hello.txt'));
    assert.equal(hello.rr.px?.mode, st.mode);
    assert.equal(hello.rr.px?.uid, st.uid);
    assert.equal(hello.rr.px?.gid, st.gid);
    assert.equal(hello.rr.px?.nlink, st.nlink);
    assert.equal(hello.rr.tf?.modified?.date.getTime(), Date.parse('2020-01-02T03:04:05Z'));
    assert.equal(hello.rr.tf?.accessed?.date.getTime(), Date.parse('2019-03-04T05:06:07Z'));
    assert.ok(hello.rr.tf?.attributes, 'ctime recorded');

    const long = recs.get(`/sub/${longName}`);
    assert.ok(long, 'long name decoded');
    assert.ok(long.area.entries.filter(e => e.sig === 'NM').length >= 2, 'NM continued over entries');

    assert.equal(recs.get('/abs')?.rr.sl, '/usr/bin/env');
    assert.equal(recs.get('/rel')?.rr.sl, fs.readlinkSync(path.join(src, 'rel')));
    const ll = recs.get('/sub/longlink');
    assert.equal(ll?.rr.sl, longTarget);
    assert.ok((ll?.area.entries.filter(e => e.sig === 'SL').length ?? 0) >= 2, 'SL continued over entries');
    assert.equal((recs.get('/fifo')?.rr.px?.mode ?? 0) & 0o170000, 0o010000);
    assert.equal(recs.get('/sub')?.rr.px?.mode, fs.statSync(path.join(src, 'sub')).mode);
    assert.deepEqual(sink.items, []);
  });

  it('xorriso -xattr on -acl on: AL (AAIP 2.0) attribute and binary ACL', async () => {
    const src = path.join(tmp, 'a');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'f'), 'a\n');
    const iso = path.join(tmp, 'a.iso');
    // Generating command:
    run('xorriso', ['-no_rc', '-outdev', iso, '-xattr', 'on', '-acl', 'on', '-map', src, '/',
      '-setfattr', 'user.note', 'hello world', '/f', '--', '-setfacl', 'u::rw-,u:123:rw-,g::r--,m::rw-,o::r--', '/f', '--'], tmp);
    const { recs, root, sink } = await walkIso(fs.readFileSync(iso));
    // xorriso 1.5.4 writes AL without the AAIP ER by default (SUSP 1.10 compatibility), so only RRIP is announced.
    assert.ok(root.extensions.some(e => e.id === 'RRIP_1991A'), JSON.stringify(root.extensions));
    const f = recs.get('/f');
    assert.ok(f, [...recs.keys()].join(','));
    assert.equal(f.rr.aaipSkipped, undefined);
    assert.deepEqual(f.rr.aaip?.find(a => a.name === 'user.note'), { name: 'user.note', value: 'hello world', encoding: 'utf8' });
    // Binary ACL (empty name): u::rw- (0x16), u:123:rw- (0xAE, qualifier 1 byte 123), g::r-- (0x34), m::rw- (0x56),
    // o::r-- (0x64), then libisofs' SWITCH_MARK (0x81) opening an empty default ACL.
    assert.deepEqual(f.rr.aaip?.find(a => a.name === ''), { name: '', value: '16ae017b34566481', encoding: 'hex' });
    assert.deepEqual(sink.items, []);
  });

  it('genisoimage -R (RRIP 1.09 with RR entry, 36-byte PX)', async () => {
    const src = path.join(tmp, 'g');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'Mixed Case Name.txt'), 'x');
    fs.symlinkSync('../a/./b', path.join(src, 'rel'));
    const iso = path.join(tmp, 'g.iso');
    // Generating command:
    run('genisoimage', ['-R', '-quiet', '-o', iso, src], tmp);
    const { recs, root, sink } = await walkIso(fs.readFileSync(iso));
    assert.ok(root.extensions.some(e => e.id === 'RRIP_1991A'));
    const f = recs.get('/Mixed Case Name.txt');
    assert.ok(f, [...recs.keys()].join(','));
    assert.equal(typeof f.rr.rr, 'number');
    assert.equal(f.rr.px?.mode, fs.statSync(path.join(src, 'Mixed Case Name.txt')).mode);
    assert.equal(recs.get('/rel')?.rr.sl, '../a/./b');
    assert.deepEqual(sink.items, []);
  });
});
