// SUSP 1.12 (src/engine/rockridge/susp.ts): the walk over a System Use field and its continuation
// areas on hand-made entries — offsets, LEN_SKP, CE chains and their limits, ST, PD, ER/ES, and
// garbage.
import * as assert from 'node:assert/strict';
import { DiagnosticSink } from '../../../src/engine/errors';
import { parseRockRidge } from '../../../src/engine/rockridge/rrip';
import { parseEr, readSuspArea } from '../../../src/engine/rockridge/susp';
import { bb32, BS, bytes, CE, date7, entry, image, msgs, NM, PX, readerFor, SP, ST, walk } from './helpers';

describe('SUSP 1.12 (susp.ts)', () => {
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
