#include "fuzz/signature.h"

#include <cstring>
#include <string>
#include <string_view>
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

// Template-argument depth: '<' opens and '>' closes one level; a '>' with none open (as in
// "operator->") is a plain character. Returns the depth after `c`.
int TemplateDepthAfter(char c, int depth) {
  if (c == '<') return depth + 1;
  if (c == '>' && depth > 0) return depth - 1;
  return depth;
}

// `text` split at its spaces outside template arguments.
std::vector<absl::string_view> WordsOutsideTemplates(absl::string_view text) {
  std::vector<absl::string_view> words;
  size_t word_start = 0;
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    depth = TemplateDepthAfter(text[i], depth);
    if (depth == 0 && text[i] == ' ') {
      words.push_back(text.substr(word_start, i - word_start));
      word_start = i + 1;
    }
  }
  words.push_back(text.substr(word_start));
  return words;
}

// Where the argument list of `word` starts (its first '(' outside template arguments), or
// npos.
size_t ArgumentListStart(absl::string_view word) {
  int depth = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    depth = TemplateDepthAfter(word[i], depth);
    if (depth == 0 && word[i] == '(') return i;
  }
  return absl::string_view::npos;
}

// "racefuzz::heaps::kfree<racefuzz::heaps::dma_heap>" -> "kfree".
std::string UnqualifiedName(absl::string_view qualified) {
  std::string name;
  int depth = 0;
  for (const char c : qualified) {
    const int after = TemplateDepthAfter(c, depth);
    if (depth == 0 && after == 0) name += c;  // neither in template arguments nor a bracket
    depth = after;
  }
  const size_t colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}

// "racefuzz::heaps::(anonymous namespace)::dma_heap_ioctl(racefuzz::heaps::file*, ...)"
// -> "dma_heap_ioctl". Lambdas keep their enclosing function's name.
//
// A frame's text is "[return type] name[<template arguments>][(arguments) [qualifiers]]
// [location...]"; its words, split at the spaces outside template arguments, are e.g.
// "void", "ns::kfree<T>(A&,", "B*)", "heaps/slab.h:97:3". The function is the first word
// (up to its argument list, when it has one) that is not a return type. Only a function
// template's symbol starts with a return type ("void ns::kfree<T>(...)"), so a word is one
// when the word after it starts a function: it holds an argument list or template
// arguments, and an argument list follows. Names without an argument list ("dma_heap_put
// heaps/dma_heap.cc:200:3") end at their first word.
std::string ShortFunctionName(absl::string_view frame) {
  std::string text(frame);
  constexpr std::string_view kAnonymous = "(anonymous namespace)::";
  for (size_t at; (at = text.find(kAnonymous)) != std::string::npos;) {
    text.erase(at, kAnonymous.size());
  }
  const std::vector<absl::string_view> words = WordsOutsideTemplates(text);
  for (size_t k = 0;; ++k) {  // returns by the last word at the latest: it has no next word
    const absl::string_view word = words[k];
    const size_t arguments = ArgumentListStart(word);
    if (arguments != absl::string_view::npos) {
      return Slug(UnqualifiedName(word.substr(0, arguments)), 40);
    }
    const bool is_return_type = [&] {
      if (k + 1 == words.size()) return false;
      const absl::string_view next = words[k + 1];
      const absl::string_view rest = absl::string_view(text).substr(next.data() - text.data());
      return absl::StrContains(next, '(') ||
             (absl::StrContains(next, '<') && absl::StrContains(rest, '('));
    }();
    if (!is_return_type) return Slug(UnqualifiedName(word), 40);
  }
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
