import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { assignPartitions, type SplitItem, type SplitOptions } from '../src/index';
import { tempDir } from './fixtures';

/** 10 patients with 1–4 slices each. */
const items: SplitItem[] = [];
for (let p = 0; p < 10; p++) for (let s = 0; s <= p % 4; s++) items.push({ id: `p${p}_s${s}`, group: `p${p}` });

const split = (o: Partial<SplitOptions> = {}): SplitOptions => ({ ratios: { train: 0.6, val: 0.2, test: 0.2 }, shuffle: true, labeledFraction: 1, ...o });
const groupsOf = (idx: number[]): Set<string> => new Set(idx.map((i) => items[i]!.group));

describe('assignPartitions', () => {
  it('ratios: disjoint, complete, grouped, sized by group count', async () => {
    const { partitions, problems } = await assignPartitions(items, split(), 7, '.');
    assert.deepEqual(problems, []);
    const all = [...partitions.train, ...partitions.val, ...partitions.test].sort((a, b) => a - b);
    assert.deepEqual(all, items.map((_, i) => i));
    const [tr, va, te] = [groupsOf(partitions.train), groupsOf(partitions.val), groupsOf(partitions.test)];
    assert.deepEqual([tr.size, va.size, te.size], [6, 2, 2]);
    for (const g of va) assert.ok(!tr.has(g) && !te.has(g), `group ${g} straddles partitions`);
    for (const g of te) assert.ok(!tr.has(g));
  });

  it('is seeded: same seed same split, other seed another split', async () => {
    const a = await assignPartitions(items, split(), 7, '.');
    const b = await assignPartitions(items, split(), 7, '.');
    const c = await assignPartitions(items, split(), 8, '.');
    assert.deepEqual(a.partitions, b.partitions);
    assert.notDeepEqual(a.partitions.test, c.partitions.test);
  });

  it('shuffle: false cuts contiguous ranges in natural order (p2 before p10)', async () => {
    const many: SplitItem[] = Array.from({ length: 12 }, (_, i) => ({ id: String(i), group: String(i) }));
    const { partitions } = await assignPartitions(many, split({ ratios: { train: 0.75, val: 0, test: 0.25 }, shuffle: false }), 1, '.');
    assert.deepEqual(partitions.train.map((i) => many[i]!.id), ['0', '1', '2', '3', '4', '5', '6', '7', '8']);
    assert.deepEqual(partitions.test.map((i) => many[i]!.id), ['9', '10', '11']);
  });

  it('k-fold: folds are disjoint and cover every group once', async () => {
    const seen = new Map<string, number>();
    for (let fold = 0; fold < 5; fold++) {
      const { partitions, problems } = await assignPartitions(items, split({ kfold: { k: 5, fold, holdout: 'val' } }), 3, '.');
      assert.deepEqual(problems, []);
      for (const g of groupsOf(partitions.val)) seen.set(g, (seen.get(g) ?? 0) + 1);
      assert.equal(partitions.test.length, 0);
      for (const g of groupsOf(partitions.val)) assert.ok(!groupsOf(partitions.train).has(g));
    }
    assert.equal(seen.size, 10);
    assert.ok([...seen.values()].every((n) => n === 1));
  });

  it('lists: ids or groups from files; unknown names are reported with the list file', async () => {
    const dir = await tempDir('lists');
    try {
      await fs.writeFile(path.join(dir, 'test.txt'), '# held-out patients\np1\np2_s0\n');
      await fs.writeFile(path.join(dir, 'train.txt'), 'p3\np4\nnobody\n');
      const { partitions, problems } = await assignPartitions(items, split({ lists: { train: 'train.txt', test: 'test.txt' } }), 0, dir);
      assert.deepEqual([...groupsOf(partitions.test)].sort(), ['p1', 'p2']);
      assert.deepEqual([...groupsOf(partitions.train)].sort(), ['p3', 'p4']);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]!.file, path.join(dir, 'train.txt'));
      assert.match(problems[0]!.message, /nobody/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('labeledFraction moves whole training groups to unlabeled, leaving val/test unchanged', async () => {
    const full = await assignPartitions(items, split(), 11, '.');
    const semi = await assignPartitions(items, split({ labeledFraction: 0.5 }), 11, '.');
    assert.deepEqual(semi.partitions.val, full.partitions.val);
    assert.deepEqual(semi.partitions.test, full.partitions.test);
    assert.equal(groupsOf(semi.partitions.train).size, 3);
    assert.equal(groupsOf(semi.partitions.unlabeled).size, 3);
    for (const g of groupsOf(semi.partitions.unlabeled)) assert.ok(!groupsOf(semi.partitions.train).has(g));
    assert.deepEqual([...semi.partitions.train, ...semi.partitions.unlabeled].sort((a, b) => a - b), full.partitions.train);
  });

  it('reports a partition left empty by the split', async () => {
    const two: SplitItem[] = [{ id: 'a', group: 'a' }, { id: 'b', group: 'b' }];
    const { problems } = await assignPartitions(two, split({ ratios: { train: 0.8, val: 0.1, test: 0.1 } }), 0, '.');
    assert.ok(problems.some((p) => p.code === 'GF_DATA_INVALID' && /partition 'val' empty/.test(p.message)));
  });

  it('pinned items (official test sets) stay where they are', async () => {
    const pinned: SplitItem[] = [...items, { id: 'v1', group: 'v', fixedPartition: 'test' }];
    const { partitions } = await assignPartitions(pinned, split({ ratios: { train: 1, val: 0, test: 0 } }), 0, '.');
    assert.deepEqual(partitions.test, [pinned.length - 1]);
    assert.equal(partitions.train.length, items.length);
  });
});
