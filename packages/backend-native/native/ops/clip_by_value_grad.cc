// Gradient of ClipByValue (tf.layers' relu6, used throughout Mobile U-Net): dx = min ≤ x ≤ max ? dy : 0.
// tfjs composes it from GreaterEqual, LessEqual, LogicalAnd, ZerosLike and Select over bool tensors — five
// full-size passes and three temporaries, ≈ 60 ms per kernel per Mobile U-Net step; this is one pass.
#include <omp.h>
#include "../context.h"
#include "ops.h"

namespace gfn {

// clipByValueGrad(heap, count, dyOffset, xOffset, dxOffset, min, max)
Napi::Value ClipByValueGrad(const Napi::CallbackInfo& info) {
  const char* op = "clipByValueGrad";
  const int64_t n = intArg(info, 1, op);
  if (n <= 0) throw Napi::RangeError::New(info.Env(), "clipByValueGrad: empty tensor");
  const float* dy = heapFloats(info, intArg(info, 2, op), size_t(n), op);
  const float* x = heapFloats(info, intArg(info, 3, op), size_t(n), op);
  float* dx = heapFloats(info, intArg(info, 4, op), size_t(n), op);
  // The bounds are compared in float32, as tfjs compares x with a float32 scalar.
  const float lo = float(info[5].As<Napi::Number>().DoubleValue()), hi = float(info[6].As<Napi::Number>().DoubleValue());
#pragma omp parallel for simd schedule(static) if (n > (1 << 16))
  for (int64_t i = 0; i < n; i++) dx[i] = (x[i] >= lo && x[i] <= hi) ? dy[i] : 0.f;
  return info.Env().Undefined();
}

}  // namespace gfn
