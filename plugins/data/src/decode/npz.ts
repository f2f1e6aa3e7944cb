import { promises as fs } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { parseNpy, type NdArray } from './npy';

/** Read the named arrays of a NumPy `.npz` archive (a zip of `.npy` files, stored or deflated). */
export async function readNpz(file: string, names?: readonly string[]): Promise<Record<string, NdArray>> {
  const bytes = new Uint8Array(await fs.readFile(file));
  const wanted = names ? new Set(names.map((n) => `${n}.npy`)) : undefined;
  const entries = unzipSync(bytes, { filter: (f) => (wanted ? wanted.has(f.name) : f.name.endsWith('.npy')) });
  const out: Record<string, NdArray> = {};
  for (const [name, content] of Object.entries(entries)) out[name.slice(0, -4)] = parseNpy(content);
  if (names) {
    const missing = names.filter((n) => !(n in out));
    if (missing.length > 0) throw new Error(`archive lacks array(s) ${missing.map((m) => `'${m}'`).join(', ')} (has ${Object.keys(out).join(', ') || 'none'})`);
  }
  return out;
}

/** Build an `.npz` archive in memory from already-encoded `.npy` payloads (compressed like numpy.savez_compressed). */
export function buildNpz(arrays: Record<string, Uint8Array>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, npy] of Object.entries(arrays)) files[`${name}.npy`] = npy;
  return zipSync(files, { level: 6 });
}
