// IsolatedRun: one execution in a forked child process, its output captured.
//
// A sanitizer that finds a bug ends the process, so anything that runs one input against
// several variants (`racefuzz run --variant all`) or many candidate inputs (the minimiser)
// runs each in a child: the child executes with FailurePolicy::kAbort exactly as a fuzz
// target does, and the parent reads what it printed and how it ended.
#ifndef RACEFUZZ_FUZZ_ISOLATED_RUN_H_
#define RACEFUZZ_FUZZ_ISOLATED_RUN_H_

#include <string>

#include "absl/status/statusor.h"
#include "fuzz/program.h"
#include "heaps/variant.h"

namespace racefuzz::fuzz {

struct IsolatedOutcome {
  std::string output;     // stdout and stderr of the child
  bool crashed = false;   // killed by a signal or exited non-zero
  std::string signature;  // SignatureFromReport(output, crashed)
};

// `file` names the input in the report's reproduce line. `timeout_seconds` bounds a child
// that hangs (a model bug the step budget does not catch, e.g. a real deadlock).
absl::StatusOr<IsolatedOutcome> RunIsolated(const Input& input, const heaps::Variant& variant,
                                            const std::string& file, int timeout_seconds = 20);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_ISOLATED_RUN_H_
