// Determinism check: runs the same execution twice and compares what happened.
//
// The harness promises that the same strategy decisions give the same trace. Code under
// test can break that promise behind the scheduler's back: it reads the clock, a global
// that survives from one execution to the next, an address, or the order of an unordered
// container. Then a saved crash may not reproduce, and minimisation chases ghosts. This
// check catches it: the execution runs twice, and any difference in the trace hash, the
// decisions, the number of scheduling points or the failure is a racefuzz error of kind
// FailureKind::kNondeterminism, not a bug of the code under test.
//
// SUT-agnostic: the caller says how to run one execution (fresh state each time, a
// strategy that starts from the same point, FailurePolicy::kReturn) and where its trace is.
#ifndef RACEFUZZ_HARNESS_DETERMINISM_CHECK_H_
#define RACEFUZZ_HARNESS_DETERMINISM_CHECK_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "harness/scheduler.h"
#include "harness/trace.h"

namespace racefuzz {

struct DeterminismVerdict {
  bool diverged = false;
  uint64_t first_hash = 0;
  uint64_t second_hash = 0;
  // When diverged: what differs, e.g. "trace event 12: `...` vs `...`".
  std::string first_difference;
  ExecutionResult result;  // of the first run

  // kNondeterminism with both hashes and the first difference (kind kNone if not diverged).
  Failure AsFailure() const;
  // "racefuzz error: nondeterminism: ..." with both hashes and the first difference.
  std::string Describe() const;
};

// Runs `run_once` twice. Each call must run one complete execution with
// FailurePolicy::kReturn; `last_trace` must return the trace of the execution that just ran
// (typically scheduler.trace()).
DeterminismVerdict RunTwiceAndCompare(absl::FunctionRef<ExecutionResult()> run_once,
                                      absl::FunctionRef<const Trace&()> last_trace);

// The first line where two trace dumps differ, as "trace event N: `a` vs `b`" (a missing
// line is shown as <end of trace>), or "" when they are equal.
std::string FirstTraceDifference(const std::string& first_dump, const std::string& second_dump);

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_DETERMINISM_CHECK_H_
