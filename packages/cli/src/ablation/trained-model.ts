/**
 * The model a training stage trains, as the stage names it: `options.student` of a distillation stage, else
 * `options.model` of a supervised one. `key` says which, for messages and pointers.
 */
export function trainedModelOption(stage: { options: Record<string, unknown> }): { key: 'student' | 'model'; ref: string } | undefined {
  for (const key of ['student', 'model'] as const) {
    const ref = stage.options[key];
    if (typeof ref === 'string') return { key, ref };
  }
  return undefined;
}
