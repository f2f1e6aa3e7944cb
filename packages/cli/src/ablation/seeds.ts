import { GraphFlowError, closest, type Registry } from '@graphflow/core';
import { type Override, type ResolvedManifest } from '@graphflow/core/host';
import { trainedModelOption, trainedOptionKeys } from '../trained-model';

/** Same bound as `initSeed` in the manifest schema, so a seed accepted here never fails validation later. */
const MAX_SEED = 4294967295;

/** Parse `--seeds 1,2,3`. Duplicates are refused: two runs of one seed would want the same run folder. */
export function parseSeeds(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const bad = parts.find((s) => !/^\d+$/.test(s) || Number(s) > MAX_SEED);
  if (bad !== undefined) {
    const message = `--seeds "${text}": "${bad}" is not a seed`;
    throw new GraphFlowError('GF_OVERRIDE_INVALID', message, { problems: [{ code: 'GF_OVERRIDE_INVALID', message, expected: `comma-separated integers from 0 to ${MAX_SEED}, e.g. 1,2,3` }] });
  }
  const seeds = parts.map(Number);
  const repeated = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (repeated !== undefined) throw new GraphFlowError('GF_OVERRIDE_INVALID', `--seeds "${text}": seed ${repeated} is given twice`);
  return seeds;
}

/**
 * The `models.<name>` entry whose initSeed the seeds vary: the one given, else the model the stage trains
 * (the option its component declares in `trains`: `student` of stage/distill, `model` of stage/supervised). Checked before anything trains,
 * since a wrong entry would otherwise surface only as a schema error on a half-created override, or not at all.
 */
export function seedEntry(manifest: ResolvedManifest, registry: Registry, stageIndex: number, explicit: string | undefined, file: string): string {
  const stage = manifest.stages[stageIndex]!;
  const trained = trainedModelOption(stage, registry);
  const key = trained?.key;
  const ref = explicit ?? trained?.ref;
  if (ref === undefined) {
    const looked = trainedOptionKeys(stage, registry).map((k) => `options.${k}`).join(' or ');
    throw new GraphFlowError('GF_MANIFEST_INVALID', `stage "${stage.name}" has no ${looked} whose initial weights --seeds could vary; name the entry with --seed-entry models.<name>`, { file, pointer: `/stages/${stageIndex}` });
  }
  const name = /^models\.([^.]+)$/.exec(ref)?.[1];
  if (name === undefined || !Object.hasOwn(manifest.models, name)) {
    const known = Object.keys(manifest.models).map((n) => `models.${n}`);
    const hint = closest(ref, known);
    const what = explicit !== undefined ? `--seed-entry "${ref}"` : `options.${key} "${ref}" of stage "${stage.name}"`;
    const message = `${what} is not a models.* entry of the manifest (entries: ${known.join(', ') || 'none'})`;
    const pointer = explicit !== undefined ? '/models' : `/stages/${stageIndex}/options/${key}`;
    throw new GraphFlowError('GF_MANIFEST_INVALID', message, { problems: [{ code: 'GF_MANIFEST_INVALID', message, file, pointer, ...(hint ? { suggestion: hint } : {}) }] });
  }
  return ref;
}

export function seedOverride(entry: string, seed: number): Override {
  return { path: `${entry}.initSeed`, value: seed, source: `${entry}.initSeed=${seed}` };
}
