import { deriveRng, TOKENS, type ComponentContext, type Rng } from '@graphflow/core';

/**
 * A generator for a component's initial weights: the run seed (when the container has one) forked by the
 * component's manifest path, so two identical terms in different stages still start differently but reproducibly.
 */
export function componentRng(ctx: Pick<ComponentContext, 'container' | 'path'> | undefined, fallbackSeed = 0): Rng {
  let seed = fallbackSeed;
  if (ctx?.container.isRegistered(TOKENS.Seed, true)) seed = ctx.container.resolve<number>(TOKENS.Seed);
  return deriveRng(seed, 'losses', ctx?.path ?? 'standalone');
}
