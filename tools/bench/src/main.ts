import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REFERENCE_UNET, forwardFlops, type UNetConfig } from './reference-unet';
import { runTfjsEngine } from './run-tfjs-engine';
import { runPytorchTwin } from './pytorch-twin';
import { isSkip, tfjsEngineName, type EngineResult } from './bench-result';
import { formatTable } from './format-table';
import { benchModel, formatStudentsReport, runStudentEngine, runStudentsBench, type StudentEngineResult } from './students';

const HELP = `Usage: npm run bench -- [options]   (or: npx nx run @graphflow/bench:bench -- [options])

Benchmarks the reference U-Net (issue 3): one training step (forward, softmax CE, backward, Adam) and one
inference pass on each available tfjs backend, plus a PyTorch twin when a Python with torch is found.

  --size N          input size (default 128)        --base N     base channels (default 16)
  --batch N         batch size (default 4)          --threads N  threads for wasm and PyTorch (default: all cores)
  --iterations N    timed iterations (default 10)   --warmup N   untimed warm-up iterations (default 2)
  --backends LIST   comma list of tfjs backends, NAME or NAME:bfloat16 (default: every available one except cpu,
                    and native:bfloat16 where the CPU has bf16 units)
  --cpu             also run the pure-JS cpu backend, 1 iteration, no warm-up (≈35 s/step at the reference size)
  --no-torch        skip the PyTorch twin
  --out FILE        JSON report path (default bench-results/unet-latest.json)
  --engine NAME     internal: run one tfjs backend in this process and print its JSON

Students mode: npm run bench -- --students [--size 256] [--batch 1] [--backends native,wasm] [--iterations N] [--warmup N] [--threads N]
  Times the shipped students (backbone/mobile-unet, enet, erfnet) and the teachers (backbone/unet, transunet), each
  built by its @graphflow/backbones component at its defaults, on each tfjs backend, one child process per model
  and backend: inference at size×size (default 256, batch default 1), one training step (forward, softmax CE,
  backward, GraphFlow's optimizer/adam as the trainers use it; torch.optim.Adam in the twin) at 128×128 batch 4 with its top-12 kernel profile, and params/FLOPs from model.summary(size, size).
  --backends default native,native:bfloat16,wasm,pytorch, where pytorch is the PyTorch twin of each tf.layers model:
  its layer graph exported and rebuilt layer for layer in torch (tools/bench/python/layer_graph_twin.py), checked to
  have the same trainable params, timed the same way in the same run (--no-torch leaves it out); the table then has
  the first tfjs backend's time ÷ the twin's. --out default bench-results/students-latest.json.
  --models LIST     only these (mobile-unet, enet, erfnet, unet, transunet; default all five)
  --student KEY     internal (with --engine): the model to run in this process`;

