// The geometry of a 2-D convolution as the JS side computes it with tfjs's computeConv2DInfo, passed as one
// Int32Array so a call costs one N-API read: [N, H, W, C, K, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom,
// padRight, Ho, Wo, groups]. Data is NHWC; filters are HWIO (groups == 1) or TensorFlow's depthwise
// [kh, kw, C, multiplier] (groups == C).
#pragma once
#include "../context.h"
#include <array>
#include <vector>

namespace gfn {

struct ConvGeometry {
  int64_t N, H, W, C, K, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, Ho, Wo, groups;

  static constexpr size_t kFields = 18;
  static ConvGeometry read(const Napi::CallbackInfo& info, size_t i, const char* op);
  std::vector<int32_t> key() const;

  dnnl::memory::dims srcDims() const { return {N, C, H, W}; }
  dnnl::memory::dims dstDims() const { return {N, K, Ho, Wo}; }
  dnnl::memory::dims weightDims() const;
  dnnl::memory::dims strides() const { return {sh, sw}; }
  // oneDNN counts dilation from 0 (TensorFlow's 1 = none).
  dnnl::memory::dims dilates() const { return {dh - 1, dw - 1}; }
  dnnl::memory::dims padL() const { return {pt, pl}; }
  dnnl::memory::dims padR() const { return {pb, pr}; }

  dnnl::memory::desc userSrc() const;
  dnnl::memory::desc userDst() const;
  dnnl::memory::desc userWeights() const;
  // Layout left to oneDNN; inputs of a primitive in convInputType(), its output in f32.
  dnnl::memory::desc anySrc(dnnl::memory::data_type t) const;
  dnnl::memory::desc anyDst(dnnl::memory::data_type t) const;
  dnnl::memory::desc anyWeights(dnnl::memory::data_type t) const;

  size_t srcCount() const { return static_cast<size_t>(N * H * W * C); }
  size_t dstCount() const { return static_cast<size_t>(N * Ho * Wo * K); }
  size_t weightCount() const { return static_cast<size_t>(kh * kw * C * (K / groups)); }
};

}  // namespace gfn

namespace gfn {
// The forward convolution of this geometry (with or without bias and a post-op), also the hint the backward
// primitives need. Layouts are left to oneDNN (format `any`).
dnnl::convolution_forward::primitive_desc forwardPrimitiveDesc(const ConvGeometry& g, bool withBias, const dnnl::primitive_attr& attr);
}  // namespace gfn
