// Conv2DBackpropFilter / DepthwiseConv2dNativeBackpropFilter.
// x [N, H, W, C], dy [N, Ho, Wo, K] → dW HWIO or depthwise [kh, kw, C, m].
#include "../layout.h"
#include "../primitive_cache.h"
#include "conv_geometry.h"
#include "ops.h"

namespace gfn {

namespace {
struct Entry {
  dnnl::convolution_backward_weights prim;
  Layout src, diffDst, diffWeights;
  dnnl::memory::desc scratchpad;
};
PrimitiveCache<Entry> cache;
}  // namespace

// conv2dBackpropFilter(heap, geometry, xOffset, dyOffset, dwOffset)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackpropFilter";
  ConvGeometry g = ConvGeometry::read(info, 1, op);
  int64_t xOff = intArg(info, 2, op), dyOff = intArg(info, 3, op), dwOff = intArg(info, 4, op);
  Entry& e = cache.get(g.key(), [&] {
    dnnl::primitive_attr attr = scratchpadAttr();
    auto hint = forwardPrimitiveDesc(g, false, dnnl::primitive_attr());
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, g.anySrc(convInputType()), g.anyWeights(dnnl::memory::data_type::f32),
                                               g.anyDst(convInputType()), g.strides(),
                                               g.dilates(), g.padL(), g.padR());
    dnnl::convolution_backward_weights::primitive_desc pd(d, attr, engine(), hint);
    return Entry{dnnl::convolution_backward_weights(pd), Layout(g.userSrc(), pd.src_desc(), true),
                 Layout(g.userDst(), pd.diff_dst_desc(), true), Layout(g.userWeights(), pd.diff_weights_desc(), false),
                 pd.scratchpad_desc()};
  });
  float* x = heapFloats(info, xOff, g.srcCount(), op);
  float* dy = heapFloats(info, dyOff, g.dstCount(), op);
  float* dw = heapFloats(info, dwOff, g.weightCount(), op);
  e.prim.execute(stream(), {{DNNL_ARG_SRC, e.src.bind(x, kSrc)},
                            {DNNL_ARG_DIFF_DST, e.diffDst.bind(dy, kDiffDst)},
                            {DNNL_ARG_DIFF_WEIGHTS, e.diffWeights.bind(dw, kDiffWeights)},
                            {DNNL_ARG_SCRATCHPAD, scratchpadFor(e.scratchpad)}});
  e.diffWeights.finish();
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace gfn
