// racefuzz: the command line for inputs of the dma-heap fuzz targets.
//
//   racefuzz decode FILE                      the input in text form
//   racefuzz encode TEXT_FILE -o OUT          text form -> bytes
//   racefuzz run FILE [--variant V|all]       outcome per variant (each in its own process)
//   racefuzz replay FILE [--variant V]        one execution in this process (for a debugger)
//   racefuzz minimize FILE --variant V -o OUT smallest input with the same signature
//   racefuzz signature [LOG] [--crashed]      the signature of a saved report
//   racefuzz search FILE --variant V          the shortest schedule that shows a bug
//   racefuzz verify FILE --variant V --preemptions K   every schedule with at most K
//                                             preemptions (fuzz/verify.h)
//
// FILE is bytes, or text form when its name ends in .txt. Exit status: 0 clean (or done,
// or verified), 1 a bug was found, 2 a usage or input error, 3 verify's time box ran out.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "fuzz/execute.h"
#include "fuzz/input_codec.h"
#include "fuzz/isolated_run.h"
#include "fuzz/minimize.h"
#include "fuzz/signature.h"
#include "fuzz/text_form.h"
#include "fuzz/verify.h"
#include "heaps/variant.h"

ABSL_FLAG(std::string, variant, "kref_v1",
          "model variant: upstream, kref_v1, fixed, upstream_tee_fixed, kref_v1_tee_fixed, "
          "fixed_tee_mainline, or all (run only)");
ABSL_FLAG(std::string, o, "", "output file (encode, minimize)");
ABSL_FLAG(std::string, signature, "",
          "minimize: the signature to keep (default: the input's own on --variant)");
ABSL_FLAG(double, max_seconds, 60, "minimize, verify: time limit (verify: 0 for none)");
ABSL_FLAG(int, preemptions, 2, "verify: the preemption bound K (0 to 10)");
ABSL_FLAG(bool, trace, false, "replay: print the race diagram of a clean execution too");
ABSL_FLAG(std::string, want, "",
          "search: stop at the first schedule whose signature starts with this (default: any "
          "bug)");
ABSL_FLAG(int, max_schedule_bytes, 4, "search: longest schedule tried");
ABSL_FLAG(int, alphabet, 16, "search: schedule byte values tried (0..N-1)");
ABSL_FLAG(bool, crashed, false, "signature: the process that wrote LOG died");

namespace racefuzz::fuzz {
namespace {

constexpr const char* kAllVariants[] = {
    "upstream",           "kref_v1",           "fixed",
    "upstream_tee_fixed", "kref_v1_tee_fixed", "fixed_tee_mainline"};

// Far above any useful input or report; a bigger file is a mistake (a wrong path).
constexpr uintmax_t kMaxFileBytes = 1 << 20;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(absl::StrFormat("%s: no such file", path));
  }
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: not a regular file", path));
  }
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: too large (%d bytes; the limit is %d)", path, size, kMaxFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrFormat("cannot read %s", path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

absl::Status WriteFile(const std::string& path, absl::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) return absl::PermissionDeniedError(absl::StrFormat("cannot write %s", path));
  return absl::OkStatus();
}

absl::StatusOr<Input> ReadInput(const std::string& path) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) return data.status();
  if (absl::EndsWith(path, ".txt")) {
    absl::StatusOr<Input> input = ParseText(*data);
    if (!input.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat("%s: %s", path, input.status().message()));
    }
    return input;
  }
  return Decode({reinterpret_cast<const uint8_t*>(data->data()), data->size()});
}

absl::StatusOr<heaps::Variant> ParseVariant(const std::string& name) {
  auto variant = heaps::Variant::FromName(name);
  if (!variant) {
    return absl::InvalidArgumentError(absl::StrFormat("unknown variant `%s`; known: %s", name,
                                                      absl::StrJoin(kAllVariants, ", ")));
  }
  return *variant;
}

absl::Status NeedArgs(const std::vector<char*>& args, size_t n, const char* usage) {
  if (args.size() != n) return absl::InvalidArgumentError(absl::StrCat("usage: ", usage));
  return absl::OkStatus();
}

absl::StatusOr<int> Decode(const std::vector<char*>& args) {
  if (auto s = NeedArgs(args, 1, "racefuzz decode FILE"); !s.ok()) return s;
  absl::StatusOr<Input> input = ReadInput(args[0]);
  if (!input.ok()) return input.status();
  std::cout << FormatText(*input);
  return 0;
}

