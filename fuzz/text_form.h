// The text form of an Input: what `racefuzz decode` prints, what seeds and regression
// reproducers are written in, and what every report shows. Example:
//
//   threads 2
//   T0: add system heap0
//   T1: f0 = open heap0
//   T1: f1 = alloc f0 len=4096
//   T2: remove heap0
//   schedule 02 01
//
// ParseText(FormatText(x)) == x for every Input that the byte form can hold.
#ifndef RACEFUZZ_FUZZ_TEXT_FORM_H_
#define RACEFUZZ_FUZZ_TEXT_FORM_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fuzz/program.h"

namespace racefuzz::fuzz {

std::string FormatText(const Input& input);
// One operation as it appears after "Tn: ", e.g. "f1 = alloc f0 len=4096". `result` is
// the op's fd name index, or -1 when it produces none.
std::string FormatOp(const Op& op, int result);
// The same, appended to `out` (no allocation once `out` has grown: the fuzz target labels
// every operation of every execution this way).
void AppendOp(std::string* out, const Op& op, int result);

absl::StatusOr<Input> ParseText(absl::string_view text);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_TEXT_FORM_H_
