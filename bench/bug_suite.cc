#include "bench/bug_suite.h"

#include <algorithm>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "harness/pct_strategy.h"
#include "harness/pos_strategy.h"
#include "harness/random_strategy.h"
#include "harness/scheduler.h"
#include "harness/urw_strategy.h"

namespace racefuzz::bench {

std::span<const SuiteStrategy> AllSuiteStrategies() {
  static const SuiteStrategy kStrategies[] = {
      {"random", "random",
       [](uint64_t seed) -> std::unique_ptr<Strategy> {
         return std::make_unique<RandomStrategy>(seed);
       }},
      {"pct2", "pct d=2",
       [](uint64_t seed) -> std::unique_ptr<Strategy> {
         return std::make_unique<PctStrategy>(2, seed);
       }},
      {"pct3", "pct d=3",
       [](uint64_t seed) -> std::unique_ptr<Strategy> {
         return std::make_unique<PctStrategy>(3, seed);
       }},
      {"pos", "pos",
       [](uint64_t seed) -> std::unique_ptr<Strategy> {
         return std::make_unique<PosStrategy>(seed);
       }},
      {"urw", "urw",
       [](uint64_t seed) -> std::unique_ptr<Strategy> {
         return std::make_unique<UrwStrategy>(seed);
       }},
  };
  return kStrategies;
}

ShapeResult MeasureShape(const BugShape& shape, const SuiteStrategy& strategy, uint64_t trials,
                         uint64_t max_schedules) {
  ShapeResult result;
  Scheduler scheduler;
  for (uint64_t trial = 0; trial < trials; ++trial) {
    std::unique_ptr<Strategy> s = strategy.make(TrialSeed(trial));
    ExecutionOptions options;
    options.strategy = s.get();
    options.summarize = false;
    std::optional<uint64_t> found;
    for (uint64_t schedule = 1; schedule <= max_schedules && !found; ++schedule) {
      const ExecutionResult r = scheduler.Run(options, shape.run);
      if (!r.failed()) continue;
      if (r.failure.kind == FailureKind::kInvariant &&
          absl::StrContains(r.failure.title, "logical threads")) {
        // Scheduler::Spawn refuses more than kMaxThreads ("more than 64 logical threads"),
        // also a kInvariant failure, but not this program's bug.
        result.skipped = absl::StrFormat("the engine refused it: %s", r.failure.title);
        return result;
      }
      if (r.failure.kind == shape.expected) {
        found = schedule;
      } else {
        result.unexpected = absl::StrFormat("%s, trial %d, schedule %d: %s", s->Describe(), trial,
                                            schedule, scheduler.FormatReport(r.failure));
        return result;
      }
    }
    result.schedules.push_back(found);
  }
  return result;
}

std::string FormatCell(const ShapeResult& result, uint64_t max_schedules) {
  if (!result.skipped.empty()) return "skipped";
  if (!result.unexpected.empty()) return "error";
  constexpr uint64_t kMissed = std::numeric_limits<uint64_t>::max();
  std::vector<uint64_t> sorted;
  for (const std::optional<uint64_t>& s : result.schedules) sorted.push_back(s.value_or(kMissed));
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const size_t found = static_cast<size_t>(
      std::count_if(sorted.begin(), sorted.end(), [](uint64_t s) { return s != kMissed; }));
  if (n == 0) return "-";
  std::string median;
  // The upper of the two middle values decides whether the median is a miss.
  if (sorted[n / 2] == kMissed) {
    median = absl::StrFormat(">%d", max_schedules);
  } else if (n % 2 == 1) {
    median = absl::StrFormat("%d", sorted[n / 2]);
  } else {
    const uint64_t sum = sorted[n / 2 - 1] + sorted[n / 2];
    median = sum % 2 == 0 ? absl::StrFormat("%d", sum / 2) : absl::StrFormat("%d.5", sum / 2);
  }
  return absl::StrFormat("%s (%d/%d)", median, found, n);
}

}  // namespace racefuzz::bench
