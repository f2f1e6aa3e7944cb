import * as tf from '@tensorflow/tfjs';
import type { LossBindContext, LossInputs, LossRequirements, LossTerm, OptionRuleViolation, Rng } from '@graphflow/core';
import { ChannelProjection, disposeAll } from '../modules/channel-projection';
import { tapOf } from '../util/base-term';
import { stopGradient } from '../util/stop-gradient';
import { requireTeacher } from '../util/taps';
import { multiTapRules, resolveTapPairs, type MultiTapOptions } from './tap-options';

/** A relation between consecutive layers needs two of them. */
const MINIMUM_TAPS = 2;

/** Option rules of these terms, with the same tap minimum bind() enforces. */
export function projectedTapPairsRules(o: MultiTapOptions): OptionRuleViolation[] {
  return multiTapRules(o, MINIMUM_TAPS);
}

/**
 * Base of the baselines that compare a relation between consecutive layers (FSP, CoCo). Their relations depend
 * on channel identity, so every student tap is first projected to its teacher tap's channel count; the projections
 * are rebuilt on each bind, the first moment both networks' channels are known.
 */
export abstract class ProjectedTapPairsTerm<O extends MultiTapOptions> implements LossTerm {
  private studentTaps: string[] = [];
  private teacherTaps: string[] = [];
  private readonly projections: ChannelProjection[] = [];

  constructor(readonly id: string, protected readonly options: O, private readonly rng: Rng) {}

  /** The loss between projected student taps and gradient-stopped teacher taps, both shallow → deep. Runs inside a tidy. */
  protected abstract relationLoss(student: tf.Tensor4D[], teacher: tf.Tensor4D[]): tf.Scalar;

  requirements(): LossRequirements {
    return { labels: false, teacher: true, studentTaps: this.studentTaps, teacherTaps: this.teacherTaps };
  }

  bind(ctx: LossBindContext): void {
    const taps = resolveTapPairs(this.options, ctx.student, requireTeacher(ctx.teacher, this.id), MINIMUM_TAPS, this.id);
    disposeAll(this.projections);
    taps.student.forEach((s, i) => this.projections.push(new ChannelProjection(`projection${i}.${s.name}`, s.channels, taps.teacher[i]!.channels, this.rng)));
    this.teacherTaps = taps.teacher.map((t) => t.name);
    this.studentTaps = taps.student.map((t) => t.name);
  }

  compute(inputs: LossInputs): tf.Scalar {
    const teacher = inputs.teacher!;
    return tf.tidy(() => {
      const s = this.studentTaps.map((n, i) => this.projections[i]!.apply(tapOf(inputs.student.taps, n, 'student', this.id)));
      const t = this.teacherTaps.map((n) => stopGradient(tapOf(teacher.taps, n, 'teacher', this.id)));
      return this.relationLoss(s, t);
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.projections.flatMap((p) => p.variables());
  }

  weights(): { name: string; variable: tf.Variable }[] {
    return this.projections.flatMap((p) => p.named());
  }

  dispose(): void {
    disposeAll(this.projections);
  }
}
