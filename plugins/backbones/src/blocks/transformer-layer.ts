import * as tf from '@tensorflow/tfjs';
import { MultiHeadSelfAttention } from '../layers/multi-head-self-attention';
import { channelsOf, on, type Sym } from './symbolic';

export interface TransformerLayerOptions {
  heads: number;
  /** Hidden width of the MLP = mlpRatio × D. */
  mlpRatio: number;
  dropout: number;
  name: string;
}

function layerNorm(x: Sym, name: string): Sym {
  return on(tf.layers.layerNormalization({ axis: -1, epsilon: 1e-6, name }), x);
}

function dropout(x: Sym, rate: number, name: string): Sym {
  return rate > 0 ? on(tf.layers.dropout({ rate, name }), x) : x;
}

/**
 * Pre-norm transformer encoder layer (ViT, as used by TransUNet):
 * x + MHSA(LN(x)), then x + MLP(LN(x)) with MLP = Dense(r·D) → GELU → dropout → Dense(D) → dropout.
 * Runs on the token grid [N,h,w,D] → [N,h,w,D] (Dense acts on the last axis).
 */
export function transformerLayer(x: Sym, o: TransformerLayerOptions): Sym {
  const d = channelsOf(x);
  const attn = on(new MultiHeadSelfAttention({ heads: o.heads, name: `${o.name}_attn` }), layerNorm(x, `${o.name}_ln1`));
  const x1 = on(tf.layers.add({ name: `${o.name}_add1` }), [x, dropout(attn, o.dropout, `${o.name}_attn_dropout`)]);
  let m = on(tf.layers.dense({ units: Math.round(d * o.mlpRatio), kernelInitializer: 'glorotUniform', name: `${o.name}_mlp1` }), layerNorm(x1, `${o.name}_ln2`));
  m = on(tf.layers.activation({ activation: 'gelu', name: `${o.name}_gelu` }), m);
  m = dropout(m, o.dropout, `${o.name}_mlp_dropout1`);
  m = on(tf.layers.dense({ units: d, kernelInitializer: 'glorotUniform', name: `${o.name}_mlp2` }), m);
  m = dropout(m, o.dropout, `${o.name}_mlp_dropout2`);
  return on(tf.layers.add({ name: `${o.name}_add2` }), [x1, m]);
}
