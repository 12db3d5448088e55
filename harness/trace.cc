#include "harness/trace.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
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

// The little-endian value of the n <= 8 bytes at `p`: whole loads on a little-endian host
// (ASan checks every byte load of a byte loop on its own, and such loops were most of the
// cost of hashing annotation texts), packed by hand elsewhere, so the hash is the same on
// every host. For 2 <= n < 8, two overlapping loads: the bytes they share land on the same
// bits in both, so OR-ing them gives exactly the packed bytes.
template <typename Word>
uint64_t Load(const char* p) {
  Word word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

uint64_t LoadLittleEndian(const char* p, size_t n) {
  if constexpr (std::endian::native == std::endian::little) {
    if (n >= 8) return Load<uint64_t>(p);
    if (n >= 4) return Load<uint32_t>(p) | Load<uint32_t>(p + n - 4) << (8 * (n - 4));
    if (n >= 2) return Load<uint16_t>(p) | Load<uint16_t>(p + n - 2) << (8 * (n - 2));
    return n == 1 ? static_cast<unsigned char>(p[0]) : 0;
  } else {
    uint64_t word = 0;
    for (size_t b = 0; b < n && b < 8; ++b) {
      word |= uint64_t{static_cast<unsigned char>(p[b])} << (8 * b);
    }
    return word;
  }
}

void Mix(uint64_t& h, std::string_view bytes) {
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) Mix(h, LoadLittleEndian(bytes.data() + i, 8));
  Mix(h, LoadLittleEndian(bytes.data() + i, bytes.size() - i));
  Mix(h, uint64_t{bytes.size()});  // separator, so "ab"+"c" and "a"+"bc" differ
}

const char* KindName(EventKind kind) {
  switch (kind) {
    case EventKind::kThreadStart:
      return "start";
    case EventKind::kYield:
      return "yield";
    case EventKind::kBlock:
      return "block";
    case EventKind::kWake:
      return "wake";
    case EventKind::kAnnotation:
      return "note";
    case EventKind::kThreadFinish:
      return "finish";
  }
  return "?";
}

}  // namespace

uint32_t SourceLocation::SiteId() const {
  // Every access of every primitive asks for its site (SyncAccess), and the basename's
  // digest (strlen, memrchr, mixing) was most of that: it is memoised by the file pointer,
  // per OS thread. `file` has static storage and never changes (source_location.h).
  struct FileDigest {
    const char* file = nullptr;
    uint64_t digest = 0;
  };
  thread_local std::array<FileDigest, 64> memo;
  FileDigest& slot = memo[(reinterpret_cast<uintptr_t>(file) >> 3) % memo.size()];
  if (slot.file != file) {
    uint64_t digest = kFnvOffset;
    Mix(digest, Basename());
    slot = FileDigest{file, digest};
  }
  uint64_t h = slot.digest;
  Mix(h, static_cast<uint64_t>(line));
  return static_cast<uint32_t>(h ^ (h >> 32));
}

namespace {

uint64_t Digest(std::string_view bytes) {
  uint64_t h = kFnvOffset;
  Mix(h, bytes);
  return h;
}

// Digests of the trace's constant strings (labels, object names, file basenames), memoised
// by address for the duration of one Hash() call. A trace holds these strings by pointer
// and reads them when it is hashed, so during one call the same address always holds the
// same content and the memo cannot change the result; it only saves hashing "mutex_lock"
// and "dma_heap.cc" again for every event (they were most of the cost of Hash()).
class DigestMemo {
 public:
  template <typename Compute>
  uint64_t Get(const char* key, Compute compute) {
    Slot& slot = slots_[(reinterpret_cast<uintptr_t>(key) >> 3) % kSlots];
    if (slot.key != key) {
      slot.key = key;
      slot.digest = compute();
    }
    return slot.digest;
  }

 private:
  struct Slot {
    const char* key = nullptr;
    uint64_t digest = 0;
  };
  static constexpr size_t kSlots = 128;
  std::array<Slot, kSlots> slots_{};
};

}  // namespace

uint64_t Trace::Hash() const {
  DigestMemo strings;
  DigestMemo files;
  uint64_t h = kFnvOffset;
  for (const TraceEvent& e : events_) {
    const char* label = e.label != nullptr ? e.label : "";
    const char* object = e.object != nullptr ? e.object : "";
    const char* file = e.location.file != nullptr ? e.location.file : "";
    Mix(h, e.step);
    Mix(h, uint64_t{e.value} << 32 | uint64_t{e.thread} << 8 | static_cast<uint64_t>(e.kind));
    Mix(h, strings.Get(label, [label] { return Digest(label); }));
    Mix(h, strings.Get(object, [object] { return Digest(object); }));
    Mix(h, files.Get(file, [&e] { return Digest(e.location.Basename()); }));
    Mix(h, static_cast<uint64_t>(static_cast<uint32_t>(e.location.line)));
    if (e.text >= 0) Mix(h, text(e.text));
  }
  return h;
}

std::string Trace::Dump() const {
  std::string out;
  for (const TraceEvent& e : events_) {
    absl::StrAppendFormat(&out, "%6d T%d %-7s %s", e.step, e.thread, KindName(e.kind), e.label);
    if (e.object != nullptr) absl::StrAppendFormat(&out, "(%s)", e.object);
    if (e.text >= 0) absl::StrAppendFormat(&out, " \"%s\"", text(e.text));
    if (e.kind == EventKind::kYield && e.value > 0) {
      absl::StrAppendFormat(&out, " ->T%d", e.value - 1);
    } else if (e.kind == EventKind::kWake) {
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
