import * as tf from '@tensorflow/tfjs';
import { definePlugin, type Stage } from '../../src';

/** stage/steps: `steps` steps of a tensor sum; with `leak` each step keeps one tensor, which the stage suite must catch. */
export default definePlugin({
  name: 'leaky-stage',
  register(api) {
    api.component({
      kind: 'stage',
      name: 'steps',
      description: 'Sums 0..steps-1 on tensors; optionally leaks one tensor per step.',
      schema: { type: 'object', additionalProperties: false, properties: { steps: { type: 'integer', minimum: 1, default: 3 }, leak: { type: 'boolean', default: false } } },
      create: (o: { steps: number; leak: boolean }): Stage => ({
        async run(ctx) {
          let sum = 0;
          for (let i = 0; i < o.steps; i++) {
            if (ctx.signal.aborted) return {};
            const t = tf.scalar(i);
            sum += t.dataSync()[0]!;
            if (!o.leak) t.dispose();
          }
          return { metrics: { sum } };
        },
        async restore() {},
      }),
    });
  },
});
