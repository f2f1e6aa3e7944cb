import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkJsonDigest,
  checkWeightEntries,
  isGraphFlowError,
  scanNonFinite,
  sha256Hex,
  verifyWeightFile,
  weightDigests,
  withJsonDigest,
  type WeightSpan,
} from '../src/index';

test('scanNonFinite counts NaN and ±Infinity and keeps the first indices', () => {
  assert.deepEqual(scanNonFinite(new Float32Array([1, NaN, 2, Infinity, -Infinity, 3, NaN])), { count: 4, first: [1, 3, 4] });
  assert.deepEqual(scanNonFinite(new Float32Array([0, -0, 3.4e38, -1e-45])), { count: 0, first: [] });
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex([new TextEncoder().encode('a'), 'bc']), sha256Hex('abc'));
});

test('checkWeightEntries validates every field and the layout of the spans', () => {
  const good = [
    { name: 'a', shape: [2, 3], dtype: 'float32', offset: 0, bytes: 24 },
    { name: 'b', shape: [], dtype: 'int32', offset: 24, bytes: 4 },
  ];
  assert.deepEqual(checkWeightEntries(good, 28, { contiguous: true }).problems, []);
  const problems = (raw: unknown, bin = 28) => checkWeightEntries(raw, bin, { contiguous: true }).problems.map((p) => p.message);
  assert.deepEqual(problems(null), ['the weight index has no list of entries']);
  assert.deepEqual(problems([null]), ['entry 0 is not an object']);
  assert.match(problems([{ ...good[0], shape: null }, good[1]])[0]!, /"a": shape must be an array of non-negative integers, got null/);
  assert.match(problems([{ ...good[0], shape: [2, -3] }, good[1]])[0]!, /shape must be an array/);
  assert.match(problems([{ ...good[0], shape: [2, 1.5] }, good[1]])[0]!, /shape must be an array/);
  assert.match(problems([{ ...good[0], name: '' }, good[1]])[0]!, /entry 0: name must be a non-empty string/);
  assert.match(problems([good[0], { ...good[1], name: 'a' }])[0]!, /"a": name appears twice/);
  assert.match(problems([{ ...good[0], dtype: 'float16' }, good[1]])[0]!, /dtype must be one of float32, int32, got "float16"/);
  assert.match(problems([{ ...good[0], offset: -4 }, good[1]])[0]!, /offset must be a non-negative integer, got -4/);
  assert.match(problems([{ ...good[0], bytes: '24' }, good[1]])[0]!, /bytes must be a non-negative integer, got "24"/);
  assert.match(problems([{ ...good[0], bytes: 20 }, { ...good[1], offset: 20 }], 24)[0]!, /bytes is 20 but shape \[2,3\] of float32 needs 24/);
  assert.match(problems(good, 27)[0]!, /"b": bytes 24\.\.28 lie outside the 27-byte binary \(truncated file\?\)/);
  assert.match(problems(good, 40)[0]!, /the binary has 40 bytes but the index describes 28 \(extended file\?\)/);
  assert.match(problems([good[0], { ...good[1], offset: 20 }])[0]!, /"b": bytes from 20 overlap the previous tensor/);
  assert.match(problems([good[0], { ...good[1], offset: 28 }], 32)[0]!, /"b": starts at byte 28, expected 24/);
  assert.match(problems([{ ...good[0], shape: [2 ** 40, 2 ** 20] }])[0]!, /too large/);
  // Without `contiguous` only overlaps matter.
  assert.deepEqual(checkWeightEntries([good[1], { ...good[0], offset: 32 }], 56).problems, []);
});

test('verifyWeightFile checks digests, names the damaged tensor, and refuses NaN values', () => {
  const a = new Float32Array([1, 2, 3, 4]);
  const b = new Float32Array([5, 6]);
  const bin = new Uint8Array(24);
  bin.set(new Uint8Array(a.buffer), 0);
  bin.set(new Uint8Array(b.buffer), 16);
  const entries: WeightSpan[] = [
    { name: 'a', shape: [4], dtype: 'float32', offset: 0, bytes: 16, sha256: sha256Hex(bin.subarray(0, 16)) },
    { name: 'b', shape: [2], dtype: 'float32', offset: 16, bytes: 8, sha256: sha256Hex(bin.subarray(16)) },
  ];
  const base = { indexFile: 'w.json', binFile: 'w.bin', pointer: '/entries', entries, bin, ...weightDigests(entries, bin) };
  const ok = verifyWeightFile(base);
  assert.equal(ok.verified, true);
  assert.deepEqual(Array.from(ok.tensors.get('b')!.values), [5, 6]);

  const corrupt = (pattern: RegExp, file?: string) => (e: unknown) => isGraphFlowError(e) && e.code === 'GF_CHECKPOINT_CORRUPT' && pattern.test(e.message) && (file === undefined || e.problems[0]!.file === file);
  const flipped = Uint8Array.from(bin);
  flipped[18] = flipped[18]! ^ 1;
  assert.throws(() => verifyWeightFile({ ...base, bin: flipped }), corrupt(/w\.bin does not match its recorded SHA-256.*damaged bytes in "b"/, 'w.bin'));
  assert.throws(() => verifyWeightFile({ ...base, entries: [{ ...entries[0], shape: [2, 2] }, entries[1]] }), corrupt(/entries .* do not match their recorded SHA-256/, 'w.json'));
  assert.throws(() => verifyWeightFile({ ...base, sha256: 'nope' }), corrupt(/sha256 must be 64 lowercase hex digits/));
  assert.throws(() => verifyWeightFile({ ...base, entries: [{ ...entries[0], shape: null }, entries[1]] }), (e) => isGraphFlowError(e) && e.problems[0]!.pointer === '/entries/0');

  const nan = Uint8Array.from(bin);
  new DataView(nan.buffer).setFloat32(20, NaN, true);
  const legacy = { ...base, bin: nan, sha256: undefined, entriesSha256: undefined, entries: entries.map(({ sha256: _s, ...e }) => e) };
  assert.throws(() => verifyWeightFile(legacy), corrupt(/weight "b" holds 1 non-finite values of 2 \(first at \[1\]\)/, 'w.bin'));
  assert.equal(verifyWeightFile({ ...legacy, bin }).verified, false, 'an index without digests loads unverified');
});

test('withJsonDigest / checkJsonDigest cover every field, whatever the indentation', () => {
  const value = withJsonDigest({ step: 3, rng: [1, 2, 3, 4], extra: { loss: NaN, note: 'x' } });
  const reread = JSON.parse(JSON.stringify(value, null, 2));
  assert.equal(checkJsonDigest(reread), 'ok');
  assert.equal(checkJsonDigest({ ...reread, step: 4 }), 'mismatch');
  assert.equal(checkJsonDigest({ step: 3 }), 'absent');
  assert.equal(checkJsonDigest(null), 'mismatch');
});
