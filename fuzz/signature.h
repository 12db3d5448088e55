// Signature: a stable, directory-safe name for the bug a report shows, used to deduplicate
// findings (findings/<signature>/) and to state the expected outcome of regression inputs.
// It holds no addresses, steps, line numbers or other numbers (digit runs become "n", so
// "fd 3" and "fd 4" are one bug), so it survives unrelated edits:
//   asan.heap-use-after-free.dma_heap_ioctl     sanitizer, bug type, first model function
//   tsan.data-race.dma_heap_release
//   racefuzz.refcount.refcount_t-underflow-use-after-free   harness-detected: kind, title
//   libfuzzer.timeout, crash.unknown            anything else that stopped the process
// A report with no bug gives "clean".
#ifndef RACEFUZZ_FUZZ_SIGNATURE_H_
#define RACEFUZZ_FUZZ_SIGNATURE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace racefuzz::fuzz {

inline constexpr absl::string_view kCleanSignature = "clean";

// The signature of a bug the harness itself detected (FailureKind name and title), the same
// string SignatureFromReport gives for its printed report.
std::string HarnessSignature(absl::string_view kind, absl::string_view title);

// `output` is everything a run printed (stdout and stderr). `crashed` says whether the
// process died (a signal or a non-zero exit), for reports with no recognisable header.
std::string SignatureFromReport(absl::string_view output, bool crashed);

// For an ASan use-after-free report: the first model function of the stack that freed the
// memory ("" if there is none). The same use can follow different frees, which are
// different bugs (B1: dma_heap_release; B13: the module unload's FreeModuleImage).
std::string FreeSite(absl::string_view output);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_SIGNATURE_H_
