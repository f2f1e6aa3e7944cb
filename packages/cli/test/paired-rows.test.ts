import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pairedRows, renderPairedMarkdown } from '../src/ablation/paired-rows';
import type { AblationResult, AblationRow } from '../src/ablation/run-ablation';

/** A finished run folder whose evaluate stage reports per-image Dice of the student and the teacher. */
async function fakeRun(dir: string, student: number[], teacher: number[]): Promise<string> {
  await fs.mkdir(path.join(dir, 'stages', 'evaluate'), { recursive: true });
  await fs.writeFile(path.join(dir, 'report.json'), JSON.stringify({ stages: [{ name: 'distill' }, { name: 'evaluate' }] }));
  const cases = (values: number[]) => values.map((v, i) => ({ id: `img${i}`, metrics: { dice: { mean: v } } }));
  await fs.writeFile(path.join(dir, 'stages', 'evaluate', 'evaluation.json'), JSON.stringify({ 'models.student': { cases: cases(student) }, 'models.teacher': { cases: cases(teacher) } }));
  return dir;
}

function row(variant: string, runs: { seed: number; runDir: string }[]): AblationRow {
  return { variant, status: 'done', runDir: '', seconds: 1, metrics: {}, seeds: runs.map((r) => ({ ...r, status: 'done', seconds: 1, metrics: {} })) };
}

describe('paired per-image comparison of ablation variants', () => {
  test('pairs by seed and image, averages over seeds, and reports wins, the interval and the gap closed', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-paired-'));
    const teacher = [0.9, 0.9, 0.9, 0.9];
    const alone = [
      await fakeRun(path.join(root, 'alone1'), [0.7, 0.6, 0.8, 0.7], teacher),
      await fakeRun(path.join(root, 'alone2'), [0.6, 0.7, 0.7, 0.8], teacher),
    ];
    // Seed 1 gains 0.1 on every image, seed 2 gains 0.1 on img0..2 and loses 0.1 on img3.
    const distilled = [
      await fakeRun(path.join(root, 'gf1'), [0.8, 0.7, 0.9, 0.8], teacher),
      await fakeRun(path.join(root, 'gf2'), [0.7, 0.8, 0.8, 0.7], teacher),
    ];
    const result: AblationResult = {
      dir: root,
      base: root,
      stage: 'distill',
      seeds: [1, 2],
      rows: [row('alone', alone.map((runDir, i) => ({ seed: i + 1, runDir }))), row('graph-flow', distilled.map((runDir, i) => ({ seed: i + 1, runDir })))],
    };
    const [gf] = await pairedRows(result, 'alone', 'dice', 'models.student', 'models.teacher');
    assert.equal(gf!.variant, 'graph-flow');
    assert.equal(gf!.images, 4);
    // Per image, averaged over seeds: 0.1, 0.1, 0.1, 0 → 3 better, none worse.
    assert.deepEqual([gf!.wins, gf!.losses], [3, 0]);
    assert.ok(Math.abs(gf!.meanDifference - 0.075) < 1e-9);
    assert.ok(gf!.ci[0] >= 0 && gf!.ci[1] <= 0.1 + 1e-9 && gf!.ci[0] <= gf!.meanDifference && gf!.meanDifference <= gf!.ci[1]);
    // alone averages 0.7, distilled 0.775, teacher 0.9: (0.775 − 0.7) / (0.9 − 0.7) = 37.5 %.
    assert.ok(Math.abs(gf!.gapClosed! - 0.375) < 1e-9);
    // Per seed: +0.1 on every image at seed 1; (0.1 + 0.1 + 0.1 − 0.1) / 4 = +0.05 at seed 2.
    assert.deepEqual(gf!.perSeed.map((s) => s.seed), [1, 2]);
    assert.ok(Math.abs(gf!.perSeed[0]!.difference - 0.1) < 1e-9 && Math.abs(gf!.perSeed[1]!.difference - 0.05) < 1e-9);
    // Resampling seeds too can draw seed 2 (the one with a loss, on img3) twice: here it reaches at least as low as the image-only interval.
    const [lo, hi] = gf!.ciSeedsAndImages;
    assert.ok(lo <= gf!.ci[0] + 1e-9 && lo <= gf!.meanDifference && gf!.meanDifference <= hi && hi <= 0.1 + 1e-9, `[${lo}, ${hi}]`);
    const md = renderPairedMarkdown([gf!], 'alone');
    assert.match(md, /\| graph-flow \| 7\.50 \| \[[^\]]+\] \| \[[^\]]+\] \| 10\.00, 5\.00 \|/);
    assert.match(md, /3 \/ 0 of 4 \| 38 %/);
  });

  test('an unknown baseline variant and a run without per-image results are coded errors', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-paired-'));
    const result: AblationResult = { dir: root, base: root, stage: 'distill', rows: [row('alone', [{ seed: 1, runDir: root }])] };
    await assert.rejects(pairedRows(result, 'none', 'dice', 'models.student'), (e: { code?: string; message: string }) => e.code === 'GF_MANIFEST_REF' && /variants: alone/.test(e.message));
    await fs.writeFile(path.join(root, 'report.json'), JSON.stringify({ stages: [{ name: 'distill' }] }));
    await assert.rejects(pairedRows(result, 'alone', 'dice', 'models.student'), (e: { code?: string }) => e.code === 'GF_RESUME_INVALID');
  });
});
