// racefuzz_throughput: executions per second of one fuzz target's work on a corpus, side by
// side with the stress-test baseline (bench/README.md, issue 6).
//
//   --mode=fibers        what <variant>_fuzzer does per input: decode the bytes, run the
//                        program on fibers under the ByteStrategy with interleaving feedback
//                        (fuzz::Execute, FailurePolicy::kAbort)
//   --mode=real_threads  the same programs on real std::threads with no scheduler
//                        (fuzz::ExecuteOnRealThreads): what a developer writes without racefuzz
//
// Inputs are run round-robin for --seconds in a forked child (bench/forked_loop.h), so a
// real-thread run that hits a bug restarts instead of ending the measurement; such reports
// are counted and listed. Prints one line of key=value pairs for scripts/bench.sh.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "bench/forked_loop.h"
#include "bench/tool_flags.h"
#include "fuzz/execute.h"
#include "fuzz/input_codec.h"
#include "fuzz/interleaving_feedback.h"
#include "heaps/variant.h"

ABSL_FLAG(std::string, corpus, "corpora/seeds", "directory of byte-form inputs (*.bin)");
ABSL_FLAG(std::string, variant, "kref_v1", "model variant");
ABSL_FLAG(std::string, mode, "fibers", "fibers | real_threads");
ABSL_FLAG(double, seconds, 5, "measurement time");

namespace racefuzz::bench {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "racefuzz_throughput: %s\n", message.c_str());
  return 2;
}

// The bytes of the corpus's *.bin files in name order (a deterministic round-robin).
std::vector<std::vector<uint8_t>> ReadCorpus(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".bin") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::vector<uint8_t>> inputs;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return inputs;
}

int Main(int argc, char** argv) {
  ParseToolFlags(argc, argv, "racefuzz_throughput --corpus DIR --variant V --mode M --seconds S");
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode != "fibers" && mode != "real_threads")
    return Fail("--mode must be fibers or real_threads");
  const auto variant = heaps::Variant::FromName(absl::GetFlag(FLAGS_variant));
  if (!variant) return Fail("unknown --variant " + absl::GetFlag(FLAGS_variant));
  // The fuzz target decodes its bytes on every input; so do we.
  const std::vector<std::vector<uint8_t>> corpus = ReadCorpus(absl::GetFlag(FLAGS_corpus));
  if (corpus.empty()) return Fail("no *.bin inputs in --corpus " + absl::GetFlag(FLAGS_corpus));

  ForkedLoopOptions options;
  options.max_seconds = absl::GetFlag(FLAGS_seconds);
  const ForkedLoopResult result = RunForkedLoop(
      [&](uint64_t index) -> std::string {
        const std::vector<uint8_t>& bytes = corpus[index % corpus.size()];
        const fuzz::Input input = fuzz::Decode(bytes);
        if (mode == "real_threads") {
          fuzz::ExecuteOnRealThreads(input.program, *variant);
          return "";
        }
        // As in the fuzz target: a bug aborts the process.
        fuzz::ExecuteOptions execute;
        execute.on_failure = FailurePolicy::kAbort;
        execute.observer = fuzz::TargetInterleavingFeedback();
        execute.summarize = false;
        fuzz::Execute(input, *variant, execute);
        return "";
      },
      options);

  std::map<std::string, int> reports;
  for (const std::string& signature : result.other_reports) ++reports[signature];
  std::vector<std::string> listed;
  for (const auto& [signature, count] : reports)
    listed.push_back(signature + "x" + std::to_string(count));
  std::printf(
      "mode=%s variant=%s inputs=%zu executions=%llu seconds=%.3f exec_per_s=%.0f "
      "cpu_seconds=%.3f exec_per_cpu_s=%.0f reports=%zu report_signatures=%s\n",
      mode.c_str(), variant->Name().c_str(), corpus.size(),
      static_cast<unsigned long long>(result.executions), result.seconds,
      static_cast<double>(result.executions) / result.seconds, result.cpu_seconds,
      static_cast<double>(result.executions) / result.cpu_seconds, result.other_reports.size(),
      listed.empty() ? "-" : absl::StrJoin(listed, ",").c_str());
  return 0;
}

}  // namespace
}  // namespace racefuzz::bench

int main(int argc, char** argv) { return racefuzz::bench::Main(argc, argv); }
