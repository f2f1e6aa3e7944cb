import * as tf from '@tensorflow/tfjs';
import {
  assignWeights,
  defineComponent,
  GraphFlowError,
  readWeights,
  writeWeights,
  type ComponentContext,
  type FeatureParaphraser,
  type NamedWeight,
  type Rng,
  type SegmentationModel,
} from '@graphflow/core';
import { ConvLayer, leakyRelu } from '../util/conv';
import { componentRng } from '../util/seed';
import { requireTaps } from '../util/taps';
import { stopGradient } from '../util/stop-gradient';

export interface ParaphraserOptions {
  teacher: string;
  taps: string[];
  rate: number;
  channels: number | null;
  depth: number;
  reconstruction: 'l1' | 'l2';
}

/**
 * One tap's autoencoder. Encoder: `depth` conv3×3 + LeakyReLU(0.1) layers, C → … → C′ (the last maps to C′);
 * decoder mirrors it back to C, its last layer linear so it can reproduce signed features.
 * encode: [N,h,w,C] → [N,h,w,C′]; decode: [N,h,w,C′] → [N,h,w,C].
 */
class TapAutoencoder {
  readonly encoder: ConvLayer[] = [];
  readonly decoder: ConvLayer[] = [];

  constructor(tap: string, channels: number, factor: number, depth: number, rng: Rng) {
    const widths = Array.from({ length: depth + 1 }, (_, i) => (i === depth ? factor : channels));
    for (let i = 0; i < depth; i++) this.encoder.push(new ConvLayer(`${tap}.enc${i + 1}`, widths[i]!, widths[i + 1]!, 3, 1, rng));
    for (let i = depth; i > 0; i--) this.decoder.push(new ConvLayer(`${tap}.dec${depth - i + 1}`, widths[i]!, widths[i - 1]!, 3, 1, rng));
  }

  encode(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.encoder.reduce((h, l) => leakyRelu(l.apply(h), 0.1), x));
  }

  decode(f: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.decoder.reduce((h, l, i) => (i === this.decoder.length - 1 ? l.apply(h) : leakyRelu(l.apply(h), 0.1)), f));
  }

  layers(): ConvLayer[] {
    return [...this.encoder, ...this.decoder];
  }
}

/**
 * The paraphraser of factor transfer (Kim, Park, Kwak, NeurIPS 2018), one autoencoder per teacher tap.
 * Trained unsupervised (its own stage) to reconstruct the frozen teacher's taps; distillation uses only `encode`.
 */
export class Paraphraser implements FeatureParaphraser {
  readonly architecture = 'module/paraphraser';
  readonly teacherTaps: readonly string[];
  readonly factorChannels: Readonly<Record<string, number>>;
  private readonly nets = new Map<string, TapAutoencoder>();

  constructor(teacher: SegmentationModel, private readonly options: ParaphraserOptions, rng: Rng) {
    const taps = options.taps.length > 0 ? options.taps : teacher.tapDefaults.ordered;
    const infos = requireTaps(teacher, taps, '/taps', 'teacher');
    const factors: Record<string, number> = {};
    for (const info of infos) {
      const factor = options.channels ?? Math.max(1, Math.round(options.rate * info.channels));
      factors[info.name] = factor;
      this.nets.set(info.name, new TapAutoencoder(info.name, info.channels, factor, options.depth, rng));
    }
    this.teacherTaps = infos.map((t) => t.name);
    this.factorChannels = factors;
  }

  private net(tap: string): TapAutoencoder {
    const net = this.nets.get(tap);
    if (!net) {
      throw new GraphFlowError('GF_OPTIONS_INVALID', `the paraphraser was not built for teacher tap "${tap}"`, {
        problems: [{ code: 'GF_OPTIONS_INVALID', message: `the paraphraser was not built for teacher tap "${tap}"`, pointer: '/taps', expected: `one of: ${this.teacherTaps.join(', ')} (add it to the paraphraser's taps)` }],
      });
    }
    return net;
  }

  encode(tap: string, feature: tf.Tensor4D, _training: boolean): tf.Tensor4D {
    return this.net(tap).encode(feature);
  }

