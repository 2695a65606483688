// Rock Ridge attribute entries (src/engine/rockridge/rripAttributes.ts) decoded through
// parseRockRidge: PX, PN, CL, PL, RE, RR, TF (short and long form), SF.
import * as assert from 'node:assert/strict';
import { parseRockRidge } from '../../../src/engine/rockridge/rrip';
import { bb32, date17, date7, entry, msgs, NM, PX, rrOf, TFshort, walk } from './helpers';

describe('RRIP 1.12 attribute entries (rripAttributes.ts)', () => {
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
});
