#include "fuzz/death_exit.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>

#include "fuzz/crash_directory.h"
#include "harness/scheduler.h"

namespace racefuzz::fuzz {
namespace {

constexpr size_t kPathCapacity = 4096;
char crash_dir_path[kPathCapacity];
const uint8_t* running_data = nullptr;
size_t running_size = 0;
uint64_t inputs_run = 0;  // by this process, the running one included

// Raw system calls: libc's wrappers are intercepted by the sanitizers.
long Sys(long number, long a = 0, long b = 0, long c = 0, long d = 0) {
  return syscall(number, a, b, c, d);
}

void WriteAll(int fd, const char* bytes, size_t size) {
  while (size > 0) {
    const long n = Sys(SYS_write, fd, reinterpret_cast<long>(bytes), static_cast<long>(size));
    if (n <= 0) return;
    bytes += n;
    size -= static_cast<size_t>(n);
  }
}

// Length of a NUL-terminated string. Local loops instead of libc's string functions, which
// the sanitizers intercept.
size_t Length(const char* text) {
  size_t n = 0;
  while (text[n] != '\0') ++n;
  return n;
}

// Appends `text` to `out`, which has room for kPathCapacity bytes, NUL included.
void Append(char* out, const char* text) {
  size_t used = Length(out);
  for (; *text != '\0' && used + 1 < kPathCapacity; ++text) out[used++] = *text;
  out[used] = '\0';
}

// `value` in decimal, into `out` (room for 21 bytes).
void Decimal(uint64_t value, char* out) {
  char reversed[21];
  int n = 0;
  do {
    reversed[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int i = 0; i < n; ++i) out[i] = reversed[n - 1 - i];
  out[n] = '\0';
}

void SaveRunningInputAndExit() {
  // The names CrashDirectory::Save uses: crash-<hash>, written as .crash-<hash>.<pid>.tmp
  // first (a fork-mode job may save the same input at the same time) and renamed into place.
  const std::array<char, 23> name_chars = CrashFileNameChars({running_data, running_size});
  const char* name = name_chars.data();
  char pid[21];
  Decimal(static_cast<uint64_t>(Sys(SYS_getpid)), pid);
  char path[kPathCapacity] = "";
  Append(path, crash_dir_path);
  Append(path, "/");
  Append(path, name);
  char temporary[kPathCapacity] = "";
  Append(temporary, crash_dir_path);
  Append(temporary, "/.");
  Append(temporary, name);
  Append(temporary, ".");
  Append(temporary, pid);
  Append(temporary, ".tmp");

  bool saved = false;
  const long fd = Sys(SYS_openat, AT_FDCWD, reinterpret_cast<long>(temporary),
                      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    WriteAll(static_cast<int>(fd), reinterpret_cast<const char*>(running_data), running_size);
    Sys(SYS_close, fd);
    saved = Sys(SYS_rename, reinterpret_cast<long>(temporary), reinterpret_cast<long>(path)) == 0;
  }
  char message[kPathCapacity] = "";
  Append(message, saved ? "racefuzz: sanitizer report; input saved as "
                        : "racefuzz: sanitizer report; could not save the input to ");
  Append(message, saved ? path : crash_dir_path);
  Append(message, "; ending the process\n");
  WriteAll(STDERR_FILENO, message, Length(message));
  // libFuzzer's fork mode reads a job's executions from this line of its log, which
  // libFuzzer itself prints only when it ends on its own.
  char count[21];
  Decimal(inputs_run, count);
  message[0] = '\0';
  Append(message, "stat::number_of_executed_units: ");
  Append(message, count);
  Append(message, "\n");
  WriteAll(STDERR_FILENO, message, Length(message));
  Sys(SYS_exit_group, kSanitizerDeathExitCode);
  _exit(kSanitizerDeathExitCode);  // not reached
}

}  // namespace

bool InstallSanitizerDeathExit(std::string_view crash_dir) {
  static bool installed = false;
  if (installed) return true;
  // Room for "/.crash-", 16 digits, ".<pid>.tmp" after the directory.
  if (crash_dir.size() + 64 >= kPathCapacity) return false;
  crash_dir.copy(crash_dir_path, crash_dir.size());
  crash_dir_path[crash_dir.size()] = '\0';
  Scheduler::SetSanitizerDeathEpilogue(&SaveRunningInputAndExit);
  installed = true;
  return true;
}

void NoteRunningInput(const uint8_t* data, size_t size) {
  running_data = data;
  running_size = size;
  ++inputs_run;
}

}  // namespace racefuzz::fuzz
