import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '@graphflow/backend';
import { Registry, type ModelSummary, type SegmentationModel } from '@graphflow/core';
import { testComponentContext } from '@graphflow/core/testing';
import type { Optimizer } from '@graphflow/trainers';
import backbonesPlugin, { LayersSegmentationModel } from '@graphflow/backbones';
import trainersPlugin from '@graphflow/trainers';
import { KernelTimer, type KernelTime } from './kernel-timer';
import { median, peakRssMiB } from './stats';
import { activateOptions, engineName, isSkip, parseBackendSpec, PYTORCH_ENGINE } from './bench-result';
import { exportLayerGraph } from './layer-graph';
import { findTorchPython, runTorchScript } from './pytorch-twin';

/** One network the `--students` mode measures: a `backbone/*` component of @graphflow/backbones and its options. */
export interface BenchModel {
  /** Short name, as given to `--student`. */
  key: string;
  /** Component id, e.g. `backbone/enet`. */
  component: string;
  role: 'student' | 'teacher';
  /** Options as written in a manifest; the component's schema defaults fill in the rest. */
  options: Record<string, unknown>;
}

/** The three shipped students and the two teachers, each at its schema defaults (width multiplier 1 for the students). */
export const BENCH_MODELS: readonly BenchModel[] = [
  { key: 'mobile-unet', component: 'backbone/mobile-unet', role: 'student', options: {} },
  { key: 'enet', component: 'backbone/enet', role: 'student', options: {} },
  { key: 'erfnet', component: 'backbone/erfnet', role: 'student', options: {} },
  { key: 'unet', component: 'backbone/unet', role: 'teacher', options: {} },
  { key: 'transunet', component: 'backbone/transunet', role: 'teacher', options: {} },
];

/** The training step every model is timed on (the reference U-Net benchmark's size and batch). */
export const TRAIN_SIZE = 128;
export const TRAIN_BATCH = 4;
export const TOP_KERNELS = 12;

export function benchModel(key: string): BenchModel {
  const m = BENCH_MODELS.find((x) => x.key === key || x.component === key);
  if (!m) throw new Error(`unknown model "${key}" (expected one of ${BENCH_MODELS.map((x) => x.key).join(', ')})`);
  return m;
}

let registryPromise: Promise<Registry> | undefined;

/** A registry holding the backbones and trainers plugins, loaded as the framework loads them (`Registry.use`). */
function benchRegistry(): Promise<Registry> {
  registryPromise ??= (async () => {
    const registry = new Registry();
    await registry.use(backbonesPlugin);
    await registry.use(trainersPlugin);
    return registry;
  })();
  return registryPromise;
}

/** A registered component built from `options` with its schema defaults filled in and its rules checked. */
async function createComponent<T>(id: string, given: Record<string, unknown>): Promise<{ value: T; options: Record<string, unknown> }> {
  const registered = (await benchRegistry()).require(id);
  const options: Record<string, unknown> = structuredClone(given);
  if (!registered.validate(options)) {
    throw new Error(`${id}: invalid options ${JSON.stringify(given)}: ${JSON.stringify(registered.validate.errors)}`);
  }
  const violations = registered.definition.rules?.(options) ?? [];
  if (violations.length > 0) throw new Error(`${id}: ${violations.map((v) => v.message).join('; ')}`);
  return { value: (await registered.definition.create(options, testComponentContext({ path: id }))) as T, options };
}

/** The optimizer a manifest's `optimizer/adam` at lr 1e-3 gives (fused into one kernel per variable on native). */
export const TRAIN_OPTIMIZER = { component: 'optimizer/adam', options: { lr: 1e-3 } } as const;

export interface BuiltModel {
  model: SegmentationModel;
  /** The options `create` received: the given ones with the schema's defaults filled in. */
  options: Record<string, unknown>;
}

/**
 * Builds a backbone the way a manifest entry is built: the registered component's schema validator fills the
 * defaults (ajv `useDefaults`, as the manifest validator does), its `rules` are checked, then its `create` runs.
 * The backbones' `create` uses no context (no logger, container or references), so none is wired here.
 * Needs an active backend: creating the weights runs initializers.
 */
export async function buildBenchModel(m: BenchModel): Promise<BuiltModel> {
  const { value: model, options } = await createComponent<SegmentationModel>(m.component, m.options);
  return { model, options };
}

/** What `graphflow summary` reports for a built model: `SegmentationModel.summary(h, w)` (FLOPs = 2 × MACs, one image). */
export function modelSummary(model: SegmentationModel, size: number): ModelSummary {
  if (typeof model.summary !== 'function') throw new Error(`${model.architecture} has no summary()`);
  return model.summary(size, size);
}

