import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { GraphFlowError, type LossRole, type StageSpec } from '@graphflow/core';
import { presetVariants } from '../src/ablation/variants';

const BIN = path.resolve(__dirname, '..', 'src', 'bin.js');
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

const stage = (types: string[]): StageSpec => ({ name: 'distill', type: 'stage/distill', enabled: true, options: { losses: types.map((type) => ({ type })) } }) as unknown as StageSpec;
const roles: Record<string, LossRole | undefined> = { 'loss/focal-tversky': 'supervised', 'loss/ce': 'supervised', 'loss/kd': 'distillation', 'loss/mystery': undefined };
const lookup = (id: string) => (id in roles ? { role: roles[id] } : undefined);

test('the losses preset keeps every loss that declares role "supervised" in each variant, whatever its name', () => {
  const variants = presetVariants('losses', stage(['loss/focal-tversky', 'loss/kd', 'loss/ce', 'loss/mystery']), lookup, { index: 1 });
  const rows = Object.fromEntries(variants.map((v) => [v.name, (v.overrides['stages.distill.losses'] as { type: string }[]).map((l) => l.type)]));
  assert.deepEqual(rows, {
    none: ['loss/focal-tversky', 'loss/ce'],
    '+kd': ['loss/focal-tversky', 'loss/ce', 'loss/kd'],
    '+mystery': ['loss/focal-tversky', 'loss/ce', 'loss/mystery'],
    all: ['loss/focal-tversky', 'loss/kd', 'loss/ce', 'loss/mystery'],
  });
  assert.throws(
    () => presetVariants('losses', stage(['loss/focal-tversky', 'loss/ce']), lookup, { file: 'm.json', index: 1 }),
    (e: GraphFlowError) => e.code === 'GF_MANIFEST_INVALID' && e.problems[0]?.file === 'm.json' && e.problems[0]?.pointer === '/stages/1/options/losses' && /every loss of stage "distill" is supervised \(loss\/focal-tversky, loss\/ce\): nothing to ablate/.test(e.message),
  );
});

test('ablate --preset losses on the custom-loss recipe treats the third-party focal-tversky as supervised', () => {
  const r = spawnSync(process.execPath, [BIN, 'ablate', 'examples/custom-loss/manifest.json', '--stage', 'tversky', '--preset', 'losses', '--log-level', 'silent', '--out', path.join(ROOT, 'tmp', 'never-created')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /GF_MANIFEST_INVALID: .*custom-loss\/manifest\.json.* at \/stages\/0\/options\/losses: preset "losses" varies the distillation terms, but every loss of stage "tversky" is supervised \(loss\/focal-tversky, loss\/ce\)/);
});
