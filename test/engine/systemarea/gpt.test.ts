// GPT (src/engine/systemarea/gpt.ts) on a real image whose primary partition entry array is
// damaged while the backup header and array are intact: the partitions must come from the
// backup — in SystemAreaInfo, in the structure map and for a repack — as they are in the
// undamaged image (cross-checked with sfdisk, which also falls back to the backup).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DiagnosticSink } from '../../../src/engine/errors';
import { DiscImage } from '../../../src/engine/image';
import { FileSource } from '../../../src/engine/io/fileSource';
import type { Structure } from '../../../src/engine/structure/fields';
import { mapStructures } from '../../../src/engine/structureMap';
import { readSystemArea } from '../../../src/engine/systemarea/index';
import { planSystemArea } from '../../../src/engine/write/systemAreaPlan';
import { fixture } from '../../fixtures/build';

interface SfdiskPart { start: number; size: number; type: string; uuid: string; name?: string }

function sfdiskGpt(file: string): SfdiskPart[] {
  const t = (JSON.parse(execFileSync('sfdisk', ['-J', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { partitiontable: { label: string; partitions: SfdiskPart[] } }).partitiontable;
  assert.equal(t.label, 'gpt');
  return t.partitions;
}

async function systemAreaOf(file: string): Promise<{ info: Awaited<ReturnType<typeof readSystemArea>>['info']; sink: DiagnosticSink }> {
  const src = await FileSource.open(file);
  try {
    const sink = new DiagnosticSink();
    return { info: (await readSystemArea(src, sink)).info, sink };
  } finally {
    await src.close();
  }
}

function flatten(list: Structure[]): Structure[] {
  const out: Structure[] = [];
  const visit = (s: Structure) => { out.push(s); s.children.forEach(visit); };
  list.forEach(visit);
  return out;
}

describe('GPT: damaged primary entry array, intact backup (grub-mkrescue image)', function () {
  this.timeout(5 * 60_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-gpt-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('takes the partitions from the backup: SystemAreaInfo, structure map and repack plan as for the undamaged image', async () => {
    const orig = await fixture('grub-mkrescue');
    const good = await systemAreaOf(orig);
    const g = good.info.gpt!;
    assert.ok(g.entriesCrcOk && g.backup?.entriesCrcOk && g.partitions.length >= 2);
    assert.equal(g.partitionsFrom, undefined);
    // sfdisk reads the same partitions from the undamaged image.
    assert.deepEqual(sfdiskGpt(orig).map((p) => [p.start, p.size, p.type, p.uuid, p.name ?? '']),
      g.partitions.map((p) => [p.firstLba, p.lastLba - p.firstLba + 1, p.typeGuid, p.guid, p.name]));

    // Damage the name of partition 1 in the primary array only.
    const bad = path.join(tmp, 'bad.iso');
    fs.copyFileSync(orig, bad);
    const arrayOffset = g.entriesLba * g.blockSize;
    const fd = fs.openSync(bad, 'r+');
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, arrayOffset + 56);
    b[0] ^= 0xff;
    fs.writeSync(fd, b, 0, 1, arrayOffset + 56);
    fs.closeSync(fd);

    const dmg = await systemAreaOf(bad);
    const d = dmg.info.gpt!;
    assert.equal(d.entriesCrcOk, false);
    assert.deepEqual(d.backup, { found: true, headerCrcOk: true, entriesCrcOk: true, lba: g.backupLba });
    assert.equal(d.partitionsFrom, 'backup');
    assert.deepEqual(d.partitions, g.partitions);
    assert.ok(dmg.sink.items.some((x) => /PartitionEntryArrayCRC32 mismatch/.test(x.message) && x.offset === arrayOffset), 'the warning about the primary names its offset');
    assert.ok(dmg.sink.items.some((x) => /partitions read from the backup partition entry array/.test(x.message)));
    // sfdisk (libfdisk) falls back to the backup too.
    assert.deepEqual(sfdiskGpt(bad).map((p) => [p.start, p.size, p.name ?? '']), g.partitions.map((p) => [p.firstLba, p.lastLba - p.firstLba + 1, p.name]));

    // Structure map: the backup array's entries are mapped, the damaged primary stays flagged.
    const src = await FileSource.open(bad);
    try {
      const m = await mapStructures(src);
      const all = flatten(m.structures);
      await m.image?.close();
      const backupEntries = all.filter((s) => s.type === 'gpt-entry' && s.id.startsWith('gpt:backup:entry:'));
      assert.deepEqual(backupEntries.map((s) => s.fields.find((f) => f.name === 'PartitionName')!.value), g.partitions.map((p) => p.name));
      assert.ok(all.find((s) => s.id === 'gpt:primary:entries')!.problems?.includes('PartitionEntryArrayCRC32 mismatch'));
    } finally {
      await src.close();
    }

    // Repack: the plan for the damaged image writes the undamaged image's GPT.
    const plan = async (file: string) => {
      const img = await DiscImage.openFile(file);
      try {
        const head = new Uint8Array(fs.readFileSync(file).subarray(0, 32768));
        const volumeBytes = img.volume.volumeBlocks * 2048;
        return planSystemArea({
          imageName: path.basename(file), head, info: await img.systemArea(), elTorito: await img.elTorito(),
          oldVolumeBytes: volumeBytes, oldImageSize: fs.statSync(file).size, newVolumeBytes: volumeBytes + (1 << 20), moves: [],
        });
      } finally {
        await img.close();
      }
    };
    const pg = await plan(orig);
    const pd = await plan(bad);
    assert.deepEqual(pd.head, pg.head);
    assert.deepEqual(pd.writes, pg.writes);
    assert.equal(pd.imageSize, pg.imageSize);
    assert.ok(pd.notes.includes('GPT: the primary partition entry array was damaged; the partitions were taken from the backup'));
  });
});
