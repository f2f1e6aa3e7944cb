import { checkManifestFiles, parseOverride, preparePipeline } from '@graphflow/core/host';
import type { CliIo } from '../io';
import { cliPluginSetup } from '../plugin-setup';
import { reportError } from '../errors';

export async function validateCommand(manifest: string, options: { set?: string[]; json?: boolean; plugin?: string[]; allowPlugins?: boolean; data?: boolean }, io: CliIo): Promise<number> {
  try {
    const prepared = await preparePipeline(manifest, (options.set ?? []).map(parseOverride), cliPluginSetup(options));
    const checkData = options.data !== false;
    if (checkData) {
      try {
        await checkManifestFiles(prepared.manifest, prepared.loaded, prepared.registry);
      } catch (e) {
        const code = reportError(e, io, options.json);
        if (!options.json) io.err('(validate looks at the data folders too, without decoding anything; --no-data checks the manifest alone)\n');
        return code;
      }
    }
    if (options.json) {
      io.out(`${JSON.stringify({ ok: true, manifest: prepared.manifest }, null, 2)}\n`);
    } else {
      const m = prepared.manifest;
      io.out(
        `${prepared.loaded.file}: valid — ${Object.keys(m.models).length} model(s), ${m.stages.length} stage(s)` +
          `${m.data ? `, data ${m.data.type}${checkData ? '' : ' (files not checked: --no-data)'}` : ''}; plugins: ${prepared.registry.listPlugins().map((p) => p.name).join(', ') || 'none'}\n`,
      );
    }
    return 0;
  } catch (e) {
    return reportError(e, io, options.json);
  }
}
