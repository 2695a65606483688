// Checksum/CRC recomputation ("Recompute" in the sector editor): real images are damaged through
// a PatchedSource, mapStructures must flag the damage, fixableReason must name it, checksumFix
// must produce bytes that make the structure validate again — the original bytes when the
// checksum itself was damaged — and the repaired file must satisfy the real tools: dumpet
// (El Torito validation checksum), sgdisk -v (GPT CRCs), 7-Zip and udfinfo (UDF tags).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checksumFix, fixableReason, FIX_LABELS } from '../../src/engine/fixes';
import { FileSource } from '../../src/engine/io/fileSource';
import { PatchedSource } from '../../src/engine/io/patched';
import { saveCopy } from '../../src/engine/io/saveRanges';
import type { Structure } from '../../src/engine/structure/fields';
import { mapStructures } from '../../src/engine/structureMap';
import { fixture } from '../fixtures/build';
import { run, runText } from '../peers/run';
import { mkudffs } from '../util/mkudffs';

function flatten(list: Structure[]): Structure[] {
  const out: Structure[] = [];
  const visit = (s: Structure) => { out.push(s); s.children.forEach(visit); };
  list.forEach(visit);
  return out;
}

async function structuresOf(src: PatchedSource): Promise<Structure[]> {
  const m = await mapStructures(src);
  const all = flatten(m.structures);
  await m.image?.close();
  return all;
}

async function find(src: PatchedSource, id: string): Promise<Structure> {
  const s = (await structuresOf(src)).find(x => x.id === id);
  assert.ok(s, `structure ${id} not found`);
  return s;
}

/** Applies a fix and returns it (asserting it exists and has the expected label). */
async function applyFix(src: PatchedSource, s: Structure, label: string): Promise<void> {
  assert.equal(fixableReason(s), label, `${s.id}: fixableReason (problems: ${s.problems?.join('; ')})`);
  const fix = await checksumFix(src, s);
  assert.ok(fix, `${s.id}: no fix`);
  assert.equal(fix.label, label);
  for (const p of fix.patches) src.write(p.offset, p.data);
}

/** A PatchedSource over a FileSource that remembers the base file's path. */
async function patched(file: string): Promise<PatchedSource> {
  // The FileSource is closed by the test through src.close().
  return new PatchedSource(await FileSource.open(file));
}

