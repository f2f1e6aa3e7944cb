import { after } from 'node:test';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ComponentSpec } from '@graphflow/core';
import { datasetConformance } from '@graphflow/core/testing';
import { FlipTransform, folderDataset, syntheticDataset, withDatasetDefaults, type FolderDatasetOptions } from '../src/index';
import { fakeContext, squarePair, tempDir, writeImage } from './fixtures';

/** The shared dataset conformance suite over first-party layouts: generated images, and a folder of PNG pairs. */
const withFlip = { ...fakeContext('data'), build: async (spec: ComponentSpec) => new FlipTransform({ horizontal: spec.type === 'transform/flip' ? 0.5 : 0, vertical: 0.5 }) };

datasetConformance({
  label: 'dataset/synthetic',
  create: () => syntheticDataset.create({
    size: 32, count: 12, classes: 4, seed: 5, groupSize: 2, channels: 1, normalization: { mode: 'none' },
    split: { ratios: { train: 4, val: 1, test: 1 }, shuffle: true, labeledFraction: 1 },
    augment: [{ type: 'transform/flip', options: {} }], strict: true, cache: true, prefetch: 2, scanConcurrency: 4,
  }, withFlip as never),
  batchSize: 3,
});

let root: string | undefined;
after(async () => {
  if (root) await fs.rm(root, { recursive: true, force: true });
});

datasetConformance({
  label: 'dataset/folder',
  create: async () => {
    if (!root) {
      root = await tempDir('conformance-folder');
      for (const id of ['p01_a', 'p01_b', 'p02_a', 'p03_a', 'p04_a', 'p05_a']) {
        const { image, mask } = squarePair(16, 2, 10);
        await writeImage(path.join(root, `${id}.png`), image, 16, 16, 'png');
        await writeImage(path.join(root, `${id}_mask.png`), mask, 16, 16, 'png1');
      }
    }
    const options: FolderDatasetOptions = {
      ...withDatasetDefaults({ numClasses: 2, size: [8, 8], split: { ratios: { train: 2, val: 1, test: 1 }, shuffle: false, labeledFraction: 1 } }),
      root, images: '.', masks: '.', imagePattern: '^(.+)\\.png$', maskPattern: '^(.+)_mask\\.png$', groupPattern: '^(p\\d+)_',
    };
    return folderDataset.create(options, fakeContext());
  },
});
