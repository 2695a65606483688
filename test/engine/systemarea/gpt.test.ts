// GPT (src/engine/systemarea/gpt.ts): hand-made disks (512- and 2048-byte blocks, bad CRCs,
// truncated, missing backup, absurd sizes) and a real image whose primary partition entry array
// is damaged while the backup header and array are intact: the partitions must come from the
// backup — in GptInfo, in the structure map and for a repack — as they are in the undamaged image
// (cross-checked with sfdisk, which also falls back to the backup); serializeGpt against the GPTs
// xorriso and grub-mkrescue wrote, and a grown disk sgdisk -v accepts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DiagnosticSink, InvalidArgumentError } from '../../../src/engine/errors';
import { DiscImage } from '../../../src/engine/image';
import { FileSource } from '../../../src/engine/io/fileSource';
import type { Structure } from '../../../src/engine/structure/fields';
import { mapStructures } from '../../../src/engine/structureMap';
import { MemorySource } from '../../../src/engine/io/source';
import { readGpt, serializeGpt } from '../../../src/engine/systemarea/gpt';
import { setMbrPartitions } from '../../../src/engine/systemarea/mbr';
import { le64 } from '../../../src/engine/bytes/endian';
import { formatGuid, gptTypeName } from '../../../src/engine/systemarea/guids';
import { crc32 } from '../../../src/engine/bytes/crc32';
import { assertGptValid, gptImage, guidBytes, sgdiskProblems, type GptPart } from '../../util/bootTree';
import { planSystemArea } from '../../../src/engine/write/systemAreaPlan';
import { fixture } from '../../fixtures/build';

interface SfdiskPart { start: number; size: number; type: string; uuid: string; name?: string }

