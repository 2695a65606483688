// Rock Ridge names and symbolic links (src/engine/rockridge/rripNames.ts) decoded through
// parseRockRidge: NM, SL (components, continued entries) and the AAIP 2.0 AL entry.
import * as assert from 'node:assert/strict';
import { entry, msgs, NM, PX, rrOf, SL, SLc, TFshort } from './helpers';

describe('RRIP 1.12 names and links (rripNames.ts)', () => {
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
});
