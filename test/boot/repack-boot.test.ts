// Boot tests, part 2: images written by `isowb repack` and `isowb build` (dist/isowb.js) must still
// boot. Each boot image of boot.test.ts is repacked in both layouts with a file added and its boot
// loader's configuration replaced by one that prints a marker; bootCheck(out, { ref: original })
// must give the verdicts written down below (a mode the original boots in cannot hide as N/A),
// and the guest must show the marker (it read the NEW configuration from the repacked tree).
// Two trees are built from a folder (isolinux; GRUB BIOS + EFI) and booted the same way.
// Repacks, trees and evidence: test/boot/out/{images,work,repack,build}/ (git-ignored).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { fixture, realImage } from '../fixtures/build';
import { CLI } from '../e2e/helpers';
import { run } from '../peers/run';
import { bootCheck, describeResults, guestText, MODES, type BootResult, type Mode, type Verdict } from './bootCheck';
import { extractFile, extractTree, freshDir, grubEchoCfg, imagePath, isolinuxCfg, isolinuxTree } from './images';

/** `node dist/isowb.js ARGS`. */
async function isowb(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const r = await run(process.execPath, [CLI, ...args], { timeoutMs: 10 * 60_000 });
  return { code: r.code, stderr: r.stderr.toString() };
}

/** `node dist/isowb.js ARGS`, which must exit 0. */
async function isowbOk(args: string[]): Promise<void> {
  const r = await run(process.execPath, [CLI, ...args], { timeoutMs: 10 * 60_000 });
  if (r.code !== 0) {
    throw new Error(`isowb ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr.slice(0, 3000)}${r.stdout.toString().slice(0, 2000)}`);
  }
}

function report(r: BootResult): void {
  console.log(`      ${r.verdict} ${r.seconds}s ${r.mode}: ${r.line.slice(0, 400)}\n        evidence: ${r.evidence}`);
}

const ADDED = 'ISOWB-ADDED.TXT';
const ADDED_TEXT = 'added by isowb repack (boot test)\n';
const REPACK_MARKER = 'ISOWB REPACKED CONFIG';

interface RepackCase {
  id: string;
  title: string;
  image: () => Promise<string>;
  /** The boot loader's configuration in the image, and the changed (still valid) one replacing it. */
  config: string;
  newConfig: (old: string) => string;
  /** Verdicts for the repacked image, checked with --ref original. */
  expect: Record<Mode, Verdict>;
  /** Where the marker must show (the new configuration was read). */
  shows: readonly Mode[];
  /** The compact layout is refused for this image (an HFS+ hybrid cannot follow a fresh layout). */
  refusesCompact?: boolean;
}

const REPACKS: RepackCase[] = [
  {
    // Original: bios-cd PASS, bios-hdd PASS (boot.test.ts). The rescue image's grub.cfg (menu,
    // timeout=30) gets one more menu entry at the end, titled with the marker: the default entry
    // and the timeout are unchanged, and the menu GRUB draws shows the new title.
    id: 'grub-rescue-cdrom',
    title: 'real grub-rescue-cdrom.iso',
    image: () => realImage('grub-rescue-cdrom.iso'),
    config: '/boot/grub/grub.cfg',
    newConfig: (old) => `${old}\n# isowb repack boot test: one more entry\nmenuentry "${REPACK_MARKER}" {\n  true\n}\n`,
    expect: { 'bios-cd': 'PASS', 'bios-hdd': 'PASS', 'uefi-cd': 'N/A', 'uefi-hdd': 'N/A' },
    shows: ['bios-cd', 'bios-hdd'],
  },
  {
    // Original: bios-cd PASS, bios-hdd PASS, uefi-cd and uefi-hdd FAIL only because its grub.cfg
    // entry boots nothing (see boot.test.ts). The new grub.cfg prints the marker and waits, so the
    // repack must PASS all four: the BIOS paths (El Torito + boot info table, GRUB's MBR code) and
    // both EFI paths (El Torito EFI entry, GPT ESP = the EFI image).
    id: 'grub-mkrescue',
    title: 'fixture grub-mkrescue',
    image: () => fixture('grub-mkrescue'),
    config: '/boot/grub/grub.cfg',
    newConfig: () => grubEchoCfg(REPACK_MARKER),
    expect: { 'bios-cd': 'PASS', 'bios-hdd': 'PASS', 'uefi-cd': 'PASS', 'uefi-hdd': 'PASS' },
    shows: MODES,
    // Its Apple partition map + HFS+ (for Macs) cannot follow a fresh layout: compact is refused.
    refusesCompact: true,
  },
  {
    // Original: bios-cd PASS, bios-hdd PASS. isolinux.cfg: SAY the marker, wait at boot:.
    id: 'isolinux-hybrid',
    title: 'fixture isolinux-hybrid',
    image: () => fixture('isolinux-hybrid'),
    config: '/isolinux/isolinux.cfg',
    newConfig: () => isolinuxCfg(REPACK_MARKER),
    expect: { 'bios-cd': 'PASS', 'bios-hdd': 'PASS', 'uefi-cd': 'N/A', 'uefi-hdd': 'N/A' },
    shows: ['bios-cd', 'bios-hdd'],
  },
];

