import type * as tf from '@tensorflow/tfjs';
import type { InputSizeRequirement, TapDefaults, TapInfo } from '../contracts/backbone';

/** A named feature inside a network graph, before it becomes a model output. */
export interface SymbolicTap {
  info: TapInfo;
  tensor: tf.SymbolicTensor;
}

/**
 * What each network builder returns: the symbolic graph of a tfjs-layers functional model
 * plus the metadata GraphFlow needs (taps, defaults, valid input sizes).
 * `input` is [N, null, null, C] so one model serves every valid input size.
 */
export interface NetworkGraph {
  architecture: string;
  input: tf.SymbolicTensor;
  /** [N, H, W, K] class scores at input resolution. */
  logits: tf.SymbolicTensor;
  taps: SymbolicTap[];
  tapDefaults: TapDefaults;
  inputSize: InputSizeRequirement;
  /**
   * Custom layer classes whose saved form may name a built-in class with identical inference behaviour
   * (e.g. `{ MyDilatedConv2D: 'Conv2D' }`), so a saved model loads with plain tfjs.
   */
  portableClassNames?: Readonly<Record<string, string>>;
}

/**
 * The tap convention every built-in network follows, kept in one place: the first tap is the shallow default,
 * `bottleneck` the deep one, and cross-layer losses walk the taps in the order the network built them.
 */
export function conventionalTapDefaults(taps: readonly SymbolicTap[]): TapDefaults {
  const ordered = taps.map((t) => t.info.name);
  return { shallow: ordered[0]!, deep: 'bottleneck', ordered };
}

/** Input sides must be multiples of the network's total down-sampling factor (and at least one such multiple). */
export function sidesMultipleOf(factor: number): InputSizeRequirement {
  return { multiple: factor, minimum: factor };
}
