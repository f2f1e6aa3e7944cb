import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { GraphFlowError } from '../errors/graphflow-error';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';

/**
 * One run's output folder. Layout:
 *   manifest.resolved.json   the fully resolved, validated manifest (defaults filled in)
 *   run.log                  pino JSON lines
 *   metrics.jsonl            one JSON object per logged step/epoch metric record
 *   report.json, report.md   written at the end by the report writer
 *   stages/<name>/           each stage's artifacts and checkpoints
 *   state.json               which stages finished (for --resume)
 */
export class RunDirectory {
  private constructor(readonly root: string) {}

  /**
   * Create a fresh run directory. `exact` must not exist; otherwise `<parent>/<name>-<timestamp>` is used,
   * with a numeric suffix when two runs start within the same second.
   */
  static async create(options: { parent?: string; name?: string; exact?: string; now?: Date }): Promise<RunDirectory> {
    if (options.exact) {
      const dir = path.resolve(options.exact);
      try {
        await fs.mkdir(path.dirname(dir), { recursive: true });
        await fs.mkdir(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          throw new GraphFlowError('GF_RUN_DIR_EXISTS', `run directory ${dir} already exists; choose another --out or remove it`, { file: dir });
        }
        throw new GraphFlowError('GF_RUN_DIR_UNWRITABLE', `cannot create run directory ${dir}: ${(e as Error).message}`, { file: dir, cause: e });
      }
      return new RunDirectory(dir);
    }
    const parent = path.resolve(options.parent ?? 'runs');
    const stamp = (options.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const base = `${sanitize(options.name ?? 'run')}-${stamp}`;
    try {
      await fs.mkdir(parent, { recursive: true });
    } catch (e) {
      throw new GraphFlowError('GF_RUN_DIR_UNWRITABLE', `cannot create output folder ${parent}: ${(e as Error).message}`, { file: parent, cause: e });
    }
    for (let i = 0; i < 1000; i++) {
      const dir = path.join(parent, i === 0 ? base : `${base}-${i}`);
      try {
        await fs.mkdir(dir);
        return new RunDirectory(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') {
          throw new GraphFlowError('GF_RUN_DIR_UNWRITABLE', `cannot create run directory ${dir}: ${(e as Error).message}`, { file: dir, cause: e });
        }
      }
    }
    throw new GraphFlowError('GF_RUN_DIR_EXISTS', `too many runs named ${base} in ${parent}`, { file: parent });
  }

  /** Open an existing run directory (for --resume). */
  static async open(dir: string): Promise<RunDirectory> {
    const root = path.resolve(dir);
    try {
      await fs.access(path.join(root, 'manifest.resolved.json'), fsConstants.R_OK);
    } catch {
      throw new GraphFlowError('GF_RESUME_INVALID', `${root} is not a GraphFlow run directory (no manifest.resolved.json)`, { file: root });
    }
    return new RunDirectory(root);
  }

  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  get logFile(): string {
    return this.path('run.log');
  }

  get manifestFile(): string {
    return this.path('manifest.resolved.json');
  }

  get metricsFile(): string {
    return this.path('metrics.jsonl');
  }

  async stageDir(stageName: string): Promise<string> {
    const dir = this.path('stages', sanitize(stageName));
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  async writeJson(relative: string, value: unknown): Promise<string> {
    const file = this.path(relative);
    await writeJsonAtomic(file, value);
    return file;
  }

  async writeText(relative: string, text: string | Uint8Array): Promise<string> {
    const file = this.path(relative);
    await writeFileAtomic(file, text);
    return file;
  }

  async readJson<T>(relative: string): Promise<T | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.path(relative), 'utf8')) as T;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Append one metric record (a JSON line). Small appends are atomic enough for a log; reports are written atomically. */
  async appendMetric(record: Record<string, unknown>): Promise<void> {
    await fs.appendFile(this.metricsFile, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
}
