#include "fuzz/text_form.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace racefuzz::fuzz {
namespace {

constexpr const char* kOpNames[kNumOpKinds] = {
    "add",      "remove", "tee_unregister", "unload", "find", "put",
    "put_keep", "open",   "alloc",          "close",  "dup",
};
constexpr const char* kHeapKindNames[3] = {"system", "cma", "tee"};

// Append* write into the caller's string: the fuzz target formats every operation's label
// in every execution, into one buffer it reuses.
void AppendFd(std::string* out, FdRef ref) {
  if (ref.raw) {
    absl::StrAppendFormat(out, "raw:%d", ref.value);
  } else {
    absl::StrAppendFormat(out, "f%d", ref.value);
  }
}

void AppendNumber(std::string* out, uint64_t value) {
  if (value < (uint64_t{1} << 32)) {
    absl::StrAppendFormat(out, "%d", value);
  } else {
    absl::StrAppendFormat(out, "%#x", value);
  }
}

absl::Status LineError(int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat("line %d: %s", line, what));
}

// Parses "<prefix><n>" with n < limit, e.g. "heap2".
std::optional<uint8_t> ParseIndexed(absl::string_view token, absl::string_view prefix, int limit) {
  if (!absl::ConsumePrefix(&token, prefix)) return std::nullopt;
  int n;
  if (!absl::SimpleAtoi(token, &n) || n < 0 || n >= limit) return std::nullopt;
  return static_cast<uint8_t>(n);
}

std::optional<uint64_t> ParseNumber(absl::string_view token) {
  uint64_t value;
  if (absl::ConsumePrefix(&token, "0x") || absl::ConsumePrefix(&token, "0X")) {
    if (!absl::SimpleHexAtoi(token, &value)) return std::nullopt;
    return value;
  }
  if (!absl::SimpleAtoi(token, &value)) return std::nullopt;
  return value;
}

class Parser {
 public:
  absl::StatusOr<Input> Parse(absl::string_view text);

 private:
  absl::Status ParseOpLine(int lane, std::vector<absl::string_view> tokens);
  absl::Status ParseArgs(Op& op, const std::vector<absl::string_view>& args);

  Input input_;
  int line_ = 0;
  bool saw_threads_ = false;
  int next_result_ = 0;
};

absl::StatusOr<Input> Parser::Parse(absl::string_view text) {
  int max_lane = 0;
  for (absl::string_view raw_line : absl::StrSplit(text, '\n')) {
    ++line_;
    const size_t comment = raw_line.find('#');
    if (comment != absl::string_view::npos) raw_line = raw_line.substr(0, comment);
    std::vector<absl::string_view> tokens =
        absl::StrSplit(raw_line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (tokens.empty()) continue;
    if (tokens[0] == "threads") {
      int n;
      if (tokens.size() != 2 || !absl::SimpleAtoi(tokens[1], &n) || n < 1 || n > kMaxThreads) {
        return LineError(line_, "expected `threads N` with N from 1 to 4");
      }
      input_.program.num_threads = n;
      saw_threads_ = true;
    } else if (tokens[0] == "schedule") {
      for (size_t i = 1; i < tokens.size(); ++i) {
        if (tokens[i] == "-") continue;
        if (tokens[i] == "random") {
          if (i + 1 != tokens.size()) {
            return LineError(line_, "`random` (the random tail) must end the schedule line");
          }
          input_.random_tail = true;
          continue;
        }
        uint32_t byte;
        if (tokens[i].size() != 2 || !absl::SimpleHexAtoi(tokens[i], &byte)) {
          return LineError(line_,
                           absl::StrFormat("schedule byte `%s` is not two hex digits", tokens[i]));
        }
        input_.schedule.push_back(static_cast<uint8_t>(byte));
      }
    } else {
      absl::string_view head = tokens[0];
      std::optional<uint8_t> lane;
      if (absl::ConsumeSuffix(&head, ":")) lane = ParseIndexed(head, "T", kNumLanes);
      if (!lane) {
        return LineError(line_, absl::StrFormat("expected `threads`, `schedule` or `T0:`..`T4:`, "
                                                "got `%s`",
                                                tokens[0]));
      }
      if (*lane > max_lane) max_lane = *lane;
      tokens.erase(tokens.begin());
      if (absl::Status s = ParseOpLine(*lane, std::move(tokens)); !s.ok()) return s;
    }
  }
  if (!saw_threads_) input_.program.num_threads = max_lane > 0 ? max_lane : 1;
  if (max_lane > input_.program.num_threads) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "T%d has operations but `threads %d` was given", max_lane, input_.program.num_threads));
  }
  // Second pass over fd references: they may name results defined later (another thread).
  const int num_results = input_.program.NumResults();
  for (const auto& ops : input_.program.lanes) {
    for (const Op& op : ops) {
      if (TakesFd(op.kind) && !op.fd.raw && op.fd.value >= num_results) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "f%d is used but the program defines only f0..f%d", op.fd.value, num_results - 1));
      }
    }
  }
  return input_;
}

