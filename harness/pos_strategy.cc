#include "harness/pos_strategy.h"

#include <cstring>

#include "absl/strings/str_format.h"

namespace racefuzz {
namespace {

// Objects are compared by name, so the answer never depends on where a string lives.
bool SameObject(const char* a, const char* b) {
  return a != nullptr && b != nullptr && std::strcmp(a, b) == 0;
}

}  // namespace

void PosStrategy::BeginExecution() {
  execution_seed_ = seed_ + executions_++;
  prng_ = Prng(execution_seed_);
  pending_.clear();
  running_ = 0;  // T0 runs first, without a choice
}

PosStrategy::PendingEvent& PosStrategy::EventOf(ThreadId thread) {
  if (thread >= pending_.size()) pending_.resize(thread + 1);
  PendingEvent& event = pending_[thread];
  // A thread seen for the first time (not started yet): its first event gets its priority
  // now. The draw order follows the schedule, which the seed determines.
  if (event.priority == 0) event.priority = FreshPriority();
  return event;
}

void PosStrategy::Executed(ThreadId thread) {
  const char* object = EventOf(thread).object;
  if (object != nullptr) {
    // POS proper: the events that race with the one that ran are re-drawn (in thread-id
    // order, so the draws are reproducible).
    for (ThreadId other = 0; other < pending_.size(); ++other) {
      if (other != thread && SameObject(pending_[other].object, object)) {
        pending_[other].priority = FreshPriority();
      }
    }
  }
  // Basic POS: the thread's next event is a new event with a priority of its own.
  pending_[thread] = PendingEvent{nullptr, FreshPriority()};
}

bool PosStrategy::ShouldPreempt(const YieldContext& context) {
  // The thread handed the processor last blocked or finished and the scheduler switched to
  // the only runnable thread without asking: its event ended there.
  if (running_ != kNoThread && running_ != context.current) Executed(running_);
  // The running thread ran its event and now waits at the next one, this yield point.
  Executed(context.current);
  pending_[context.current].object = context.object;
  running_ = kNoThread;
  return true;  // PickNext runs the highest-priority event, which may be this thread's
}

ThreadId PosStrategy::PickNext(std::span<const ThreadId> runnable, ThreadId current, uint64_t) {
  // Without a current thread the one that ran last blocked or finished: its event ended.
  if (current == kNoThread && running_ != kNoThread) Executed(running_);
  ThreadId best = runnable.front();
  uint64_t best_priority = EventOf(best).priority;
  for (ThreadId t : runnable.subspan(1)) {
    const uint64_t p = EventOf(t).priority;
    if (p > best_priority) {
      best = t;
      best_priority = p;
    }
  }
  running_ = best;
  return best;
}

void PosStrategy::OnSpin(ThreadId thread) {
  if (running_ != kNoThread && running_ != thread) Executed(running_);
  Executed(thread);
  // Below every other event until the spinner runs again (then Executed draws anew).
  pending_[thread].priority = kSpinPriority;
  running_ = kNoThread;
}

std::string PosStrategy::Describe() const {
  return absl::StrFormat("pos(seed=%d)", execution_seed_);
}

}  // namespace racefuzz
