// UDF in the structure map: the genisoimage UDF bridge fixture (through DiscImage.structures())
// and pure UDF images made here with mkudffs (through mapStructures, as the ISO 9660 reader
// refuses them). Every descriptor's position and key values are checked against udfinfo
// (udftools), the raw bytes of every field against the image, and damaged sequences (loops,
// absurd lengths) must give diagnostics, never an exception or a hang.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiscImage } from '../../../src/engine/image';
import { checksumFix, fixableReason } from '../../../src/engine/fixes';
import { Locator } from '../../../src/engine/locate';
import { MemorySource } from '../../../src/engine/io/source';
import { prng } from '../../util/prng';
import { FileSource } from '../../../src/engine/io/fileSource';
import { PatchedSource } from '../../../src/engine/io/patched';
import type { ByteSource } from '../../../src/engine/io/source';
import type { Structure } from '../../../src/engine/structure/fields';
import { mapStructures } from '../../../src/engine/structureMap';
import { crcItu, tagChecksum } from '../../../src/engine/udf/index';
import { fixture } from '../../fixtures/build';
import { run, runText } from '../../peers/run';
import { mkudffs } from '../../util/mkudffs';

function flatten(list: Structure[]): Structure[] {
  const out: Structure[] = [];
  const visit = (s: Structure) => { out.push(s); s.children.forEach(visit); };
  list.forEach(visit);
  return out;
}

interface UdfInfoReport { values: Map<string, string>; extents: Array<{ start: number; blocks: number; type: string }> }

/** `udfinfo IMG`: key=value lines, then "start=N, blocks=N, type=T" extent lines. */
async function udfinfo(image: string): Promise<UdfInfoReport> {
  const out = await runText('udfinfo', [image]);
  const values = new Map<string, string>();
  const extents: UdfInfoReport['extents'] = [];
  for (const line of out.split('\n')) {
    const m = /^start=(\d+), blocks=(\d+), type=(\S+)/.exec(line);
    if (m) extents.push({ start: +m[1], blocks: +m[2], type: m[3] });
    else if (line.includes('=')) values.set(line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1));
  }
  return { values, extents };
}

/** Every field's raw bytes must be the image's bytes there. */
async function checkRaw(src: ByteSource, list: Structure[]): Promise<number> {
  let n = 0;
  for (const s of flatten(list)) {
    for (const f of s.fields) {
      assert.ok(f.offset >= s.offset && f.offset + f.length <= s.offset + s.length, `${s.id}/${f.name} outside its structure`);
      if (f.length === 0 || f.length > 64) continue;
      const b = await src.read(f.offset, f.length);
      assert.equal(f.raw, Buffer.from(b).toString('hex'), `${s.id}/${f.name}`);
      n++;
    }
  }
  return n;
}

function field(s: Structure | undefined, name: string): string | number | boolean | null | undefined {
  return s?.fields.find(f => f.name === name)?.value;
}

/** The descriptors udfinfo locates must be where our map has them. */
function checkAgainstUdfinfo(udf: Structure[], info: UdfInfoReport, bs: number): void {
  const byType = (t: string) => udf.filter(s => s.type === t);
  const anchors = info.extents.filter(e => e.type === 'ANCHOR').map(e => e.start);
  assert.deepEqual(byType('udf-avdp').map(s => s.offset / bs).sort((a, b) => a - b), anchors, 'anchors');
  for (const [t, id] of [['MVDS', 'udf:mvds'], ['RVDS', 'udf:rvds']] as const) {
    const e = info.extents.find(x => x.type === t)!;
    const s = udf.find(x => x.id === id)!;
    assert.equal(s.offset, e.start * bs, `${t} start`);
    assert.equal(s.length, e.blocks * bs, `${t} length`);
  }
  const lvid = info.extents.find(e => e.type === 'LVID')!;
  assert.equal(byType('udf-lvid')[0].offset, lvid.start * bs);
  const pspace = info.extents.find(e => e.type === 'PSPACE')!;
  const pd = byType('udf-pd')[0];
  assert.equal(field(pd, 'Partition Starting Location'), pspace.start);
  assert.equal(field(pd, 'Partition Length'), pspace.blocks);
  const lvd = byType('udf-lvd')[0];
  assert.equal(field(lvd, 'Logical Volume Identifier'), info.values.get('lvid'));
  assert.equal(field(lvd, 'Logical Block Size'), Number(info.values.get('blocksize')));
  assert.match(String(lvd.fields.find(f => f.name === 'Domain Identifier')!.display), new RegExp(`UDF ${info.values.get('udfrev')!.replace('.', '\\.')}`));
  const pvd = byType('udf-pvd')[0];
  assert.equal(field(pvd, 'Volume Identifier'), info.values.get('vid'));
  assert.equal(field(pvd, 'Volume Set Identifier'), info.values.get('fullvsid'));
  const lvidS = byType('udf-lvid')[0];
  assert.equal(field(lvidS, 'Integrity Type'), info.values.get('integrity') === 'closed' ? 1 : 0);
  assert.equal(field(lvidS, 'Number of Files'), Number(info.values.get('numfiles')));
  assert.equal(field(lvidS, 'Number of Directories'), Number(info.values.get('numdirs')));
  assert.equal(field(lvidS, 'Free Space Table [0]'), Number(info.values.get('freeblocks')));
  assert.equal(field(byType('udf-fsd')[0], 'File Set Identifier'), info.values.get('fsid'));
  const fe = byType('udf-fe')[0];
  assert.match(fe.name, /root directory \(directory\)/);
  for (const s of udf) assert.equal(s.problems, undefined, `${s.id}: ${s.problems?.join('; ')}`);
}

