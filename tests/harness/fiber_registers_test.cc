// Values held in registers across a switch survive it. Built with -O2 in every preset
// (tests/harness/CMakeLists.txt): at -O0 nothing stays in a register, and the inline switch
// of the builds without sanitizers (harness/fiber.h) is right only if the compiler keeps no
// live value in a register that the switch does not preserve.
#include <atomic>
#include <cstdint>

#include "gtest/gtest.h"
#include "harness/fiber.h"

namespace racefuzz {
namespace {

struct RegisterPair {
  FiberContext host;
  FiberContext fiber;
  // Atomics: the switches carry no happens-before for TSan (__tsan_switch_to_fiber_no_sync).
  std::atomic<uint64_t> seed{0};  // set by the host before each switch to the fiber
  std::atomic<uint64_t> fiber_mismatches{0};
};

// Twelve integers and twelve doubles derived from `seed`, as many live values as there are
// general-purpose and vector registers to hold them, combined after `between` (inlined: a
// switch) has run. The empty asm statements make the compiler materialise every value
// before `between` and believe it may change after, so it can neither fold the combination
// ahead of the switch nor recompute a value from `seed` afterwards: each must survive the
// switch wherever the compiler keeps it. Expected() is the same with nothing in between.
template <typename Between>
uint64_t LiveAcross(uint64_t seed, Between between) {
  uint64_t a0 = seed * 3 + 1, a1 = seed * 5 + 2, a2 = seed * 7 + 3, a3 = seed * 11 + 4;
  uint64_t a4 = seed * 13 + 5, a5 = seed * 17 + 6, a6 = seed * 19 + 7, a7 = seed * 23 + 8;
  uint64_t a8 = seed * 29 + 9, a9 = seed * 31 + 10, a10 = seed * 37 + 11, a11 = seed * 41 + 12;
  const auto s = static_cast<double>(seed);
  double d0 = s * 0.5, d1 = s * 1.5, d2 = s * 2.5, d3 = s * 3.5, d4 = s * 4.5, d5 = s * 5.5;
  double d6 = s * 6.5, d7 = s * 7.5, d8 = s * 8.5, d9 = s * 9.5, d10 = s * 10.5, d11 = s * 11.5;
  asm volatile("" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5));
  asm volatile("" : "+r"(a6), "+r"(a7), "+r"(a8), "+r"(a9), "+r"(a10), "+r"(a11));
  asm volatile("" : "+x"(d0), "+x"(d1), "+x"(d2), "+x"(d3), "+x"(d4), "+x"(d5));
  asm volatile("" : "+x"(d6), "+x"(d7), "+x"(d8), "+x"(d9), "+x"(d10), "+x"(d11));
  between();
  asm volatile("" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5));
  asm volatile("" : "+r"(a6), "+r"(a7), "+r"(a8), "+r"(a9), "+r"(a10), "+r"(a11));
  asm volatile("" : "+x"(d0), "+x"(d1), "+x"(d2), "+x"(d3), "+x"(d4), "+x"(d5));
  asm volatile("" : "+x"(d6), "+x"(d7), "+x"(d8), "+x"(d9), "+x"(d10), "+x"(d11));
  const uint64_t ints = (a0 ^ (a1 << 1) ^ (a2 << 2) ^ (a3 << 3) ^ (a4 << 4) ^ (a5 << 5)) +
                        (a6 ^ (a7 << 1) ^ (a8 << 2) ^ (a9 << 3) ^ (a10 << 4) ^ (a11 << 5));
  const double doubles = d0 + 2 * d1 + 3 * d2 + 4 * d3 + 5 * d4 + 6 * d5 + 7 * d6 + 8 * d7 +
                         9 * d8 + 10 * d9 + 11 * d10 + 12 * d11;
  return ints * 31 + static_cast<uint64_t>(doubles);
}

uint64_t Expected(uint64_t seed) {
  return LiveAcross(seed, [] {});
}

[[noreturn]] void RegisterFiber(void* arg) {
  auto* pair = static_cast<RegisterPair*>(arg);
  for (;;) {
    // The fiber's own live values, with a seed unlike the host's.
    const uint64_t seed = pair->seed.load(std::memory_order_relaxed) * 7919 + 13;
    const uint64_t got = LiveAcross(
        seed, [pair] { SwitchContext(&pair->fiber, &pair->host, /*leaving_for_good=*/false); });
    if (got != Expected(seed)) pair->fiber_mismatches.fetch_add(1, std::memory_order_relaxed);
  }
}

TEST(FiberRegistersTest, ValuesLiveAcrossASwitchSurviveIt) {
  StackPool stacks(64 * 1024);
  static RegisterPair pair;  // static: see EachFiberKeepsItsOwnFloatingPointControlState
  pair.host.InitHost();
  pair.fiber.InitFiber(stacks.Acquire(), &RegisterFiber, &pair);
  uint64_t host_mismatches = 0;
  for (uint64_t round = 1; round <= 100; ++round) {
    pair.seed.store(round, std::memory_order_relaxed);
    const uint64_t got = LiveAcross(
        round, [] { SwitchContext(&pair.host, &pair.fiber, /*leaving_for_good=*/false); });
    if (got != Expected(round)) ++host_mismatches;
  }
  pair.fiber.Destroy();  // parked mid-loop; its stack is simply not reused
  EXPECT_EQ(host_mismatches, 0u);
  // The fiber compared after each of its 99 resumptions.
  EXPECT_EQ(pair.fiber_mismatches.load(), 0u);
}

}  // namespace
}  // namespace racefuzz
