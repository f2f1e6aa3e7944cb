import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeImageFile, encodeNpy, NpyFormatError, parseNpy, readH5Shapes, readH5Slice, readNpz } from '../src/index';
import { tempDir, writeH5, writeImage, writeNpz } from './fixtures';

const W = 4;
const H = 3;
const grey = Uint8Array.from({ length: W * H }, (_, i) => i * 20);

describe('image decoding (sharp)', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('decode');
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  for (const format of ['png', 'tiff-lzw', 'webp'] as const) {
    it(`decodes 8-bit grey ${format} exactly`, async () => {
      const file = path.join(dir, `grey.${format}`);
      await writeImage(file, grey, W, H, format);
      const r = await decodeImageFile(file);
      // WebP has no grey mode: libwebp stores it as RGB with equal channels.
      assert.deepEqual([r.width, r.height, r.channels, r.maxValue], [W, H, format === 'webp' ? 3 : 1, 255]);
      assert.deepEqual([...r.data].filter((_, i) => i % r.channels === 0), [...grey]);
    });
  }

  it('keeps the TIFF LZW compression when writing the fixture', async () => {
    const file = path.join(dir, 'lzw.tif');
    await writeImage(file, grey, W, H, 'tiff-lzw');
    const bytes = await fs.readFile(file);
    // Tag 259 (Compression) = 5 (LZW) appears in the little-endian IFD as 03 01 03 00 01 00 00 00 05 00.
    assert.ok(bytes.includes(Buffer.from([0x03, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00])));
  });

  it('decodes 16-bit PNG at full range', async () => {
    const px = Uint16Array.from({ length: W * H }, (_, i) => i * 5000 + 7);
    const file = path.join(dir, 'g16.png');
    await writeImage(file, px, W, H, 'png16');
    const r = await decodeImageFile(file);
    assert.equal(r.maxValue, 65535);
    assert.deepEqual([...r.data], [...px]);
  });

  it('decodes an RGB palette PNG to its colours', async () => {
    const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]];
    const rgb = Uint8Array.from({ length: W * H * 3 }, (_, i) => colours[Math.floor(i / 3) % 4]![i % 3]!);
    const file = path.join(dir, 'pal.png');
    await writeImage(file, rgb, W, H, 'palette', 3);
    const r = await decodeImageFile(file);
    assert.equal(r.channels, 3);
    assert.deepEqual([...r.data], [...rgb]);
  });

  it('decodes a 1-bit PNG as 0/255', async () => {
    const bw = Uint8Array.from({ length: W * H }, (_, i) => (i % 3 === 0 ? 255 : 0));
    const file = path.join(dir, 'bw.png');
    await writeImage(file, bw, W, H, 'png1');
    const bytes = await fs.readFile(file);
    assert.equal(bytes[24], 1, 'IHDR bit depth is 1');
    const r = await decodeImageFile(file);
    assert.deepEqual([...r.data].filter((_, i) => i % r.channels === 0), [...bw]);
  });

  it('decodes GIF (alpha dropped) exactly', async () => {
    const bw = Uint8Array.from({ length: W * H }, (_, i) => (i % 2 ? 255 : 0));
    const file = path.join(dir, 'm.gif');
    await writeImage(file, bw, W, H, 'gif');
    const r = await decodeImageFile(file);
    assert.ok(r.channels === 1 || r.channels === 3);
    assert.deepEqual([...r.data].filter((_, i) => i % r.channels === 0), [...bw]);
  });

  it('decodes JPEG close to the source (lossy)', async () => {
    const flat = new Uint8Array(16 * 16).fill(128);
    const file = path.join(dir, 'flat.jpg');
    await writeImage(file, flat, 16, 16, 'jpeg');
    const r = await decodeImageFile(file);
    assert.equal(r.channels, 1);
    assert.ok([...r.data].every((v) => Math.abs(v - 128) <= 2));
  });

  it('rejects a truncated PNG instead of returning partial pixels', async () => {
    const file = path.join(dir, 'cut.png');
    await writeImage(file, new Uint8Array(64 * 64).map((_, i) => (i * 37) % 251), 64, 64, 'png');
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 40));
    await assert.rejects(decodeImageFile(file));
  });
});

