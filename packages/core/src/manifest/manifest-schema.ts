import * as fs from 'node:fs';
import * as path from 'node:path';

/** The published manifest schema file (usable as `$schema` in editors). Compiled code sits in dist/src/manifest/. */
export const MANIFEST_SCHEMA_PATH = path.resolve(__dirname, '..', '..', '..', 'schema', 'manifest.schema.json');

let cached: Record<string, unknown> | undefined;

export function manifestSchema(): Record<string, unknown> {
  cached ??= JSON.parse(fs.readFileSync(MANIFEST_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  return cached;
}
