// mapStructures: the structure map of anything the sector editor opens. ISO images open as
// DiscImages; a raw GPT disk (made here with sgdisk), a FAT floppy (mformat), random bytes and a
// tiny file still get what can be decoded (or nothing), the reason ISO 9660 decoding failed,
// and never an exception. The GPT values are cross-checked against sgdisk.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileSource } from '../../src/engine/io/fileSource';
import { MemorySource } from '../../src/engine/io/source';
import { Locator } from '../../src/engine/locate';
import type { Structure } from '../../src/engine/structure/fields';
import { mapStructures } from '../../src/engine/structureMap';
import { realImage } from '../fixtures/build';
import { runText } from '../peers/run';
import { prng } from '../util/prng';

function flatten(list: Structure[]): Structure[] {
  const out: Structure[] = [];
  const visit = (s: Structure) => { out.push(s); s.children.forEach(visit); };
  list.forEach(visit);
  return out;
}

describe('mapStructures', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-map-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('opens an ISO image as a DiscImage and leaves the source open when the image is closed', async () => {
    const src = await FileSource.open(await realImage('grub-rescue-cdrom.iso'));
    try {
      const m = await mapStructures(src);
      assert.ok(m.image);
      assert.equal(m.decoded, true);
      assert.equal(m.error, undefined);
      assert.ok(flatten(m.structures).some(s => s.type === 'pvd'));
      await m.image.close();
      assert.equal((await src.read(32769, 5)).toString(), 'CD001', 'src still readable');
    } finally {
      await src.close();
    }
  });

  it('maps a raw GPT disk (sgdisk) without ISO 9660, values as sgdisk reports them; the Locator works without an image', async () => {
    // truncate -s 4M disk.img && sgdisk -o -n 1:2048:4095 -c 1:ISOWB -t 1:8300 disk.img
    const disk = path.join(tmp, 'disk.img');
    await runText('truncate', ['-s', '4M', disk]);
    await runText('sgdisk', ['-o', '-n', '1:2048:4095', '-c', '1:ISOWB', '-t', '1:8300', disk]);
    const info = await runText('sgdisk', ['-i', '1', disk]);
    const src = await FileSource.open(disk);
    try {
      const m = await mapStructures(src);
      assert.equal(m.image, null);
      assert.equal(m.decoded, true);
      assert.match(m.error ?? '', /CD001/);
      const all = flatten(m.structures);
      assert.deepEqual(all.filter(s => s.type === 'gpt-header').map(s => s.id), ['gpt:primary:header', 'gpt:backup:header']);
      const e = all.find(s => s.id === 'gpt:primary:entry:1')!;
      const v = (n: string) => e.fields.find(f => f.name === n)?.value;
      assert.equal(v('StartingLBA'), Number(/First sector: (\d+)/.exec(info)![1]));
      assert.equal(v('EndingLBA'), Number(/Last sector: (\d+)/.exec(info)![1]));
      assert.equal(v('PartitionName'), /Partition name: '(.*)'/.exec(info)![1]);
      assert.equal(v('UniquePartitionGUID'), /Partition unique GUID: (\S+)/.exec(info)![1]);
      assert.ok(all.every(s => !s.problems), all.filter(s => s.problems).map(s => `${s.id}: ${s.problems}`).join('; '));
      const loc = await Locator.build(null, m.structures, src.size);
      assert.deepEqual(loc.locate(1024 + 60), { kind: 'structure', id: 'gpt:primary:entry:1', name: e.name });
      assert.deepEqual(loc.locate(2048 * 512), { kind: 'unallocated' });
    } finally {
      await src.close();
    }
  });

  it('never throws on a FAT floppy, random bytes, or a tiny file', async () => {
    // mformat -C -f 1440 -v ISOWB -i floppy.img ::
    const floppy = path.join(tmp, 'floppy.img');
    await runText('mformat', ['-C', '-f', '1440', '-v', 'ISOWB', '-i', floppy, '::']);
    const fsrc = await FileSource.open(floppy);
    try {
      const m = await mapStructures(fsrc);
      assert.equal(m.image, null);
      assert.ok(m.error);
    } finally {
      await fsrc.close();
    }
    const rand = prng(5);
    const junk = new Uint8Array(3 * 1024 * 1024);
    for (let i = 0; i < junk.length; i++) junk[i] = rand() & 0xff;
    for (const data of [junk, new Uint8Array(100), new Uint8Array(0)]) {
      const m = await mapStructures(new MemorySource(data));
      assert.equal(m.image, null);
      assert.ok(m.error, 'the reason is given');
    }
  });
});
