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
  SlabSlots::Entry& entry = slots_.Add();
  entry.object = object;
  entry.type_tag = type_tag;
  entry.deleter = deleter;
  entry.id = next_id_++;
  entry.retired = false;
  ++live_count_;
}

bool SlabRegistry::Erase(void* object) {
  Guard guard(lock_);
  SlabSlots::Entry* entry = slots_.FindHeld(object);
  if (entry == nullptr) return false;
  slots_.Free(*entry);
  --live_count_;
  return true;
}

bool SlabRegistry::Retire(void* object) {
  Guard guard(lock_);
  SlabSlots::Entry* entry = slots_.FindHeld(object);
  if (entry == nullptr) return false;
  entry->retired = true;
  --live_count_;
  return true;
}

std::vector<SlabRegistry::LiveEntry> SlabRegistry::Snapshot() const {
  std::vector<std::pair<uint64_t, LiveEntry>> found;
  {
    Guard guard(lock_);
    found.reserve(live_count_);
    slots_.ForEachInUse([&found](const SlabSlots::Entry& entry) {
      if (!entry.retired) found.push_back({entry.id, LiveEntry(entry.type_tag, entry.object)});
    });
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
  return live_count_;
}

void SlabRegistry::FreeAll() {
  // Free in allocation order; no object's destructor touches another model object.
  std::vector<std::pair<uint64_t, std::pair<void*, Deleter>>> all;
  {
    Guard guard(lock_);
    all.reserve(slots_.InUse());
    slots_.ForEachInUse([&all](const SlabSlots::Entry& entry) {
      all.push_back({entry.id, {entry.object, entry.deleter}});
    });
    slots_.Clear();
    live_count_ = 0;
  }
  std::sort(all.begin(), all.end());
  for (const auto& [id, object_and_deleter] : all)
    object_and_deleter.second(object_and_deleter.first);
}

}  // namespace racefuzz::heaps
