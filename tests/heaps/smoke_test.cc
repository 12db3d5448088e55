// Random-schedule smoke runs of the variants that must be clean: mixed programs of every
// operation, three logical threads each, explored under random and PCT schedules. Any
// report (sanitizer, refcount, lock misuse, deadlock, invariant) fails the test.
//
// Ops that run the OP-TEE driver (tee register/unregister, tee.ko unload) can wait for
// every dma-buf of a tee device to be closed, as tee_device_unregister() does; so a thread
// closes all fds (exit_files) before one, and every thread closes all fds at its end.
// Deliberate caller bugs (an unbalanced PutHeapKeepSlot) are not part of the mix.
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "gtest/gtest.h"
#include "harness/explore.h"
#include "harness/thread.h"
#include "heaps/world.h"
#include "tests/heaps/test_util.h"

namespace racefuzz::heaps {
namespace {

// splitmix64: a deterministic program per execution index.
struct ProgramRng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
};

constexpr int kThreads = 3;
constexpr int kOpsPerThread = 6;

struct Op {
  int code = 0;
  int a = 0;
  int b = 0;
};

constexpr int kNumOpCodes = 12;

int RunOp(World& world, const Op& op) {
  static constexpr uint64_t kLens[] = {4096, 8192, 0, 3 << 20};
  switch (op.code) {
    case 0:
      return world.AddHeap(static_cast<HeapKind>(op.a % 2), op.b);  // system or CMA
    case 1:
      world.CloseAll();
      return world.AddHeap(HeapKind::kTee, op.b);
    case 2:
      return world.RemoveHeap(op.b);
    case 3:
      return world.OpenHeap(op.b);
    case 4:
    case 5:
      return world.Alloc(op.a, kLens[op.b], op.b == 1 ? kRdwrCloexec : 0, 0, kDmaHeapIoctlAlloc);
    case 6:
      return world.Close(op.a);
    case 7:
      return world.Dup(op.a);
    case 8:
      return world.FindHeap(op.b, op.a % 4);
    case 9:
      return world.PutHeap(op.a % 4);
    case 10:
      world.CloseAll();
      return world.TeeUnregister(op.b);
    case 11:
      world.CloseAll();
      return world.UnloadModule(static_cast<HeapKind>(op.a % 3));
  }
  return -EINVAL;
}

// RACEFUZZ_SMOKE_EXECUTIONS / RACEFUZZ_SMOKE_SEED scale a run up for a longer search.
uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::strtoull(value, nullptr, 10);
}

struct SmokeRun {
  ExploreResult result;
  std::array<int, kNumOpCodes> successes;
};

// Explores `executions` mixed programs (a new one per execution, from `seed`).
SmokeRun ExploreMixedPrograms(const char* variant, ExploreStrategy strategy, uint64_t executions,
                              uint64_t seed) {
  uint64_t execution = seed * 1000003;
  // How often each op succeeded, so a run that only ever hits error paths fails.
  std::atomic<int> successes[kNumOpCodes] = {};
  std::unique_ptr<World> world;
  ExploreOptions options;
  options.strategy = strategy;
  options.executions = executions;
  options.seed = seed;
  options.pct_depth = 3;
  ExploreResult result = Explore(options, [&] {
    ProgramRng rng{execution++ * 7919 + 1};
    world = std::make_unique<World>(V(variant));  // the previous execution's world goes
    World& w = *world;
    // A common start: a heap of each kind, so most programs reach the interesting states.
    w.AddHeap(HeapKind::kSystem, 0);
    w.AddHeap(HeapKind::kCma, 1);
    w.AddHeap(HeapKind::kTee, 2);
    Op program[kThreads][kOpsPerThread];
    for (auto& thread : program) {
      for (Op& op : thread) op = Op{rng.Below(12), rng.Below(8), rng.Below(4)};
    }
    ThreadId threads[kThreads];
    for (int t = 0; t < kThreads; ++t) {
      const Op* ops = program[t];  // T0's array outlives the joins below
      threads[t] = SpawnThread([&w, &successes, ops] {
        for (int i = 0; i < kOpsPerThread; ++i) {
          if (RunOp(w, ops[i]) >= 0) successes[ops[i].code].fetch_add(1, std::memory_order_relaxed);
        }
        w.CloseAll();
      });
    }
    for (ThreadId t : threads) JoinThread(t);
    w.CheckInvariants();
  });
  world.reset();
  SmokeRun run{std::move(result), {}};
  for (int code = 0; code < kNumOpCodes; ++code) run.successes[code] = successes[code].load();
  return run;
}

void CheckVariantIsClean(const char* variant, ExploreStrategy strategy, uint64_t executions) {
  executions = EnvOr("RACEFUZZ_SMOKE_EXECUTIONS", executions);
  const uint64_t seed = EnvOr("RACEFUZZ_SMOKE_SEED", 7);
  SmokeRun run = ExploreMixedPrograms(variant, strategy, executions, seed);
  EXPECT_FALSE(run.result.failed())
      << variant << " after " << run.result.executions_run << " executions:\n"
      << run.result.report;
  EXPECT_EQ(run.result.executions_run, executions);
  for (int code = 0; code < kNumOpCodes; ++code) {
    EXPECT_GT(run.successes[code], 0) << "op " << code << " never succeeded";
  }
}

class CleanVariant : public testing::TestWithParam<const char*> {};
// fixed_tee_mainline is not clean: its tee_core keeps the tee_device_put() race (see
// bugs_test.cc, TeeDevicePutRacesUnregister), which these runs find within a few thousand
// executions.
INSTANTIATE_TEST_SUITE_P(Variants, CleanVariant, testing::Values("fixed"),
                         [](const auto& info) { return std::string(info.param); });

TEST_P(CleanVariant, RandomSchedulesFindNothing) {
  CheckVariantIsClean(GetParam(), ExploreStrategy::kRandom, 1500);
}

TEST_P(CleanVariant, PctSchedulesFindNothing) {
  CheckVariantIsClean(GetParam(), ExploreStrategy::kPct, 1500);
}

// The model adds nothing that depends on addresses or iteration order: the same programs
// under the same schedules give the same trace, op results included.
TEST(MixedPrograms, AreDeterministic) {
  SmokeRun first = ExploreMixedPrograms("fixed", ExploreStrategy::kPct, 200, 5);
  SmokeRun second = ExploreMixedPrograms("fixed", ExploreStrategy::kPct, 200, 5);
  ASSERT_FALSE(first.result.failed()) << first.result.report;
  EXPECT_EQ(first.result.trace_hash, second.result.trace_hash);
  EXPECT_EQ(first.successes, second.successes);
  SmokeRun other = ExploreMixedPrograms("fixed", ExploreStrategy::kPct, 200, 6);
  EXPECT_NE(first.result.trace_hash, other.result.trace_hash);
}

}  // namespace
}  // namespace racefuzz::heaps
