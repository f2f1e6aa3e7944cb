import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError, RunDirectory, closest, writeJsonAtomic, writeFileAtomic } from '@graphflow/core';
import { preparePipeline, readJsonSource, runPipeline, type Override, type PluginSetup, type RunReport } from '@graphflow/core/host';
import { barChartPng } from './bar-chart';
import { fileVariants, presetVariants, variantOverrides, type Preset, type Variant } from './variants';
import { trainedModelOption } from '../trained-model';
import { seedEntry, seedOverride } from './seeds';
import { summarize } from './seed-stats';
import { pairedRows, renderPairedMarkdown, type PairedRow } from './paired-rows';
import { planResume, type ResumePlan } from './resume-run';
import { renderCurvesMarkdown, summarizeCurve, validationCurves, type CurveSummary } from './validation-curves';
import { curvesChartPng } from './line-chart';

export interface AblationRequest extends PluginSetup {
  manifest: string;
  /** Name of the stage whose variants are compared (a distillation stage). */
  stage: string;
  preset?: Preset;
  variantsFile?: string;
  /** Metrics to tabulate, read from the last stage reporting them (default dice, iou, hd95). */
  metrics: string[];
  overrides: Override[];
  out?: string;
  smoke?: boolean;
  backend?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  logFormat?: 'pretty' | 'json';
  signal?: AbortSignal;
  /** Repeat every variant once per seed, each time with `<seedEntry>.initSeed` set to it. */
  seeds?: number[];
  /** `models.<name>` whose initSeed varies (default: the stage's `options.student`, else `options.model`). */
  seedEntry?: string;
  /**
   * A finished run of the same manifest whose stages before the ablated one are reused instead of training a new
   * base: several ablations (one per student, say) then share one teacher.
   */
  base?: string;
  /** Variant every other one is compared with per image (default: one named "none" or "alone", when there is one). */
  baseline?: string;
  /**
   * Continue an ablation in an existing `out` folder: runs that finished with exactly the manifest they would run now
   * are kept, interrupted ones continue, missing ones run (new variants or seeds added to the file, say).
   */
  resume?: boolean;
}

/** One finished (or failed) pipeline run of a variant. */
export interface VariantRun {
  status: RunReport['status'];
  runDir: string;
  seconds: number;
  metrics: Record<string, number>;
}

export interface SeedRun extends VariantRun {
  seed: number;
}

export interface AblationRow extends VariantRun {
  variant: string;
  /** With seeds: one run each; `metrics` is then the mean over the finished ones and `seconds` the total. */
  seeds?: SeedRun[];
  /** With seeds: sample standard deviation (n − 1) per metric; absent for metrics with fewer than two finished seeds. */
  sd?: Record<string, number>;
}

export interface AblationResult {
  dir: string;
  base: string;
  stage: string;
  seeds?: number[];
  seedEntry?: string;
  rows: AblationRow[];
  /** Per-image paired comparison with the baseline variant, on the first metric. */
  paired?: { baseline: string; rows: PairedRow[] };
  /** How far each variant's validation curve of the first metric had settled (absent when no run validated). */
  convergence?: { metric: string; rows: CurveSummary[] };
}

/** Flatten `{ dice: 0.8, perClass: { liver: 0.9 } }` into `{ dice: 0.8, 'perClass.liver': 0.9 }`. */
function flatten(metrics: Record<string, unknown>, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v === 'number') out[prefix + k] = v;
    else if (v && typeof v === 'object') flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
  }
  return out;
}

/**
 * The wanted metrics from the last stage (at or after the ablated one) that reports any of them. An evaluation of
 * several models reports each under its reference (`models.teacher.dice`, `models.student.dice`): `model`, the
 * network the ablated stage trains, picks its own values rather than whichever model comes first.
 */
export function pickMetrics(report: RunReport, fromStage: string, wanted: string[], model?: string): Record<string, number> {
  const start = report.stages.findIndex((s) => s.name === fromStage);
  for (let i = report.stages.length - 1; i >= Math.max(0, start); i--) {
    const flat = flatten((report.stages[i]!.result?.metrics ?? {}) as Record<string, unknown>);
    const picked: Record<string, number> = {};
    for (const m of wanted) {
      const own = model !== undefined ? `${model}.${m}` : undefined;
      const key = own !== undefined && own in flat ? own : m in flat ? m : Object.keys(flat).find((k) => k.endsWith(`.${m}`));
      if (key !== undefined) picked[m] = flat[key]!;
    }
    if (Object.keys(picked).length > 0) return picked;
  }
  return {};
}

