import { describeLimits } from '../manifest/limits';

/**
 * Every stable error code GraphFlow raises, in one place.
 * Codes never change meaning once released; new ones are appended.
 * `docs/errors.md` is generated from this table (`npm run docs`).
 */
export const ERROR_CODES = {
  GF_MANIFEST_NOT_FOUND: 'The manifest file (or a file it extends) does not exist or cannot be read.',
  GF_MANIFEST_JSON: 'The manifest is not valid JSON; the error names the line and column.',
  GF_MANIFEST_INVALID: 'The manifest breaks the manifest schema or a component option schema; every problem is listed with its JSON pointer.',
  GF_MANIFEST_EXTENDS_CYCLE: '`extends` chains form a cycle.',
  GF_MANIFEST_REF: 'A reference (e.g. "models.teacher") names an entry that is not defined.',
  GF_OVERRIDE_INVALID: 'A `--set path=value` override is malformed or addresses a path that cannot exist.',
  GF_PLUGIN_NOT_FOUND: 'A plugin named in the manifest (package name or relative path) cannot be resolved.',
  GF_PLUGIN_INVALID: 'A plugin module does not export a plugin created with definePlugin().',
  GF_PLUGIN_REGISTER_FAILED: 'A plugin threw while registering its components.',
  GF_COMPONENT_DUPLICATE: 'Two plugins register the same kind/name.',
  GF_COMPONENT_UNKNOWN: 'A manifest names a component that no loaded plugin registers.',
  GF_COMPONENT_INVALID: 'A component definition is malformed (bad name, missing schema or factory).',
  GF_KIND_UNKNOWN: 'A kind that no plugin declared.',
  GF_OPTIONS_INVALID: 'Component options are well-typed but break a rule of the component (e.g. embedding size not divisible by heads).',
  GF_RUN_DIR_EXISTS: 'The output run directory already exists; runs never overwrite each other.',
  GF_RUN_DIR_UNWRITABLE: 'The output directory cannot be created or written.',
  GF_BACKEND_UNAVAILABLE: 'The requested compute backend is not installed or cannot start here.',
  GF_BACKEND_KERNEL_MISSING: 'A kernel the pipeline needs for training is not registered on the selected backend.',
  GF_STAGE_FAILED: 'A stage raised an error while running.',
  GF_LOSS_NOT_FINITE: 'A loss term became NaN or infinite; the stage stops and names the term and step.',
  GF_DATA_INVALID: 'A data file is missing, unreadable, or breaks a dataset rule (size mismatch, classes out of range, empty split).',
  GF_CHECKPOINT_INVALID: 'A checkpoint is missing, partial, or belongs to a different architecture.',
  GF_RESUME_INVALID: 'The directory given to --resume is not a GraphFlow run that can be resumed.',
  GF_INTERNAL: 'An unexpected internal error (a bug): please report it with the run log.',
  GF_MEMORY_LIMIT: "A training step would not fit (or no longer fits) in the compute backend's memory limit (wasm: 4 GiB heap); the error gives the estimate or usage, the limit, and what to lower (batch size, input size, model width).",
  GF_PLUGIN_NOT_ALLOWED:
    "A plugin the manifest names (directly, through `extends`, or in a run folder's manifest.resolved.json) was not loaded because the user did not allow it: a plugin runs code with the user's permissions. Allow it with `--allow-plugins`, `--plugin <path-or-package>`, or by listing it in the project's package.json (a dependency or workspace package, or `\"graphflow\": { \"allowPlugins\": [...] }`). Nothing was imported.",
  GF_WEIGHTS_NOT_FINITE:
    'Weights became NaN or infinite (trainable weights, batch-norm moving statistics, optimizer state, gradients, or the logits a validation computed): the stage stops naming the variables, and nothing non-finite is written, so checkpoints/latest.json still names the last good checkpoint. See the `onNonFinite` option of training stages.',
  GF_CHECKPOINT_CORRUPT:
    'A weight or checkpoint file is damaged: its SHA-256 does not match, it is truncated, its index is malformed (bad shape, offset, size or dtype), or it holds NaN/Inf values; the error names the file and the tensor. A resume falls back to the previous intact checkpoint when there is one.',
  GF_MANIFEST_LIMIT: `A manifest (or a file it extends, an override, an ablation variants file) exceeds a size limit: ${describeLimits()}. The error names the file, the JSON pointer where known, the limit and the value found.`,
  GF_PLUGIN_VERSION_MISMATCH: "A plugin declares (`graphflow`) a range of @graphflow/core versions that the loaded core is outside of; nothing of the plugin was registered. Install a plugin version made for this core, or this core for the plugin.",
  GF_PLUGIN_DEPENDENCY_MISSING: 'A plugin declares `dependencies` on plugins that were not registered before it; list them earlier in the manifest\'s `plugins` (or load them by default). Nothing of the plugin was registered.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
