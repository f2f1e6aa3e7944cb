import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { generateReference, REPO_ROOT } from '../src/main';
import { renderErrors } from '../src/render';

test('docs/reference matches the code (run `npm run docs` after changing schemas, components or error codes)', async () => {
  const pages = await generateReference();
  for (const [rel, text] of Object.entries(pages)) {
    const committed = await fs.readFile(path.join(REPO_ROOT, rel), 'utf8').catch(() => '');
    assert.equal(committed, text, `${rel} is out of date`);
  }
});

test('the error page lists every code', () => {
  const page = renderErrors();
  for (const code of ['GF_MANIFEST_INVALID', 'GF_PLUGIN_NOT_FOUND', 'GF_LOSS_NOT_FINITE']) assert.match(page, new RegExp(`\\| \`${code}\` \\|`));
});
