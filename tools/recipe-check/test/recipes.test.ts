import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileVariants, runAblation, variantOverrides } from '@graphflow/cli';
import * as os from 'node:os';
import { CHASEDB1_ROOT, EXAMPLES_DIR, ISBI_ROOT, findRecipes, findVariantFiles, removeRun, smokeRun, syntheticSubstitute, validateRecipe, type Recipe } from '../src/index';

/**
 * Which runnable recipes get a smoke run by default: one per distinct pipeline shape (U-Net → Mobile U-Net,
 * TransUNet with 9→4 classes, RGB input, semi-supervised with unlabeled data, each student family). GRAPHFLOW_SLOW=1
 * smoke-runs every runnable recipe.
 */
const DEFAULT_RUNS = new Set([
  'custom-loss/manifest.json',
  'busi/manifest.json',
  'cvc-clinicdb/manifest.json',
  'synapse/manifest.json',
  'semi-supervised/labeled-10.json',
  'transunet-students/enet.json',
  'transunet-students/erfnet.json',
]);
const SLOW = process.env['GRAPHFLOW_SLOW'] === '1';

const EXPECTED = [
  'busi/manifest.json',
  'cvc-clinicdb/manifest.json',
  'kvasir-seg/manifest.json',
  'synapse/manifest.json',
  'folder/manifest.json',
  'semi-supervised/labeled-10.json',
  'semi-supervised/labeled-30.json',
  'semi-supervised/labeled-50.json',
  'transunet-students/mobile-unet.json',
  'transunet-students/enet.json',
  'transunet-students/erfnet.json',
  'custom-loss/manifest.json',
  'chasedb1/manifest.json',
  'chasedb1/study/manifest.json',
  'chasedb1/study/semi-supervised.json',
];

let recipes: Recipe[] = [];
before(async () => {
  recipes = await findRecipes();
});

test('examples/ holds every recipe of issue 8, each with a README', async () => {
  const runnable = recipes.filter((r) => !r.fragment).map((r) => r.id);
  for (const id of EXPECTED) assert.ok(runnable.includes(id), `missing recipe examples/${id}`);
  const folders = new Set(EXPECTED.map((id) => id.split('/')[0]!));
  for (const folder of folders) assert.ok(existsSync(path.join(EXAMPLES_DIR, folder, 'README.md')), `examples/${folder}/README.md is missing`);
});

test('every manifest and fragment names its $schema (relative) and has a name', async () => {
  const schema = path.join(EXAMPLES_DIR, '..', 'packages', 'core', 'schema', 'manifest.schema.json');
  for (const r of recipes) {
    const value = JSON.parse(await fs.readFile(r.file, 'utf8')) as Record<string, unknown>;
    assert.equal(typeof value['$schema'], 'string', `${r.id}: no $schema`);
    assert.ok(!path.isAbsolute(value['$schema'] as string), `${r.id}: $schema must be a relative path`);
    assert.equal(path.resolve(path.dirname(r.file), value['$schema'] as string), schema, `${r.id}: $schema does not point at packages/core/schema/manifest.schema.json`);
    assert.equal(typeof value['name'], 'string', `${r.id}: no name`);
  }
});

test('every runnable recipe validates with the real plugins', async (t) => {
  for (const r of recipes.filter((x) => !x.fragment)) {
    await t.test(r.id, async () => {
      const prepared = await validateRecipe(r.file);
      assert.ok(prepared.manifest.stages.length > 0);
      const evaluate = prepared.manifest.stages.find((s) => s.type === 'stage/evaluate');
      assert.ok(evaluate, `${r.id} has no stage/evaluate`);
    });
  }
});

