import type { DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';
import type { RunDirectory } from '../run/run-directory';
import type { Rng } from '../util/rng';
import type { ModelSummary } from './backbone';

/** Contract of `stage/*` components: one step of a pipeline (train teacher, distill, evaluate …). */
export interface StageContext {
  /** The stage's name in the manifest (its `name`, or `stage<index>`). */
  readonly name: string;
  readonly index: number;
  readonly logger: Logger;
  /** The stage's child container: components built for it are scoped to it. */
  readonly container: DependencyContainer;
  readonly run: RunDirectory;
  /** Folder of this stage's artifacts inside the run directory. */
  readonly dir: string;
  readonly seed: number;
  readonly rng: Rng;
  /** Aborted on SIGINT/SIGTERM: stop at the next step boundary after writing a checkpoint. */
  readonly signal: AbortSignal;
  /** Resolve a manifest reference such as `models.teacher` or `data`. */
  resolve<T = unknown>(ref: string): Promise<T>;
  /** When resuming: the state this stage saved last time (undefined when starting fresh). */
  readonly resumeFrom?: string;
  /** True when the run is a smoke run (`--smoke`): stages should do a few steps only. */
  readonly smoke: boolean;
}

export interface StageResult {
  /** Numbers to put in the run report under this stage (e.g. `{ dice: 0.81 }`). */
  metrics?: Record<string, number | Record<string, number>>;
  /** Files (relative to the run directory) this stage produced. */
  artifacts?: string[];
  /** Markdown for the run report. */
  report?: string;
  /** Sizes (params/FLOPs) of the networks the stage trained or evaluated, keyed by manifest reference, for the report's model table. */
  models?: Record<string, ModelSummary>;
  /** Wall-clock seconds the stage took. */
  seconds?: number;
}

export interface Stage {
  run(ctx: StageContext): Promise<StageResult | void>;
  /**
   * Checks that need the built components — a network fits the data's size, channels and classes, a tile size suits
   * the network. The runner calls it for every stage that is going to run before the first one starts, so a mistake
   * in the last stage fails in seconds instead of after hours of training. Throw a GraphFlowError with a pointer.
   */
  preflight?(ctx: StageContext): Promise<void>;
  /**
   * On `--resume`, called instead of `run` for stages that had already finished:
   * reload what the stage produced (trained weights) from `ctx.dir` so later stages see it.
   */
  restore?(ctx: StageContext): Promise<void>;
}
