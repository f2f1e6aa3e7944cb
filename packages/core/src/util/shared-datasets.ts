import * as path from 'node:path';

/**
 * Where a development dataset from the team's read-only `shared/` folder is: `$GRAPHFLOW_SHARED/datasets/<name>`
 * when that variable is set, else `shared/datasets/<name>` beside the repository checkout (CI lays `shared/` next to
 * its clone). Tests that use it skip, with a message, when the folder is absent.
 */
export function sharedDatasetPath(name: string): string {
  const shared = process.env['GRAPHFLOW_SHARED'] ?? path.resolve(__dirname, '..', '..', '..', '..', '..', '..', 'shared');
  return path.join(shared, 'datasets', name);
}