test('every ablation variants file applies to the manifest beside it: each variant validates', async (t) => {
  const files = await findVariantFiles();
  assert.ok(files.some((f) => f.id === 'quickstart/none-vs-all.variants.json'), files.map((f) => f.id).join(', '));
  // A second set of rows for one manifest names it first: capacity.parts.variants.json ablates capacity.json.
  assert.equal(path.basename(files.find((f) => f.id === 'chasedb1/study/capacity.parts.variants.json')?.manifest ?? ''), 'capacity.json');
  for (const f of files) {
    await t.test(f.id, async () => {
      const variants = fileVariants(JSON.parse(await fs.readFile(f.file, 'utf8')), f.file);
      for (const v of variants) {
        const prepared = await validateRecipe(f.manifest, variantOverrides(v));
        const distill = prepared.manifest.stages.find((s) => s.type === 'stage/distill');
        assert.ok(distill, `${f.id}: variant ${v.name} has no distillation stage to ablate`);
        if (f.id === 'quickstart/none-vs-all.variants.json') {
          // "none" keeps only the supervised term; "all" is the manifest's own four terms.
          assert.equal((distill.options['losses'] as unknown[]).length, v.name === 'none' ? 1 : 4, v.name);
        }
      }
    });
  }
});

/**
 * Smoke-runs a recipe, checks that it and its evaluate stage ended 'done', hands the evaluate stage's metrics and the
 * run folder to `check`, and removes the run folder whatever happened. Returns the seconds it took.
 */
async function smokeEvaluate(file: string, overrides: Parameters<typeof smokeRun>[1], label: string, check: (metrics: Record<string, Record<string, number>>, runDir: string) => void | Promise<void>): Promise<number> {
  const started = Date.now();
  const { report, runDir } = await smokeRun(file, overrides, label);
  try {
    assert.equal(report.status, 'done', `${label} ended ${report.status}`);
    const evaluate = report.stages.find((s) => s.type === 'stage/evaluate');
    assert.ok(evaluate, 'report.json has no evaluate stage');
    assert.equal(evaluate.status, 'done');
    await check((evaluate.result?.metrics ?? {}) as Record<string, Record<string, number>>, runDir);
  } finally {
    await removeRun(runDir);
  }
  return (Date.now() - started) / 1000;
}

test('smoke runs on small synthetic data' + (SLOW ? ' (all recipes, GRAPHFLOW_SLOW=1)' : ' (a representative subset; GRAPHFLOW_SLOW=1 runs all)'), async (t) => {
  const runnable = recipes.filter((r) => !r.fragment && (SLOW || DEFAULT_RUNS.has(r.id)));
  for (const r of runnable) {
    await t.test(r.id, async () => {
      const { overrides, notes } = await syntheticSubstitute(r.file);
      if (notes.length) t.diagnostic(`${r.id}: ${notes.join('; ')}`);
      // Validate the substituted manifest first: a problem is then reported with file:line rather than mid-run.
      const prepared = await validateRecipe(r.file, overrides);
      const evaluated = (prepared.manifest.stages.find((s) => s.type === 'stage/evaluate')?.options?.['models'] ?? []) as string[];
      const seconds = await smokeEvaluate(r.file, overrides, r.id, (metrics) => {
        assert.ok(Object.keys(metrics).length > 0, 'the evaluate stage reported no metrics');
        assert.ok(evaluated.length > 0, 'the evaluate stage names no models');
        for (const model of evaluated) assert.equal(typeof metrics[model]?.['dice'], 'number', `${model}: no dice in report.json`);
      });
      t.diagnostic(`${r.id}: ${seconds.toFixed(1)} s`);
    });
  }
});

test('the folder recipe runs as-is on the real ISBI 2012 membrane data', { skip: existsSync(ISBI_ROOT) ? false : `${ISBI_ROOT} not found; skipped` }, async (t) => {
  const file = path.join(EXAMPLES_DIR, 'folder', 'manifest.json');
  // Smoke steps on the recipe's own data and split; images at 64×64 (not the recipe's 128) to keep the suite fast.
  const overrides = [{ path: 'data.size', value: 64, source: 'data.size=64' }];
  const seconds = await smokeEvaluate(file, overrides, 'folder-isbi', (metrics) => {
    assert.ok(metrics['models.student'], 'no metrics for the distilled student');
    assert.equal(typeof metrics['models.student']!['dice/membrane'], 'number', 'no membrane Dice: class names not applied');
  });
  t.diagnostic(`folder on ISBI 2012: ${seconds.toFixed(1)} s`);
});