function safeName(name: string): string {
  return name.replace(/\|L\|=/g, 'L').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'variant';
}

function fmt(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}

function cell(row: AblationRow, metric: string): string {
  const sd = row.sd?.[metric];
  return sd === undefined ? fmt(row.metrics[metric]) : `${fmt(row.metrics[metric])} ± ${fmt(sd)}`;
}

/** A mean over fewer seeds than asked for must not pass for a complete one, so the status says how many finished. */
function statusCell(row: AblationRow, planned: number): string {
  if (!row.seeds || row.status === 'done') return row.status;
  return `${row.status} (${row.seeds.filter((s) => s.status === 'done').length}/${planned} done)`;
}

export function renderAblationMarkdown(result: AblationResult, metrics: string[]): string {
  const lines = [`# Ablation of stage "${result.stage}"`, '', `Teacher and earlier stages trained once in \`${result.base}\` and reused by every variant.`, ''];
  if (result.seeds) lines.push(`Cells are mean ± sd over initSeed ${result.seeds.join(',')} of ${result.seedEntry} (sample sd over the seeds whose run finished).`, '');
  lines.push(`| variant | ${metrics.join(' | ')} | status | seconds |`, `|---|${metrics.map(() => '---:').join('|')}|---|---:|`);
  for (const row of result.rows) lines.push(`| ${row.variant} | ${metrics.map((m) => cell(row, m)).join(' | ')} | ${statusCell(row, result.seeds?.length ?? 1)} | ${row.seconds.toFixed(1)} |`);
  return `${lines.join('\n')}\n`;
}

/** The whole ablation.md: the table over seeds, then the paired comparison and the validation curves when present. */
export function renderAblationReport(result: AblationResult, metrics: string[]): string {
  const paired = result.paired ? `\n${renderPairedMarkdown(result.paired.rows, result.paired.baseline)}` : '';
  const curves = result.convergence ? `\n${renderCurvesMarkdown(result.convergence.rows, result.convergence.metric)}` : '';
  return renderAblationMarkdown(result, metrics) + paired + curves;
}

/** Fold the runs of one variant over seeds into a row; a row is done only when every planned seed is. */
function seedRow(variant: string, runDir: string, runs: SeedRun[], planned: number): AblationRow {
  const failed = runs.find((r) => r.status !== 'done');
  const status = failed ? failed.status : runs.length < planned ? 'interrupted' : 'done';
  const { metrics, sd } = summarize(runs.filter((r) => r.status === 'done').map((r) => r.metrics));
  return { variant, status, runDir, seconds: runs.reduce((s, r) => s + r.seconds, 0), metrics, sd, seeds: runs };
}

/**
 * A base given by the user must have finished every stage the variants reuse: its report says so. (Each reused stage's
 * restore() then checks its own checkpoints.)
 */
async function checkBaseRun(dir: string, stages: readonly string[]): Promise<void> {
  const file = path.join(dir, 'report.json');
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) throw new GraphFlowError('GF_RESUME_INVALID', `--base ${dir} is not a finished run folder: it has no report.json`, { file });
  let report: RunReport;
  try {
    report = JSON.parse(text) as RunReport;
  } catch (e) {
    throw new GraphFlowError('GF_RESUME_INVALID', `--base: ${file} is not valid JSON (${(e as Error).message})`, { file });
  }
  const statuses = new Map((Array.isArray(report.stages) ? report.stages : []).map((s) => [s.name, s.status]));
  const missing = stages.filter((name) => !['done', 'reused', 'restored'].includes(statuses.get(name) ?? ''));
  if (missing.length > 0) {
    throw new GraphFlowError('GF_RESUME_INVALID', `--base ${dir} has not finished stage(s) ${missing.join(', ')}, which the variants reuse`, { file });
  }
}

