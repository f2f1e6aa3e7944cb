// Entry point of graphflow_native.node: the ops, plus the library's identity and thread control.
#include <omp.h>
#include <string>
#include "context.h"
#include "ops/ops.h"

namespace gfn {
namespace {

// A thrown oneDNN error becomes a JS Error whose message names the op's status, so the JS side can fall back to wasm.
template <Napi::Value (*Op)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  try {
    return Op(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what() + " (status " + std::to_string(e.status) + ")");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("graphflow-native: ") + e.what());
  }
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int64_t n = intArg(info, 0, "setThreads");
  if (n < 1 || n > 1024) throw Napi::RangeError::New(info.Env(), "setThreads: count must be 1..1024");
  omp_set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

// setPrecision("float32" | "bfloat16"): what convolutions read their inputs in (see convInputType).
Napi::Value SetPrecision(const Napi::CallbackInfo& info) {
  const std::string p = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (p == "float32") setConvInputType(dnnl::memory::data_type::f32);
  else if (p == "bfloat16") setConvInputType(dnnl::memory::data_type::bf16);
  else throw Napi::TypeError::New(info.Env(), "setPrecision: expected \"float32\" or \"bfloat16\"");
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), omp_get_max_threads()); }

std::string isaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

Napi::Object Info(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  const dnnl_version_t* v = dnnl_version();
  o.Set("library", "oneDNN");
  o.Set("version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("cpuRuntime", v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : v->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB" : "other");
  o.Set("isa", isaName(dnnl::get_effective_cpu_isa()));
  return o;
}

Napi::Value GetInfo(const Napi::CallbackInfo& info) { return Info(info.Env()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Guarded<Conv2d>));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Guarded<Conv2dBackpropInput>));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Guarded<Conv2dBackpropFilter>));
  exports.Set("maxPoolGrad", Napi::Function::New(env, Guarded<MaxPoolGrad>));
  exports.Set("concat", Napi::Function::New(env, Guarded<Concat>));
  exports.Set("split", Napi::Function::New(env, Guarded<Split>));
  exports.Set("batchNorm", Napi::Function::New(env, Guarded<BatchNorm>));
  exports.Set("prelu", Napi::Function::New(env, Guarded<Prelu>));
  exports.Set("preluGrad", Napi::Function::New(env, Guarded<PreluGrad>));
  exports.Set("batchNormTraining", Napi::Function::New(env, Guarded<BatchNormTraining>));
  exports.Set("batchNormTrainingGrad", Napi::Function::New(env, Guarded<BatchNormTrainingGrad>));
  exports.Set("batchMatMul", Napi::Function::New(env, Guarded<BatchMatMul>));
  exports.Set("spaceToBatch", Napi::Function::New(env, Guarded<SpaceToBatch>));
  exports.Set("batchToSpace", Napi::Function::New(env, Guarded<BatchToSpace>));
  exports.Set("clipByValueGrad", Napi::Function::New(env, Guarded<ClipByValueGrad>));
  exports.Set("transpose", Napi::Function::New(env, Guarded<Transpose>));
  exports.Set("adamUpdate", Napi::Function::New(env, Guarded<AdamUpdate>));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("setPrecision", Napi::Function::New(env, SetPrecision));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("info", Napi::Function::New(env, GetInfo));
  return exports;
}

}  // namespace
}  // namespace gfn

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return gfn::Init(env, exports); }
NODE_API_MODULE(graphflow_native, InitAddon)