absl::Status Parser::ParseOpLine(int lane, std::vector<absl::string_view> tokens) {
  // Optional "fN =" naming the result; results are numbered in the order of the text,
  // which must list T0 first, then T1, ... (the order FormatText writes).
  std::optional<uint8_t> named;
  if (tokens.size() >= 2 && tokens[1] == "=") {
    named = ParseIndexed(tokens[0], "f", 256);
    if (!named) return LineError(line_, absl::StrFormat("bad result name `%s`", tokens[0]));
    tokens.erase(tokens.begin(), tokens.begin() + 2);
  }
  if (tokens.empty()) return LineError(line_, "missing operation");
  for (int later = lane + 1; later < kNumLanes; ++later) {
    if (!input_.program.lanes[later].empty()) {
      return LineError(line_,
                       absl::StrFormat("T%d operations must come before T%d's", lane, later));
    }
  }
  Op op;
  int kind = 0;
  while (kind < kNumOpKinds && tokens[0] != kOpNames[kind]) ++kind;
  if (kind == kNumOpKinds) {
    return LineError(line_, absl::StrFormat("unknown operation `%s`", tokens[0]));
  }
  op.kind = static_cast<OpKind>(kind);
  if (op.kind == OpKind::kAlloc) {
    op.fd_flags = kFdFlagChoices[0];
    op.cmd = kCmdChoices[0];
  }
  tokens.erase(tokens.begin());
  if (absl::Status s = ParseArgs(op, tokens); !s.ok()) return s;
  if (ProducesFd(op.kind)) {
    if (named && *named != next_result_) {
      return LineError(line_, absl::StrFormat("this result is f%d (results are numbered in "
                                              "order), not f%d",
                                              next_result_, *named));
    }
    ++next_result_;
  } else if (named) {
    return LineError(line_, absl::StrFormat("`%s` returns no fd to name", kOpNames[kind]));
  }
  if (input_.program.lanes[lane].size() >= kMaxOpsPerLane) {
    return LineError(line_,
                     absl::StrFormat("more than %d operations in T%d", kMaxOpsPerLane, lane));
  }
  if (input_.program.NumOps() >= kMaxOps) {
    return LineError(line_, absl::StrFormat("more than %d operations", kMaxOps));
  }
  input_.program.lanes[lane].push_back(op);
  return absl::OkStatus();
}