describe('checksum fixes', function () {
  this.timeout(5 * 60_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-fix-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('El Torito validation entry (El Torito 1.0 §2.1)', () => {
    it('restores a damaged checksum to the original bytes; an edited ID string gets a new checksum dumpet accepts', async () => {
      const file = await fixture('grub-mkrescue');
      const src = await patched(file);
      try {
        const clean = await find(src, 'eltorito:validation');
        assert.equal(clean.problems, undefined);
        assert.equal(fixableReason(clean), undefined);
        assert.equal(await checksumFix(src, clean), null, 'nothing to fix on a valid entry');
        const original = new Uint8Array(await src.read(clean.offset, 32));

        src.write(clean.offset + 28, new Uint8Array([0x12, 0x34]));
        const bad = await find(src, 'eltorito:validation');
        assert.match(bad.fields.find(f => f.name === 'Checksum')!.problem ?? '', /word sum/);
        await applyFix(src, bad, FIX_LABELS.elTorito);
        assert.deepEqual([...await src.read(clean.offset, 32)], [...original]);
        assert.equal((await find(src, 'eltorito:validation')).problems, undefined);

        // Edit the ID string: dumpet rejects the checksum until it is recomputed.
        src.write(clean.offset + 4, Buffer.from('ISOWB'));
        const broken = path.join(tmp, 'eltorito-broken.iso');
        await saveCopy(file, broken, src);
        assert.match((await run('dumpet', ['-i', broken])).stdout.toString(), /Checksum is incorrect/);
        await applyFix(src, await find(src, 'eltorito:validation'), FIX_LABELS.elTorito);
        assert.equal((await find(src, 'eltorito:validation')).problems, undefined);
        const fixed = path.join(tmp, 'eltorito-fixed.iso');
        await saveCopy(file, fixed, src);
        const d = (await run('dumpet', ['-i', fixed])).stdout.toString();
        assert.doesNotMatch(d, /incorrect/);
        assert.match(d, /ID: "ISOWB"/);
      } finally {
        await src.close();
      }
    });
  });

  describe('GPT (UEFI 2.10 §5.3.2)', () => {
    /** sgdisk -v without the file name, for comparing two copies. */
    async function sgdiskVerify(file: string): Promise<string> {
      const r = await run('sgdisk', ['-v', file]);
      return (r.stdout.toString() + r.stderr).split(file).join('IMG');
    }
    /** fdisk -l (util-linux) without the file name: the partitions as fdisk reads the GPT. */
    async function fdiskList(file: string): Promise<string> {
      const r = await run('fdisk', ['-l', '-o', 'Device,Start,End,Type,Name', file]);
      // Column widths follow the file name's length: compare with single spaces.
      return (r.stdout.toString() + r.stderr).split(file).join('IMG').replace(/[ \t]+/g, ' ');
    }

    it('restores damaged primary and backup header CRCs to the original bytes (sgdisk -v as on the original)', async () => {
      const file = await fixture('grub-mkrescue');
      const src = await patched(file);
      try {
        const all = await structuresOf(src);
        const primary = all.find(s => s.id === 'gpt:primary:header')!;
        const backup = all.find(s => s.id === 'gpt:backup:header')!;
        assert.ok(primary && backup, 'the fixture has both GPT headers');
        for (const s of [primary, backup]) assert.equal(await checksumFix(src, s), null);
        const orig = [new Uint8Array(await src.read(primary.offset, 92)), new Uint8Array(await src.read(backup.offset, 92))];
        src.write(primary.offset + 16, new Uint8Array(4));
        src.write(backup.offset + 17, new Uint8Array([0xee]));
        const broken = path.join(tmp, 'gpt-broken.iso');
        await saveCopy(file, broken, src);
        assert.match(await sgdiskVerify(broken), /Creating new GPT|Invalid CRC|ERROR|invalid GPT/i, 'sgdisk no longer trusts either header');
        assert.match(await fdiskList(file), /Disklabel type: gpt/);
        assert.doesNotMatch(await fdiskList(broken), /Disklabel type: gpt/, 'fdisk finds no valid GPT');
        for (const id of ['gpt:primary:header', 'gpt:backup:header']) {
          const s = await find(src, id);
          assert.match(s.fields.find(f => f.name === 'HeaderCRC32')!.problem ?? '', /CRC32 mismatch/);
          await applyFix(src, s, FIX_LABELS.gptHeader);
        }
        assert.deepEqual([...await src.read(primary.offset, 92)], [...orig[0]]);
        assert.deepEqual([...await src.read(backup.offset, 92)], [...orig[1]]);
        const fixed = path.join(tmp, 'gpt-fixed.iso');
        await saveCopy(file, fixed, src);
        assert.equal(await sgdiskVerify(fixed), await sgdiskVerify(file));
        assert.equal(await fdiskList(fixed), await fdiskList(file));
      } finally {
        await src.close();
      }
    });

    it('recomputes the entry array CRC and then the header CRC after a partition is renamed (sgdisk -p shows the name, -v is clean)', async () => {
      const file = await fixture('grub-mkrescue');
      const src = await patched(file);
      try {
        const all = await structuresOf(src);
        const entries = all.filter(s => s.type === 'gpt-entries');
        assert.equal(entries.length, 2);
        // Rename partition 1 in both arrays ("ISOWB" as UTF-16LE, NUL-padded over the old name).
        const name = new Uint8Array(72); // "Gap0" → "ISOWB"
        name.set(Buffer.from('ISOWB', 'utf16le'));
        for (const e of entries) src.write(e.offset + 56, name);
        for (const id of ['gpt:primary:entries', 'gpt:backup:entries']) {
          const e = await find(src, id);
          assert.ok(e.problems?.some(p => /CRC32 mismatch/.test(p)), `${id} flagged`);
          const h = await find(src, id.replace('entries', 'header'));
          assert.match(h.fields.find(f => f.name === 'PartitionEntryArrayCRC32')!.problem ?? '', /mismatch/);
          assert.equal(fixableReason(h), FIX_LABELS.gptEntries);
          await applyFix(src, e, FIX_LABELS.gptEntries);
          const after = await find(src, id.replace('entries', 'header'));
          assert.equal(after.problems, undefined, `${id}: header validates: ${after.problems?.join('; ')}`);
          assert.equal((await find(src, id)).problems, undefined);
        }
        const fixed = path.join(tmp, 'gpt-renamed.iso');
        await saveCopy(file, fixed, src);
        assert.equal(await sgdiskVerify(fixed), await sgdiskVerify(file));
        assert.match(await runText('sgdisk', ['-p', fixed]), /^\s+1\s.*ISOWB$/m);
        assert.match(await fdiskList(fixed), /^IMG1 .* ISOWB$/m);
      } finally {
        await src.close();
      }
    });
  });

  describe('UDF descriptor tags (ECMA-167 3/7.2)', () => {
    it('restores every damaged tag checksum and descriptor CRC of a mkudffs image to the original bytes', async () => {
      const file = await mkudffs(tmp, 512);
      const src = await patched(file);
      try {
        const tagged = (await structuresOf(src)).filter(s => s.fields.some(f => f.name === 'Tag Checksum'));
        assert.ok(tagged.length >= 18, `${tagged.length} tagged descriptors`);
        for (const s of tagged) {
          assert.equal(await checksumFix(src, s), null, `${s.id} valid`);
          const orig = new Uint8Array(await src.read(s.offset, 16));
          // Damage the checksum byte and the CRC.
          src.write(s.offset + 4, new Uint8Array([orig[4] ^ 0x5a]));
          src.write(s.offset + 8, new Uint8Array([orig[8] ^ 0x01, orig[9] ^ 0x80]));
          const bad = await find(src, s.id);
          assert.ok(bad.fields.find(f => f.name === 'Tag Checksum')!.problem, `${s.id} checksum flagged`);
          if ((orig[10] | orig[11]) !== 0) assert.ok(bad.fields.find(f => f.name === 'Descriptor CRC')!.problem, `${s.id} CRC flagged`);
          await applyFix(src, bad, FIX_LABELS.udfTag);
          assert.deepEqual([...await src.read(s.offset, 16)], [...orig], `${s.id} restored`);
        }
        assert.deepEqual(await src.diffRanges(), [], 'every byte is the original again');
      } finally {
        await src.close();
      }
    });

    it('re-validates descriptors whose contents were edited; 7-Zip refuses the damaged copy and reads the fixed one, udfinfo shows the edit', async () => {
      const file = await mkudffs(tmp, 2048);
      const src = await patched(file);
      try {
        const all = await structuresOf(src);
        const anchors = all.filter(s => s.type === 'udf-avdp');
        assert.equal(anchors.length, 3);
        // Damage every anchor's reserved bytes (inside the CRC): 7-Zip no longer finds UDF.
        for (const a of anchors) src.write(a.offset + 100, new Uint8Array([1, 2, 3]));
        // Rename the volume in the main and reserve sequences' PVDs (a dstring of 32 bytes).
        const vid = new Uint8Array(32);
        vid.set([8, ...Buffer.from('RENAMED')]);
        vid[31] = 8;
        for (const p of all.filter(s => s.type === 'udf-pvd')) src.write(p.offset + 24, vid);
        const broken = path.join(tmp, 'udf-broken.img');
        await saveCopy(file, broken, src);
        const z = await run('7z', ['l', broken]);
        assert.notEqual(z.code, 0, '7-Zip rejects the damaged anchors');
        for (const s of (await structuresOf(src)).filter(x => x.type === 'udf-avdp' || x.type === 'udf-pvd')) {
          assert.match(s.fields.find(f => f.name === 'Descriptor CRC')!.problem ?? '', /CRC mismatch/, s.id);
          await applyFix(src, s, FIX_LABELS.udfTag);
        }
        for (const s of await structuresOf(src)) if (s.type.startsWith('udf-')) assert.equal(s.problems, undefined, `${s.id}: ${s.problems?.join('; ')}`);
        const fixed = path.join(tmp, 'udf-fixed.img');
        await saveCopy(file, fixed, src);
        const z2 = await run('7z', ['l', fixed]);
        assert.equal(z2.code, 0, `7-Zip reads the fixed image: ${z2.stdout.toString().slice(-500)}`);
        const info = await runText('udfinfo', [fixed]);
        assert.match(info, /^vid=RENAMED$/m);
      } finally {
        await src.close();
      }
    });

    it('fixes a UDF bridge descriptor in place of the ISO 9660 image (DiscImage path)', async () => {
      const file = await fixture('udf-bridge');
      const src = await patched(file);
      try {
        const lvd = await find(src, 'udf:lvd:35');
        const orig = new Uint8Array(await src.read(lvd.offset, 16));
        src.write(lvd.offset + 4, new Uint8Array([0]));
        src.write(lvd.offset + 8, new Uint8Array([0, 0]));
        await applyFix(src, await find(src, 'udf:lvd:35'), FIX_LABELS.udfTag);
        assert.deepEqual([...await src.read(lvd.offset, 16)], [...orig]);
      } finally {
        await src.close();
      }
    });
  });

  it('offers nothing for structures without a recomputable checksum', async () => {
    const src = await patched(await fixture('gpt-basdat'));
    try {
      for (const s of await structuresOf(src)) {
        if (['eltorito-validation', 'gpt-header', 'gpt-entries'].includes(s.type) || s.type.startsWith('udf-')) continue;
        assert.equal(fixableReason(s), undefined, s.id);
        assert.equal(await checksumFix(src, s), null, s.id);
      }
    } finally {
      await src.close();
    }
  });
});
