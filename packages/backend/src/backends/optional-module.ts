/** Result of trying to load an optional npm package that may be absent or broken here. */
export type OptionalLoad = { ok: true; module: unknown; version: string } | { ok: false; reason: string };

const cache = new Map<string, OptionalLoad>();

/**
 * Loads an optional package with a guarded `require`, so GraphFlow installs and runs without it and picks it
 * up where a user has installed it. A package that resolves but fails to load (typically tfjs-node whose
 * libtensorflow download failed) is reported with the loader's message. Results are cached per process.
 */
export function loadOptionalModule(packageName: string): OptionalLoad {
  const hit = cache.get(packageName);
  if (hit) return hit;
  let result: OptionalLoad;
  try {
    require.resolve(packageName);
  } catch {
    result = { ok: false, reason: `${packageName} is not installed` };
    cache.set(packageName, result);
    return result;
  }
  try {
    const module: unknown = require(packageName);
    let version = 'unknown';
    try {
      version = (require(`${packageName}/package.json`) as { version: string }).version;
    } catch {
      // Some packages do not export package.json; the version is informational only.
    }
    result = { ok: true, module, version };
  } catch (e) {
    result = { ok: false, reason: `${packageName} is installed but failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
  cache.set(packageName, result);
  return result;
}
