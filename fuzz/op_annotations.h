// The annotations the fuzz target writes for every operation of every execution: the
// operation ("f1 = alloc f0 len=4096") before it runs and its result ("returns -EBADF")
// after. The trace hash covers their text, so they cannot be formatted lazily; instead they
// are formatted in AnnotationScratch() (harness/yield.h), which Annotate copies into the
// trace, so an operation allocates nothing once the buffers have grown.
#ifndef RACEFUZZ_FUZZ_OP_ANNOTATIONS_H_
#define RACEFUZZ_FUZZ_OP_ANNOTATIONS_H_

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "fuzz/program.h"
#include "fuzz/text_form.h"
#include "harness/sanitizer_hooks.h"
#include "harness/source_location.h"
#include "harness/yield.h"

namespace racefuzz::fuzz {

// Annotates `op` (text form, fuzz/text_form.h); `result` is its fd name index or -1.
inline void AnnotateOp(const Op& op, int result,
                       SourceLocation location = SourceLocation::Current()) {
  sanitizer::HarnessScope harness_scope;  // the scratch buffer is shared by the fibers
  std::string& text = AnnotationScratch();
  AppendOp(&text, op, result);
  Annotate(text, location);
}

// Annotates an operation's return value: "returns 3", "returns -EBADF".
inline void AnnotateResult(int ret, SourceLocation location = SourceLocation::Current()) {
  sanitizer::HarnessScope harness_scope;  // the scratch buffer is shared by the fibers
  std::string& text = AnnotationScratch();
  const char* name = ret < 0 ? strerrorname_np(-ret) : nullptr;
  if (name != nullptr) {
    absl::StrAppend(&text, "returns -", name);
  } else {
    absl::StrAppend(&text, "returns ", ret);
  }
  Annotate(text, location);
}

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_OP_ANNOTATIONS_H_
