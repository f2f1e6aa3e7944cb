import * as path from 'node:path';
import { stageConformance } from '@graphflow/core/testing';

// The first-party training stages pass the suite a third party's stage must pass, on the fakes (tiny networks).
const plugins = [path.resolve(__dirname, '../src/index.js'), path.resolve(__dirname, 'fixtures/fake-components-plugin.js')];
const data = { type: 'dataset/fake', options: { train: 4, unlabeled: 4 } };
const supervised = (epochs: number) => ({
  type: 'stage/supervised',
  options: { model: 'models.teacher', epochs, batchSize: 2, checkpointEvery: 1, losses: [{ type: 'loss/fake-ce' }], validation: { metrics: [{ type: 'metric/dice' }], batchSize: 2 } },
});

stageConformance({
  label: 'stage/supervised',
  plugins,
  data,
  models: { teacher: { type: 'backbone/tiny', options: { features: 4, seed: 5 } } },
  stage: supervised(2),
  longer: supervised(4),
  seed: 7,
});

const distill = (epochs: number) => ({
  type: 'stage/distill',
  options: {
    student: 'models.student',
    teacher: 'models.teacher',
    unlabeled: true,
    epochs,
    batchSize: 2,
    checkpointEvery: 1,
    losses: [{ type: 'loss/fake-ce' }, { type: 'loss/fake-adversarial', weight: 0.1 }],
    validation: { every: 0 },
  },
});

stageConformance({
  label: 'stage/distill',
  plugins,
  data,
  models: { teacher: { type: 'backbone/tiny', options: { features: 6, seed: 5 } }, student: { type: 'backbone/tiny', options: { features: 3, seed: 8 } } },
  before: [{ name: 'teacher', ...supervised(1) }],
  stage: distill(2),
  longer: distill(4),
  seed: 7,
});
