// Helpers shared by the heaps/ tests: running a closure as one execution under a hand-written
// schedule, and the names of the variants.
#ifndef RACEFUZZ_TESTS_HEAPS_TEST_UTIL_H_
#define RACEFUZZ_TESTS_HEAPS_TEST_UTIL_H_

#include <functional>
#include <string>
#include <vector>

#include "harness/scheduler.h"
#include "harness/scripted_strategy.h"
#include "heaps/variant.h"

namespace racefuzz::heaps {

inline constexpr uint32_t kRdwrCloexec = 02000002;  // O_RDWR | O_CLOEXEC

struct ScriptedRun {
  ExecutionResult result;
  std::string report;  // the full report when it failed
  size_t unfired_rules = 0;
};

// Runs `body` as T0 of one execution under `rules` (FailurePolicy::kReturn).
inline ScriptedRun RunScripted(std::vector<SwitchRule> rules, const std::function<void()>& body) {
  ScriptedStrategy strategy(std::move(rules));
  Scheduler scheduler;
  ExecutionOptions options;
  options.strategy = &strategy;
  options.on_failure = FailurePolicy::kReturn;
  ScriptedRun run;
  run.result = scheduler.Run(options, [&body] { body(); });
  if (run.result.failed()) run.report = scheduler.FormatReport(run.result.failure);
  run.unfired_rules = strategy.unfired_rules();
  return run;
}

inline Variant V(const char* name) { return *Variant::FromName(name); }

inline const std::vector<const char*>& AllVariantNames() {
  static const std::vector<const char*> names = {
      "upstream",           "kref_v1",           "fixed",
      "upstream_tee_fixed", "kref_v1_tee_fixed", "fixed_tee_mainline"};
  return names;
}

}  // namespace racefuzz::heaps

#endif  // RACEFUZZ_TESTS_HEAPS_TEST_UTIL_H_
