import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '@graphflow/core';

/** The members of tfjs-layers' BatchNormalization this subclass reads (private in its typings). */
interface BatchNormalizationState {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type LayerClass = new (args: tf.serialization.ConfigDict) => tf.layers.Layer;

/** tfjs-layers exports only the factory; its class is the one registered for deserialisation. */
function builtinBatchNormalization(): LayerClass {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap['BatchNormalization'];
  if (!entry) throw new Error('tfjs-layers has not registered BatchNormalization');
  return entry[0] as unknown as LayerClass;
}

/**
 * tfjs-layers' BatchNormalization (same weights, names, config, inference and running-average update), with the
 * training pass through `batchNormTraining`: one fused kernel each way where the backend has it, which keeps one
 * activation per layer for the gradient instead of three. Saved as the built-in class (PORTABLE_CLASS_NAMES).
 * [..., C] → [..., C]; axis must be the last one for the fused path, any other axis runs the built-in code.
 */
export class FusedBatchNormalization extends builtinBatchNormalization() {
  static className = 'GraphFlowBatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    const s = this as unknown as BatchNormalizationState;
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const lastAxis = s.axis === -1 || s.axis === input.rank - 1;
    if (kwargs['training'] !== true || !lastAxis || !s.gamma || !s.beta || input.dtype !== 'float32') return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(input, s.gamma!.read() as tf.Tensor1D, s.beta!.read() as tf.Tensor1D, s.epsilon);
      // Exactly tfjs-layers' running-average update: v ← v − (v − batch)·(1 − momentum).
      for (const [variable, value] of [[s.movingMean, mean], [s.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const orig = variable.read();
          variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - s.momentum)));
        });
      }
      return y;
    });
  }
}

tf.serialization.registerClass(FusedBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
