import { type Registry } from '@graphflow/core';
import { createRegistry, loadManifest, manifestPluginEntries, parseOverride } from '@graphflow/core/host';
import type { CliIo } from '../io';
import { cliPluginSetup } from '../plugin-setup';
import { reportError } from '../errors';

/** A registry with the default plugins, `--plugin`s and, with `--manifest`, the plugins that manifest loads. */
export async function registryFor(options: { plugin?: string[]; allowPlugins?: boolean; manifest?: string; set?: string[]; defaultPlugins?: boolean }): Promise<Registry> {
  const setup = { ...cliPluginSetup(options), ...(options.defaultPlugins === false ? { defaultPlugins: [] } : {}) };
  if (!options.manifest) return createRegistry(setup);
  const loaded = await loadManifest(options.manifest, (options.set ?? []).map(parseOverride));
  return createRegistry({ ...setup, manifestPlugins: manifestPluginEntries(loaded), manifestFile: loaded.file, useDefaults: loaded.value['defaultPlugins'] !== false });
}

export async function listCommand(kind: string | undefined, options: { plugin?: string[]; allowPlugins?: boolean; manifest?: string; json?: boolean; defaultPlugins?: boolean }, io: CliIo): Promise<number> {
  try {
    const registry = await registryFor(options);
    if (kind !== undefined && !registry.hasKind(kind)) {
      const kinds = registry.listKinds().map((k) => k.name);
      io.err(`error GF_KIND_UNKNOWN: unknown kind "${kind}" (kinds: ${kinds.join(', ')})\n`);
      return 2;
    }
    const components = registry.list(kind);
    if (options.json) {
      io.out(`${JSON.stringify(components.map((c) => ({ id: c.id, kind: c.definition.kind, name: c.definition.name, description: c.definition.description, plugin: c.plugin })), null, 2)}\n`);
      return 0;
    }
    if (components.length === 0) {
      io.out(kind ? `no ${kind} components registered\n` : 'no components registered\n');
      return 0;
    }
    const width = Math.max(...components.map((c) => c.id.length));
    let currentKind = '';
    for (const c of components) {
      if (c.definition.kind !== currentKind) {
        currentKind = c.definition.kind;
        io.out(`${currentKind === components[0]!.definition.kind ? '' : '\n'}${currentKind}\n`);
      }
      io.out(`  ${c.id.padEnd(width)}  ${c.definition.description}  [${c.plugin}]\n`);
    }
    return 0;
  } catch (e) {
    return reportError(e, io);
  }
}
