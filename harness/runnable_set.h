// RunnableSet: the logical threads that can run, kept up to date as threads block, wake,
// start and finish, instead of being collected from every thread at each scheduling point.
//
// A yield point is the hot path of every execution (bench/: BM_FiberSwitch), and building
// the sorted list of runnable ids there by scanning the threads cost about 4 ns of a 31 ns
// switch. The set is a bit per thread id (kMaxThreads is 64, the width of the primitives'
// waiter masks); the sorted id list that Strategy::PickNext takes is rebuilt from the bits
// only when they changed since the last time it was asked for, which in a run of
// preemptions without blocking is never. The order is by id, so nothing depends on the order
// of the updates.
#ifndef RACEFUZZ_HARNESS_RUNNABLE_SET_H_
#define RACEFUZZ_HARNESS_RUNNABLE_SET_H_

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#include "harness/strategy.h"

namespace racefuzz {

class RunnableSet {
 public:
  void Clear() { bits_ = 0; }
  void Insert(ThreadId id) { bits_ |= Bit(id); }
  void Erase(ThreadId id) { bits_ &= ~Bit(id); }
  bool Contains(ThreadId id) const { return id < kMaxThreads && (bits_ & Bit(id)) != 0; }
  bool empty() const { return bits_ == 0; }
  size_t size() const { return static_cast<size_t>(std::popcount(bits_)); }

  // The runnable ids in increasing order. Valid until the next Insert, Erase or Clear.
  std::span<const ThreadId> Ids() {
    if (ids_bits_ != bits_) Rebuild();
    return std::span<const ThreadId>(ids_.data(), num_ids_);
  }

 private:
  static uint64_t Bit(ThreadId id) { return uint64_t{1} << id; }
  void Rebuild() {
    num_ids_ = 0;
    for (uint64_t rest = bits_; rest != 0; rest &= rest - 1) {
      ids_[num_ids_++] = static_cast<ThreadId>(std::countr_zero(rest));
    }
    ids_bits_ = bits_;
  }

  uint64_t bits_ = 0;
  // ids_ lists the bits of ids_bits_; the empty list matches the empty set.
  uint64_t ids_bits_ = 0;
  size_t num_ids_ = 0;
  std::array<ThreadId, kMaxThreads> ids_{};
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_RUNNABLE_SET_H_
