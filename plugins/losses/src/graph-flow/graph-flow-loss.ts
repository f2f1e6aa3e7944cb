import * as tf from '@tensorflow/tfjs';
import {
  defineComponent,
  GraphFlowError,
  type ComponentContext,
  type FeatureParaphraser,
  type LossBindContext,
  type LossInputs,
  type LossRequirements,
  type LossTerm,
  type OptionRuleViolation,
  type Rng,
} from '@graphflow/core';
import { TapAdapters } from '../modules/tap-adapters';
import { tapOf } from '../util/base-term';
import { componentRng } from '../util/seed';
import { requireTaps, requireTeacher, spreadTaps } from '../util/taps';
import { graphFlowTerms } from './variation-graph';

export interface GraphFlowOptions {
  paraphraser: string | null;
  teacherTaps: string[];
  studentTaps: string[];
  pairs: number;
  channels: number;
  grid: number;
  lambdaVertex: number;
  lambdaEdge: number;
  translatorDepth: number;
}

/**
 * Graph Flow distillation (Zou et al., IEEE TMI 2023), in the formulation documented in `docs` below
 * (the authors' criterion code is unpublished). Reads pairs+1 taps per network, shallow → deep.
 */
export class GraphFlowLoss implements LossTerm {
  readonly id = 'graph-flow';
  private teacherTaps: string[] = [];
  private studentTaps: string[] = [];
  private readonly adapters: TapAdapters;

  constructor(private readonly options: GraphFlowOptions, private readonly paraphraser: FeatureParaphraser | undefined, rng: Rng) {
    this.adapters = new TapAdapters('graph-flow', paraphraser, options.channels, options.translatorDepth, rng);
  }

  requirements(): LossRequirements {
    return { labels: false, teacher: true, studentTaps: this.studentTaps, teacherTaps: this.teacherTaps };
  }

  bind(ctx: LossBindContext): void {
    const teacher = requireTeacher(ctx.teacher, 'graph-flow');
    const layers = this.options.pairs + 1;
    const teacherDefault = this.paraphraser ? this.paraphraser.teacherTaps : teacher.tapDefaults.ordered;
    const teacherNames = this.options.teacherTaps.length > 0 ? this.options.teacherTaps : spreadTaps(teacherDefault, layers);
    const studentNames = this.options.studentTaps.length > 0 ? this.options.studentTaps : spreadTaps(ctx.student.tapDefaults.ordered, layers);
    for (const [names, role] of [[teacherNames, 'teacher'], [studentNames, 'student']] as const) {
      if (names.length < layers) {
        const message = `pairs = ${this.options.pairs} needs ${layers} ${role} taps, but only ${names.length} are available (${names.join(', ')})`;
        throw new GraphFlowError('GF_OPTIONS_INVALID', message, { problems: [{ code: 'GF_OPTIONS_INVALID', message, pointer: '/pairs', expected: `pairs <= ${names.length - 1}` }] });
      }
    }
    const teacherInfo = requireTaps(teacher, teacherNames, '/teacherTaps', 'teacher');
    const studentInfo = requireTaps(ctx.student, studentNames, '/studentTaps', 'student');
    this.adapters.bind(teacherInfo, studentInfo, '/teacherTaps');
    this.teacherTaps = [...teacherNames];
    this.studentTaps = [...studentNames];
  }

  compute(inputs: LossInputs): tf.Scalar {
    return tf.tidy(() => {
      const { vertex, edge } = this.computeParts(inputs);
      return tf.add(vertex, edge) as tf.Scalar;
    });
  }

