// Activations fused into convolutions and matrix products as oneDNN post-ops; codes shared with
// src/native-addon.ts (NATIVE_ACTIVATIONS).
#pragma once
#include <dnnl.hpp>
#include <stdexcept>

namespace gfn {

inline void appendActivation(dnnl::post_ops& ops, int code, float alpha) {
  using a = dnnl::algorithm;
  switch (code) {
    case 0: return;
    case 1: ops.append_eltwise(1.f, a::eltwise_relu, 0.f, 0.f); return;
    case 2: ops.append_eltwise(1.f, a::eltwise_clip, 0.f, 6.f); return;
    case 3: ops.append_eltwise(1.f, a::eltwise_relu, alpha, 0.f); return;
    case 4: ops.append_eltwise(1.f, a::eltwise_logistic, 0.f, 0.f); return;
    case 5: ops.append_eltwise(1.f, a::eltwise_elu, 1.f, 0.f); return;
    default: throw std::invalid_argument("unknown activation code");
  }
}

}  // namespace gfn
