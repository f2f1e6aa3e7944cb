import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadManifest, preparePipeline, runPipeline, type Override, type PluginSetup, type PreparedPipeline, type RunOutcome } from '@graphflow/core/host';
import { sharedDatasetPath } from '@graphflow/core/testing';

/** The repository root (this file is tools/recipe-check/dist/src/index.js once built). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

/** The real ISBI 2012 membrane data the folder recipe points at (never copied into the repository). */
export const ISBI_ROOT = sharedDatasetPath('isbi2012-membrane');

/** The real CHASE_DB1 fundus photographs the chasedb1 recipe reads (never copied into the repository). */
export const CHASEDB1_ROOT = sharedDatasetPath('chasedb1');

/**
 * A recipe manifest under examples/.
 * Convention: a JSON file whose name, or any of whose folders below examples/, starts with `_` is a *fragment*
 * (e.g. `_shared/graph-flow-pipeline.json`, `semi-supervised/_base.json`): it is only meant to be `extends`-ed and is
 * not validated or run on its own. `*.variants.json` files are `graphflow ablate --variants` files, not manifests (see
 * findVariantFiles). Every other `*.json` under examples/ is a runnable recipe.
 */
export interface Recipe {
  /** Absolute path. */
  file: string;
  /** Path relative to examples/, with forward slashes (e.g. `busi/manifest.json`). */
  id: string;
  fragment: boolean;
}

const VARIANTS_SUFFIX = '.variants.json';

