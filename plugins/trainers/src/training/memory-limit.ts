import * as os from 'node:os';
import { GraphFlowError, isGraphFlowError, runToken, type BackendInfo, type BackendMemory, type StageContext } from '@graphflow/core';
import type { TrainingMemoryEstimate } from './memory-estimate';

/**
 * Share of a backend's hard limit a step's estimate may use. The wasm heap grows in steps of up to 20 % and must
 * find contiguous room, and heap/estimate was measured up to 1.03, so ~10 % head-room separates "fits" from
 * "fails halfway through the first epoch".
 */
export const PREFLIGHT_SHARE = 0.9;
/** Heap share after a step at which the next step is refused: past it, one more growth step cannot fit. */
export const RUNTIME_SHARE = 0.97;

const GiB = 2 ** 30;
const gib = (bytes: number): string => (bytes >= GiB ? `${(bytes / GiB).toFixed(2)} GiB` : `${Math.ceil(bytes / 2 ** 20)} MiB`);
const REMEDY = 'use a smaller input size (the dataset\'s size option) or a narrower model (baseWidth, widthMultiplier, embedDim)';

interface Where {
  stage: string;
  pointer: string;
  file?: string;
}

function where(ctx: StageContext): Where {
  return { stage: ctx.name, pointer: `/stages/${ctx.index}/options/batchSize`, file: runToken(ctx.container, 'RunOptions').manifestFile };
}

/** The active backend (its `memory` says whether it has a hard ceiling). */
export function stageBackend(ctx: StageContext): BackendInfo {
  return runToken(ctx.container, 'Backend');
}

function limitText(backend: string, memory: BackendMemory): string {
  return `backend ${backend}'s ${gib(memory.limitBytes)} ${memory.description}`;
}

/**
 * Pre-flight: refuses a training stage whose one-step estimate exceeds the backend's limit, before any step runs.
 * `subject` says what was estimated, e.g. `backbone/unet at 256×256, batch 4`. Backends without a hard limit (cpu,
 * tfjs-node) only get a warning, and only when the estimate exceeds this machine's RAM.
 */
export function assertTrainingFits(ctx: StageContext, estimate: TrainingMemoryEstimate, subject: string): void {
  const backend = stageBackend(ctx);
  const memory = backend?.memory;
  const at = where(ctx);
  if (!backend || !memory) {
    if (estimate.bytes > os.totalmem()) {
      ctx.logger.warn({ code: 'GF_MEMORY_LIMIT', estimateBytes: estimate.bytes, totalMemBytes: os.totalmem() }, `stage ${ctx.name}: one training step (${subject}) needs about ${gib(estimate.bytes)}, more than this machine's ${gib(os.totalmem())} of RAM`);
    }
    return;
  }
  const budget = PREFLIGHT_SHARE * memory.limitBytes;
  ctx.logger.debug({ estimateBytes: estimate.bytes, budgetBytes: budget, limitBytes: memory.limitBytes }, `memory estimate of one training step: ${gib(estimate.bytes)}`);
  if (estimate.bytes <= budget) return;
  const largest = estimate.largestBatchWithin(budget);
  const advice =
    largest >= 1
      ? `Lower batchSize to ${largest} or less, or ${REMEDY}.`
      : `Even batchSize 1 does not fit: ${REMEDY}.`;
  throw new GraphFlowError(
    'GF_MEMORY_LIMIT',
    `stage "${at.stage}" (${subject}) needs about ${gib(estimate.bytes)} for one training step, more than the ${gib(budget)} usable ` +
      `(${Math.round(PREFLIGHT_SHARE * 100)} % of ${limitText(backend.name, memory)}). ${advice}`,
    { pointer: at.pointer, ...(at.file ? { file: at.file } : {}) },
  );
}

/**
 * Runtime guard: the estimate leaves out what loss terms compute internally, so the loop also reads the backend's
 * usage after every step (one property read) and stops near the limit, where the next allocation would fail.
 * The loop does not checkpoint on this error, so the last checkpoint on disk stays the last good one.
 */
export class MemoryWatch {
  private constructor(private readonly backend: string, private readonly memory: BackendMemory & { usedBytes(): number }, private readonly at: Where) {}

  static forStage(ctx: StageContext): MemoryWatch | undefined {
    const backend = stageBackend(ctx);
    const memory = backend?.memory;
    if (!backend || !memory?.usedBytes) return undefined;
    return new MemoryWatch(backend.name, memory as BackendMemory & { usedBytes(): number }, where(ctx));
  }

  afterStep(step: number): void {
    const used = this.memory.usedBytes();
    if (used < RUNTIME_SHARE * this.memory.limitBytes) return;
    throw new GraphFlowError(
      'GF_MEMORY_LIMIT',
      `stage "${this.at.stage}": after step ${step} the ${this.memory.description} holds ${gib(used)}, within ${Math.round((1 - RUNTIME_SHARE) * 100)} % ` +
        `of ${limitText(this.backend, this.memory)}; the next step would not fit. Lower batchSize, or ${REMEDY}. The last checkpoint is kept.`,
      this.location(),
    );
  }

  /** Adds the stage, step and what to change to a GF_MEMORY_LIMIT raised deep inside the backend. */
  explain(e: unknown, step: number): unknown {
    if (!isGraphFlowError(e) || e.code !== 'GF_MEMORY_LIMIT' || e.problems[0]?.pointer !== undefined) return e;
    // The backend's message already says what to lower; it lacks only where.
    return new GraphFlowError('GF_MEMORY_LIMIT', `stage "${this.at.stage}", step ${step + 1}: ${e.problems[0]?.message ?? e.message}`, {
      ...this.location(),
      cause: e,
    });
  }

  private location(): { pointer: string; file?: string } {
    return { pointer: this.at.pointer, ...(this.at.file ? { file: this.at.file } : {}) };
  }
}
