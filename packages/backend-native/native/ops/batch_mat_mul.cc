// BatchMatMul and _FusedMatMul: a [Ba, M, K] (or [Ba, K, M] with transposeA), b [Bb, K, N] (or [Bb, N, K] with
// transposeB) → c [max(Ba, Bb), M, N], plus an optional bias [N] and activation fused as oneDNN post-ops; a batch of 1
// broadcasts. Transposes are expressed as strides, so no operand is copied.
#include <algorithm>
#include "../layout.h"
#include "../primitive_cache.h"
#include "activation.h"
#include "ops.h"

namespace gfn {

namespace {
struct Entry {
  dnnl::matmul prim;
  dnnl::memory::desc a, b, c, bias, scratchpad;
};
PrimitiveCache<Entry> cache;

dnnl::memory::desc operand(int64_t batch, int64_t rows, int64_t cols, bool transposed) {
  // Logical [batch, rows, cols]; stored [batch, cols, rows] when transposed.
  dnnl::memory::dims strides = transposed ? dnnl::memory::dims{rows * cols, 1, rows} : dnnl::memory::dims{rows * cols, cols, 1};
  return dnnl::memory::desc({batch, rows, cols}, dnnl::memory::data_type::f32, strides);
}
}  // namespace

// batchMatMul(heap, Int32Array[Ba, Bb, M, K, N, transposeA, transposeB], aOffset, bOffset, cOffset[, biasOffset | -1,
//             activation, alpha])  — activation codes as conv2d's (appendActivation)
Napi::Value BatchMatMul(const Napi::CallbackInfo& info) {
  const char* op = "batchMatMul";
  auto g = geometryArg(info, 1, 7, op);
  const int64_t Ba = g[0], Bb = g[1], M = g[2], K = g[3], N = g[4];
  const bool tA = g[5] != 0, tB = g[6] != 0;
  if (Ba <= 0 || Bb <= 0 || M <= 0 || K <= 0 || N <= 0 || (Ba != Bb && Ba != 1 && Bb != 1)) {
    throw Napi::RangeError::New(info.Env(), "batchMatMul: invalid shapes");
  }
  const int64_t B = std::max(Ba, Bb);
  const bool fused = info.Length() >= 8;
  const int64_t biasOff = fused ? intArg(info, 5, op) : -1;
  const int act = fused ? static_cast<int>(intArg(info, 6, op)) : 0;
  const float alpha = fused ? static_cast<float>(info[7].As<Napi::Number>().DoubleValue()) : 0.f;
  std::vector<int32_t> key{int32_t(Ba), int32_t(Bb), int32_t(M), int32_t(K), int32_t(N), int32_t(tA), int32_t(tB),
                           int32_t(biasOff >= 0), act, static_cast<int32_t>(alpha * 1e6f)};
  Entry& e = cache.get(key, [&] {
    auto a = operand(Ba, M, K, tA), b = operand(Bb, K, N, tB), c = operand(B, M, N, false);
    dnnl::memory::desc bias({1, 1, N}, dnnl::memory::data_type::f32, dnnl::memory::dims{N, N, 1});
    dnnl::primitive_attr attr = scratchpadAttr();
    dnnl::post_ops ops;
    appendActivation(ops, act, alpha);
    attr.set_post_ops(ops);
    auto d = biasOff >= 0 ? dnnl::matmul::desc(a, b, bias, c) : dnnl::matmul::desc(a, b, c);
    dnnl::matmul::primitive_desc pd(d, attr, engine());
    return Entry{dnnl::matmul(pd), a, b, c, bias, pd.scratchpad_desc()};
  });
  float* pa = heapFloats(info, intArg(info, 2, op), size_t(Ba * M * K), op);
  float* pb = heapFloats(info, intArg(info, 3, op), size_t(Bb * K * N), op);
  float* pc = heapFloats(info, intArg(info, 4, op), size_t(B * M * N), op);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, dnnl::memory(e.a, engine(), pa)},
                                             {DNNL_ARG_WEIGHTS, dnnl::memory(e.b, engine(), pb)},
                                             {DNNL_ARG_DST, dnnl::memory(e.c, engine(), pc)},
                                             {DNNL_ARG_SCRATCHPAD, scratchpadFor(e.scratchpad)}};
  if (biasOff >= 0) args[DNNL_ARG_BIAS] = dnnl::memory(e.bias, engine(), heapFloats(info, biasOff, size_t(N), op));
  e.prim.execute(stream(), args);
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace gfn
