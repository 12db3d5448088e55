#include "fuzz/crash_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "harness/fnv1a.h"

namespace racefuzz::fuzz {

std::array<char, 23> CrashFileNameChars(absl::Span<const uint8_t> bytes) {
  const uint64_t hash = Fnv1a64({bytes.data(), bytes.size()});
  std::array<char, 23> name = {'c', 'r', 'a', 's', 'h', '-'};
  for (int i = 0; i < 16; ++i) name[6 + i] = "0123456789abcdef"[(hash >> (60 - 4 * i)) & 0xf];
  name[22] = '\0';
  return name;
}

std::string CrashFileName(absl::Span<const uint8_t> bytes) {
  return CrashFileNameChars(bytes).data();
}

absl::StatusOr<std::string> CrashDirectory::Save(absl::Span<const uint8_t> bytes) const {
  const std::string path = absl::StrCat(dir_, "/", CrashFileName(bytes));
  const std::string temporary =
      absl::StrCat(dir_, "/.", CrashFileName(bytes), ".", static_cast<long>(getpid()), ".tmp");
  auto failed = [&](const char* what) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", what, " ", temporary, ": ", std::strerror(errno),
                     " (RACEFUZZ_CRASH_DIR must name a writable directory)"));
  };
  const int fd = open(temporary.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return failed("create");
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      unlink(temporary.c_str());
      return failed("write");
    }
    written += static_cast<size_t>(n);
  }
  if (close(fd) != 0 || rename(temporary.c_str(), path.c_str()) != 0) {
    unlink(temporary.c_str());
    return failed("save");
  }
  return path;
}

}  // namespace racefuzz::fuzz
