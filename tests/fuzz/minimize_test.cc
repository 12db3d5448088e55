#include "fuzz/minimize.h"

#include "fuzz/text_form.h"
#include "gtest/gtest.h"

namespace racefuzz::fuzz {
namespace {

Input Parse(const char* text) {
  auto input = ParseText(text);
  EXPECT_TRUE(input.ok()) << input.status();
  return *input;
}

// A stand-in for running the model: the "bug" needs T1 to open heap0 and some thread to
// remove heap0, and a schedule whose first byte is 02.
absl::StatusOr<std::string> FakeSignature(const Input& input) {
  bool open = false, remove = false;
  for (int lane = 1; lane < kNumLanes; ++lane) {
    for (const Op& op : input.program.lanes[lane]) {
      open |= lane == 1 && op.kind == OpKind::kOpenHeap && op.heap == 0;
      remove |= op.kind == OpKind::kRemoveHeap && op.heap == 0;
    }
  }
  const bool scheduled = !input.schedule.empty() && input.schedule[0] == 0x02;
  return open && remove && scheduled ? "bug" : "clean";
}

TEST(MinimizeTest, KeepsOnlyWhatTheBugNeeds) {
  const Input big = Parse(R"(threads 3
T0: add system heap0
T1: f0 = open heap0
T1: f1 = dup f0
T1: close f1
T2: find heap1 slot0
T2: put slot0
T3: remove heap1
T3: remove heap0
schedule 02 01 07 00 05
)");
  auto result = Minimize(big, "bug", FakeSignature, 30);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(FormatText(result->input),
            "threads 1\nT1: f0 = open heap0\nT1: remove heap0\n"
            "schedule 02\n");
}

// A random tail the bug does not need is dropped; one it needs (here: the fake bug wants
// the tail) is kept by every reduction.
TEST(MinimizeTest, DropsTheRandomTailOnlyWhenTheBugDoesNotNeedIt) {
  const Input with_tail = Parse(
      "threads 2\nT0: add system heap0\nT1: f0 = open heap0\nT2: remove heap0\n"
      "schedule 02 01 random\n");
  auto dropped = Minimize(with_tail, "bug", FakeSignature, 30);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_FALSE(dropped->input.random_tail);
  auto needs_tail = [](const Input& input) -> absl::StatusOr<std::string> {
    auto plain = FakeSignature(input);
    if (!plain.ok() || *plain != "bug") return plain;
    return input.random_tail ? "bug" : "clean";
  };
  auto kept = Minimize(with_tail, "bug", needs_tail, 30);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(FormatText(kept->input),
            "threads 1\nT1: f0 = open heap0\nT1: remove heap0\nschedule 02 random\n");
}

TEST(MinimizeTest, MergesAThreadIntoThePreviousOneKeepingFdNames) {
  const Input input = Parse(
      "T0: f0 = open heap2\nT1: f1 = open heap0\nT2: f2 = dup f1\n"
      "T2: close f0\n");
  bool found = false;
  for (const Input& candidate : ReductionCandidates(input)) {
    found |= FormatText(candidate) ==
             "threads 1\nT0: f0 = open heap2\nT1: f1 = open heap0\nT1: f2 = dup f1\n"
             "T1: close f0\nschedule -\n";
  }
  EXPECT_TRUE(found);
  found = false;
  for (const Input& candidate : ReductionCandidates(input)) {
    // T1 into the setup lane: T0's ops first, so every name keeps pointing at its op.
    found |= FormatText(candidate) ==
             "threads 1\nT0: f0 = open heap2\nT0: f1 = open heap0\nT1: f2 = dup f1\n"
             "T1: close f0\nschedule -\n";
  }
  EXPECT_TRUE(found);
}

TEST(MinimizeTest, RenumbersThreadsWhenALowerOneIsEmpty) {
  const Input input = Parse("threads 3\nT0: add tee heap1\nT2: add tee heap0\n");
  // The "bug" needs both operations, so only the threads can go: T2 moves down, then into
  // the setup lane.
  auto result = Minimize(
      input, "bug",
      [](const Input& candidate) -> absl::StatusOr<std::string> {
        return candidate.program.NumOps() == 2 ? "bug" : "clean";
      },
      30);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(FormatText(result->input),
            "threads 1\nT0: add tee heap1\nT0: add tee heap0\nschedule -\n");
}

TEST(MinimizeTest, NeverLeavesADanglingFdName) {
  const Input input = Parse("T1: f0 = open heap0\nT1: close f0\n");
  for (const Input& candidate : ReductionCandidates(input)) {
    for (const Op& op : candidate.program.lanes[1]) {
      if (op.kind == OpKind::kClose) EXPECT_LT(op.fd.value, candidate.program.NumResults());
    }
  }
}

TEST(MinimizeTest, RenumbersFdNamesAfterADroppedResult) {
  const Input input = Parse("T1: f0 = open heap0\nT1: f1 = open heap1\nT1: close f1\n");
  bool found = false;
  for (const Input& candidate : ReductionCandidates(input)) {
    if (FormatText(candidate) == "threads 1\nT1: f0 = open heap1\nT1: close f0\nschedule -\n") {
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace racefuzz::fuzz
