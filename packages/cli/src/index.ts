export { main, buildProgram } from './main';
export type { CliIo } from './io';
export { runAblation, pickMetrics, renderAblationMarkdown, type AblationRequest, type AblationResult, type AblationRow, type SeedRun, type VariantRun } from './ablation/run-ablation';
export { pairedRows, renderPairedMarkdown, type PairedRow } from './ablation/paired-rows';
export { presetVariants, fileVariants, variantOverrides, BASELINES, type Variant, type Preset } from './ablation/variants';