absl::StatusOr<int> Encode(const std::vector<char*>& args) {
  if (auto s = NeedArgs(args, 1, "racefuzz encode TEXT_FILE -o OUT"); !s.ok()) return s;
  const std::string out = absl::GetFlag(FLAGS_o);
  if (out.empty()) return absl::InvalidArgumentError("encode needs -o OUT");
  absl::StatusOr<std::string> text = ReadFile(args[0]);
  if (!text.ok()) return text.status();
  absl::StatusOr<Input> input = ParseText(*text);
  if (!input.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %s", args[0], input.status().message()));
  }
  absl::StatusOr<std::vector<uint8_t>> bytes = fuzz::Encode(*input);
  if (!bytes.ok()) return bytes.status();
  if (auto s = WriteFile(out, {reinterpret_cast<const char*>(bytes->data()), bytes->size()});
      !s.ok()) {
    return s;
  }
  return 0;
}

absl::StatusOr<int> Run(const std::vector<char*>& args) {
  if (auto s = NeedArgs(args, 1, "racefuzz run FILE [--variant V|all]"); !s.ok()) return s;
  absl::StatusOr<Input> input = ReadInput(args[0]);
  if (!input.ok()) return input.status();
  const std::string name = absl::GetFlag(FLAGS_variant);
  std::vector<std::string> names;
  if (name == "all") {
    names.assign(std::begin(kAllVariants), std::end(kAllVariants));
  } else {
    names.push_back(name);
  }
  std::vector<std::pair<std::string, std::string>> table;
  bool any_bug = false;
  for (const std::string& n : names) {
    absl::StatusOr<heaps::Variant> variant = ParseVariant(n);
    if (!variant.ok()) return variant.status();
    absl::StatusOr<IsolatedOutcome> outcome = RunIsolated(*input, *variant, args[0]);
    if (!outcome.ok()) return outcome.status();
    if (names.size() == 1 || outcome->signature != kCleanSignature) {
      std::cout << absl::StrFormat("===== %s =====\n%s", n, outcome->output);
    }
    std::cout << absl::StrFormat("SIGNATURE: %s %s\n", n, outcome->signature);
    any_bug |= outcome->signature != kCleanSignature;
    table.emplace_back(n, outcome->signature);
  }
  if (names.size() > 1) {
    std::cout << absl::StrFormat("\n%-20s %s\n", "variant", "outcome");
    for (const auto& [n, signature] : table)
      std::cout << absl::StrFormat("%-20s %s\n", n, signature);
  }
  return any_bug ? 1 : 0;
}

absl::StatusOr<int> Replay(const std::vector<char*>& args) {
  if (auto s = NeedArgs(args, 1, "racefuzz replay FILE [--variant V]"); !s.ok()) return s;
  absl::StatusOr<Input> input = ReadInput(args[0]);
  if (!input.ok()) return input.status();
  absl::StatusOr<heaps::Variant> variant = ParseVariant(absl::GetFlag(FLAGS_variant));
  if (!variant.ok()) return variant.status();
  ExecuteOptions options;
  // As in a fuzz target: a bug prints its report and aborts (a debugger stops there).
  options.on_failure = FailurePolicy::kAbort;
  const std::string file = args[0];
  options.report_footer = [&] { return ReportFooter(*input, *variant, file); };
  ExecutionResult result = Execute(*input, *variant, options);
  if (absl::GetFlag(FLAGS_trace)) {
    std::cout << LastExecutionDiagram(*input);
  }
  std::cout << absl::StrFormat("%s: clean (%d scheduling points)\n", variant->Name(), result.steps);
  return 0;
}

