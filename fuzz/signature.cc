#include "fuzz/signature.h"

#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace racefuzz::fuzz {
namespace {

// Lower-case letters, '_' and '-' only; a run of digits becomes one 'n', a run of anything
// else one '-'.
std::string Slug(absl::string_view text, size_t max_len = 80) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (absl::ascii_isdigit(c)) {
      if (i == 0 || !absl::ascii_isdigit(text[i - 1])) out += 'n';
    } else if (absl::ascii_isalpha(c) || c == '_') {
      out += absl::ascii_tolower(c);
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= max_len) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "unknown" : out;
}

// "racefuzz::heaps::(anonymous namespace)::dma_heap_ioctl(racefuzz::heaps::file*, ...)"
// -> "dma_heap_ioctl". Lambdas and operators keep their enclosing name.
std::string ShortFunctionName(absl::string_view symbol) {
  std::string s(symbol);
  const std::string kAnonymous = "(anonymous namespace)::";
  for (size_t at; (at = s.find(kAnonymous)) != std::string::npos;) s.erase(at, kAnonymous.size());
  // Drop the argument list (from the first '(' at template depth zero) and template
  // arguments, and the return type a function template's symbol starts with ("void
  // ns::kfree<T>(...)": what stands before the last space at depth zero before that '(').
  // A symbol without an argument list ends at its first space at depth zero.
  size_t start = 0;
  size_t end = s.size();
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '<') ++depth;
    if (c == '>' && depth > 0) --depth;
    if (depth != 0) continue;
    if (c == '(') {
      end = i;
      break;
    }
    if (c == ' ') {
      const size_t paren = s.find('(', i);
      const size_t next_space = s.find(' ', i + 1);
      if (paren == std::string::npos ||
          (next_space != std::string::npos && next_space < paren && s.find('<', i) > next_space)) {
        end = i;  // no argument list after this word: the symbol ends here
        break;
      }
      start = i + 1;  // a return type
    }
  }
  std::string name;
  depth = 0;
  for (size_t i = start; i < end; ++i) {
    const char c = s[i];
    if (c == '<') ++depth;
    if (depth == 0) name += c;
    if (c == '>' && depth > 0) --depth;
  }
  const size_t colon = name.rfind("::");
  if (colon != std::string::npos) name = name.substr(colon + 2);
  return Slug(name, 40);
}

// The function of the first stack frame in the model ("heaps/" sources): the place a
// kernel reviewer would look, whatever harness or libc frame sits on top. Falls back to the
// first symbolised frame.
std::string ModelFunction(const std::vector<absl::string_view>& lines, size_t from,
                          absl::string_view skip_file = "") {
  std::string first;
  for (size_t i = from; i < lines.size(); ++i) {
    absl::string_view line = absl::StripLeadingAsciiWhitespace(lines[i]);
    if (!absl::StartsWith(line, "#")) {
      if (!first.empty() || i > from + 1) break;  // end of the first stack
      continue;
    }
    // ASan: "#1 0x56 in symbol file:line"; TSan: "#1 symbol file:line (module+0x1)".
    const size_t in = line.find(" in ");
    const size_t space = line.find(' ');
    if (space == absl::string_view::npos) continue;
    absl::string_view rest =
        in != absl::string_view::npos ? line.substr(in + 4) : line.substr(space + 1);
    const std::string function = ShortFunctionName(rest);
    if (first.empty()) first = function;
    if (absl::StrContains(rest, "heaps/") &&
        (skip_file.empty() || !absl::StrContains(rest, skip_file))) {
      return function;
    }
  }
  return first.empty() ? "unknown" : first;
}

}  // namespace

std::string HarnessSignature(absl::string_view kind, absl::string_view title) {
  return absl::StrCat("racefuzz.", Slug(kind), ".", Slug(title));
}

std::string FreeSite(absl::string_view output) {
  const std::vector<absl::string_view> lines = absl::StrSplit(output, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!absl::StrContains(lines[i], "freed by thread")) continue;
    // The allocator's own frames (kfree in heaps/slab.h) say nothing about who freed it.
    const std::string function = ModelFunction(lines, i + 1, "heaps/slab.h");
    return function == "unknown" ? "" : function;
  }
  return "";
}

std::string SignatureFromReport(absl::string_view output, bool crashed) {
  const std::vector<absl::string_view> lines = absl::StrSplit(output, '\n');
  struct Sanitizer {
    const char* header;  // "==pid==ERROR: AddressSanitizer: heap-use-after-free on ..."
    const char* prefix;
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    for (const Sanitizer& s : {Sanitizer{"ERROR: AddressSanitizer: ", "asan"},
                               Sanitizer{"WARNING: ThreadSanitizer: ", "tsan"},
                               Sanitizer{"ERROR: ThreadSanitizer: ", "tsan"},
                               Sanitizer{"ERROR: LeakSanitizer: ", "lsan"}}) {
      const size_t at = line.find(s.header);
      if (at == absl::string_view::npos) continue;
      absl::string_view type = line.substr(at + strlen(s.header));
      for (const char* end : {" on ", " (", ":"}) type = type.substr(0, type.find(end));
      // The allocator's own frames (kzalloc, kfree in heaps/slab.h) say nothing about
      // which model code raced or used the memory: its caller does.
      return absl::StrCat(s.prefix, ".", Slug(type), ".",
                          ModelFunction(lines, i + 1, "heaps/slab.h"));
    }
    // UBSan: "heaps/x.cc:12:5: runtime error: member access within null pointer of ..."
    const size_t ub = line.find(": runtime error: ");
    if (ub != absl::string_view::npos) {
      absl::string_view what = line.substr(ub + strlen(": runtime error: "));
      absl::string_view file = line.substr(0, ub);
      file = file.substr(0, file.find(':'));
      const size_t slash = file.rfind('/');
      if (slash != absl::string_view::npos) file = file.substr(slash + 1);
      return absl::StrCat("ubsan.", Slug(what), ".", Slug(file, 30));
    }
    // The harness: "==racefuzz== BUG [refcount]: refcount_t: underflow; use-after-free".
    // "[sanitizer]" reports only follow a sanitizer's own report, handled above.
    constexpr absl::string_view kBug = "==racefuzz== BUG [";
    const size_t bug = line.find(kBug);
    if (bug != absl::string_view::npos) {
      absl::string_view rest = line.substr(bug + kBug.size());
      const size_t close = rest.find("]: ");
      if (close == absl::string_view::npos) continue;
      absl::string_view kind = rest.substr(0, close);
      if (kind == "sanitizer") continue;
      return HarnessSignature(kind, rest.substr(close + 3));
    }
  }
  for (absl::string_view line : lines) {
    if (absl::StrContains(line, "ERROR: libFuzzer: timeout")) return "libfuzzer.timeout";
    if (absl::StrContains(line, "ERROR: libFuzzer: out-of-memory")) return "libfuzzer.oom";
    if (absl::StrContains(line, "==ERROR: AddressSanitizer: SEGV")) return "asan.segv.unknown";
  }
  return crashed ? "crash.unknown" : std::string(kCleanSignature);
}

}  // namespace racefuzz::fuzz
