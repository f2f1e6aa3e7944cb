// A tensor as TensorFlow.js holds it (plain NHWC / HWIO on the wasm heap) and as the chosen oneDNN implementation
// wants it (often a blocked layout such as nChw8c, 3-4x faster for convolutions here). When the two differ the
// tensor is re-laid out through a scratch slot; when they agree the heap memory is used in place.
#pragma once
#include "context.h"

namespace gfn {

class Layout {
 public:
  Layout() = default;
  Layout(const dnnl::memory::desc& user, const dnnl::memory::desc& inner, bool isInput);

  // Memory for the primitive's argument. Inputs are re-laid out now; outputs are re-laid out by finish().
  dnnl::memory bind(void* userData, Slot slot);
  // Copies an output computed in a scratch layout back into the user's memory (no-op when in place).
  void finish();

  bool inPlace() const { return same_; }

 private:
  dnnl::memory::desc user_, inner_;
  bool same_ = true;
  bool isInput_ = true;
  dnnl::reorder reorder_;
  dnnl::memory userMem_, innerMem_;
};

// Scratchpad memory for a primitive created with scratchpad_mode::user.
dnnl::memory scratchpadFor(const dnnl::memory::desc& desc);

// Attributes every op uses: user-managed scratchpad, so the arena, not oneDNN, owns temporary memory.
dnnl::primitive_attr scratchpadAttr();

}  // namespace gfn
