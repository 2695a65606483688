// The seeded slice of the fuzz campaign that `npm test` runs (= `npm run fuzz -- --quick`): every
// fixture (test/fixtures/gen/*.sh and Debian's GRUB rescue images) cut at a few sector boundaries
// and mutated QUICK_PER_FIXTURE times (fewer for a slow fixture's `# fuzz: quick=N`) with the fixed
// seed QUICK_SEED, each mutant through info --json, ls -R --json, info --structures, the structure
// map, extract and repack in forked workers under the per-operation time and memory budgets. One test per fixture: it fails with the failure
// signatures and the replay commands of that fixture's failing mutants (reproducers in
// artifacts/fuzz/quick/repro/). The long campaign is `npm run fuzz` (docs/testing.md).
import { strict as assert } from 'assert';
import { listFixtures, REAL_IMAGES } from '../fixtures/build';
import { QUICK_PER_FIXTURE, runCampaign, truncationSweep, type CampaignResult } from './campaign';
import { KIND_LABEL } from './protocol';

const names = [...listFixtures().map(f => f.name), ...REAL_IMAGES.map(r => r.replace(/\.(iso|img)$/, ''))];

describe(`fuzz: the seeded quick slice (${QUICK_PER_FIXTURE} mutants per fixture + truncations; npm run fuzz -- --quick)`, function () {
  this.timeout(30 * 60_000);
  let r: CampaignResult;

  before(async function () {
    this.timeout(30 * 60_000);
    r = await runCampaign({ quick: true, minutes: 25, log: s => process.stdout.write(`      ${s}\n`) });
    process.stdout.write(r.summary.split('\n').map(l => `      ${l}`).join('\n') + '\n');
  });

  it('ran the whole slice within its time limit', () => {
    const expected = truncationSweep(r.fixtures, true).length + r.fixtures.reduce((a, f) => a + f.quick, 0);
    assert.equal(r.stats.stoppedBy, 'mutants', `the slice stopped early (${r.stats.stoppedBy}) after ${r.stats.mutants} of ${expected} mutants`);
    assert.equal(r.stats.mutants, expected);
    assert.deepEqual(r.fixtures.map(f => f.name).sort(), [...names].sort());
  });

  for (const name of names) {
    it(`${name}: every mutant handled within budget (typed errors only, nothing outside the sandbox)`, () => {
      const mine = r.failures.filter(f => f.fixture === name);
      const p = r.stats.perFixture[name];
      const want = r.fixtures.find(f => f.name === name)?.quick ?? QUICK_PER_FIXTURE;
      assert.ok(p && p.mutants >= want, `${name}: only ${p?.mutants ?? 0} mutants ran`);
      if (mine.length === 0) return;
      const lines = new Map<string, string>();
      for (const f of mine) {
        const sig = r.stats.signatures[f.signature];
        if (!lines.has(f.signature)) lines.set(f.signature, `${KIND_LABEL[f.failure.kind]} in ${f.failure.op}: ${f.failure.name}${f.failure.frame ? ` at ${f.failure.frame}` : ''} — ${f.failure.message.split('\n')[0].slice(0, 200)}${sig?.repros[0] ? `\n    replay: npm run fuzz -- --replay ${sig.repros[0]}` : ''}\n    mutant #${f.index}`);
        else lines.set(f.signature, `${lines.get(f.signature)!}, #${f.index}`);
      }
      assert.fail(`${new Set(mine.map(f => f.index)).size} failing mutant(s) of ${name}:\n  ${[...lines.values()].join('\n  ')}`);
    });
  }
});
