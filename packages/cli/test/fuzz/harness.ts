/**
 * Runs fuzz cases (see mutate.ts) against the real loader, validator and CLI with GraphFlow's own plugins, and checks
 * what must hold for every input whatever it is:
 * - no uncaught exception and nothing but a GraphFlowError escapes loadManifest / validateManifest / preparePipeline;
 * - no GF_INTERNAL, and every error and problem code is listed in ERROR_CODES;
 * - `graphflow validate` exits 0, 1 or 2 and prints no stack trace;
 * - each case finishes within a time bound (CPU time of this process, so other processes on the machine do not
 *   make it flaky; wall time is reported too);
 * - Object.prototype (and Array.prototype, Function.prototype) have exactly the own properties they had before.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ERROR_CODES, deriveRng, isGraphFlowError, type Registry } from '@graphflow/core';
import { createRegistry, loadManifest, parseOverride, preparePipeline, readJsonSource, validateManifest } from '@graphflow/core/host';
import { fileVariants, variantOverrides } from '../../src/ablation/variants';
import { main } from '../../src/main';
import { cliPluginSetup } from '../../src/plugin-setup';
import { generateCase, neuterPlugins, type ExampleManifest, type FuzzCase } from './mutate';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Per-case bound in milliseconds of CPU time (default 2000). */
  boundMs?: number;
  /** Run only these case indices (to replay a failure). */
  only?: number[];
  /** Called after each case (progress). */
  onCase?: (result: CaseResult) => void;
}

export type Failure = 'crash' | 'internal' | 'unknown-code' | 'hang' | 'pollution' | 'stack-trace' | 'exit-code';

export interface CaseResult {
  index: number;
  kind: string;
  via: FuzzCase['via'];
  /** Error code, or `ok` when the manifest was valid. */
  code: string;
  cpuMs: number;
  wallMs: number;
  failures: { failure: Failure; detail: string }[];
}

export interface FuzzSummary {
  seed: number;
  cases: number;
  crashes: number;
  internal: number;
  unknownCodes: number;
  hangs: number;
  pollution: number;
  cliStackTraces: number;
  boundMs: number;
  maxCpuMs: number;
  p99CpuMs: number;
  maxWallMs: number;
  p99WallMs: number;
  totalSeconds: number;
  codes: Record<string, number>;
  kinds: Record<string, number>;
  slowest: { index: number; kind: string; cpuMs: number; wallMs: number }[];
  failed: CaseResult[];
}

/** The example manifests: `examples/<dir>/*.json` that are manifests (not package.json, tsconfig, variants files). */
export async function exampleManifests(root = REPO_ROOT): Promise<ExampleManifest[]> {
  const out: ExampleManifest[] = [];
  const dirs = (await fs.readdir(path.join(root, 'examples'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const dir of dirs) {
    const files = (await fs.readdir(path.join(root, 'examples', dir))).filter((f) => f.endsWith('.json') && !['package.json', 'tsconfig.json'].includes(f) && !f.endsWith('.variants.json')).sort();
    for (const file of files) {
      const value = JSON.parse(await fs.readFile(path.join(root, 'examples', dir, file), 'utf8')) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) out.push({ path: `examples/${dir}/${file}`, value: value as Record<string, unknown> });
    }
  }
  return out;
}

const WATCHED: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
];

