// ECMA-119 8.1 the volume descriptor header (src/engine/iso9660/vdHeader.ts): the standard
// identifier "CD001" and a whole sector, checked when a descriptor is parsed.
import * as assert from 'node:assert/strict';
import { CorruptImageError, DiagnosticSink } from '../../../src/engine/errors';
import { parseVolumeDescriptor } from '../../../src/engine/iso9660/volumeDescriptor';
import { ascii, pvdSector } from './helpers';

describe('iso9660 volume descriptors', () => {
  it('throws CorruptImageError naming the offset when "CD001" is missing or the sector is short', () => {
    const b = pvdSector(); b.set(ascii('BEA01'), 1);
    assert.throws(() => parseVolumeDescriptor(b, 16, new DiagnosticSink(), 'x.iso'),
      (e: unknown) => e instanceof CorruptImageError && e.offset === 16 * 2048 + 1 && e.image === 'x.iso' && /"BEA01"/.test(e.message));
    assert.throws(() => parseVolumeDescriptor(pvdSector().subarray(0, 100), 16, new DiagnosticSink()),
      (e: unknown) => e instanceof CorruptImageError && /truncated/.test(e.message));
  });
});
