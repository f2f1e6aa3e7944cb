import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import * as tf from '@tensorflow/tfjs';
import type { Metric, MetricInput, MetricValue } from '@graphflow/core';
import { TinyModel, snapshotWeights } from './fixtures/tiny-model';
import { FakeData } from './fixtures/fake-data';
import { CrossEntropyTerm } from './fixtures/fake-losses';
import { makeStageContext, tempDir } from './fixtures/stage-context';
import { buildStudentStage } from './fixtures/build-stage';
import { ProgressReporter } from '../src/training/progress-reporter';

tf.setBackend('cpu');

/** A metric whose value is scripted per call; with a one-image validation split, one call = one validation round. */
class ScriptedMetric implements Metric {
  readonly name = 'score';
  readonly higherIsBetter = true;
  private calls = 0;
  constructor(private readonly values: number[]) {}
  compute(_input: MetricInput): MetricValue {
    const v = this.values[Math.min(this.calls++, this.values.length - 1)]!;
    return { perClass: [v, v], mean: v };
  }
}

test('validation keeps the best weights, restores them at the end, and stops early after `patience` bad rounds', async () => {
  const model = new TinyModel(1, 2);
  const data = new FakeData(3, { train: 4, val: 1 });
  const ctx = await makeStageContext({ root: await tempDir('best'), refs: { 'models.student': model, data } });
  let afterEpoch2: Record<string, Float32Array> | undefined;
  const append = ctx.run.appendMetric.bind(ctx.run);
  ctx.run.appendMetric = async (record) => {
    await append(record);
    if (record['validation'] && record['epoch'] === 1) afterEpoch2 = snapshotWeights(model);
  };
  // Scores per validation: 0.2, 0.9 (best, epoch 2), 0.5, 0.4 → patience 2 stops after epoch 4 of 10.
  const metric = new ScriptedMetric([0.2, 0.9, 0.5, 0.4, 0.95]);
  const stage = buildStudentStage('supervised', [new CrossEntropyTerm()], { epochs: 10, batchSize: 2, validation: { every: 1, partition: 'val', monitor: 'score', metrics: [], patience: 2, restoreBest: true, batchSize: 2 } }, [metric]);
  const result = await stage.run(ctx);
  assert.equal(result.metrics?.['steps'], 8, 'stopped after 4 epochs');
  assert.deepEqual(result.metrics?.['best'], { value: 0.9, step: 4, epoch: 1 });
  const best = JSON.parse(await fs.readFile(path.join(ctx.dir, 'best', 'snapshot.json'), 'utf8'));
  assert.deepEqual(best.metric, { name: 'score', value: 0.9 });
  assert.deepEqual(snapshotWeights(model), afterEpoch2, 'the model ends with the best weights');
});

test('progress: structured log lines with terms, throughput and ETA when not on a TTY', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const reporter = new ProgressReporter('teacher', pino({ level: 'info' }, sink), { tty: false, logEverySteps: 2, logEverySeconds: 3600 });
  reporter.startEpoch(0, 3, 5, 0);
  for (let k = 1; k <= 5; k++) reporter.update(k, k, { ce: 1 / k });
  reporter.endEpoch();
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      // Steps 1 (first), 3, 5 (epoch end): every 2 updates and always at the end of the epoch.
      assert.deepEqual(lines.map((l) => l['step']), [1, 3, 5]);
      const last = lines[2]!;
      assert.equal(last['msg'], 'training progress');
      assert.equal((last['terms'] as Record<string, number>)['ce'], 0.2);
      assert.equal(last['epochSteps'], 5);
      assert.ok(typeof last['stepsPerSecond'] === 'number');
      assert.equal(last['etaSeconds'], 0);
      resolve();
    }),
  );
});
