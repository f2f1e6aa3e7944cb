/** How samples are divided into partitions; every choice is by group, so one patient/volume never straddles two. */
export interface SplitOptions {
  /** Fractions of groups per partition (normalized); a partition with a fraction > 0 must not end up empty. */
  ratios: { train: number; val: number; test: number };
  /** Shuffle groups (seeded) before cutting; false cuts in sorted order, for data where neighbours correlate. */
  shuffle: boolean;
  /** Explicit membership: per partition, a list-file path (one sample id or group per line) or an inline array. */
  lists?: Partial<Record<'train' | 'val' | 'test', string | string[]>>;
  /** k-fold cross-validation: fold `fold` of `k` becomes the `holdout` partition, the rest train. */
  kfold?: { k: number; fold: number; holdout: 'val' | 'test' };
  /** Fraction of training groups that keep their masks; the others form the `unlabeled` partition. */
  labeledFraction: number;
  /** Seed of the split; defaults to the run seed. */
  seed?: number;
}

const listSchema = {
  description: 'A text file (one sample id or group per line, # comments; path relative to the dataset root) or an inline array of ids/groups.',
  oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
};

export const SPLIT_SCHEMA = {
  type: 'object',
  description: 'Partitioning into train/val/test (and unlabeled), by ratios, list files or k-fold; always grouped by patient/volume.',
  properties: {
    ratios: {
      type: 'object',
      description: 'Fractions of groups per partition; normalized to sum 1.',
      properties: {
        train: { type: 'number', minimum: 0, description: 'Training fraction.' },
        val: { type: 'number', minimum: 0, description: 'Validation fraction.' },
        test: { type: 'number', minimum: 0, description: 'Test fraction.' },
      },
      additionalProperties: false,
      default: { train: 0.7, val: 0.15, test: 0.15 },
    },
    shuffle: { type: 'boolean', default: true, description: 'Shuffle groups (seeded) before cutting; false keeps sorted order (contiguous ranges).' },
    lists: {
      type: 'object',
      description: 'Explicit partition membership; overrides ratios. Samples listed nowhere are left out.',
      properties: { train: listSchema, val: listSchema, test: listSchema },
      additionalProperties: false,
    },
    kfold: {
      type: 'object',
      description: 'k-fold cross-validation over groups; overrides ratios.',
      properties: {
        k: { type: 'integer', minimum: 2, description: 'Number of folds.' },
        fold: { type: 'integer', minimum: 0, description: 'Which fold (0-based) is held out.' },
        holdout: { enum: ['val', 'test'], default: 'val', description: 'Partition the held-out fold becomes.' },
      },
      required: ['k', 'fold'],
      additionalProperties: false,
    },
    labeledFraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 1, description: 'Fraction of training groups with masks (semi-supervised); the rest become the unlabeled partition, whose masks are never read.' },
    seed: { type: 'integer', description: 'Split seed; the run seed when omitted.' },
  },
  additionalProperties: false,
  default: {},
} as const;

export function splitRules(s: Partial<SplitOptions> | undefined): { pointer: string; message: string; expected?: string }[] {
  const out: { pointer: string; message: string; expected?: string }[] = [];
  if (s?.kfold && s.kfold.fold >= s.kfold.k) out.push({ pointer: '/split/kfold/fold', message: `fold ${s.kfold.fold} does not exist with k=${s.kfold.k}`, expected: `integer in [0, ${s.kfold.k - 1}]` });
  const r = s?.ratios;
  if (r && r.train + r.val + r.test <= 0) out.push({ pointer: '/split/ratios', message: 'ratios sum to 0', expected: 'at least one positive fraction' });
  if (s?.lists && s.kfold) out.push({ pointer: '/split', message: 'lists and kfold are mutually exclusive', expected: 'one of lists, kfold, ratios' });
  return out;
}
