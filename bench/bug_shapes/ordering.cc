// reorder_N (SCTBench CS/reorder_N's shape): N - 1 writer threads each store a = 1, then
// b = -1; a checker reads a, then b, and fails if it sees a == 1 with b != -1, i.e. it ran
// between some writer's two stores. One preemption exposes it: a writer preempted after its
// first store in favour of the checker. The more writers there are, the more places that
// preemption can go wrong (a writer that completes sets b) and the more threads a strategy
// has to choose among.
#include <memory>
#include <vector>

#include "bench/bug_shapes/bug_shapes.h"
#include "harness/atomic.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz::bench {
namespace {

void Reorder(int threads) {
  // Relaxed atomics: every access is a scheduling point, and TSan sees no data race; the
  // ordering bug stays.
  Atomic<int> a(0);
  Atomic<int> b(0);
  std::vector<ThreadId> spawned;
  for (int i = 0; i < threads - 1; ++i) {
    spawned.push_back(SpawnThread([&] {
      a.Store(1, std::memory_order_relaxed);
      b.Store(-1, std::memory_order_relaxed);
    }));
  }
  spawned.push_back(SpawnThread(
      [&] {
        const int seen_a = a.Load(std::memory_order_relaxed);
        const int seen_b = b.Load(std::memory_order_relaxed);
        RACEFUZZ_CHECK(!(seen_a == 1 && seen_b != -1), "checker saw a == 1 before b == -1");
      },
      "checker"));
  for (ThreadId t : spawned) JoinThread(t);
}

}  // namespace

void Reorder3() { Reorder(3); }
void Reorder5() { Reorder(5); }
void Reorder10() { Reorder(10); }
void Reorder20() { Reorder(20); }

}  // namespace racefuzz::bench
