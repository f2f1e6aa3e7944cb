import type { Registry } from '@graphflow/core';

/**
 * The model a stage trains: the option its component declares in `trains` (`student` of stage/distill, `model` of
 * stage/supervised). A stage that declares nothing is read by the older convention, `options.student` else
 * `options.model`, so plugins written before `trains` existed keep working. `key` is the option's name, for
 * messages and pointers.
 */
export function trainedModelOption(stage: { type: string; options: Record<string, unknown> }, registry: Registry): { key: string; ref: string } | undefined {
  for (const key of trainedOptionKeys(stage, registry)) {
    const ref = stage.options[key];
    if (typeof ref === 'string') return { key, ref };
  }
  return undefined;
}

/** The options trainedModelOption looks at, in order: the declared one, else the older convention's two. */
export function trainedOptionKeys(stage: { type: string }, registry: Registry): string[] {
  const declared = registry.get(stage.type)?.definition.trains;
  return declared !== undefined ? [declared] : ['student', 'model'];
}
