import type { Batch, BatchOptions, Partition, SegmentationData } from '@graphflow/core';
import { disposeBatch } from './dispose-batch';

/**
 * An endless stream of batches from one partition that lines up with the main training epochs: in main epoch e it
 * continues from the position it had at the start of e, which is itself a pure function of (e, partition size, batch
 * size). Passes over the partition use dataset epochs 0, 1, 2 … in order, so resuming replays exactly.
 */
export class CyclingBatches {
  private iterator: AsyncIterator<Batch> | undefined;
  private pass = 0;
  private consumed = 0;
  private pendingSkip = 0;

  constructor(
    private readonly data: SegmentationData,
    private readonly partition: Partition,
    private readonly options: Omit<BatchOptions, 'epoch'>,
    private readonly stepsPerMainEpoch: number,
  ) {}

  private get perPass(): number {
    const n = this.data.itemsPerEpoch?.(this.partition) ?? this.data.size(this.partition);
    return Math.max(1, this.options.dropLast ? Math.floor(n / this.options.batchSize) : Math.ceil(n / this.options.batchSize));
  }

  /** Position the stream at main epoch `epoch`, after `skip` of its steps. */
  startEpoch(epoch: number, skip: number): void {
    const absolute = epoch * this.stepsPerMainEpoch + skip;
    const pass = Math.floor(absolute / this.perPass);
    if (this.iterator && pass === this.pass && absolute === this.consumedAbsolute()) return;
    void this.iterator?.return?.();
    this.iterator = undefined;
    this.pass = pass;
    this.consumed = absolute - pass * this.perPass;
    this.pendingSkip = this.consumed;
  }

  private consumedAbsolute(): number {
    return this.pass * this.perPass + this.consumed;
  }

  async next(): Promise<Batch> {
    for (;;) {
      if (!this.iterator) {
        this.iterator = this.data.batches(this.partition, { ...this.options, epoch: this.pass })[Symbol.asyncIterator]();
        let skip = this.pendingSkip;
        this.pendingSkip = 0;
        while (skip-- > 0) {
          const r = await this.iterator.next();
          if (r.done) break;
          disposeBatch(r.value);
        }
      }
      const r = await this.iterator.next();
      if (!r.done) {
        this.consumed++;
        return r.value;
      }
      this.iterator = undefined;
      this.pass++;
      this.consumed = 0;
    }
  }

  async close(): Promise<void> {
    await this.iterator?.return?.();
    this.iterator = undefined;
  }
}
