// RunnableSet: the logical threads that can run, kept up to date as threads block, wake,
// start and finish, instead of being collected from every thread at each scheduling point.
//
// A yield point is the hot path of every execution (bench/: BM_FiberSwitch), and building
// the sorted list of runnable ids there by scanning the threads cost about 4 ns of a 31 ns
// switch. The set is a bit per thread id, kMaxThreads bits in words; the sorted id list that
// Strategy::PickNext takes is rebuilt from the bits only when they changed since the last
// time it was asked for, which in a run of preemptions without blocking is never. A rebuild
// and a Clear visit only the words up to the highest id inserted since the last Clear, so
// an execution of a few threads pays for one word, as when the set was a single uint64_t.
// The order is by id, so nothing depends on the order of the updates.
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
  void Clear() {
    for (size_t w = 0; w < num_words_; ++w) words_[w] = 0;
    num_words_ = 0;
    size_ = 0;
    num_ids_ = 0;
    ids_stale_ = false;
  }
  // id < kMaxThreads.
  void Insert(ThreadId id) {
    uint64_t& word = words_[id / 64];
    size_ += (word & Bit(id)) == 0 ? 1 : 0;
    word |= Bit(id);
    if (id / 64 >= num_words_) num_words_ = id / 64 + 1;
    ids_stale_ = true;
  }
  // id < kMaxThreads.
  void Erase(ThreadId id) {
    uint64_t& word = words_[id / 64];
    size_ -= (word & Bit(id)) != 0 ? 1 : 0;
    word &= ~Bit(id);
    ids_stale_ = true;
  }
  bool Contains(ThreadId id) const { return id < kMaxThreads && (words_[id / 64] & Bit(id)) != 0; }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // The runnable ids in increasing order. Valid until the next Insert, Erase or Clear.
  std::span<const ThreadId> Ids() {
    if (ids_stale_) Rebuild();
    return std::span<const ThreadId>(ids_.data(), num_ids_);
  }

 private:
  static constexpr size_t kWords = (kMaxThreads + 63) / 64;
  static uint64_t Bit(ThreadId id) { return uint64_t{1} << (id % 64); }
  void Rebuild() {
    num_ids_ = 0;
    for (size_t w = 0; w < num_words_; ++w) {
      for (uint64_t rest = words_[w]; rest != 0; rest &= rest - 1) {
        ids_[num_ids_++] = static_cast<ThreadId>(64 * w + std::countr_zero(rest));
      }
    }
    ids_stale_ = false;
  }

  std::array<uint64_t, kWords> words_{};
  size_t num_words_ = 0;  // words_[num_words_..] are all zero
  size_t size_ = 0;       // ids in the set
  // ids_ lists the set's ids unless ids_stale_; the empty list matches the empty set.
  bool ids_stale_ = false;
  size_t num_ids_ = 0;
  std::array<ThreadId, kMaxThreads> ids_{};
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_RUNNABLE_SET_H_
