import * as tf from '@tensorflow/tfjs';
import { adaptiveAvgPool } from '../util/pooling';
import { l2Normalize } from '../util/normalize';

/**
 * Vertices of the variation graph: each channel's spatial salience map on a g×g grid, flattened and
 * L2-normalised. Input [N,g,g,C] → output [N,C,g²]. Normalising makes vertices invariant to a channel's
 * scale, so only where a channel fires is compared, not how strongly.
 */
export function graphVertices(feature: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, h, w, c] = feature.shape;
    const channelsFirst = tf.transpose(tf.reshape(feature, [n, h * w, c]), [0, 2, 1]);
    return l2Normalize(channelsFirst, 2) as tf.Tensor3D;
  });
}

/**
 * Edges between consecutive layers: cosine similarity of every channel of layer l with every channel of
 * layer l+1, i.e. how salience flows from one layer to the next. [N,Ca,P] × [N,Cb,P] → [N,Ca,Cb].
 */
export function graphEdges(from: tf.Tensor3D, to: tf.Tensor3D): tf.Tensor3D {
  return tf.matMul(from, to, false, true);
}

export interface GraphFlowTerms {
  vertex: tf.Scalar;
  edge: tf.Scalar;
}

/**
 * Mean squared differences of vertices and edges, each averaged over its elements, layers and the batch:
 * vertex = mean_l mean_c ‖V_S^l[c] − V_T^l[c]‖² (unit vectors, so in [0, 4]) and
 * edge = mean_l mean_{i,j} (E_S^{l,l+1} − E_T^{l,l+1})²_{ij} (cosines, so in [0, 4]).
 * Averaging rather than summing keeps a term's size independent of C′, the number of pairs and the grid, so one
 * λ serves narrow and wide taps alike (a sum grows ∝ C′ for vertices and ∝ C′² for edges).
 * Student and teacher features for layer l must share C′_l; spatial sizes may differ (pooled to grid×grid).
 */
export function graphFlowTerms(student: readonly tf.Tensor4D[], teacher: readonly tf.Tensor4D[], grid: number): GraphFlowTerms {
  if (student.length !== teacher.length || student.length < 2) {
    throw new Error(`graph flow needs the same number (>= 2) of student and teacher layers, got ${student.length} and ${teacher.length}`);
  }
  return tf.tidy(() => {
    const vs = student.map((f) => graphVertices(adaptiveAvgPool(f, grid, grid)));
    const vt = teacher.map((f) => graphVertices(adaptiveAvgPool(f, grid, grid)));
    // Per channel: squared distance between unit vectors summed over the grid axis, then averaged over N and C′.
    const vertexPerLayer = vs.map((v, l) => tf.mean(tf.sum(tf.square(tf.sub(v, vt[l]!)), 2)));
    const vertex = tf.div(tf.addN(vertexPerLayer), vs.length) as tf.Scalar;
    const edgePerPair: tf.Tensor[] = [];
    for (let l = 0; l + 1 < vs.length; l++) edgePerPair.push(tf.mean(tf.square(tf.sub(graphEdges(vs[l]!, vs[l + 1]!), graphEdges(vt[l]!, vt[l + 1]!)))));
    const edge = tf.div(tf.addN(edgePerPair), edgePerPair.length) as tf.Scalar;
    return { vertex, edge };
  });
}
