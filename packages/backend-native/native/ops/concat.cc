// Concat along any axis, for any 4-byte or 1-byte dtype: the output is `outer` rows, each the inputs' rows side by
// side. Memory-bound; split across threads by rows.
#include <omp.h>
#include <cstring>
#include <vector>
#include "../context.h"
#include "ops.h"

namespace gfn {

// concat(heap, outer, outOffset, inOffsets Uint32Array, inRowBytes Uint32Array)
Napi::Value Concat(const Napi::CallbackInfo& info) {
  const char* op = "concat";
  const int64_t outer = intArg(info, 1, op);
  const int64_t outOff = intArg(info, 2, op);
  auto inOffs = uint32Arg(info, 3, op);
  auto rows = uint32Arg(info, 4, op);
  const size_t k = inOffs.ElementLength();
  if (k == 0 || rows.ElementLength() != k || outer <= 0) throw Napi::RangeError::New(info.Env(), "concat: bad arguments");
  size_t outRow = 0;
  std::vector<const uint8_t*> src(k);
  std::vector<size_t> rowBytes(k), at(k);
  for (size_t i = 0; i < k; i++) {
    rowBytes[i] = rows[i];
    at[i] = outRow;
    outRow += rowBytes[i];
    src[i] = heapBytes(info, inOffs[i], size_t(outer) * rowBytes[i], op);
  }
  uint8_t* dst = heapBytes(info, outOff, size_t(outer) * outRow, op);
#pragma omp parallel for schedule(static) if (size_t(outer) * outRow > (1u << 16))
  for (int64_t r = 0; r < outer; r++) {
    for (size_t i = 0; i < k; i++) std::memcpy(dst + size_t(r) * outRow + at[i], src[i] + size_t(r) * rowBytes[i], rowBytes[i]);
  }
  return info.Env().Undefined();
}

// split(heap, outer, inOffset, outOffsets Uint32Array, outRowBytes Uint32Array): the inverse of concat.
Napi::Value Split(const Napi::CallbackInfo& info) {
  const char* op = "split";
  const int64_t outer = intArg(info, 1, op);
  const int64_t inOff = intArg(info, 2, op);
  auto outOffs = uint32Arg(info, 3, op);
  auto rows = uint32Arg(info, 4, op);
  const size_t k = outOffs.ElementLength();
  if (k == 0 || rows.ElementLength() != k || outer <= 0) throw Napi::RangeError::New(info.Env(), "split: bad arguments");
  size_t inRow = 0;
  std::vector<uint8_t*> dst(k);
  std::vector<size_t> rowBytes(k), at(k);
  for (size_t i = 0; i < k; i++) {
    rowBytes[i] = rows[i];
    at[i] = inRow;
    inRow += rowBytes[i];
    dst[i] = heapBytes(info, outOffs[i], size_t(outer) * rowBytes[i], op);
  }
  const uint8_t* src = heapBytes(info, inOff, size_t(outer) * inRow, op);
#pragma omp parallel for schedule(static) if (size_t(outer) * inRow > (1u << 16))
  for (int64_t r = 0; r < outer; r++) {
    for (size_t i = 0; i < k; i++) std::memcpy(dst[i] + size_t(r) * rowBytes[i], src + size_t(r) * inRow + at[i], rowBytes[i]);
  }
  return info.Env().Undefined();
}

}  // namespace gfn