export interface StudentRunOptions {
  backend: string;
  /** A key of BENCH_MODELS (`enet`) or a component id (`backbone/enet`). */
  student: string;
  /** Inference input side. */
  size: number;
  /** Inference batch. */
  batch: number;
  warmup: number;
  iterations: number;
  threads?: number;
  /** Training-step input side (default TRAIN_SIZE) and batch (default TRAIN_BATCH); smaller only in tests. */
  trainSize?: number;
  trainBatch?: number;
}

export interface TimedPhase {
  size: number;
  batch: number;
  iterations: number;
  medianMs: number;
  minMs: number;
}

export interface StudentEngineResult {
  model: string;
  component: string;
  engine: string;
  version: string;
  threads: number;
  status: 'ok' | 'skipped' | 'failed';
  note?: string;
  /** The filled options the component was built with. */
  options?: Record<string, unknown>;
  /** `model.summary(size, size)`: params and FLOPs (2 × MACs) of one image at the inference size. */
  summary?: ModelSummary;
  inference?: TimedPhase;
  train?: TimedPhase & { lastLoss: number };
  /** The TOP_KERNELS kernels of one training step by time (outermost kernels only), largest first. */
  trainKernels?: KernelTime[];
  /** Kernel time of the profiled step over all kernels, and how many distinct kernels ran. */
  trainKernelTotalMs?: number;
  trainKernelCount?: number;
  peakRssMiB?: number;
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

function timed(fn: () => void, n: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

function phaseOf(samples: number[], size: number, batch: number): TimedPhase {
  return { size, batch, iterations: samples.length, medianMs: round(median(samples)), minMs: round(Math.min(...samples)) };
}

/**
 * Benchmarks one model on one tfjs backend in THIS process (the parent runs each (backend, model) pair in its own
 * child). Inference: forward in inference mode at size×size, batch `batch`. Training step: forward in training mode
 * (batch-norm batch statistics, dropout active), softmax cross-entropy against random one-hot labels, backward,
 * Adam update, at trainSize×trainSize, batch trainBatch; then one more step under the KernelTimer.
 */
export async function runStudentEngine(o: StudentRunOptions): Promise<StudentEngineResult> {
  if (o.backend === PYTORCH_ENGINE) return runStudentPytorchTwin(o);
  const spec = benchModel(o.student);
  const info = await activateBackend(parseBackendSpec(o.backend).name, activateOptions(o.backend, o.threads));
  const timer = new KernelTimer(info.tfBackend);
  timer.install();
  const { model, options } = await buildBenchModel(spec);
  const trainSize = o.trainSize ?? TRAIN_SIZE;
  const trainBatch = o.trainBatch ?? TRAIN_BATCH;
  const optimizer = (await createComponent<Optimizer>(TRAIN_OPTIMIZER.component, TRAIN_OPTIMIZER.options)).value;
  const c = model.inChannels;
  const k = model.numClasses;
  const images = tf.randomNormal([o.batch, o.size, o.size, c], 0, 1, 'float32', 11) as tf.Tensor4D;
  const trainImages = tf.randomNormal([trainBatch, trainSize, trainSize, c], 0, 1, 'float32', 13) as tf.Tensor4D;
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([trainBatch, trainSize, trainSize], 0, k, 'int32', 12) as tf.Tensor3D, k));
  try {
    const summary = modelSummary(model, o.size);
    const params = model.weights().filter((w) => w.trainable).map((w) => ({ key: w.name, variable: w.variable }));
    const vars = params.map((p) => p.variable);
    let lastLoss = NaN;
    const trainStep = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(trainImages, { training: true, taps: [] }).logits) as tf.Scalar, vars);
      optimizer.apply(params, params.map((p) => grads[p.variable.name]!), TRAIN_OPTIMIZER.options.lr);
      lastLoss = value.dataSync()[0]!;
      tf.dispose([value, ...Object.values(grads)]);
    };
    const inferStep = (): void => {
      const { logits } = model.forward(images, { training: false, taps: [] });
      logits.dataSync();
      logits.dispose();
    };
    timed(inferStep, o.warmup);
    const inferSamples = timed(inferStep, o.iterations);
    timed(trainStep, o.warmup);
    const tensorsBefore = tf.memory().numTensors;
    const trainSamples = timed(trainStep, o.iterations);
    const leaked = tf.memory().numTensors - tensorsBefore;
    const kernels = timer.measure(trainStep);
    const notes = [
      // Without a warm-up the first timed step creates Adam's moment variables, so a count change is expected.
      ...(o.warmup > 0 && leaked !== 0 ? [`numTensors changed by ${leaked} over the timed steps`] : []),
      ...(o.warmup === 0 ? ['no warm-up: the first call of each phase includes one-time costs (and Adam slot creation)'] : []),
    ];
    return {
      model: spec.key,
      component: spec.component,
      engine: engineName(o.backend),
      version: info.version,
      threads: info.threads,
      status: 'ok',
      ...(notes.length ? { note: notes.join('; ') } : {}),
      options,
      summary,
      inference: phaseOf(inferSamples, o.size, o.batch),
      train: { ...phaseOf(trainSamples, trainSize, trainBatch), lastLoss: round(lastLoss, 4) },
      trainKernels: kernels.slice(0, TOP_KERNELS).map((x) => ({ ...x, totalMs: round(x.totalMs, 1) })),
      trainKernelTotalMs: round(kernels.reduce((s, x) => s + x.totalMs, 0), 1),
      trainKernelCount: kernels.length,
      peakRssMiB: Math.round(peakRssMiB()),
    };
  } finally {
    model.dispose();
    optimizer.dispose();
    tf.dispose([images, trainImages, labels]);
  }
}

