// FusedBatchNorm (tfjs's batchNorm with given statistics): x [..., C] → (x − mean)·scale/√(var + ε) + offset, with
// mean, variance, scale and offset each of C values (or one). Folded into y = x·a + b per channel, then one pass.
#include <omp.h>
#include <cmath>
#include <vector>
#include "../context.h"
#include "ops.h"

namespace gfn {

// batchNorm(heap, rows, C, xOffset, meanOffset, varOffset, scaleOffset | -1, offsetOffset | -1, yOffset, epsilon,
//           meanCount, varCount, scaleCount, offsetCount)  — counts are C or 1 (broadcast)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  const char* op = "batchNorm";
  const int64_t rows = intArg(info, 1, op), C = intArg(info, 2, op);
  if (rows <= 0 || C <= 0) throw Napi::RangeError::New(info.Env(), "batchNorm: bad shape");
  const int64_t xOff = intArg(info, 3, op), mOff = intArg(info, 4, op), vOff = intArg(info, 5, op), sOff = intArg(info, 6, op),
                oOff = intArg(info, 7, op), yOff = intArg(info, 8, op);
  const float eps = static_cast<float>(info[9].As<Napi::Number>().DoubleValue());
  const int64_t mc = intArg(info, 10, op), vc = intArg(info, 11, op), sc = intArg(info, 12, op), oc = intArg(info, 13, op);
  const float* x = heapFloats(info, xOff, size_t(rows * C), op);
  const float* mean = heapFloats(info, mOff, size_t(mc), op);
  const float* var = heapFloats(info, vOff, size_t(vc), op);
  const float* scale = sOff >= 0 ? heapFloats(info, sOff, size_t(sc), op) : nullptr;
  const float* offset = oOff >= 0 ? heapFloats(info, oOff, size_t(oc), op) : nullptr;
  float* y = heapFloats(info, yOff, size_t(rows * C), op);
  std::vector<float> a(static_cast<size_t>(C)), b(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; c++) {
    // Same order of operations as tfjs's reference: (x − mean) · scale · 1/√(var + ε) + offset, folded.
    const float inv = 1.f / std::sqrt(var[vc == 1 ? 0 : c] + eps);
    const float s = scale ? scale[sc == 1 ? 0 : c] : 1.f;
    a[size_t(c)] = s * inv;
    b[size_t(c)] = (offset ? offset[oc == 1 ? 0 : c] : 0.f) - mean[mc == 1 ? 0 : c] * a[size_t(c)];
  }
  const float* ap = a.data();
  const float* bp = b.data();
#pragma omp parallel for schedule(static) if (rows * C > (1 << 15))
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; c++) yr[c] = xr[c] * ap[c] + bp[c];
  }
  return info.Env().Undefined();
}

}  // namespace gfn
