// The fuzz harness itself: the mutator (targets from the structure map, deterministic mutants,
// truncation), delta debugging, the budgets, and — with workers that misbehave on purpose
// (protocol.ts SelfTest) — that the supervisor really notices a hang, a memory overrun, a crash,
// an exception that is not a typed error, a stack trace in a message, a write outside the
// sandbox, a write through a symlink and a modified input image. Without these a broken detector
// would let the quick slice pass on anything.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import { fixture } from '../fixtures/build';
import { budgetFor, ddmin, parseFuzzTag, resolveFixtures, selfTest, signatureOf, truncationSweep, type FixtureInfo } from './campaign';
import { applyMutations, computeTargets, generateMutations, type FixtureTargets, type Mutation } from './mutate';
import type { Failure, FailureKind, SelfTest } from './protocol';

function reader(file: string): (at: number, len: number) => Buffer {
  const data = fs.readFileSync(file);
  return (at, len) => Buffer.from(data.subarray(at, at + len));
}

describe('fuzz harness: the mutator', function () {
  this.timeout(120_000);
  const maps = new Map<string, { file: string; t: FixtureTargets }>();
  const map = async (name: string) => {
    let m = maps.get(name);
    if (!m) { const file = await fixture(name); m = { file, t: await computeTargets(name, file) }; maps.set(name, m); }
    return m;
  };

  it('takes its targets from the engine\'s structure map: every kind of structure of the fixtures that have it', async () => {
    const want: Record<string, string[]> = {
      'rr-joliet': ['vd', 'pathtable', 'dir', 'susp', 'ce'],
      'gpt-basdat': ['system', 'eltorito'],
      'apm-hfsplus': ['system'],
      'udf-bridge': ['udf'],
      'zisofs': ['zisofs', 'susp'],
    };
    for (const [name, cats] of Object.entries(want)) {
      const { t } = await map(name);
      for (const c of cats) assert.ok((t.byCat[c as keyof typeof t.byCat]?.length ?? 0) > 0, `${name}: no ${c} targets (have ${Object.keys(t.byCat).join(', ')})`);
      for (const x of t.targets) assert.ok(x.o >= 0 && x.o + x.l <= t.size, `${name}: target ${x.what} outside the image`);
    }
    // Every directory was reached through expandStructure, not only the root.
    const { t } = await map('rr-joliet');
    assert.ok(t.dirs.length >= 10 && t.expanded >= 8, `rr-joliet: ${t.dirs.length} directories mapped, ${t.expanded} expanded`);
    const names = new Set(t.targets.map(x => x.what.split(' / ')[1]));
    for (const f of ['Location of Extent', 'Data Length', 'File Flags', 'File Unit Size', 'Interleave Gap Size', 'Length of File Identifier', 'Location of Continuation of System Use Area', 'POSIX File Mode']) {
      assert.ok(names.has(f), `no target for the field ${f}`);
    }
    // Both-endian fields are recognised as such (a mutation keeps both halves consistent or breaks one on purpose).
    assert.ok(t.targets.some(x => x.what.endsWith('/ Location of Extent') && x.enc === 'both'));
    const z = (await map('zisofs')).t.targets.filter(x => x.cat === 'zisofs').map(x => x.what.split(' / ')[1]);
    for (const f of ['magic', 'uncompressed size', 'log2 block size', 'block pointer 0']) assert.ok(z.includes(f), `zisofs: no ${f} target`);
  });

  it('generates the same mutants for the same seed, different ones for another index, all inside the image', async () => {
    const { file, t } = await map('rr-joliet');
    const read = reader(file);
    const a = generateMutations(t, 7, 12, read, { maxMutations: 6, truncate: true });
    const b = generateMutations(t, 7, 12, read, { maxMutations: 6, truncate: true });
    assert.deepEqual(a, b);
    const all: Mutation[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const m = generateMutations(t, 7, i, read, { maxMutations: 6, truncate: true });
      assert.ok(m.length >= 1 && m.length <= 3 * 7, `${m.length} mutations`); // up to 7 steps, a compound step writes up to 3 fields
      seen.add(JSON.stringify(m));
      all.push(...m);
    }
    assert.ok(seen.size > 290, `only ${seen.size} distinct mutants of 300`);
    for (const m of all) {
      if ('truncate' in m) { assert.ok(m.truncate >= 0 && m.truncate <= t.size); continue; }
      assert.ok(m.at >= 0 && m.at + m.old.length / 2 <= t.size, m.what);
      assert.equal(m.old, read(m.at, m.new.length / 2).toString('hex'), `old bytes of ${m.what}`);
    }
    // The mix: targeted fields of several categories, first-sector bytes, metadata bytes, truncations.
    const whats = all.map(m => m.what);
    assert.ok(whats.some(w => w.startsWith('first sectors:')) && whats.some(w => w.startsWith('metadata byte')) && whats.some(w => w.startsWith('truncate')));
    assert.ok(whats.some(w => / of \//.test(w) && w.includes('(CE)')), 'no CE entry was mutated in 300 mutants');
    assert.ok(whats.some(w => w.includes("another structure's LBA") || w.includes("a directory's LBA")), 'no pointer was aimed at another structure');
    // Compound mutations shaped like the known hostile images.
    for (const c of ['(graft)', '(shared continuation area)', '(interleave)']) assert.ok(whats.some(w => w.endsWith(c)), `no ${c} mutation in 300 mutants`);
    const z = await map('zisofs');
    const zw = Array.from({ length: 300 }, (_, i) => generateMutations(z.t, 7, i, reader(z.file), { maxMutations: 6, truncate: true })).flat().map(m => m.what);
    assert.ok(zw.some(w => w.endsWith('(zisofs expansion)')), 'no zisofs expansion mutation in 300 mutants');
  });

  it('applies overwrites and a truncation to a copy', () => {
    const clean = Buffer.alloc(8192, 0xaa);
    const m = applyMutations(clean, [{ at: 10, old: 'aaaa', new: '0102', what: 'x' }, { truncate: 4096, what: 'cut' }, { at: 8191, old: 'aa', new: '0000', what: 'at the end' }]);
    assert.equal(m.length, 4096);
    assert.deepEqual([...m.subarray(9, 13)], [0xaa, 1, 2, 0xaa]);
    assert.equal(clean[10], 0xaa, 'the clean image is not modified');
  });
});

describe('fuzz harness: delta debugging and budgets', () => {
  it('ddmin keeps exactly the mutations the failure needs', async () => {
    let calls = 0;
    const r = await ddmin([1, 2, 3, 4, 5, 6, 7, 8], async s => { calls++; return s.includes(3) && s.includes(6); });
    assert.deepEqual(r, [3, 6]);
    assert.ok(calls <= 40);
    assert.deepEqual(await ddmin([5], async () => true), [5]);
  });

  it('budgets per operation: 2 s and 300 MB under 10 MiB, scaled above, metadata-only for the large fixture, a # fuzz: line replaces them', () => {
    assert.deepEqual([budgetFor(5e6, false).ms, budgetFor(5e6, false).kb], [2000, 300 * 1024]);
    const b = budgetFor(20 * 1024 * 1024, false);
    assert.deepEqual([b.ms, b.kb], [4000, 330 * 1024]);
    assert.deepEqual([budgetFor(4.5e9, true).ms, budgetFor(4.5e9, true).kb], [2000, 300 * 1024]);
    const t = parseFuzzTag('#!/bin/bash\n# tags: hostile\n# fuzz: ops=info,ls quick=2 ms=20000 mb=450\n');
    assert.deepEqual(t, { ops: ['info', 'ls'], quick: 2, ms: 20000, mb: 450 });
    const tb = budgetFor(39e6, false, t);
    assert.deepEqual([tb.ms, tb.kb, tb.rule], [20000, 450 * 1024, '20.0 s, 450 MB (its # fuzz: line)']);
    assert.deepEqual(budgetFor(3e6, false, { ms: 4000 }).kb, 300 * 1024, 'only what the line names is replaced');
    assert.throws(() => parseFuzzTag('# fuzz: ops=info,mount'), /unknown operation mount/);
    assert.throws(() => parseFuzzTag('# fuzz: quick=0'), /positive integer/);
    assert.deepEqual(parseFuzzTag('# tags: hostile'), {});
  });

  it('a slow fixture gets fewer mutants per round and fewer truncation cuts (the quick slice is round 0)', async () => {
    const fx = await resolveFixtures(['hostile-million', 'iso-level1']);
    const [million, level1] = fx;
    assert.deepEqual([million.quick, level1.quick], [2, 16]);
    assert.deepEqual(million.ops, ['info', 'ls', 'structures', 'structureMap']);
    assert.deepEqual(level1.ops, ['info', 'ls', 'structures', 'structureMap', 'extract', 'repack']);
    const cuts = (q: boolean, name: string) => truncationSweep(fx, q).filter(x => x.f.name === name).length;
    assert.deepEqual([cuts(true, 'hostile-million'), cuts(true, 'iso-level1')], [1, 3]);
    assert.ok(cuts(false, 'hostile-million') <= 32 && cuts(false, 'hostile-million') >= 30, `${cuts(false, 'hostile-million')} cuts`);
  });
});

describe('fuzz harness: the supervisor notices every kind of failure (workers misbehaving on purpose)', function () {
  this.timeout(120_000);
  let f: FixtureInfo;
  before(async () => { [f] = await resolveFixtures(['iso-level1']); });
  const cases: Array<[SelfTest, FailureKind, RegExp]> = [
    ['hang', 'hang', /over 2000 ms/],
    ['stall', 'hang', /over 2000 ms/],
    ['memory', 'memory', /over 300 MB/],
    ['crash', 'crash', /SIGSEGV/],
    ['internal', 'internal', /^TypeError$/],
    ['stack', 'internal', /stack trace in its message/],
    ['escape', 'sandbox', /written outside the sandbox/],
    ['symlink', 'sandbox', /written through a symlink/],
    ['input', 'sandbox', /input image was modified/],
  ];
  for (const [test, kind, name] of cases) {
    it(`${test}: recorded as ${kind}`, async () => {
      const t0 = Date.now();
      const got: Failure[] = await selfTest(test, f);
      const hit = got.find(x => x.kind === kind && name.test(x.name));
      assert.ok(hit, `expected a ${kind} failure matching ${name}, got ${JSON.stringify(got.map(x => [x.kind, x.name]))}`);
      assert.equal(signatureOf(hit, f.name).split('|')[0], kind);
      if (test === 'hang') assert.ok(Date.now() - t0 < 30_000, 'the hung worker was not killed in time');
      // WALL_FACTOR (5) times the 2 s budget of the operation, measured by the 20 ms poll
      if (test === 'stall') assert.match(hit.message, /^still running info after 10\d\d\d ms wall time/);
    });
  }
});