function snapshot(): Map<string, Map<string | symbol, unknown>> {
  const out = new Map<string, Map<string | symbol, unknown>>();
  for (const [name, proto] of WATCHED) {
    const props = new Map<string | symbol, unknown>();
    for (const key of Reflect.ownKeys(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      props.set(key, 'value' in d ? d.value : d.get);
    }
    out.set(name, props);
  }
  return out;
}

/** What changed since `before` (and undo it, so one polluting case cannot taint the next). */
function pollutionSince(before: Map<string, Map<string | symbol, unknown>>): string[] {
  const changes: string[] = [];
  for (const [name, proto] of WATCHED) {
    const was = before.get(name)!;
    for (const key of Reflect.ownKeys(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key)!;
      if (!was.has(key)) {
        changes.push(`${name}.${String(key)} added`);
        delete (proto as Record<string | symbol, unknown>)[key];
      } else if (('value' in d ? d.value : d.get) !== was.get(key)) {
        changes.push(`${name}.${String(key)} changed`);
      }
    }
    for (const key of was.keys()) if (!Object.prototype.hasOwnProperty.call(proto, key)) changes.push(`${name}.${String(key)} removed`);
  }
  return changes;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Error → code, checking that it is a coded GraphFlowError. */
function classify(error: unknown, failures: CaseResult['failures']): string {
  if (error === undefined) return 'ok';
  if (!isGraphFlowError(error)) {
    const e = error as Error;
    failures.push({ failure: 'crash', detail: `${e?.constructor?.name ?? typeof error}: ${String(e?.message ?? error).slice(0, 300)}\n${String(e?.stack ?? '').split('\n').slice(1, 6).join('\n')}` });
    return `uncaught:${e?.constructor?.name ?? typeof error}`;
  }
  if (error.code === 'GF_INTERNAL') failures.push({ failure: 'internal', detail: error.message.slice(0, 500) });
  for (const code of [error.code, ...error.problems.map((p) => p.code)]) {
    if (!(code in ERROR_CODES)) failures.push({ failure: 'unknown-code', detail: String(code) });
  }
  return error.code;
}

/** Run the given `graphflow` argv in-process and turn what it printed into a code. */
async function runCli(argv: string[], failures: CaseResult['failures']): Promise<string> {
  let out = '';
  let err = '';
  let exit: number;
  try {
    exit = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  } catch (e) {
    return classify(e, failures); // main() itself must never throw
  }
  const printed = out + err;
  if (/GF_INTERNAL/.test(printed)) failures.push({ failure: 'internal', detail: printed.slice(0, 500) });
  if (/^\s+at .+(:\d+:\d+\)?|\(native\))$/m.test(printed)) failures.push({ failure: 'stack-trace', detail: printed.slice(0, 500) });
  if (![0, 1, 2].includes(exit)) failures.push({ failure: 'exit-code', detail: `exit ${exit}` });
  if (exit === 0) return 'ok';
  let code = /^error (GF_[A-Z_]+)/m.exec(err)?.[1];
  if (!code) {
    try {
      code = (JSON.parse(out) as { code?: string }).code;
    } catch {
      code = undefined;
    }
  }
  // Commander's own usage errors (exit 2, no GF code) are fine: e.g. a --set value that looks like an option.
  if (!code) return /^error: /m.test(err) ? 'usage' : 'no-code';
  if (!(code in ERROR_CODES)) failures.push({ failure: 'unknown-code', detail: code });
  return code;
}

async function writeFiles(dir: string, c: FuzzCase): Promise<void> {
  for (const file of c.files) {
    const target = path.join(dir, file.path);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, file.bytes ?? file.text ?? '');
  }
}

async function removeFiles(dir: string, c: FuzzCase): Promise<void> {
  for (const file of c.files) await fs.rm(path.join(dir, file.path), { force: true });
  await fs.rm(path.join(dir, `case-${c.index}`), { recursive: true, force: true });
}

async function execute(c: FuzzCase, dir: string, registry: Registry, failures: CaseResult['failures']): Promise<string> {
  const file = path.join(dir, c.entry);
  if (c.via === 'cli') {
    return runCli(['validate', file, ...c.sets.flatMap((s) => ['--set', s]), ...(c.cliFlags ?? [])], failures);
  }
  try {
    const overrides = c.sets.map(parseOverride);
    if (c.via === 'variants') {
      const source = await readJsonSource(path.join(dir, c.variantsFile!));
      for (const variant of fileVariants(source.value, source.file, source)) {
        validateManifest(await loadManifest(file, [...overrides, ...variantOverrides(variant)]), registry);
      }
    } else if (c.via === 'prepare') {
      await preparePipeline(file, overrides, cliPluginSetup());
    } else {
      validateManifest(await loadManifest(file, overrides), registry);
    }
    return 'ok';
  } catch (e) {
    return classify(e, failures);
  }
}

/** Copy the example manifests (plugins neutered) into `dir`, so example-based cases resolve their `extends`. */
async function layExamples(dir: string, examples: readonly ExampleManifest[]): Promise<void> {
  for (const example of examples) {
    const value = JSON.parse(JSON.stringify(example.value)) as Record<string, unknown>;
    neuterPlugins(value);
    const target = path.join(dir, example.path);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, JSON.stringify(value, null, 2));
  }
}

