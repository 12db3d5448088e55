// Failure: a bug found in the code under test during one execution, as the harness saw it.
#ifndef RACEFUZZ_HARNESS_FAILURE_H_
#define RACEFUZZ_HARNESS_FAILURE_H_

#include <string>

#include "harness/source_location.h"
#include "harness/strategy.h"

namespace racefuzz {

enum class FailureKind {
  kNone,
  kDeadlock,         // no runnable thread while some are unfinished
  kRefcount,         // refcount_t misuse: increment from zero, underflow, saturation
  kInvariant,        // a check of the code under test failed (RACEFUZZ_CHECK, quiescence)
  kStepBudget,       // livelock or endless loop: the execution exceeded its step budget
  kLockMisuse,       // unlock of a lock not held, recursive lock, unlock by non-owner
  kSanitizer,        // ASan, TSan or UBSan stopped the process (death callback)
  kNondeterminism,   // racefuzz error: the same input did not give the same trace
};

const char* FailureKindName(FailureKind kind);

struct Failure {
  FailureKind kind = FailureKind::kNone;
  std::string title;    // one line, e.g. "refcount_t: underflow; use-after-free"
  std::string details;  // more lines, e.g. the wait-for chain of a deadlock
  ThreadId thread = kNoThread;
  SourceLocation location;

  bool failed() const { return kind != FailureKind::kNone; }
  // Stable identity for deduplication: kind, title and site, no addresses or steps.
  std::string Signature() const;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_FAILURE_H_
