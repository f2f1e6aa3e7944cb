#include "layout.h"

namespace gfn {

Layout::Layout(const dnnl::memory::desc& user, const dnnl::memory::desc& inner, bool isInput)
    : user_(user), inner_(inner), same_(user == inner), isInput_(isInput) {
  if (same_) return;
  reorder_ = isInput ? dnnl::reorder(dnnl::reorder::primitive_desc(engine(), user_, engine(), inner_))
                     : dnnl::reorder(dnnl::reorder::primitive_desc(engine(), inner_, engine(), user_));
}

dnnl::memory Layout::bind(void* userData, Slot slot) {
  userMem_ = dnnl::memory(user_, engine(), userData);
  if (same_) return userMem_;
  innerMem_ = dnnl::memory(inner_, engine(), scratch(slot, inner_.get_size()));
  if (isInput_) reorder_.execute(stream(), userMem_, innerMem_);
  return innerMem_;
}

void Layout::finish() {
  if (!same_ && !isInput_) reorder_.execute(stream(), innerMem_, userMem_);
}

dnnl::memory scratchpadFor(const dnnl::memory::desc& desc) {
  return dnnl::memory(desc, engine(), scratch(kScratchpad, desc.get_size()));
}

dnnl::primitive_attr scratchpadAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

}  // namespace gfn
