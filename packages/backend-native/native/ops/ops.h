// Every op the addon exports; one file per op in this folder.
#pragma once
#include <napi.h>

namespace gfn {
Napi::Value Conv2d(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info);
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info);
Napi::Value Concat(const Napi::CallbackInfo& info);
Napi::Value Split(const Napi::CallbackInfo& info);
Napi::Value BatchNorm(const Napi::CallbackInfo& info);
Napi::Value BatchNormTraining(const Napi::CallbackInfo& info);
Napi::Value Prelu(const Napi::CallbackInfo& info);
Napi::Value PreluGrad(const Napi::CallbackInfo& info);
Napi::Value BatchNormTrainingGrad(const Napi::CallbackInfo& info);
Napi::Value AdamUpdate(const Napi::CallbackInfo& info);
Napi::Value BatchMatMul(const Napi::CallbackInfo& info);
Napi::Value SpaceToBatch(const Napi::CallbackInfo& info);
Napi::Value ClipByValueGrad(const Napi::CallbackInfo& info);
Napi::Value BatchToSpace(const Napi::CallbackInfo& info);
Napi::Value Transpose(const Napi::CallbackInfo& info);
}  // namespace gfn
