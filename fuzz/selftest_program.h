// The harness self-test program: concurrent code that is correct by construction, for
// fuzzing the HARNESS (harness_selftest_fuzzer). Any report on it, from racefuzz or a
// sanitizer, is a false positive of the harness: a bug in the scheduler, a primitive's
// model, its TSan annotations, fiber stacks or unwinding.
//
// Up to 9 worker threads (plus T0, plus one child per spawn operation) each run a short
// list of operations over shared state, every access protected the way the kernel would:
//   kLockedIncrement   mutex_lock; counter++; mutex_unlock
//   kTryLockIncrement  mutex_trylock; on success counter++ (counted); mutex_unlock
//   kRwTransfer        down_write; move one unit between a and b (a + b constant); up_write
//   kRwRead            down_read; check a + b; up_read
//   kLookupUse         registry lookup with kref_get_unless_zero under the registry lock,
//                      use the object, an extra kref_get/kref_put, kref_put_mutex
//   kRemove            drop the registry's reference (once) with kref_put_mutex; the
//                      release unlinks the object under the lock and frees it
//   kCreate            publish a new object when the registry is empty
//   kWaitCompletion    wait_for_completion on data T0 publishes, then read it
//   kTakeToken         wait_event until T0 has posted a token, claim it with cmpxchg and
//                      read the slot T0 wrote before posting
//   kAtomicAdd         atomic_inc
//   kSpawnChild        spawn a child that does kLockedIncrement, join it
// T0 spawns the workers, publishes the completion's data and one token per kTakeToken,
// joins everyone and checks the totals. Objects are heap-allocated, so a harness that
// breaks the refcount protocol's ordering shows up as an ASan use-after-free.
#ifndef RACEFUZZ_FUZZ_SELFTEST_PROGRAM_H_
#define RACEFUZZ_FUZZ_SELFTEST_PROGRAM_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace racefuzz::fuzz::selftest {

enum class Op : uint8_t {
  kLockedIncrement,
  kTryLockIncrement,
  kRwTransfer,
  kRwRead,
  kLookupUse,
  kRemove,
  kCreate,
  kWaitCompletion,
  kTakeToken,
  kAtomicAdd,
  kSpawnChild,
};
inline constexpr int kNumOps = 11;
inline constexpr int kMaxWorkers = 9;

struct Program {
  std::vector<std::vector<Op>> workers;  // 2..kMaxWorkers lists of 1..4 operations
};

// Which strategy drives the execution.
enum class Mode : uint8_t { kBytes, kRandom, kPct };

// A fuzz input: the program, then the strategy and what it needs.
struct SelftestInput {
  Program program;
  Mode mode = Mode::kBytes;
  uint32_t pct_depth = 1;
  uint64_t seed = 0;                 // kRandom, kPct
  std::span<const uint8_t> schedule;  // kBytes (points into the fuzz input)
};

// Every byte string decodes:
//   byte 0      bits 1-0: mode (bytes, random, pct; 3 = bytes), bits 3-2: pct depth - 1
//   byte 1      workers = 2 + byte % 8
//   per worker  1 + byte % 4 operations, then one byte per operation (% kNumOps)
//   rest        schedule bytes (mode bytes), or a little-endian seed (random, pct)
// Missing bytes read as 0.
SelftestInput DecodeSelftest(std::span<const uint8_t> data);

std::string DescribeSelftest(const SelftestInput& input);

// Runs the program as logical thread T0 of the running execution.
void RunSelftestProgram(const Program& program);

}  // namespace racefuzz::fuzz::selftest

#endif  // RACEFUZZ_FUZZ_SELFTEST_PROGRAM_H_
