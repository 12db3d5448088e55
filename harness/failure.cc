#include "harness/failure.h"

#include "absl/strings/str_format.h"

namespace racefuzz {

const char* FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone: return "none";
    case FailureKind::kDeadlock: return "deadlock";
    case FailureKind::kRefcount: return "refcount";
    case FailureKind::kInvariant: return "invariant";
    case FailureKind::kStepBudget: return "step-budget";
    case FailureKind::kLockMisuse: return "lock-misuse";
    case FailureKind::kSanitizer: return "sanitizer";
    case FailureKind::kNondeterminism: return "nondeterminism";
  }
  return "unknown";
}

std::string Failure::Signature() const {
  return absl::StrFormat("%s|%s|%s:%d", FailureKindName(kind), title, location.Basename(),
                         location.line);
}

}  // namespace racefuzz
