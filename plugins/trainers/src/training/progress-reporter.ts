import { SingleBar, Presets } from 'cli-progress';
import type { Logger } from 'pino';

export interface ProgressOptions {
  /** Draw a bar (TTY) or log lines; defaults to whether stderr is a TTY. */
  tty?: boolean;
  /** Log-line interval when not on a TTY. */
  logEverySteps: number;
  logEverySeconds: number;
}

/**
 * Shows training progress: on a terminal a bar per epoch (steps, loss terms, throughput, ETA); otherwise
 * (CI, redirected output) periodic structured pino lines, since redrawn bars make unreadable logs.
 */
export class ProgressReporter {
  private bar: SingleBar | undefined;
  private readonly tty: boolean;
  private epochStart = 0;
  private epochStartStep = 0;
  private lastLogTime = 0;
  private lastLogStep = -1;
  private epoch = 0;
  private epochSteps = 0;

  constructor(private readonly stage: string, private readonly logger: Logger, private readonly options: ProgressOptions) {
    this.tty = options.tty ?? Boolean(process.stderr.isTTY);
  }

  startEpoch(epoch: number, epochs: number, epochSteps: number, doneInEpoch: number): void {
    this.epoch = epoch;
    this.epochSteps = epochSteps;
    this.epochStart = Date.now();
    this.epochStartStep = doneInEpoch;
    this.lastLogTime = this.epochStart;
    if (this.tty) {
      this.bar = new SingleBar(
        {
          format: `${this.stage} epoch ${epoch + 1}/${epochs} [{bar}] {value}/{total} | {terms} | {rate} it/s | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 20,
        },
        Presets.shades_classic,
      );
      this.bar.start(epochSteps, doneInEpoch, { terms: '', rate: '-' });
    }
  }

  update(stepInEpoch: number, globalStep: number, terms: Record<string, number>): void {
    const now = Date.now();
    const done = stepInEpoch - this.epochStartStep;
    const rate = done > 0 ? done / Math.max(1e-3, (now - this.epochStart) / 1000) : 0;
    if (this.bar) {
      this.bar.update(stepInEpoch, { terms: formatTerms(terms), rate: rate.toFixed(2) });
      return;
    }
    const due = globalStep - this.lastLogStep >= this.options.logEverySteps || now - this.lastLogTime >= this.options.logEverySeconds * 1000 || stepInEpoch === this.epochSteps;
    if (!due) return;
    this.lastLogStep = globalStep;
    this.lastLogTime = now;
    const remaining = this.epochSteps - stepInEpoch;
    this.logger.info(
      { epoch: this.epoch, step: globalStep, stepInEpoch, epochSteps: this.epochSteps, terms, stepsPerSecond: Number(rate.toFixed(3)), etaSeconds: rate > 0 ? Math.round(remaining / rate) : null },
      'training progress',
    );
  }

  endEpoch(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

function formatTerms(terms: Record<string, number>): string {
  return Object.entries(terms)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)}`)
    .join(' ');
}