/** Run `options.cases` seeded cases; returns the summary (the caller decides what fails). */
export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const boundMs = options.boundMs ?? 2000;
  const started = performance.now();
  const examples = await exampleManifests();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-fuzz-'));
  const cwd = process.cwd();
  const results: CaseResult[] = [];
  try {
    await layExamples(dir, examples);
    // Relative data roots and plugin paths resolve inside the temp folder, never in the repository.
    process.chdir(dir);
    const registry = await createRegistry(cliPluginSetup());
    const indices = options.only ?? Array.from({ length: options.cases }, (_, i) => i);
    for (const index of indices) {
      const c = generateCase(deriveRng(options.seed, 'manifest-fuzz', index), index, examples);
      await writeFiles(dir, c);
      const failures: CaseResult['failures'] = [];
      const before = snapshot();
      const cpu0 = cpuNow();
      const wall0 = performance.now();
      let code: string;
      try {
        code = await execute(c, dir, registry, failures);
      } catch (e) {
        code = classify(e, failures);
      }
      const cpuMs = cpuNow() - cpu0;
      const wallMs = performance.now() - wall0;
      const polluted = pollutionSince(before);
      if (polluted.length) failures.push({ failure: 'pollution', detail: polluted.join(', ') });
      if (cpuMs > boundMs) failures.push({ failure: 'hang', detail: `${Math.round(cpuMs)} ms CPU (${Math.round(wallMs)} ms wall), bound ${boundMs} ms` });
      const result: CaseResult = { index, kind: c.kind, via: c.via, code, cpuMs, wallMs, failures };
      results.push(result);
      options.onCase?.(result);
      await removeFiles(dir, c);
    }
  } finally {
    process.chdir(cwd);
    await fs.rm(dir, { recursive: true, force: true });
  }
  const count = (pred: (f: Failure) => boolean) => results.filter((r) => r.failures.some((f) => pred(f.failure))).length;
  const tally = (key: (r: CaseResult) => string) => {
    const out: Record<string, number> = {};
    for (const r of results) out[key(r)] = (out[key(r)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
  };
  const cpu = results.map((r) => r.cpuMs);
  const wall = results.map((r) => r.wallMs);
  return {
    seed: options.seed,
    cases: results.length,
    crashes: count((f) => f === 'crash'),
    internal: count((f) => f === 'internal'),
    unknownCodes: count((f) => f === 'unknown-code' || f === 'exit-code'),
    hangs: count((f) => f === 'hang'),
    pollution: count((f) => f === 'pollution'),
    cliStackTraces: count((f) => f === 'stack-trace'),
    boundMs,
    maxCpuMs: Math.max(0, ...cpu),
    p99CpuMs: percentile(cpu, 99),
    maxWallMs: Math.max(0, ...wall),
    p99WallMs: percentile(wall, 99),
    totalSeconds: (performance.now() - started) / 1000,
    codes: tally((r) => r.code),
    kinds: tally((r) => `${r.kind} via ${r.via}`),
    slowest: [...results].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 5).map((r) => ({ index: r.index, kind: r.kind, cpuMs: Math.round(r.cpuMs), wallMs: Math.round(r.wallMs) })),
    failed: results.filter((r) => r.failures.length > 0),
  };
}

/** The summary as text: the counts that must be zero first, then timings and codes. */
export function formatSummary(s: FuzzSummary): string {
  const lines = [
    `manifest fuzz: seed ${s.seed}, ${s.cases} cases in ${s.totalSeconds.toFixed(1)} s`,
    `  crashes (uncaught / not a GraphFlowError): ${s.crashes}`,
    `  GF_INTERNAL: ${s.internal}`,
    `  unknown codes or exit codes: ${s.unknownCodes}`,
    `  CLI stack traces: ${s.cliStackTraces}`,
    `  hangs (> ${s.boundMs} ms CPU): ${s.hangs}`,
    `  prototype pollution: ${s.pollution}`,
    `  time per case: max ${Math.round(s.maxCpuMs)} ms CPU / ${Math.round(s.maxWallMs)} ms wall, p99 ${Math.round(s.p99CpuMs)} ms CPU / ${Math.round(s.p99WallMs)} ms wall`,
    `  slowest: ${s.slowest.map((x) => `#${x.index} ${x.kind} ${x.cpuMs} ms`).join(', ')}`,
    `  codes: ${Object.entries(s.codes).map(([c, n]) => `${c} ${n}`).join(', ')}`,
    `  kinds: ${Object.entries(s.kinds).map(([c, n]) => `${c} ${n}`).join(', ')}`,
  ];
  for (const f of s.failed.slice(0, 20)) {
    lines.push(`  FAILED case ${f.index} (${f.kind} via ${f.via}, replay: GRAPHFLOW_FUZZ_SEED=${s.seed} GRAPHFLOW_FUZZ_ONLY=${f.index}):`);
    for (const x of f.failures) lines.push(`    ${x.failure}: ${x.detail.replace(/\n/g, '\n      ')}`);
  }
  if (s.failed.length > 20) lines.push(`  … and ${s.failed.length - 20} more failed cases`);
  return lines.join('\n');
}

/** Options from the environment: GRAPHFLOW_FUZZ_CASES, GRAPHFLOW_FUZZ_SEED, GRAPHFLOW_FUZZ_BOUND_MS, GRAPHFLOW_FUZZ_ONLY. */
export function optionsFromEnv(env: NodeJS.ProcessEnv, defaults: { cases: number }): FuzzOptions {
  const int = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
    return v;
  };
  const only = env['GRAPHFLOW_FUZZ_ONLY'] ? env['GRAPHFLOW_FUZZ_ONLY'].split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n >= 0) : undefined;
  // Default seed: fixed, so the suite is deterministic; set GRAPHFLOW_FUZZ_SEED to explore.
  return { cases: int('GRAPHFLOW_FUZZ_CASES', defaults.cases), seed: int('GRAPHFLOW_FUZZ_SEED', 20240601), boundMs: int('GRAPHFLOW_FUZZ_BOUND_MS', 2000), ...(only ? { only } : {}) };
}
