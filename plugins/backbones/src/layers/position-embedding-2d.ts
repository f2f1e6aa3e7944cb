import * as tf from '@tensorflow/tfjs';

export interface PositionEmbedding2DArgs {
  /** Token grid the embedding is learned at (image size / token stride). */
  gridHeight: number;
  gridWidth: number;
  name?: string;
  trainable?: boolean;
}

/**
 * Learned position embedding added to a token grid (ViT/TransUNet). It is learned at a fixed grid;
 * for other input sizes it is bilinearly resized (the usual ViT fine-tuning practice), so one model
 * serves every valid input size. [N,h,w,D] → [N,h,w,D].
 */
export class PositionEmbedding2D extends tf.layers.Layer {
  static className = 'GraphFlowPositionEmbedding2D';
  readonly gridHeight: number;
  readonly gridWidth: number;
  private embedding!: tf.LayerVariable;

  constructor(args: PositionEmbedding2DArgs) {
    super(args);
    this.gridHeight = args.gridHeight;
    this.gridWidth = args.gridWidth;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const dim = shape[shape.length - 1] as number;
    this.embedding = this.addWeight('embedding', [1, this.gridHeight, this.gridWidth, dim], 'float32', tf.initializers.truncatedNormal({ stddev: 0.02 }));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const [, h, w] = x.shape;
      let pos = this.embedding.read() as tf.Tensor4D;
      if (h !== this.gridHeight || w !== this.gridWidth) pos = tf.image.resizeBilinear(pos, [h, w], true);
      return tf.add(x, pos);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), gridHeight: this.gridHeight, gridWidth: this.gridWidth };
  }
}

tf.serialization.registerClass(PositionEmbedding2D);
