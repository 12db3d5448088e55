#include "harness/exhaustive_strategy.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace racefuzz {

uint64_t ExhaustiveStrategy::schedules() const {
  return std::accumulate(by_preemptions_.begin(), by_preemptions_.end(), uint64_t{0});
}

void ExhaustiveStrategy::BeginExecution() {
  depth_ = 0;
  preemptions_ = 0;
  running_pass_ = bound_;
  // A pass's count exists once it runs: a search stopped between passes shows none for the
  // pass it did not start.
  if (by_preemptions_.size() <= bound_) by_preemptions_.resize(bound_ + 1, 0);
}

ThreadId ExhaustiveStrategy::PickNext(std::span<const ThreadId> runnable, ThreadId current,
                                      uint64_t) {
  // At a yield point the running thread is among the runnable ones and continuing is the
  // free choice; after a block, an exit or a spin (current is kNoThread) every option is.
  const bool at_yield = current != kNoThread;
  std::vector<ThreadId> options;
  options.reserve(runnable.size());
  if (at_yield) options.push_back(current);
  for (ThreadId t : runnable) {
    if (t != current) options.push_back(t);
  }
  if (depth_ == path_.size()) {
    path_.push_back(ChoicePoint{std::move(options), 0, at_yield, preemptions_});
  } else if (path_[depth_].options != options || path_[depth_].at_yield != at_yield) {
    nondeterministic_ = true;  // the replayed prefix reached another choice
  }
  const ChoicePoint& point = path_[depth_++];
  const size_t chosen = std::min(point.chosen, point.options.size() - 1);
  if (point.at_yield && chosen != 0) ++preemptions_;
  return point.options[chosen];
}

bool ExhaustiveStrategy::Admissible(const ChoicePoint& point, size_t index) const {
  const uint32_t cost = point.at_yield && index != 0 ? 1 : 0;
  return point.preemptions_before + cost <= bound_;
}

void ExhaustiveStrategy::EndExecution(uint64_t) {
  ++executions_;
  // A deterministic program replays the whole stored path: ending before its last choice
  // point means it went another way.
  if (depth_ != path_.size()) nondeterministic_ = true;
  if (nondeterministic_) {
    done_ = true;
    return;
  }
  // Pass b runs every schedule with at most b preemptions; those with fewer ran in an
  // earlier pass, so each schedule is counted once, in the pass of its own count.
  if (preemptions_ == running_pass_) ++by_preemptions_[running_pass_];
  done_ = !Backtrack();
}

bool ExhaustiveStrategy::Backtrack() {
  while (!path_.empty()) {
    ChoicePoint& point = path_.back();
    for (size_t next = point.chosen + 1; next < point.options.size(); ++next) {
      if (Admissible(point, next)) {
        point.chosen = next;
        return true;
      }
    }
    path_.pop_back();
  }
  if (bound_ >= max_preemptions_) return false;
  ++bound_;  // the next pass: one more preemption allowed, from the first schedule again
  return true;
}

std::string ExhaustiveStrategy::Describe() const {
  // Also read inside a sanitizer report, where the schedule's preemptions so far are the
  // ones that led to the bug (scripts/verify.sh reads them there).
  return absl::StrFormat("exhaustive(at most %d preemptions, pass %d, %d in this schedule)",
                         max_preemptions_, running_pass_, preemptions_);
}

ExhaustiveOutcome ExhaustiveStrategy::Outcome(const Failure* failure) const {
  ExhaustiveOutcome outcome;
  outcome.max_preemptions = max_preemptions_;
  outcome.schedules_by_preemptions = by_preemptions_;
  outcome.nondeterministic = nondeterministic_;
  if (nondeterministic_) {
    outcome.failure_title =
        "the program did not repeat a schedule: it depends on something other than the "
        "scheduler's choices (time, addresses, state left by an earlier execution)";
  } else if (failure != nullptr && failure->failed()) {
    outcome.failed = true;
    outcome.failure_title = failure->title;
    outcome.preemptions = preemptions_;
  }
  outcome.complete = done_ && !outcome.failed && !nondeterministic_;
  return outcome;
}

std::string ExhaustiveOutcome::Summary() const {
  uint64_t total = 0;
  std::vector<std::string> per_bound;
  for (size_t b = 0; b < schedules_by_preemptions.size(); ++b) {
    total += schedules_by_preemptions[b];
    per_bound.push_back(absl::StrFormat("%d: %d", b, schedules_by_preemptions[b]));
  }
  const std::string counts = absl::StrFormat("explored %d schedule%s (by preemptions %s)", total,
                                             total == 1 ? "" : "s", absl::StrJoin(per_bound, ", "));
  if (nondeterministic) return counts + "; no result: " + failure_title;
  if (failed) {
    return absl::StrFormat("%s; bug found in a schedule with %d preemption%s: %s", counts,
                           preemptions, preemptions == 1 ? "" : "s", failure_title);
  }
  if (complete) {
    return absl::StrFormat("%s; no bug with at most %d preemption%s", counts, max_preemptions,
                           max_preemptions == 1 ? "" : "s");
  }
  // The pass that was running when a limit ended the search; the ones before it are whole.
  const size_t pass = schedules_by_preemptions.empty() ? 0 : schedules_by_preemptions.size() - 1;
  const std::string whole =
      pass == 0 ? ""
                : absl::StrFormat("every schedule with at most %d preemption%s ran, and ", pass - 1,
                                  pass - 1 == 1 ? "" : "s");
  return absl::StrFormat("%s; incomplete (time box or schedule cap): %spart of those with %d",
                         counts, whole, pass);
}

}  // namespace racefuzz
