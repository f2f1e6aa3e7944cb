import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isGraphFlowError } from '@graphflow/core';
import { buildUNet, type UNetOptions } from '../src/networks/unet';
import { buildENet } from '../src/networks/enet';
import { LayersSegmentationModel } from '../src/model/layers-segmentation-model';
import { tempDir, useCpu } from './backbone-contract';

const tiny: UNetOptions = { inChannels: 1, numClasses: 2, baseWidth: 2, depth: 1, norm: 'batch', dropout: 0, upsampling: 'transpose' };

function checkpointError(pattern: RegExp) {
  return (e: unknown): boolean => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_INVALID' && pattern.test(e.message);
}

test('load rejects another architecture, other options, truncated weights and a missing directory', async () => {
  await useCpu();
  const dir = await tempDir('errors');
  const unet = new LayersSegmentationModel(buildUNet(tiny));
  const wider = new LayersSegmentationModel(buildUNet({ ...tiny, baseWidth: 4 }));
  const enet = new LayersSegmentationModel(buildENet({ inChannels: 1, numClasses: 2, widthMultiplier: 0.25, dropoutStage1: 0, dropout: 0, stage3: false }));
  try {
    await unet.save(dir);
    await assert.rejects(enet.load(dir), checkpointError(/holds backbone\/unet, not backbone\/enet/));
    await assert.rejects(wider.load(dir), checkpointError(/enc1_1_conv\/kernel is 3x3x1x2, expected 3x3x1x4/));
    const bin = path.join(dir, 'weights.bin');
    const bytes = await fs.readFile(bin);
    await fs.writeFile(bin, bytes.subarray(0, bytes.length - 4));
    await assert.rejects(unet.load(dir), checkpointError(/partial or foreign/));
    await assert.rejects(unet.load(path.join(dir, 'absent')), checkpointError(/cannot read/));
  } finally {
    [unet, wider, enet].forEach((m) => m.dispose());
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('summary of an invalid size fails with GF_DATA_INVALID before any work', async () => {
  await useCpu();
  const unet = new LayersSegmentationModel(buildUNet({ ...tiny, depth: 3 }));
  assert.throws(() => unet.summary(20, 16), (e: unknown) => isGraphFlowError(e) && e.code === 'GF_DATA_INVALID' && /multiple of 8/.test(e.message));
  unet.dispose();
});
