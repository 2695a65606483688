/* global require, module, process */
// Mocha reporter for scripts/test.sh: mocha's "spec" output, then one closing line of its own,
// "N passed, N failed" (", N skipped" when some were pending), which CI reads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountingReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      const skipped = s.pending ? `, ${s.pending} skipped` : '';
      process.stdout.write(`\n${s.passes} passed, ${s.failures} failed${skipped}\n`);
    });
  }
}
module.exports = CountingReporter;
