// `npm run fuzz -- [options]`: the standing structure-aware mutation fuzzer (see docs/testing.md).
import { DEFAULT_MUTANTS, FuzzUsageError, QUICK_PER_FIXTURE, QUICK_SEED, replay, runCampaign, type CampaignOptions } from './campaign';

const USAGE = `usage: npm run fuzz -- [--mutants N] [--seed S] [--minutes M] [--fixtures a,b] [--jobs N] [--out DIR]
                     [--max-mutations N] [--minimize N] [--resume] [--quick]
       npm run fuzz -- --replay FILE        (a repro/*.json, LINE of a failures-s<seed>.jsonl as FILE:LINE, or an image)

  --mutants N       mutants in all (default ${DEFAULT_MUTANTS}; --quick: ${QUICK_PER_FIXTURE} per fixture)
  --seed S          campaign seed (default: random, printed; --quick: ${QUICK_SEED})
  --minutes M       stop after M minutes (with --mutants: whichever comes first)
  --fixtures a,b    only these fixtures (names of test/fixtures/gen/*.sh, grub-rescue-cdrom, grub-rescue-floppy)
  --jobs N          worker processes (default 2, or the number of CPUs if fewer)
  --out DIR         reproducers, failures-s<seed>.jsonl, campaign state (default artifacts/fuzz, --quick: artifacts/fuzz/quick)
  --max-mutations N most mutations per mutant (default 6)
  --minimize N      failures minimized and saved with an image, per failure signature (default 3; --quick 1)
  --resume          continue the interrupted campaign whose state is in --out
  --quick           the seeded slice npm test runs (~3 min on 2 cores)
exit: 0 no failure, 1 failures (or the replayed mutant still fails), 2 usage or harness error`;

function parse(argv: string[]): CampaignOptions & { replay?: string; help?: boolean } {
  const o: CampaignOptions & { replay?: string; help?: boolean } = {};
  const num = (k: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${k} needs a non-negative number (got ${v})`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const key = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const val = (): string | undefined => (eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i]);
    switch (key) {
      case '--mutants': o.mutants = Math.floor(num(key, val())); break;
      case '--seed': o.seed = Math.floor(num(key, val())) >>> 0; break;
      case '--minutes': o.minutes = num(key, val()); break;
      case '--fixtures': o.fixtures = (val() ?? '').split(',').map(s => s.trim()).filter(Boolean); break;
      case '--jobs': o.jobs = Math.max(1, Math.floor(num(key, val()))); break;
      case '--out': o.out = val(); break;
      case '--max-mutations': o.maxMutations = Math.max(1, Math.floor(num(key, val()))); break;
      case '--minimize': o.minimizePerSignature = Math.floor(num(key, val())); break;
      case '--replay': o.replay = val(); break;
      case '--resume': o.resume = true; break;
      case '--quick': o.quick = true; break;
      case '--help': case '-h': o.help = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

async function main(): Promise<number> {
  let o: ReturnType<typeof parse>;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (o.help) { process.stdout.write(USAGE + '\n'); return 0; }
  if (o.replay) {
    const r = await replay(o.replay);
    process.stdout.write(r.text + '\n');
    return r.failed ? 1 : 0;
  }
  const r = await runCampaign(o);
  process.stdout.write(r.summary + '\n');
  return r.failures.length > 0 ? 1 : 0;
}

main().then(code => { process.exitCode = code; }, e => {
  process.stderr.write(`fuzz: ${e instanceof FuzzUsageError ? e.message : (e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 2;
});