absl::StatusOr<int> MinimizeCommand(const std::vector<char*>& args) {
  if (auto s = NeedArgs(args, 1, "racefuzz minimize FILE --variant V -o OUT"); !s.ok()) return s;
  const std::string out = absl::GetFlag(FLAGS_o);
  if (out.empty()) return absl::InvalidArgumentError("minimize needs -o OUT");
  absl::StatusOr<Input> input = ReadInput(args[0]);
  if (!input.ok()) return input.status();
  absl::StatusOr<heaps::Variant> variant = ParseVariant(absl::GetFlag(FLAGS_variant));
  if (!variant.ok()) return variant.status();
  auto signature_of = [&](const Input& candidate) -> absl::StatusOr<std::string> {
    absl::StatusOr<IsolatedOutcome> outcome = RunIsolated(candidate, *variant, out);
    if (!outcome.ok()) return outcome.status();
    return outcome->signature;
  };
  const double max_seconds = absl::GetFlag(FLAGS_max_seconds);
  if (!(max_seconds > 0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--max_seconds must be more than 0, not %g", max_seconds));
  }
  absl::StatusOr<std::string> own = signature_of(*input);
  if (!own.ok()) return own.status();
  if (*own == kCleanSignature) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s runs clean on %s: nothing to minimise", args[0], variant->Name()));
  }
  // Minimising towards a signature the input does not show would keep nothing and write the
  // input back unchanged as if it were minimised.
  const std::string signature =
      absl::GetFlag(FLAGS_signature).empty() ? *own : absl::GetFlag(FLAGS_signature);
  if (signature != *own) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s shows %s on %s, not %s: nothing to minimise towards it (a report from another "
        "sanitizer's build?)",
        args[0], *own, variant->Name(), signature));
  }
  absl::StatusOr<MinimizeResult> result = Minimize(*input, signature, signature_of, max_seconds);
  if (!result.ok()) return result.status();
  absl::StatusOr<std::vector<uint8_t>> bytes = fuzz::Encode(result->input);
  if (!bytes.ok()) return bytes.status();
  if (auto s = WriteFile(out, {reinterpret_cast<const char*>(bytes->data()), bytes->size()});
      !s.ok()) {
    return s;
  }
  std::cerr << absl::StrFormat(
      "minimised %s (%d ops, %d schedule bytes) to %s (%d ops, %d schedule bytes) in %d runs; "
      "signature %s\n",
      args[0], input->program.NumOps(), input->schedule.size(), out, result->input.program.NumOps(),
      result->input.schedule.size(), result->candidates_tried, signature);
  std::cout << FormatText(result->input);
  return 0;
}

// Breadth-first over schedules with byte values 0..alphabet-1 (countdowns and thread picks),
// shortest first: the first hit is a schedule with the fewest decisions. For writing
// regression inputs by hand: write the program, let this find the interleaving.
absl::StatusOr<int> Search(const std::vector<char*>& args) {
  if (auto s = NeedArgs(args, 1, "racefuzz search FILE --variant V [--want PREFIX]"); !s.ok()) {
    return s;
  }
  absl::StatusOr<Input> input = ReadInput(args[0]);
  if (!input.ok()) return input.status();
  absl::StatusOr<heaps::Variant> variant = ParseVariant(absl::GetFlag(FLAGS_variant));
  if (!variant.ok()) return variant.status();
  const std::string want = absl::GetFlag(FLAGS_want);
  const int alphabet = absl::GetFlag(FLAGS_alphabet);
  if (alphabet < 1 || alphabet > 256) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--alphabet must be 1 to 256 (byte values 0..N-1), not %d", alphabet));
  }
  const int max_schedule_bytes = absl::GetFlag(FLAGS_max_schedule_bytes);
  if (max_schedule_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--max_schedule_bytes must be at least 0, not %d", max_schedule_bytes));
  }
  // Each schedule is one run of the input: keep the search to what a user can wait for (past
  // that, the fuzzer is the better tool).
  constexpr int64_t kMaxSchedules = int64_t{1} << 24;
  int64_t schedules = 0;
  for (int64_t len = 0, combinations = 1; len <= max_schedule_bytes && schedules <= kMaxSchedules;
       ++len) {
    schedules += combinations;
    combinations = std::min(combinations * alphabet, kMaxSchedules + 1);
  }
  if (schedules > kMaxSchedules) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--alphabet %d and --max_schedule_bytes %d make more than %d schedules to try", alphabet,
        max_schedule_bytes, kMaxSchedules));
  }
  int64_t runs = 0;
  for (int len = 0; len <= max_schedule_bytes; ++len) {
    int64_t combinations = 1;
    for (int i = 0; i < len; ++i) combinations *= alphabet;
    for (int64_t n = 0; n < combinations; ++n) {
      Input candidate = *input;
      candidate.schedule.clear();
      candidate.random_tail = false;
      int64_t rest = n;
      for (int i = 0; i < len; ++i, rest /= alphabet) {
        candidate.schedule.push_back(static_cast<uint8_t>(rest % alphabet));
      }
      absl::StatusOr<IsolatedOutcome> outcome = RunIsolated(candidate, *variant, args[0]);
      if (!outcome.ok()) return outcome.status();
      ++runs;
      const bool hit = want.empty() ? outcome->signature != kCleanSignature
                                    : absl::StartsWith(outcome->signature, want);
      if (hit) {
        std::cerr << absl::StrFormat("found after %d runs: %s\n", runs, outcome->signature);
        std::cout << FormatText(candidate);
        return 1;
      }
    }
  }
  std::cerr << absl::StrFormat("no schedule of up to %d bytes gives it (%d runs)\n",
                               max_schedule_bytes, runs);
  return 0;
}

