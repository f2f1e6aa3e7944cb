import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '@graphflow/backend';
import { buildReferenceUNet, forwardFlops, type UNetConfig } from './reference-unet';
import { KernelTimer } from './kernel-timer';
import { median, peakRssMiB } from './stats';
import { activateOptions, parseBackendSpec, phase, tfjsEngineName, type EngineResult } from './bench-result';

export interface EngineRunOptions {
  backend: string;
  config: UNetConfig;
  warmup: number;
  iterations: number;
  threads?: number;
}

/**
 * Benchmarks one tfjs backend in THIS process (main.ts runs each in its own child process so peak RSS and
 * the one-time wasm start are per backend). Train step = forward, softmax cross-entropy, backward, Adam.
 */
export async function runTfjsEngine(o: EngineRunOptions): Promise<EngineResult> {
  const info = await activateBackend(parseBackendSpec(o.backend).name, activateOptions(o.backend, o.threads));
  const timer = new KernelTimer(info.tfBackend);
  timer.install();
  const c = o.config;
  const net = buildReferenceUNet(c);
  const optimizer = tf.train.adam(1e-3);
  const images = tf.randomNormal([c.batch, c.size, c.size, c.inChannels], 0, 1, 'float32', 11) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([c.batch, c.size, c.size], 0, c.classes, 'int32', 12) as tf.Tensor3D, c.classes);
  const vars = net.trainableVariables();
  let lastLoss = NaN;
  const trainStep = (): void => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.forward(images, true)), true, vars);
    lastLoss = loss!.dataSync()[0]!;
    loss!.dispose();
  };
  const inferStep = (): void => {
    const out = tf.tidy(() => net.forward(images, false));
    out.dataSync();
    out.dispose();
  };
  const time = (fn: () => void, n: number): number[] => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      fn();
      samples.push(performance.now() - t0);
    }
    return samples;
  };
  time(trainStep, o.warmup);
  const tensorsBefore = tf.memory().numTensors;
  const trainSamples = time(trainStep, o.iterations);
  const leaked = tf.memory().numTensors - tensorsBefore;
  const trainKernels = timer.measure(trainStep).map((k) => ({ ...k, totalMs: Math.round(k.totalMs * 10) / 10 }));
  time(inferStep, Math.min(o.warmup, 1));
  const inferSamples = time(inferStep, o.iterations);
  const fwd = forwardFlops(c);
  const result: EngineResult = {
    engine: tfjsEngineName(o.backend),
    version: info.version,
    threads: info.threads,
    status: 'ok',
    train: phase(trainSamples, c.batch, 3 * fwd, median),
    inference: phase(inferSamples, c.batch, fwd, median),
    peakRssMiB: Math.round(peakRssMiB()),
    trainKernels,
    lastLoss: Math.round(lastLoss * 1e4) / 1e4,
    ...(leaked !== 0 ? { note: `numTensors changed by ${leaked} over the timed steps` } : {}),
  };
  net.dispose();
  optimizer.dispose();
  tf.dispose([images, labels]);
  return result;
}
