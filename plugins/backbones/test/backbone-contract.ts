/**
 * The backbone conformance suite of @graphflow/core/testing, which every network here runs, plus what is particular
 * to this plugin's networks (they are tf.layers models).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backboneConformance, useCpu, type BackboneConformanceCase } from '@graphflow/core/testing';
import { LayersSegmentationModel } from '@graphflow/core';

export { fixedBatch, lossOf, plainFileHandler, tempDir, trainSteps, useCpu } from '@graphflow/core/testing';
export type ContractCase = BackboneConformanceCase;

export function backboneContract(c: ContractCase): void {
  backboneConformance(c);
  test(`${c.label}: is a tf.layers model`, async () => {
    await useCpu();
    const model = c.create();
    try {
      assert.ok(model instanceof LayersSegmentationModel);
    } finally {
      model.dispose();
    }
  });
}
