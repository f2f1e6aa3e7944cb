import { GraphFlowError, joinPointer, type ComponentDefinition, type StageSpec } from '@graphflow/core';
import { isPlainObject, overridePathProblem, type Override, type SourceFile } from '@graphflow/core/host';

/** One ablation variant: a name and the overrides (`path → value`) that turn the base manifest into it. */
export interface Variant {
  name: string;
  overrides: Record<string, unknown>;
}

export type Preset = 'losses' | 'pairs' | 'baselines';

/** The paper's KD baselines, swapped in for graph-flow by the `baselines` preset (options at their defaults). */
export const BASELINES = ['loss/kd', 'loss/at', 'loss/fsp', 'loss/ft', 'loss/skd-pixel', 'loss/skd-pair', 'loss/ifvd', 'loss/coco', 'loss/vid', 'loss/emkd', 'loss/dist'];

interface LossEntry {
  type: string;
  [key: string]: unknown;
}

/** Where the ablated stage's losses are in the manifest, for errors. */
export interface StageLocation {
  file?: string;
  index: number;
}

function lossesOf(stage: StageSpec, at: StageLocation): LossEntry[] {
  const losses = stage.options['losses'];
  if (!Array.isArray(losses) || losses.some((l) => !isPlainObject(l) || typeof l['type'] !== 'string')) {
    throw new GraphFlowError('GF_MANIFEST_INVALID', `stage "${stage.name}" has no "losses" list to ablate`, lossesPointer(at));
  }
  return losses as LossEntry[];
}

function lossesPointer(at: StageLocation): { file?: string; pointer: string } {
  return { ...(at.file !== undefined ? { file: at.file } : {}), pointer: `/stages/${at.index}/options/losses` };
}

const short = (type: string) => type.split('/')[1]!;

/**
 * Variants of one distillation stage:
 * - `losses`: none (supervised terms only), each distillation term alone, and all of them;
 * - `pairs`: graph-flow with |L| = 1, 2, 3 consecutive tap pairs;
 * - `baselines`: graph-flow replaced by each KD baseline.
 * Losses whose definition has `role: "supervised"` stay in every variant: ablations vary what is distilled, not the
 * ground-truth signal. `definitionOf` looks a component up in the registry (undefined = not registered).
 */
export function presetVariants(preset: Preset, stage: StageSpec, definitionOf: (id: string) => Pick<ComponentDefinition, 'role'> | undefined, at: StageLocation): Variant[] {
  const losses = lossesOf(stage, at);
  const path = `stages.${stage.name}.losses`;
  const isSupervised = (l: LossEntry) => definitionOf(l.type)?.role === 'supervised';
  const supervised = losses.filter(isSupervised);
  const distill = losses.filter((l) => !isSupervised(l));
  if (preset === 'losses') {
    if (distill.length === 0) {
      throw new GraphFlowError('GF_MANIFEST_INVALID', `preset "losses" varies the distillation terms, but every loss of stage "${stage.name}" is supervised (${supervised.map((l) => l.type).join(', ')}): nothing to ablate`, lossesPointer(at));
    }
    return [
      { name: 'none', overrides: { [path]: supervised } },
      ...distill.map((l) => ({ name: `+${short(l.type)}`, overrides: { [path]: [...supervised, l] } })),
      ...(distill.length > 1 ? [{ name: 'all', overrides: { [path]: losses } }] : []),
    ];
  }
  const gfIndex = losses.findIndex((l) => l.type === 'loss/graph-flow');
  if (gfIndex < 0) throw new GraphFlowError('GF_MANIFEST_INVALID', `preset "${preset}" needs a loss/graph-flow term in stage "${stage.name}"`);
  if (preset === 'pairs') {
    return [1, 2, 3].map((pairs) => {
      const gf = losses[gfIndex]!;
      const entry = { ...gf, options: { ...(isPlainObject(gf['options']) ? gf['options'] : {}), pairs } };
      return { name: `|L|=${pairs}`, overrides: { [path]: losses.map((l, i) => (i === gfIndex ? entry : l)) } };
    });
  }
  const weight = losses[gfIndex]!['weight'];
  return [
    { name: 'graph-flow', overrides: { [path]: [...supervised, losses[gfIndex]!] } },
    ...BASELINES.filter((type) => definitionOf(type) !== undefined).map((type) => ({
      name: short(type),
      overrides: { [path]: [...supervised, { type, ...(weight !== undefined ? { weight } : {}), options: {} }] },
    })),
  ];
}

const FILE_KEYS = ['$comment', 'common', 'variants'];

/**
 * Variants from a file: `{ "common": { "<path>": <value>, … }, "variants": { "<name>": { "<path>": <value>, … } } }`.
 * `common` (optional) holds the overrides every variant shares, so a file that swaps the student for every row says so
 * once; they apply before the variant's own, so a variant that sets the same or a wider path wins. Each path must be
 * one `--set` would accept (dot-separated keys or indices, no `__proto__`, `constructor` or `prototype`):
 * GF_OVERRIDE_INVALID otherwise, naming the file, pointer and line. Any other top-level key is refused (a misspelt
 * `common` would otherwise drop its overrides silently). `source` (the parsed file) gives the lines.
 */
export function fileVariants(value: unknown, file: string, source?: Pick<SourceFile, 'locate'>): Variant[] {
  const at = (pointer: string) => ({ file, pointer, ...(source?.locate(pointer) ?? {}) });
  const variants = isPlainObject(value) ? value['variants'] : undefined;
  if (!isPlainObject(value) || !isPlainObject(variants) || Object.keys(variants).length === 0) {
    throw new GraphFlowError('GF_MANIFEST_INVALID', 'an ablation file needs a non-empty "variants" object of name → { path: value } overrides', at('/variants'));
  }
  const unknown = Object.keys(value).find((key) => !FILE_KEYS.includes(key));
  if (unknown !== undefined) {
    throw new GraphFlowError('GF_MANIFEST_INVALID', `an ablation file holds only ${FILE_KEYS.map((k) => `"${k}"`).join(', ')}; "${unknown}" is not one of them`, at(joinPointer('', unknown)));
  }
  const checked = (overrides: unknown, pointer: string, what: string): Record<string, unknown> => {
    if (!isPlainObject(overrides)) throw new GraphFlowError('GF_MANIFEST_INVALID', `${what} must map override paths to values`, at(pointer));
    for (const p of Object.keys(overrides)) {
      const problem = overridePathProblem(p);
      if (problem) throw new GraphFlowError(problem.code, `${what}: ${problem.message}`, at(joinPointer(pointer, p)));
    }
    return overrides;
  };
  const common = value['common'] === undefined ? {} : checked(value['common'], '/common', '"common"');
  return Object.entries(variants).map(([name, overrides]) => {
    const own = checked(overrides, joinPointer('/variants', name), `variant "${name}"`);
    // Common paths the variant also sets are dropped, not overwritten in place: the variant's value must apply after
    // every common path, or a wider common path listed later would undo it.
    const shared = Object.fromEntries(Object.entries(common).filter(([p]) => !Object.hasOwn(own, p)));
    return { name, overrides: { ...shared, ...own } };
  });
}

/** A variant as the overrides `--set` would give, in its file's key order. */
export function variantOverrides(variant: Variant): Override[] {
  return Object.entries(variant.overrides).map(([p, value]) => ({ path: p, value, source: `${p}=${JSON.stringify(value)}` }));
}
