// ByteStrategy: scheduling decisions read from caller-supplied bytes (a fuzzer's input).
//
// After Apple XNU's unit-test fuzzing scheduler and Project Zero's SockFuzzer: a byte is a
// *countdown* of yield points to let pass before the next preemption, so the bytes scale
// with the number of context switches, not with the number of yield points; at each
// preemption or blocking choice one more byte picks the thread. When the bytes run out the
// strategy never preempts again and falls back to DefaultPick, so every byte string is a
// complete, replayable execution, and few bytes mean few preemptions; or, with a tail
// strategy (SetTail), that strategy decides from there on: the bytes fix the first
// decisions and, for instance, a RandomStrategy seeded from the same input explores the
// rest, still one deterministic execution per input.
#ifndef RACEFUZZ_HARNESS_BYTE_STRATEGY_H_
#define RACEFUZZ_HARNESS_BYTE_STRATEGY_H_

#include <cstdint>
#include <span>

#include "harness/strategy.h"

namespace racefuzz {

class ByteStrategy : public Strategy {
 public:
  // The bytes must outlive every execution run with this strategy.
  explicit ByteStrategy(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  void Reset(std::span<const uint8_t> bytes) { bytes_ = bytes; }
  // Decides once the bytes run out (nullptr: never preempt, DefaultPick). Must outlive the
  // executions; its BeginExecution is called with this strategy's.
  void SetTail(Strategy* tail) { tail_ = tail; }

  void BeginExecution() override;
  bool ShouldPreempt(const YieldContext& context) override;
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current,
                    uint64_t step) override;
  std::string Describe() const override;

  size_t bytes_used() const { return next_; }

 private:
  static constexpr uint32_t kNever = UINT32_MAX;
  bool NextByte(uint8_t& out);
  void LoadCountdown();

  std::span<const uint8_t> bytes_;
  Strategy* tail_ = nullptr;
  size_t next_ = 0;
  uint32_t countdown_ = kNever;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_BYTE_STRATEGY_H_
