import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type Partition, type Problem, labeledRng } from '@graphflow/core';
import type { SplitOptions } from './split-options';

export interface SplitItem {
  id: string;
  group: string;
  /**
   * Layouts with an official partition (e.g. Synapse's test volumes, a folder source pinned to test) pin it: the
   * item's whole group goes there, past ratios, lists and folds. Pinned to train, it still takes part in
   * `labeledFraction`'s draw of unlabeled groups.
   */
  fixedPartition?: Partition;
}

export interface SplitResult {
  /** Indices into the item array, per partition, in item order. */
  partitions: Record<Partition, number[]>;
  problems: Problem[];
}

/** Every sample id or group the split's lists name (unreadable lists name nothing here; the split reports them). */
export async function listedNames(split: SplitOptions, root: string): Promise<Set<string> | undefined> {
  if (!split.lists) return undefined;
  const out = new Set<string>();
  for (const spec of Object.values(split.lists)) {
    if (spec === undefined) continue;
    const list = await readList(spec, root).catch(() => ({ names: [] as string[] }));
    for (const name of list.names) out.add(name);
  }
  return out;
}

async function readList(spec: string | string[], root: string): Promise<{ names: string[]; file?: string }> {
  if (Array.isArray(spec)) return { names: spec };
  const file = path.resolve(root, spec);
  const text = await fs.readFile(file, 'utf8');
  const names = text.split(/\r?\n/).map((l) => l.replace(/#.*/, '').trim()).filter((l) => l.length > 0);
  return { names, file };
}

/**
 * Assign every item to a partition, whole groups at a time. Deterministic for a given seed and item set.
 * Problems (unknown list entries, unreadable list files, partitions left empty) are returned, not thrown,
 * so the caller can report them together with file problems.
 */
export async function assignPartitions(items: readonly SplitItem[], split: SplitOptions, seed: number, root: string): Promise<SplitResult> {
  const partitions: Record<Partition, number[]> = { train: [], val: [], test: [], unlabeled: [] };
  const problems: Problem[] = [];
  const groupOf = new Map<string, number[]>();
  const pinned = new Map<string, Partition>();
  items.forEach((item, i) => {
    const members = groupOf.get(item.group) ?? [];
    members.push(i);
    groupOf.set(item.group, members);
    if (!item.fixedPartition) return;
    const before = pinned.get(item.group);
    if (before && before !== item.fixedPartition) {
      problems.push({ code: 'GF_DATA_INVALID', message: `group '${item.group}' is pinned to both '${before}' and '${item.fixedPartition}' (sample ${item.id})`, expected: 'one partition per group' });
    } else pinned.set(item.group, item.fixedPartition);
  });
  const allGroups = [...groupOf.keys()].sort(naturalCompare);
  // Only unpinned groups are distributed; a pinned group takes its unpinned members along, so no group straddles.
  const groups = allGroups.filter((g) => !pinned.has(g));
  const assigned = new Map<string, 'train' | 'val' | 'test'>();
  const expectNonEmpty = new Set<'train' | 'val' | 'test'>();

  if (split.lists) {
    const byId = new Map(items.map((it) => [it.id, it.group]));
    const free = new Set(groups);
    for (const part of ['train', 'val', 'test'] as const) {
      const spec = split.lists[part];
      if (spec === undefined) continue;
      expectNonEmpty.add(part);
      let list: { names: string[]; file?: string };
      try {
        list = await readList(spec, root);
      } catch (e) {
        problems.push({ code: 'GF_DATA_INVALID', message: `cannot read the ${part} list: ${(e as Error).message}`, file: path.resolve(root, spec as string) });
        continue;
      }
      const unknown: string[] = [];
      for (const name of list.names) {
        const group = groupOf.has(name) ? name : byId.get(name);
        if (group === undefined || !groupOf.has(group)) unknown.push(name);
        else if (free.has(group)) assigned.set(group, part);
      }
      if (unknown.length > 0) {
        problems.push({
          code: 'GF_DATA_INVALID',
          message: `${part} list names ${unknown.length} sample(s)/group(s) not in the dataset: ${unknown.slice(0, 8).join(', ')}${unknown.length > 8 ? ', …' : ''}`,
          ...(list.file ? { file: list.file } : { pointer: `/split/lists/${part}` }),
        });
      }
    }
  } else {
    const order = split.shuffle ? labeledRng(seed, 'split').shuffle([...groups]) : [...groups];
    if (split.kfold) {
      const { k, fold, holdout } = split.kfold;
      expectNonEmpty.add('train').add(holdout);
      order.forEach((g, i) => assigned.set(g, i % k === fold ? holdout : 'train'));
    } else {
      const { train, val, test } = split.ratios;
      const total = train + val + test;
      const nVal = Math.round((val / total) * order.length);
      const nTest = Math.round((test / total) * order.length);
      if (train > 0) expectNonEmpty.add('train');
      if (val > 0) expectNonEmpty.add('val');
      if (test > 0) expectNonEmpty.add('test');
      // train, then val, then test: unshuffled, this keeps the leading range for training and the last one for testing.
      const nTrain = order.length - nVal - nTest;
      order.forEach((g, i) => assigned.set(g, i < nTrain ? 'train' : i < nTrain + nVal ? 'val' : 'test'));
    }
  }

  for (const [g, part] of pinned) {
    if (part === 'unlabeled') partitions.unlabeled.push(...groupOf.get(g)!);
    else assigned.set(g, part);
  }
  // Labeled/unlabeled is decided per training group, with its own seeded draw so changing the fraction
  // does not reshuffle train/val/test.
  const trainGroups = allGroups.filter((g) => assigned.get(g) === 'train');
  const keep = new Set(labeledRng(seed, 'labeled').shuffle([...trainGroups]).slice(0, Math.max(1, Math.round(split.labeledFraction * trainGroups.length))));
  for (const g of allGroups) {
    const part = assigned.get(g);
    if (!part) continue;
    const target: Partition = part === 'train' && !keep.has(g) ? 'unlabeled' : part;
    partitions[target].push(...groupOf.get(g)!);
  }
  for (const part of Object.keys(partitions) as Partition[]) partitions[part].sort((a, b) => a - b);
  if (split.labeledFraction < 1) expectNonEmpty.add('train');
  for (const part of expectNonEmpty) {
    if (partitions[part].length === 0) {
      problems.push({ code: 'GF_DATA_INVALID', message: `the split leaves partition '${part}' empty (${groups.length} group(s) to distribute)`, pointer: '/split', expected: `at least one group in '${part}'` });
    }
  }
  if (split.labeledFraction < 1 && partitions.unlabeled.length === 0 && trainGroups.length > 0) {
    problems.push({ code: 'GF_DATA_INVALID', message: `labeledFraction ${split.labeledFraction} of ${trainGroups.length} training group(s) leaves no unlabeled group`, pointer: '/split/labeledFraction' });
  }
  return { partitions, problems };
}

/** Order names as people number them ("2" before "10"), so unshuffled splits cut contiguous ranges. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
