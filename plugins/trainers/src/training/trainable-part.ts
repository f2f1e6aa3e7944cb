import type * as tf from '@tensorflow/tfjs';
import type { NamedVariable, Param } from '@graphflow/core';
import type { LossTerm, NamedWeight, SegmentationModel, TrainableModule } from '@graphflow/core';

/**
 * One thing a stage trains and checkpoints (student, paraphraser, a loss term's translators and discriminator),
 * seen uniformly: stable names for every weight, and the subset that gradient descent updates.
 */
export interface TrainablePart {
  /** Checkpoint group, e.g. `model`, `paraphraser`, `loss.graph-flow`. */
  readonly name: string;
  /** Recorded in checkpoints so loading into a different network fails clearly. */
  readonly architecture: string;
  /** Every weight to checkpoint, in a stable order. */
  weights(): NamedVariable[];
  /** Variables the main optimizer updates, keyed `<part>/<weight name>`. */
  params(): Param[];
}

/** Names variables from `named` by identity, falling back to a positional name for unnamed ones. */
export function nameVariables(part: string, variables: readonly tf.Variable[], named: readonly { name: string; variable: tf.Variable }[]): Param[] {
  const names = new Map<tf.Variable, string>();
  for (const w of named) names.set(w.variable, w.name);
  return variables.map((variable, i) => ({ key: `${part}/${names.get(variable) ?? `#${i}`}`, variable }));
}

export function modelPart(name: string, model: SegmentationModel | TrainableModule): TrainablePart {
  return {
    name,
    architecture: model.architecture,
    weights: () => model.weights().map((w: NamedWeight) => ({ name: w.name, variable: w.variable })),
    params: () => nameVariables(name, model.trainableVariables(), model.weights()),
  };
}

/**
 * A loss term's own state, grouped under its unique log name (two terms of one loss type must not collide). Its translators go to the main optimizer; its adversary's variables are trained
 * separately (see `adversaryParams`) but checkpointed here.
 */
export function lossPart(term: LossTerm, logName: string = term.id): TrainablePart | undefined {
  const named = lossWeights(term);
  if (named.length === 0 && term.trainableVariables().length === 0) return undefined;
  const name = `loss.${logName}`;
  return {
    name,
    architecture: term.id,
    weights: () => lossWeights(term),
    params: () => nameVariables(name, term.trainableVariables(), lossWeights(term)),
  };
}

export function adversaryParams(term: LossTerm, logName: string = term.id): Param[] {
  if (!term.adversary) return [];
  return nameVariables(`loss.${logName}`, term.adversary.trainableVariables(), lossWeights(term));
}

function lossWeights(term: LossTerm): NamedVariable[] {
  if (term.weights) return term.weights();
  // Without names, positions are the only stable handle; the adversary's variables follow the translators'.
  const vars = [...term.trainableVariables(), ...(term.adversary?.trainableVariables() ?? [])];
  return vars.map((variable, i) => ({ name: `#${i}`, variable }));
}
