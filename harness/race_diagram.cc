#include "harness/race_diagram.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace racefuzz {
namespace {

constexpr size_t kMinColumnWidth = 24;
constexpr size_t kMaxColumnWidth = 46;
constexpr size_t kKeepHead = 2;  // yield rows kept at the start of a long run
constexpr size_t kKeepTail = 4;  // ...and at its end

struct Row {
  ThreadId thread;
  std::string text;
  bool elision = false;
};

std::string CellText(const Trace& trace, const TraceEvent& e, std::span<const std::string> names) {
  std::string where;
  if (e.location.line > 0)
    where = absl::StrFormat("  %s:%d", e.location.Basename(), e.location.line);
  switch (e.kind) {
    case EventKind::kYield:
      if (e.object != nullptr) return absl::StrCat(e.label, "(", e.object, ")", where);
      return absl::StrCat(e.label, where);
    case EventKind::kBlock:
      return absl::StrFormat("[blocks on %s]", trace.text(e.text));
    case EventKind::kWake:
      return absl::StrFormat("[wakes %s]", e.value < names.size() ? names[e.value] : "?");
    case EventKind::kAnnotation:
      return absl::StrFormat("> %s", trace.text(e.text));
    case EventKind::kThreadFinish:
      return "[exits]";
    case EventKind::kThreadStart:
      return "";
  }
  return "";
}

bool AlwaysShown(EventKind kind) {
  return kind == EventKind::kAnnotation || kind == EventKind::kBlock || kind == EventKind::kWake ||
         kind == EventKind::kThreadFinish;
}

std::string Fit(const std::string& text, size_t width) {
  if (text.size() < width) return text + std::string(width - text.size(), ' ');
  return text.substr(0, width - 2) + "~ ";
}

}  // namespace

std::string RenderRaceDiagram(const Trace& trace, std::span<const std::string> thread_names,
                              const Failure& failure) {
  const std::vector<TraceEvent>& events = trace.events();
  std::vector<Row> rows;
  // Walk maximal runs of consecutive events of one thread.
  size_t i = 0;
  while (i < events.size()) {
    size_t end = i;
    while (end < events.size() && events[end].thread == events[i].thread) ++end;
    std::vector<size_t> yields;
    for (size_t k = i; k < end; ++k) {
      if (events[k].kind == EventKind::kYield) yields.push_back(k);
    }
    auto kept_yield = [&](size_t k) {
      const size_t pos = std::lower_bound(yields.begin(), yields.end(), k) - yields.begin();
      return pos < kKeepHead || pos + kKeepTail >= yields.size();
    };
    size_t elided = 0;
    for (size_t k = i; k < end; ++k) {
      const TraceEvent& e = events[k];
      const bool show = AlwaysShown(e.kind) || (e.kind == EventKind::kYield && kept_yield(k));
      if (!show) {
        if (e.kind == EventKind::kYield) ++elided;
        continue;
      }
      if (elided > 0) {
        rows.push_back({e.thread, absl::StrFormat("  ... %d more steps ...", elided), true});
        elided = 0;
      }
      std::string text = CellText(trace, e, thread_names);
      if (!text.empty()) rows.push_back({e.thread, std::move(text)});
    }
    if (elided > 0) {
      rows.push_back({events[i].thread, absl::StrFormat("  ... %d more steps ...", elided), true});
    }
    i = end;
  }
  if (failure.failed() && failure.thread < thread_names.size()) {
    std::string mark = failure.kind == FailureKind::kSanitizer
                           ? "^^^ FAILED HERE (sanitizer report above)"
                           : absl::StrCat("^^^ FAILED HERE: ", failure.title);
    rows.push_back({failure.thread, mark});
  }

  const size_t columns = std::max<size_t>(thread_names.size(), 1);
  size_t width = kMinColumnWidth;
  for (const Row& r : rows) width = std::max(width, r.text.size() + 2);
  width = std::min(width, kMaxColumnWidth);

  std::string out;
  std::string rule;
  for (size_t c = 0; c < columns; ++c) {
    out += Fit(c < thread_names.size() ? thread_names[c] : "", width);
    rule += Fit(std::string(std::min(width - 2, thread_names.size() > c
                                                    ? std::max<size_t>(thread_names[c].size(), 2)
                                                    : 2),
                            '-'),
                width);
  }
  auto trim = [](std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  out = trim(out) + "\n" + trim(rule) + "\n";
  for (const Row& r : rows) {
    std::string line(width * r.thread, ' ');
    line += r.text.size() < width || r.thread + 1 == columns ? r.text : Fit(r.text, width);
    out += trim(line) + "\n";
  }
  return out;
}

}  // namespace racefuzz
