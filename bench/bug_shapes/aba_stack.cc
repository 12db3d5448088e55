// ABA on a Treiber stack (R. K. Treiber, "Systems Programming: Coping with Parallelism", IBM
// RJ 5118, 1986): pop reads the head and its successor, then compare-exchanges the head
// from the one to the other. If, between the read and the compare-exchange, other pops and a
// push put the same node back on top, the compare-exchange succeeds and installs a successor
// that has been popped meanwhile.
//
// The stack holds A -> B -> C. The victim pops once; the other thread pops A and B and
// pushes A back, keeping B. One preemption exposes it (the victim after reading A's
// successor), but only if the other thread then runs its six-odd steps without handing the
// processor back. Nodes are indices into a pool (0 is null), not addresses, so the values
// compared are the same in every run. A failed compare-exchange retries after Spin().
#include <array>
#include <cstdint>

#include "bench/bug_shapes/bug_shapes.h"
#include "harness/atomic.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz::bench {
namespace {

constexpr uintptr_t kNull = 0;
constexpr int kNodes = 3;  // A, B, C = 1, 2, 3

class TreiberStack {
 public:
  void Push(uintptr_t node) {
    while (true) {
      uintptr_t old_head = head_.Load();
      next_[node].Store(old_head);
      if (head_.CompareExchange(old_head, node)) return;
      Spin("stack_head");
    }
  }
  uintptr_t Pop() {
    while (true) {
      uintptr_t old_head = head_.Load();
      if (old_head == kNull) return kNull;
      const uintptr_t next = next_[old_head].Load();
      if (head_.CompareExchange(old_head, next)) return old_head;
      Spin("stack_head");
    }
  }
  // At quiescence: the nodes reachable from the head, as a bit set (bit i for node i).
  uint32_t Reachable() const {
    uint32_t reached = 0;
    for (uintptr_t n = head_.Peek(); n != kNull && (reached & (1u << n)) == 0;
         n = next_[n].Peek()) {
      reached |= 1u << n;
    }
    return reached;
  }

 private:
  Atomic<uintptr_t> head_{kNull};
  std::array<Atomic<uintptr_t>, kNodes + 1> next_;  // next_[0] unused
};

}  // namespace

void AbaStack() {
  TreiberStack stack;
  for (uintptr_t node = kNodes; node >= 1; --node) stack.Push(node);  // A on top
  uintptr_t victim_holds = kNull;
  uintptr_t other_holds = kNull;
  const ThreadId victim = SpawnThread([&] { victim_holds = stack.Pop(); }, "victim");
  const ThreadId other = SpawnThread(
      [&] {
        const uintptr_t first = stack.Pop();
        other_holds = stack.Pop();
        stack.Push(first);
      },
      "other");
  JoinThread(victim);
  JoinThread(other);
  const uint32_t reachable = stack.Reachable();
  const bool held_node_on_stack = (victim_holds != kNull && (reachable >> victim_holds) & 1) ||
                                  (other_holds != kNull && (reachable >> other_holds) & 1);
  RACEFUZZ_CHECK(!held_node_on_stack, "ABA: a popped node is still reachable from the head");
}

}  // namespace racefuzz::bench
