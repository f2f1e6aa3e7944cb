import { parseOverride, runPipeline, type Override } from '@graphflow/core/host';
import type { CliIo } from '../io';
import { cliPluginSetup } from '../plugin-setup';
import { reportError } from '../errors';

export interface RunCommandOptions {
  set?: string[];
  out?: string;
  resume?: string;
  backend?: string;
  smoke?: boolean;
  plugin?: string[];
  allowPlugins?: boolean;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  logFormat?: 'pretty' | 'json';
}

export async function runCommand(manifest: string | undefined, options: RunCommandOptions, io: CliIo): Promise<number> {
  if (!manifest && !options.resume) {
    io.err('error: run needs a manifest, or --resume <run-dir>\n');
    return 2;
  }
  if (manifest && options.resume) {
    io.err('error: give either a manifest or --resume <run-dir>, not both (a resumed run uses the manifest it started with)\n');
    return 2;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    io.err(`\n${sig}: finishing the current step and writing a checkpoint (press again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const overrides: Override[] = (options.set ?? []).map(parseOverride);
    const outcome = await runPipeline({
      ...cliPluginSetup(options),
      ...(manifest ? { manifestPath: manifest } : {}),
      ...(options.resume ? { resumeDir: options.resume } : {}),
      overrides,
      ...(options.out ? { outDir: options.out } : {}),
      ...(options.backend ? { backend: options.backend } : {}),
      smoke: options.smoke ?? false,
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      ...(options.logFormat ? { logFormat: options.logFormat } : {}),
      signal: controller.signal,
    });
    const summaries = outcome.report.stages.map((s) => s.result?.report).filter((r): r is string => typeof r === 'string' && r.trim() !== '');
    if (summaries.length) io.out(`${summaries[summaries.length - 1]!.trim()}\n\n`);
    io.out(`run ${outcome.report.status}: ${outcome.runDir}\n`);
    return outcome.report.status === 'done' ? 0 : 1;
  } catch (e) {
    return reportError(e, io);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
