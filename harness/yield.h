// Yield points, annotations and checks for code under test.
//
// Outside an execution (no active Scheduler, e.g. the real-thread stress baseline) these
// cost one branch and do nothing, except that a failed check still reports and aborts.
#ifndef RACEFUZZ_HARNESS_YIELD_H_
#define RACEFUZZ_HARNESS_YIELD_H_

#include <string>

#include "harness/failure.h"
#include "harness/source_location.h"

namespace racefuzz {

// A point where the kernel could be preempted between two steps that matter.
void Yield(const char* label, SourceLocation location = SourceLocation::Current());
// Free text in the trace and race diagram, e.g. the operation a thread is starting.
void Annotate(std::string text, SourceLocation location = SourceLocation::Current());
// Reports a bug in the code under test (a failed invariant, a misuse) and stops the
// execution. Never returns.
[[noreturn]] void ReportBug(FailureKind kind, std::string title, std::string details = "",
                            SourceLocation location = SourceLocation::Current());

}  // namespace racefuzz

#define RACEFUZZ_YIELD(label) ::racefuzz::Yield(label)
// Checks an invariant of the code under test; a false condition is a bug report.
#define RACEFUZZ_CHECK(condition, message)                                              \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      ::racefuzz::ReportBug(::racefuzz::FailureKind::kInvariant,                        \
                            std::string("invariant violated: ") + (message),            \
                            "check: " #condition);                                      \
    }                                                                                   \
  } while (0)

#endif  // RACEFUZZ_HARNESS_YIELD_H_
