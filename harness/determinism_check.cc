#include "harness/determinism_check.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace racefuzz {

std::string FirstTraceDifference(const std::string& first_dump, const std::string& second_dump) {
  const std::vector<absl::string_view> a = absl::StrSplit(first_dump, '\n', absl::SkipEmpty());
  const std::vector<absl::string_view> b = absl::StrSplit(second_dump, '\n', absl::SkipEmpty());
  const absl::string_view kEnd = "<end of trace>";
  for (size_t i = 0; i < a.size() || i < b.size(); ++i) {
    const absl::string_view x = i < a.size() ? a[i] : kEnd;
    const absl::string_view y = i < b.size() ? b[i] : kEnd;
    if (x != y) return absl::StrFormat("trace event %d: `%s` vs `%s`", i, x, y);
  }
  return "";
}

DeterminismVerdict RunTwiceAndCompare(absl::FunctionRef<ExecutionResult()> run_once,
                                      absl::FunctionRef<const Trace&()> last_trace) {
  DeterminismVerdict verdict;
  verdict.result = run_once();
  const std::string first_dump = last_trace().Dump();
  const ExecutionResult second = run_once();
  const std::string second_dump = last_trace().Dump();
  verdict.first_hash = verdict.result.trace_hash;
  verdict.second_hash = second.trace_hash;

  std::string difference = FirstTraceDifference(first_dump, second_dump);
  if (difference.empty() && verdict.first_hash != verdict.second_hash) {
    difference = "trace dumps equal but hashes differ (text of an annotation?)";
  }
  const std::string first_decisions = FormatDecisionList(verdict.result.decisions);
  const std::string second_decisions = FormatDecisionList(second.decisions);
  if (difference.empty() && first_decisions != second_decisions) {
    difference = absl::StrFormat("decisions `%s` vs `%s`", first_decisions, second_decisions);
  }
  if (difference.empty() && verdict.result.steps != second.steps) {
    difference = absl::StrFormat("%d vs %d scheduling points", verdict.result.steps, second.steps);
  }
  const std::string first_failure = verdict.result.failure.Signature();
  const std::string second_failure = second.failure.Signature();
  if (difference.empty() && first_failure != second_failure) {
    difference = absl::StrFormat("outcome `%s` vs `%s`", first_failure, second_failure);
  }
  verdict.diverged = !difference.empty();
  verdict.first_difference = std::move(difference);
  return verdict;
}

Failure DeterminismVerdict::AsFailure() const {
  Failure failure;
  if (!diverged) return failure;
  failure.kind = FailureKind::kNondeterminism;
  failure.title = "the same input gave two different executions";
  failure.details = Describe();
  return failure;
}

std::string DeterminismVerdict::Describe() const {
  if (!diverged) return "";
  return absl::StrFormat(
      "racefuzz error: nondeterminism: the same input ran twice with trace hashes %016x and "
      "%016x; first difference: %s. Something outside the schedule (a global kept between "
      "executions, time, an address, unordered iteration) steers the code under test; this is "
      "an error of the harness set-up, not a bug found in the code under test.",
      first_hash, second_hash, first_difference);
}

}  // namespace racefuzz
