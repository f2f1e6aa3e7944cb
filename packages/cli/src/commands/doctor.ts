import type { CliIo } from '../io';
import { reportError } from '../errors';

interface DoctorModule {
  runDoctor(options?: { backend?: string }): Promise<unknown>;
  formatDoctorReport(report: unknown): string;
}

export async function doctorCommand(options: { json?: boolean; backend?: string }, io: CliIo): Promise<number> {
  let mod: DoctorModule;
  try {
    mod = require('@graphflow/backend') as DoctorModule;
  } catch {
    io.err('error GF_BACKEND_UNAVAILABLE: @graphflow/backend is not installed (npm install @graphflow/backend)\n');
    return 2;
  }
  try {
    const report = await mod.runDoctor(options.backend ? { backend: options.backend } : {});
    io.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${mod.formatDoctorReport(report)}\n`);
    return 0;
  } catch (e) {
    return reportError(e, io, options.json);
  }
}
