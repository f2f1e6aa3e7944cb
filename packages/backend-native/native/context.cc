#include "context.h"
#include <cstdlib>
#include <string>

namespace gfn {

dnnl::engine& engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

namespace {
struct Buffer {
  void* data = nullptr;
  size_t bytes = 0;
};
Buffer buffers[kSlotCount];
}  // namespace

void* scratch(Slot slot, size_t bytes) {
  Buffer& b = buffers[slot];
  if (bytes <= b.bytes && b.data) return b.data;
  std::free(b.data);
  size_t rounded = ((bytes + 4095) / 4096) * 4096;
  b.data = std::aligned_alloc(64, rounded == 0 ? 4096 : rounded);
  if (!b.data) throw std::bad_alloc();
  b.bytes = rounded;
  return b.data;
}

namespace {
dnnl::memory::data_type convInput = dnnl::memory::data_type::f32;
}
dnnl::memory::data_type convInputType() { return convInput; }
void setConvInputType(dnnl::memory::data_type t) { convInput = t; }

int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) + " must be a number");
  }
  return info[i].As<Napi::Number>().Int64Value();
}

float* heapFloats(const Napi::CallbackInfo& info, int64_t offset, size_t count, const char* op) {
  if (offset % 4 != 0) throw Napi::RangeError::New(info.Env(), std::string(op) + ": float tensor at unaligned byte " + std::to_string(offset));
  return reinterpret_cast<float*>(heapBytes(info, offset, count * sizeof(float), op));
}

Napi::Int32Array geometryArg(const Napi::CallbackInfo& info, size_t i, size_t count, const char* op) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": geometry must be an Int32Array");
  }
  auto g = info[i].As<Napi::Int32Array>();
  if (g.ElementLength() != count) throw Napi::TypeError::New(info.Env(), std::string(op) + ": geometry must hold " + std::to_string(count) + " values");
  return g;
}

Napi::Uint32Array uint32Arg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) + " must be a Uint32Array");
  }
  return info[i].As<Napi::Uint32Array>();
}

uint8_t* heapBytes(const Napi::CallbackInfo& info, int64_t offset, size_t bytes, const char* op) {
  if (info.Length() < 1 || !info[0].IsTypedArray()) {
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": argument 0 must be the wasm heap (a Uint8Array)");
  }
  // napi_get_typedarray_info also works on views of a SharedArrayBuffer, which the threaded wasm build uses.
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  size_t byteOffset = 0;
  if (napi_get_typedarray_info(info.Env(), info[0], &type, &length, &data, &ab, &byteOffset) != napi_ok || type != napi_uint8_array) {
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": argument 0 must be a Uint8Array over the wasm heap");
  }
  if (offset < 0 || static_cast<size_t>(offset) + bytes > length) {
    throw Napi::RangeError::New(info.Env(), std::string(op) + ": tensor at byte " + std::to_string(offset) + " (" +
                                                std::to_string(bytes) + " bytes) lies outside the heap");
  }
  return static_cast<uint8_t*>(data) + offset;
}

}  // namespace gfn
