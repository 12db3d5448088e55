// DecisionList: the replayable record of an execution's scheduling choices.
//
// Only choices that differ from the deterministic default are recorded:
//   - a preemption: at yield point `step`, the running thread was switched for `thread`;
//   - a pick: at a blocking or exit point `step`, `thread` ran instead of the lowest-id
//     runnable thread.
// Replaying the list against the same program reproduces the execution exactly, because at
// every other scheduling point the default (keep running; else the lowest runnable id) is
// taken. The text form is "step:Tthread" items separated by spaces, e.g. "12:T1 40:T0";
// an empty list is "-".
#ifndef RACEFUZZ_HARNESS_DECISION_LIST_H_
#define RACEFUZZ_HARNESS_DECISION_LIST_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "harness/strategy.h"

namespace racefuzz {

struct Decision {
  uint64_t step = 0;
  ThreadId thread = 0;
  bool operator==(const Decision&) const = default;
};

using DecisionList = std::vector<Decision>;

std::string FormatDecisionList(const DecisionList& decisions);
absl::StatusOr<DecisionList> ParseDecisionList(absl::string_view text);

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_DECISION_LIST_H_