describe('NumPy .npy / .npz', () => {
  it('round-trips float32 and uint8 arrays through encodeNpy/parseNpy', () => {
    const f = Float32Array.from([1.5, -2, 3.25, 0, 1e-3, 7]);
    const a = parseNpy(encodeNpy(f, [2, 3]));
    assert.deepEqual(a.shape, [2, 3]);
    assert.equal(a.dtype, 'f4');
    assert.deepEqual([...a.data], [...f]);
    const u = parseNpy(encodeNpy(Uint8Array.from([0, 1, 8]), [3]));
    assert.deepEqual([u.dtype, u.shape, [...u.data]], ['u1', [3], [0, 1, 8]]);
  });

  it('parses big-endian int16 and Fortran-ordered float64 headers written as numpy does', () => {
    const header = (descr: string, fortran: boolean, shape: string): Uint8Array => {
      let h = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
      h += ' '.repeat(63 - ((10 + h.length) % 64)) + '\n';
      const out = new Uint8Array(10 + h.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
      out.set(new TextEncoder().encode(h), 10);
      return out;
    };
    const be = header('>i2', false, '(3,)');
    const payload = new Uint8Array(6);
    new DataView(payload.buffer).setInt16(0, -5, false);
    new DataView(payload.buffer).setInt16(2, 300, false);
    new DataView(payload.buffer).setInt16(4, 7, false);
    assert.deepEqual([...parseNpy(Buffer.concat([be, payload])).data], [-5, 300, 7]);

    // Fortran order: the 2×3 matrix [[1,2,3],[4,5,6]] is stored column by column.
    const f = header('<f8', true, '(2, 3)');
    const cols = new Float64Array([1, 4, 2, 5, 3, 6]);
    const parsed = parseNpy(Buffer.concat([f, new Uint8Array(cols.buffer)]));
    assert.deepEqual(parsed.shape, [2, 3]);
    assert.deepEqual([...parsed.data], [1, 2, 3, 4, 5, 6]);
  });

  it('rejects bad magic, unsupported dtypes and truncated payloads', () => {
    assert.throws(() => parseNpy(new Uint8Array(20)), NpyFormatError);
    const ok = encodeNpy(Float32Array.from([1, 2, 3]), [3]);
    assert.throws(() => parseNpy(ok.subarray(0, ok.length - 4)), /truncated/);
    const weird = Buffer.from(ok);
    weird.write("'<c8'", weird.indexOf("'<f4'"), 'latin1');
    assert.throws(() => parseNpy(weird), /unsupported .npy dtype/);
  });

  it('reads named arrays from a compressed .npz and names the missing one', async () => {
    const dir = await tempDir('npz');
    try {
      const file = path.join(dir, 'case0005_slice001.npz');
      await writeNpz(file, { image: { data: Float32Array.from([0.1, 0.2, 0.3, 0.4]), shape: [2, 2] }, label: { data: Uint8Array.from([0, 8, 3, 0]), shape: [2, 2] } });
      const all = await readNpz(file);
      assert.deepEqual(Object.keys(all).sort(), ['image', 'label']);
      assert.deepEqual([...all.label!.data], [0, 8, 3, 0]);
      assert.deepEqual([...all.image!.data], [...Float32Array.from([0.1, 0.2, 0.3, 0.4])]);
      await assert.rejects(readNpz(file, ['image', 'mask']), /lacks array\(s\) 'mask'/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('HDF5 volumes (h5wasm)', () => {
  it('reads shapes and single slices of [D,H,W] datasets', async () => {
    const dir = await tempDir('h5');
    try {
      const file = path.join(dir, 'case0001.npy.h5');
      const vol = Float32Array.from({ length: 3 * 2 * 2 }, (_, i) => i);
      await writeH5(file, { image: { data: vol, shape: [3, 2, 2] }, label: { data: vol.map((v) => v % 9), shape: [3, 2, 2] } });
      assert.deepEqual(await readH5Shapes(file, ['image', 'label']), { image: [3, 2, 2], label: [3, 2, 2] });
      const s = await readH5Slice(file, ['image', 'label'], 2);
      assert.deepEqual(s.image!.shape, [2, 2]);
      assert.deepEqual([...s.image!.data], [8, 9, 10, 11]);
      assert.deepEqual([...s.label!.data], [8, 0, 1, 2]);
      await assert.rejects(readH5Slice(file, ['image'], 3), /slice 3 outside/);
      await assert.rejects(readH5Shapes(file, ['volume']), /no dataset 'volume'/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
