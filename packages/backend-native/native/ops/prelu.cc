// PReLU and its gradient (the gradient on oneDNN's prelu primitive): x [N, H, W, C] (NHWC), alpha of C values (per channel, as
// tf.layers.prelu with sharedAxes [1, 2] makes it) or of 1 (shared).
//   forward:  y = x > 0 ? x : alpha·x
//   backward: dx = x > 0 ? dy : alpha·dy;  dalpha = Σ over the shared axes of (x > 0 ? 0 : dy·x)
// tfjs differentiates it as Greater, two Selects, Multiplies and a Sum: the largest share of ENet's training step.
#include <omp.h>
#include <vector>
#include "../primitive_cache.h"
#include "../layout.h"
#include "ops.h"

namespace gfn {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// The forward primitive descriptor is only the hint the backward one needs.
struct Forward {
  dnnl::prelu_forward::primitive_desc pd;
};
struct Backward {
  dnnl::prelu_backward prim;
  dnnl::memory::desc scratchpad;
};

PrimitiveCache<Forward> forwardCache;
PrimitiveCache<Backward> backwardCache;

// geometry [N, H, W, C, alphaCount]
struct Shape {
  int64_t N, H, W, C, A;
  static Shape read(const Napi::CallbackInfo& info, size_t i, const char* op) {
    auto g = geometryArg(info, i, 5, op);
    Shape s{g[0], g[1], g[2], g[3], g[4]};
    if (s.N <= 0 || s.H <= 0 || s.W <= 0 || s.C <= 0 || (s.A != 1 && s.A != s.C)) throw Napi::RangeError::New(info.Env(), std::string(op) + ": bad shape");
    return s;
  }
  size_t count() const { return size_t(N * H * W * C); }
  dnnl::memory::desc data() const { return {{N, C, H, W}, dt::f32, tag::nhwc}; }
  dnnl::memory::desc weights() const { return {{1, A, 1, 1}, dt::f32, tag::nhwc}; }
  std::vector<int32_t> key() const { return {int32_t(N), int32_t(H), int32_t(W), int32_t(C), int32_t(A)}; }
};

Forward& forwardFor(const Shape& s) {
  return forwardCache.get(s.key(), [&] {
    dnnl::prelu_forward::desc d(dnnl::prop_kind::forward_training, s.data(), s.weights());
    dnnl::prelu_forward::primitive_desc pd(d, scratchpadAttr(), engine());
    return Forward{pd};
  });
}

dnnl::memory wrap(const dnnl::memory::desc& d, float* p) { return dnnl::memory(d, engine(), p); }

}  // namespace

// prelu(heap, geometry[N, H, W, C, alphaCount], x, alpha, y)
// The forward pass is an own loop: measured here, oneDNN's jit prelu took twice wasm's serial loop on ENet's shapes
// (0.15 against 0.08 ms at 1×128×128×16) — too little work per call for threads to pay off. Its backward, a reduction
// as well, is oneDNN's (2.6–3× faster than tfjs's composition).
Napi::Value Prelu(const Napi::CallbackInfo& info) {
  const char* op = "prelu";
  const Shape s = Shape::read(info, 1, op);
  const float* x = heapFloats(info, intArg(info, 2, op), s.count(), op);
  const float* alpha = heapFloats(info, intArg(info, 3, op), size_t(s.A), op);
  float* y = heapFloats(info, intArg(info, 4, op), s.count(), op);
  const int64_t rows = s.N * s.H * s.W, C = s.C;
  std::vector<float> slope(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; c++) slope[size_t(c)] = alpha[s.A == 1 ? 0 : c];
  const float* a = slope.data();
#pragma omp parallel for schedule(static) if (rows * C > (1 << 20))
  for (int64_t r = 0; r < rows; r++) {
    const float* __restrict xr = x + r * C;
    float* __restrict yr = y + r * C;
    // Both sides computed, then selected: with -fno-trapping-math that vectorises (a branch per element would be
    // mispredicted on real data: 1.5 ms instead of 0.2 at 1×128×128×16). Same values as tfjs's where(x > 0, x, a·x).
    for (int64_t c = 0; c < C; c++) {
      const float v = xr[c], scaled = a[c] * v;
      yr[c] = v > 0.f ? v : scaled;
    }
  }
  return info.Env().Undefined();
}

// preluGrad(heap, geometry[N, H, W, C, alphaCount], dy, x, alpha, dx, dalpha)
Napi::Value PreluGrad(const Napi::CallbackInfo& info) {
  const char* op = "preluGrad";
  const Shape s = Shape::read(info, 1, op);
  float* dy = heapFloats(info, intArg(info, 2, op), s.count(), op);
  float* x = heapFloats(info, intArg(info, 3, op), s.count(), op);
  float* alpha = heapFloats(info, intArg(info, 4, op), size_t(s.A), op);
  float* dx = heapFloats(info, intArg(info, 5, op), s.count(), op);
  float* dalpha = heapFloats(info, intArg(info, 6, op), size_t(s.A), op);
  Backward& b = backwardCache.get(s.key(), [&] {
    Forward& hint = forwardFor(s);
    dnnl::prelu_backward::desc d(s.data(), s.weights(), s.data(), s.weights());
    dnnl::prelu_backward::primitive_desc pd(d, scratchpadAttr(), engine(), hint.pd);
    return Backward{dnnl::prelu_backward(pd), pd.scratchpad_desc()};
  });
  b.prim.execute(stream(), {{DNNL_ARG_SRC, wrap(s.data(), x)},
                            {DNNL_ARG_WEIGHTS, wrap(s.weights(), alpha)},
                            {DNNL_ARG_DIFF_DST, wrap(s.data(), dy)},
                            {DNNL_ARG_DIFF_SRC, wrap(s.data(), dx)},
                            {DNNL_ARG_DIFF_WEIGHTS, wrap(s.weights(), dalpha)},
                            {DNNL_ARG_SCRATCHPAD, scratchpadFor(b.scratchpad)}});
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace gfn
