// Minimize: the smallest input that still shows the same bug (same signature): fewest
// threads, fewest operations, fewest schedule bytes (each schedule byte is at most one
// preemption, so fewer bytes mean fewer preemptions). Works on the program, not on bytes,
// so every candidate is a well-formed program: a greedy delta-debugging pass that tries to
// drop a racing thread, a tail of the schedule, one operation or one schedule byte, keeps
// the first candidate that reproduces, and starts over until nothing can go.
#ifndef RACEFUZZ_FUZZ_MINIMIZE_H_
#define RACEFUZZ_FUZZ_MINIMIZE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fuzz/program.h"

namespace racefuzz::fuzz {

// Every one-step reduction of `input`, largest first. Dropping an operation whose fd
// another kept operation uses would leave a dangling name, so such candidates are skipped.
std::vector<Input> ReductionCandidates(const Input& input);

// Runs a candidate and returns its signature.
using SignatureOf = std::function<absl::StatusOr<std::string>(const Input&)>;

struct MinimizeResult {
  Input input;
  int candidates_tried = 0;
};

absl::StatusOr<MinimizeResult> Minimize(const Input& input, const std::string& signature,
                                        const SignatureOf& signature_of, double max_seconds);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_MINIMIZE_H_
