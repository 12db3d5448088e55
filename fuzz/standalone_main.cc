// The standalone driver (RACEFUZZ_FUZZ_ENGINE=none): replays the files and directories
// given on the command line through LLVMFuzzerTestOneInput, in sorted order, like a
// libFuzzer binary given file arguments. Used by ctest and scripts/reproduce.sh; builds
// with any compiler and no fuzzing runtime.
//
//   <variant>_fuzzer [-runs=N] FILE_OR_DIR...
//
// A file whose name ends in .txt is the text form (fuzz/text_form.h) and is encoded first,
// as `racefuzz` does; any other file is bytes, and every byte string is a valid input. Bad
// input the user gave (a missing path, an unreadable or oversized file, a text file that
// does not parse, an empty directory, an unknown flag) is an error: a message and exit 2.
//
// -runs=N executes the inputs round robin until N executions have run, in this one
// process, and then prints the process's resources after warm-up and at the end (VmRSS,
// VmSize, memory mappings, open fds): scripts/rss-check.sh reads them to show that a long
// campaign does not grow (no leaked memory, fiber stacks or fds).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "fuzz/fuzz_target.h"
#include "fuzz/input_codec.h"
#include "fuzz/text_form.h"

namespace {

namespace fs = std::filesystem;

// Far above any useful input (63 operations of 4 bytes and a schedule); a bigger file is
// a mistake (a wrong path), not an input.
constexpr uintmax_t kMaxInputBytes = 1 << 20;

struct LoadedInput {
  std::string name;
  std::vector<uint8_t> bytes;
};

[[noreturn]] void Fail(const char* program, const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\n", program, message.c_str());
  std::exit(2);
}

// Reads one input, converting the text form to bytes. Exits on bad input.
LoadedInput Load(const char* program, const fs::path& file) {
  std::error_code error;
  const uintmax_t size = fs::file_size(file, error);
  if (error) Fail(program, absl::StrFormat("cannot read %s: %s", file.string(), error.message()));
  if (size > kMaxInputBytes) {
    Fail(program, absl::StrFormat("%s: input too large (%d bytes; the limit is %d)",
                                  file.string(), size, kMaxInputBytes));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) Fail(program, absl::StrFormat("cannot read %s", file.string()));
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LoadedInput input{file.string(), {}};
  if (absl::EndsWith(file.string(), ".txt")) {
    absl::StatusOr<racefuzz::fuzz::Input> parsed = racefuzz::fuzz::ParseText(data);
    if (!parsed.ok()) {
      Fail(program, absl::StrFormat("%s: not a valid text-form input: %s", file.string(),
                                    std::string(parsed.status().message())));
    }
    absl::StatusOr<std::vector<uint8_t>> bytes = racefuzz::fuzz::Encode(*parsed);
    if (!bytes.ok()) {
      Fail(program, absl::StrFormat("%s: %s", file.string(),
                                    std::string(bytes.status().message())));
    }
    input.bytes = std::move(*bytes);
  } else {
    input.bytes.assign(data.begin(), data.end());
  }
  return input;
}

// One line of /proc/self/status, e.g. "VmRSS", in kB (0 if absent).
long StatusKb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, prefix)) return std::atol(line.c_str() + prefix.size());
  }
  return 0;
}

long CountLines(const char* path) {
  std::ifstream in(path);
  return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
}

long CountFds() {
  std::error_code error;
  long n = 0;
  for (auto it = fs::directory_iterator("/proc/self/fd", error);
       !error && it != fs::directory_iterator(); it.increment(error)) {
    ++n;
  }
  return n;
}

std::string Resources() {
  return absl::StrFormat("VmRSS=%d kB VmSize=%d kB maps=%d fds=%d", StatusKb("VmRSS"),
                         StatusKb("VmSize"), CountLines("/proc/self/maps"), CountFds());
}

}  // namespace

int main(int argc, char** argv) {
  const char* program = argv[0];
  uint64_t runs = 0;  // 0: each input once
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (absl::StartsWith(arg, "-runs=")) {
      const char* begin = arg.c_str() + 6;
      const char* end = arg.c_str() + arg.size();
      auto [ptr, ec] = std::from_chars(begin, end, runs);
      if (ec != std::errc() || ptr != end || begin == end || runs == 0) {
        Fail(program, absl::StrFormat("-runs needs a positive number, got `%s`", arg));
      }
      continue;
    }
    if (arg == "-h" || arg == "-help" || arg == "--help") {
      std::fprintf(stdout,
                   "usage: %s [-runs=N] FILE_OR_DIR...\n  replays each input (all files of a "
                   "directory; NAME.txt is text form) against this target;\n  -runs=N "
                   "repeats them round robin for N executions and prints resource use\n",
                   program);
      return 0;
    }
    if (absl::StartsWith(arg, "-")) {
      Fail(program, absl::StrFormat("unknown flag `%s` (this is the standalone driver: only "
                                    "-runs=N; see -help)", arg));
    }
    std::error_code error;
    const fs::path path(arg);
    if (fs::is_directory(path, error)) {
      size_t before = files.size();
      for (const auto& entry : fs::directory_iterator(path, error)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      if (error) Fail(program, absl::StrFormat("cannot list %s: %s", arg, error.message()));
      if (files.size() == before) Fail(program, absl::StrFormat("%s: no input files", arg));
    } else if (fs::is_regular_file(path, error)) {
      files.push_back(path);
    } else if (fs::exists(path, error)) {
      Fail(program, absl::StrFormat("%s: not a regular file or directory", arg));
    } else {
      Fail(program, absl::StrFormat("%s: no such file or directory", arg));
    }
  }
  if (files.empty()) {
    std::fprintf(stderr,
                 "usage: %s [-runs=N] FILE_OR_DIR...\n  replays each input (all files of a "
                 "directory) against this target\n",
                 program);
    return 2;
  }
  std::sort(files.begin(), files.end());
  std::vector<LoadedInput> inputs;
  for (const fs::path& file : files) inputs.push_back(Load(program, file));

  if (runs == 0) {
    for (const LoadedInput& input : inputs) {
      std::fprintf(stderr, "Running: %s\n", input.name.c_str());
      racefuzz::fuzz::SetCurrentInputFile(input.name);
      LLVMFuzzerTestOneInput(input.bytes.data(), input.bytes.size());
      std::fprintf(stderr, "Executed %s: clean\n", input.name.c_str());
    }
    return 0;
  }

  // Warm-up: the scheduler's pools and the allocator's arenas reach their working size.
  const uint64_t warm_up = std::max<uint64_t>(1, std::min<uint64_t>(runs / 10, 100000));
  std::string after_warm_up;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < runs; ++i) {
    const LoadedInput& input = inputs[i % inputs.size()];
    racefuzz::fuzz::SetCurrentInputFile(input.name);
    LLVMFuzzerTestOneInput(input.bytes.data(), input.bytes.size());
    if (i + 1 == warm_up) after_warm_up = Resources();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "racefuzz: %llu executions of %zu inputs in %.1f s (%.0f exec/s)\n"
               "racefuzz: after warm-up (%llu executions): %s\n"
               "racefuzz: at end: %s\n",
               static_cast<unsigned long long>(runs), inputs.size(), seconds, runs / seconds,
               static_cast<unsigned long long>(warm_up), after_warm_up.c_str(),
               Resources().c_str());
  return 0;
}
