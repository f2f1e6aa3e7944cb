import * as tf from '@tensorflow/tfjs';
import type { LossBindContext, LossInputs, LossRequirements, LossTerm, OptionRuleViolation, Rng } from '@graphflow/core';
import { ChannelProjection, disposeAll } from '../modules/channel-projection';
import { multiTapRules, type MultiTapOptions } from './tap-options';
import { BoundTapPairs } from './bound-tap-pairs';

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
  private readonly pairs: BoundTapPairs;
  private readonly projections: ChannelProjection[] = [];

  constructor(readonly id: string, protected readonly options: O, private readonly rng: Rng) {
    this.pairs = new BoundTapPairs(id);
  }

  /** The loss between projected student taps and gradient-stopped teacher taps, both shallow → deep. Runs inside a tidy. */
  protected abstract relationLoss(student: tf.Tensor4D[], teacher: tf.Tensor4D[]): tf.Scalar;

  requirements(): LossRequirements {
    return this.pairs.requirements();
  }

  bind(ctx: LossBindContext): void {
    const taps = this.pairs.bind(this.options, ctx, MINIMUM_TAPS);
    disposeAll(this.projections);
    taps.student.forEach((s, i) => this.projections.push(new ChannelProjection(`projection${i}.${s.name}`, s.channels, taps.teacher[i]!.channels, this.rng)));
  }

  compute(inputs: LossInputs): tf.Scalar {
    return tf.tidy(() => {
      const s = this.projections.map((projection, i) => projection.apply(this.pairs.student(inputs, i)));
      const t = this.projections.map((_, i) => this.pairs.teacher(inputs, i));
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
