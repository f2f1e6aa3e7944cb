import { Command } from 'commander';
import * as os from 'node:os';
import * as path from 'node:path';
import { killResumeTrials } from './kill-resume';

/** `npm run kill-resume -w @graphflow/reliability -- --trials 10`: prints each trial and a summary line. */
async function main(): Promise<void> {
  const program = new Command('kill-resume')
    .description('SIGKILL shrunk quickstart runs at random moments, resume them, and compare final weights with an uninterrupted run')
    .option('--trials <n>', 'interrupted runs', '10')
    .option('--seed <n>', 'seed of the kill times', '1')
    .option('--work-dir <dir>', 'where the runs go', path.join(os.tmpdir(), `graphflow-kill-resume-${process.pid}`))
    .option('--json', 'print the results as JSON');
  const opts = program.parse().opts<{ trials: string; seed: string; workDir: string; json?: boolean }>();
  const series = await killResumeTrials({ trials: Number(opts.trials), seed: Number(opts.seed), workDir: opts.workDir, log: (l) => console.log(l) });
  const exact = series.trials.filter((t) => t.exact).length;
  if (opts.json) console.log(JSON.stringify(series, null, 2));
  console.log(`${exact}/${series.trials.length} interrupted runs resumed to bit-identical final and best weights (reference run ${(series.referenceMs / 1000).toFixed(1)} s; runs in ${opts.workDir})`);
  process.exitCode = exact === series.trials.length ? 0 : 1;
}

void main();
