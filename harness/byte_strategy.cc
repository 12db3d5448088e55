#include "harness/byte_strategy.h"

#include "absl/strings/str_format.h"
#include "harness/default_pick.h"

namespace racefuzz {

bool ByteStrategy::NextByte(uint8_t& out) {
  if (next_ >= bytes_.size()) return false;
  out = bytes_[next_++];
  return true;
}

void ByteStrategy::LoadCountdown() {
  uint8_t b;
  countdown_ = NextByte(b) ? b : kNever;
}

void ByteStrategy::BeginExecution() {
  next_ = 0;
  LoadCountdown();
}

bool ByteStrategy::ShouldPreempt(const YieldContext&) {
  if (countdown_ == kNever) return false;
  if (countdown_ > 0) {
    --countdown_;
    return false;
  }
  return true;  // PickNext reads the thread byte, then the next countdown
}

ThreadId ByteStrategy::PickNext(std::span<const ThreadId> runnable, ThreadId current,
                                uint64_t) {
  uint8_t b;
  ThreadId next;
  if (!NextByte(b)) {
    next = DefaultPick(runnable, current);
  } else if (current != kNoThread) {
    next = NthOther(runnable, current, b);
  } else {
    next = runnable[b % runnable.size()];
  }
  if (current != kNoThread) LoadCountdown();  // a preemption consumed the countdown
  return next;
}

std::string ByteStrategy::Describe() const {
  return absl::StrFormat("bytes(%d of %d used)", next_, bytes_.size());
}

}  // namespace racefuzz
