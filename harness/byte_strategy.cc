#include "harness/byte_strategy.h"

#include "absl/strings/str_cat.h"
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
  if (tail_ != nullptr) tail_->BeginExecution();
}

bool ByteStrategy::ShouldPreempt(const YieldContext& context) {
  if (countdown_ == kNever) return tail_ != nullptr && tail_->ShouldPreempt(context);
  if (countdown_ > 0) {
    --countdown_;
    return false;
  }
  return true;  // PickNext reads the thread byte, then the next countdown
}

ThreadId ByteStrategy::PickNext(std::span<const ThreadId> runnable, ThreadId current,
                                uint64_t step) {
  uint8_t b;
  ThreadId next;
  if (!NextByte(b)) {
    next = tail_ != nullptr ? tail_->PickNext(runnable, current, step)
                            : DefaultPick(runnable, current);
  } else if (current != kNoThread) {
    next = NthOther(runnable, current, b);
  } else {
    next = runnable[b % runnable.size()];
  }
  if (current != kNoThread) LoadCountdown();  // a preemption consumed the countdown
  return next;
}

std::string ByteStrategy::Describe() const {
  std::string text = absl::StrFormat("bytes(%d of %d used)", next_, bytes_.size());
  if (tail_ != nullptr) absl::StrAppend(&text, " then ", tail_->Describe());
  return text;
}

}  // namespace racefuzz
