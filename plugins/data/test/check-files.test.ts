import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { folderDataset, withDatasetDefaults, type FolderDatasetOptions } from '../src/index';
import { DEFAULT_IMAGE_PATTERN } from '../src/layouts/folder';
import { busiDataset } from '../src/layouts/busi';
import { squarePair, tempDir, writeImage } from './fixtures';

const folderOptions = (root: string): FolderDatasetOptions => ({
  ...withDatasetDefaults({ numClasses: 2 }),
  root,
  images: 'images',
  masks: 'masks',
  imagePattern: DEFAULT_IMAGE_PATTERN,
  maskPattern: DEFAULT_IMAGE_PATTERN,
});

test('checkFiles: a missing root, a file as root, and a root without pairs are named; a root with a pair passes', async () => {
  const dir = await tempDir('check-files');
  try {
    const missing = await folderDataset.checkFiles!(folderOptions(path.join(dir, 'nowhere')));
    assert.deepEqual(missing.map((p) => [p.pointer, p.message, p.file]), [['/root', 'dataset root does not exist', path.join(dir, 'nowhere')]]);

    await fs.writeFile(path.join(dir, 'file.txt'), 'x');
    const file = await folderDataset.checkFiles!(folderOptions(path.join(dir, 'file.txt')));
    assert.equal(file[0]?.message, 'dataset root is not a folder');

    const root = path.join(dir, 'ds');
    await fs.mkdir(path.join(root, 'images'), { recursive: true });
    await fs.mkdir(path.join(root, 'masks'), { recursive: true });
    const { image, mask } = squarePair(8, 2, 6);
    await writeImage(path.join(root, 'images', 'a.png'), image, 8, 8, 'png');
    const unpaired = await folderDataset.checkFiles!(folderOptions(root));
    assert.equal(unpaired.length, 1);
    assert.match(unpaired[0]!.message, /^no image\/mask pairs found under the root: /);
    assert.match(unpaired[0]!.message, /a\.png/);

    await writeImage(path.join(root, 'masks', 'a.png'), mask, 8, 8, 'png');
    assert.deepEqual(await folderDataset.checkFiles!(folderOptions(root)), []);

    // Another layout, same rule: BUSI with no class folders under its root.
    const empty = path.join(dir, 'busi');
    await fs.mkdir(empty);
    const busi = await busiDataset.checkFiles!({ ...withDatasetDefaults({ numClasses: 2 }), root: empty, classes: [] });
    assert.equal(busi.length, 1);
    assert.match(busi[0]!.message, /no image\/mask pairs/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
