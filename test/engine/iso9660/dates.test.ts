// ECMA-119 dates (src/engine/iso9660/dates.ts): the 7- and 17-byte encoders round-tripped through the parsers.
import { strict as assert } from 'assert';
import { InvalidArgumentError } from '../../../src/engine/errors';
import { encodeDate17, encodeDate7, parseDate17, parseDate7 } from '../../../src/engine/iso9660/dates';
import { T0 } from './helpers';

describe('serializers (writer) round-trip through the parsers', function () {
  describe('dates (ECMA-119 9.1.5, 8.4.26.1)', () => {
    it('7-byte dates round-trip to the second, in UTC, and clamp to 1900–2155', () => {
      for (const ms of [0, Date.UTC(1900, 0, 1), Date.UTC(1999, 11, 31, 23, 59, 59), T0.getTime(), Date.UTC(2155, 11, 31, 23, 59, 59)]) {
        const b = encodeDate7(new Date(ms));
        assert.equal(b.length, 7);
        assert.equal(b[6], 0);
        const d = parseDate7(b, 0);
        assert.equal(d?.date.getTime(), Math.floor(ms / 1000) * 1000);
        assert.equal(d?.gmtOffsetMinutes, 0);
      }
      assert.equal(parseDate7(encodeDate7(new Date(Date.UTC(1850, 5, 1))), 0)?.iso, '1900-01-01T00:00:00+00:00');
      assert.equal(parseDate7(encodeDate7(new Date(Date.UTC(2300, 5, 1))), 0)?.iso, '2155-12-31T23:59:59+00:00');
      assert.throws(() => encodeDate7(new Date(NaN)), InvalidArgumentError);
    });
    it('17-byte dates round-trip to the hundredth; null is "not specified"; years clamp to 0001–9999', () => {
      const b = encodeDate17(T0);
      assert.equal(String.fromCharCode(...b.subarray(0, 16)), '2024022913141567');
      assert.equal(b[16], 0);
      assert.equal(parseDate17(b, 0)?.date.getTime(), T0.getTime());
      const n = encodeDate17(null);
      assert.equal(String.fromCharCode(...n.subarray(0, 16)), '0000000000000000');
      assert.equal(n[16], 0);
      assert.equal(parseDate17(n, 0), null);
      assert.equal(parseDate17(encodeDate17(new Date(Date.UTC(12000, 0, 1))), 0)?.iso, '9999-12-31T23:59:59.99+00:00');
      const early = new Date(0); early.setUTCFullYear(-5);
      assert.equal(String.fromCharCode(...encodeDate17(early).subarray(0, 16)), '0001010100000000');
      assert.equal(parseDate17(encodeDate17(new Date(Date.UTC(1970, 0, 1, 0, 0, 0, 999))), 0)?.iso, '1970-01-01T00:00:00.99+00:00');
    });
  });
});
