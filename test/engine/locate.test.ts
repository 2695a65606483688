// Locating a byte offset (the sector editor's status line and "go to file"): every file extent
// that xorriso reports (`-find / -exec report_lba`: extent number, start LBA, blocks, file size,
// path) must map back to its path and the right offset inside the file, multi-extent files
// included; structures win over files except whole-file ones (boot images).
import { strict as assert } from 'assert';
import { DiscImage } from '../../src/engine/image';
import { Locator } from '../../src/engine/locate';
import type { Structure } from '../../src/engine/structure/fields';
import { fixture, realImage } from '../fixtures/build';
import { runText } from '../peers/run';

interface LbaLine { xt: number; lba: number; blocks: number; size: number; path: string }

/** Parses `xorriso -indev IMG -find / -exec report_lba` ("File data lba: xt , lba , blocks , size , 'path'"). */
async function reportLba(image: string): Promise<LbaLine[]> {
  const out = await runText('xorriso', ['-indev', image, '-find', '/', '-exec', 'report_lba'], { timeoutMs: 120_000 });
  const lines: LbaLine[] = [];
  for (const l of out.split('\n')) {
    const m = /^File data lba:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*'(.*)'$/.exec(l);
    if (m) lines.push({ xt: +m[1], lba: +m[2], blocks: +m[3], size: +m[4], path: m[5].replace(/'"'"'/g, "'") });
  }
  return lines;
}

function flatten(list: Structure[]): Structure[] {
  const out: Structure[] = [];
  const visit = (s: Structure) => { out.push(s); s.children.forEach(visit); };
  list.forEach(visit);
  return out;
}

describe('Locator', function () {
  this.timeout(10 * 60_000);

  it('maps every extent xorriso reports on the GRUB rescue image to its file, and structures to structures', async () => {
    const file = await realImage('grub-rescue-cdrom.iso');
    const img = await DiscImage.openFile(file);
    try {
      const structures = await img.structures();
      const loc = await Locator.build(img, structures, img.size);
      const lines = await reportLba(file);
      assert.ok(lines.length > 100, `${lines.length} extents reported`);
      // Extents shared by several paths (hard links, the boot catalog) may name any of them.
      const byLba = new Map<number, Set<string>>();
      for (const l of lines) { if (!byLba.has(l.lba)) byLba.set(l.lba, new Set()); byLba.get(l.lba)!.add(l.path); }
      let checked = 0;
      for (const l of lines) {
        if (l.size === 0) continue;
        for (const delta of [0, Math.min(l.size, l.blocks * 2048) - 1, Math.floor(l.size / 2)]) {
          const at = l.lba * 2048 + delta;
          const r = loc.locate(at);
          if (r.kind === 'structure') {
            // Only non-whole-file structures may cover file data (the boot catalog in boot.cat).
            const s = flatten(structures).find(x => x.id === r.id)!;
            assert.ok(s.length < l.size, `${l.path}+${delta}: structure ${r.id} (${s.length} bytes) hides the file`);
            continue;
          }
          assert.equal(r.kind, 'file', `${l.path}+${delta}: ${JSON.stringify(r)}`);
          if (r.kind !== 'file') continue;
          assert.ok(byLba.get(l.lba)!.has(r.path), `${l.path}+${delta}: located as ${r.path}`);
          assert.equal(r.fileOffset, delta);
          checked++;
        }
        assert.ok(byLba.get(l.lba)!.has(loc.fileAtLba(l.lba)!), `fileAtLba(${l.lba}) = ${loc.fileAtLba(l.lba)}, expected ${l.path}`);
      }
      assert.ok(checked > 300, `${checked} offsets checked`);

      // The boot image is a file and a structure: the file wins. The catalog is a structure.
      const boot = (await img.elTorito())!;
      const entry = boot.entries[0];
      assert.deepEqual(loc.locate(entry.loadRba * 2048 + 100), { kind: 'file', path: '/boot/grub/i386-pc/eltorito.img', fileOffset: 100 });
      assert.equal(loc.fileAtLba(entry.loadRba), '/boot/grub/i386-pc/eltorito.img');
      const cat = loc.locate(boot.catalogLba * 2048 + 33);
      assert.equal(cat.kind, 'structure');
      assert.match(cat.kind === 'structure' ? cat.id : '', /^eltorito:entry:0$/);
      // Volume descriptors, a dir record in the root directory, the MBR, the system area.
      assert.deepEqual(loc.locate(16 * 2048 + 40), { kind: 'structure', id: 'vd:16', name: 'Primary Volume Descriptor' });
      const rootLba = img.primary.root.extentLba;
      const rec = loc.locate(rootLba * 2048 + 1);
      assert.equal(rec.kind === 'structure' && rec.id, `dirrec:${rootLba * 2048}`);
      const mbr = loc.locate(446);
      assert.equal(mbr.kind, 'structure');
      const sys = await img.systemArea();
      assert.ok(sys.mbr, 'the GRUB rescue image has an MBR');
      assert.deepEqual(loc.locate(20_000), { kind: 'system-area' });
      assert.deepEqual(loc.locate(img.size), { kind: 'beyond-volume' });
      assert.deepEqual(loc.locate(-1), { kind: 'beyond-volume' });
      // A subdirectory's extent is located as its directory structure (lazily expandable).
      const grubDir = await img.lookup('/boot/grub');
      const d = loc.locate(grubDir.dir!.lba * 2048 + 10);
      assert.deepEqual(d, { kind: 'structure', id: img.directoryStructureId(grubDir), name: 'Directory /boot/grub (ISO 9660)' });
    } finally {
      await img.close();
    }
  });

  it('indexes each extent of a multi-extent file over 4 GiB with the right offset inside the file', async () => {
    const file = await fixture('large-multiextent');
    const img = await DiscImage.openFile(file);
    try {
      const loc = await Locator.build(img, await img.structures(), img.size);
      const lines = (await reportLba(file)).filter(l => l.path === '/big.bin');
      assert.equal(lines.length, 2, 'xorriso reports two extents for /big.bin');
      let fileOffset = 0;
      for (const l of lines.sort((a, b) => a.xt - b.xt)) {
        assert.deepEqual(loc.locate(l.lba * 2048), { kind: 'file', path: '/big.bin', fileOffset });
        assert.deepEqual(loc.locate(l.lba * 2048 + 4097), { kind: 'file', path: '/big.bin', fileOffset: fileOffset + 4097 });
        const extentBytes = l.xt === 0 ? l.blocks * 2048 : l.size - fileOffset;
        assert.deepEqual(loc.locate(l.lba * 2048 + extentBytes - 1), { kind: 'file', path: '/big.bin', fileOffset: fileOffset + extentBytes - 1 });
        fileOffset += extentBytes;
      }
      assert.equal(fileOffset, 4500 * 1024 * 1024);
      // Between the extents (the second starts after the first ends + other data) there is no gap
      // without an owner except unallocated padding; the end of the volume is beyond-volume.
      assert.equal(loc.fileAtLba(lines[0].lba), '/big.bin');
      assert.equal(loc.fileAtLba(lines[1].lba), null, 'the second extent is not the start of a file');
      const small = (await reportLba(file)).find(l => l.path === '/small.txt')!;
      assert.deepEqual(loc.locate(small.lba * 2048 + 3), { kind: 'file', path: '/small.txt', fileOffset: 3 });
      assert.deepEqual(loc.locate(small.lba * 2048 + 6), { kind: 'unallocated' }, 'the block tail after the data');
      assert.deepEqual(loc.counts.extents, 3);
    } finally {
      await img.close();
    }
  });

  it('works without an image (raw disks): structures only, everything else unallocated', async () => {
    const s: Structure = { id: 'a', type: 't', name: 'A', offset: 100, length: 50, spec: '', fields: [], children: [
      { id: 'b', type: 't', name: 'B', offset: 110, length: 10, spec: '', fields: [], children: [] },
    ] };
    const loc = await Locator.build(null, [s, { ...s, id: 'c', name: 'C', offset: 140, length: 100, children: [] }], 100_000);
    assert.deepEqual(loc.locate(105), { kind: 'structure', id: 'a', name: 'A' });
    assert.deepEqual(loc.locate(110), { kind: 'structure', id: 'b', name: 'B' });
    assert.deepEqual(loc.locate(120), { kind: 'structure', id: 'a', name: 'A' });
    assert.deepEqual(loc.locate(145), { kind: 'structure', id: 'a', name: 'A' }, 'the shorter of two overlapping structures wins');
    assert.deepEqual(loc.locate(150), { kind: 'structure', id: 'c', name: 'C' });
    assert.deepEqual(loc.locate(240), { kind: 'system-area' });
    assert.deepEqual(loc.locate(50_000), { kind: 'unallocated' });
    assert.deepEqual(loc.locate(100_000), { kind: 'beyond-volume' });
    assert.equal(loc.fileAtLba(0), null);
  });
});