test('the chasedb1 recipe runs on the real CHASE_DB1 photographs: patches, field of view, tiled whole-image evaluation', { skip: existsSync(CHASEDB1_ROOT) ? false : `${CHASEDB1_ROOT} not found; skipped` }, async (t) => {
  const file = path.join(EXAMPLES_DIR, 'chasedb1', 'manifest.json');
  // The recipe's own data options, split and inference; fewer whole images (one child each for validation and test)
  // and no per-epoch validation so the suite stays fast: whole-image tiles dominate a smoke run.
  const set = (p: string, value: unknown) => ({ path: p, value, source: `${p}=${JSON.stringify(value)}` });
  const overrides = [
    set('data.root', CHASEDB1_ROOT),
    set('data.split.lists.val', ['09']),
    set('data.split.lists.test', ['11']),
    ...['teacher', 'studentAlone', 'distill'].map((s) => set(`stages.${s}.validation.every`, 0)),
  ];
  const seconds = await smokeEvaluate(file, overrides, 'chasedb1', async (metrics, runDir) => {
    for (const model of ['models.teacher', 'models.studentAlone', 'models.student']) {
      const dice = metrics[model]?.['dice/vessel'];
      assert.equal(typeof dice, 'number', `${model}: no vessel Dice`);
      assert.ok(dice! >= 0 && dice! <= 1);
    }
    const evaluation = JSON.parse(await fs.readFile(path.join(runDir, 'stages', 'evaluate', 'evaluation.json'), 'utf8')) as Record<string, { cases: { id: string }[] }>;
    // Whole test images, not patches: child 11's two eyes, each once.
    assert.deepEqual(evaluation['models.student']!.cases.map((c) => c.id).sort(), ['Image_11L', 'Image_11R']);
  });
  t.diagnostic(`chasedb1 smoke on the real data: ${seconds.toFixed(1)} s`);
});

test('the CHASE_DB1 study runs as an ablation on the real photographs: teacher once, students alone and distilled, paired per image', { skip: existsSync(CHASEDB1_ROOT) ? false : `${CHASEDB1_ROOT} not found; skipped` }, async (t) => {
  const dir = path.join(EXAMPLES_DIR, 'chasedb1', 'study');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'recipe-study-'));
  // Two rows of the shipped Mobile U-Net variants file, one seed: the smallest ablation that exercises --seeds and the pairing.
  const shipped = JSON.parse(await fs.readFile(path.join(dir, 'mobile-unet.variants.json'), 'utf8')) as { variants: Record<string, unknown> };
  const variantsFile = path.join(work, 'two.variants.json');
  await fs.writeFile(variantsFile, JSON.stringify({ variants: { alone: shipped.variants['alone'], 'graph-flow': shipped.variants['graph-flow'] } }));
  const set = (p: string, value: unknown) => ({ path: p, value, source: `${p}=${JSON.stringify(value)}` });
  const started = Date.now();
  const result = await runAblation({
    manifest: path.join(dir, 'manifest.json'),
    stage: 'distill',
    variantsFile,
    metrics: ['dice', 'hd95'],
    seeds: [1],
    overrides: [set('data.root', CHASEDB1_ROOT), set('data.split.lists.val', ['09']), set('data.split.lists.test', ['11']), set('stages.teacher.validation.every', 0)],
    out: path.join(work, 'ablation'),
    smoke: true,
    logLevel: 'error',
    searchPaths: [path.dirname(require.resolve('@graphflow/cli'))],
  });
  assert.deepEqual(result.rows.map((r) => [r.variant, r.status]), [['alone', 'done'], ['graph-flow', 'done']]);
  assert.equal(result.paired?.baseline, 'alone');
  const [gf] = result.paired!.rows;
  assert.equal(gf!.images, 2, "child 11's two eyes, whole images");
  assert.ok(Number.isFinite(gf!.meanDifference) && gf!.gapClosed !== undefined);
  const md = await fs.readFile(path.join(work, 'ablation', 'ablation.md'), 'utf8');
  assert.match(md, /## Paired against "alone" \(dice, points\)/);
  // The distill stage validates on child 09, so every row has a curve to check convergence by.
  assert.deepEqual(result.convergence?.rows.map((r) => [r.variant, r.runs, r.withoutCurve]), [['alone', 1, 0], ['graph-flow', 1, 0]]);
  assert.match(md, /## Validation curves \(dice\)/);
  await fs.access(path.join(work, 'ablation', 'ablation-curves.png'));
  await fs.rm(work, { recursive: true, force: true });
  t.diagnostic(`chasedb1 study smoke ablation on the real data: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
