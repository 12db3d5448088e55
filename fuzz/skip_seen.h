// Skip-seen: a campaign reports each bug signature once and keeps fuzzing.
//
// On kref_v1 many inputs hit a bug the campaign already knows. If every such input ended
// the engine's process, a campaign would spend its time restarting on the same shallow bug.
// With RACEFUZZ_SEEN_DIR (scripts/fuzz.sh sets it) the fuzz target runs each input through
// ExecuteReportingNewBugs, in its own process and without forking:
//   * a bug the harness detects (deadlock, refcount misuse, invariant, step budget) stops
//     the execution under FailurePolicy::kReturn, which unwinds every logical thread, so
//     nothing leaks and the process can go on;
//   * an ASan report, in a build with -fsanitize-recover=address run with
//     ASAN_OPTIONS=halt_on_error=0, lets the code go on; the scheduler stops the execution
//     at its next scheduling point (Scheduler::NoteSanitizerReport) and the report's text
//     is captured off stderr (fuzz/sanitizer_capture.h);
//   * the signature of the report (fuzz/signature.h, the same function the scripts use;
//     for a use-after-free with the function that freed the memory added) is looked up in
//     the campaign's store: seen before, the input counts as clean; new, the
//     full report is printed exactly as FailurePolicy::kAbort prints it, and then either
//     the input is saved as a crash file in the campaign's CrashDirectory
//     (RACEFUZZ_CRASH_DIR, fuzz/crash_directory.h) and the process goes on, or, without
//     one, the process aborts so that the engine saves the input as a crash.
// A report ASan cannot recover from (a SEGV) or any report with halt_on_error=1 still ends
// the process as before, with its text and the race diagram on stderr.
#ifndef RACEFUZZ_FUZZ_SKIP_SEEN_H_
#define RACEFUZZ_FUZZ_SKIP_SEEN_H_

#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "fuzz/crash_directory.h"
#include "fuzz/execute.h"
#include "fuzz/program.h"
#include "harness/failure.h"
#include "heaps/variant.h"

namespace racefuzz::fuzz {

// The signatures a campaign has reported. The store is a directory shared by every process
// of the campaign (libFuzzer's fork-mode jobs): one empty file per signature, created with
// O_EXCL so that exactly one process reports each. Signatures seen here are also kept in
// memory, so a known bug costs no system call.
class SeenSignatures {
 public:
  explicit SeenSignatures(std::string dir) : dir_(std::move(dir)) {}
  // True the first time any process of the campaign asks about `signature`.
  bool FirstTime(const std::string& signature);
  // Whether some process of the campaign has had `signature` (does not record it).
  bool Known(const std::string& signature) const;

 private:
  std::string dir_;
  mutable std::set<std::string> known_;
};

// The text a run with FailurePolicy::kAbort would have printed for this execution, given
// the sanitizer output captured during it and the harness's report (empty if the execution
// did not fail). A failure the harness detected itself is the first bug: sanitizer output
// after it came from unwinding the abandoned execution, which a kAbort run never reaches.
std::string FindingText(FailureKind failure, absl::string_view sanitizer_output,
                        absl::string_view report);

// The key of this failure in the store, without formatting its report: for a harness
// failure, the signature SignatureFromReport gives its report; for a sanitizer report, that
// signature plus, for a use-after-free, the function that freed the memory (FreeSite).
std::string FailureSignature(const Failure& failure, absl::string_view sanitizer_output);

// Runs `input` once (options.on_failure, report_out and report_if are overridden). Returns the
// result when the execution is clean or shows a bug in `seen`. A new bug's report is printed; then,
// with a `crash_dir`, `bytes` (the input as the engine gave it) are saved there and the
// result is returned; without one (or when saving fails), the process aborts.
ExecutionResult ExecuteReportingNewBugs(const Input& input, const heaps::Variant& variant,
                                        ExecuteOptions options, SeenSignatures& seen,
                                        const CrashDirectory* crash_dir = nullptr,
                                        absl::Span<const uint8_t> bytes = {});

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_SKIP_SEEN_H_
