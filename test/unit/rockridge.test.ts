import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticSink } from '../../src/engine/errors';
import { MemorySource, readExact } from '../../src/engine/io/source';
import { detectSusp, parseEr, readSuspArea, type ReadAt, type SuspArea, type SuspEntry } from '../../src/engine/rockridge/susp';
import { parseRockRidge, type RockRidge } from '../../src/engine/rockridge/rrip';

// ---------------------------------------------------------------------------------------------
// Hand-made byte helpers
// ---------------------------------------------------------------------------------------------

const BS = 2048;

function bytes(...parts: Array<number | number[] | Uint8Array | string>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const ch of Buffer.from(p, 'utf8')) out.push(ch);
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
/** ECMA-119 7.3.3 both-byte-order 32-bit. */
function bb32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
/** A System Use entry: signature, length, version, data. */
function entry(sig: string, version: number, ...data: Array<number | number[] | Uint8Array | string>): Uint8Array {
  const d = bytes(...data);
  return bytes(sig, 4 + d.length, version, d);
}
const SP = (skip = 0) => entry('SP', 1, 0xbe, 0xef, skip);
const CE = (lba: number, off: number, len: number) => entry('CE', 1, bb32(lba), bb32(off), bb32(len));
const ST = () => entry('ST', 1);
const PX = (mode: number, nlink: number, uid: number, gid: number, ino?: number) =>
  entry('PX', 1, bb32(mode), bb32(nlink), bb32(uid), bb32(gid), ino === undefined ? [] : bb32(ino));
const NM = (flags: number, name: string | Uint8Array) => entry('NM', 1, flags, name);
const SLc = (flags: number, content: string | Uint8Array = '') => {
  const c = typeof content === 'string' ? Buffer.from(content) : content;
  return [flags, c.length, ...c];
};
const SL = (flags: number, ...comps: number[][]) => entry('SL', 1, flags, comps.flat());
const date7 = (y: number, mo: number, d: number, h: number, mi: number, s: number, q = 0) => [y - 1900, mo, d, h, mi, s, q & 0xff];
const date17 = (s: string, q = 0) => [...Buffer.from(s), q & 0xff];

function image(blocks: number): Uint8Array { return new Uint8Array(blocks * BS); }
function readerFor(img: Uint8Array): ReadAt {
  const src = new MemorySource(img, 'test.iso');
  return (o, l) => readExact(src, o, l, 'SUSP continuation area');
}
async function walk(su: Uint8Array, opts: { img?: Uint8Array; base?: number; skip?: number } = {}): Promise<{ area: SuspArea; sink: DiagnosticSink }> {
  const sink = new DiagnosticSink();
  const img = opts.img ?? image(4);
  const area = await readSuspArea(su, opts.base ?? 1000, opts.skip ?? 0, readerFor(img), BS, sink, '/f');
  return { area, sink };
}
function rrOf(...entries: Uint8Array[]): { rr: RockRidge; sink: DiagnosticSink } {
  const list: SuspEntry[] = [];
  let off = 5000;
  for (const e of entries) {
    list.push({ sig: String.fromCharCode(e[0], e[1]), length: e[2], version: e[3], data: e.slice(4, e[2]), offset: off });
    off += e.length;
  }
  const sink = new DiagnosticSink();
  return { rr: parseRockRidge(list, sink, '/f'), sink };
}
const msgs = (s: DiagnosticSink) => s.items.map(i => i.message).join('\n');

// ---------------------------------------------------------------------------------------------
// SUSP 1.12
// ---------------------------------------------------------------------------------------------

