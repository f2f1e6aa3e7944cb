import type { PluginSetup } from '@graphflow/core/host';

/** The plugin flags every command that loads a manifest or a run folder takes. */
export interface PluginFlags {
  /** `--plugin <path-or-package>` (repeatable): loaded always. */
  plugin?: string[];
  /** `--allow-plugins`: load every plugin the manifest (or run folder) names, even one the project does not list. */
  allowPlugins?: boolean;
}

/**
 * The CLI resolves GraphFlow's own plugins from its install location, so they work from any working directory.
 * Plugins a manifest names load only with the user's consent (see `--allow-plugins`).
 */
export function cliPluginSetup(flags: PluginFlags = {}): PluginSetup {
  return { searchPaths: [__dirname], extraPlugins: flags.plugin ?? [], consent: { allowManifestPlugins: flags.allowPlugins === true } };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
