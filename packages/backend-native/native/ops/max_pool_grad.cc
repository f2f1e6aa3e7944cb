// MaxPoolGrad: dy [N, Ho, Wo, C], x [N, H, W, C] → dx [N, H, W, C].
// Each window's gradient goes to its first strictly largest element in row-major window order, skipping padding —
// exactly TensorFlow.js's reference rule, which matters after ReLU, where ties (zeros) are common.
// oneDNN's max-pooling backward needs the forward pass's workspace, which tfjs does not keep, hence a loop of our own.
#include <omp.h>
#include <cstring>
#include <limits>
#include "../context.h"
#include "ops.h"

namespace gfn {

// maxPoolGrad(heap, geometry Int32Array[N, H, W, C, Ho, Wo, kh, kw, sh, sw, padTop, padLeft], dyOffset, xOffset, dxOffset)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  const char* op = "maxPoolGrad";
  auto g = geometryArg(info, 1, 12, op);
  const int64_t N = g[0], H = g[1], W = g[2], C = g[3], Ho = g[4], Wo = g[5], kh = g[6], kw = g[7], sh = g[8], sw = g[9], pt = g[10], pl = g[11];
  if (N <= 0 || H <= 0 || W <= 0 || C <= 0 || Ho <= 0 || Wo <= 0 || kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0) {
    throw Napi::RangeError::New(info.Env(), "maxPoolGrad: invalid pooling geometry");
  }
  const float* dy = heapFloats(info, intArg(info, 2, op), size_t(N * Ho * Wo * C), op);
  const float* x = heapFloats(info, intArg(info, 3, op), size_t(N * H * W * C), op);
  float* dx = heapFloats(info, intArg(info, 4, op), size_t(N * H * W * C), op);
  // Windows overlap when the stride is below the window, so threads split batch × channel, never rows.
  const int64_t CB = 16;
  const int64_t cBlocks = (C + CB - 1) / CB;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < N; n++) {
    for (int64_t cb = 0; cb < cBlocks; cb++) {
      const int64_t c0 = cb * CB, c1 = std::min(C, c0 + CB);
      for (int64_t h = 0; h < H; h++)
        for (int64_t w = 0; w < W; w++) std::memset(dx + ((n * H + h) * W + w) * C + c0, 0, size_t(c1 - c0) * sizeof(float));
      for (int64_t oh = 0; oh < Ho; oh++) {
        for (int64_t ow = 0; ow < Wo; ow++) {
          const float* dyp = dy + ((n * Ho + oh) * Wo + ow) * C;
          float best[CB];
          int64_t at[CB];
          for (int64_t c = 0; c < CB; c++) at[c] = -1;
          for (int64_t i = 0; i < kh; i++) {
            const int64_t ih = oh * sh - pt + i;
            if (ih < 0 || ih >= H) continue;
            for (int64_t j = 0; j < kw; j++) {
              const int64_t iw = ow * sw - pl + j;
              if (iw < 0 || iw >= W) continue;
              const int64_t base = ((n * H + ih) * W + iw) * C;
              for (int64_t c = c0; c < c1; c++) {
                const float v = x[base + c];
                if (at[c - c0] < 0 || v > best[c - c0]) {
                  best[c - c0] = v;
                  at[c - c0] = base + c;
                }
              }
            }
          }
          for (int64_t c = c0; c < c1; c++)
            if (at[c - c0] >= 0) dx[at[c - c0]] += dyp[c];
        }
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace gfn
