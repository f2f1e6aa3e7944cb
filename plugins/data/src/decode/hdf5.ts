import type { NdArray } from './npy';

type H5Module = typeof import('h5wasm/node', { with: { 'resolution-mode': 'import' } });

let loading: Promise<H5Module> | undefined;

/**
 * h5wasm is ESM-only; from this CommonJS package it is reached with a real dynamic `import()`
 * (TypeScript keeps `import()` as-is under module Node16). Its `/node` build reads files straight from disk.
 */
export function loadH5wasm(): Promise<H5Module> {
  loading ??= (async () => {
    const mod = (await import('h5wasm/node')) as H5Module & { default?: H5Module };
    const h5 = mod.default ?? mod;
    await h5.ready;
    return h5;
  })();
  return loading;
}

function toNdArray(value: unknown, shape: number[], what: string): NdArray {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) throw new Error(`${what} is not a numeric array`);
  const typed = value as unknown as ArrayLike<number | bigint>;
  const data = new Float32Array(typed.length);
  for (let i = 0; i < typed.length; i++) data[i] = Number(typed[i]);
  return { shape, dtype: 'f4', data };
}

/** Shapes of the named datasets, read from metadata only. */
export async function readH5Shapes(file: string, names: readonly string[]): Promise<Record<string, number[]>> {
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'r');
  try {
    const out: Record<string, number[]> = {};
    for (const name of names) {
      const ds = f.get(name);
      if (!(ds instanceof h5.Dataset)) throw new Error(`no dataset '${name}' (has ${f.keys().join(', ') || 'none'})`);
      out[name] = [...(ds.shape ?? [])];
    }
    return out;
  } finally {
    f.close();
  }
}

/** Read one slice `index` along the first axis of each named dataset (a [D,H,W] volume gives an [H,W] array). */
export async function readH5Slice(file: string, names: readonly string[], index: number): Promise<Record<string, NdArray>> {
  const h5 = await loadH5wasm();
  const f = new h5.File(file, 'r');
  try {
    const out: Record<string, NdArray> = {};
    for (const name of names) {
      const ds = f.get(name);
      if (!(ds instanceof h5.Dataset)) throw new Error(`no dataset '${name}' (has ${f.keys().join(', ') || 'none'})`);
      const shape = ds.shape ?? [];
      if (index < 0 || index >= (shape[0] ?? 0)) throw new Error(`slice ${index} outside dataset '${name}' of shape [${shape.join(',')}]`);
      out[name] = toNdArray(ds.slice([[index, index + 1]]), shape.slice(1), `dataset '${name}'`);
    }
    return out;
  } finally {
    f.close();
  }
}