/**
 * Run variants of one stage: earlier stages run once (the base run), every variant reuses them and runs the
 * ablated stage and the ones after it. Writes ablation.json, ablation.md, ablation.png and (when the stage validated) ablation-curves.png in one folder.
 */
export async function runAblation(request: AblationRequest): Promise<AblationResult> {
  const { manifest, registry } = await preparePipeline(request.manifest, request.overrides, request);
  const index = manifest.stages.findIndex((s) => s.name === request.stage);
  if (index < 0) {
    const names = manifest.stages.map((s) => s.name);
    const hint = closest(request.stage, names);
    throw new GraphFlowError('GF_MANIFEST_REF', `no stage named "${request.stage}" (stages: ${names.join(', ')})`, { pointer: '/stages', ...(hint ? { problems: [{ code: 'GF_MANIFEST_REF', message: `no stage named "${request.stage}"`, pointer: '/stages', suggestion: hint }] } : {}) });
  }
  const stage = manifest.stages[index]!;
  const trained = trainedModelOption(stage, registry)?.ref;
  const entry = request.seeds ? seedEntry(manifest, registry, index, request.seedEntry, request.manifest) : undefined;
  const seedsOf = (v: Variant): { seed: number; overrides: Override[] }[] =>
    (request.seeds ?? []).map((seed) => ({ seed, overrides: [...request.overrides, ...variantOverrides(v), seedOverride(entry!, seed)] }));
  let variants: Variant[];
  if (request.variantsFile) {
    // Read like a manifest: size and nesting limits, no "__proto__" keys, JSON errors with line and column.
    const source = await readJsonSource(request.variantsFile);
    variants = fileVariants(source.value, source.file, source);
  } else {
    variants = presetVariants(request.preset ?? 'losses', stage, (id) => registry.get(id)?.definition, { file: path.resolve(request.manifest), index });
  }
  if (request.baseline !== undefined && !variants.some((v) => v.name === request.baseline)) {
    throw new GraphFlowError('GF_MANIFEST_REF', `--baseline "${request.baseline}" is not one of the variants (${variants.map((v) => v.name).join(', ')})`);
  }
  if (request.resume && request.out === undefined) throw new GraphFlowError('GF_OVERRIDE_INVALID', '--resume continues the ablation in an existing folder: give it with --out');
  const outRoot = request.out !== undefined ? path.resolve(request.out) : undefined;
  const resuming = request.resume === true && outRoot !== undefined && (await fs.stat(outRoot).then(() => true, () => false));
  // Every variant (and seed) must validate, and with --resume every existing run folder must match, before anything trains.
  const plans = new Map<string, ResumePlan>();
  const plan = async (overrides: Override[], runDir: string | undefined) => {
    const prepared = await preparePipeline(request.manifest, overrides, request);
    if (resuming && runDir !== undefined) plans.set(runDir, await planResume(runDir, prepared.manifest));
  };
  const variantDir = (v: Variant) => (outRoot !== undefined ? path.join(outRoot, 'variants', safeName(v.name)) : undefined);
  for (const v of variants) {
    const dir = variantDir(v);
    if (!entry) await plan([...request.overrides, ...variantOverrides(v)], dir);
    for (const { seed, overrides } of seedsOf(v)) await plan(overrides, dir !== undefined ? path.join(dir, `seed-${seed}`) : undefined);
  }

  const folder = resuming
    ? { root: outRoot!, path: (...parts: string[]) => path.join(outRoot!, ...parts) }
    : await RunDirectory.create(outRoot !== undefined ? { exact: outRoot } : { parent: path.resolve(manifest.outputs.dir), name: `${manifest.name ?? path.basename(request.manifest, '.json')}-ablation` });
  const common = {
    ...request,
    manifestPath: request.manifest,
    ...(request.smoke ? { smoke: true } : {}),
  };
  const later = manifest.stages.slice(index).map((s) => ({ path: `stages.${s.name}.enabled`, value: false, source: `stages.${s.name}.enabled=false` }));
  const earlier = manifest.stages.slice(0, index).map((s) => s.name);
  let baseDir: string;
  if (request.base !== undefined) {
    baseDir = path.resolve(request.base);
    await checkBaseRun(baseDir, earlier);
  } else {
    baseDir = folder.path('base');
    const baseOverrides = [...request.overrides, ...later];
    const basePlan = resuming ? await planResume(baseDir, (await preparePipeline(request.manifest, baseOverrides, request)).manifest) : { kind: 'new' as const };
    if (basePlan.kind === 'new') await runPipeline({ ...common, overrides: baseOverrides, outDir: baseDir });
    else if (basePlan.kind === 'unfinished') await runPipeline({ ...common, resumeDir: baseDir });
  }
  const reuse = { runDir: baseDir, stages: earlier };
  const finished = (report: RunReport, outDir: string): VariantRun => ({ status: report.status, runDir: outDir, seconds: report.seconds, metrics: pickMetrics(report, stage.name, request.metrics, trained) });
  const runOne = async (overrides: Override[], outDir: string): Promise<VariantRun> => {
    const resumed = plans.get(outDir);
    if (resumed?.kind === 'done') return finished(resumed.report, outDir);
    try {
      const { report } = await runPipeline(resumed?.kind === 'unfinished' ? { ...common, resumeDir: outDir, reuse } : { ...common, overrides, outDir, reuse });
      return finished(report, outDir);
    } catch (e) {
      const report = JSON.parse(await fs.readFile(path.join(outDir, 'report.json'), 'utf8').catch(() => 'null')) as RunReport | null;
      if (!report) throw e;
      return { status: report.status, runDir: outDir, seconds: report.seconds, metrics: {} };
    }
  };
  const rows: AblationRow[] = [];
  for (const variant of variants) {
    const outDir = folder.path('variants', safeName(variant.name));
    if (!entry) {
      rows.push({ variant: variant.name, ...(await runOne([...request.overrides, ...variantOverrides(variant)], outDir)) });
    } else {
      const seedRuns: SeedRun[] = [];
      for (const { seed, overrides } of seedsOf(variant)) {
        seedRuns.push({ seed, ...(await runOne(overrides, path.join(outDir, `seed-${seed}`))) });
        if (request.signal?.aborted) break;
      }
      rows.push(seedRow(variant.name, outDir, seedRuns, request.seeds!.length));
    }
    if (request.signal?.aborted) break;
  }
  const result: AblationResult = { dir: folder.root, base: baseDir, stage: stage.name, ...(entry ? { seeds: request.seeds!, seedEntry: entry } : {}), rows };
  const baseline = request.baseline ?? rows.find((r) => r.variant === 'none' || r.variant === 'alone')?.variant;
  if (baseline !== undefined && trained !== undefined) {
    const teacherRef = typeof stage.options['teacher'] === 'string' ? (stage.options['teacher'] as string) : undefined;
    try {
      result.paired = { baseline, rows: await pairedRows(result, baseline, request.metrics[0]!, trained, teacherRef) };
    } catch (e) {
      // Without per-image results (no evaluation stage after the ablated one) there is nothing to pair; that is only
      // an error when the user asked for the comparison.
      if (request.baseline !== undefined || !(e instanceof GraphFlowError && e.code === 'GF_RESUME_INVALID')) throw e;
    }
  }
  const metric = request.metrics[0]!;
  const curves = await validationCurves(result, metric);
  const summaries = curves.map((c) => summarizeCurve(c, metric));
  const validated = summaries.some((s) => s.runs > 0);
  if (validated) result.convergence = { metric, rows: summaries };
  await writeJsonAtomic(folder.path('ablation.json'), result);
  await writeFileAtomic(folder.path('ablation.md'), renderAblationReport(result, request.metrics));
  const title = entry ? `Ablation of ${stage.name} (mean ± sd over ${request.seeds!.length} seeds)` : `Ablation of ${stage.name}`;
  if (validated) await writeFileAtomic(folder.path('ablation-curves.png'), await curvesChartPng(`Validation ${metric} of ${stage.name} per epoch${entry ? ` (mean and each of ${request.seeds!.length} seeds)` : ''}`, metric, curves));
  const png = await barChartPng(title, request.metrics.map((m) => ({ metric: m, values: rows.map((r) => ({ label: r.variant, value: r.metrics[m] ?? NaN, ...(r.sd?.[m] !== undefined ? { error: r.sd[m] } : {}) })) })));
  await writeFileAtomic(folder.path('ablation.png'), png);
  return result;
}
