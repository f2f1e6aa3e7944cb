import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** The stage suite passes a clean stage and fails exactly its memory check on one that leaks a tensor per step. */
function runSuite(leak: boolean): string {
  // A nested test run must not inherit the parent runner's IPC context, or it reports to it instead of stdout.
  const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', path.join(__dirname, 'support', 'leaky-stage-suite.js')], { encoding: 'utf8', env: { ...env, GF_LEAK: leak ? '1' : '0' } });
  return r.stdout;
}

test('the stage conformance suite passes a clean stage and catches one that leaks a tensor per step', () => {
  const clean = runSuite(false);
  assert.match(clean, /# pass 5/, clean.slice(-1500));
  assert.match(clean, /# fail 0/);
  const leaky = runSuite(true);
  assert.match(leaky, /# fail 1/, leaky.slice(-1500));
  assert.match(leaky, /not ok \d+ - stage\/steps leak=true: a longer run leaves no more tensors allocated than a short one/);
  assert.match(leaky, /tensors left by a run: 3 short, 6 long/);
});
