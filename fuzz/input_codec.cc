#include "fuzz/input_codec.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_format.h"
#include "harness/fnv1a.h"

namespace racefuzz::fuzz {
namespace {

// Opcode byte: bits 0-3 operation kind (mod kNumOpKinds), bits 4-6 lane (mod threads + 1),
// bit 7 unused. Argument bytes a0..a2 depend on the kind.
constexpr uint8_t kRawFdBit = 0x80;
// Header byte 0: bits 1-0 number of racing threads - 1, bit 2 the random tail.
constexpr uint8_t kRandomTailBit = 0x04;

struct RawOp {
  Op op;
  uint8_t fd_byte = 0;  // resolved once the program's number of results is known
};

RawOp DecodeOp(const uint8_t* b) {
  RawOp raw;
  Op& op = raw.op;
  op.kind = static_cast<OpKind>((b[0] & 0x0f) % kNumOpKinds);
  switch (op.kind) {
    case OpKind::kAddHeap:
      op.heap_kind = static_cast<heaps::HeapKind>(b[1] % 3);
      op.heap = b[2] % kNumHeaps;
      break;
    case OpKind::kRemoveHeap:
    case OpKind::kTeeUnregister:
    case OpKind::kOpenHeap:
      op.heap = b[1] % kNumHeaps;
      break;
    case OpKind::kUnloadModule:
      op.heap_kind = static_cast<heaps::HeapKind>(b[1] % 3);
      break;
    case OpKind::kFindHeap:
      op.heap = b[1] % kNumHeaps;
      op.slot = b[2] % kNumSlots;
      break;
    case OpKind::kPutHeap:
    case OpKind::kPutHeapKeepSlot:
      op.slot = b[1] % kNumSlots;
      break;
    case OpKind::kAlloc:
      raw.fd_byte = b[1];
      op.len = DecodeLen(b[2]);
      op.fd_flags = kFdFlagChoices[b[3] & 7];
      op.heap_flags = (b[3] >> 3) & 1;
      op.cmd = kCmdChoices[(b[3] >> 4) & 3];
      break;
    case OpKind::kClose:
    case OpKind::kDup:
      raw.fd_byte = b[1];
      break;
  }
  return raw;
}

FdRef ResolveFd(uint8_t b, int num_results) {
  if ((b & kRawFdBit) != 0 || num_results == 0) return FdRef{true, uint8_t(b % kNumRawFds)};
  return FdRef{false, uint8_t(b % num_results)};
}

template <typename T, size_t N>
std::optional<uint8_t> IndexOf(const std::array<T, N>& choices, T value) {
  auto it = std::find(choices.begin(), choices.end(), value);
  if (it == choices.end()) return std::nullopt;
  return static_cast<uint8_t>(it - choices.begin());
}

absl::StatusOr<std::array<uint8_t, kOpBytes>> EncodeOp(const Op& op, int lane, int num_results) {
  std::array<uint8_t, kOpBytes> b = {static_cast<uint8_t>(static_cast<int>(op.kind) | (lane << 4)),
                                     0, 0, 0};
  auto encode_fd = [&](FdRef ref) -> absl::StatusOr<uint8_t> {
    if (ref.raw) {
      if (ref.value >= kNumRawFds) return absl::InvalidArgumentError("raw fd above 15");
      return static_cast<uint8_t>(kRawFdBit | ref.value);
    }
    if (ref.value >= num_results) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "f%d names no fd: the program has %d fd results", ref.value, num_results));
    }
    return ref.value;
  };
  switch (op.kind) {
    case OpKind::kAddHeap:
      b[1] = static_cast<uint8_t>(op.heap_kind);
      b[2] = op.heap;
      break;
    case OpKind::kRemoveHeap:
    case OpKind::kTeeUnregister:
    case OpKind::kOpenHeap:
      b[1] = op.heap;
      break;
    case OpKind::kUnloadModule:
      b[1] = static_cast<uint8_t>(op.heap_kind);
      break;
    case OpKind::kFindHeap:
      b[1] = op.heap;
      b[2] = op.slot;
      break;
    case OpKind::kPutHeap:
    case OpKind::kPutHeapKeepSlot:
      b[1] = op.slot;
      break;
    case OpKind::kAlloc: {
      auto fd = encode_fd(op.fd);
      if (!fd.ok()) return fd.status();
      b[1] = *fd;
      auto len = EncodeLen(op.len);
      auto fd_flags = IndexOf(kFdFlagChoices, op.fd_flags);
      auto cmd = IndexOf(kCmdChoices, op.cmd);
      if (!len) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "alloc len %d is not expressible: use 2^e, 2^e-1, 2^e+1 or 2^64-2^e", op.len));
      }
      if (!fd_flags) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "alloc fd_flags %#x is not one of the choices in program.h", op.fd_flags));
      }
      if (!cmd) {
        return absl::InvalidArgumentError(
            absl::StrFormat("alloc cmd %#x is not one of the choices in program.h", op.cmd));
      }
      if (op.heap_flags > 1) return absl::InvalidArgumentError("alloc heap_flags must be 0 or 1");
      b[2] = *len;
      b[3] = static_cast<uint8_t>(*fd_flags | (op.heap_flags << 3) | (*cmd << 4));
      break;
    }
    case OpKind::kClose:
    case OpKind::kDup: {
      auto fd = encode_fd(op.fd);
      if (!fd.ok()) return fd.status();
      b[1] = *fd;
      break;
    }
  }
  if (op.heap >= kNumHeaps || op.slot >= kNumSlots || static_cast<int>(op.heap_kind) > 2) {
    return absl::InvalidArgumentError("heap, slot or heap kind out of range");
  }
  return b;
}

}  // namespace

