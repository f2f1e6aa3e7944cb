// Conv2DBackpropInput / DepthwiseConv2dNativeBackpropInput (also the forward of a transposed convolution).
// dy [N, Ho, Wo, K], filter HWIO or depthwise [kh, kw, C, m] → dx [N, H, W, C].
#include "../layout.h"
#include "../primitive_cache.h"
#include "conv_geometry.h"
#include "ops.h"

namespace gfn {

namespace {
struct Entry {
  dnnl::convolution_backward_data prim;
  Layout diffDst, weights, diffSrc;
  dnnl::memory::desc scratchpad;
};
PrimitiveCache<Entry> cache;
}  // namespace

// conv2dBackpropInput(heap, geometry, dyOffset, filterOffset, dxOffset)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackpropInput";
  ConvGeometry g = ConvGeometry::read(info, 1, op);
  int64_t dyOff = intArg(info, 2, op), wOff = intArg(info, 3, op), dxOff = intArg(info, 4, op);
  Entry& e = cache.get(g.key(), [&] {
    dnnl::primitive_attr attr = scratchpadAttr();
    auto hint = forwardPrimitiveDesc(g, false, dnnl::primitive_attr());
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, g.anySrc(dnnl::memory::data_type::f32), g.anyWeights(convInputType()),
                                            g.anyDst(convInputType()), g.strides(),
                                            g.dilates(), g.padL(), g.padR());
    dnnl::convolution_backward_data::primitive_desc pd(d, attr, engine(), hint);
    return Entry{dnnl::convolution_backward_data(pd), Layout(g.userDst(), pd.diff_dst_desc(), true),
                 Layout(g.userWeights(), pd.weights_desc(), true), Layout(g.userSrc(), pd.diff_src_desc(), false), pd.scratchpad_desc()};
  });
  float* dy = heapFloats(info, dyOff, g.dstCount(), op);
  float* w = heapFloats(info, wOff, g.weightCount(), op);
  float* dx = heapFloats(info, dxOff, g.srcCount(), op);
  e.prim.execute(stream(), {{DNNL_ARG_DIFF_DST, e.diffDst.bind(dy, kDiffDst)},
                            {DNNL_ARG_WEIGHTS, e.weights.bind(w, kWeights)},
                            {DNNL_ARG_DIFF_SRC, e.diffSrc.bind(dx, kDiffSrc)},
                            {DNNL_ARG_SCRATCHPAD, scratchpadFor(e.scratchpad)}});
  e.diffSrc.finish();
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace gfn
