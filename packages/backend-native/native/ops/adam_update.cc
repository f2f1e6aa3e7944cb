// GraphFlowAdamUpdate: one Adam/AdamW step of one parameter in a single pass (the op chain is 11 kernels and 7
// temporaries per parameter). Every operation rounds to float32 in the chain's order, and nothing is contracted into
// FMAs (-ffp-contract=off), so the result equals the unfused ops bit for bit.
#include <omp.h>
#include <cmath>
#include "../context.h"
#include "ops.h"

namespace gfn {

// adamUpdate(heap, count, w, g, m, v, wOut, mOut, vOut, Float64Array[beta1, beta2, 1−beta1, 1−beta2, epsilon, lr, c1, c2,
//            weightDecay, lr·weightDecay, decoupled])
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  const char* op = "adamUpdate";
  const int64_t n = intArg(info, 1, op);
  if (n <= 0) throw Napi::RangeError::New(info.Env(), "adamUpdate: empty parameter");
  const float* w = heapFloats(info, intArg(info, 2, op), size_t(n), op);
  const float* g = heapFloats(info, intArg(info, 3, op), size_t(n), op);
  const float* m = heapFloats(info, intArg(info, 4, op), size_t(n), op);
  const float* v = heapFloats(info, intArg(info, 5, op), size_t(n), op);
  float* wOut = heapFloats(info, intArg(info, 6, op), size_t(n), op);
  float* mOut = heapFloats(info, intArg(info, 7, op), size_t(n), op);
  float* vOut = heapFloats(info, intArg(info, 8, op), size_t(n), op);
  if (info.Length() < 10 || !info[9].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "adamUpdate: attributes must be a Float64Array");
  auto a = info[9].As<Napi::Float64Array>();
  if (a.ElementLength() != 11) throw Napi::TypeError::New(info.Env(), "adamUpdate: attributes must hold 11 values");
  const float beta1 = float(a[0]), beta2 = float(a[1]), omb1 = float(a[2]), omb2 = float(a[3]), eps = float(a[4]), lr = float(a[5]),
              c1 = float(a[6]), c2 = float(a[7]), wd = float(a[8]), lrwd = float(a[9]);
  const bool decoupled = a[10] != 0;
#pragma omp parallel for schedule(static) if (n > (1 << 16))
  for (int64_t i = 0; i < n; i++) {
    const float wi = w[i];
    float gi = g[i];
    if (!decoupled && wd > 0.f) gi = gi + wi * wd;
    const float mi = m[i] * beta1 + gi * omb1;
    const float vi = v[i] * beta2 + (gi * gi) * omb2;
    mOut[i] = mi;
    vOut[i] = vi;
    float next = wi - ((mi / c1) / (std::sqrt(vi / c2) + eps)) * lr;
    if (decoupled && wd > 0.f) next = next - wi * lrwd;
    wOut[i] = next;
  }
  return info.Env().Undefined();
}

}  // namespace gfn
