// Transpose of any rank ≤ 6 and 1- or 4-byte elements as one oneDNN reorder: the source is described with the
// OUTPUT's dims and the input's strides permuted, the destination is dense. oneDNN's reorder is blocked and
// threaded; tfjs-wasm's Transpose is an element-by-element loop (2 ms for ENet's 1 MB channel-padding permutes).
#include <dnnl.hpp>
#include "../context.h"
#include "../primitive_cache.h"
#include "ops.h"

namespace gfn {

namespace {
struct TransposeEntry {
  dnnl::memory::desc src, dst;
  dnnl::reorder prim;
};
PrimitiveCache<TransposeEntry>& cache() {
  static PrimitiveCache<TransposeEntry> c;
  return c;
}
}  // namespace

// transpose(heap, shape Int32Array[rank], perm Int32Array[rank], xOffset, yOffset, elementBytes)
// x of `shape` → y with dims shape[perm[i]]: y[i0, …] = x at index j where j[perm[k]] = i_k.
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const char* op = "transpose";
  if (info.Length() < 6 || !info[1].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "transpose: bad arguments");
  const size_t rank = info[1].As<Napi::TypedArray>().ElementLength();
  if (rank < 1 || rank > 6) throw Napi::RangeError::New(info.Env(), "transpose: rank must be 1–6");
  auto shape = geometryArg(info, 1, rank, op);
  auto perm = geometryArg(info, 2, rank, op);
  const int64_t eb = intArg(info, 5, op);
  if (eb != 1 && eb != 4) throw Napi::RangeError::New(info.Env(), "transpose: element size must be 1 or 4 bytes");
  std::vector<bool> seen(rank, false);
  size_t count = 1;
  for (size_t i = 0; i < rank; i++) {
    if (shape[i] <= 0 || perm[i] < 0 || size_t(perm[i]) >= rank || seen[perm[i]]) {
      throw Napi::RangeError::New(info.Env(), "transpose: invalid shape or permutation");
    }
    seen[perm[i]] = true;
    count *= size_t(shape[i]);
  }
  const uint8_t* x = heapBytes(info, intArg(info, 3, op), count * size_t(eb), op);
  uint8_t* y = heapBytes(info, intArg(info, 4, op), count * size_t(eb), op);

  std::vector<int32_t> key{int32_t(eb), int32_t(rank)};
  for (size_t i = 0; i < rank; i++) key.push_back(shape[i]);
  for (size_t i = 0; i < rank; i++) key.push_back(perm[i]);
  TransposeEntry& e = cache().get(key, [&] {
    dnnl::memory::dims inStrides(rank), outDims(rank), srcStrides(rank), dstStrides(rank);
    int64_t s = 1;
    for (size_t i = rank; i-- > 0;) {
      inStrides[i] = s;
      s *= shape[i];
    }
    for (size_t i = 0; i < rank; i++) {
      outDims[i] = shape[perm[i]];
      srcStrides[i] = inStrides[perm[i]];
    }
    s = 1;
    for (size_t i = rank; i-- > 0;) {
      dstStrides[i] = s;
      s *= outDims[i];
    }
    // Same type both sides (s32 for every 4-byte dtype), so the reorder moves bits and never converts.
    const auto type = eb == 4 ? dnnl::memory::data_type::s32 : dnnl::memory::data_type::u8;
    dnnl::memory::desc src(outDims, type, srcStrides);
    dnnl::memory::desc dst(outDims, type, dstStrides);
    return TransposeEntry{src, dst, dnnl::reorder(dnnl::reorder::primitive_desc(engine(), src, engine(), dst))};
  });
  dnnl::memory srcMem(e.src, engine(), const_cast<uint8_t*>(x));
  dnnl::memory dstMem(e.dst, engine(), y);
  e.prim.execute(stream(), srcMem, dstMem);
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace gfn
