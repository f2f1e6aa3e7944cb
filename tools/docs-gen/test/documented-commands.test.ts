import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../src/main';
import { documentationFiles, extractCommands, isCheap, type DocumentedCommand } from '../src/documented-commands';

interface Outcome {
  code: number;
  out: string;
  err: string;
}

function run(command: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } }, (error, out, err) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1) : 0;
      resolve({ code, out, err });
    });
  });
}

async function documentedCommands(): Promise<DocumentedCommand[]> {
  const out: DocumentedCommand[] = [];
  for (const file of await documentationFiles(REPO_ROOT)) out.push(...extractCommands(file, await fs.readFile(path.join(REPO_ROOT, file), 'utf8')));
  return out;
}

/**
 * A recipe for a dataset that must be downloaded shows `graphflow validate` for after the download; before it, the
 * command's right answer is the coded error naming the missing folder, which is what this accepts (and nothing else).
 */
function isMissingDownload(c: DocumentedCommand, o: Outcome): boolean {
  return c.subcommand === 'validate' && o.code === 2 && /GF_DATA_INVALID/.test(o.err) && /dataset root does not exist/.test(o.err);
}

test('the extractor finds the README commands, joins continuations and drops comments', async () => {
  const readme = extractCommands('README.md', await fs.readFile(path.join(REPO_ROOT, 'README.md'), 'utf8'));
  const subcommands = new Set(readme.map((c) => c.subcommand));
  for (const s of ['list', 'describe', 'validate', 'doctor', 'run']) assert.ok(subcommands.has(s), `README shows npx graphflow ${s}`);
  const parsed = extractCommands('x.md', '```bash\nnpx graphflow validate a.json \\\n  --set seed=2   # why\n```\nnpx graphflow list\n');
  assert.deepEqual(parsed.map((c) => [c.command, c.line]), [['npx graphflow validate a.json --set seed=2', 2]]);
});

test('every cheap command shown in the README and docs works exactly as written', async () => {
  const commands = (await documentedCommands()).filter(isCheap);
  assert.ok(commands.length >= 10, `found only ${commands.length} documented commands`);
  const failures: string[] = [];
  let accepted = 0;
  // Two at a time: the machines this runs on have two cores.
  for (let i = 0; i < commands.length; i += 2) {
    const batch = commands.slice(i, i + 2);
    const outcomes = await Promise.all(batch.map((c) => run(c.command)));
    batch.forEach((c, j) => {
      const o = outcomes[j]!;
      if (o.code === 0) {
        assert.ok(o.out.trim().length > 0, `${c.file}:${c.line} \`${c.command}\` printed nothing`);
        return;
      }
      if (isMissingDownload(c, o)) {
        accepted++;
        return;
      }
      failures.push(`${c.file}:${c.line} \`${c.command}\` exited ${o.code}: ${(o.err || o.out).trim().split('\n').slice(0, 4).join(' | ')}`);
    });
  }
  assert.deepEqual(failures, [], `documented commands that fail:\n${failures.join('\n')}`);
  console.log(`# ran ${commands.length} documented commands; ${accepted} validate(s) reported a dataset that is not downloaded here`);
});