function main(): void {
  const { values } = parseArgs({
    options: {
      size: { type: 'string' }, base: { type: 'string' }, batch: { type: 'string' }, threads: { type: 'string' },
      iterations: { type: 'string' }, warmup: { type: 'string' }, backends: { type: 'string' }, cpu: { type: 'boolean' },
      'no-torch': { type: 'boolean' }, out: { type: 'string' }, engine: { type: 'string' }, help: { type: 'boolean' },
      students: { type: 'boolean' }, student: { type: 'string' }, models: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const int = (v: string | undefined, d: number, name: string): number => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
  if (values.students) {
    const size = int(values.size, 256, 'size');
    const batch = int(values.batch, 1, 'batch');
    const threads = int(values.threads, os.availableParallelism(), 'threads');
    const iterations = int(values.iterations, 10, 'iterations');
    const warmup = values.warmup === '0' ? 0 : int(values.warmup, 2, 'warmup');
    if (values.engine) {
      // Child mode: one (backend, model) pair, JSON on the last stdout line.
      const student = values.student ?? '';
      void runStudentEngine({ backend: values.engine, student, size, batch, warmup, iterations, threads })
        .then((r) => console.log(JSON.stringify(r)))
        .catch((e: Error) => {
          console.log(JSON.stringify({ model: student, component: `backbone/${student}`, engine: tfjsEngineName(values.engine!), version: '-', threads, status: 'failed', note: e.message } satisfies StudentEngineResult));
        });
      return;
    }
    const backends = (values.backends ?? 'native,native:bfloat16,wasm,pytorch').split(',').map((x) => x.trim()).filter(Boolean)
      .filter((b) => !(values['no-torch'] && b === 'pytorch'));
    const out = values.out ?? path.join(__dirname, '..', '..', '..', '..', 'bench-results', 'students-latest.json');
    const models = values.models?.split(',').map((x) => benchModel(x.trim()));
    const report = runStudentsBench({ script: __filename, backends, ...(models ? { models } : {}), size, batch, warmup, iterations, threads, out });
    console.log(formatStudentsReport(report));
    console.log(`\nJSON written to ${path.relative(process.cwd(), out)}`);
    return;
  }
  const config: UNetConfig = { ...REFERENCE_UNET, size: int(values.size, REFERENCE_UNET.size, 'size'), base: int(values.base, REFERENCE_UNET.base, 'base'), batch: int(values.batch, REFERENCE_UNET.batch, 'batch') };
  const threads = int(values.threads, os.availableParallelism(), 'threads');
  const iterations = int(values.iterations, 10, 'iterations');
  const warmup = values.warmup === '0' ? 0 : int(values.warmup, 2, 'warmup');

  const engine = values.engine;
  if (engine) {
    // Child mode: one backend, JSON on the last stdout line.
    void runTfjsEngine({ backend: engine, config, warmup, iterations, threads })
      .then((r) => console.log(JSON.stringify(r)))
      .catch((e: Error) => {
        console.log(JSON.stringify({ engine: tfjsEngineName(engine), version: '-', threads, status: 'failed', note: e.message } satisfies EngineResult));
      });
    return;
  }

  const requested = values.backends ? values.backends.split(',').map((s) => s.trim()) : ['tfjs-node-gpu', 'tfjs-node', 'native', 'native:bfloat16', 'wasm'];
  if (values.cpu && !requested.includes('cpu')) requested.push('cpu');
  const results: EngineResult[] = [];
  const loadAtStart = os.loadavg()[0]!;
  for (const backend of requested) {
    const slow = backend === 'cpu';
    process.stderr.write(`… ${tfjsEngineName(backend)}${slow ? ' (1 iteration, no warm-up: the pure-JS backend is slow)' : ''}\n`);
    const args = [__filename, '--engine', backend, '--size', String(config.size), '--base', String(config.base), '--batch', String(config.batch),
      '--threads', String(threads), '--iterations', String(slow ? 1 : iterations), '--warmup', String(slow ? 0 : warmup)];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60 * 60_000, maxBuffer: 64 * 2 ** 20 });
    const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    let parsed: EngineResult;
    try {
      parsed = JSON.parse(last) as EngineResult;
    } catch {
      parsed = { engine: tfjsEngineName(backend), version: '-', threads, status: 'failed', note: (r.stderr || 'no output').trim().split('\n').slice(-2).join(' ') };
    }
    // An optional backend that is not installed is a skip, not a failure.
    if (parsed.status === 'failed' && isSkip(parsed.note)) parsed.status = 'skipped';
    results.push(parsed);
  }
  if (!values.cpu && !requested.includes('cpu')) {
    results.push({ engine: 'tfjs-cpu', version: '-', threads: 1, status: 'skipped', note: 'pure-JS backend: ≈35 s per step at this size, 1 iteration; pass --cpu' });
  }
  if (!values['no-torch']) {
    process.stderr.write('… PyTorch twin\n');
    results.push(runPytorchTwin(config, { warmup, iterations, threads }));
  }
  const cpus = os.cpus();
  const report = {
    date: new Date().toISOString(),
    machine: { cpuModel: cpus[0]?.model ?? 'unknown', cpus: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}/${process.arch}` },
    loadAverage1mAtStart: Math.round(loadAtStart * 100) / 100,
    loadAverage1mAtEnd: Math.round(os.loadavg()[0]! * 100) / 100,
    model: { ...config, forwardGflop: Math.round(forwardFlops(config) / 1e7) / 100, trainGflop: Math.round((3 * forwardFlops(config)) / 1e7) / 100 },
    results,
  };
  // bench-results/ at the repository root is git-ignored: results are machine-specific.
  const out = values.out ?? path.join(__dirname, '..', '..', '..', '..', 'bench-results', 'unet-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatTable(report));
  console.log(`\nJSON written to ${path.relative(process.cwd(), out)}`);
}

main();
