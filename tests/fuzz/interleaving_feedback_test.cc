#include "fuzz/interleaving_feedback.h"

#include <algorithm>
#include <vector>

#include "fuzz/execute.h"
#include "fuzz/text_form.h"
#include "gtest/gtest.h"

namespace racefuzz::fuzz {
namespace {

// The counters one execution of `text` sets, on the fixed variant (no bug stops it early).
std::vector<uint8_t> CountersOf(const char* text) {
  auto input = ParseText(text);
  EXPECT_TRUE(input.ok()) << input.status();
  std::span<uint8_t> counters = InterleavingCounters();
  std::fill(counters.begin(), counters.end(), 0);
  InterleavingFeedback feedback;
  ExecuteOptions options;
  options.observer = &feedback;
  const ExecutionResult result = Execute(*input, *heaps::Variant::FromName("fixed"), options);
  EXPECT_FALSE(result.failed()) << result.failure.title;
  return std::vector<uint8_t>(counters.begin(), counters.end());
}

constexpr const char* kProgram = R"(threads 2
T0: add system heap0
T1: f0 = open heap0
T1: close f0
T2: f1 = open heap0
T2: close f1
schedule %s
)";

std::string WithSchedule(const char* schedule) {
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), kProgram, schedule);
  return buffer;
}

TEST(InterleavingFeedbackTest, ReadsFromPairsReachTheCounters) {
  const std::vector<uint8_t> counters = CountersOf(WithSchedule("-").c_str());
  EXPECT_GT(std::count_if(counters.begin(), counters.end(), [](uint8_t c) { return c > 0; }), 0);
}

TEST(InterleavingFeedbackTest, EachBucketCountsOncePerExecution) {
  // Two opens and closes of one heap read the same locks and refcounts from the same sites
  // several times over; a bucket is still marked once, so a longer program is no new
  // feature by repetition alone.
  const std::vector<uint8_t> counters = CountersOf(WithSchedule("-").c_str());
  EXPECT_TRUE(std::all_of(counters.begin(), counters.end(), [](uint8_t c) { return c <= 1; }));

  // One feedback object across executions (as in a fuzz target): every execution marks its
  // buckets again, whatever the one before it marked.
  auto input = ParseText(WithSchedule("-").c_str());
  ASSERT_TRUE(input.ok());
  std::span<uint8_t> live = InterleavingCounters();
  InterleavingFeedback feedback;
  ExecuteOptions options;
  options.observer = &feedback;
  for (int run = 0; run < 2; ++run) {
    std::fill(live.begin(), live.end(), 0);  // what libFuzzer does before every input
    Execute(*input, *heaps::Variant::FromName("fixed"), options);
    EXPECT_EQ(std::vector<uint8_t>(live.begin(), live.end()), counters) << "execution " << run;
  }
}

TEST(InterleavingFeedbackTest, SameScheduleSameCountersOtherScheduleNewOnes) {
  const std::vector<uint8_t> serial = CountersOf(WithSchedule("-").c_str());
  EXPECT_EQ(CountersOf(WithSchedule("-").c_str()), serial) << "feedback must be deterministic";
  // Interleave the two opens: some lock or refcount is now read from the other thread's
  // write site, a pair the serial run never had.
  bool new_pair = false;
  for (const char* schedule : {"00 00 03 01", "00 00 05 01", "00 00 08 01", "00 01 02 01"}) {
    const std::vector<uint8_t> mixed = CountersOf(WithSchedule(schedule).c_str());
    for (size_t i = 0; i < mixed.size(); ++i) new_pair |= mixed[i] > 0 && serial[i] == 0;
  }
  EXPECT_TRUE(new_pair);
}

}  // namespace
}  // namespace racefuzz::fuzz
