/**
 * `npm run fuzz` (from the repository root): run seeded manifest fuzz cases and print a summary.
 *   GRAPHFLOW_FUZZ_CASES=10000 GRAPHFLOW_FUZZ_SEED=7 npm run fuzz
 * Exits 1 when any case crashed, reported GF_INTERNAL or an unknown code, printed a stack trace, polluted a prototype
 * or went past the time bound (GRAPHFLOW_FUZZ_BOUND_MS, default 2000 ms CPU). GRAPHFLOW_FUZZ_ONLY=12,40 replays cases.
 */
import { formatSummary, optionsFromEnv, runFuzz } from './harness';

async function run(): Promise<void> {
  const options = optionsFromEnv(process.env, { cases: 1000 });
  const total = options.only?.length ?? options.cases;
  process.stdout.write(`manifest fuzz: seed ${options.seed}, ${total} cases, bound ${options.boundMs} ms CPU per case\n`);
  let done = 0;
  const summary = await runFuzz({
    ...options,
    onCase: (r) => {
      done++;
      if (r.failures.length) process.stdout.write(`  case ${r.index} (${r.kind} via ${r.via}): ${r.failures.map((f) => f.failure).join(', ')}\n`);
      if (done % 250 === 0) process.stdout.write(`  … ${done}/${total}\n`);
    },
  });
  process.stdout.write(`${formatSummary(summary)}\n`);
  process.exitCode = summary.failed.length > 0 ? 1 : 0;
}

run().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
