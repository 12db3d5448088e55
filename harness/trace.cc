#include "harness/trace.h"

#include <string_view>

#include "absl/strings/str_format.h"

namespace racefuzz {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
// Mixes whole 64-bit words: one multiply and one shift per word (the multiplier is 2^64
// divided by the golden ratio, as in Fibonacci hashing). Byte-at-a-time FNV-1a took about 60
// dependent multiplies per trace event, which made hashing the trace cost more than running
// the execution (harness_bench, BM_FiberSwitch: 75% of the time of a 2,000-switch run).
constexpr uint64_t kMixMultiplier = 0x9e3779b97f4a7c15ULL;

void Mix(uint64_t& h, uint64_t value) {
  h = (h ^ value) * kMixMultiplier;
  h ^= h >> 32;
}

// Bytes are packed little-endian by hand, so the hash is the same on every host.
void Mix(uint64_t& h, std::string_view bytes) {
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word = 0;
    for (size_t b = 0; b < 8; ++b) {
      word |= uint64_t{static_cast<unsigned char>(bytes[i + b])} << (8 * b);
    }
    Mix(h, word);
  }
  uint64_t tail = 0;
  for (size_t b = 0; i < bytes.size(); ++i, ++b) {
    tail |= uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * b);
  }
  Mix(h, tail);
  Mix(h, uint64_t{bytes.size()});  // separator, so "ab"+"c" and "a"+"bc" differ
}

const char* KindName(EventKind kind) {
  switch (kind) {
    case EventKind::kThreadStart: return "start";
    case EventKind::kYield: return "yield";
    case EventKind::kPreempt: return "preempt";
    case EventKind::kBlock: return "block";
    case EventKind::kWake: return "wake";
    case EventKind::kAnnotation: return "note";
    case EventKind::kThreadFinish: return "finish";
  }
  return "?";
}

}  // namespace

uint32_t SourceLocation::SiteId() const {
  uint64_t h = kFnvOffset;
  Mix(h, Basename());
  Mix(h, static_cast<uint64_t>(line));
  return static_cast<uint32_t>(h ^ (h >> 32));
}

uint64_t Trace::Hash() const {
  uint64_t h = kFnvOffset;
  for (const TraceEvent& e : events_) {
    Mix(h, e.step);
    Mix(h, static_cast<uint64_t>(e.thread) << 8 | static_cast<uint64_t>(e.kind));
    Mix(h, e.value);
    Mix(h, std::string_view(e.label));
    Mix(h, std::string_view(e.object != nullptr ? e.object : ""));
    Mix(h, e.location.Basename());
    Mix(h, static_cast<uint64_t>(e.location.line));
    if (e.text >= 0) Mix(h, texts_[e.text]);
  }
  return h;
}

std::string Trace::Dump() const {
  std::string out;
  for (const TraceEvent& e : events_) {
    absl::StrAppendFormat(&out, "%6d T%d %-7s %s", e.step, e.thread, KindName(e.kind), e.label);
    if (e.object != nullptr) absl::StrAppendFormat(&out, "(%s)", e.object);
    if (e.text >= 0) absl::StrAppendFormat(&out, " \"%s\"", texts_[e.text]);
    if (e.kind == EventKind::kPreempt || e.kind == EventKind::kWake) {
      absl::StrAppendFormat(&out, " ->T%d", e.value);
    }
    if (e.location.line > 0) {
      absl::StrAppendFormat(&out, " (%s:%d)", e.location.Basename(), e.location.line);
    }
    out += '\n';
  }
  return out;
}

}  // namespace racefuzz
