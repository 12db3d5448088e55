// Trace: every scheduling point, decision and annotation of one execution, in order.
//
// The trace is what a race diagram is drawn from and what determinism is checked against:
// its hash covers thread ids, event kinds, labels and source locations (file basename and
// line), never addresses, so the same decisions give the same hash in every build.
#ifndef RACEFUZZ_HARNESS_TRACE_H_
#define RACEFUZZ_HARNESS_TRACE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/source_location.h"
#include "harness/strategy.h"

namespace racefuzz {

enum class EventKind : uint8_t {
  kThreadStart,   // a logical thread ran for the first time
  kYield,         // a yield point: label names the operation about to happen; value is
                  // the thread the strategy switched to there plus one, or 0 (went on)
  kBlock,         // the thread blocked (label: what it waits on)
  kWake,          // the thread woke another (value: woken thread)
  kAnnotation,    // free text from the code under test, e.g. "ioctl(fd=3, ALLOC)"
  kThreadFinish,  // a logical thread returned
};

struct TraceEvent {
  uint64_t step;    // scheduling-point index at the time of the event
  ThreadId thread;  // the thread the event belongs to
  EventKind kind;
  int32_t text = -1;   // index for Trace::text() for annotations and object names
  uint32_t value = 0;  // kind-specific (kYield: preempted to value - 1; kWake: woken)
  const char* label = "";
  SourceLocation location;
  const char* object = nullptr;  // name of the primitive operated on, if any
};

class Trace {
 public:
  // Keeps the capacity of every buffer: one Trace serves every execution of a scheduler,
  // and after the first few executions adding events and texts allocates nothing.
  void Clear() {
    events_.clear();
    text_bytes_.clear();
    text_ends_.clear();
  }
  void Add(const TraceEvent& event) { events_.push_back(event); }
  // The strategy preempted the running thread at its last event, a yield point, in favour
  // of `next`. Kept in that event rather than a new one: a switch is the hot path of every
  // execution, and a second event per switch cost 2 ns of its 25 and a quarter of Hash().
  void MarkPreempted(ThreadId next) { events_.back().value = next + 1; }
  // Stores a copy of `text` and returns its index for TraceEvent::text.
  int32_t AddText(std::string_view text) {
    text_bytes_.append(text);
    return EndText();
  }
  // The same for "<first> <second>", without building the string first.
  int32_t AddText(std::string_view first, std::string_view second) {
    text_bytes_.append(first);
    text_bytes_.push_back(' ');
    text_bytes_.append(second);
    return EndText();
  }
  const std::vector<TraceEvent>& events() const { return events_; }
  // Valid until the next AddText or Clear.
  std::string_view text(int32_t index) const {
    const size_t begin = index == 0 ? 0 : text_ends_[index - 1];
    return std::string_view(text_bytes_).substr(begin, text_ends_[index] - begin);
  }

  // A 64-bit hash (word-wise multiply-shift, see trace.cc) over the address-free content of
  // every event.
  uint64_t Hash() const;
  // One line per event, for debugging and determinism diffs.
  std::string Dump() const;

 private:
  int32_t EndText() {
    text_ends_.push_back(text_bytes_.size());
    return static_cast<int32_t>(text_ends_.size() - 1);
  }

  std::vector<TraceEvent> events_;
  // Every text back to back (one buffer, not a string per annotation), and where each ends.
  std::string text_bytes_;
  std::vector<size_t> text_ends_;
};

}  // namespace racefuzz

#endif  // RACEFUZZ_HARNESS_TRACE_H_
