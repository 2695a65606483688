// The extension-host mocha entry (`extensionTestsPath`): VS Code loads this file inside a real
// extension host (code-server through scripts/vscode-host/run.sh, or desktop VS Code through
// runElectron.ts) and awaits run(). It runs every *.test.js compiled next to it with mocha's BDD
// ui, prints mocha's spec output to the console (forwarded to the runner's stdout) and writes
// {passes, failures, pending, tests: [{title, state, err}]} to $ISOWB_RESULT so the runner can
// count the tests. Rejects when any test failed (VS Code then exits with code 1).
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

interface TestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  err?: string;
}

const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = Mocha.Runner.constants;

/** mocha's spec reporter, plus a machine-readable result file. Hooks that fail count as tests. */
class ResultReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const tests: TestResult[] = [];
    runner.on(EVENT_TEST_PASS, (t) => tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration }));
    runner.on(EVENT_TEST_PENDING, (t) => tests.push({ title: t.fullTitle(), state: 'pending' }));
    runner.on(EVENT_TEST_FAIL, (t, err: Error) =>
      tests.push({ title: t.fullTitle(), state: 'failed', durationMs: t.duration, err: String(err?.stack ?? err) }),
    );
    runner.once(EVENT_RUN_END, () => {
      const passes = tests.filter((t) => t.state === 'passed').length;
      const failures = tests.filter((t) => t.state === 'failed').length;
      const pending = tests.filter((t) => t.state === 'pending').length;
      console.log(`integration: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
      writeResult({ passes, failures, pending, tests });
    });
  }
}

function writeResult(result: object): void {
  const file = process.env.ISOWB_RESULT;
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 120_000,
    color: false,
    reporter: ResultReporter as unknown as typeof Mocha.reporters.Base,
  });
  // Only this folder's suites: the node suites (test/engine, test/extension, test/provider, test/cli, test/media, test/e2e) run outside
  // the host, and runElectron.js / index.js are not suites.
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed.`));
        else resolve();
      });
    } catch (err) {
      // A suite that throws while loading: record it so the runner counts a failure.
      console.error(err);
      writeResult({ passes: 0, failures: 1, pending: 0, tests: [{ title: 'loading the integration suites', state: 'failed', err: String((err as Error)?.stack ?? err) }] });
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
