import type { OptionRuleViolation } from '@graphflow/core';

/** Terms that soften logits by τ (z/τ) need τ > 0; one rule so every such term reports it alike. */
export function temperatureRule(temperature: number): OptionRuleViolation[] {
  return temperature > 0 ? [] : [{ pointer: '/temperature', message: `temperature must be > 0, got ${temperature}`, expected: 'number > 0' }];
}
