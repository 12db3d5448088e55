// CrashDirectory: where a campaign saves the input of a new bug itself, so that finding a
// new bug does not end the process (RACEFUZZ_CRASH_DIR; scripts/fuzz.sh points it at the
// campaign's artifacts/ directory).
//
// Without it, a new bug aborts the process and libFuzzer saves the input as crash-<sha1>.
// In fork mode the job then starts again: a new process, ASan's start-up, a corpus subset
// replayed and a merge, about a second each time. A campaign on kref_v1 meets a new report
// signature every second or two in its first minute, so it spent most of that minute
// restarting (fuzz/README.md has the figures). Saved here instead, the crash file is the
// same thing: the exact bytes the engine gave, named crash-<16 hex digits of their FNV-1a
// hash>, replayed and sorted by scripts/fuzz.sh like libFuzzer's own crash files.
#ifndef RACEFUZZ_FUZZ_CRASH_DIRECTORY_H_
#define RACEFUZZ_FUZZ_CRASH_DIRECTORY_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace racefuzz::fuzz {

class CrashDirectory {
 public:
  explicit CrashDirectory(std::string dir) : dir_(std::move(dir)) {}

  // Writes `bytes` to <dir>/crash-<hash> (through a temporary file renamed into place, so
  // a reader never sees half a file) and returns that path.
  absl::StatusOr<std::string> Save(absl::Span<const uint8_t> bytes) const;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// The file name Save gives `bytes`: "crash-" and 16 hex digits of their FNV-1a hash.
std::string CrashFileName(absl::Span<const uint8_t> bytes);

// The same name as NUL-terminated characters, made without allocating or calling into libc:
// for a process saving its input from inside a sanitizer report (death_exit.h).
std::array<char, 23> CrashFileNameChars(absl::Span<const uint8_t> bytes);

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_CRASH_DIRECTORY_H_
