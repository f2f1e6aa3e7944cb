import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUNet, type UNetOptions } from '../src/networks/unet';
import { LayersSegmentationModel } from '@graphflow/core';
import { backboneContract, useCpu } from './backbone-contract';

const tiny: UNetOptions = { inChannels: 1, numClasses: 2, baseWidth: 4, depth: 2, norm: 'batch', dropout: 0, upsampling: 'transpose' };

backboneContract({
  label: 'unet (transpose)',
  create: () => new LayersSegmentationModel(buildUNet(tiny)),
  sizes: [[16, 16], [16, 32], [24, 8]],
  invalidSize: [18, 16],
  trainSize: [16, 16],
  standalone: true,
});

backboneContract({
  label: 'unet (bilinear, dropout, 3 channels)',
  create: () => new LayersSegmentationModel(buildUNet({ ...tiny, inChannels: 3, numClasses: 3, upsampling: 'bilinear', dropout: 0.2, depth: 3 })),
  sizes: [[16, 24]],
  invalidSize: [20, 20],
  trainSize: [16, 16],
  standalone: true,
});

test('unet: parameter and MAC counts match a hand computation (depth 1, base 2, 1→2 classes, 4×4 input)', async () => {
  await useCpu();
  const model = new LayersSegmentationModel(buildUNet({ ...tiny, baseWidth: 2, depth: 1 }));
  // convs (no bias before BN): enc1 3·3·1·2=18, 3·3·2·2=36; bottleneck 3·3·2·4=72, 3·3·4·4=144;
  // up1 transposed 2·2·4·2+2=34; dec1 3·3·4·2=72, 3·3·2·2=36; head 1·1·2·2+2=6 → 418.
  // batch norms: 4 values per channel over 2+2+4+4+2+2 channels = 64, half of them moving statistics.
  const s = model.summary(4, 4);
  assert.equal(s.params, 418 + 64);
  assert.equal(s.trainableParams, 418 + 32);
  // MACs: enc1 16·2·9·1 + 16·2·9·2; bottleneck at 2×2: 4·4·9·2 + 4·4·9·4; up1 4 px·4·4·2;
  // dec1 16·2·9·4 + 16·2·9·2; head 16·2·2.
  assert.equal(s.macs, 288 + 576 + 288 + 576 + 128 + 1152 + 576 + 64);
  assert.equal(s.flops, 2 * 3648);
  model.dispose();
});
