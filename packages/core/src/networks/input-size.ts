import type { InputSizeRequirement } from '../contracts/backbone';

/**
 * Explain why [height, width] cannot be processed by a network with `requirement`, or return null.
 * Pure, so a manifest validator or a stage can check the data's size before any tensor work.
 */
export function inputSizeProblem(
  architecture: string,
  requirement: InputSizeRequirement,
  height: number,
  width: number,
): string | null {
  const { multiple, minimum } = requirement;
  const bad: string[] = [];
  for (const [label, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < minimum || v % multiple !== 0) bad.push(`${label} ${v}`);
  }
  if (bad.length === 0) return null;
  const below = Math.floor(Math.max(height, width, minimum) / multiple) * multiple;
  return (
    `${architecture} cannot process a ${height}×${width} input (${bad.join(', ')}): ` +
    `height and width must each be a multiple of ${multiple} and at least ${minimum}` +
    ` (e.g. ${Math.max(minimum, below)} or ${Math.max(minimum, below + multiple)}), ` +
    `because the encoder halves the resolution ${Math.round(Math.log2(multiple))} time(s) and the decoder must restore it exactly`
  );
}
