// Execute: the one way to run an Input against the dma-heap model.
//
// Logical thread T0 builds nothing itself: it runs the setup lane, spawns T1..Tn (one per
// racing lane that has operations), joins them and then asks the World to check its
// invariants at quiescence. The schedule bytes drive a ByteStrategy. The World is created
// before and destroyed after the execution, so an execution abandoned after a failure
// (FailurePolicy::kReturn) still frees everything. Every fuzz target, the standalone driver,
// `racefuzz run`, the minimiser and the regression tests go through here.
#ifndef RACEFUZZ_FUZZ_EXECUTE_H_
#define RACEFUZZ_FUZZ_EXECUTE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "fuzz/program.h"
#include "harness/interleaving_observer.h"
#include "harness/scheduler.h"
#include "heaps/variant.h"

namespace racefuzz::fuzz {

struct ExecuteOptions {
  FailurePolicy on_failure = FailurePolicy::kReturn;
  InterleavingObserver* observer = nullptr;  // optional interleaving feedback
  // Printed after every report: the decoded program and how to reproduce it.
  std::function<std::string()> report_footer;
  // With FailurePolicy::kReturn: receives the full report of a failed execution (the
  // scheduler can only format it while the execution's options are alive).
  std::string* report_out = nullptr;
  // With report_out: the report is formatted only if this returns true for the failure (a
  // campaign skips bugs it already has, and formatting the race diagram would be a large
  // part of such an execution). nullptr: always.
  std::function<bool(const Failure&)> report_if;
  // A program of at most 63 operations needs a few thousand scheduling points; more means a
  // livelock in the model.
  uint64_t step_budget = 100000;
  // The scheduling strategy; nullptr means a ByteStrategy over the input's schedule bytes
  // (what every fuzz target uses). Schedule searches for a fixed program (bench/ttb_driver:
  // random schedules, PCT) pass their own and ignore the schedule bytes. Not owned.
  Strategy* strategy = nullptr;
  // ExecutionOptions::summarize: the result's trace hash and decision list.
  bool summarize = true;
};

ExecutionResult Execute(const Input& input, const heaps::Variant& variant,
                        const ExecuteOptions& options);

// The stress-test baseline: the same program on real std::threads (one per racing lane)
// with no scheduler, so the primitives fall back to real synchronisation and the OS
// chooses the interleaving - what a developer writes without racefuzz. Not deterministic.
// A bug ends the process (ReportBug aborts outside an execution; sanitizers report as
// usual); otherwise this returns after the invariant check at quiescence.
void ExecuteOnRealThreads(const Program& program, const heaps::Variant& variant);

// The race diagram of the last execution run by Execute() in this process, whether it
// failed or not (`racefuzz replay --trace`): for writing schedules by hand.
std::string LastExecutionDiagram(const Input& input);
// The trace of the last execution run by Execute() in this process (determinism checks).
const Trace& LastExecutionTrace();

// The footer every report carries: the program in text form and the command that replays
// `file` (a placeholder when the file is not known yet, e.g. inside a fuzzing engine).
std::string ReportFooter(const Input& input, const heaps::Variant& variant,
                         const std::string& file);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_EXECUTE_H_
