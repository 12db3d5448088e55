#include "fuzz/report_symbolizer.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

extern char** environ;

namespace racefuzz::fuzz {
namespace {

struct UnsymbolizedFrame {
  absl::string_view indent;
  absl::string_view address;  // "0x55d2c1e3f303"
  std::string module;
  uint64_t offset = 0;
};

// "    #3 0x55d2c1e3f303  (/path/bin+0x20b303) (BuildId: ...)" -> its parts.
bool ParseFrame(absl::string_view line, UnsymbolizedFrame& frame) {
  const size_t hash = line.find_first_not_of(' ');
  if (hash == absl::string_view::npos || line[hash] != '#') return false;
  frame.indent = line.substr(0, hash);
  absl::string_view rest = line.substr(hash + 1);
  const size_t space = rest.find(' ');
  if (space == absl::string_view::npos) return false;
  rest = rest.substr(space + 1);
  const size_t address_end = rest.find(' ');
  if (address_end == absl::string_view::npos || !absl::StartsWith(rest, "0x")) return false;
  frame.address = rest.substr(0, address_end);
  rest = absl::StripLeadingAsciiWhitespace(rest.substr(address_end));
  if (!absl::ConsumePrefix(&rest, "(")) return false;  // " in f" = already symbolised
  const size_t close = rest.find(')');
  if (close == absl::string_view::npos) return false;
  const absl::string_view inner = rest.substr(0, close);
  const size_t plus = inner.rfind("+0x");
  if (plus == absl::string_view::npos) return false;
  frame.module = std::string(inner.substr(0, plus));
  return absl::SimpleHexAtoi(inner.substr(plus + 3), &frame.offset);
}

struct Location {
  std::string function;
  std::string file;  // "file:line:col", or "" when the symbolizer does not know it
};

// One llvm-symbolizer process, started on first use, spoken to over a socket pair (so a
// symbolizer that died gives an error, not SIGPIPE). A forked child (isolated runs) starts
// its own: the parent's process must not get two readers.
class Symbolizer {
 public:
  ~Symbolizer() { Stop(); }

  // The functions inlined at module+offset, innermost first; empty when unknown.
  const std::vector<Location>& Lookup(const std::string& module, uint64_t offset) {
    const auto key = std::make_pair(module, offset);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    return cache_[key] = Ask(module, offset);
  }

 private:
  static std::string SymbolizerPath() {
    const char* path = std::getenv("ASAN_SYMBOLIZER_PATH");
    if (path != nullptr && path[0] != '\0') return path;
    const char* dirs = std::getenv("PATH");
    for (absl::string_view dir : absl::StrSplit(dirs != nullptr ? dirs : "", ':')) {
      std::string candidate = absl::StrCat(dir, "/llvm-symbolizer");
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
  }

  bool Start() {
    if (fd_ >= 0 && owner_ == getpid()) return true;
    if (fd_ >= 0) close(fd_);  // inherited from the parent across fork()
    fd_ = -1;
    if (failed_) return false;
    std::string path = SymbolizerPath();
    int sockets[2];
    if (path.empty() || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
      failed_ = true;
      return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, sockets[1], 0);
    posix_spawn_file_actions_adddup2(&actions, sockets[1], 1);
    // Its complaints about modules it cannot read would land in the campaign's log.
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::string arg_inlining = "--inlines", arg_demangle = "--demangle";
    char* argv[] = {path.data(), arg_inlining.data(), arg_demangle.data(), nullptr};
    const int error = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(sockets[1]);
    if (error != 0) {
      close(sockets[0]);
      failed_ = true;
      return false;
    }
    fd_ = sockets[0];
    owner_ = getpid();
    return true;
  }

  void Stop() {
    if (fd_ < 0 || owner_ != getpid()) return;
    close(fd_);  // end of input: the symbolizer exits
    fd_ = -1;
    waitpid(pid_, nullptr, 0);
  }

  // The reply to one request: pairs of lines (function, file:line:col), then an empty line.
  std::vector<Location> Ask(const std::string& module, uint64_t offset) {
    if (!Start()) return {};
    const std::string request = absl::StrCat("CODE \"", module, "\" 0x", absl::Hex(offset), "\n");
    if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      failed_ = true;
      Stop();
      return {};
    }
    std::string reply;
    char buffer[4096];
    while (reply.size() < 2 || reply.compare(reply.size() - 2, 2, "\n\n") != 0) {
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        failed_ = true;
        Stop();
        return {};
      }
      reply.append(buffer, static_cast<size_t>(n));
    }
    std::vector<absl::string_view> lines = absl::StrSplit(reply, '\n');
    std::vector<Location> locations;
    for (size_t i = 0; i + 1 < lines.size() && !lines[i].empty(); i += 2) {
      if (lines[i] == "??") continue;
      Location location{std::string(lines[i]), std::string(lines[i + 1])};
      if (absl::StartsWith(location.file, "??")) location.file.clear();
      locations.push_back(std::move(location));
    }
    return locations;
  }

  std::map<std::pair<std::string, uint64_t>, std::vector<Location>> cache_;
  int fd_ = -1;
  pid_t pid_ = -1;
  pid_t owner_ = -1;
  bool failed_ = false;
};

Symbolizer& TheSymbolizer() {
  static Symbolizer* const symbolizer = new Symbolizer;  // lives to the end of the process
  return *symbolizer;
}

}  // namespace

bool HasUnsymbolizedFrames(absl::string_view report) {
  for (absl::string_view line : absl::StrSplit(report, '\n')) {
    UnsymbolizedFrame frame;
    if (ParseFrame(line, frame)) return true;
  }
  return false;
}

std::string SymbolizeReport(absl::string_view report) {
  std::string out;
  out.reserve(report.size() * 2);
  int number = 0;  // ASan numbers each stack from #0; inlined functions take numbers too
  for (absl::string_view line : absl::StrSplit(report, '\n')) {
    UnsymbolizedFrame frame;
    const absl::string_view stripped = absl::StripLeadingAsciiWhitespace(line);
    if (absl::StartsWith(stripped, "#0 ")) number = 0;
    if (!ParseFrame(line, frame)) {
      if (absl::StartsWith(stripped, "#")) ++number;
      absl::StrAppend(&out, line, "\n");
      continue;
    }
    // Campaigns print frames unindented (every character ASan appends costs, see
    // scripts/campaign-asan-options); the named frames get ASan's usual indent back.
    const absl::string_view indent = frame.indent.empty() ? "    " : frame.indent;
    const std::vector<Location>& locations = TheSymbolizer().Lookup(frame.module, frame.offset);
    if (locations.empty()) {
      ++number;
      absl::StrAppend(&out, indent, stripped, "\n");
      continue;
    }
    for (const Location& location : locations) {
      absl::StrAppend(&out, indent, "#", number++, " ", frame.address, " in ", location.function,
                      " ");
      if (location.file.empty()) {
        absl::StrAppend(&out, "(", frame.module, "+0x", absl::Hex(frame.offset), ")\n");
      } else {
        absl::StrAppend(&out, location.file, "\n");
      }
    }
  }
  out.pop_back();  // every piece got a '\n', the last one had none
  return out;
}

}  // namespace racefuzz::fuzz