/**
 * The PyTorch twin of one model in the same run: the tf.layers graph built by its component (on the cpu backend,
 * which only runs the initialisers here) is exported with exportLayerGraph and rebuilt by python/layer_graph_twin.py,
 * then timed in the same two phases at the same sizes. The twin's trainable-parameter count must equal the
 * model's, or the row is a failure: it would be timing another network.
 */
async function runStudentPytorchTwin(o: StudentRunOptions): Promise<StudentEngineResult> {
  const spec = benchModel(o.student);
  const base = { model: spec.key, component: spec.component, engine: PYTORCH_ENGINE, threads: o.threads ?? os.availableParallelism() };
  const found = findTorchPython();
  if (found.python === null) {
    return { ...base, version: '-', status: 'skipped', note: `no Python with torch found (tried ${found.tried.join(', ')}); on Debian: apt-get install python3-torch, or set GRAPHFLOW_PYTHON` };
  }
  await activateBackend('cpu', {});
  const { model, options } = await buildBenchModel(spec);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graphflow-twin-'));
  try {
    if (!(model instanceof LayersSegmentationModel)) {
      return { ...base, version: found.version, status: 'skipped', note: `${spec.component} is not a tf.layers model: no PyTorch twin` };
    }
    const summary = modelSummary(model, o.size);
    let graph: ReturnType<typeof exportLayerGraph>;
    try {
      graph = exportLayerGraph(model.model);
    } catch (e) {
      // A layer class the twin does not rebuild (TransUNet's attention): nothing to compare, not a failure of either.
      return { ...base, version: found.version, status: 'skipped', note: (e as Error).message };
    }
    const graphFile = path.join(dir, 'graph.json');
    fs.writeFileSync(graphFile, JSON.stringify(graph));
    const args = ['--graph', graphFile, '--in-channels', String(model.inChannels), '--classes', String(model.numClasses),
      '--size', String(o.size), '--batch', String(o.batch), '--train-size', String(o.trainSize ?? TRAIN_SIZE), '--train-batch', String(o.trainBatch ?? TRAIN_BATCH),
      '--iterations', String(o.iterations), '--warmup', String(o.warmup), '--threads', String(base.threads)];
    const r = runTorchScript<{ version: string; threads: number; params: number; inferenceMs: number[]; trainMs: number[]; lastLoss: number; outputShape: number[]; peakRssMiB: number }>(found.python, 'layer_graph_twin.py', args);
    if ('note' in r) return { ...base, version: found.version, status: 'failed', note: r.note };
    const out = r.out;
    const expectedShape = [o.batch, model.numClasses, o.size, o.size];
    const problems = [
      ...(out.params !== summary.trainableParams ? [`twin has ${out.params} trainable params, the model ${summary.trainableParams}`] : []),
      ...(JSON.stringify(out.outputShape) !== JSON.stringify(expectedShape) ? [`twin output ${JSON.stringify(out.outputShape)}, expected NCHW ${JSON.stringify(expectedShape)}`] : []),
    ];
    if (problems.length > 0) return { ...base, version: out.version, status: 'failed', note: problems.join('; ') };
    return {
      ...base,
      version: out.version,
      threads: out.threads,
      status: 'ok',
      note: found.python,
      options,
      summary,
      inference: phaseOf(out.inferenceMs, o.size, o.batch),
      train: { ...phaseOf(out.trainMs, o.trainSize ?? TRAIN_SIZE, o.trainBatch ?? TRAIN_BATCH), lastLoss: round(out.lastLoss, 4) },
      peakRssMiB: Math.round(out.peakRssMiB),
    };
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface StudentsBenchOptions {
  /** The script to run as a child (main.js), given `--students --engine <backend> --student <key>`. */
  script: string;
  backends: string[];
  models?: readonly BenchModel[];
  size: number;
  batch: number;
  warmup: number;
  iterations: number;
  threads: number;
  out: string;
}

export interface StudentsReport {
  date: string;
  machine: { cpuModel: string; cpus: number; memoryGiB: number; node: string; platform: string };
  loadAverage1mAtStart: number;
  loadAverage1mAtEnd: number;
  settings: {
    inference: { size: number; batch: number };
    train: { size: number; batch: number; step: string };
    warmup: number;
    iterations: number;
    threads: number;
    backends: string[];
    /** How params and FLOPs are obtained. */
    sizeSource: string;
  };
  models: {
    key: string;
    component: string;
    role: string;
    options?: Record<string, unknown>;
    params?: number;
    trainableParams?: number;
    macs?: number;
    flops?: number;
    results: StudentEngineResult[];
  }[];
}

function runChild(o: StudentsBenchOptions, backend: string, m: BenchModel): StudentEngineResult {
  const args = [o.script, '--students', '--engine', backend, '--student', m.key, '--size', String(o.size), '--batch', String(o.batch),
    '--threads', String(o.threads), '--iterations', String(o.iterations), '--warmup', String(o.warmup)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60 * 60_000, maxBuffer: 64 * 2 ** 20 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let parsed: StudentEngineResult;
  try {
    parsed = JSON.parse(last) as StudentEngineResult;
  } catch {
    const why = (r.stderr || (r.error ? r.error.message : '') || `exit ${r.status ?? r.signal}`).trim().split('\n').slice(-2).join(' ');
    parsed = { model: m.key, component: m.component, engine: engineName(backend), version: '-', threads: o.threads, status: 'failed', note: why };
  }
  // An optional backend that is not installed is a skip, not a failure.
  if (parsed.status === 'failed' && isSkip(parsed.note)) parsed.status = 'skipped';
  return parsed;
}

/** Parent of `--students`: one child process per (model, backend), then the table and the JSON report. */
export function runStudentsBench(o: StudentsBenchOptions): StudentsReport {
  const models = o.models ?? BENCH_MODELS;
  const loadAtStart = os.loadavg()[0]!;
  const skippedBackends = new Map<string, StudentEngineResult>();
  const rows: StudentsReport['models'] = [];
  for (const m of models) {
    const results: StudentEngineResult[] = [];
    for (const backend of o.backends) {
      const skipped = skippedBackends.get(backend);
      if (skipped) {
        results.push({ ...skipped, model: m.key, component: m.component });
        continue;
      }
      process.stderr.write(`… ${m.key} on ${engineName(backend)}\n`);
      const r = runChild(o, backend, m);
      if (r.status === 'skipped') skippedBackends.set(backend, r);
      results.push(r);
    }
    const ok = results.find((r) => r.status === 'ok' && r.summary);
    rows.push({
      key: m.key,
      component: m.component,
      role: m.role,
      ...(ok?.options ? { options: ok.options } : {}),
      ...(ok?.summary ? { params: ok.summary.params, trainableParams: ok.summary.trainableParams, macs: ok.summary.macs, flops: ok.summary.flops } : {}),
      results,
    });
  }
  const cpus = os.cpus();
  const report: StudentsReport = {
    date: new Date().toISOString(),
    machine: { cpuModel: cpus[0]?.model ?? 'unknown', cpus: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}/${process.arch}` },
    loadAverage1mAtStart: round(loadAtStart),
    loadAverage1mAtEnd: round(os.loadavg()[0]!),
    settings: {
      inference: { size: o.size, batch: o.batch },
      train: { size: TRAIN_SIZE, batch: TRAIN_BATCH, step: 'forward (training mode) + softmax cross-entropy vs random labels + backward (tf.variableGrads) + GraphFlow optimizer/adam lr 1e-3 (what stage/supervised and stage/distill train with)' },
      warmup: o.warmup,
      iterations: o.iterations,
      threads: o.threads,
      backends: o.backends,
      sizeSource: 'SegmentationModel.summary(size, size) → describeModelSize (what `graphflow summary` prints): one image, FLOPs = 2 × MACs of conv/transposed-conv/dense/attention layers',
    },
    models: rows,
  };
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

function table(head: string[], rows: string[][], rightAligned: Set<number>): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The printed report: machine line, one row per model, the skipped/failed cells, then each backend's kernel profile per model. */
export function formatStudentsReport(r: StudentsReport): string {
  const s = r.settings;
  const engines = s.backends.map(engineName);
  // The side-by-side ratio of the first tfjs backend listed to the PyTorch twin, when both ran.
  const versus = engines.includes(PYTORCH_ENGINE) ? engines.find((e) => e !== PYTORCH_ENGINE) : undefined;
  const head = ['model', 'role', 'params', `GFLOP@${s.inference.size}²`, ...engines.flatMap((e) => [`${e} infer ms`, `${e} train ms`]),
    ...(versus ? [`${versus} ÷ pytorch (infer, train)`] : [])];
  const okResult = (m: StudentsReport['models'][number], e: string): StudentEngineResult | undefined => {
    const x = m.results.find((y) => y.engine === e);
    return x?.status === 'ok' && x.inference && x.train ? x : undefined;
  };
  const ratio = (m: StudentsReport['models'][number]): string => {
    const a = okResult(m, versus!);
    const b = okResult(m, PYTORCH_ENGINE);
    return a && b ? `${(a.inference!.medianMs / b.inference!.medianMs).toFixed(2)}×, ${(a.train!.medianMs / b.train!.medianMs).toFixed(2)}×` : '-';
  };
  const problems = new Set<string>();
  const rows = r.models.map((m) => [
    m.key,
    m.role,
    m.params !== undefined ? `${(m.params / 1e6).toFixed(3)} M` : '?',
    m.flops !== undefined ? (m.flops / 1e9).toFixed(3) : '?',
    ...engines.flatMap((e) => {
      const x = m.results.find((y) => y.engine === e);
      if (!x || x.status !== 'ok' || !x.inference || !x.train) {
        // A skipped backend is skipped for every model: say so once.
        if (x) problems.add(`${e}${x.status === 'skipped' ? '' : ` · ${m.key}`}: ${x.status}: ${x.note ?? ''}`);
        return [x?.status ?? '-', x?.status ?? '-'];
      }
      return [`${ms(x.inference.medianMs)} (min ${ms(x.inference.minMs)})`, `${ms(x.train.medianMs)} (min ${ms(x.train.minMs)})`];
    }),
    ...(versus ? [ratio(m)] : []),
  ]);
  const out = [
    `Students and teachers (@graphflow/backbones defaults): inference ${s.inference.size}×${s.inference.size} batch ${s.inference.batch}; ` +
      `training step ${s.train.size}×${s.train.size} batch ${s.train.batch} (forward, softmax CE, backward, GraphFlow optimizer/adam; PyTorch: torch.optim.Adam); median (min) of ${s.iterations} after ${s.warmup} warm-up`,
    `Params and FLOPs: model.summary(${s.inference.size}, ${s.inference.size}) as in \`graphflow summary\` (one image, FLOPs = 2 × MACs)`,
    `Machine: ${r.machine.cpuModel}, ${r.machine.cpus} CPU(s), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ${s.threads} thread(s); ` +
      `1-min load ${r.loadAverage1mAtStart} → ${r.loadAverage1mAtEnd}${r.loadAverage1mAtStart > 0.5 ? '  (MACHINE UNDER LOAD: numbers are pessimistic)' : ''}`,
    '',
    ...table(head, rows, new Set(head.map((_, i) => i).filter((i) => i >= 2))),
  ];
  if (problems.size) out.push('', ...problems);
  for (const e of engines) {
    for (const m of r.models) {
      const x = m.results.find((y) => y.engine === e);
      if (!x?.trainKernels?.length || !x.train) continue;
      const total = x.trainKernelTotalMs ?? x.trainKernels.reduce((a, b) => a + b.totalMs, 0);
      out.push('', `${e} · ${m.key}: one training step's kernel time, ${total.toFixed(0)} ms in ${x.trainKernelCount ?? '?'} kernels (top ${x.trainKernels.length}); loss ${x.train.lastLoss}`);
      for (const k of x.trainKernels) {
        out.push(`  ${k.kernel.padEnd(28)} ${k.totalMs.toFixed(1).padStart(9)} ms  ${((100 * k.totalMs) / total).toFixed(1).padStart(5)} %  ${String(k.calls).padStart(5)} calls`);
      }
    }
  }
  return out.join('\n');
}