function sfdiskGpt(file: string): SfdiskPart[] {
  const t = (JSON.parse(execFileSync('sfdisk', ['-J', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { partitiontable: { label: string; partitions: SfdiskPart[] } }).partitiontable;
  assert.equal(t.label, 'gpt');
  return t.partitions;
}

async function gptOf(file: string): Promise<{ gpt: NonNullable<Awaited<ReturnType<typeof readGpt>>>['info']; sink: DiagnosticSink }> {
  const src = await FileSource.open(file);
  try {
    const sink = new DiagnosticSink();
    return { gpt: (await readGpt(src, sink))!.info, sink };
  } finally {
    await src.close();
  }
}

/** The structure with this id anywhere in the map. */
function byId(list: Structure[], id: string): Structure | undefined {
  for (const s of list) {
    const hit = s.id === id ? s : byId(s.children, id);
    if (hit) return hit;
  }
  return undefined;
}

const EFI = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

describe('GPT (hand-made bytes)', () => {
  const parts: GptPart[] = [
    { type: EFI, guid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', first: 40, last: 99, name: 'EFI system', attrs: 0x1000000000000001n },
    { type: LINUX, guid: '01020304-0506-0708-090A-0B0C0D0E0F10', first: 100, last: 199, name: 'root' },
  ];

  it('512-byte blocks: header, entries, backup all verified', async () => {
    const sink = new DiagnosticSink();
    const r = (await readGpt(new MemorySource(gptImage(512, 400, parts)), sink))!;
    assert.deepEqual(sink.items, []);
    const g = r.info;
    assert.equal(g.blockSize, 512);
    assert.equal(g.diskGuid, '11223344-5566-7788-99AA-BBCCDDEEFF00');
    assert.deepEqual([g.headerCrcOk, g.entriesCrcOk, g.currentLba, g.backupLba, g.entriesLba, g.entryCount, g.entrySize], [true, true, 1, 399, 2, 128, 128]);
    assert.deepEqual([g.firstUsableLba, g.lastUsableLba], [34, 366]);
    assert.deepEqual(g.backup, { found: true, headerCrcOk: true, entriesCrcOk: true, lba: 399 });
    assert.deepEqual(g.partitions, [
      { index: 1, typeGuid: EFI, typeName: 'EFI System', guid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', name: 'EFI system', firstLba: 40, lastLba: 99, attributes: '0x1000000000000001' },
      { index: 2, typeGuid: LINUX, typeName: 'Linux filesystem', guid: '01020304-0506-0708-090A-0B0C0D0E0F10', name: 'root', firstLba: 100, lastLba: 199, attributes: '0x0000000000000000' },
    ]);
    assert.deepEqual(r.structures.map((s) => s.type), ['gpt-header', 'gpt-entries', 'gpt-header', 'gpt-entries']);
    assert.equal(r.structures[0].offset, 512);
    assert.equal(r.structures[1].children.length, 2);
    assert.equal(r.structures[1].children[1].offset, 1024 + 128);
  });

  it('2048-byte blocks: found at byte 2048, LBAs kept in 2048-byte units', async () => {
    const sink = new DiagnosticSink();
    const img = gptImage(2048, 100, parts);
    img.fill(0, 512, 1024); // nothing at 512
    const g = (await readGpt(new MemorySource(img), sink))!.info;
    assert.deepEqual(sink.items, []);
    assert.equal(g.blockSize, 2048);
    assert.equal(g.backupLba, 99);
    assert.equal(g.partitions[0].firstLba, 40);
    assert.equal(g.backup?.found, true);
  });

  it('bad header CRC and bad entry-array CRC are reported, partitions still read', async () => {
    let sink = new DiagnosticSink();
    let g = (await readGpt(new MemorySource(gptImage(512, 400, parts, { breakHeaderCrc: true })), sink))!.info;
    assert.equal(g.headerCrcOk, false);
    assert.equal(g.backup?.headerCrcOk, true);
    assert.ok(sink.items.some((d) => /HeaderCRC32/.test(d.message) && d.offset === 512 + 16));
    sink = new DiagnosticSink();
    g = (await readGpt(new MemorySource(gptImage(512, 400, parts, { breakEntriesCrc: true })), sink))!.info;
    assert.equal(g.headerCrcOk, true);
    assert.equal(g.entriesCrcOk, false);
    assert.equal(g.backup?.entriesCrcOk, false);
    assert.equal(g.partitions.length, 2);
    assert.ok(sink.items.some((d) => /PartitionEntryArrayCRC32 mismatch/.test(d.message) && d.offset === 1024));
  });

  it('truncated image: backup header beyond the end is a diagnostic', async () => {
    const sink = new DiagnosticSink();
    const g = (await readGpt(new MemorySource(gptImage(512, 400, parts, { truncateTo: 300 * 512 })), sink))!.info;
    assert.equal(g.headerCrcOk, true);
    assert.deepEqual(g.backup, { found: false, headerCrcOk: false, entriesCrcOk: false, lba: 399 });
    assert.ok(sink.items.some((d) => /beyond the end of the image/.test(d.message)));
  });

  it('missing backup header', async () => {
    const sink = new DiagnosticSink();
    const g = (await readGpt(new MemorySource(gptImage(512, 400, parts, { noBackup: true })), sink))!.info;
    assert.equal(g.backup?.found, false);
    assert.ok(sink.items.some((d) => /no backup GPT header/.test(d.message)));
  });

  it('absurd entry count and entry size are bounded, never allocated', async () => {
    const img = gptImage(512, 400, parts);
    const dv = new DataView(img.buffer);
    dv.setUint32(512 + 80, 0xffffffff, true); // NumberOfPartitionEntries
    dv.setUint32(512 + 16, 0, true);
    dv.setUint32(512 + 16, crc32(img.subarray(512, 512 + 92)), true);
    let sink = new DiagnosticSink();
    let g = (await readGpt(new MemorySource(img), sink))!.info;
    assert.equal(g.entryCount, 0xffffffff);
    assert.equal(g.entriesCrcOk, false);
    assert.ok(sink.items.some((d) => /exceeds the limit of 1024/.test(d.message) && d.offset === 512 + 80));
    dv.setUint32(512 + 80, 128, true);
    dv.setUint32(512 + 84, 0x7fffffff, true); // SizeOfPartitionEntry
    sink = new DiagnosticSink();
    g = (await readGpt(new MemorySource(img), sink))!.info;
    assert.equal(g.partitions.length, 0);
    assert.ok(sink.items.some((d) => /SizeOfPartitionEntry 2147483647/.test(d.message)));
    // Entry array LBA far beyond the image.
    dv.setUint32(512 + 84, 128, true);
    dv.setBigUint64(512 + 72, 1n << 40n, true);
    sink = new DiagnosticSink();
    g = (await readGpt(new MemorySource(img), sink))!.info;
    assert.equal(g.partitions.length, 0);
    assert.ok(sink.items.some((d) => /outside the image/.test(d.message)));
  });

  it('no "EFI PART" → null; tiny image → null', async () => {
    assert.equal(await readGpt(new MemorySource(new Uint8Array(8192)), new DiagnosticSink()), null);
    assert.equal(await readGpt(new MemorySource(new Uint8Array(100)), new DiagnosticSink()), null);
  });

  it('GUID formatting and type names', () => {
    assert.equal(formatGuid(guidBytes(EFI)), EFI);
    assert.equal(gptTypeName(EFI.toLowerCase()), 'EFI System');
    assert.equal(gptTypeName('21686148-6449-6E6F-744E-656564454649'), 'BIOS boot');
    assert.equal(gptTypeName('EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'), 'Microsoft basic data');
    assert.equal(gptTypeName('48465300-0000-11AA-AA11-00306543ECAC'), 'Apple HFS/HFS+');
    assert.equal(gptTypeName('12345678-0000-0000-0000-000000000000'), 'unknown');
  });
});

describe('GPT: damaged primary entry array, intact backup (grub-mkrescue image)', function () {
  this.timeout(5 * 60_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-gpt-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('takes the partitions from the backup: SystemAreaInfo, structure map and repack plan as for the undamaged image', async () => {
    const orig = await fixture('grub-mkrescue');
    const g = (await gptOf(orig)).gpt;
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

    const dmg = await gptOf(bad);
    const d = dmg.gpt;
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
      await m.image?.close();
      const backupEntries = byId(m.structures, 'gpt:backup:entries')!.children;
      assert.deepEqual(backupEntries.map((s) => [s.id, s.fields.find((f) => f.name === 'PartitionName')!.value]), g.partitions.map((p) => [`gpt:backup:entry:${p.index}`, p.name]));
      assert.ok(byId(m.structures, 'gpt:primary:entries')!.problems?.includes('PartitionEntryArrayCRC32 mismatch'));
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

describe('serializeGpt against real images', function () {
  this.timeout(5 * 60_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-gptw-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const name of ['grub-mkrescue', 'gpt-basdat', 'apm-hfsplus']) {
    it(`regenerates the GPT of ${name} from its parsed fields byte for byte`, async () => {
      const file = await fixture(name);
      const src = await FileSource.open(file);
      try {
        const g = (await readGpt(src, new DiagnosticSink()))!.info;
        const bs = g.blockSize;
        const hdr = await src.read(bs, bs);
        const arr = await src.read(g.entriesLba * bs, g.entryCount * g.entrySize);
        const out = serializeGpt({
          blockSize: bs as 512, diskGuid: hdr.slice(56, 72), entries: new Uint8Array(arr), entryCount: g.entryCount, entrySize: g.entrySize,
          firstUsableLba: g.firstUsableLba, lastUsableLba: g.lastUsableLba, diskBlocks: g.backupLba + 1, primaryEntriesLba: g.entriesLba,
        });
        assert.equal(out.primaryHeaderOffset, bs);
        assert.equal(out.backupHeaderOffset, src.size - bs);
        assert.deepEqual(Buffer.from(out.primaryHeader), Buffer.from(await src.read(bs, bs)), 'primary header block');
        assert.deepEqual(Buffer.from(out.backupHeader), Buffer.from(await src.read(out.backupHeaderOffset, bs)), 'backup header block');
        assert.deepEqual(Buffer.from(out.entries), Buffer.from(await src.read(out.backupEntriesOffset, out.entries.length)), 'backup entries');
        assert.equal(le64(await src.read(out.backupHeaderOffset, 92), 72) * bs, out.backupEntriesOffset);
      } finally {
        await src.close();
      }
    });
  }

  it('a grown disk passes sgdisk -v and our reader', async () => {
    const file = await fixture('grub-mkrescue');
    const src = await FileSource.open(file);
    const g = (await readGpt(src, new DiagnosticSink()))!.info;
    const head = new Uint8Array(await src.read(0, 32768));
    await src.close();
    const diskBlocks = g.backupLba + 1 + 8192;
    const out = serializeGpt({
      blockSize: 512, diskGuid: head.slice(512 + 56, 512 + 72), entries: head.slice(g.entriesLba * 512, g.entriesLba * 512 + g.entryCount * g.entrySize),
      entryCount: g.entryCount, entrySize: g.entrySize, firstUsableLba: g.firstUsableLba, lastUsableLba: diskBlocks - 2 - 44, diskBlocks, primaryEntriesLba: g.entriesLba,
    });
    const copy = path.join(tmp, 'gpt-grown.iso');
    fs.copyFileSync(file, copy);
    fs.truncateSync(copy, diskBlocks * 512);
    const fd = fs.openSync(copy, 'r+');
    const mbr = head.slice(0, 512);
    setMbrPartitions(mbr, [{ bootable: false, type: 0xee, startLba: 1, sectors: diskBlocks - 1 }]);
    fs.writeSync(fd, mbr, 0, 512, 0);
    fs.writeSync(fd, out.primaryHeader, 0, 512, out.primaryHeaderOffset);
    fs.writeSync(fd, out.backupHeader, 0, 512, out.backupHeaderOffset);
    fs.writeSync(fd, out.entries, 0, out.entries.length, out.backupEntriesOffset);
    fs.closeSync(fd);
    const v = await sgdiskProblems(copy);
    assert.equal(v.problems, 0, v.text);
    const info = await assertGptValid(copy);
    assert.equal(info.gpt!.lastUsableLba, diskBlocks - 46);
    assert.deepEqual(info.gpt!.partitions.map(p => [p.firstLba, p.lastLba]), g.partitions.map(p => [p.firstLba, p.lastLba]));
  });

  it('rejects layouts that cannot be valid', () => {
    const base = { blockSize: 512 as const, diskGuid: new Uint8Array(16), entries: new Uint8Array(128 * 128), entryCount: 128, entrySize: 128, firstUsableLba: 34, lastUsableLba: 100, diskBlocks: 200, primaryEntriesLba: 2 };
    assert.doesNotThrow(() => serializeGpt(base));
    assert.throws(() => serializeGpt({ ...base, lastUsableLba: 170 }), InvalidArgumentError);
    assert.throws(() => serializeGpt({ ...base, firstUsableLba: 20 }), InvalidArgumentError);
    assert.throws(() => serializeGpt({ ...base, entries: new Uint8Array(10) }), InvalidArgumentError);
    assert.throws(() => serializeGpt({ ...base, diskGuid: new Uint8Array(4) }), InvalidArgumentError);
  });
});
