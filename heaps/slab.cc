#include "heaps/slab.h"

#include <algorithm>
#include <utility>

namespace racefuzz::heaps {

// Held for a few map operations; on fibers it is never contended.
class SlabRegistry::Guard {
 public:
  explicit Guard(std::atomic_flag& lock) : lock_(lock) {
    while (lock_.test_and_set(std::memory_order_acquire)) {
    }
  }
  ~Guard() { lock_.clear(std::memory_order_release); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  std::atomic_flag& lock_;
};

SlabRegistry::~SlabRegistry() { FreeAll(); }

void SlabRegistry::Insert(void* object, const void* type_tag, Deleter deleter) {
  Guard guard(lock_);
  live_[object] = Entry{next_id_++, type_tag, deleter};
}

bool SlabRegistry::Erase(void* object) {
  Guard guard(lock_);
  return live_.erase(object) != 0;
}

bool SlabRegistry::Retire(void* object) {
  Guard guard(lock_);
  auto it = live_.find(object);
  if (it == live_.end()) return false;
  retired_[it->second.id] = {object, it->second.deleter};
  live_.erase(it);
  return true;
}

std::vector<SlabRegistry::LiveEntry> SlabRegistry::Snapshot() const {
  std::vector<std::pair<uint64_t, LiveEntry>> found;
  {
    Guard guard(lock_);
    found.reserve(live_.size());
    for (const auto& [object, entry] : live_) {
      found.push_back({entry.id, LiveEntry(entry.type_tag, const_cast<void*>(object))});
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<LiveEntry> out;
  out.reserve(found.size());
  for (const auto& [id, entry] : found) out.push_back(entry);
  return out;
}

size_t SlabRegistry::LiveCount() const {
  Guard guard(lock_);
  return live_.size();
}

void SlabRegistry::FreeAll() {
  // Free in allocation order; no object's destructor touches another model object.
  std::vector<std::pair<uint64_t, std::pair<void*, Deleter>>> all;
  {
    Guard guard(lock_);
    all.reserve(live_.size());
    for (const auto& [object, entry] : live_) {
      all.push_back({entry.id, {const_cast<void*>(object), entry.deleter}});
    }
    live_.clear();
    for (const auto& [id, object_and_deleter] : retired_) all.push_back({id, object_and_deleter});
    retired_.clear();
  }
  std::sort(all.begin(), all.end());
  for (const auto& [id, object_and_deleter] : all)
    object_and_deleter.second(object_and_deleter.first);
}

}  // namespace racefuzz::heaps