describe('UDF structures', function () {
  this.timeout(5 * 60_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isowb-udf-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('maps the UDF bridge of a genisoimage -udf image next to its ISO 9660 structures (checked against udfinfo)', async () => {
    const file = await fixture('udf-bridge');
    const img = await DiscImage.openFile(file);
    try {
      const all = flatten(await img.structures());
      const udf = all.filter(s => s.type.startsWith('udf-'));
      assert.deepEqual(udf.filter(s => s.type === 'udf-vrs').map(s => s.name.replace(/^.*\((\w+)\)$/, '$1')), ['BEA01', 'NSR02', 'TEA01']);
      assert.deepEqual(udf.filter(s => s.type === 'udf-vrs').map(s => s.id), ['udf:vrs:19', 'udf:vrs:20', 'udf:vrs:21'], 'right after the ISO 9660 set (16 PVD, 17 Joliet SVD, 18 terminator)');
      assert.ok(all.some(s => s.type === 'pvd') && all.some(s => s.type === 'terminator'), 'the ISO 9660 descriptors are still there');
      assert.ok(udf.some(s => s.id === 'udf:avdp:256'));
      const types = new Set(udf.map(s => s.type));
      for (const t of ['udf-vrs', 'udf-avdp', 'udf-vds', 'udf-pvd', 'udf-iuvd', 'udf-pd', 'udf-lvd', 'udf-usd', 'udf-td', 'udf-lvid', 'udf-fsd', 'udf-fe', 'udf-partition-map']) assert.ok(types.has(t), `missing ${t}`);
      checkAgainstUdfinfo(udf, await udfinfo(file), 2048);
      assert.ok(await checkRaw(img.source, udf) > 150);
      const ids = all.map(s => s.id);
      assert.equal(new Set(ids).size, ids.length, 'structure ids are unique');
      assert.equal(img.warnings.length, 0, JSON.stringify(img.warnings));
    } finally {
      await img.close();
    }
  });

  for (const bs of [512, 2048]) {
    it(`maps a pure UDF image from mkudffs (${bs}-byte blocks) through mapStructures, checked against udfinfo`, async () => {
      const file = await mkudffs(tmp, bs);
      const src = await FileSource.open(file);
      try {
        const m = await mapStructures(src);
        assert.equal(m.image, null);
        assert.equal(m.decoded, true);
        assert.match(m.error ?? '', /UDF-only image/);
        const udf = flatten(m.structures).filter(s => s.type.startsWith('udf-'));
        checkAgainstUdfinfo(udf, await udfinfo(file), bs);
        assert.equal(udf.filter(s => s.type === 'udf-avdp').length, 3, 'anchors at 256, N-256 and N');
        assert.ok(await checkRaw(src, m.structures) > 150);
        // The tag fields decode as ECMA-167 3/7.2 says: checksum and CRC recomputed independently.
        for (const s of udf.filter(x => x.fields.some(f => f.name === 'Tag Checksum'))) {
          const tag = await src.read(s.offset, 16);
          assert.equal(tagChecksum(tag), tag[4], `${s.id} checksum`);
          const crcLen = tag[10] | (tag[11] << 8);
          assert.equal(crcItu(await src.read(s.offset + 16, crcLen)), tag[8] | (tag[9] << 8), `${s.id} CRC`);
        }
      } finally {
        await src.close();
      }
    });
  }

  it('CRC-ITU-T matches the standard check value', () => {
    assert.equal(crcItu(Buffer.from('123456789')), 0x31c3); // CRC-16/XMODEM check value
  });

  it('survives damaged sequences: descriptor pointer loops, absurd lengths, wrong tags (diagnostics, no exception, no hang)', async () => {
    const file = await mkudffs(tmp, 2048);
    const base = await FileSource.open(file);
    try {
      const bs = 2048;
      const le32 = (v: number) => new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);
      const cases: Array<{ what: string; edit: (p: PatchedSource) => void }> = [
        { what: 'main VDS extent of 4 GiB', edit: p => { for (const a of [256, 3839, 4095]) p.write(a * bs + 16, le32(0xfffff800)); } },
        { what: 'VDS pointing into itself through a Volume Descriptor Pointer', edit: p => {
          // Turn the TD at sector 101 into a VDP (tag id 3) whose next extent is sector 96 again.
          p.write(101 * bs, new Uint8Array([3, 0]));
          p.write(101 * bs + 20, new Uint8Array([...le32(16 * bs), ...le32(96)]));
        } },
        { what: 'LVD with a 4 GiB map table and 2^32-1 partition maps', edit: p => { p.write(97 * bs + 264, new Uint8Array([...le32(0xffffffff), ...le32(0xffffffff)])); } },
        { what: 'LVID chain looping on itself', edit: p => { p.write(128 * bs + 32, new Uint8Array([...le32(bs), ...le32(128)])); } },
        { what: 'FSD pointing past the image', edit: p => { for (const s of [97, 3937]) p.write(s * bs + 252, le32(0x7fffffff)); } },
        { what: 'garbage over both descriptor sequences and the first anchor', edit: p => { const junk = new Uint8Array(16 * bs).fill(0xa5); for (const s of [96, 256, 3936]) p.write(s * bs, junk); } },
        { what: 'anchor tags only (zeroed descriptors)', edit: p => { p.write(96 * bs, new Uint8Array(16 * bs)); p.write(3936 * bs, new Uint8Array(16 * bs)); } },
      ];
      const seen: string[] = [];
      for (const c of cases) {
        const p = new PatchedSource(base);
        c.edit(p);
        const t0 = Date.now();
        const m = await mapStructures(p);
        assert.ok(Date.now() - t0 < 10_000, `${c.what}: took ${Date.now() - t0} ms`);
        assert.ok(m.structures.length > 0, `${c.what}: nothing mapped`);
        assert.ok(m.diagnostics.length > 0, `${c.what}: no diagnostic`);
        seen.push(`${c.what}: ${m.diagnostics.map(d => d.message).join(' | ')}`);
        for (const s of flatten(m.structures)) assert.ok(s.offset >= 0 && s.length >= 0 && s.length <= p.size, `${c.what}: ${s.id} bad range`);
      }
      if (process.env.ISOWB_DEBUG) console.log(seen.join("\n"));
      assert.match(seen[1], /loops back/);
      assert.match(seen[3], /loops/);
      assert.match(seen[4], /beyond the end of the image/);
    } finally {
      await base.close();
    }
  });

  it('300 seeded corruptions of the UDF areas each: mapStructures, fixes, expansion and the Locator never throw', async () => {
    const subjects: Array<[string, Buffer, number[]]> = [
      // [from, to) byte ranges holding the UDF structures (VRS, VDSs, LVID, anchors, FSD, root FE).
      ['udf-bridge', fs.readFileSync(await fixture('udf-bridge')), [16, 22, 32, 38, 48, 54, 64, 66, 256, 262, 454, 455].map(s => s * 2048)],
      ['mkudffs-512', fs.readFileSync(await mkudffs(tmp, 512)), [32768, 38912, ...[96, 102, 128, 130, 256, 264, 7935, 7936, 8032, 8038, 8191, 8192].map(s => s * 512)]],
    ];
    for (const [label, good, areas] of subjects) {
      const next = prng(label.length * 104729);
      for (let i = 0; i < 300; i++) {
        const b = Buffer.from(good);
        const flips = 1 + (next() % 24);
        for (let k = 0; k < flips; k++) {
          const a = (next() % (areas.length / 2)) * 2;
          const from = areas[a], to = Math.min(b.length, areas[a + 1]);
          const at = from + (next() % Math.max(1, to - from));
          const mode = next() % 10;
          b[at] = mode < 4 ? next() & 0xff : mode < 7 ? 0xff : 0;
        }
        try {
          const src = new MemorySource(b, `${label}#${i}`);
          const m = await mapStructures(src);
          const all = flatten(m.structures);
          for (const st of all) {
            if (fixableReason(st)) await checksumFix(src, st);
            if (m.image?.isExpandable(st)) await m.image.expandStructure(st);
          }
          await Locator.build(m.image, m.structures, src.size);
          await m.image?.close();
        } catch (e) {
          assert.fail(`${label} corruption #${i}: ${(e as Error).stack}`);
        }
      }
    }
  });

  it('truncated UDF images (cut anywhere, not only at block boundaries) map without an exception', async () => {
    const good = fs.readFileSync(await mkudffs(tmp, 512));
    const next = prng(77);
    const cuts = [33000, 49152 + 100, 65536 + 90, 131072 + 300, 132608 + 200, 133632 + 100, 4062720 + 17, good.length - 1];
    for (let i = 0; i < 40; i++) cuts.push(next() % good.length);
    for (const cut of cuts) {
      try {
        const m = await mapStructures(new MemorySource(good.subarray(0, cut), `cut@${cut}`));
        for (const st of flatten(m.structures)) assert.ok(st.offset + st.length <= cut || st.type === 'udf-vds', `cut@${cut}: ${st.id} runs past the end`);
      } catch (e) {
        assert.fail(`cut at ${cut}: ${(e as Error).stack}`);
      }
    }
  });

  it('7-Zip reads the mkudffs image the map describes (tool sanity for the fix tests)', async () => {
    const file = await mkudffs(tmp, 2048);
    const r = await run('7z', ['l', file]);
    assert.equal(r.code, 0, r.stderr);
  });
});
