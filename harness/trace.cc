#include "harness/trace.h"

#include <string_view>

#include "absl/strings/str_format.h"

namespace racefuzz {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

void Mix(uint64_t& h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  h ^= 0xff;  // separator, so "ab"+"c" and "a"+"bc" differ
  h *= kFnvPrime;
}

void Mix(uint64_t& h, uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    h ^= (value >> (8 * i)) & 0xff;
    h *= kFnvPrime;
  }
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
