#include "harness/yield.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_format.h"
#include "harness/sanitizer_hooks.h"
#include "harness/scheduler.h"

namespace racefuzz {

void Yield(const char* label, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  if (Scheduler* s = Scheduler::Active()) s->YieldPoint(label, location);
}

void Spin(const char* object, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  if (Scheduler* s = Scheduler::Active()) s->SpinPoint("spin", location, object);
}

void Annotate(std::string_view text, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  if (Scheduler* s = Scheduler::Active()) s->Annotate(text, location);
}

std::string& AnnotationScratch() {
  thread_local std::string text;
  text.clear();
  return text;
}

void ReportBug(FailureKind kind, std::string title, std::string details, SourceLocation location) {
  sanitizer::HarnessScope harness_scope;
  if (Scheduler* s = Scheduler::Active(); s != nullptr && s->CurrentThread() != kNoThread) {
    s->Fail(kind, std::move(title), std::move(details), location);
  }
  std::fprintf(stderr, "\n==racefuzz== BUG [%s]: %s\n  at %s:%d\n%s\n", FailureKindName(kind),
               title.c_str(), std::string(location.Basename()).c_str(), location.line,
               details.c_str());
  std::abort();
}

}  // namespace racefuzz
