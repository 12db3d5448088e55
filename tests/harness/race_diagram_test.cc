#include "harness/race_diagram.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racefuzz {
namespace {

using ::testing::HasSubstr;

TraceEvent Yield(uint64_t step, ThreadId thread, const char* label, int line) {
  return {step, thread, EventKind::kYield, -1, 0, label, {"dir/dma-heap.c", line}};
}

TEST(RaceDiagramTest, OneColumnPerThreadTimeDownFailureMarked) {
  Trace trace;
  trace.Add(Yield(1, 0, "xa_load", 120));
  trace.Add(Yield(2, 1, "cdev_del", 330));
  trace.Add(Yield(3, 1, "kfree", 334));
  trace.Add(Yield(4, 0, "ops->allocate", 150));
  Failure failure;
  failure.kind = FailureKind::kSanitizer;
  failure.thread = 0;
  const std::vector<std::string> names = {"opener", "remover"};
  const std::string diagram = RenderRaceDiagram(trace, names, failure);
  const std::vector<std::string> lines = absl::StrSplit(diagram, '\n');
  ASSERT_GE(lines.size(), 7u);
  EXPECT_THAT(lines[0], HasSubstr("opener"));
  EXPECT_THAT(lines[0], HasSubstr("remover"));
  const size_t column = lines[0].find("remover");
  EXPECT_EQ(lines[2].find("xa_load  dma-heap.c:120"), 0u);
  EXPECT_EQ(lines[3].find("cdev_del"), column) << diagram;
  EXPECT_EQ(lines[4].find("kfree  dma-heap.c:334"), column);
  EXPECT_EQ(lines[5].find("ops->allocate"), 0u);
  EXPECT_THAT(lines[6], HasSubstr("^^^ FAILED HERE (sanitizer report above)"));
  EXPECT_EQ(lines[6].find("^^^"), 0u) << "the mark sits in the failing thread's column";
}

TEST(RaceDiagramTest, LongRunsAreShortened) {
  Trace trace;
  for (int i = 0; i < 50; ++i) trace.Add(Yield(i + 1, 0, "spin", 10));
  trace.Add(Yield(51, 1, "other", 20));
  const std::vector<std::string> names = {"T0", "T1"};
  const std::string diagram = RenderRaceDiagram(trace, names, Failure{});
  EXPECT_THAT(diagram, HasSubstr("... 44 more steps ..."));
  EXPECT_LT(std::count(diagram.begin(), diagram.end(), '\n'), 12);
}

}  // namespace
}  // namespace racefuzz
