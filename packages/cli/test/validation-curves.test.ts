import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readValidationCurve, renderCurvesMarkdown, summarizeCurve, validationCurves } from '../src/ablation/validation-curves';
import { curvesChartSvg } from '../src/ablation/line-chart';
import type { AblationResult, AblationRow } from '../src/ablation/run-ablation';

/** A run folder whose metrics.jsonl holds step records, another stage's validation and the distill curve `dice`. */
async function fakeRun(dir: string, dice: (number | null)[], extra: string[] = []): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const lines = [
    JSON.stringify({ stage: 'teacher', step: 8, epoch: 0, validation: { dice: 0.99 } }),
    ...dice.flatMap((d, epoch) => [
      JSON.stringify({ stage: 'distill', step: epoch * 10 + 1, epoch, 'dice-ce': 0.5, total: 0.5 }),
      JSON.stringify({ stage: 'distill', step: epoch * 10 + 10, epoch, validation: { dice: d, hd95: 20 - epoch } }),
    ]),
    ...extra,
  ];
  await fs.writeFile(path.join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

function row(variant: string, runDirs: string[], status: 'done' | 'failed' = 'done'): AblationRow {
  return { variant, status, runDir: '', seconds: 1, metrics: {}, seeds: runDirs.map((runDir, i) => ({ seed: i + 1, runDir, status, seconds: 1, metrics: {} })) };
}

describe('validation curves of an ablation', () => {
  test('reads the ablated stage\'s validation per epoch, averages over seeds and measures how far the curve settled', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-curves-'));
    const a1 = await fakeRun(path.join(root, 'a1'), [0.1, 0.3, 0.5, 0.6, 0.62, 0.64, 0.7, 0.72]);
    const a2 = await fakeRun(path.join(root, 'a2'), [0.2, 0.4, 0.6, 0.7, 0.6, 0.58, 0.6, 0.62]);
    assert.deepEqual((await readValidationCurve(a1, 'distill', 'dice')).map((p) => p.epoch), [0, 1, 2, 3, 4, 5, 6, 7]);
    const result: AblationResult = { dir: root, base: root, stage: 'distill', seeds: [1, 2], rows: [row('alone', [a1, a2]), row('broken', [path.join(root, 'none')], 'failed')] };
    const [alone, broken] = await validationCurves(result, 'dice');
    assert.equal(alone!.runs.length, 2);
    assert.ok(Math.abs(alone!.mean[0]!.value - 0.15) < 1e-12 && Math.abs(alone!.mean[7]!.value - 0.67) < 1e-12);
    const s = summarizeCurve(alone!, 'dice');
    // A quarter of 8 epochs back is 2: (0.72 − 0.64 + 0.62 − 0.58) / 2.
    assert.equal(s.lateEpochs, 2);
    assert.ok(Math.abs(s.lateChange - 0.06) < 1e-12, String(s.lateChange));
    assert.ok(Math.abs(s.last - 0.67) < 1e-12 && Math.abs(s.best - 0.71) < 1e-12);
    assert.equal(s.bestEpoch, 7);
    assert.equal(s.epochs, 8);
    // Failed runs are not read at all; a variant with none gets an empty summary (0 runs, 0 epochs).
    assert.equal(broken!.runs.length, 0);
    assert.deepEqual([summarizeCurve(broken!, 'dice').runs, summarizeCurve(broken!, 'dice').epochs], [0, 0]);
    const md = renderCurvesMarkdown([s, summarizeCurve(broken!, 'dice')], 'dice');
    assert.match(md, /\| alone \| 8 \| 0\.6700 \| 0\.7100 \| 8 \| \+0\.0600 \(2\) \| 0 \|/);
    assert.match(md, /\| broken \| 0 \| n\/a/);
    // Lower is better for HD95: the best is the smallest value.
    const hd = (await validationCurves(result, 'hd95'))[0]!;
    assert.equal(summarizeCurve(hd, 'hd95').best, 13);
  });

  test('counts a finished run without validation records instead of dropping it, and keeps a null value as missing', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-curves-'));
    const silent = path.join(root, 'silent');
    await fs.mkdir(silent);
    const gap = await fakeRun(path.join(root, 'gap'), [0.2, null, 0.4]);
    const [c] = await validationCurves({ dir: root, base: root, stage: 'distill', rows: [row('kd', [silent, gap])] }, 'dice');
    assert.equal(c!.withoutCurve, 1);
    assert.equal(c!.runs.length, 1);
    assert.ok(Number.isNaN(c!.mean[1]!.value));
    assert.equal(summarizeCurve(c!, 'dice').best, 0.4);
    assert.match(renderCurvesMarkdown([summarizeCurve(c!, 'dice')], 'dice'), /\| kd \| 3 \| 0\.4000 \| 0\.4000 \| 3 \| n\/a \(1\) \| 1 \|/);
  });

  test('refuses a corrupt metrics.jsonl with the file and line', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-curves-'));
    const torn = await fakeRun(path.join(root, 'torn'), [0.5], ['{"stage":"distill","epoch":1,"valid']);
    await assert.rejects(readValidationCurve(torn, 'distill', 'dice'), (e: { code?: string; message: string }) => e.code === 'GF_RESUME_INVALID' && /torn[/\\]metrics\.jsonl:4: not a JSON record/.test(e.message));
    const text = await fakeRun(path.join(root, 'text'), [0.5], [JSON.stringify({ stage: 'distill', epoch: 1, validation: { dice: 'high' } })]);
    await assert.rejects(readValidationCurve(text, 'distill', 'dice'), /metrics\.jsonl:4: validation "dice" is "high", not a finite number/);
    const noEpoch = await fakeRun(path.join(root, 'no-epoch'), [], [JSON.stringify({ stage: 'distill', epoch: -1, validation: { dice: 0.5 } })]);
    await assert.rejects(readValidationCurve(noEpoch, 'distill', 'dice'), /metrics\.jsonl:2: a validation record needs a non-negative integer "epoch"/);
  });

  test('draws each seed faintly and the mean boldly, one colour per variant', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-curves-'));
    const runs = [await fakeRun(path.join(root, 'a'), [0.1, 0.5]), await fakeRun(path.join(root, 'b'), [0.3, 0.7])];
    const curves = await validationCurves({ dir: root, base: root, stage: 'distill', rows: [row('alone', runs), row('gf <all>', runs)] }, 'dice');
    const svg = curvesChartSvg('t', 'dice', curves);
    assert.equal((svg.match(/stroke-opacity="0\.35"/g) ?? []).length, 4);
    assert.equal((svg.match(/stroke-width="2\.5"/g) ?? []).length, 2);
    assert.match(svg, /gf &lt;all&gt; \(2 runs\)/);
  });
});
