// The deterministic default choice every strategy falls back to: keep running the current
// thread; when it cannot run, run the lowest-id runnable thread. DecisionList records only
// departures from this rule, which is why it must be the same everywhere.
#ifndef RACEFUZZ_HARNESS_DEFAULT_PICK_H_
#define RACEFUZZ_HARNESS_DEFAULT_PICK_H_

#include <algorithm>
#include <span>

#include "harness/strategy.h"

namespace racefuzz {

inline ThreadId DefaultPick(std::span<const ThreadId> runnable, ThreadId current) {
  if (current != kNoThread &&
      std::find(runnable.begin(), runnable.end(), current) != runnable.end()) {
    return current;
  }
  return runnable.front();
}

// The index-th runnable thread other than `current` (runnable has at least two entries
// when current is among them): a preemption that picks the current thread is no preemption.
inline ThreadId NthOther(std::span<const ThreadId> runnable, ThreadId current, size_t index) {
  const bool has_current =
      std::find(runnable.begin(), runnable.end(), current) != runnable.end();
  const size_t choices = runnable.size() - (has_current ? 1 : 0);
  index %= choices;
  for (ThreadId t : runnable) {
    if (t == current) continue;
    if (index-- == 0) return t;
  }
  return runnable.front();
}

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_DEFAULT_PICK_H_
