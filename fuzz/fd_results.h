// The fd results of one execution's program (fuzz/execute.cc): one slot per fd-producing
// operation, -1 until that operation has run (close(-1) is -EBADF). Atomics, so that the
// real-thread baseline, where lanes read each other's results, is race-free too.
//
// Inline for every program an input can encode (kMaxOps operations): a heap array per
// execution was one more ASan malloc and free, with their stack traces. Longer programs
// (built by hand, never decoded) get an allocation.
#ifndef RACEFUZZ_FUZZ_FD_RESULTS_H_
#define RACEFUZZ_FUZZ_FD_RESULTS_H_

#include <array>
#include <atomic>
#include <memory>

#include "fuzz/program.h"

namespace racefuzz::fuzz {

class FdResults {
 public:
  FdResults() = default;
  FdResults(const FdResults&) = delete;
  FdResults& operator=(const FdResults&) = delete;

  // `count` slots, each -1.
  void Reset(int count) {
    if (count > kMaxOps) {
      more_ = std::make_unique<std::atomic<int>[]>(count);
      slots_ = more_.get();
    }
    for (int i = 0; i < count; ++i) slots_[i].store(-1, std::memory_order_relaxed);
  }

  std::atomic<int>& operator[](int index) { return slots_[index]; }
  const std::atomic<int>& operator[](int index) const { return slots_[index]; }

 private:
  std::array<std::atomic<int>, kMaxOps> inline_;
  std::unique_ptr<std::atomic<int>[]> more_;
  std::atomic<int>* slots_ = inline_.data();
};

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_FD_RESULTS_H_
