// Conv2D / FusedConv2D / DepthwiseConv2dNative forward.
// x [N, H, W, C], filter HWIO or depthwise [kh, kw, C, m], optional bias [K] → y [N, Ho, Wo, K], with an optional
// activation fused as a oneDNN post-op.
#include "../layout.h"
#include "../primitive_cache.h"
#include "conv_geometry.h"
#include "activation.h"
#include "ops.h"

namespace gfn {

namespace {

struct Entry {
  dnnl::convolution_forward prim;
  Layout src, weights, dst;
  dnnl::memory::desc scratchpad;
  bool bias;
};

PrimitiveCache<Entry> cache;

}  // namespace

// conv2d(heap, geometry, xOffset, filterOffset, biasOffset | -1, yOffset, activation, alpha)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  const char* op = "conv2d";
  ConvGeometry g = ConvGeometry::read(info, 1, op);
  int64_t xOff = intArg(info, 2, op), wOff = intArg(info, 3, op), bOff = intArg(info, 4, op), yOff = intArg(info, 5, op);
  int act = static_cast<int>(intArg(info, 6, op));
  float alpha = static_cast<float>(info[7].As<Napi::Number>().DoubleValue());
  bool withBias = bOff >= 0;
  std::vector<int32_t> key = g.key();
  key.push_back(withBias);
  key.push_back(act);
  key.push_back(static_cast<int32_t>(alpha * 1e6f));
  Entry& e = cache.get(key, [&] {
    dnnl::primitive_attr attr = scratchpadAttr();
    dnnl::post_ops ops;
    appendActivation(ops, act, alpha);
    attr.set_post_ops(ops);
    auto pd = forwardPrimitiveDesc(g, withBias, attr);
    return Entry{dnnl::convolution_forward(pd), Layout(g.userSrc(), pd.src_desc(), true), Layout(g.userWeights(), pd.weights_desc(), true),
                 Layout(g.userDst(), pd.dst_desc(), false), pd.scratchpad_desc(), withBias};
  });
  float* x = heapFloats(info, xOff, g.srcCount(), op);
  float* w = heapFloats(info, wOff, g.weightCount(), op);
  float* y = heapFloats(info, yOff, g.dstCount(), op);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, e.src.bind(x, kSrc)},
                                             {DNNL_ARG_WEIGHTS, e.weights.bind(w, kWeights)},
                                             {DNNL_ARG_DST, e.dst.bind(y, kDst)},
                                             {DNNL_ARG_SCRATCHPAD, scratchpadFor(e.scratchpad)}};
  if (e.bias) {
    float* b = heapFloats(info, bOff, static_cast<size_t>(g.K), op);
    args[DNNL_ARG_BIAS] = dnnl::memory({{g.K}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::x}, engine(), b);
  }
  e.prim.execute(stream(), args);
  e.dst.finish();
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace gfn
