import { GraphFlowError } from '@graphflow/core';
import { parseOverride } from '@graphflow/core/host';
import type { CliIo } from '../io';
import { cliPluginSetup } from '../plugin-setup';
import { reportError } from '../errors';
import { renderAblationReport, runAblation } from '../ablation/run-ablation';
import type { Preset } from '../ablation/variants';
import { parseSeeds } from '../ablation/seeds';

export interface AblateOptions {
  stage: string;
  preset?: Preset;
  variants?: string;
  metrics: string;
  seeds?: string;
  seedEntry?: string;
  base?: string;
  baseline?: string;
  set?: string[];
  plugin?: string[];
  allowPlugins?: boolean;
  out?: string;
  resume?: boolean;
  smoke?: boolean;
  backend?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  logFormat?: 'pretty' | 'json';
}

export async function ablateCommand(manifest: string, options: AblateOptions, io: CliIo): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const metrics = options.metrics.split(',').map((m) => m.trim()).filter(Boolean);
    if (options.seedEntry !== undefined && options.seeds === undefined) {
      throw new GraphFlowError('GF_OVERRIDE_INVALID', '--seed-entry only chooses the entry --seeds varies; give --seeds too (e.g. --seeds 1,2,3)');
    }
    const seeds = options.seeds !== undefined ? parseSeeds(options.seeds) : undefined;
    const result = await runAblation({
      ...cliPluginSetup(options),
      manifest,
      stage: options.stage,
      ...(options.preset ? { preset: options.preset } : {}),
      ...(options.variants ? { variantsFile: options.variants } : {}),
      metrics,
      ...(seeds ? { seeds } : {}),
      ...(options.seedEntry !== undefined ? { seedEntry: options.seedEntry } : {}),
      ...(options.base !== undefined ? { base: options.base } : {}),
      ...(options.baseline !== undefined ? { baseline: options.baseline } : {}),
      overrides: (options.set ?? []).map(parseOverride),
      ...(options.out ? { out: options.out } : {}),
      ...(options.resume ? { resume: true } : {}),
      ...(options.smoke ? { smoke: true } : {}),
      ...(options.backend ? { backend: options.backend } : {}),
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      ...(options.logFormat ? { logFormat: options.logFormat } : {}),
      signal: controller.signal,
    });
    io.out(`${renderAblationReport(result, metrics)}\nablation written to ${result.dir} (ablation.md, ablation.json, ablation.png${result.convergence ? ', ablation-curves.png' : ''})\n`);
    return result.rows.every((r) => r.status === 'done') ? 0 : 1;
  } catch (e) {
    return reportError(e, io);
  } finally {
    process.off('SIGINT', onSignal);
  }
}
