import type * as tf from '@tensorflow/tfjs';
import { GraphFlowError, type FeatureParaphraser, type Rng, type TapInfo } from '@graphflow/core';
import { FixedProjection } from '../graph-flow/fixed-adaptation';
import { Translator } from './translator';
import { stopGradient } from '../util/stop-gradient';

/**
 * Maps paired teacher/student taps into a shared factor space of C′_i channels per pair i:
 * teacher tap → paraphraser encoder (or a fixed projection when there is no paraphraser);
 * student tap → a trainable Translator built here, at bind time, when the student's channels are known.
 */
export class TapAdapters {
  private translators: Translator[] = [];
  private projections: FixedProjection[] = [];
  private teacherTaps: string[] = [];

  constructor(
    private readonly term: string,
    private readonly paraphraser: FeatureParaphraser | undefined,
    private readonly channels: number,
    private readonly translatorDepth: number,
    private readonly rng: Rng,
  ) {}

  /** Factor channels C′ of pair i. */
  factorChannels(teacherTap: TapInfo): number {
    return this.paraphraser ? this.paraphraser.factorChannels[teacherTap.name]! : this.channels;
  }

  bind(teacherTaps: readonly TapInfo[], studentTaps: readonly TapInfo[], teacherPointer: string): void {
    this.dispose();
    if (this.paraphraser) {
      teacherTaps.forEach((t, i) => {
        if (!this.paraphraser!.teacherTaps.includes(t.name)) {
          const message = `loss/${this.term}: the paraphraser does not encode teacher tap "${t.name}"`;
          throw new GraphFlowError('GF_OPTIONS_INVALID', message, {
            problems: [{ code: 'GF_OPTIONS_INVALID', message, pointer: `${teacherPointer}/${i}`, expected: `one of the paraphraser's taps: ${this.paraphraser!.teacherTaps.join(', ')}` }],
          });
        }
      });
    } else {
      this.projections = teacherTaps.map((t, i) => new FixedProjection(`${this.term}.teacher${i}`, t.channels, this.channels, this.rng));
    }
    this.teacherTaps = teacherTaps.map((t) => t.name);
    this.translators = studentTaps.map((s, i) => new Translator(`translator${i}.${s.name}`, s.channels, this.factorChannels(teacherTaps[i]!), this.translatorDepth, this.rng));
  }

  /** [N,h,w,C_T] → [N,h,w,C′_i]; constant w.r.t. every variable (the paraphraser is frozen during distillation). */
  teacherFactor(i: number, feature: tf.Tensor4D): tf.Tensor4D {
    const encoded = this.paraphraser ? this.paraphraser.encode(this.teacherTaps[i]!, feature, false) : this.projections[i]!.apply(feature);
    return stopGradient(encoded);
  }

  /** [N,h,w,C_S] → [N,h,w,C′_i]. */
  studentFactor(i: number, feature: tf.Tensor4D): tf.Tensor4D {
    const translator = this.translators[i];
    if (!translator) throw new Error(`loss/${this.term}: compute() called before bind()`);
    return translator.apply(feature);
  }

  variables(): tf.Variable[] {
    return this.translators.flatMap((t) => t.variables());
  }

  named(): { name: string; variable: tf.Variable }[] {
    const fixed = this.projections.flatMap((p) => (p.matrix ? [{ name: `${p.name}.projection`, variable: p.matrix }] : []));
    return [...this.translators.flatMap((t) => t.named()), ...fixed];
  }

  dispose(): void {
    for (const t of this.translators) t.dispose();
    for (const p of this.projections) p.dispose();
    this.translators = [];
    this.projections = [];
  }
}
