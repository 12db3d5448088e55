// ByteStrategy: scheduling decisions read from caller-supplied bytes (a fuzzer's input).
//
// After Apple XNU's unit-test fuzzing scheduler and Project Zero's SockFuzzer: a byte is a
// *countdown* of yield points to let pass before the next preemption, so the bytes scale
// with the number of context switches, not with the number of yield points; at each
// preemption or blocking choice one more byte picks the thread. When the bytes run out the
// strategy never preempts again and falls back to DefaultPick, so every byte string is a
// complete, replayable execution, and few bytes mean few preemptions.
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
  size_t next_ = 0;
  uint32_t countdown_ = kNever;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_BYTE_STRATEGY_H_