describe('SUSP 1.12 (susp.ts)', () => {
  it('detectSusp finds SP (5.3) and its LEN_SKP, rejects look-alikes', () => {
    assert.deepEqual(detectSusp(bytes(SP(0), PX(0o40755, 2, 0, 0))), { skip: 0 });
    assert.deepEqual(detectSusp(SP(3)), { skip: 3 });
    assert.equal(detectSusp(bytes('SP', 7, 1, 0xbe, 0xee, 0)), null);
    assert.equal(detectSusp(bytes('SP', 7, 1, 0xbe)), null);
    assert.equal(detectSusp(new Uint8Array(0)), null);
    assert.equal(detectSusp(PX(0o40755, 2, 0, 0)), null);
  });

  it('walks entries with absolute offsets, structures per entry, and tolerates the odd-length pad byte', async () => {
    const su = bytes(SP(), PX(0o100644, 1, 1000, 100), NM(0, 'hello.txt'), 0);
    const { area, sink } = await walk(su, { base: 40000 });
    assert.deepEqual(area.entries.map(e => e.sig), ['SP', 'PX', 'NM']);
    assert.deepEqual(area.entries.map(e => e.offset), [40000, 40007, 40007 + 36]);
    assert.equal(area.entries[2].length, 14);
    assert.equal(Buffer.from(area.entries[2].data).toString('latin1'), '\0hello.txt');
    assert.deepEqual(area.structures.map(s => s.type), ['susp:SP', 'susp:PX', 'susp:NM']);
    const px = area.structures[1];
    assert.equal(px.offset, 40007);
    assert.equal(px.length, 36);
    const mode = px.fields.find(f => f.name === 'POSIX File Mode');
    assert.ok(mode);
    assert.equal(mode.offset, 40011);
    assert.equal(mode.value, 0o100644);
    assert.equal(mode.display, '0100644');
    assert.equal(mode.spec, 'RRIP 1.12 4.1.1');
    const sig = px.fields.find(f => f.name === 'Signature Word');
    assert.equal(sig?.raw, '5058');
    assert.equal(sink.items.length, 0, msgs(sink));
  });

  it('structures: false (listing hot path) yields the same entries and no structure map', async () => {
    const img = image(8);
    const cont = bytes(NM(0, 'tail'));
    img.set(cont, 6 * BS);
    const su = bytes(PX(0o100644, 1, 0, 0), NM(1, 'he'), CE(6, 0, cont.length));
    const sink = new DiagnosticSink();
    const lean = await readSuspArea(su, 0, 0, readerFor(img), BS, sink, '/f', { structures: false });
    const full = await walk(su, { img, base: 0 });
    assert.deepEqual(lean.entries, full.area.entries);
    assert.deepEqual(lean.continuations, full.area.continuations);
    assert.equal(lean.structures.length, 0);
    assert.equal(full.area.structures.length, 4);
    assert.equal(parseRockRidge(lean.entries, sink, '/f').nm, 'hetail');
    assert.equal(sink.items.length, 0);
  });

  it('honours LEN_SKP in the System Use field', async () => {
    const su = bytes(0xaa, 0xbb, 0xcc, NM(0, 'x'));
    const { area, sink } = await walk(su, { skip: 3 });
    assert.deepEqual(area.entries.map(e => e.sig), ['NM']);
    assert.equal(area.entries[0].offset, 1003);
    assert.equal(sink.items.length, 0);
  });

  it('entry length 0 → diagnostic, earlier entries kept, no hang', async () => {
    const su = bytes(NM(0, 'a'), 'PX', 0, 1, new Array(40).fill(7));
    const { area, sink } = await walk(su, { base: 100 });
    assert.deepEqual(area.entries.map(e => e.sig), ['NM']);
    assert.equal(sink.items.length, 1);
    assert.match(sink.items[0].message, /length 0/);
    assert.equal(sink.items[0].offset, 106);
  });

  it('entry extending beyond the area → diagnostic naming the offset', async () => {
    const su = bytes(NM(0, 'a'), 'TF', 50, 1, 0x0e, 1, 2, 3);
    const { area, sink } = await walk(su, { base: 200 });
    assert.deepEqual(area.entries.map(e => e.sig), ['NM']);
    assert.match(msgs(sink), /extends .* beyond the end of the area/);
    assert.equal(sink.items[0].offset, 206);
  });

  it('non-zero garbage after a zero signature is reported', async () => {
    const { area, sink } = await walk(bytes(NM(0, 'a'), 0, 0, 9, 9, 9));
    assert.equal(area.entries.length, 1);
    assert.match(msgs(sink), /zero signature/);
  });

  it('follows CE (5.1) into a continuation area; structures carry the area\'s absolute offsets', async () => {
    const img = image(8);
    const cont = bytes(NM(0, 'continued-name'), entry('TF', 1, 0x02, date7(2020, 1, 2, 3, 4, 5)), ST(), NM(0, 'after-ST'));
    img.set(cont, 5 * BS + 100);
    const su = bytes(PX(0o100600, 1, 0, 0), CE(5, 100, cont.length));
    const { area, sink } = await walk(su, { img });
    assert.deepEqual(area.entries.map(e => e.sig), ['PX', 'CE', 'NM', 'TF', 'ST']);
    assert.deepEqual(area.continuations, [{ lba: 5, offset: 100, length: cont.length }]);
    assert.equal(area.entries[2].offset, 5 * BS + 100);
    const ce = area.structures[1];
    assert.deepEqual(ce.target, { lba: 5, blocks: 1 });
    assert.equal(sink.items.length, 0, msgs(sink));
    const rr = parseRockRidge(area.entries, sink, '/f');
    assert.equal(rr.nm, 'continued-name');
    assert.equal(rr.tf?.modified?.iso, '2020-01-02T03:04:05+00:00');
  });

  it('CE loop pointing to itself terminates with a diagnostic', async () => {
    const img = image(8);
    // Area at LBA 3 holds NM(6 bytes) + a CE(28 bytes) pointing back to LBA 3 offset 0.
    const area3 = bytes(NM(1, 'loop'), CE(3, 0, 34));
    img.set(area3, 3 * BS);
    const { area, sink } = await walk(bytes(CE(3, 0, area3.length)), { img });
    assert.equal(area.continuations.length, 1);
    assert.equal(area.entries.filter(e => e.sig === 'NM').length, 1);
    assert.match(msgs(sink), /loop/);
  });

  it('CE chains are cut after 32 continuation areas', async () => {
    const img = image(80);
    for (let b = 2; b < 78; b++) img.set(bytes(NM(1, 'x'), CE(b + 1, 0, 34)), b * BS); // each area: NM (6) + CE (28) to the next
    const { area, sink } = await walk(bytes(CE(2, 0, 34)), { img });
    assert.equal(area.continuations.length, 32);
    assert.match(msgs(sink), /more than 32 continuation areas/);
  });

  it('CE beyond the end of the image → diagnostic, no throw', async () => {
    const { area, sink } = await walk(bytes(NM(0, 'ok'), CE(1000, 0, 100)));
    assert.deepEqual(area.entries.map(e => e.sig), ['NM', 'CE']);
    assert.equal(area.continuations.length, 0);
    assert.match(msgs(sink), /cannot be read: .*beyond the end of the image/);
    assert.equal(sink.items[0].offset, 1000 * BS);
  });

  it('CE with an absurd length is not read (total SUSP budget), and short CE entries are ignored', async () => {
    let reads = 0;
    const sink = new DiagnosticSink();
    const area = await readSuspArea(bytes(CE(2, 0, 0x7fffffff)), 0, 0, async () => { reads++; return new Uint8Array(0); }, BS, sink, '/f');
    assert.equal(reads, 0);
    assert.equal(area.continuations.length, 0);
    assert.match(msgs(sink), /exceeds 262144 bytes/);
    const { sink: s2 } = await walk(entry('CE', 1, bb32(2)));
    assert.match(msgs(s2), /CE entry too short/);
  });

  it('a short read of a continuation area (source without readExact) is reported and parsed best-effort', async () => {
    const cont = bytes(NM(0, 'partial'));
    const sink = new DiagnosticSink();
    const area = await readSuspArea(bytes(CE(1, 0, 200)), 0, 0, async () => cont, BS, sink, '/f');
    assert.deepEqual(area.entries.map(e => e.sig), ['CE', 'NM']);
    assert.match(msgs(sink), /only 12 of 200 bytes/);
  });

  it('ST (5.4) ends the area; PD (5.2) is left out of entries but kept in the structure map', async () => {
    const { area, sink } = await walk(bytes(entry('PD', 1, 0, 0, 0), NM(0, 'a'), ST(), NM(0, 'b')));
    assert.deepEqual(area.entries.map(e => e.sig), ['NM', 'ST']);
    assert.deepEqual(area.structures.map(s => s.type), ['susp:PD', 'susp:NM', 'susp:ST']);
    assert.equal(sink.items.length, 0);
  });

  it('ER (5.5) and ES (5.6) are recorded; parseEr decodes; truncated ER is flagged', async () => {
    const er = entry('ER', 1, 10, 4, 3, 1, 'RRIP_1991A', 'DESC', 'SRC');
    const { area, sink } = await walk(bytes(SP(), er, entry('ES', 1, 0)));
    assert.deepEqual(area.extensions, [{ id: 'RRIP_1991A', descriptor: 'DESC', source: 'SRC', version: 1 }]);
    assert.deepEqual(parseEr(area.entries[1]), { id: 'RRIP_1991A', descriptor: 'DESC', source: 'SRC', version: 1 });
    assert.equal(area.structures[2].type, 'susp:ES');
    assert.equal(area.structures[2].fields.find(f => f.name === 'Extension Sequence')?.value, 0);
    assert.equal(sink.items.length, 0);

    const bad = entry('ER', 1, 10, 40, 3, 1, 'RRIP_1991A', 'DE');
    const r2 = await walk(bad);
    assert.equal(r2.area.extensions.length, 0);
    assert.match(msgs(r2.sink), /ER entry shorter/);
    assert.deepEqual(parseEr(r2.area.entries[0]), { id: 'RRIP_1991A', descriptor: 'DE', source: '', version: 1 });
  });

  it('random garbage never throws and stays bounded', async () => {
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    const img = image(16);
    for (let i = 0; i < img.length; i++) img[i] = rnd() & 0xff;
    const read = readerFor(img);
    for (let n = 0; n < 300; n++) {
      const su = new Uint8Array(rnd() % 240);
      for (let i = 0; i < su.length; i++) su[i] = rnd() & 0xff;
      // plant plausible signatures so decoders run on garbage bodies
      const sigs = ['PX', 'NM', 'SL', 'TF', 'CE', 'ZF', 'AL', 'SF', 'PN', 'ER'];
      for (let p = 0; p + 4 < su.length; p += 4 + (rnd() % 40)) {
        const s = sigs[rnd() % sigs.length];
        su[p] = s.charCodeAt(0); su[p + 1] = s.charCodeAt(1);
      }
      const sink = new DiagnosticSink();
      const area = await readSuspArea(su, 0, rnd() % 3, read, BS, sink, '/g');
      parseRockRidge(area.entries, sink, '/g');
      assert.ok(area.continuations.length <= 32);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// RRIP 1.12 and friends
// ---------------------------------------------------------------------------------------------

describe('RRIP 1.12 (rrip.ts)', () => {
  it('PX (4.1.1): RRIP 1.10 length 36 and 1.12 length 44 with serial number', () => {
    assert.deepEqual(rrOf(PX(0o100644, 1, 1000, 100)).rr.px, { mode: 0o100644, nlink: 1, uid: 1000, gid: 100 });
    assert.deepEqual(rrOf(PX(0o40755, 3, 0, 0, 77)).rr.px, { mode: 0o40755, nlink: 3, uid: 0, gid: 0, ino: 77 });
    const { rr, sink } = rrOf(entry('PX', 1, bb32(0o644)));
    assert.equal(rr.px, undefined);
    assert.match(msgs(sink), /PX entry too short/);
    assert.equal(sink.items[0].offset, 5000);
  });

  it('PX with mismatched both-endian halves is flagged in the structure map', async () => {
    const px = PX(0o100644, 1, 0, 0);
    px[4 + 7] = 0x12; // corrupt the big-endian half of the mode
    const { area, sink } = await walk(px);
    assert.match(area.structures[0].problems?.join() ?? '', /both-endian mismatch/);
    assert.equal(sink.items.length, 0, 'RRIP problems are reported once, by parseRockRidge');
    const rr = parseRockRidge(area.entries, sink, '/f');
    assert.equal(rr.px?.mode, 0o100644); // little-endian half wins
    assert.equal(sink.items.length, 1);
    assert.match(msgs(sink), /PX entry: POSIX File Mode: both-endian mismatch/);
    assert.equal(sink.items[0].offset, 1004);
  });

  it('PN (4.1.2), CL (4.1.5.1), PL (4.1.5.2), RE (4.1.5.3), RR (1.09)', () => {
    const { rr, sink } = rrOf(entry('PN', 1, bb32(8), bb32(0x10001)), entry('CL', 1, bb32(42)), entry('PL', 1, bb32(17)), entry('RE', 1), entry('RR', 1, 0x89));
    assert.deepEqual(rr.pn, { high: 8, low: 0x10001 });
    assert.equal(rr.cl, 42);
    assert.equal(rr.pl, 17);
    assert.equal(rr.re, true);
    assert.equal(rr.rr, 0x89);
    assert.equal(sink.items.length, 0);
    assert.equal(rrOf(NM(0, 'x')).rr.re, false);
  });

  it('NM (4.1.4): continued over two entries (even splitting a UTF-8 sequence), CURRENT/PARENT', () => {
    const name = Buffer.from('Grüße-und-noch-mehr');
    const cut = name.indexOf(0xc3) + 1; // split inside "ü"
    const { rr, sink } = rrOf(NM(0x01, name.subarray(0, cut)), PX(0o100644, 1, 0, 0), NM(0, name.subarray(cut)));
    assert.equal(rr.nm, 'Grüße-und-noch-mehr');
    assert.equal(rr.nmFlags, 0x01);
    assert.equal(sink.items.length, 0, msgs(sink));
    assert.equal(rrOf(NM(0x02, '')).rr.nm, '.');
    assert.equal(rrOf(NM(0x04, '')).rr.nm, '..');
    const dangling = rrOf(NM(0x01, 'abc'));
    assert.equal(dangling.rr.nm, 'abc');
    assert.match(msgs(dangling.sink), /CONTINUE set but no NM entry follows/);
    const latin = rrOf(NM(0, Uint8Array.from([0x63, 0x61, 0x66, 0xe9])));
    assert.equal(latin.rr.nm, 'café'); // not UTF-8 → Latin-1
  });

  it('SL (4.1.3): ROOT, CURRENT, PARENT, CONTINUE, VOLROOT, HOST components', () => {
    assert.equal(rrOf(SL(0, SLc(0x08), SLc(0, 'usr'), SLc(0, 'bin'), SLc(0, 'env'))).rr.sl, '/usr/bin/env');
    assert.equal(rrOf(SL(0, SLc(0x02), SLc(0, 'a'), SLc(0x04), SLc(0, 'b'))).rr.sl, './a/../b');
    assert.equal(rrOf(SL(0, SLc(0x04), SLc(0x01, 'long'), SLc(0x01, 'er-'), SLc(0, 'name'), SLc(0, 'z'))).rr.sl, '../longer-name/z');
    assert.equal(rrOf(SL(0, SLc(0x08))).rr.sl, '/');
    assert.equal(rrOf(SL(0, SLc(0, 'dir'), SLc(0, ''))).rr.sl, 'dir/');
    const vol = rrOf(SL(0, SLc(0x10), SLc(0, 'x')));
    assert.equal(vol.rr.sl, '/x');
    assert.match(msgs(vol.sink), /VOLROOT/);
    const host = rrOf(SL(0, SLc(0x20), SLc(0, 'y')));
    assert.equal(host.rr.sl, '/y');
    assert.match(msgs(host.sink), /HOST/);
  });

  it('SL continued over entries (entry CONTINUE flag), with a component split across the entries', () => {
    const { rr, sink } = rrOf(
      SL(0x01, SLc(0x08), SLc(0, 'usr'), SLc(0x01, 'sha')),
      TFshort(),
      SL(0, SLc(0, 're'), SLc(0x04), SLc(0, 'lib')),
    );
    assert.equal(rr.sl, '/usr/share/../lib');
    assert.equal(sink.items.length, 0, msgs(sink));
    const bad = rrOf(SL(0, SLc(0, 'a')), SL(0, SLc(0, 'b')));
    assert.equal(bad.rr.sl, 'a/b');
    assert.match(msgs(bad.sink), /without CONTINUE/);
    const overrun = rrOf(entry('SL', 1, 0, 0, 30, 'abc'));
    assert.equal(overrun.rr.sl, '');
    assert.match(msgs(overrun.sink), /runs past the end/);
  });

  function TFshort(): Uint8Array {
    return entry('TF', 1, 0x0e, date7(2021, 6, 7, 8, 9, 10, 4), date7(2021, 6, 8, 0, 0, 0), date7(1999, 12, 31, 23, 59, 59, -8));
  }

  it('TF (4.1.6) short form: modified, accessed, attributes with GMT offsets', () => {
    const { rr, sink } = rrOf(TFshort());
    assert.equal(rr.tf?.modified?.iso, '2021-06-07T08:09:10+01:00');
    assert.equal(rr.tf?.modified?.date.toISOString(), '2021-06-07T07:09:10.000Z');
    assert.equal(rr.tf?.accessed?.iso, '2021-06-08T00:00:00+00:00');
    assert.equal(rr.tf?.attributes?.iso, '1999-12-31T23:59:59-02:00');
    assert.equal(rr.tf?.created, undefined);
    assert.equal(sink.items.length, 0);
  });

  it('TF (4.1.6) LONG_FORM 17-byte stamps, all seven kinds', () => {
    const stamps = ['2001010203040506', '2002010203040506', '2003010203040506', '2004010203040506', '2005010203040506', '2006010203040506', '2007010203040599'];
    const { rr, sink } = rrOf(entry('TF', 1, 0xff, ...stamps.map(s => date17(s))));
    assert.equal(rr.tf?.created?.iso, '2001-01-02T03:04:05.06+00:00');
    assert.equal(rr.tf?.modified?.iso.slice(0, 4), '2002');
    assert.equal(rr.tf?.accessed?.iso.slice(0, 4), '2003');
    assert.equal(rr.tf?.attributes?.iso.slice(0, 4), '2004');
    assert.equal(rr.tf?.backup?.iso.slice(0, 4), '2005');
    assert.equal(rr.tf?.expiration?.iso.slice(0, 4), '2006');
    assert.equal(rr.tf?.effective?.iso, '2007-01-02T03:04:05.99+00:00');
    assert.equal(sink.items.length, 0);
  });

  it('TF announcing more stamps than it holds keeps what is there and reports', () => {
    const { rr, sink } = rrOf(entry('TF', 1, 0x06, date7(2020, 2, 3, 4, 5, 6)));
    assert.equal(rr.tf?.modified?.iso, '2020-02-03T04:05:06+00:00');
    assert.equal(rr.tf?.accessed, undefined);
    assert.match(msgs(sink), /more time stamps/);
  });

  it('SF (4.1.7) 1.12 form and the old 12-byte form', () => {
    assert.deepEqual(rrOf(entry('SF', 1, bb32(1), bb32(5), 3)).rr.sf, { virtualSize: 2 ** 32 + 5, tableDepth: 3 });
    assert.deepEqual(rrOf(entry('SF', 1, bb32(4096))).rr.sf, { virtualSize: 4096 });
  });

  it('ZF: zisofs v1 ("pz", both-endian size) and zisofs2 (version 2, "PZ", 64-bit size), Z2 signature', () => {
    assert.deepEqual(rrOf(entry('ZF', 1, 'pz', 4, 15, bb32(1234567))).rr.zf,
      { algorithm: 'pz', headerSizeDiv4: 4, log2BlockSize: 15, uncompressedSize: 1234567, version: 1 });
    const big = [0x00, 0x80, 0xca, 0x39, 0x61, 0x24, 0x00, 0x00]; // 40 TB, example of zisofs2_format.txt
    assert.deepEqual(rrOf(entry('ZF', 2, 'PZ', 8, 17, big)).rr.zf,
      { algorithm: 'PZ', headerSizeDiv4: 8, log2BlockSize: 17, uncompressedSize: 0x246139ca8000, version: 2 });
    assert.equal(rrOf(entry('Z2', 2, 'PZ', 6, 17, [1, 0, 0, 0, 0, 0, 0, 0])).rr.zf?.uncompressedSize, 1);
    const bad = rrOf(entry('ZF', 1, 'pz', 4));
    assert.equal(bad.rr.zf, undefined);
    assert.match(msgs(bad.sink), /ZF entry too short/);
  });

  it('AL (AAIP 2.0): name/value pairs with namespaces, continued components, binary ACL', () => {
    const long = 'v'.repeat(300);
    const { rr, sink } = rrOf(
      entry('AL', 1, 0x01, SLc(0, Uint8Array.from([0x03, ...Buffer.from('abc')])), SLc(0x01, long.slice(0, 200))),
      entry('AL', 1, 0x00, SLc(0, long.slice(200)), SLc(0, ''), SLc(0, Uint8Array.from([0x16, 0x34, 0x54])), SLc(0, 'plain'), SLc(0, Uint8Array.from([0xff, 0x00]))),
    );
    assert.deepEqual(rr.aaip, [
      { name: 'user.abc', value: long, encoding: 'utf8' },
      { name: '', value: '163454', encoding: 'hex' },
      { name: 'plain', value: 'ff00', encoding: 'hex' },
    ]);
    assert.equal(rr.aaipSkipped, undefined);
    assert.equal(sink.items.length, 0, msgs(sink));
    const odd = rrOf(entry('AL', 1, 0, SLc(0, 'name-without-value')));
    assert.equal(odd.rr.aaipSkipped, true);
    assert.deepEqual(odd.rr.aaip, []);
  });

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
