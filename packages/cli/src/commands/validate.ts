import { parseOverride, preparePipeline } from '@graphflow/core';
import type { CliIo } from '../io';
import { cliPluginSetup } from '../plugin-setup';
import { reportError } from '../errors';

export async function validateCommand(manifest: string, options: { set?: string[]; json?: boolean; plugin?: string[] }, io: CliIo): Promise<number> {
  try {
    const prepared = await preparePipeline(manifest, (options.set ?? []).map(parseOverride), cliPluginSetup(options.plugin));
    if (options.json) {
      io.out(`${JSON.stringify({ ok: true, manifest: prepared.manifest }, null, 2)}\n`);
    } else {
      const m = prepared.manifest;
      io.out(
        `${prepared.loaded.file}: valid — ${Object.keys(m.models).length} model(s), ${m.stages.length} stage(s)` +
          `${m.data ? `, data ${m.data.type}` : ''}; plugins: ${prepared.registry.listPlugins().map((p) => p.name).join(', ') || 'none'}\n`,
      );
    }
    return 0;
  } catch (e) {
    return reportError(e, io, options.json);
  }
}
