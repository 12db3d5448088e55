// ForkedLoop: runs executions 0, 1, 2, ... in a forked child process until a report with a
// wanted signature appears or time runs out, for the benchmarks (bench/README.md).
//
// A sanitizer report ends the process and a harness report aborts it (FailurePolicy::kAbort,
// as in a fuzz target), so executions run in a child that loops until it dies. The parent
// reads what the child printed, computes the report's signature (fuzz/signature.h) and, when
// it is not the one searched for, forks a new child that goes on at the next execution
// index. The index the child is running lives in shared memory, so a restart neither
// repeats nor skips an execution. Time is wall-clock time in the parent, so it includes
// everything a user would wait for: forks, sanitizer reports and their symbolisation.
#ifndef RACEFUZZ_BENCH_FORKED_LOOP_H_
#define RACEFUZZ_BENCH_FORKED_LOOP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace racefuzz::bench {

struct ForkedLoopOptions {
  // Stop at the first report whose signature starts with one of these (invariant
  // signatures carry a long title); empty = run until the time is up (throughput).
  std::vector<std::string> wanted_signatures;
  double max_seconds = 10;
  // An execution that makes no progress for this long (a real deadlock on real threads)
  // is killed and counted as a report with signature "bench.hang".
  double hang_seconds = 10;
};

struct ForkedLoopResult {
  bool found = false;
  double seconds = 0;  // until the wanted report, or the whole run
  // CPU time (user + system) of the children: on a shared machine, executions per CPU
  // second are the better estimate of the cost per execution.
  double cpu_seconds = 0;
  uint64_t executions = 0;  // executions completed (the one that reported not included)
  std::string signature;    // the wanted report's signature, when found
  std::string report;       // and everything the child printed with it
  // Reports with other signatures on the way: those that ended the child (and restarted
  // it), by signature, and how many the harness returned without ending it.
  std::vector<std::string> other_reports;
  uint64_t other_returned_reports = 0;
};

// `execute(i)` runs execution i in the child. It returns "" for a clean execution, or the
// signature of a bug the harness reported and returned (FailurePolicy::kReturn), which
// costs no restart; a bug that ends the process (a sanitizer, kAbort) is read from the
// child's output instead.
ForkedLoopResult RunForkedLoop(const std::function<std::string(uint64_t)>& execute,
                               const ForkedLoopOptions& options);

}  // namespace racefuzz::bench

#endif  // RACEFUZZ_BENCH_FORKED_LOOP_H_
