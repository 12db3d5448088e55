// racefuzz_bug_suite: schedules to the first bug of every bug-shape program
// (bench/bug_shapes/) under every strategy, over independent trials; prints a markdown
// table (bench/README.md, "Bug-shape suite (issue 21)").
//
//   racefuzz_bug_suite [--trials 20] [--max_schedules 10000]
//                      [--strategies random,pct2,pct3,pos,urw] [--programs reorder_3,...]
//
// Exit status: 0 when every run either found the program's bug or ran out of schedules,
// 1 when some execution failed otherwise (a bug in a program, printed on stderr), 2 on bad
// flags. Programs the engine refuses (too many logical threads) are reported as skipped.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/bug_shapes/bug_shapes.h"
#include "bench/bug_suite.h"
#include "bench/tool_flags.h"

ABSL_FLAG(uint64_t, trials, 20, "independent trials per program and strategy");
ABSL_FLAG(uint64_t, max_schedules, 10000, "schedules per trial before it counts as a miss");
ABSL_FLAG(std::string, strategies, "random,pct2,pct3,pos,urw",
          "comma-separated strategies: random, pct2, pct3, pos, urw");
ABSL_FLAG(std::string, programs, "", "comma-separated programs (default: all)");

namespace racefuzz::bench {
namespace {

template <typename T>
std::vector<const T*> Select(std::span<const T> all, const std::string& names, const char* what,
                             bool* ok) {
  std::vector<const T*> chosen;
  std::vector<std::string> known;
  for (const T& item : all) known.push_back(item.name);
  if (names.empty()) {
    for (const T& item : all) chosen.push_back(&item);
    return chosen;
  }
  for (const absl::string_view name : absl::StrSplit(names, ',', absl::SkipEmpty())) {
    const T* match = nullptr;
    for (const T& item : all) {
      if (name == item.name) match = &item;
    }
    if (match == nullptr) {
      std::fprintf(stderr, "racefuzz_bug_suite: unknown %s '%s' (known: %s)\n", what,
                   std::string(name).c_str(), absl::StrJoin(known, ", ").c_str());
      *ok = false;
    } else {
      chosen.push_back(match);
    }
  }
  return chosen;
}

int Main(int argc, char** argv) {
  ParseToolFlags(argc, argv,
                 "racefuzz_bug_suite [--trials N] [--max_schedules N] [--strategies a,b] "
                 "[--programs x,y]");
  const uint64_t trials = absl::GetFlag(FLAGS_trials);
  const uint64_t max_schedules = absl::GetFlag(FLAGS_max_schedules);
  bool ok = trials > 0 && max_schedules > 0;
  if (!ok) std::fprintf(stderr, "racefuzz_bug_suite: --trials and --max_schedules must be > 0\n");
  const std::vector<const SuiteStrategy*> strategies =
      Select(AllSuiteStrategies(), absl::GetFlag(FLAGS_strategies), "strategy", &ok);
  const std::vector<const BugShape*> programs =
      Select(AllBugShapes(), absl::GetFlag(FLAGS_programs), "program", &ok);
  if (!ok || strategies.empty() || programs.empty()) return 2;

  const auto start = std::chrono::steady_clock::now();
  std::string header = "| program | preemptions |";
  std::string rule = "| --- | ---: |";
  for (const SuiteStrategy* s : strategies) {
    header += std::string(" ") + s->column + " |";
    rule += " ---: |";
  }
  std::printf("%s\n%s\n", header.c_str(), rule.c_str());
  std::fflush(stdout);
  std::vector<std::string> notes;
  bool unexpected = false;
  for (const BugShape* program : programs) {
    std::string row =
        std::string("| ") + program->name + " | " + std::to_string(program->preemptions) + " |";
    for (const SuiteStrategy* s : strategies) {
      const ShapeResult result = MeasureShape(*program, *s, trials, max_schedules);
      if (!result.skipped.empty()) {
        // The same under every strategy: the engine refuses the program before any choice.
        for (size_t i = 0; i < strategies.size(); ++i) row += " skipped |";
        notes.push_back(std::string(program->name) + " skipped: " + result.skipped +
                        "; it runs once the engine allows that many threads");
        std::fprintf(stderr, "racefuzz_bug_suite: %s\n", notes.back().c_str());
        break;
      }
      row += " " + FormatCell(result, max_schedules) + " |";
      if (!result.unexpected.empty()) {
        unexpected = true;
        std::fprintf(stderr, "racefuzz_bug_suite: %s: unexpected failure under %s\n", program->name,
                     result.unexpected.c_str());
      }
    }
    std::printf("%s\n", row.c_str());
    std::fflush(stdout);
  }
  std::printf(
      "\nCells: median schedules to the first bug (>%llu: most trials missed it) and the "
      "trials that found it within %llu schedules; %llu trials, trial t seeded t << 32.\n",
      static_cast<unsigned long long>(max_schedules),
      static_cast<unsigned long long>(max_schedules), static_cast<unsigned long long>(trials));
  for (const std::string& note : notes) std::printf("%s\n", note.c_str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "racefuzz_bug_suite: %.1f s\n", seconds);
  return unexpected ? 1 : 0;
}

}  // namespace
}  // namespace racefuzz::bench

int main(int argc, char** argv) { return racefuzz::bench::Main(argc, argv); }
