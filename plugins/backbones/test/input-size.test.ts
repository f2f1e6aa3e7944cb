import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputSizeProblem } from '@graphflow/core';

test('inputSizeProblem accepts multiples and explains rejected sizes with nearby valid ones', () => {
  const rule = { multiple: 16, minimum: 16 };
  assert.equal(inputSizeProblem('backbone/unet', rule, 64, 48), null);
  const msg = inputSizeProblem('backbone/unet', rule, 100, 64);
  assert.match(msg!, /cannot process a 100×64 input \(height 100\)/);
  assert.match(msg!, /multiple of 16 and at least 16 \(e\.g\. 96 or 112\)/);
  assert.match(inputSizeProblem('backbone/unet', rule, 8, 8)!, /height 8, width 8/);
  assert.notEqual(inputSizeProblem('backbone/unet', rule, 16.5, 16), null);
});