  /** The weighted vertex and edge parts separately (compute() returns their sum); for diagnostics and scale checks. */
  computeParts(inputs: LossInputs): { vertex: tf.Scalar; edge: tf.Scalar } {
    const teacher = inputs.teacher;
    if (!teacher) throw new Error('loss/graph-flow needs the teacher output');
    return tf.tidy(() => {
      const s = this.studentTaps.map((name, i) => this.adapters.studentFactor(i, tapOf(inputs.student.taps, name, 'student', this.id)));
      const t = this.teacherTaps.map((name, i) => this.adapters.teacherFactor(i, tapOf(teacher.taps, name, 'teacher', this.id)));
      const { vertex, edge } = graphFlowTerms(s, t, this.options.grid);
      return { vertex: tf.mul(vertex, this.options.lambdaVertex) as tf.Scalar, edge: tf.mul(edge, this.options.lambdaEdge) as tf.Scalar };
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.adapters.variables();
  }

  weights(): { name: string; variable: tf.Variable }[] {
    return this.adapters.named();
  }

  dispose(): void {
    this.adapters.dispose();
  }
}

export function graphFlowRules(o: GraphFlowOptions): OptionRuleViolation[] {
  const problems: OptionRuleViolation[] = [];
  const layers = o.pairs + 1;
  for (const key of ['teacherTaps', 'studentTaps'] as const) {
    const taps = o[key];
    if (taps.length > 0 && taps.length < layers) {
      problems.push({ pointer: '/pairs', message: `pairs = ${o.pairs} needs ${layers} taps but ${key} lists ${taps.length}`, expected: `pairs <= ${taps.length - 1}` });
    } else if (taps.length > layers) {
      problems.push({ pointer: `/${key}`, message: `${key} lists ${taps.length} taps but pairs = ${o.pairs} uses ${layers}`, expected: `${layers} taps, or raise pairs` });
    }
  }
  if (o.teacherTaps.length === 1 || o.studentTaps.length === 1) {
    problems.push({ pointer: o.teacherTaps.length === 1 ? '/teacherTaps' : '/studentTaps', message: 'a graph flow needs at least 2 layers', expected: '2–4 taps' });
  }
  if (o.lambdaVertex === 0 && o.lambdaEdge === 0) problems.push({ pointer: '/lambdaEdge', message: 'lambdaVertex and lambdaEdge are both 0, so the loss is always 0', expected: 'at least one > 0' });
  return problems;
}

export const GRAPH_FLOW_DOCS = [
  '**Formula.** Pick L = pairs+1 taps per network, shallow → deep. Teacher tap l → paraphraser encoder (frozen; or, with no',
  'paraphraser, a fixed random projection to C′ channels, identity when already C′) giving T_l [N,h,w,C′_l]; student tap l → a',
  'trainable translator (conv3×3 + LeakyReLU(0.1)) giving S_l with the same C′_l. Both are adaptive-average-pooled to grid×grid.',
  'Vertices V_l [N,C′_l,grid²]: each channel map flattened and L2-normalised. Edges E_l = V_l·V_{l+1}ᵀ [N,C′_l,C′_{l+1}]: cosine',
  'similarity of every channel of layer l with every channel of layer l+1 (the flow of salience between layers).',
  'L = λ_v·mean_l (1/C′_l)‖V_S,l − V_T,l‖²_F + λ_e·mean_l (1/(C′_l·C′_{l+1}))‖E_S,l − E_T,l‖²_F, averaged over the batch:',
  'each term is a mean over its elements (both lie in [0, 4]), so its size does not depend on C′, pairs or grid and one λ',
  'serves narrow and wide taps alike.',
  '',
  'Defaults: λ_v = 0.5, λ_e = 1. Measured at initialisation (3 random teacher/student pairs of tiny conv nets, widths 16/32/64',
  'vs 8/16/32, C′ = 16, 32×32 inputs, 2 classes; test/graph-flow-scale.test.ts): each weighted term starts comparable to CE',
  '(within 10× either way; the test prints the values).',
  'Source: Zou et al., "Graph Flow: Cross-Layer Graph Flow Distillation for Dual Efficient Medical Image',
  'Segmentation", IEEE Transactions on Medical Imaging, 2023. The official criterion code is unpublished; this is our formulation of the paper\'s description.',
  '',
  'Region of interest: not applied. Vertices are whole channel maps pooled to grid×grid and L2-normalised, so each grid cell mixes',
  'pixels inside and outside the batch\'s `roi`; masking the features would change what the teacher\'s salience means. Use the',
  'per-pixel terms (loss/kd, loss/dice-ce) for ROI-restricted supervision.',
  'Diagnostics: the stage logs the weighted parts separately as `graph-flow/vertex` (λ_v·vertex distance) and `graph-flow/edge`',
  '(λ_e·edge distance); their sum is the term.',
].join('\n');

export const graphFlowComponent = defineComponent<GraphFlowOptions, LossTerm>({
  kind: 'loss',
  role: 'distillation',
  name: 'graph-flow',
  description: 'Graph Flow distillation: match the teacher\'s cross-layer channel-salience graph (vertices + flow edges).',
  docs: GRAPH_FLOW_DOCS,
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      paraphraser: { type: ['string', 'null'], gfRef: 'models', default: null, description: 'A trained module/paraphraser ("models.paraphraser") whose encoder maps teacher taps to C′; null = fixed projection (see docs).' },
      teacherTaps: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: [], description: "Teacher taps shallow → deep (pairs+1 of them); empty = spread over the paraphraser's taps or the teacher's tapDefaults.ordered." },
      studentTaps: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: [], description: "Student taps shallow → deep (pairs+1); empty = spread over the student's tapDefaults.ordered." },
      pairs: { type: 'integer', minimum: 1, maximum: 3, default: 2, description: 'Number |L| of consecutive layer pairs (edges); the term reads pairs+1 taps. The paper uses 1–3.' },
      channels: { type: 'integer', minimum: 1, default: 16, description: 'Factor channels C′ when no paraphraser is given (with one, C′ is the paraphraser\'s per tap).' },
      grid: { type: 'integer', minimum: 1, maximum: 64, default: 8, description: 'Common spatial grid (grid×grid) every factor is adaptive-average-pooled to.' },
      lambdaVertex: { type: 'number', minimum: 0, default: 0.5, description: 'λ_v, weight of the vertex (salience map) term.' },
      lambdaEdge: { type: 'number', minimum: 0, default: 1, description: 'λ_e, weight of the edge (cross-layer flow) term.' },
      translatorDepth: { type: 'integer', minimum: 1, maximum: 3, default: 1, description: 'Conv3×3 layers in each student translator.' },
    },
  },
  rules: graphFlowRules,
  create: async (options, ctx: ComponentContext) => {
    const paraphraser = options.paraphraser ? await ctx.resolve<FeatureParaphraser>(options.paraphraser) : undefined;
    return new GraphFlowLoss(options, paraphraser, componentRng(ctx));
  },
});