uint64_t TailSeed(const Input& input) {
  // FNV-1a over the schedule's length and then each schedule byte, every one of them as
  // 8 little-endian bytes.
  uint64_t hash = kFnv1a64Offset;
  auto mix = [&hash](uint64_t value) {
    std::array<uint8_t, 8> bytes;
    for (uint8_t& b : bytes) {
      b = static_cast<uint8_t>(value & 0xff);
      value >>= 8;
    }
    hash = Fnv1a64(bytes, hash);
  };
  mix(input.schedule.size());
  for (uint8_t b : input.schedule) mix(b);
  return hash;
}

int Program::NumOps() const {
  int n = 0;
  for (const auto& lane : lanes) n += static_cast<int>(lane.size());
  return n;
}

int Program::NumResults() const {
  int n = 0;
  for (const auto& lane : lanes) {
    for (const Op& op : lane) n += ProducesFd(op.kind) ? 1 : 0;
  }
  return n;
}

uint64_t DecodeLen(uint8_t code) {
  const uint64_t power = uint64_t{1} << (code & 0x3f);
  switch (code >> 6) {
    case 0:
      return power;
    case 1:
      return power - 1;
    case 2:
      return power + 1;
    default:
      return uint64_t{0} - power;
  }
}

std::optional<uint8_t> EncodeLen(uint64_t len) {
  for (int code = 0; code < 256; ++code) {
    if (DecodeLen(static_cast<uint8_t>(code)) == len) return static_cast<uint8_t>(code);
  }
  return std::nullopt;
}

Input Decode(std::span<const uint8_t> bytes) {
  Input input;
  Program& program = input.program;
  const uint8_t threads_byte = bytes.size() > 0 ? bytes[0] : 0;
  const uint8_t count_byte = bytes.size() > 1 ? bytes[1] : 0;
  program.num_threads = 1 + (threads_byte & 3);
  input.random_tail = (threads_byte & kRandomTailBit) != 0;
  const size_t declared_ops = count_byte & 0x3f;
  const size_t program_end = std::min(bytes.size(), kHeaderBytes + declared_ops * kOpBytes);

  // At most kMaxOpsPerLane operations per lane, so the raw lanes live on the stack and each
  // program lane is allocated once, at its final size (the fuzz target decodes every input).
  std::array<std::array<RawOp, kMaxOpsPerLane>, kNumLanes> raw_lanes;
  std::array<size_t, kNumLanes> lane_sizes{};
  int num_results = 0;
  for (size_t at = kHeaderBytes; at + kOpBytes <= program_end; at += kOpBytes) {
    const int lane = ((bytes[at] >> 4) & 7) % (program.num_threads + 1);
    if (lane_sizes[lane] >= kMaxOpsPerLane) continue;  // cap; the bytes stay consumed
    RawOp& raw = raw_lanes[lane][lane_sizes[lane]++];
    raw = DecodeOp(&bytes[at]);
    num_results += ProducesFd(raw.op.kind) ? 1 : 0;
  }
  for (int lane = 0; lane < kNumLanes; ++lane) {
    std::vector<Op>& ops = program.lanes[lane];
    ops.reserve(lane_sizes[lane]);
    for (size_t i = 0; i < lane_sizes[lane]; ++i) {
      RawOp& raw = raw_lanes[lane][i];
      if (TakesFd(raw.op.kind)) raw.op.fd = ResolveFd(raw.fd_byte, num_results);
      ops.push_back(raw.op);
    }
  }
  input.schedule.assign(bytes.rbegin(), bytes.rend() - program_end);
  return input;
}

absl::StatusOr<std::vector<uint8_t>> Encode(const Input& input) {
  const Program& program = input.program;
  if (program.num_threads < 1 || program.num_threads > kMaxThreads) {
    return absl::InvalidArgumentError(
        absl::StrFormat("threads must be 1 to %d, not %d", kMaxThreads, program.num_threads));
  }
  if (program.NumOps() > kMaxOps) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d operations; at most %d fit", program.NumOps(), kMaxOps));
  }
  const int num_results = program.NumResults();
  std::vector<uint8_t> bytes = {static_cast<uint8_t>((program.num_threads - 1) |
                                                    (input.random_tail ? kRandomTailBit : 0)),
                                static_cast<uint8_t>(program.NumOps())};
  for (int lane = 0; lane < kNumLanes; ++lane) {
    const auto& ops = program.lanes[lane];
    if (ops.empty()) continue;
    if (lane > program.num_threads) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "thread T%d has operations but the program has %d threads", lane, program.num_threads));
    }
    if (ops.size() > kMaxOpsPerLane) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "T%d has %d operations; at most %d per thread", lane, ops.size(), kMaxOpsPerLane));
    }
    for (const Op& op : ops) {
      auto encoded = EncodeOp(op, lane, num_results);
      if (!encoded.ok()) return encoded.status();
      bytes.insert(bytes.end(), encoded->begin(), encoded->end());
    }
  }
  bytes.insert(bytes.end(), input.schedule.rbegin(), input.schedule.rend());
  return bytes;
}

}  // namespace racefuzz::fuzz
