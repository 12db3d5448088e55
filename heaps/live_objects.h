// The live model objects of one slab snapshot, by type, for the invariant checks
// (heaps/invariants.cc): each type's objects, in allocation order, as a range of T*.
//
// All types share one buffer, sized once from the snapshot: the checks look at 13 types
// (and count 3 more) in every execution, and a vector per type was an ASan malloc and free
// (each with its stack trace) per type that had objects.
#ifndef RACEFUZZ_HEAPS_LIVE_OBJECTS_H_
#define RACEFUZZ_HEAPS_LIVE_OBJECTS_H_

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <utility>
#include <vector>

#include "heaps/slab.h"

namespace racefuzz::heaps {

// The objects of type T: a slice of LiveObjectGroups' buffer, valid while it lives.
template <typename T>
class LiveRange {
 public:
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T*;
    using difference_type = std::ptrdiff_t;
    using pointer = T* const*;
    using reference = T*;

    explicit Iterator(void* const* at) : at_(at) {}
    T* operator*() const { return static_cast<T*>(*at_); }
    Iterator& operator++() {
      ++at_;
      return *this;
    }
    bool operator==(const Iterator& other) const = default;

   private:
    void* const* at_;
  };

  LiveRange(void* const* begin, void* const* end) : begin_(begin), end_(end) {}
  Iterator begin() const { return Iterator(begin_); }
  Iterator end() const { return Iterator(end_); }
  size_t size() const { return static_cast<size_t>(end_ - begin_); }

 private:
  void* const* begin_;
  void* const* end_;
};

class LiveObjectGroups {
 public:
  explicit LiveObjectGroups(std::vector<SlabRegistry::LiveEntry> snapshot)
      : snapshot_(std::move(snapshot)) {
    grouped_.reserve(snapshot_.size());
  }
  LiveObjectGroups(const LiveObjectGroups&) = delete;
  LiveObjectGroups& operator=(const LiveObjectGroups&) = delete;

  // The live objects of type T. Each type at most once: the buffer holds every object once,
  // and must never grow (that would move the ranges already handed out).
  template <typename T>
  LiveRange<T> Take() {
    const size_t count = Count<T>();
    if (grouped_.size() + count > grouped_.capacity()) {
      std::fprintf(stderr, "racefuzz internal error: LiveObjectGroups::Take of a type twice\n");
      std::abort();
    }
    const size_t begin = grouped_.size();
    for (const auto& [type_tag, object] : snapshot_) {
      if (type_tag == &kSlabTag<T>) grouped_.push_back(object);
    }
    return LiveRange<T>(grouped_.data() + begin, grouped_.data() + grouped_.size());
  }

  // How many live objects of type T, without taking them.
  template <typename T>
  size_t Count() const {
    size_t count = 0;
    for (const auto& [type_tag, object] : snapshot_) count += type_tag == &kSlabTag<T> ? 1 : 0;
    return count;
  }

 private:
  const std::vector<SlabRegistry::LiveEntry> snapshot_;  // in allocation order
  std::vector<void*> grouped_;
};

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_HEAPS_LIVE_OBJECTS_H_
