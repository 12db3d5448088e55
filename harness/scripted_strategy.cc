#include "harness/scripted_strategy.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "harness/default_pick.h"

namespace racefuzz {
namespace {

// "label" or "label(object)".
bool LabelMatches(absl::string_view wanted, const YieldContext& context) {
  const absl::string_view label(context.label);
  if (wanted == label) return true;
  if (context.object == nullptr) return false;
  const absl::string_view object(context.object);
  return wanted.size() == label.size() + object.size() + 2 && absl::StartsWith(wanted, label) &&
         wanted[label.size()] == '(' && wanted.substr(label.size() + 1, object.size()) == object &&
         wanted.back() == ')';
}

}  // namespace

void ScriptedStrategy::BeginExecution() {
  next_ = 0;
  seen_ = 0;
  pending_ = kNoThread;
}

bool ScriptedStrategy::ShouldPreempt(const YieldContext& context) {
  if (next_ >= rules_.size()) return false;
  const SwitchRule& rule = rules_[next_];
  if (context.current != rule.at_thread) return false;
  if (!LabelMatches(rule.at_label, context)) return false;
  if (++seen_ < rule.occurrence) return false;
  pending_ = rule.run;
  ++next_;
  seen_ = 0;
  return true;
}

ThreadId ScriptedStrategy::PickNext(std::span<const ThreadId> runnable, ThreadId current,
                                    uint64_t) {
  const ThreadId wanted = pending_;
  pending_ = kNoThread;
  if (wanted != kNoThread &&
      std::find(runnable.begin(), runnable.end(), wanted) != runnable.end()) {
    return wanted;
  }
  return DefaultPick(runnable, current);
}

std::string ScriptedStrategy::Describe() const {
  return absl::StrFormat("scripted(%d rules, %d fired)", rules_.size(), next_);
}

}  // namespace racefuzz
