import { GraphFlowError, type SegmentationModel, type TapInfo } from '@graphflow/core';

/**
 * Checks that every tap a term was configured with exists on the bound network. Done in bind(), the first
 * moment the networks are known, so a misspelt tap fails before any training with the option's pointer.
 */
export function requireTaps(model: SegmentationModel, names: readonly string[], pointer: string, role: string): TapInfo[] {
  const byName = new Map(model.taps.map((t) => [t.name, t] as const));
  const available = model.taps.map((t) => t.name).join(', ');
  return names.map((name, i) => {
    const tap = byName.get(name);
    if (!tap) {
      const message = `${role} network ${model.architecture} has no tap "${name}"`;
      throw new GraphFlowError('GF_OPTIONS_INVALID', message, {
        problems: [{ code: 'GF_OPTIONS_INVALID', message, pointer: `${pointer}/${i}`, expected: `one of: ${available}` }],
      });
    }
    return tap;
  });
}

/** Same check for a single-tap option. */
export function requireTap(model: SegmentationModel, name: string, pointer: string, role: string): TapInfo {
  const byName = new Map(model.taps.map((t) => [t.name, t] as const));
  const tap = byName.get(name);
  if (!tap) {
    const message = `${role} network ${model.architecture} has no tap "${name}"`;
    throw new GraphFlowError('GF_OPTIONS_INVALID', message, {
      problems: [{ code: 'GF_OPTIONS_INVALID', message, pointer, expected: `one of: ${model.taps.map((t) => t.name).join(', ')}` }],
    });
  }
  return tap;
}

/** Picks `count` taps spread evenly over an ordered shallow → deep list, always keeping both ends. */
export function spreadTaps(ordered: readonly string[], count: number): string[] {
  if (count >= ordered.length) return [...ordered];
  if (count === 1) return [ordered[ordered.length - 1]!];
  const picked: string[] = [];
  for (let i = 0; i < count; i++) picked.push(ordered[Math.round((i * (ordered.length - 1)) / (count - 1))]!);
  return picked;
}

/** Throws GF_OPTIONS_INVALID when a term that needs a teacher is bound without one. */
export function requireTeacher(teacher: SegmentationModel | undefined, term: string): SegmentationModel {
  if (!teacher) {
    throw new GraphFlowError('GF_OPTIONS_INVALID', `loss/${term} distils from a teacher, but the stage has none; give the stage a "teacher" model or remove this loss`);
  }
  return teacher;
}
