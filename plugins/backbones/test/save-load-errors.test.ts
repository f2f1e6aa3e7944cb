import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isGraphFlowError, LayersSegmentationModel, readLayersArtifacts, INTEGRITY_KEY } from '@graphflow/core';
import { buildUNet, type UNetOptions } from '../src/networks/unet';
import { buildENet } from '../src/networks/enet';
import { tempDir, useCpu } from './backbone-contract';
import * as tf from '@tensorflow/tfjs';

const tiny: UNetOptions = { inChannels: 1, numClasses: 2, baseWidth: 2, depth: 1, norm: 'batch', dropout: 0, upsampling: 'transpose' };

function checkpointError(pattern: RegExp) {
  return (e: unknown): boolean => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_INVALID' && pattern.test(e.message);
}

test('load rejects another architecture, other options (GF_CHECKPOINT_INVALID), truncated weights (GF_CHECKPOINT_CORRUPT) and a missing directory', async () => {
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
    await assert.rejects(unet.load(dir), (e: unknown) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_CORRUPT' && /truncated/.test(e.message));
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

const corrupt = (file: RegExp, message: RegExp) => (e: unknown): boolean => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_CORRUPT' && file.test(e.problems[0]!.file ?? '') && message.test(e.message);

async function saved(label: string): Promise<{ dir: string; unet: LayersSegmentationModel }> {
  const unet = new LayersSegmentationModel(buildUNet(tiny));
  const dir = await tempDir(label);
  await unet.save(dir);
  return { dir, unet };
}

async function editModelJson(dir: string, edit: (json: Record<string, any>) => void): Promise<void> {
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(await fs.readFile(file, 'utf8'));
  edit(json);
  await fs.writeFile(file, JSON.stringify(json));
}

test('the layers format records SHA-256 digests in userDefinedMetadata and refuses damaged model.json / weights.bin', async () => {
  await useCpu();
  const { dir, unet } = await saved('integrity');
  const fresh = new LayersSegmentationModel(buildUNet(tiny));
  try {
    // Batch-norm moving statistics are weights of the model, so they are saved and checked like the rest.
    assert.ok(unet.weights().some((w) => /moving_variance$/.test(w.name) && !w.trainable));
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    const integrity = json.userDefinedMetadata[INTEGRITY_KEY];
    assert.equal(integrity.format, 'graphflow-integrity/1');
    assert.equal(integrity.tensorSha256.length, json.weightsManifest[0].weights.length);
    const specs = json.weightsManifest[0].weights as { name: string; shape: number[] }[];
    // plain tfjs still reads it (the digests are metadata it ignores)
    const { artifacts } = await readLayersArtifacts(dir);
    const plain = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    plain.dispose();

    const copy = async (label: string) => {
      const d = await tempDir(label);
      await fs.cp(dir, d, { recursive: true });
      return d;
    };
    const flipped = await copy('flip');
    const bin = await fs.readFile(path.join(flipped, 'weights.bin'));
    for (let i = 0; i < 64; i++) bin[bin.length - 100 + i] = bin[bin.length - 100 + i]! ^ 0x40;
    await fs.writeFile(path.join(flipped, 'weights.bin'), bin);
    await assert.rejects(fresh.load(flipped), corrupt(/weights\.bin$/, /does not match its recorded SHA-256.*damaged bytes in "/));

    const nullShape = await copy('null-shape');
    await editModelJson(nullShape, (j) => (j.weightsManifest[0].weights[1].shape = null));
    await assert.rejects(fresh.load(nullShape), corrupt(/model\.json$/, new RegExp(`"${specs[1]!.name}": shape must be an array`)));

    const swapped = await copy('swapped');
    await editModelJson(swapped, (j) => (j.weightsManifest[0].weights[0].shape = [...j.weightsManifest[0].weights[0].shape].reverse()));
    await assert.rejects(fresh.load(swapped), corrupt(/model\.json$/, /entries .*do not match their recorded SHA-256/));

    const outside = await copy('outside');
    await editModelJson(outside, (j) => (j.weightsManifest[0].paths = ['../../etc/passwd']));
    await assert.rejects(fresh.load(outside), corrupt(/model\.json$/, /points outside/));

    const badJson = await copy('bad-json');
    await fs.writeFile(path.join(badJson, 'model.json'), '{"format": "layers-model", "weightsManifest": [');
    await assert.rejects(fresh.load(badJson), corrupt(/model\.json$/, /not valid JSON/));

    // Digests removed (older GraphFlow, other tools): loads after the size and finiteness checks, with a warning.
    const legacy = await copy('legacy');
    await editModelJson(legacy, (j) => delete j.userDefinedMetadata[INTEGRITY_KEY]);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await fresh.load(legacy);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.ok(warnings.some((w) => /has no recorded SHA-256/.test(w)), warnings.join('\n'));
    for (const [i, w] of unet.weights().entries()) assert.deepEqual(fresh.weights()[i]!.variable.dataSync(), w.variable.dataSync());

    // NaN values written behind the digests' back are still refused.
    const nan = await copy('nan');
    await editModelJson(nan, (j) => delete j.userDefinedMetadata[INTEGRITY_KEY]);
    const nanBin = await fs.readFile(path.join(nan, 'weights.bin'));
    nanBin.writeFloatLE(Infinity, 0);
    await fs.writeFile(path.join(nan, 'weights.bin'), nanBin);
    await assert.rejects(fresh.load(nan), corrupt(/weights\.bin$/, new RegExp(`"${specs[0]!.name}" holds 1 non-finite values`)));
  } finally {
    unet.dispose();
    fresh.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('saving (and so exporting) a layers model with a NaN batch-norm statistic is refused and writes nothing', async () => {
  await useCpu();
  const unet = new LayersSegmentationModel(buildUNet(tiny));
  const dir = path.join(await tempDir('nan-save'), 'out');
  try {
    const stat = unet.weights().find((w) => /moving_variance$/.test(w.name))!;
    stat.variable.assign(tf.fill(stat.variable.shape, NaN));
    await assert.rejects(unet.save(dir), (e: unknown) => isGraphFlowError(e) && e.code === 'GF_WEIGHTS_NOT_FINITE' && e.message.includes(stat.name));
    await assert.rejects(fs.access(dir));
  } finally {
    unet.dispose();
  }
});
