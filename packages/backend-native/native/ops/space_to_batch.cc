// SpaceToBatchND / BatchToSpaceND for 4-D NHWC with a 2-D block — how TensorFlow (and GraphFlow's DilatedConv2D)
// runs atrous convolutions. Pure strided copies; tfjs's wasm kernels build them from pad + reshape + transpose
// (≈ 30 ms per call at ERFNet's sizes). Batch index of block offset (i, j) and image n is (i·bw + j)·N + n, as in TF.
#include <omp.h>
#include <cstring>
#include "../context.h"
#include "ops.h"

namespace gfn {

namespace {
struct Geometry {
  int64_t N, H, W, C, bh, bw, top, left, Hb, Wb;  // Hb×Wb: the spatial size of the batched side
};

Geometry read(const Napi::CallbackInfo& info, const char* op) {
  auto g = geometryArg(info, 1, 10, op);
  Geometry r{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9]};
  if (r.N <= 0 || r.H <= 0 || r.W <= 0 || r.C <= 0 || r.bh <= 0 || r.bw <= 0 || r.top < 0 || r.left < 0 || r.Hb <= 0 || r.Wb <= 0) {
    throw Napi::RangeError::New(info.Env(), std::string(op) + ": invalid geometry");
  }
  return r;
}
}  // namespace

// spaceToBatch(heap, Int32Array[N, H, W, C, bh, bw, padTop, padLeft, Hb, Wb], xOffset, yOffset, elementBytes)
// x [N, H, W, C] (zero-padded by padTop/padLeft and up to Hb·bh × Wb·bw) → y [bh·bw·N, Hb, Wb, C]
Napi::Value SpaceToBatch(const Napi::CallbackInfo& info) {
  const char* op = "spaceToBatch";
  Geometry g = read(info, op);
  const int64_t eb = intArg(info, 4, op);
  if (eb != 1 && eb != 4) throw Napi::RangeError::New(info.Env(), "spaceToBatch: element size must be 1 or 4 bytes");
  const uint8_t* x = heapBytes(info, intArg(info, 2, op), size_t(g.N * g.H * g.W * g.C * eb), op);
  uint8_t* y = heapBytes(info, intArg(info, 3, op), size_t(g.bh * g.bw * g.N * g.Hb * g.Wb * g.C * eb), op);
  const size_t pixel = size_t(g.C * eb);
  const int64_t outBatches = g.bh * g.bw * g.N;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < outBatches; b++) {
    for (int64_t h = 0; h < g.Hb; h++) {
      const int64_t n = b % g.N, block = b / g.N, i = block / g.bw, j = block % g.bw;
      const int64_t ih = h * g.bh + i - g.top;
      uint8_t* row = y + size_t((b * g.Hb + h) * g.Wb) * pixel;
      for (int64_t w = 0; w < g.Wb; w++) {
        const int64_t iw = w * g.bw + j - g.left;
        uint8_t* dst = row + size_t(w) * pixel;
        if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) std::memset(dst, 0, pixel);
        else std::memcpy(dst, x + size_t((n * g.H + ih) * g.W + iw) * pixel, pixel);
      }
    }
  }
  return info.Env().Undefined();
}

// batchToSpace(heap, Int32Array[N, H, W, C, bh, bw, cropTop, cropLeft, Hb, Wb], xOffset, yOffset, elementBytes)
// x [bh·bw·N, Hb, Wb, C] → y [N, H, W, C] with H ≤ Hb·bh − cropTop (the crop of the full interleaved image)
Napi::Value BatchToSpace(const Napi::CallbackInfo& info) {
  const char* op = "batchToSpace";
  Geometry g = read(info, op);
  const int64_t eb = intArg(info, 4, op);
  if (eb != 1 && eb != 4) throw Napi::RangeError::New(info.Env(), "batchToSpace: element size must be 1 or 4 bytes");
  if (g.top + g.H > g.Hb * g.bh || g.left + g.W > g.Wb * g.bw) throw Napi::RangeError::New(info.Env(), "batchToSpace: crop exceeds the image");
  const uint8_t* x = heapBytes(info, intArg(info, 2, op), size_t(g.bh * g.bw * g.N * g.Hb * g.Wb * g.C * eb), op);
  uint8_t* y = heapBytes(info, intArg(info, 3, op), size_t(g.N * g.H * g.W * g.C * eb), op);
  const size_t pixel = size_t(g.C * eb);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < g.N; n++) {
    for (int64_t h = 0; h < g.H; h++) {
      const int64_t fh = h + g.top, i = fh % g.bh, sh = fh / g.bh;
      uint8_t* row = y + size_t((n * g.H + h) * g.W) * pixel;
      for (int64_t w = 0; w < g.W; w++) {
        const int64_t fw = w + g.left, j = fw % g.bw, sw = fw / g.bw;
        const int64_t b = (i * g.bw + j) * g.N + n;
        std::memcpy(row + size_t(w) * pixel, x + size_t((b * g.Hb + sh) * g.Wb + sw) * pixel, pixel);
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace gfn
