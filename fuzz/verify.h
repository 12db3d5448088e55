// Verify: proof mode for one program of the dma-heap model. Every schedule of the program
// with at most K preemptions runs once (harness/exhaustive_strategy.h), fewest preemptions
// first; `racefuzz verify FILE --variant V --preemptions K` prints what was shown.
//
// The search runs in a forked child, as one process: a sanitizer that finds a bug ends that
// process (with its report and the race diagram), and the parent turns that death into the
// "bug found" exit status. The input's schedule bytes are ignored: its program is what is
// verified.
#ifndef RACEFUZZ_FUZZ_VERIFY_H_
#define RACEFUZZ_FUZZ_VERIFY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "fuzz/program.h"
#include "heaps/variant.h"

namespace racefuzz::fuzz {

// Exit statuses of `racefuzz verify`.
inline constexpr int kVerifyProved = 0;    // no schedule within the bound fails
inline constexpr int kVerifyBugFound = 1;  // a schedule failed: its report is printed
inline constexpr int kVerifyTimedOut = 3;  // the time box ended the search first

struct VerifyOptions {
  uint32_t max_preemptions = 2;
  double max_seconds = 60;  // the time box; 0 for none
};

// Runs the search and prints its report (on a bug) and its summary line; returns one of the
// statuses above, or an error when the child cannot be started.
absl::StatusOr<int> Verify(const Input& input, const heaps::Variant& variant,
                           const std::string& file, const VerifyOptions& options);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_VERIFY_H_
