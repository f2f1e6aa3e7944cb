// Batch normalisation in training mode, forward and backward, on oneDNN's batch-normalisation primitives.
//   forward:  x [N, H, W, C], gamma [C], beta [C] → y = (x − mean)·gamma/√(var + ε) + beta, mean [C], var [C]
//             (statistics over N·H·W; var is the biased one, as tf.moments computes it)
//   backward: dy, x, gamma, mean, var → dx, dgamma, dbeta
// One primitive for the whole normalisation means only x has to be kept for the gradient: the op chain tfjs builds
// (moments, then batchNorm) keeps x − mean and its square as well, two more activations per layer.
#include "../primitive_cache.h"
#include "../layout.h"
#include "ops.h"

namespace gfn {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

struct Forward {
  dnnl::batch_normalization_forward prim;
  dnnl::batch_normalization_forward::primitive_desc pd;
};
struct Backward {
  dnnl::batch_normalization_backward prim;
  dnnl::memory::desc scratchpad;
};

PrimitiveCache<Forward> forwardCache;
PrimitiveCache<Backward> backwardCache;

const dnnl::normalization_flags kFlags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;

// geometry [N, H, W, C]: any [..., C] tensor is passed as N·H·W rows of C (NHWC in memory, plain "nhwc" to oneDNN).
struct Shape {
  int64_t N, H, W, C;
  static Shape read(const Napi::CallbackInfo& info, size_t i, const char* op) {
    auto g = geometryArg(info, i, 4, op);
    Shape s{g[0], g[1], g[2], g[3]};
    if (s.N <= 0 || s.H <= 0 || s.W <= 0 || s.C <= 0) throw Napi::RangeError::New(info.Env(), std::string(op) + ": bad shape");
    return s;
  }
  size_t count() const { return size_t(N * H * W * C); }
  dnnl::memory::desc data() const { return {{N, C, H, W}, dt::f32, tag::nhwc}; }
  dnnl::memory::desc channels() const { return {{C}, dt::f32, tag::x}; }
  std::vector<int32_t> key(float eps) const {
    return {int32_t(N), int32_t(H), int32_t(W), int32_t(C), static_cast<int32_t>(eps * 1e9f)};
  }
};

Forward& forwardFor(const Shape& s, float eps) {
  return forwardCache.get(s.key(eps), [&] {
    dnnl::batch_normalization_forward::desc d(dnnl::prop_kind::forward_training, s.data(), eps, kFlags);
    dnnl::batch_normalization_forward::primitive_desc pd(d, scratchpadAttr(), engine());
    return Forward{dnnl::batch_normalization_forward(pd), pd};
  });
}

dnnl::memory wrap(const dnnl::memory::desc& d, float* p) { return dnnl::memory(d, engine(), p); }

}  // namespace

// batchNormTraining(heap, geometry[N, H, W, C], x, gamma, beta, y, mean, variance, epsilon)
Napi::Value BatchNormTraining(const Napi::CallbackInfo& info) {
  const char* op = "batchNormTraining";
  const Shape s = Shape::read(info, 1, op);
  const float eps = static_cast<float>(info[8].As<Napi::Number>().DoubleValue());
  float* x = heapFloats(info, intArg(info, 2, op), s.count(), op);
  float* gamma = heapFloats(info, intArg(info, 3, op), size_t(s.C), op);
  float* beta = heapFloats(info, intArg(info, 4, op), size_t(s.C), op);
  float* y = heapFloats(info, intArg(info, 5, op), s.count(), op);
  float* mean = heapFloats(info, intArg(info, 6, op), size_t(s.C), op);
  float* var = heapFloats(info, intArg(info, 7, op), size_t(s.C), op);
  Forward& f = forwardFor(s, eps);
  f.prim.execute(stream(), {{DNNL_ARG_SRC, wrap(s.data(), x)},
                            {DNNL_ARG_DST, wrap(s.data(), y)},
                            {DNNL_ARG_SCALE, wrap(s.channels(), gamma)},
                            {DNNL_ARG_SHIFT, wrap(s.channels(), beta)},
                            {DNNL_ARG_MEAN, wrap(s.channels(), mean)},
                            {DNNL_ARG_VARIANCE, wrap(s.channels(), var)},
                            {DNNL_ARG_SCRATCHPAD, scratchpadFor(f.pd.scratchpad_desc())}});
  stream().wait();
  return info.Env().Undefined();
}

// batchNormTrainingGrad(heap, geometry[N, H, W, C], dy, x, gamma, mean, variance, dx, dgamma, dbeta, epsilon)
Napi::Value BatchNormTrainingGrad(const Napi::CallbackInfo& info) {
  const char* op = "batchNormTrainingGrad";
  const Shape s = Shape::read(info, 1, op);
  const float eps = static_cast<float>(info[10].As<Napi::Number>().DoubleValue());
  float* dy = heapFloats(info, intArg(info, 2, op), s.count(), op);
  float* x = heapFloats(info, intArg(info, 3, op), s.count(), op);
  float* gamma = heapFloats(info, intArg(info, 4, op), size_t(s.C), op);
  float* mean = heapFloats(info, intArg(info, 5, op), size_t(s.C), op);
  float* var = heapFloats(info, intArg(info, 6, op), size_t(s.C), op);
  float* dx = heapFloats(info, intArg(info, 7, op), s.count(), op);
  float* dgamma = heapFloats(info, intArg(info, 8, op), size_t(s.C), op);
  float* dbeta = heapFloats(info, intArg(info, 9, op), size_t(s.C), op);
  Backward& b = backwardCache.get(s.key(eps), [&] {
    Forward& hint = forwardFor(s, eps);
    dnnl::batch_normalization_backward::desc d(dnnl::prop_kind::backward, s.data(), s.data(), eps, kFlags);
    dnnl::batch_normalization_backward::primitive_desc pd(d, scratchpadAttr(), engine(), hint.pd);
    return Backward{dnnl::batch_normalization_backward(pd), pd.scratchpad_desc()};
  });
  b.prim.execute(stream(), {{DNNL_ARG_SRC, wrap(s.data(), x)},
                            {DNNL_ARG_DIFF_DST, wrap(s.data(), dy)},
                            {DNNL_ARG_SCALE, wrap(s.channels(), gamma)},
                            // oneDNN 2.6 requires a shift argument with use_shift although no gradient depends on
                            // beta; gamma's memory stands in (read only, never used in the arithmetic).
                            {DNNL_ARG_SHIFT, wrap(s.channels(), gamma)},
                            {DNNL_ARG_MEAN, wrap(s.channels(), mean)},
                            {DNNL_ARG_VARIANCE, wrap(s.channels(), var)},
                            {DNNL_ARG_DIFF_SRC, wrap(s.data(), dx)},
                            {DNNL_ARG_DIFF_SCALE, wrap(s.channels(), dgamma)},
                            {DNNL_ARG_DIFF_SHIFT, wrap(s.channels(), dbeta)},
                            {DNNL_ARG_SCRATCHPAD, scratchpadFor(b.scratchpad)}});
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace gfn