/** Every JSON file under `dir` (build output and dependencies left out), in name order, with its path below `dir`. */
async function jsonFiles(dir: string): Promise<{ file: string; rel: string[]; fragment: boolean }[]> {
  const out: { file: string; rel: string[]; fragment: boolean }[] = [];
  const walk = async (abs: string, rel: string[], inFragment: boolean): Promise<void> => {
    const entries = (await fs.readdir(abs, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const fragment = inFragment || entry.name.startsWith('_');
      if (entry.isDirectory()) await walk(path.join(abs, entry.name), [...rel, entry.name], fragment);
      else if (entry.isFile() && entry.name.endsWith('.json') && entry.name !== 'package.json' && !entry.name.startsWith('tsconfig')) {
        out.push({ file: path.join(abs, entry.name), rel: [...rel, entry.name], fragment });
      }
    }
  };
  await walk(dir, [], false);
  return out;
}

export async function findRecipes(dir: string = EXAMPLES_DIR): Promise<Recipe[]> {
  return (await jsonFiles(dir)).filter((f) => !f.file.endsWith(VARIANTS_SUFFIX)).map((f) => ({ file: f.file, id: f.rel.join('/'), fragment: f.fragment }));
}

/**
 * Ablation variant files under examples/; `<name>.variants.json` applies to the `<name>.json` beside it when there is
 * one (e.g. semi-supervised.variants.json → semi-supervised.json), `<name>.<rows>.variants.json` to `<name>.json` too
 * (a second set of rows for one manifest, e.g. capacity.parts.variants.json → capacity.json), else to the
 * `manifest.json` beside it.
 */
export async function findVariantFiles(dir: string = EXAMPLES_DIR): Promise<{ file: string; manifest: string; id: string }[]> {
  return (await jsonFiles(dir)).filter((f) => f.file.endsWith(VARIANTS_SUFFIX)).map((f) => {
    let stem = f.file.slice(0, -VARIANTS_SUFFIX.length);
    while (!existsSync(`${stem}.json`) && path.basename(stem).includes('.')) stem = stem.slice(0, stem.lastIndexOf('.'));
    const own = `${stem}.json`;
    return { file: f.file, manifest: existsSync(own) ? own : path.join(path.dirname(f.file), 'manifest.json'), id: f.rel.join('/') };
  });
}

/**
 * GraphFlow's own plugins, resolved from the CLI's install location as the `graphflow` command does; the recipes'
 * own plugins (workspace packages such as @graphflow/plugin-tversky) are allowed as the repository's package.json
 * lists them, from wherever the check runs.
 */
export function pluginSetup(): PluginSetup {
  return { searchPaths: [path.dirname(require.resolve('@graphflow/cli'))], consent: { projectDir: REPO_ROOT } };
}

export async function validateRecipe(file: string, overrides: readonly Override[] = []): Promise<PreparedPipeline> {
  return preparePipeline(file, overrides, pluginSetup());
}

export const SYNTHETIC_MAX_CLASSES = 4;

export interface Substitution {
  overrides: Override[];
  /** What was changed beyond swapping the data, for messages. */
  notes: string[];
}

/**
 * Overrides that replace a recipe's `data` with a tiny `dataset/synthetic` of matching classes and channels, so the
 * recipe's structure (models, stages, losses, references, extends chain) runs anywhere in seconds.
 * - size 32 (every backbone's size rule allows it: U-Net/Mobile U-Net depth ≤ 5 need multiples of 2^depth ≤ 32,
 *   ENet/ERFNet 8, TransUNet 2^convStages·patchSize); TransUNet's `imageSize` is set to match;
 * - the recipe's labeled fraction is kept (semi-supervised recipes need an `unlabeled` partition);
 * - synthetic data has 2–4 classes: a recipe with more (Synapse, 9) is run with 4 classes, and every model's
 *   `numClasses` is overridden to 4 with it — the pipeline is the same, only the class count differs.
 */
export async function syntheticSubstitute(file: string, size = 32, count = 20): Promise<Substitution> {
  const loaded = await loadManifest(file);
  const m = loaded.value as { data?: { options?: Record<string, unknown> }; models?: Record<string, { type?: string; options?: Record<string, unknown> }> };
  const dataOptions = m.data?.options ?? {};
  const notes: string[] = [];
  let classes = Number(dataOptions['numClasses'] ?? dataOptions['classes'] ?? 0);
  if (!Number.isInteger(classes) || classes < 2) {
    const fromModels = Object.values(m.models ?? {}).map((spec) => Number(spec.options?.['numClasses'])).find((n) => Number.isInteger(n) && n >= 2);
    classes = fromModels ?? 2;
  }
  const channels = Number(dataOptions['channels'] ?? 1) === 3 ? 3 : 1;
  const split = (dataOptions['split'] ?? {}) as Record<string, unknown>;
  const labeledFraction = typeof split['labeledFraction'] === 'number' ? split['labeledFraction'] : undefined;
  const synthClasses = Math.min(classes, SYNTHETIC_MAX_CLASSES);
  const overrides: Override[] = [];
  const set = (p: string, value: unknown) => overrides.push({ path: p, value, source: `${p}=${JSON.stringify(value)}` });
  set('data', {
    type: 'dataset/synthetic',
    options: {
      size,
      count,
      classes: synthClasses,
      channels,
      seed: 1,
      split: { ratios: { train: 0.5, val: 0.25, test: 0.25 }, ...(labeledFraction !== undefined ? { labeledFraction } : {}) },
    },
  });
  if (classes > SYNTHETIC_MAX_CLASSES) notes.push(`${classes} classes run as ${synthClasses} (synthetic data has at most ${SYNTHETIC_MAX_CLASSES})`);
  for (const [name, spec] of Object.entries(m.models ?? {})) {
    const options = spec.options ?? {};
    if (classes > SYNTHETIC_MAX_CLASSES && typeof options['numClasses'] === 'number') set(`models.${name}.options.numClasses`, synthClasses);
    if (spec.type === 'backbone/transunet') set(`models.${name}.options.imageSize`, size);
  }
  return { overrides, notes };
}

export interface SmokeResult {
  outcome: RunOutcome;
  report: { status: string; stages: { name: string; type: string; status: string; result?: { metrics?: Record<string, Record<string, number>> } }[] };
  runDir: string;
}

/** Run a manifest with `--smoke` (a couple of updates per training stage) into a fresh temporary folder. */
export async function smokeRun(file: string, overrides: readonly Override[], label: string): Promise<SmokeResult> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'recipe-check-'));
  const runDir = path.join(parent, label.replace(/[^A-Za-z0-9_-]+/g, '-'));
  const outcome = await runPipeline({ ...pluginSetup(), manifestPath: file, overrides, outDir: runDir, smoke: true, logLevel: 'error' });
  const report = JSON.parse(await fs.readFile(path.join(runDir, 'report.json'), 'utf8')) as SmokeResult['report'];
  return { outcome, report, runDir };
}

export async function removeRun(runDir: string): Promise<void> {
  await fs.rm(path.dirname(runDir), { recursive: true, force: true });
}
