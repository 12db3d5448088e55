// Command-line parsing for the bench tools (racefuzz_throughput, racefuzz_ttb).
#ifndef RACEFUZZ_BENCH_TOOL_FLAGS_H_
#define RACEFUZZ_BENCH_TOOL_FLAGS_H_

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace racefuzz::bench {

// Parses the flags. Abseil's --help lists only the flags of a file named after the program
// (racefuzz_ttb.cc), so a tool's --help would otherwise say "No flags matched"; the tools'
// flags are all defined in bench/.
inline void ParseToolFlags(int argc, char** argv, const char* usage) {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "bench/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
  absl::ParseCommandLine(argc, argv);
}

}  // namespace racefuzz::bench

#endif  // RACEFUZZ_BENCH_TOOL_FLAGS_H_