describe('boot: repacked images in QEMU (isowb repack)', function () {
  this.timeout(10 * 60_000);
  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  });

  for (const c of REPACKS) {
    if (c.refusesCompact) {
      it(`${c.title}, --layout compact: refused (Apple partition map / HFS+ hybrid), nothing written`, async () => {
        const out = imagePath(`${c.id}-repack-compact.iso`);
        fs.rmSync(out, { force: true });
        const r = await isowb(['repack', await c.image(), '-o', out, '--layout', 'compact']);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /compact layout cannot carry .*Apple partition map/);
        assert.ok(!fs.existsSync(out));
      });
    }
    for (const layout of (c.refusesCompact ? ['preserve'] : ['preserve', 'compact']) as Array<'preserve' | 'compact'>) {
      describe(`${c.title}, --layout ${layout}: --add /${ADDED}, --replace ${c.config}`, function () {
        let original = '';
        let out = '';
        let work = '';
        before(async function () {
          original = await c.image();
          work = freshDir(path.join('work', `repack-${c.id}-${layout}`));
          const added = path.join(work, ADDED);
          fs.writeFileSync(added, ADDED_TEXT);
          const old = (await extractFile(original, c.config, path.join(work, 'old-config'))).toString('utf8');
          const cfg = path.join(work, path.basename(c.config));
          fs.writeFileSync(cfg, c.newConfig(old));
          out = imagePath(`${c.id}-repack-${layout}.iso`);
          await isowbOk(['repack', original, '-o', out, '--add', `${added}=/${ADDED}`, '--replace', `${cfg}=${c.config}`, '--layout', layout]);
        });

        it('holds the added file and the new configuration (read back by xorriso)', async function () {
          assert.equal((await extractFile(out, `/${ADDED}`, path.join(work, 'check-added'))).toString('utf8'), ADDED_TEXT);
          assert.match((await extractFile(out, c.config, path.join(work, 'check-config'))).toString('utf8'), new RegExp(REPACK_MARKER));
        });

        for (const mode of MODES) {
          it(`${mode}: ${c.expect[mode]}${c.shows.includes(mode) ? ', showing the new configuration' : ''}`, async function () {
            const [r] = await bootCheck(out, { ref: original, modes: [mode], outDir: `repack/${c.id}-${layout}` });
            report(r);
            assert.equal(r.verdict, c.expect[mode], describeResults([r]));
            if (c.shows.includes(mode)) {
              assert.match(guestText(r), new RegExp(REPACK_MARKER), `the guest should show "${REPACK_MARKER}"\n${describeResults([r])}`);
            }
          });
        }
      });
    }
  }
});

