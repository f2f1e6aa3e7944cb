import { GraphFlowError } from '@graphflow/core';

/** Stops training before a NaN/Inf update is applied, naming the term and step so the cause can be found. */
export function assertFiniteTerms(terms: Record<string, number>, step: number, stage: string): void {
  for (const [name, value] of Object.entries(terms)) {
    if (!Number.isFinite(value)) {
      throw new GraphFlowError('GF_LOSS_NOT_FINITE', `stage "${stage}": loss term "${name}" is ${value} at step ${step}; no update was applied`);
    }
  }
}
