import type { Batch } from '@graphflow/core';

/** Free a batch the consumer owns: images, labels (labeled batches only) and the ROI weights. */
export function disposeBatch(batch: Batch): void {
  batch.images.dispose();
  // Only labeled batches carry labels; unlabeled ones are never inspected for them.
  if (batch.labeled) batch.labels?.dispose();
  batch.roi?.dispose();
}
