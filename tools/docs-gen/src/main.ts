import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Registry } from '@graphflow/core';
import { createRegistry } from '@graphflow/core/host';
import { buildProgram } from '@graphflow/cli';
import tverskyPlugin from '@graphflow/plugin-tversky';
import { renderCli, renderComponents, renderErrors, renderManifest } from './render';

/** The generated reference pages, by path relative to the repository root. */
export async function generateReference(): Promise<Record<string, string>> {
  const registry = await createRegistry({ searchPaths: [__dirname] });
  // The example third-party plugin's codes too (in a registry of its own: its components are not first-party).
  const example = new Registry();
  await example.use(tverskyPlugin);
  return {
    'docs/reference/errors.md': renderErrors([...registry.listErrorCodes(), ...example.listErrorCodes()]),
    'docs/reference/manifest.md': renderManifest(),
    'docs/reference/components.md': renderComponents(registry),
    'docs/reference/cli.md': renderCli(buildProgram({ out: () => undefined, err: () => undefined }, () => undefined)),
  };
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

async function main(): Promise<void> {
  const pages = await generateReference();
  for (const [rel, text] of Object.entries(pages)) {
    const file = path.join(REPO_ROOT, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    process.stdout.write(`wrote ${rel}\n`);
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
