// Process-wide oneDNN state shared by every op: one CPU engine, one in-order stream, a grow-only scratch arena.
#pragma once
#include <dnnl.hpp>
#include <napi.h>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gfn {

dnnl::engine& engine();
dnnl::stream& stream();

// Scratch buffers by slot. Ops run one at a time on the JS thread, so a slot is reused by the next op; growing
// only (never freeing) keeps large re-layout buffers out of malloc/mmap on every call.
enum Slot : int { kSrc = 0, kWeights, kDst, kDiffDst, kDiffSrc, kDiffWeights, kBias, kScratchpad, kSlotCount };
void* scratch(Slot slot, size_t bytes);

// Data type convolutions read their inputs in: f32, or bf16 (inputs rounded to bfloat16 on the way into the
// primitive, products accumulated and written in f32 — mixed precision, as PyTorch's CPU autocast does).
// Process-wide; set from JS before a run starts.
dnnl::memory::data_type convInputType();
void setConvInputType(dnnl::memory::data_type t);

// Reads argument i as an integer (JS number), throwing a TypeError naming the op otherwise.
int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* op);

// The address of `offset` in the wasm heap view passed as argument 0, bounds-checked for `count` floats / `bytes` bytes.
float* heapFloats(const Napi::CallbackInfo& info, int64_t offset, size_t count, const char* op);
uint8_t* heapBytes(const Napi::CallbackInfo& info, int64_t offset, size_t bytes, const char* op);

// Argument i as an Int32Array of exactly `count` values: an op's geometry (shape, strides, pads …).
Napi::Int32Array geometryArg(const Napi::CallbackInfo& info, size_t i, size_t count, const char* op);

// Argument i as a Uint32Array (byte offsets and sizes; the wasm heap is at most 4 GiB).
Napi::Uint32Array uint32Arg(const Napi::CallbackInfo& info, size_t i, const char* op);

}  // namespace gfn
