#include "conv_geometry.h"
#include <string>

namespace gfn {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

ConvGeometry ConvGeometry::read(const Napi::CallbackInfo& info, size_t i, const char* op) {
  auto a = geometryArg(info, i, kFields, op);
  ConvGeometry g{a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17]};
  bool sane = g.N > 0 && g.H > 0 && g.W > 0 && g.C > 0 && g.K > 0 && g.kh > 0 && g.kw > 0 && g.sh > 0 && g.sw > 0 && g.dh > 0 &&
              g.dw > 0 && g.Ho > 0 && g.Wo > 0 && g.groups > 0 && g.C % g.groups == 0 && g.K % g.groups == 0;
  if (!sane) throw Napi::RangeError::New(info.Env(), std::string(op) + ": invalid convolution geometry");
  return g;
}

std::vector<int32_t> ConvGeometry::key() const {
  return {int32_t(N), int32_t(H), int32_t(W), int32_t(C), int32_t(K), int32_t(kh), int32_t(kw), int32_t(sh), int32_t(sw),
          int32_t(dh), int32_t(dw), int32_t(pt), int32_t(pl), int32_t(pb), int32_t(pr), int32_t(Ho), int32_t(Wo), int32_t(groups),
          static_cast<int32_t>(convInputType())};
}

dnnl::memory::dims ConvGeometry::weightDims() const {
  if (groups == 1) return {K, C, kh, kw};
  return {groups, K / groups, C / groups, kh, kw};
}

dnnl::memory::desc ConvGeometry::userSrc() const { return {srcDims(), dt::f32, tag::nhwc}; }
dnnl::memory::desc ConvGeometry::userDst() const { return {dstDims(), dt::f32, tag::nhwc}; }
dnnl::memory::desc ConvGeometry::userWeights() const {
  // TensorFlow's depthwise filter [kh, kw, C, multiplier] is hwigo with i == 1.
  return {weightDims(), dt::f32, groups == 1 ? tag::hwio : tag::hwigo};
}
dnnl::memory::desc ConvGeometry::anySrc(dt t) const { return {srcDims(), t, tag::any}; }
dnnl::memory::desc ConvGeometry::anyDst(dt t) const { return {dstDims(), t, tag::any}; }
dnnl::memory::desc ConvGeometry::anyWeights(dt t) const { return {weightDims(), t, tag::any}; }

}  // namespace gfn

namespace gfn {
dnnl::convolution_forward::primitive_desc forwardPrimitiveDesc(const ConvGeometry& g, bool withBias, const dnnl::primitive_attr& attr) {
  using namespace dnnl;
  const auto in = convInputType();
  auto src = g.anySrc(in), wei = g.anyWeights(in), dst = g.anyDst(memory::data_type::f32);
  if (withBias) {
    memory::desc bias({g.K}, memory::data_type::f32, memory::format_tag::x);
    convolution_forward::desc d(prop_kind::forward_training, algorithm::convolution_direct, src, wei, bias, dst, g.strides(), g.dilates(),
                                g.padL(), g.padR());
    return convolution_forward::primitive_desc(d, attr, engine());
  }
  convolution_forward::desc d(prop_kind::forward_training, algorithm::convolution_direct, src, wei, dst, g.strides(), g.dilates(), g.padL(),
                              g.padR());
  return convolution_forward::primitive_desc(d, attr, engine());
}
}  // namespace gfn