absl::StatusOr<int> VerifyCommand(const std::vector<char*>& args) {
  if (auto s = NeedArgs(args, 1, "racefuzz verify FILE --variant V --preemptions K");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Input> input = ReadInput(args[0]);
  if (!input.ok()) return input.status();
  absl::StatusOr<heaps::Variant> variant = ParseVariant(absl::GetFlag(FLAGS_variant));
  if (!variant.ok()) return variant.status();
  VerifyOptions options;
  const int preemptions = absl::GetFlag(FLAGS_preemptions);
  // The number of schedules grows with the bound's power of the program's length: past 10
  // no search ends.
  if (preemptions < 0 || preemptions > 10) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--preemptions must be 0 to 10, not %d", preemptions));
  }
  options.max_preemptions = static_cast<uint32_t>(preemptions);
  options.max_seconds = absl::GetFlag(FLAGS_max_seconds);
  if (!(options.max_seconds >= 0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--max_seconds must be 0 (no time box) or more, not %g", options.max_seconds));
  }
  return Verify(*input, *variant, args[0], options);
}

absl::StatusOr<int> SignatureCommand(const std::vector<char*>& args) {
  if (args.size() > 1) return absl::InvalidArgumentError("usage: racefuzz signature [LOG]");
  std::string log;
  if (args.empty()) {
    log.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    absl::StatusOr<std::string> data = ReadFile(args[0]);
    if (!data.ok()) return data.status();
    log = *data;
  }
  std::cout << SignatureFromReport(log, absl::GetFlag(FLAGS_crashed)) << "\n";
  return 0;
}

bool help_requested = false;
bool HelpRequested() { return help_requested; }

}  // namespace
}  // namespace racefuzz::fuzz

int main(int argc, char** argv) {
  using namespace racefuzz::fuzz;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    help_requested |= absl::StartsWith(arg, "--help") || absl::StartsWith(arg, "-help");
  }
  absl::SetProgramUsageMessage(
      "inputs of the dma-heap fuzz targets.\n"
      "  racefuzz decode FILE\n"
      "  racefuzz encode TEXT_FILE -o OUT\n"
      "  racefuzz run FILE [--variant V|all]\n"
      "  racefuzz replay FILE [--variant V]\n"
      "  racefuzz minimize FILE --variant V -o OUT [--signature S] [--max_seconds N]\n"
      "  racefuzz signature [LOG] [--crashed]\n"
      "  racefuzz search FILE --variant V [--want PREFIX] [--max_schedule_bytes N]\n"
      "  racefuzz verify FILE --variant V [--preemptions K] [--max_seconds N]\n"
      "FILE is bytes, or text form if it ends in .txt. Exit: 0 clean (verify: proved), 1 bug\n"
      "found (replay aborts instead, so a debugger stops at the report), 2 error, 3 verify ran\n"
      "out of time.");
  // Abseil exits with status 1 on an unknown flag or a bad flag value, which here means "a
  // bug was found"; a usage error must exit 2. --help and friends exit 0.
  static bool parsing_flags = true;
  std::atexit([] {
    if (!parsing_flags) return;
    // _Exit skips stdio's flush: without this, help written to a pipe or a file is lost.
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(HelpRequested() ? 0 : 2);
  });
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  parsing_flags = false;
  args.erase(args.begin());  // program name
  if (args.empty()) {
    std::fprintf(stderr, "racefuzz: error: missing command\n%s\n",
                 absl::ProgramUsageMessage().data());
    return 2;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  absl::StatusOr<int> result = absl::InvalidArgumentError(absl::StrFormat(
      "unknown command `%s` (decode, encode, run, replay, minimize, signature, search, verify)",
      command));
  if (command == "decode") result = Decode(args);
  if (command == "encode") result = Encode(args);
  if (command == "run") result = Run(args);
  if (command == "replay") result = Replay(args);
  if (command == "minimize") result = MinimizeCommand(args);
  if (command == "signature") result = SignatureCommand(args);
  if (command == "search") result = Search(args);
  if (command == "verify") result = VerifyCommand(args);
  if (!result.ok()) {
    std::fprintf(stderr, "racefuzz: error: %s\n", std::string(result.status().message()).c_str());
    return 2;
  }
  return *result;
}
