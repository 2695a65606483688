// isomd5sum implanting (src/engine/write/isomd5.ts) against the real tools: on copies of the same
// image, implantIsoMd5 must write exactly the 512 bytes `implantisomd5 --force` writes (isomd5sum
// 1.2.3, Debian 12), and checkisomd5 --verbose must pass on images large enough for its fragment
// sums (it fails on images under 21 × 32 KiB even when implantisomd5 itself implanted them — see
// test/fixtures/gen/implantisomd5.sh). Images: test/fixtures/gen/{grub-mkrescue,isolinux-hybrid,
// efi-appended,implantisomd5}.sh and Debian's grub-rescue-cdrom.iso (fetch-grub-rescue.sh).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CancelledError, InvalidArgumentError, UnsupportedFeatureError } from '../../../src/engine/errors';
import { hasIsoMd5, implantIsoMd5 } from '../../../src/engine/write/isomd5';
import { fixture, realImage } from '../../fixtures/build';
import { run, runText } from '../../peers/run';

const PVD = 16 * 2048;

function pvdOf(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(2048);
    fs.readSync(fd, b, 0, 2048, PVD);
    return new Uint8Array(b);
  } finally {
    fs.closeSync(fd);
  }
}

const appUse = (file: string) => Buffer.from(pvdOf(file).subarray(883, 883 + 512)).toString('latin1');

describe('isomd5sum', function () {
  this.timeout(5 * 60_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-md5-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function copies(file: string, name: string): [string, string] {
    const ours = path.join(tmp, `${name}-ours.iso`);
    const theirs = path.join(tmp, `${name}-implantisomd5.iso`);
    fs.copyFileSync(file, ours);
    fs.copyFileSync(file, theirs);
    return [ours, theirs];
  }

  for (const [name, get, checkPasses] of [
    ['grub-mkrescue (20 MB, xorriso)', () => fixture('grub-mkrescue'), true],
    ['real grub-rescue-cdrom.iso', () => realImage('grub-rescue-cdrom.iso'), true],
    ['efi-appended (appended partition after the volume, not summed)', () => fixture('efi-appended'), true],
    ['isolinux-hybrid (small: fewer than 20 fragment sums)', () => fixture('isolinux-hybrid'), false],
  ] as Array<[string, () => Promise<string>, boolean]>) {
    it(`${name}: the same bytes as implantisomd5 --force${checkPasses ? ', and checkisomd5 passes' : ''}`, async () => {
      const [ours, theirs] = copies(await get(), name.split(' ')[0]);
      assert.equal(hasIsoMd5(pvdOf(ours)), false);
      let last: [number, number] = [0, 0];
      await implantIsoMd5(ours, { onProgress: (d, t) => { last = [d, t]; } });
      await runText('implantisomd5', ['--force', theirs]);
      assert.equal(appUse(ours), appUse(theirs));
      assert.match(appUse(ours), /^ISO MD5SUM = [0-9a-f]{32};SKIPSECTORS = 15;RHLISOSTATUS=0;FRAGMENT SUMS = [0-9a-f]+;FRAGMENT COUNT = 20;THIS IS NOT THE SAME AS RUNNING MD5SUM ON THIS ISO!! +$/);
      assert.equal((await run('cmp', [ours, theirs])).code, 0, 'nothing else differs');
      assert.ok(hasIsoMd5(pvdOf(ours)));
      const pvd = pvdOf(ours);
      assert.deepEqual(last, [Buffer.from(pvd).readUInt32BE(84) * 2048 - 15 * 2048, Buffer.from(pvd).readUInt32BE(84) * 2048 - 15 * 2048]);
      if (checkPasses) {
        const r = await run('checkisomd5', ['--verbose', ours]);
        const said = (r.stdout.toString() + r.stderr).replace(/\rChecking: [\d.]+%/g, '');
        assert.equal(r.code, 0, said);
        assert.match(said, /the result is: PASS/);
        assert.match(/FRAGMENT SUMS = ([0-9a-f]*);/.exec(appUse(ours))![1], /^[0-9a-f]{60}$/);
      }
    });
  }

  it('re-implanting the implantisomd5 fixture with force reproduces its area; without force it is refused', async () => {
    const file = await fixture('implantisomd5');
    const copy = path.join(tmp, 'again.iso');
    fs.copyFileSync(file, copy);
    assert.ok(hasIsoMd5(pvdOf(copy)));
    await assert.rejects(implantIsoMd5(copy), InvalidArgumentError);
    assert.equal((await run('cmp', [file, copy])).code, 0, 'refused: untouched');
    await implantIsoMd5(copy, { force: true });
    assert.equal((await run('cmp', [file, copy])).code, 0);
  });

  it('supported sets RHLISOSTATUS=1 like implantisomd5 --supported-iso', async () => {
    const [ours, theirs] = copies(await fixture('grub-mkrescue'), 'supported');
    await implantIsoMd5(ours, { supported: true });
    await runText('implantisomd5', ['--supported-iso', theirs]);
    assert.equal(appUse(ours), appUse(theirs));
    assert.match(appUse(ours), /RHLISOSTATUS=1;/);
  });

  it('a cancelled implant leaves the file untouched; a non-ISO is refused', async () => {
    const file = await fixture('grub-mkrescue');
    const copy = path.join(tmp, 'cancel.iso');
    fs.copyFileSync(file, copy);
    const ac = new AbortController();
    await assert.rejects(implantIsoMd5(copy, { signal: ac.signal, onProgress: (d) => { if (d > 4 << 20) ac.abort(); } }), CancelledError);
    assert.equal((await run('cmp', [file, copy])).code, 0);
    const junk = path.join(tmp, 'junk.iso');
    fs.writeFileSync(junk, Buffer.alloc(40000));
    await assert.rejects(implantIsoMd5(junk), UnsupportedFeatureError);
    assert.equal(hasIsoMd5(new Uint8Array(100)), false);
  });
});
