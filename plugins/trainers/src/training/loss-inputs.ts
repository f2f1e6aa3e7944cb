import type { Batch, ForwardOutput, LossInputs } from '@graphflow/core';

/** What every term of one batch sees: labels on labeled batches only, the batch's roi when it has one. */
export function lossInputs(batch: Batch, student: ForwardOutput, teacher: ForwardOutput | undefined, step: number): LossInputs {
  const labels = batch.labeled ? batch.labels : undefined;
  return {
    images: batch.images,
    ...(labels ? { labels } : {}),
    ...(batch.roi ? { roi: batch.roi } : {}),
    student,
    ...(teacher ? { teacher } : {}),
    labeled: batch.labeled,
    step,
  };
}
