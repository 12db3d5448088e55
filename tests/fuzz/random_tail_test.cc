// The random tail (fuzz/program.h): once the schedule bytes run out, a RandomStrategy
// seeded from the schedule bytes decides, so each input is one deterministic random schedule.
#include <set>
#include <string>

#include "fuzz/execute.h"
#include "fuzz/input_codec.h"
#include "fuzz/signature.h"
#include "fuzz/text_form.h"
#include "gtest/gtest.h"
#include "heaps/variant.h"

namespace racefuzz::fuzz {
namespace {

// B8's program (corpora/regressions/B8_unbalanced_put.txt) without its schedule, run on the
// fixed variant, where every schedule of it is clean (on kref_v1 some are ASan reports,
// which end the process in the asan preset).
constexpr const char* kUnbalancedPut = R"(threads 2
T0: add system heap0
T0: find heap0 slot0
T0: put_keep slot0
T1: put_keep slot0
T2: remove heap0
)";

struct Outcome {
  uint64_t trace_hash;
  std::string signature;
};

Outcome RunOnFixed(const Input& input) {
  std::string report;
  ExecuteOptions options;
  options.report_out = &report;
  const ExecutionResult result = Execute(input, *heaps::Variant::FromName("fixed"), options);
  return {result.trace_hash,
          result.failed() ? SignatureFromReport(report, true) : std::string(kCleanSignature)};
}

TEST(RandomTailTest, EachInputIsOneReplayableRandomSchedule) {
  auto parsed = ParseText(kUnbalancedPut);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::set<uint64_t> plain_traces, tail_traces;
  for (int i = 0; i < 64; ++i) {
    // Two decisions: a preemption at the first yield point, and which thread runs then.
    // Without a tail nothing is preempted after that; with one, the rest is the tail's,
    // seeded by the schedule bytes, so each i gives another random schedule.
    Input input = *parsed;
    input.schedule = {0, static_cast<uint8_t>(i)};
    const Outcome plain = RunOnFixed(input);
    input.random_tail = true;
    const Outcome tail = RunOnFixed(input);
    const Outcome again = RunOnFixed(input);
    ASSERT_EQ(tail.trace_hash, again.trace_hash) << "input " << i << " did not replay";
    ASSERT_EQ(tail.signature, again.signature);
    ASSERT_EQ(tail.signature, kCleanSignature) << "input " << i;
    // The byte form keeps the tail: a crash file replays it.
    auto bytes = Encode(input);
    ASSERT_TRUE(bytes.ok());
    ASSERT_EQ(RunOnFixed(Decode(*bytes)).trace_hash, tail.trace_hash);
    plain_traces.insert(plain.trace_hash);
    tail_traces.insert(tail.trace_hash);
  }
  EXPECT_LE(plain_traces.size(), 4u) << "one byte chooses among at most a few threads";
  EXPECT_GT(tail_traces.size(), 16u) << "the tails are not different random schedules";
}

}  // namespace
}  // namespace racefuzz::fuzz
