import type { PluginSetup } from '@graphflow/core';

/** The CLI resolves GraphFlow's own plugins from its install location, so they work from any working directory. */
export function cliPluginSetup(extraPlugins: readonly string[] = []): PluginSetup {
  return { searchPaths: [__dirname], extraPlugins };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
