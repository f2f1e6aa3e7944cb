import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The layering docs/architecture.md describes, enforced: no package under packages/ imports a plugin package, so
 * the host (core, backend, CLI) reaches first-party plugins only as a third party's would be reached, through the
 * registry. Plugins import core only; core imports no other GraphFlow package. Tools and examples may import anything.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

function packageNames(folder: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of fs.readdirSync(path.join(ROOT, folder), { withFileTypes: true })) {
    const manifest = path.join(ROOT, folder, entry.name, 'package.json');
    if (entry.isDirectory() && fs.existsSync(manifest)) names.set((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name: string }).name, `${folder}/${entry.name}`);
  }
  return names;
}

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Module specifiers of static imports, re-exports, dynamic imports and require() calls. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)) {
    found.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  }
  return found;
}

/** Imports of `forbidden` packages in the sources of the packages in `folder` (a package may import itself). */
function violations(folder: string, forbidden: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [name, dir] of packageNames(folder)) {
    for (const file of sources(path.join(ROOT, dir, 'src'))) {
      for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
        const target = [...forbidden.keys()].find((p) => spec === p || spec.startsWith(`${p}/`));
        if (target && target !== name) out.push(`${path.relative(ROOT, file)} imports ${spec}`);
      }
    }
  }
  return out;
}

describe('import boundaries', () => {
  const plugins = packageNames('plugins');

  it('finds the first-party plugins and host packages it checks', () => {
    assert.ok(plugins.has('@graphflow/trainers') && plugins.has('@graphflow/backbones'), [...plugins.keys()].join(', '));
    assert.ok(packageNames('packages').has('@graphflow/cli'));
    const sample = "import { a } from '@graphflow/trainers';\nexport * from '@graphflow/data/x';\nimport type { B } from\n  '@graphflow/core';\nconst c = require('@graphflow/losses');\nawait import('@graphflow/backbones');\nimport 'side-effect';";
    assert.deepEqual(importsOf(sample), ['@graphflow/trainers', '@graphflow/data/x', '@graphflow/core', '@graphflow/losses', '@graphflow/backbones', 'side-effect']);
  });

  it('no file under packages/ imports a plugin package', () => {
    assert.deepEqual(violations('packages', plugins), []);
  });

  it('a plugin imports no other GraphFlow package than core', () => {
    const host = new Map([...packageNames('packages')].filter(([name]) => name !== '@graphflow/core'));
    assert.deepEqual(violations('plugins', new Map([...plugins, ...host])), []);
  });

  it('core imports no other GraphFlow package', () => {
    const others = new Map([...packageNames('packages'), ...plugins].filter(([name]) => name !== '@graphflow/core'));
    assert.deepEqual(violations('packages', others).filter((v) => v.startsWith('packages/core/')), []);
  });

  it('every plugin takes core and tfjs as peer dependencies, so it shares the host\'s registry and tfjs engine', () => {
    const wrong: string[] = [];
    for (const [, folder] of plugins) {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, folder, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
      for (const name of ['@graphflow/core', '@tensorflow/tfjs']) {
        if (pkg['dependencies']?.[name] !== undefined) wrong.push(`${folder}: ${name} is a dependency`);
        if (pkg['peerDependencies']?.[name] === undefined) wrong.push(`${folder}: ${name} is not a peer dependency`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});
