import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadNativeAddon, NATIVE_INSTALL_HINT } from '../src/native-addon';

const load = loadNativeAddon();
if (!load.addon && process.env.GRAPHFLOW_REQUIRE_NATIVE === '1') throw new Error(`GRAPHFLOW_REQUIRE_NATIVE=1 but the native addon is unavailable: ${load.reason}`);
const skip = load.addon ? false : `native addon unavailable here (${load.reason})`;

describe('native addon loader', () => {
  it('never throws: it returns the addon or a reason, and GRAPHFLOW_NATIVE=0 turns it off', () => {
    const script = `const l = require(${JSON.stringify(require.resolve('../src/native-addon'))}).loadNativeAddon(); console.log(JSON.stringify({ loaded: !!l.addon, reason: l.reason }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, GRAPHFLOW_NATIVE: '0' } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { loaded: false, reason: 'disabled by GRAPHFLOW_NATIVE=0' });
    assert.match(NATIVE_INSTALL_HINT, /apt-get install -y libdnnl-dev/);
  });

  it('reports the library, its version and the instruction set it dispatches to', { skip }, () => {
    const info = load.addon!.info();
    assert.equal(info.library, 'oneDNN');
    assert.match(info.version, /^\d+\.\d+\.\d+$/);
    assert.match(info.isa, /^(sse41|avx|avx2|avx2_vnni|avx512_core|avx512_core_vnni|avx512_core_bf16|avx512_core_amx|other)$/);
    load.addon!.setThreads(1);
    assert.equal(load.addon!.getThreads(), 1);
    load.addon!.setThreads(2);
    assert.equal(load.addon!.getThreads(), 2);
    assert.throws(() => load.addon!.setThreads(0), /1\.\.1024/);
  });

  it('refuses tensors outside the heap, wrong argument types and bad geometry instead of touching memory', { skip }, () => {
    const a = load.addon!;
    const heap = new Uint8Array(1024);
    const g = Int32Array.from([1, 4, 4, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 1]);
    // x 64 B at 0, filter 36 B at 64, y 64 B at 128: fits.
    a.conv2d(heap, g, 0, 64, -1, 128, 0, 0);
    assert.throws(() => a.conv2d(heap, g, 0, 64, -1, 1000, 0, 0), /RangeError|outside the heap/);
    assert.throws(() => a.conv2d(heap, g, 2, 64, -1, 128, 0, 0), /unaligned/);
    assert.throws(() => a.conv2d(new Float32Array(256) as unknown as Uint8Array, g, 0, 64, -1, 128, 0, 0), /Uint8Array/);
    assert.throws(() => a.conv2d(heap, Int32Array.from([1, 2, 3]), 0, 64, -1, 128, 0, 0), /18 values/);
    assert.throws(() => a.conv2d(heap, Int32Array.from([0, 4, 4, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 1]), 0, 64, -1, 128, 0, 0), /invalid convolution geometry/);
    assert.throws(() => a.conv2d(heap, g, 0, 64, -1, 128, 99, 0), /activation/);
    assert.throws(() => a.concat(heap, 2, 0, Uint32Array.from([64]), Uint32Array.from([4096])), /outside the heap/);
  });

  it('computes a 3×3 convolution of ones as the count of in-bounds taps', { skip }, () => {
    const a = load.addon!;
    const heap = new Uint8Array(1024);
    const f = new Float32Array(heap.buffer);
    f.fill(1, 0, 16); // x: 1×4×4×1 at byte 0
    f.fill(1, 16, 25); // filter 3×3×1×1 at byte 64
    a.conv2d(heap, Int32Array.from([1, 4, 4, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 1]), 0, 64, -1, 128, 0, 0);
    assert.deepEqual(Array.from(f.subarray(32, 48)), [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4]);
  });
});
