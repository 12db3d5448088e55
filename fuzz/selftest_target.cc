// harness_selftest_fuzzer: fuzzes the HARNESS against a program that is correct by
// construction (fuzz/selftest_program.h), with every strategy: the input's bytes drive a
// ByteStrategy, or seed a RandomStrategy or a PctStrategy. Each execution is then replayed
// from its recorded decisions (ReplayStrategy) and must give the same trace hash.
//
// Any report is a harness bug: a racefuzz report (deadlock, refcount, invariant), a
// sanitizer report, a replay that diverges, a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz/fuzz_target.h"
#include "fuzz/interleaving_feedback.h"
#include "fuzz/selftest_program.h"
#include "harness/byte_strategy.h"
#include "harness/pct_strategy.h"
#include "harness/random_strategy.h"
#include "harness/replay_strategy.h"
#include "harness/scheduler.h"

namespace racefuzz::fuzz {
namespace {

std::string current_file;

Scheduler& SelftestScheduler() {
  static Scheduler* scheduler = new Scheduler();
  return *scheduler;
}

std::unique_ptr<Strategy> MakeStrategy(const selftest::SelftestInput& input) {
  switch (input.mode) {
    case selftest::Mode::kRandom: return std::make_unique<RandomStrategy>(input.seed);
    case selftest::Mode::kPct: return std::make_unique<PctStrategy>(input.pct_depth, input.seed);
    case selftest::Mode::kBytes: break;
  }
  return std::make_unique<ByteStrategy>(input.schedule);
}

}  // namespace

void SetCurrentInputFile(std::string file) { current_file = std::move(file); }

}  // namespace racefuzz::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace racefuzz;
  using namespace racefuzz::fuzz;
  const selftest::SelftestInput input = selftest::DecodeSelftest({data, size});
  std::unique_ptr<Strategy> strategy = MakeStrategy(input);  // fresh per input
  ExecutionOptions options;
  options.strategy = strategy.get();
  options.on_failure = FailurePolicy::kAbort;  // any report is a harness false positive
  options.observer = TargetInterleavingFeedback();
  options.report_footer = [&input] {
    return selftest::DescribeSelftest(input) + "Input: " +
           (current_file.empty() ? std::string("<the crash file>") : current_file) + "\n";
  };
  Scheduler& scheduler = SelftestScheduler();
  auto body = [&input] { selftest::RunSelftestProgram(input.program); };
  ExecutionResult result = scheduler.Run(options, body);
  if (input.mode == selftest::Mode::kPct) {
    // PCT places its priority change points from the length of an earlier execution.
    result = scheduler.Run(options, body);
  }

  ReplayStrategy replay(result.decisions);
  options.strategy = &replay;
  const ExecutionResult replayed = scheduler.Run(options, body);
  if (replayed.trace_hash != result.trace_hash || replay.divergence().has_value()) {
    std::fprintf(stderr,
                 "racefuzz: harness bug: replaying decisions `%s` gave trace hash %016llx, the "
                 "original run %016llx%s\n%s",
                 FormatDecisionList(result.decisions).c_str(),
                 static_cast<unsigned long long>(replayed.trace_hash),
                 static_cast<unsigned long long>(result.trace_hash),
                 replay.divergence().has_value() ? " (a decision could not be replayed)" : "",
                 options.report_footer().c_str());
    std::abort();
  }
  return 0;
}
