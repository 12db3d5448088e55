// ThreadSet: a set of logical thread ids, for what a primitive keeps per thread (the threads
// waiting on a mutex, the readers holding an rwsem, the waiters of a condvar).
//
// A primitive is made per object of the code under test and most executions have a handful
// of threads, so ids below 64 live in one inline word, as the primitives' 64-bit masks did
// before executions could hold more threads (kMaxThreads), and the words for higher ids are
// allocated only when such an id first joins the set. Iteration is by increasing id, so the
// order in which a primitive wakes its waiters, and with it every trace, depends only on
// which threads wait, never on the order they came in.
#ifndef RACEFUZZ_HARNESS_THREAD_SET_H_
#define RACEFUZZ_HARNESS_THREAD_SET_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "harness/strategy.h"

namespace racefuzz {

class ThreadSet {
 public:
  // id < kMaxThreads.
  void Insert(ThreadId id) {
    uint64_t& word = WordFor(id);
    const uint64_t bit = Bit(id);
    if (id >= 64 && (word & bit) == 0) ++num_high_;
    word |= bit;
  }
  void Erase(ThreadId id) {
    if (id < 64) {
      low_ &= ~Bit(id);
    } else if (id / 64 - 1 < high_.size() && (high_[id / 64 - 1] & Bit(id)) != 0) {
      high_[id / 64 - 1] &= ~Bit(id);
      --num_high_;
    }
  }
  bool Contains(ThreadId id) const {
    if (id < 64) return (low_ & Bit(id)) != 0;
    const size_t index = id / 64 - 1;
    return index < high_.size() && (high_[index] & Bit(id)) != 0;
  }
  bool empty() const { return low_ == 0 && num_high_ == 0; }
  // The lowest id in the set, or kNoThread if it is empty.
  ThreadId First() const {
    if (low_ != 0) return static_cast<ThreadId>(std::countr_zero(low_));
    if (num_high_ == 0) return kNoThread;
    size_t index = 0;
    while (high_[index] == 0) ++index;
    return static_cast<ThreadId>(64 * (index + 1) + std::countr_zero(high_[index]));
  }
  // Removes the lowest id and returns it, or kNoThread if the set is empty.
  ThreadId TakeFirst() {
    const ThreadId first = First();
    if (first != kNoThread) Erase(first);
    return first;
  }
  // Empties the set, calling fn(id) for each id it held, in increasing order. fn must not
  // change the set (Scheduler::WakeAll only changes thread states).
  template <typename Fn>
  void TakeEach(Fn&& fn) {
    for (uint64_t rest = std::exchange(low_, 0); rest != 0; rest &= rest - 1) {
      fn(static_cast<ThreadId>(std::countr_zero(rest)));
    }
    if (num_high_ == 0) return;
    num_high_ = 0;
    for (size_t index = 0; index < high_.size(); ++index) {
      for (uint64_t rest = std::exchange(high_[index], 0); rest != 0; rest &= rest - 1) {
        fn(static_cast<ThreadId>(64 * (index + 1) + std::countr_zero(rest)));
      }
    }
  }

 private:
  static uint64_t Bit(ThreadId id) { return uint64_t{1} << (id % 64); }
  uint64_t& WordFor(ThreadId id) {
    if (id < 64) return low_;
    const size_t index = id / 64 - 1;
    if (index >= high_.size()) high_.resize(index + 1, 0);
    return high_[index];
  }

  uint64_t low_ = 0;            // ids 0..63
  std::vector<uint64_t> high_;  // high_[i]: ids 64 * (i + 1) .. 64 * (i + 2) - 1
  uint32_t num_high_ = 0;       // how many ids high_ holds, so that empty() is O(1)
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_THREAD_SET_H_
