import * as fs from 'node:fs';
import * as path from 'node:path';

/** Activation fused into a convolution, as the addon numbers them (native/ops/conv2d.cc). */
export const NATIVE_ACTIVATIONS = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 } as const;
export type NativeActivation = keyof typeof NATIVE_ACTIVATIONS;

/**
 * The addon's functions. Every tensor argument is a byte offset into `heap`, the wasm backend's memory as a Uint8Array
 * (a SharedArrayBuffer view under threaded wasm); outputs are written in place, so nothing is copied between JS and
 * native memory. Convolution geometry is one Int32Array of 18 values (see `convGeometry`).
 */
export interface NativeAddon {
  conv2d(heap: Uint8Array, geometry: Int32Array, x: number, filter: number, bias: number, y: number, activation: number, alpha: number): void;
  conv2dBackpropInput(heap: Uint8Array, geometry: Int32Array, dy: number, filter: number, dx: number): void;
  conv2dBackpropFilter(heap: Uint8Array, geometry: Int32Array, x: number, dy: number, dw: number): void;
  /** geometry: [N, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft] */
  maxPoolGrad(heap: Uint8Array, geometry: Int32Array, dy: number, x: number, dx: number): void;
  /** `outer` rows; row r of the output is row r of every input, side by side (rowBytes per input). */
  concat(heap: Uint8Array, outer: number, out: number, inputs: Uint32Array, rowBytes: Uint32Array): void;
  split(heap: Uint8Array, outer: number, x: number, outputs: Uint32Array, rowBytes: Uint32Array): void;
  /** Offsets of scale/offset are −1 when absent; counts are C or 1. */
  batchNorm(
    heap: Uint8Array, rows: number, channels: number, x: number, mean: number, variance: number, scale: number, offset: number, y: number,
    epsilon: number, meanCount: number, varianceCount: number, scaleCount: number, offsetCount: number,
  ): void;
  /** Training-mode batch norm; geometry [N, H, W, C] (NHWC). Writes y, and the batch's mean and biased variance [C]. */
  batchNormTraining(heap: Uint8Array, geometry: Int32Array, x: number, gamma: number, beta: number, y: number, mean: number, variance: number, epsilon: number): void;
  /** Its backward pass: writes dx, dgamma and dbeta. */
  batchNormTrainingGrad(
    heap: Uint8Array, geometry: Int32Array, dy: number, x: number, gamma: number, mean: number, variance: number,
    dx: number, dgamma: number, dbeta: number, epsilon: number,
  ): void;
  /** geometry [N, H, W, C, alphaCount]; alpha of C values (per channel) or 1. */
  prelu(heap: Uint8Array, geometry: Int32Array, x: number, alpha: number, y: number): void;
  preluGrad(heap: Uint8Array, geometry: Int32Array, dy: number, x: number, alpha: number, dx: number, dalpha: number): void;
  /** geometry: [Ba, Bb, M, K, N, transposeA, transposeB]; a batch of 1 broadcasts. */
  batchMatMul(heap: Uint8Array, geometry: Int32Array, a: number, b: number, c: number, bias?: number, activation?: number, alpha?: number): void;
  /** geometry: [N, H, W, C, bh, bw, padTop, padLeft, Hb, Wb]; x [N, H, W, C] → y [bh·bw·N, Hb, Wb, C]. */
  spaceToBatch(heap: Uint8Array, geometry: Int32Array, x: number, y: number, elementBytes: number): void;
  /** geometry: [N, H, W, C, bh, bw, cropTop, cropLeft, Hb, Wb]; x [bh·bw·N, Hb, Wb, C] → y [N, H, W, C]. */
  batchToSpace(heap: Uint8Array, geometry: Int32Array, x: number, y: number, elementBytes: number): void;
  /** x of `shape` → y of dims shape[perm[i]] (tf.transpose), 1- or 4-byte elements, rank ≤ 6. */
  transpose(heap: Uint8Array, shape: Int32Array, perm: Int32Array, x: number, y: number, elementBytes: number): void;
  /** dx = min ≤ x ≤ max ? dy : 0 over `count` floats. */
  clipByValueGrad(heap: Uint8Array, count: number, dy: number, x: number, dx: number, min: number, max: number): void;
  /** attrs: [beta1, beta2, 1−beta1, 1−beta2, epsilon, lr, c1, c2, weightDecay, lr·weightDecay, decoupled ? 1 : 0] */
  adamUpdate(heap: Uint8Array, count: number, w: number, g: number, m: number, v: number, wOut: number, mOut: number, vOut: number, attrs: Float64Array): void;
  /** What convolutions read their inputs in: float32, or bfloat16 with float32 accumulation and outputs. */
  setPrecision(precision: 'float32' | 'bfloat16'): void;
  setThreads(count: number): void;
  getThreads(): number;
  info(): { library: string; version: string; cpuRuntime: string; isa: string };
}

export type NativeAddonLoad = { addon: NativeAddon; file: string } | { addon: undefined; reason: string };

/** The one command that adds the native backend on Debian/Ubuntu. */
export const NATIVE_INSTALL_HINT = 'sudo apt-get install -y libdnnl-dev && npm rebuild @graphflow/backend-native';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const ADDON_FILE = path.join(PACKAGE_ROOT, 'build', 'Release', 'graphflow_native.node');
const STATUS_FILE = path.join(PACKAGE_ROOT, 'build', 'addon-status.json');

let loaded: NativeAddonLoad | undefined;

function buildStatusReason(): string {
  try {
    const status = JSON.parse(fs.readFileSync(STATUS_FILE, 'utf8')) as { built?: boolean; reason?: string };
    if (status.built === false && typeof status.reason === 'string') return status.reason;
  } catch {
    // No status file: the install step never ran here (e.g. installed with --ignore-scripts).
  }
  return 'the native addon was not built';
}

/**
 * Loads graphflow_native.node once. Never throws: a missing library or addon is a reason, so `auto` can fall back
 * to wasm and `graphflow doctor` can say what to install. `GRAPHFLOW_NATIVE=0` disables it.
 */
export function loadNativeAddon(): NativeAddonLoad {
  if (loaded) return loaded;
  if (process.env.GRAPHFLOW_NATIVE === '0') return (loaded = { addon: undefined, reason: 'disabled by GRAPHFLOW_NATIVE=0' });
  if (!fs.existsSync(ADDON_FILE)) return (loaded = { addon: undefined, reason: buildStatusReason() });
  // libgomp's default wait policy (spin ≈ 300,000 iterations, then sleep) is kept on purpose: with "passive" every
  // kernel waited for sleeping threads to be woken (ENet's oneDNN time 3.5× longer on these VMs), with "active" idle
  // threads would spin forever. The native backend runs wasm single-threaded, so nothing else competes for the cores.
  try {
    return (loaded = { addon: require(ADDON_FILE) as NativeAddon, file: ADDON_FILE });
  } catch (e) {
    return (loaded = { addon: undefined, reason: `the native addon failed to load: ${(e as Error).message.split('\n')[0]}` });
  }
}
