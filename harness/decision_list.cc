#include "harness/decision_list.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace racefuzz {

std::string FormatDecisionList(const DecisionList& decisions) {
  if (decisions.empty()) return "-";
  std::string out;
  for (const Decision& d : decisions) {
    if (!out.empty()) out += ' ';
    absl::StrAppendFormat(&out, "%d:T%d", d.step, d.thread);
  }
  return out;
}

absl::StatusOr<DecisionList> ParseDecisionList(absl::string_view text) {
  DecisionList out;
  text = absl::StripAsciiWhitespace(text);
  if (text == "-" || text.empty()) return out;
  for (absl::string_view item : absl::StrSplit(text, ' ', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(item, ':');
    absl::string_view thread_text = parts.second;
    Decision d;
    if (!absl::ConsumePrefix(&thread_text, "T") || !absl::SimpleAtoi(parts.first, &d.step) ||
        !absl::SimpleAtoi(thread_text, &d.thread)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "bad decision '%s': expected STEP:TTHREAD such as 12:T1", item));
    }
    if (!out.empty() && d.step <= out.back().step) {
      return absl::InvalidArgumentError(
          absl::StrFormat("decision '%s' is not after step %d: steps must increase", item,
                          out.back().step));
    }
    out.push_back(d);
  }
  return out;
}

}  // namespace racefuzz
