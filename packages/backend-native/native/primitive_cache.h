// Primitives keyed by their geometry. Creating a oneDNN primitive descriptor searches implementations (tens of
// microseconds and more for JIT kernels); a training step repeats the same few hundred shapes, so each is built once.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace gfn {

template <class Entry>
class PrimitiveCache {
 public:
  template <class Make>
  Entry& get(const std::vector<int32_t>& key, Make make) {
    auto it = entries_.find(key);
    if (it != entries_.end()) return *it->second;
    // Bounded: a workload that keeps changing shapes (e.g. sliding windows at many sizes) starts afresh.
    if (entries_.size() >= kCapacity) entries_.clear();
    auto entry = std::make_unique<Entry>(make());
    Entry& ref = *entry;
    entries_.emplace(key, std::move(entry));
    return ref;
  }
  size_t size() const { return entries_.size(); }

 private:
  static constexpr size_t kCapacity = 512;
  std::map<std::vector<int32_t>, std::unique_ptr<Entry>> entries_;
};

}  // namespace gfn
