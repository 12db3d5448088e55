// Determinism across builds: the same decisions must give the same trace in the dev, asan
// and tsan builds. Every build compares its traces with one golden file; regenerate it with
// RACEFUZZ_UPDATE_GOLDEN=1 after an intended change to the workload or to trace content.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "harness/byte_strategy.h"
#include "harness/pct_strategy.h"
#include "harness/random_strategy.h"
#include "harness/scheduler.h"
#include "tests/harness/determinism_workload.h"

namespace racefuzz {
namespace {

std::string RunAndDescribe(Scheduler& scheduler, Strategy& strategy, void (*workload)()) {
  ExecutionOptions options;
  options.strategy = &strategy;
  ExecutionResult r = scheduler.Run(options, [workload] { workload(); });
  std::string out = absl::StrFormat("== %s: hash %016x, %d steps, decisions %s, %s\n",
                                    strategy.Describe(), r.trace_hash, r.steps,
                                    FormatDecisionList(r.decisions),
                                    r.failed() ? r.failure.Signature() : "clean");
  out += scheduler.trace().Dump();
  if (r.failed()) out += scheduler.FormatReport(r.failure);
  return out;
}

std::string AllTraces() {
  Scheduler scheduler;
  std::string out;
  const std::vector<std::vector<uint8_t>> byte_inputs = {
      {}, {0, 1, 0, 1}, {3, 0, 2, 1, 5, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {9, 2, 0, 0, 4}};
  for (const auto& bytes : byte_inputs) {
    ByteStrategy strategy(bytes);
    out += RunAndDescribe(scheduler, strategy, &testing::DeterminismWorkload);
  }
  RandomStrategy random(77);
  for (int i = 0; i < 3; ++i) out += RunAndDescribe(scheduler, random, &testing::DeterminismWorkload);
  PctStrategy pct(3, 5);
  for (int i = 0; i < 3; ++i) out += RunAndDescribe(scheduler, pct, &testing::DeterminismWorkload);
  for (uint8_t b = 0; b < 4; ++b) {
    const std::vector<uint8_t> bytes = {0, 1, b, 0};
    ByteStrategy strategy(bytes);
    out += RunAndDescribe(scheduler, strategy, &testing::DeadlockWorkload);
  }
  return out;
}

TEST(DeterminismTest, TracesMatchTheGoldenFileInEveryBuild) {
  const std::string path = std::string(RACEFUZZ_GOLDEN_DIR) + "/determinism_golden.txt";
  const std::string actual = AllTraces();
  ASSERT_EQ(actual, AllTraces()) << "two runs in one process differ";
  if (std::getenv("RACEFUZZ_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual;
    GTEST_SKIP() << "golden file rewritten: " << path;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing " << path << "; run with RACEFUZZ_UPDATE_GOLDEN=1";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(actual, golden.str()) << "traces differ from " << path;
}

}  // namespace
}  // namespace racefuzz