absl::Status Parser::ParseArgs(Op& op, const std::vector<absl::string_view>& args) {
  const char* usage = "";
  auto heap_kind = [&](absl::string_view t) {
    for (int k = 0; k < 3; ++k) {
      if (t == kHeapKindNames[k]) {
        op.heap_kind = static_cast<heaps::HeapKind>(k);
        return true;
      }
    }
    return false;
  };
  auto heap = [&](absl::string_view t) {
    auto h = ParseIndexed(t, "heap", kNumHeaps);
    if (h) op.heap = *h;
    return h.has_value();
  };
  auto slot = [&](absl::string_view t) {
    auto s = ParseIndexed(t, "slot", kNumSlots);
    if (s) op.slot = *s;
    return s.has_value();
  };
  auto fd = [&](absl::string_view t) {
    if (auto raw = ParseIndexed(t, "raw:", kNumRawFds)) {
      op.fd = FdRef{true, *raw};
      return true;
    }
    if (auto result = ParseIndexed(t, "f", 256)) {
      op.fd = FdRef{false, *result};
      return true;
    }
    return false;
  };
  bool ok = true;
  switch (op.kind) {
    case OpKind::kAddHeap:
      usage = "add system|cma|tee heapN";
      ok = args.size() == 2 && heap_kind(args[0]) && heap(args[1]);
      break;
    case OpKind::kRemoveHeap:
    case OpKind::kTeeUnregister:
    case OpKind::kOpenHeap:
      usage = "<op> heapN (N from 0 to 3)";
      ok = args.size() == 1 && heap(args[0]);
      break;
    case OpKind::kUnloadModule:
      usage = "unload system|cma|tee";
      ok = args.size() == 1 && heap_kind(args[0]);
      break;
    case OpKind::kFindHeap:
      usage = "find heapN slotM";
      ok = args.size() == 2 && heap(args[0]) && slot(args[1]);
      break;
    case OpKind::kPutHeap:
    case OpKind::kPutHeapKeepSlot:
      usage = "put|put_keep slotM";
      ok = args.size() == 1 && slot(args[0]);
      break;
    case OpKind::kClose:
    case OpKind::kDup:
      usage = "close|dup fN|raw:N";
      ok = args.size() == 1 && fd(args[0]);
      break;
    case OpKind::kAlloc:
      usage = "alloc fN|raw:N len=L [fd_flags=X] [heap_flags=X] [cmd=X]";
      ok = !args.empty() && fd(args[0]);
      bool saw_len = false;
      for (size_t i = 1; ok && i < args.size(); ++i) {
        std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(args[i], '=');
        std::optional<uint64_t> value = ParseNumber(kv.second);
        if (!value) {
          ok = false;
        } else if (kv.first == "len") {
          op.len = *value;
          saw_len = true;
        } else if (kv.first == "fd_flags" && *value <= UINT32_MAX) {
          op.fd_flags = static_cast<uint32_t>(*value);
        } else if (kv.first == "heap_flags") {
          op.heap_flags = *value;
        } else if (kv.first == "cmd" && *value <= UINT32_MAX) {
          op.cmd = static_cast<uint32_t>(*value);
        } else {
          ok = false;
        }
      }
      ok = ok && saw_len;
      break;
  }
  if (!ok) return LineError(line_, absl::StrFormat("usage: %s", usage));
  return absl::OkStatus();
}

}  // namespace

void AppendOp(std::string* out, const Op& op, int result) {
  if (result >= 0) absl::StrAppendFormat(out, "f%d = ", result);
  out->append(kOpNames[static_cast<int>(op.kind)]);
  const char* kind_name = kHeapKindNames[static_cast<int>(op.heap_kind) % 3];
  switch (op.kind) {
    case OpKind::kAddHeap:
      absl::StrAppendFormat(out, " %s heap%d", kind_name, op.heap);
      break;
    case OpKind::kRemoveHeap:
    case OpKind::kTeeUnregister:
    case OpKind::kOpenHeap:
      absl::StrAppendFormat(out, " heap%d", op.heap);
      break;
    case OpKind::kUnloadModule:
      absl::StrAppendFormat(out, " %s", kind_name);
      break;
    case OpKind::kFindHeap:
      absl::StrAppendFormat(out, " heap%d slot%d", op.heap, op.slot);
      break;
    case OpKind::kPutHeap:
    case OpKind::kPutHeapKeepSlot:
      absl::StrAppendFormat(out, " slot%d", op.slot);
      break;
    case OpKind::kClose:
    case OpKind::kDup:
      out->push_back(' ');
      AppendFd(out, op.fd);
      break;
    case OpKind::kAlloc:
      out->push_back(' ');
      AppendFd(out, op.fd);
      out->append(" len=");
      AppendNumber(out, op.len);
      if (op.fd_flags != kFdFlagChoices[0])
        absl::StrAppendFormat(out, " fd_flags=%#x", op.fd_flags);
      if (op.heap_flags != 0) absl::StrAppendFormat(out, " heap_flags=%d", op.heap_flags);
      if (op.cmd != kCmdChoices[0]) absl::StrAppendFormat(out, " cmd=%#x", op.cmd);
      break;
  }
}

std::string FormatOp(const Op& op, int result) {
  std::string out;
  AppendOp(&out, op, result);
  return out;
}

std::string FormatText(const Input& input) {
  const Program& program = input.program;
  std::string out = absl::StrFormat("threads %d\n", program.num_threads);
  int result = 0;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    for (const Op& op : program.lanes[lane]) {
      absl::StrAppendFormat(&out, "T%d: %s\n", lane,
                            FormatOp(op, ProducesFd(op.kind) ? result++ : -1));
    }
  }
  out += "schedule";
  if (input.schedule.empty() && !input.random_tail) out += " -";
  for (uint8_t b : input.schedule) absl::StrAppendFormat(&out, " %02x", b);
  if (input.random_tail) out += " random";
  out += '\n';
  return out;
}

absl::StatusOr<Input> ParseText(absl::string_view text) { return Parser().Parse(text); }

}  // namespace racefuzz::fuzz
