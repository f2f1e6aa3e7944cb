import type { Param } from '@graphflow/core';
import * as tf from '@tensorflow/tfjs';

/** Zero-initialized per-parameter accumulators (moments, momentum buffers), keyed by slot name and param key. */
export class SlotStore {
  private readonly slots = new Map<string, tf.Variable>();

  constructor(private readonly slotNames: readonly string[]) {}

  prepare(params: readonly Param[]): void {
    for (const p of params) {
      for (const slot of this.slotNames) {
        const name = `${slot}/${p.key}`;
        if (!this.slots.has(name)) this.slots.set(name, tf.variable(tf.zerosLike(p.variable), false));
      }
    }
  }

  get(slot: string, param: Param): tf.Variable {
    const v = this.slots.get(`${slot}/${param.key}`);
    if (!v) throw new Error(`optimizer slot ${slot}/${param.key} missing: call prepare() first`);
    return v;
  }

  entries(): { name: string; variable: tf.Variable }[] {
    return [...this.slots.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, variable]) => ({ name, variable }));
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}
