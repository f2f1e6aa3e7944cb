import * as tf from '@tensorflow/tfjs';
import { Rng, type ForwardOptions, type ForwardOutput, type ModelSummary, type NamedWeight, type SegmentationModel, type TapInfo } from '@graphflow/core';
import { ConvLayer } from '../../src/util/conv';

/**
 * A three-level conv net standing in for a backbone in tests.
 * images [N,H,W,Cin] → enc1 [N,H,W,c1] → enc2 [N,H/2,W/2,c2] → enc3 [N,H/4,W/4,c3] → logits [N,H,W,K]
 * (enc3 upsampled bilinearly, concatenated with enc1, 1×1 conv to K).
 */
export class TinyNet implements SegmentationModel {
  readonly architecture: string;
  readonly taps: readonly TapInfo[];
  readonly tapDefaults;
  private readonly convs: ConvLayer[];
  private readonly head: ConvLayer;

  constructor(readonly inChannels: number, readonly numClasses: number, widths: [number, number, number], seed: number, name = 'test/tiny-net') {
    const rng = new Rng(seed);
    this.architecture = name;
    this.convs = [
      new ConvLayer(`${name}.enc1`, inChannels, widths[0], 3, 1, rng),
      new ConvLayer(`${name}.enc2`, widths[0], widths[1], 3, 2, rng),
      new ConvLayer(`${name}.enc3`, widths[1], widths[2], 3, 2, rng),
    ];
    this.head = new ConvLayer(`${name}.head`, widths[0] + widths[2], numClasses, 1, 1, rng);
    this.taps = [
      { name: 'enc1', channels: widths[0], stride: 1 },
      { name: 'enc2', channels: widths[1], stride: 2 },
      { name: 'enc3', channels: widths[2], stride: 4 },
    ];
    this.tapDefaults = { shallow: 'enc1', deep: 'enc3', ordered: ['enc1', 'enc2', 'enc3'] };
  }

  checkInputSize(h: number, w: number): string | null {
    return h % 4 === 0 && w % 4 === 0 ? null : 'multiples of 4';
  }

  forward(images: tf.Tensor4D, options: ForwardOptions): ForwardOutput {
    return tf.tidy(() => {
      const e1 = tf.relu(this.convs[0]!.apply(images));
      const e2 = tf.relu(this.convs[1]!.apply(e1));
      const e3 = tf.relu(this.convs[2]!.apply(e2));
      const up = tf.image.resizeBilinear(e3, [images.shape[1], images.shape[2]]);
      const logits = this.head.apply(tf.concat([e1, up], 3));
      const all: Record<string, tf.Tensor4D> = { enc1: e1, enc2: e2, enc3: e3 };
      const wanted = options.taps ?? Object.keys(all);
      const taps: Record<string, tf.Tensor4D> = {};
      for (const name of wanted) taps[name] = all[name]!;
      return { logits, taps } as unknown as tf.TensorContainerObject;
    }) as unknown as ForwardOutput;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.convs, this.head].flatMap((c) => c.variables());
  }

  weights(): NamedWeight[] {
    return [...this.convs, this.head].flatMap((c) => c.named().map((w) => ({ ...w, trainable: true })));
  }

  summary(h: number, w: number): ModelSummary {
    return { architecture: this.architecture, inputShape: [h, w, this.inChannels], params: 0, trainableParams: 0, macs: 0, flops: 0 };
  }

  async save(): Promise<void> {}
  async load(): Promise<void> {}

  dispose(): void {
    for (const c of [...this.convs, this.head]) c.dispose();
  }
}

/** Deterministic pseudo-random tensor (our Rng, not tf.random, so values are identical on every backend). */
export function randomTensor(shape: number[], seed: number, std = 1): tf.Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.normal(0, std);
  return tf.tensor(values, shape, 'float32');
}

/** A toy segmentation batch: bright disc on dark noise, label 1 inside the disc. */
export function discBatch(n: number, size: number, seed: number): { images: tf.Tensor4D; labels: tf.Tensor3D } {
  const rng = new Rng(seed);
  const img = new Float32Array(n * size * size);
  const lab = new Int32Array(n * size * size);
  for (let b = 0; b < n; b++) {
    const cx = rng.uniform(size * 0.3, size * 0.7);
    const cy = rng.uniform(size * 0.3, size * 0.7);
    const r = rng.uniform(size * 0.15, size * 0.3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (b * size + y) * size + x;
        const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
        lab[i] = inside ? 1 : 0;
        img[i] = (inside ? 0.8 : 0.2) + rng.normal(0, 0.1);
      }
    }
  }
  return { images: tf.tensor4d(img, [n, size, size, 1]), labels: tf.tensor3d(lab, [n, size, size], 'int32') };
}

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}
