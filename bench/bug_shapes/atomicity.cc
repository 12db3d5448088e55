// Double fetch: an atomicity violation of the reader's check-then-use. The reader fetches a
// shared length, rejects it if it exceeds the buffer, then fetches it again for the copy (as
// a driver that reads a user-supplied length twice). The writer replaces the length.
//  - One step (double_fetch_1): the writer stores an oversized length. One preemption: the
//    reader between its check and its use, the writer running then.
//  - Two steps (double_fetch_2): the writer's update passes through an oversized value
//    (it stores the requested size, then the clamped one), so the oversized value exists
//    only between its two stores. Two preemptions: the reader after its check, and the
//    writer between its stores, with the reader's second fetch in that window.
#include "bench/bug_shapes/bug_shapes.h"
#include "harness/atomic.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz::bench {
namespace {

constexpr int kCapacity = 8;
constexpr int kOversized = 64;

void DoubleFetch(bool two_step_update, int initial) {
  Atomic<int> length(initial);
  const ThreadId reader = SpawnThread(
      [&] {
        if (length.Load(std::memory_order_relaxed) > kCapacity) return;  // rejected
        const int copied = length.Load(std::memory_order_relaxed);       // fetched again
        RACEFUZZ_CHECK(copied <= kCapacity, "double fetch: copy longer than the buffer");
      },
      "reader");
  const ThreadId writer = SpawnThread(
      [&] {
        length.Store(kOversized, std::memory_order_relaxed);
        if (two_step_update) length.Store(kCapacity / 2, std::memory_order_relaxed);
      },
      "writer");
  JoinThread(reader);
  JoinThread(writer);
}

}  // namespace

void DoubleFetchOneStep() { DoubleFetch(/*two_step_update=*/false, /*initial=*/kCapacity); }
void DoubleFetchTwoSteps() { DoubleFetch(/*two_step_update=*/true, /*initial=*/kCapacity); }

}  // namespace racefuzz::bench
