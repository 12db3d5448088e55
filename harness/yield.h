// Yield points, annotations and checks for code under test.
//
// Outside an execution (no active Scheduler, e.g. the real-thread stress baseline) these
// cost one branch and do nothing, except that a failed check still reports and aborts.
#ifndef RACEFUZZ_HARNESS_YIELD_H_
#define RACEFUZZ_HARNESS_YIELD_H_

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/failure.h"
#include "harness/sanitizer_hooks.h"
#include "harness/source_location.h"

namespace racefuzz {

// A point where the kernel could be preempted between two steps that matter.
void Yield(const char* label, SourceLocation location = SourceLocation::Current());
// An iteration of a retry or busy-wait loop: the running thread cannot progress until
// another runs (cpu_relax() in a spin, a failed cmpxchg retried). Every strategy then
// switches to another runnable thread (Scheduler::SpinPoint), so none livelocks there.
// `object` names what it waits for (static storage), or nullptr.
void Spin(const char* object = nullptr, SourceLocation location = SourceLocation::Current());
// Free text in the trace and race diagram, e.g. the operation a thread is starting.
void Annotate(std::string_view text, SourceLocation location = SourceLocation::Current());
// A buffer for building annotation text without a new string per annotation (code under
// test annotates every operation of every execution): emptied by each call; one per OS
// thread, shared by the logical threads on it, so nothing between filling it and Annotate
// may be a scheduling point. It is harness bookkeeping: fill it only inside a
// sanitizer::HarnessScope, as AnnotationText does, or TSan sees the logical threads that
// share it race on it (a false report; the soak found one).
std::string& AnnotationScratch();
// The pieces (anything absl::StrCat takes) concatenated in AnnotationScratch():
// Annotate(AnnotationText("close(fd=", fd, ")")).
template <typename... Pieces>
std::string_view AnnotationText(const Pieces&... pieces) {
  sanitizer::HarnessScope harness_scope;
  std::string& text = AnnotationScratch();
  absl::StrAppend(&text, pieces...);
  return text;
}
// The same with absl::StrFormat's format string.
template <typename... Args>
std::string_view AnnotationFormat(const absl::FormatSpec<Args...>& format, const Args&... args) {
  sanitizer::HarnessScope harness_scope;
  std::string& text = AnnotationScratch();
  absl::StrAppendFormat(&text, format, args...);
  return text;
}
// Reports a bug in the code under test (a failed invariant, a misuse) and stops the
// execution. Never returns.
[[noreturn]] void ReportBug(FailureKind kind, std::string title, std::string details = "",
                            SourceLocation location = SourceLocation::Current());

}  // namespace racefuzz

#define RACEFUZZ_YIELD(label) ::racefuzz::Yield(label)
// Checks an invariant of the code under test; a false condition is a bug report.
#define RACEFUZZ_CHECK(condition, message)                                   \
  do {                                                                       \
    if (!(condition)) {                                                      \
      ::racefuzz::ReportBug(::racefuzz::FailureKind::kInvariant,             \
                            std::string("invariant violated: ") + (message), \
                            "check: " #condition);                           \
    }                                                                        \
  } while (0)

#endif  // RACEFUZZ_HARNESS_YIELD_H_
