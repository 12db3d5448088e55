// racefuzz_ttb: time to bug of the schedule-search strategies that need a fixed program
// (bench/README.md, issue 6). The fuzzing engines search programs and schedules together
// and are timed by bench/ttb.py around the fuzzer binaries instead.
//
// Takes a program in text form (e.g. corpora/regressions/B1_*.txt; its schedule is ignored)
// and runs it again and again under one strategy until a report with a wanted signature
// appears or --max_seconds pass:
//   random        RandomStrategy(seed): a fresh random walk per execution
//   pct2, pct3    PctStrategy(depth 2 or 3, seed)
//   real_threads  the stress-test baseline: real std::threads, no scheduler
// Executions run in forked children (bench/forked_loop.h): a sanitizer report ends the
// process. Prints one line of key=value pairs.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/forked_loop.h"
#include "bench/tool_flags.h"
#include "fuzz/execute.h"
#include "fuzz/signature.h"
#include "fuzz/text_form.h"
#include "harness/pct_strategy.h"
#include "harness/random_strategy.h"
#include "heaps/variant.h"

ABSL_FLAG(std::string, program, "", "program in text form (its schedule is ignored)");
ABSL_FLAG(std::string, variant, "kref_v1", "model variant");
ABSL_FLAG(std::string, strategy, "random", "random | pct2 | pct3 | real_threads");
ABSL_FLAG(uint64_t, seed, 1, "strategy seed (trial number)");
ABSL_FLAG(double, max_seconds, 10, "time cap");
ABSL_FLAG(std::string, report, "", "if set, the report of the bug found is written there");
ABSL_FLAG(std::string, signature, "",
          "comma-separated report signatures that count as the bug (racefuzz signature)");

namespace racefuzz::bench {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "racefuzz_ttb: %s\n", message.c_str());
  return 2;
}

// Each child process builds its strategy afresh: seeded with the first execution index it
// runs, so executions after a restart get schedules not tried before, and PCT learns its
// step estimate again (a few executions).
std::unique_ptr<Strategy> MakeStrategy(const std::string& name, uint64_t seed, uint64_t first) {
  const uint64_t child_seed = seed * 1000003 + first;
  if (name == "random") return std::make_unique<RandomStrategy>(child_seed);
  if (name == "pct2") return std::make_unique<PctStrategy>(2, child_seed);
  if (name == "pct3") return std::make_unique<PctStrategy>(3, child_seed);
  return nullptr;
}

int Main(int argc, char** argv) {
  ParseToolFlags(argc, argv,
                 "racefuzz_ttb --program FILE.txt --strategy S --seed N --signature SIG "
                 "--max_seconds T");
  const std::string strategy_name = absl::GetFlag(FLAGS_strategy);
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  if (strategy_name != "real_threads" && MakeStrategy(strategy_name, seed, 0) == nullptr) {
    return Fail("unknown --strategy " + strategy_name + " (random, pct2, pct3, real_threads)");
  }
  const auto variant = heaps::Variant::FromName(absl::GetFlag(FLAGS_variant));
  if (!variant) return Fail("unknown --variant " + absl::GetFlag(FLAGS_variant));
  const std::string path = absl::GetFlag(FLAGS_program);
  std::ifstream in(path);
  if (!in) return Fail("cannot read --program '" + path + "'");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<fuzz::Input> parsed = fuzz::ParseText(text);
  if (!parsed.ok()) return Fail(path + ": " + std::string(parsed.status().message()));
  fuzz::Input input = *std::move(parsed);
  input.schedule.clear();
  input.random_tail = false;
  const std::vector<std::string> wanted =
      absl::StrSplit(absl::GetFlag(FLAGS_signature), ',', absl::SkipEmpty());
  if (wanted.empty()) return Fail("--signature is required");

  ForkedLoopOptions options;
  options.wanted_signatures = wanted;
  options.max_seconds = absl::GetFlag(FLAGS_max_seconds);
  // The strategy object of the running child; built at its first execution.
  std::unique_ptr<Strategy> strategy;
  const ForkedLoopResult result = RunForkedLoop(
      [&](uint64_t index) -> std::string {
        if (strategy_name == "real_threads") {
          fuzz::ExecuteOnRealThreads(input.program, *variant);
          return "";
        }
        if (strategy == nullptr) strategy = MakeStrategy(strategy_name, seed, index);
        // A bug the harness detects returns (no process restart), as under Explore();
        // a sanitizer report still ends the child.
        fuzz::ExecuteOptions execute;
        execute.on_failure = FailurePolicy::kReturn;
        execute.strategy = strategy.get();
        execute.summarize = false;  // as in the fuzz target
        const ExecutionResult result = fuzz::Execute(input, *variant, execute);
        if (!result.failed()) return "";
        return fuzz::HarnessSignature(FailureKindName(result.failure.kind), result.failure.title);
      },
      options);
  if (result.found && !absl::GetFlag(FLAGS_report).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_report)) << result.report;
  }
  const std::set<std::string> others(result.other_reports.begin(), result.other_reports.end());
  std::printf(
      "strategy=%s seed=%llu found=%d seconds=%.4f cpu_seconds=%.4f executions=%llu "
      "signature=%s other_reports=%zu returned_reports=%llu other_signatures=%s\n",
      strategy_name.c_str(), static_cast<unsigned long long>(seed), result.found ? 1 : 0,
      result.seconds, result.cpu_seconds, static_cast<unsigned long long>(result.executions),
      result.found ? result.signature.c_str() : "-", result.other_reports.size(),
      static_cast<unsigned long long>(result.other_returned_reports),
      others.empty() ? "-" : absl::StrJoin(others, ",").c_str());
  return 0;
}

}  // namespace
}  // namespace racefuzz::bench

int main(int argc, char** argv) { return racefuzz::bench::Main(argc, argv); }
