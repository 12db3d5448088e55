// Fiber switches (harness/fiber.h) below the scheduler.
#include "harness/fiber.h"

#include <xmmintrin.h>

#include <atomic>
#include <cfenv>

#include "gtest/gtest.h"
#include "harness/sanitizer_hooks.h"

namespace racefuzz {
namespace {

// Rounding mode as the x87 control word and MXCSR see it (fegetround reads only the x87 one).
struct RoundingModes {
  int x87;
  unsigned sse;
};
RoundingModes CurrentRounding() { return {std::fegetround(), _mm_getcsr() & _MM_ROUND_MASK}; }

struct FpPair {
  FiberContext host;
  FiberContext fiber;
  // Atomics: the switches carry no happens-before for TSan (__tsan_switch_to_fiber_no_sync).
  std::atomic<int> fiber_x87_after_resume{-1};
  std::atomic<unsigned> fiber_sse_after_resume{~0u};
};

[[noreturn]] void FpFiber(void* arg) {
  auto* pair = static_cast<FpPair*>(arg);
  std::fesetround(FE_UPWARD);  // sets both the x87 control word and MXCSR
  SwitchContext(&pair->fiber, &pair->host, /*leaving_for_good=*/false);
  const RoundingModes mine = CurrentRounding();
  pair->fiber_x87_after_resume.store(mine.x87, std::memory_order_relaxed);
  pair->fiber_sse_after_resume.store(mine.sse, std::memory_order_relaxed);
  for (;;) SwitchContext(&pair->fiber, &pair->host, /*leaving_for_good=*/false);
}

// The switch restores the floating-point control state only when it differs (harness/
// fiber.cc), so both directions must be checked: a fiber's change does not leak into the
// host, and the host's state does not overwrite the fiber's.
TEST(FiberTest, EachFiberKeepsItsOwnFloatingPointControlState) {
  const int saved = std::fegetround();
  std::fesetround(FE_TONEAREST);
  StackPool stacks(64 * 1024);
  // Static: the parked fiber's last TSan accesses must not land on stack memory that the
  // test's callers reuse afterwards.
  static FpPair pair;
  pair.host.InitHost();
  pair.fiber.InitFiber(stacks.Acquire(), &FpFiber, &pair);

  SwitchContext(&pair.host, &pair.fiber, /*leaving_for_good=*/false);
  const RoundingModes host_after = CurrentRounding();
  SwitchContext(&pair.host, &pair.fiber, /*leaving_for_good=*/false);
  const RoundingModes host_again = CurrentRounding();
  pair.fiber.Destroy();  // parked mid-loop; its stack is simply not reused
  std::fesetround(saved);

  EXPECT_EQ(host_after.x87, FE_TONEAREST);
  EXPECT_EQ(host_after.sse, static_cast<unsigned>(_MM_ROUND_NEAREST));
  EXPECT_EQ(pair.fiber_x87_after_resume.load(), FE_UPWARD);
  EXPECT_EQ(pair.fiber_sse_after_resume.load(), static_cast<unsigned>(_MM_ROUND_UP));
  EXPECT_EQ(host_again.x87, FE_TONEAREST);
  EXPECT_EQ(host_again.sse, static_cast<unsigned>(_MM_ROUND_NEAREST));
}

// A stack goes back to the pool with the stack pointer at which its fiber left for good:
// the frames above it may still carry ASan poison (redzones), and Acquire must clear them.
TEST(StackPoolTest, AReusedStackHasNoPoisonAboveWhereItsLastFiberLeft) {
#if !defined(RACEFUZZ_ASAN)
  GTEST_SKIP() << "needs the asan preset";
#else
  StackPool pool(64 * 1024);
  const FiberStack stack = pool.Acquire();
  char* const top = stack.bottom + stack.size;
  char* const stack_pointer = top - 8192;
  __asan_poison_memory_region(stack_pointer, 4096);  // a live frame's redzones
  __asan_poison_memory_region(top - 64, 32);
  pool.Release(stack, stack_pointer);
  const FiberStack again = pool.Acquire();
  EXPECT_EQ(again.bottom, stack.bottom);
  EXPECT_EQ(__asan_region_is_poisoned(again.bottom, again.size), nullptr);
  pool.Release(again);
#endif
}

// Without the stack pointer (or with one outside the stack), the whole stack is cleared.
TEST(StackPoolTest, AStackReleasedWithoutAStackPointerIsClearedWhole) {
#if !defined(RACEFUZZ_ASAN)
  GTEST_SKIP() << "needs the asan preset";
#else
  StackPool pool(64 * 1024);
  const FiberStack stack = pool.Acquire();
  __asan_poison_memory_region(stack.bottom, 64);
  pool.Release(stack);
  FiberStack again = pool.Acquire();
  EXPECT_EQ(__asan_region_is_poisoned(again.bottom, again.size), nullptr);
  __asan_poison_memory_region(again.bottom + 128, 64);
  pool.Release(again, again.bottom + again.size + 4096);  // not on this stack
  const FiberStack third = pool.Acquire();
  EXPECT_EQ(__asan_region_is_poisoned(third.bottom, third.size), nullptr);
  pool.Release(third);
#endif
}

}  // namespace
}  // namespace racefuzz