  /** encode then decode: [N,h,w,C] → [N,h,w,C]. */
  reconstruct(tap: string, feature: tf.Tensor4D): tf.Tensor4D {
    const net = this.net(tap);
    return tf.tidy(() => net.decode(net.encode(feature)));
  }

  /** Mean over taps of mean |x − x̂| (l1) or mean (x − x̂)² (l2); the teacher features are constants. */
  reconstructionLoss(features: Readonly<Record<string, tf.Tensor4D>>): tf.Scalar {
    return tf.tidy(() => {
      const taps = Object.keys(features);
      if (taps.length === 0) throw new Error('reconstructionLoss needs at least one teacher tap');
      const terms = taps.map((tap) => {
        const target = stopGradient(features[tap]!);
        const diff = tf.sub(this.reconstruct(tap, target), target);
        return this.options.reconstruction === 'l1' ? tf.mean(tf.abs(diff)) : tf.mean(tf.square(diff));
      });
      return tf.div(tf.addN(terms), taps.length) as tf.Scalar;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [...this.nets.values()].flatMap((n) => n.layers().flatMap((l) => l.variables()));
  }

  weights(): NamedWeight[] {
    return [...this.nets.values()].flatMap((n) => n.layers().flatMap((l) => l.named().map((w) => ({ ...w, trainable: true }))));
  }

  save(dir: string): Promise<void> {
    return writeWeights(dir, this.weights(), { architecture: this.architecture });
  }

  async load(dir: string): Promise<void> {
    assignWeights(this.weights(), await readWeights(dir, { architecture: this.architecture }), { dir, what: this.architecture });
  }

  dispose(): void {
    for (const n of this.nets.values()) for (const l of n.layers()) l.dispose();
  }
}

export const paraphraserComponent = defineComponent<ParaphraserOptions, FeatureParaphraser>({
  kind: 'module',
  name: 'paraphraser',
  description: 'Factor-transfer paraphraser: per-tap conv autoencoder of a frozen teacher; its encoder purifies teacher features for distillation.',
  docs: [
    '**Architecture.** Per teacher tap with C channels: encoder = `depth` × (conv3×3 + LeakyReLU(0.1)), the last mapping to',
    'C′ = channels ?? round(rate·C); decoder mirrors it back to C (last layer linear). Shapes: [N,h,w,C] → [N,h,w,C′] → [N,h,w,C].',
    '**Training.** Unsupervised reconstruction of the frozen teacher tap: L = mean_taps mean|x − dec(enc(x))| (l1) or mean (x − dec(enc(x)))² (l2).',
    'Train it in its own stage before distillation; `loss/graph-flow` and `loss/ft` then use only `encode`.',
    'Source: Kim, Park, Kwak, "Paraphrasing Complex Network: Network Compression via Factor Transfer", NeurIPS 2018.',
  ].join('\n'),
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['teacher'],
    properties: {
      teacher: { type: 'string', gfRef: 'models', description: 'The teacher whose taps are paraphrased, e.g. "models.teacher".' },
      taps: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: [], description: "Teacher taps to paraphrase, shallow → deep; empty = the teacher's tapDefaults.ordered." },
      rate: { type: 'number', exclusiveMinimum: 0, maximum: 4, default: 0.5, description: 'Paraphrase rate: C′ = round(rate·C) per tap (ignored when `channels` is set).' },
      channels: { type: ['integer', 'null'], minimum: 1, default: null, description: 'Fixed factor channel count C′ for every tap, or null to use `rate`.' },
      depth: { type: 'integer', minimum: 1, maximum: 3, default: 2, description: 'Conv layers in the encoder (and in the mirrored decoder).' },
      reconstruction: { type: 'string', enum: ['l1', 'l2'], default: 'l1', description: 'Reconstruction loss: l1 (mean absolute error, as in the paper) or l2 (mean squared error).' },
    },
  },
  create: async (options, ctx: ComponentContext) => {
    const teacher = await ctx.resolve<SegmentationModel>(options.teacher);
    return new Paraphraser(teacher, options, componentRng(ctx));
  },
});
