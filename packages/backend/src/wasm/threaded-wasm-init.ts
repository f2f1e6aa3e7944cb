import * as fs from 'node:fs';
// The real module object (not an import-star copy): tfjs's Emscripten glue calls require('os').cpus().
import os = require('node:os');
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';

/** What initialising the wasm backend produced. */
export interface WasmInitResult {
  threads: number;
  requestedThreads: number;
  /** Which binary loaded: `threaded-simd`, `simd` or `plain`. */
  binary: 'threaded-simd' | 'simd' | 'plain';
  /** Why fewer threads than requested, when so. */
  note?: string;
}

/**
 * Starts tfjs's wasm backend with XNNPACK's thread pool really running in Node.
 *
 * tfjs-backend-wasm 4.22 disables threads under Node (its WASM_HAS_MULTITHREAD_SUPPORT flag returns false
 * for Node), and even when forced on it cannot start: Emscripten spawns its pthread workers from a
 * `blob:` URL, which Node's worker_threads rejects, and the pool size is capped at
 * os.cpus().length / 2 (a hyper-threading guess), i.e. 1 on a 2-core machine. So, only while the backend
 * initialises, we (1) force the flag, (2) hand Emscripten a real file holding the same worker script,
 * whose `URL.createObjectURL` points at the package's threaded-simd loader on disk, and (3) report
 * 2 × threads cores so the cap becomes `threads`. Everything is restored afterwards. Measured on 2 cores:
 * conv2d 46 → 27 ms, 1024² matMul 74 → 37 ms, CPU/wall 1.07 → 1.64.
 */
export async function initThreadedWasm(requestedThreads: number): Promise<WasmInitResult> {
  const threads = Math.max(1, Math.floor(requestedThreads));
  if (threads === 1) {
    tfwasm.setThreadsCount(1);
    await setBackendOrThrow();
    return { threads: tfwasm.getThreadsCount(), requestedThreads, binary: 'simd' };
  }
  const wasmOut = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const loaderPath = path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  // The worker source ships as a JS string export; tfjs escapes its newlines the same way before use.
  const { wasmWorkerContents } = require(path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graphflow-wasm-'));
  const workerPath = path.join(dir, 'worker.js');
  // The pool's workers are all spawned during start-up (Emscripten pre-spawns 8), so the file is only
  // needed until then; removed at exit so runs do not litter the temp directory.
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(
    workerPath,
    `URL.createObjectURL=function(){return ${JSON.stringify(loaderPath)}};URL.revokeObjectURL=function(){};\n` +
      wasmWorkerContents.replace(/\n/g, '\\n'),
  );
  const realCreateObjectURL = URL.createObjectURL;
  const realCpus = os.cpus;
  const mutableOs = os as { cpus: typeof os.cpus };
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    URL.createObjectURL = (obj: Blob) => (obj.type === 'application/javascript' ? workerPath : realCreateObjectURL(obj));
    const one = realCpus()[0]!;
    mutableOs.cpus = () => Array.from({ length: 2 * threads }, () => one);
    tfwasm.setThreadsCount(threads);
    await setBackendOrThrow();
  } catch (e) {
    // The threaded start relies on tfjs internals; if a tfjs/Node change breaks it, run single-threaded
    // rather than let `auto` fall back to the ~300× slower cpu backend.
    URL.createObjectURL = realCreateObjectURL;
    mutableOs.cpus = realCpus;
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tfwasm.setThreadsCount(1);
    await setBackendOrThrow();
    return { threads: tfwasm.getThreadsCount(), requestedThreads, binary: 'simd', note: `threaded start failed (${(e as Error).message}); running single-threaded` };
  } finally {
    URL.createObjectURL = realCreateObjectURL;
    mutableOs.cpus = realCpus;
  }
  unrefPthreadWorkers();
  const actual = tfwasm.getThreadsCount();
  return {
    threads: actual,
    requestedThreads,
    binary: 'threaded-simd',
    ...(actual < threads ? { note: `XNNPACK started ${actual} of ${threads} requested threads` } : {}),
  };
}

interface NodeWorkerLike {
  unref(): void;
}
interface PThreadRegistry {
  unusedWorkers: NodeWorkerLike[];
  runningWorkers: NodeWorkerLike[];
  allocateUnusedWorker(): void;
}

/**
 * This Emscripten build never unrefs its pthread workers, so they would keep Node alive after the program
 * ends (a test file would never exit). Unref the pool and any worker allocated later; unref only affects
 * event-loop liveness, the workers keep computing.
 */
function unrefPthreadWorkers(): void {
  const registry = (tf.backend() as unknown as { wasm?: { PThread?: PThreadRegistry } }).wasm?.PThread;
  if (!registry) return;
  for (const w of [...registry.unusedWorkers, ...registry.runningWorkers]) w.unref();
  const allocate = registry.allocateUnusedWorker.bind(registry);
  registry.allocateUnusedWorker = () => {
    allocate();
    registry.unusedWorkers[registry.unusedWorkers.length - 1]?.unref();
  };
}

async function setBackendOrThrow(): Promise<void> {
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('tf.setBackend("wasm") returned false');
}