interface BuildCase {
  id: string;
  title: string;
  /** Makes the tree in `dir`. */
  tree: (dir: string) => Promise<void>;
  args: string[];
  marker: string;
  expect: Record<Mode, Verdict>;
}

const BUILT_ISOLINUX = 'ISOWB BUILT ISOLINUX TREE';
const BUILT_GRUB = 'ISOWB BUILT GRUB TREE';

const BUILDS: BuildCase[] = [
  {
    // lib.sh's isolinux_tree (Debian's isolinux.bin, unpatched; ldlinux.c32; isolinux.cfg) ->
    // El Torito no-emulation entry (boot info table) + isohybrid-style MBR: both BIOS paths.
    id: 'isolinux',
    title: 'an isolinux tree, --bios-boot isolinux/isolinux.bin --hybrid mbr',
    tree: async (dir) => isolinuxTree(dir, BUILT_ISOLINUX),
    args: ['--volid', 'ISOWB_BOOT', '--bios-boot', 'isolinux/isolinux.bin', '--hybrid', 'mbr'],
    marker: BUILT_ISOLINUX,
    expect: { 'bios-cd': 'PASS', 'bios-hdd': 'PASS', 'uefi-cd': 'N/A', 'uefi-hdd': 'N/A' },
  },
  {
    // The grub-mkrescue fixture's tree extracted by xorriso (boot/grub/{i386-pc,x86_64-efi}, the
    // BIOS core boot/grub/i386-pc/eltorito.img, the FAT EFI image efi.img; the old boot.catalog
    // file dropped), grub.cfg printing a marker. Expected PASS: bios-cd (El Torito BIOS entry,
    // eltorito.img with boot info table), uefi-cd (El Torito EFI entry = efi.img), uefi-hdd (GPT
    // ESP = efi.img) and bios-hdd: for a GRUB BIOS image the builder writes GRUB's hybrid MBR code
    // (boot_hybrid.img) as grub-mkrescue does, which must point at eltorito.img's core.img (the
    // 512-byte block after its 2048-byte cdboot.img: LBA * 4 + 4).
    id: 'grub',
    title: 'a grub-mkrescue tree, --bios-boot boot/grub/i386-pc/eltorito.img --efi-boot efi.img --hybrid gpt',
    tree: async (dir) => {
      await extractTree(await fixture('grub-mkrescue'), dir);
      fs.rmSync(path.join(dir, 'boot.catalog'), { force: true });
      fs.writeFileSync(path.join(dir, 'boot', 'grub', 'grub.cfg'), grubEchoCfg(BUILT_GRUB));
    },
    args: ['--volid', 'ISOWB_GRUB', '--bios-boot', 'boot/grub/i386-pc/eltorito.img', '--efi-boot', 'efi.img', '--hybrid', 'gpt'],
    marker: BUILT_GRUB,
    expect: { 'bios-cd': 'PASS', 'bios-hdd': 'PASS', 'uefi-cd': 'PASS', 'uefi-hdd': 'PASS' },
  },
];

describe('boot: images built from a folder in QEMU (isowb build)', function () {
  this.timeout(10 * 60_000);
  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  });

  for (const c of BUILDS) {
    describe(c.title, function () {
      let out = '';
      before(async function () {
        const dir = freshDir(path.join('work', `build-${c.id}`, 'tree'));
        await c.tree(dir);
        out = imagePath(`build-${c.id}.iso`);
        await isowbOk(['build', dir, '-o', out, ...c.args]);
      });
      for (const mode of MODES) {
        const want = c.expect[mode];
        it(`${mode}: ${want}${want === 'PASS' ? ', showing its configuration' : ''}`, async function () {
          const [r] = await bootCheck(out, { modes: [mode], outDir: `build/${c.id}` });
          report(r);
          assert.equal(r.verdict, want, describeResults([r]));
          if (want === 'PASS') assert.match(guestText(r), new RegExp(c.marker), `the guest should show "${c.marker}"\n${describeResults([r])}`);
        });
      }
    });
  }
});
