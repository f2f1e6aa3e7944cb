import { deriveRng, runToken, type ComponentContext, type Rng } from '@graphflow/core';

/**
 * A generator for a component's initial weights: the run seed forked by the component's manifest path, so two
 * identical terms in different stages still start differently but reproducibly. Stages build their terms at paths
 * named after the terms (`stages.distill.losses.adversarial`), so inserting another term leaves this one's start as
 * it was. Without a context (a term constructed directly, outside any run) it forks `fallbackSeed`.
 */
export function componentRng(ctx: Pick<ComponentContext, 'container' | 'path'> | undefined, fallbackSeed = 0): Rng {
  const seed = ctx ? runToken(ctx.container, 'Seed') : fallbackSeed;
  return deriveRng(seed, 'losses', ctx?.path ?? 'standalone');
}
