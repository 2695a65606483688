import { strict as assert } from 'assert';
import { openSync, readSync, closeSync } from 'fs';
import * as path from 'path';
import {
  ascii, binary, bothEndian, float, gmtOffset, guid, inspect, int, int64, isoDate17, isoDate7, ucs2be,
} from '../../../media/src/model/inspector';

const B = (...x: number[]): Uint8Array => Uint8Array.from(x);
const ascii17 = (digits: string, off: number): Uint8Array => Uint8Array.from([...digits].map((c) => c.charCodeAt(0)).concat([off & 0xff]));

describe('webview data inspector', () => {
  it('decodes integers in both byte orders', () => {
    const b = B(0xfe, 0xff, 0x01, 0x80, 0x00, 0x00, 0x00, 0x80);
    assert.equal(int(b, 1, false, true), 254);
    assert.equal(int(b, 1, true, true), -2);
    assert.equal(int(b, 2, false, true), 0xfffe);
    assert.equal(int(b, 2, true, true), -2);
    assert.equal(int(b, 2, false, false), 0xfeff);
    assert.equal(int(b, 4, false, true), 0x8001fffe);
    assert.equal(int(b, 4, true, true), 0x8001fffe - 2 ** 32);
    assert.equal(int(b, 4, false, false), 0xfeff0180);
    assert.equal(int64(b, false, true), 0x80000000_8001fffen);
    assert.equal(int64(b, true, true), 0x80000000_8001fffen - (1n << 64n));
    assert.equal(int64(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), false, false), 18446744073709551615n);
    assert.equal(int64(B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), true, false), -1n);
    assert.equal(int(B(1), 2, false, true), null, 'not enough bytes');
    assert.equal(int64(B(1, 2, 3), false, true), null);
  });

  it('decodes floats as the shortest round-tripping decimal', () => {
    assert.equal(float(B(0x00, 0x00, 0x80, 0x3f), 4, true), '1');
    assert.equal(float(B(0x3f, 0x80, 0x00, 0x00), 4, false), '1');
    assert.equal(float(B(0xcd, 0xcc, 0xcc, 0x3d), 4, true), '0.1');
    assert.equal(float(B(0x00, 0x00, 0xc0, 0x7f), 4, true), 'NaN');
    assert.equal(float(B(0x00, 0x00, 0x80, 0xff), 4, true), '-Infinity');
    assert.equal(float(B(0, 0, 0, 0, 0, 0, 0xf8, 0x3f), 8, true), '1.5');
    assert.equal(float(B(0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a), 8, false), '0.1');
    assert.equal(float(B(1, 2, 3), 4, true), null);
  });

  it('reads ISO 9660 both-endian pairs and flags a mismatch', () => {
    assert.deepEqual(bothEndian(B(0x00, 0x08, 0x08, 0x00), 2), { value: 2048, le: 2048, be: 2048, ok: true });
    // Volume space size 2481 (0x9B1) as in the real PVD.
    assert.deepEqual(bothEndian(B(0xb1, 0x09, 0, 0, 0, 0, 0x09, 0xb1), 4), { value: 2481, le: 2481, be: 2481, ok: true });
    assert.deepEqual(bothEndian(B(0xb1, 0x09, 0, 0, 0, 0, 0x09, 0xb2), 4), { value: 2481, le: 2481, be: 2482, ok: false });
    assert.equal(bothEndian(B(1, 0, 0), 2), null);
  });

  it('decodes 7-byte directory record dates (ECMA-119 9.1.5)', () => {
    // 2026-05-03 22:12:13 GMT, as xorriso wrote it in grub-rescue-cdrom.iso.
    assert.deepEqual(isoDate7(B(0x7e, 0x05, 0x03, 0x16, 0x0c, 0x0d, 0x00)), { text: '2026-05-03 22:12:13 +00:00' });
    // 1999-12-31 23:59:59 at GMT-5 (-20 quarter hours = 0xEC).
    assert.deepEqual(isoDate7(B(99, 12, 31, 23, 59, 59, 0xec)), { text: '1999-12-31 23:59:59 -05:00' });
    // India, +5:30 = 22 quarter hours; year 1900 + 255 = 2155.
    assert.deepEqual(isoDate7(B(255, 1, 1, 0, 0, 0, 22)), { text: '2155-01-01 00:00:00 +05:30' });
    assert.deepEqual(isoDate7(B(0, 0, 0, 0, 0, 0, 0)), { text: 'not specified' });
    const bad = isoDate7(B(120, 13, 0, 24, 60, 61, 60))!;
    assert.equal(bad.problem, 'invalid month, day, hour, minute, second, GMT offset');
    assert.equal(isoDate7(B(1, 2, 3)), null);
  });

  it('decodes 17-byte volume descriptor dates (ECMA-119 8.4.26.1)', () => {
    assert.deepEqual(isoDate17(ascii17('2026050322121300', 0)), { text: '2026-05-03 22:12:13.00 +00:00' });
    // Tokyo, +9:00 = 36 quarter hours.
    assert.deepEqual(isoDate17(ascii17('2001090911462599', 36)), { text: '2001-09-09 11:46:25.99 +09:00' });
    // Hawaii, -10:00 = -40 → 0xD8.
    assert.deepEqual(isoDate17(ascii17('1990010100000050', -40)), { text: '1990-01-01 00:00:00.50 -10:00' });
    assert.deepEqual(isoDate17(ascii17('0000000000000000', 0)), { text: 'not specified' });
    assert.deepEqual(isoDate17(new Uint8Array(17)), { text: 'not specified' }, 'NUL bytes too');
    assert.equal(isoDate17(ascii17('2026130322121300', 0))!.problem, 'invalid month');
    assert.equal(isoDate17(ascii17('20260503221213ab', 0))!.problem, 'not 16 digits');
    assert.equal(gmtOffset(-48), '-12:00');
    assert.equal(gmtOffset(52), '+13:00');
    assert.equal(gmtOffset(1), '+00:15');
  });

  it('agrees with the engine on the real PVD dates', function () {
    const iso = path.join(__dirname, '../../../../test/fixtures/cache/real/grub-rescue-cdrom.iso');
    const fd = openSync(iso, 'r');
    const b = Buffer.alloc(17);
    readSync(fd, b, 0, 17, 33581);
    const d7 = Buffer.alloc(7);
    readSync(fd, d7, 0, 7, 32942);
    closeSync(fd);
    // isowb info --structures: "2026-05-03T22:12:13+00:00" for both.
    assert.equal(isoDate17(b)!.text, '2026-05-03 22:12:13.00 +00:00');
    assert.equal(isoDate7(d7)!.text, '2026-05-03 22:12:13 +00:00');
  });

  it('decodes strings, GUIDs and bits', () => {
    assert.equal(ucs2be(B(0, 0x41, 0, 0x42, 0x20, 0xac, 0, 0, 0, 0x43)), '"AB€"');
    assert.equal(ucs2be(B(0x00)), null);
    assert.equal(ascii(B(0x43, 0x44, 0x00, 0x22, 0x5c, 0x0a, 0xe9)), '"CD\\0\\"\\\\\\x0a\\xe9"');
    // The EFI System Partition type GUID as GPT stores it.
    assert.equal(guid(B(0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b)),
      'C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
    assert.equal(guid(new Uint8Array(15)), null);
    assert.equal(binary(B(0x41)), '0100 0001');
    assert.equal(binary(new Uint8Array(0)), null);
  });

  it('lists every row with the byte order applied', () => {
    const b = B(0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const le = inspect(b, true);
    const be = inspect(b, false);
    const get = (rows: typeof le, k: string) => rows.find((r) => r.key === k)!;
    assert.equal(get(le, 'uint16').value, '1  (0x0001)');
    assert.equal(get(be, 'uint16').value, '256  (0x0100)');
    assert.equal(get(le, 'uint16').label, 'uint16 LE');
    assert.equal(get(le, 'int8').value, '1');
    assert.equal(get(le, 'both16').value, '1');
    assert.equal(get(le, 'both16').problem, undefined);
    assert.match(get(le, 'both32').value!, /LE 16777217 ≠ BE 0/);
    assert.ok(get(le, 'both32').problem);
    assert.equal(get(le, 'date17').value, '"................"', 'not digits: shown raw');
    const short = inspect(B(0x41), true);
    assert.equal(get(short, 'uint8').value, '65  (0x41)');
    assert.equal(get(short, 'uint16').value, null);
    assert.equal(get(short, 'guid').value, null);
    assert.deepEqual(le.map((r) => r.key), ['binary', 'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'uint64', 'int64',
      'float32', 'float64', 'both16', 'both32', 'date7', 'date17', 'ascii', 'ucs2be', 'guid']);
  });
});
