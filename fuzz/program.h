// Program: what one fuzz input asks the dma-heap model to do, before any scheduling.
//
// A program has a setup lane, run by logical thread T0 before any other thread exists, and
// 1 to 4 racing threads (T1..T4), each a short list of operations on one heaps::World. The
// schedule that interleaves them is kept apart (Input::schedule), so the same program can be
// replayed under many schedules. See fuzz/README.md for the byte and text forms.
#ifndef RACEFUZZ_FUZZ_PROGRAM_H_
#define RACEFUZZ_FUZZ_PROGRAM_H_

#include <array>
#include <cstdint>
#include <vector>

#include "heaps/world.h"

namespace racefuzz::fuzz {

inline constexpr int kMaxThreads = 4;              // racing threads T1..T4
inline constexpr int kNumLanes = kMaxThreads + 1;  // lane 0 = setup on T0
inline constexpr int kMaxOpsPerLane = 16;
inline constexpr int kMaxOps = 63;     // all lanes together (6 bits in the header)
inline constexpr int kNumHeaps = 4;    // heap numbers 0..3 (World contract)
inline constexpr int kNumSlots = 4;    // consumer slots 0..3 (World contract)
inline constexpr int kNumRawFds = 16;  // raw fd arguments 0..15

enum class OpKind : uint8_t {
  kAddHeap,          // producer: dma_heap_add()
  kRemoveHeap,       // producer: dma_heap_put() of the initial reference
  kTeeUnregister,    // tee_device_unregister()
  kUnloadModule,     // rmmod of a producer module
  kFindHeap,         // in-kernel consumer: dma_heap_find() into a slot
  kPutHeap,          // in-kernel consumer: dma_heap_put() of a slot
  kPutHeapKeepSlot,  // unbalanced put: the slot keeps its (now dropped) reference
  kOpenHeap,         // userspace: open("/dev/dma_heap/<name>")        -> fd
  kAlloc,            // userspace: ioctl(DMA_HEAP_IOCTL_ALLOC)          -> dma-buf fd
  kClose,            // userspace: close(fd)
  kDup,              // userspace: dup(fd)                              -> fd
};
inline constexpr int kNumOpKinds = 11;

// Whether an operation returns an fd that later operations can name ("f0", "f1", ...).
constexpr bool ProducesFd(OpKind kind) {
  return kind == OpKind::kOpenHeap || kind == OpKind::kAlloc || kind == OpKind::kDup;
}
constexpr bool TakesFd(OpKind kind) {
  return kind == OpKind::kAlloc || kind == OpKind::kClose || kind == OpKind::kDup;
}

// An fd argument: either the fd returned by the result-th fd-producing operation of the
// program (numbered in lane order, whatever the schedule), or a raw fd number, which lets
// the fuzzer guess fds it was never given (stale or foreign fds).
struct FdRef {
  bool raw = false;
  uint8_t value = 0;  // result index, or the raw fd
  bool operator==(const FdRef&) const = default;
};

struct Op {
  OpKind kind = OpKind::kOpenHeap;
  heaps::HeapKind heap_kind = heaps::HeapKind::kSystem;  // add, unload
  uint8_t heap = 0;                                      // add, remove, tee_unregister, find, open
  uint8_t slot = 0;                                      // find, put, put_keep
  FdRef fd;                                              // alloc, close, dup
  // alloc only: the ioctl argument struct and command.
  uint64_t len = 0;
  uint32_t fd_flags = 0;
  uint64_t heap_flags = 0;
  uint32_t cmd = 0;
  bool operator==(const Op&) const = default;
};

struct Program {
  int num_threads = 1;                           // racing threads, 1..kMaxThreads
  std::array<std::vector<Op>, kNumLanes> lanes;  // lanes[0] = setup, lanes[i] = thread Ti
  bool operator==(const Program&) const = default;

  int NumOps() const;
  // Number of fd-producing operations, i.e. of names f0..f(n-1).
  int NumResults() const;
};

// One execution: the program and the schedule bytes, in the order the ByteStrategy reads
// them. With `random_tail`, a RandomStrategy seeded from the whole input (TailSeed) decides
// once the bytes run out, instead of "never preempt": the fuzzer then gets a fresh random
// schedule with every mutation, and the file still replays the same interleaving.
struct Input {
  Program program;
  std::vector<uint8_t> schedule;
  bool random_tail = false;
  bool operator==(const Input&) const = default;
};

// The seed of the random tail: a hash of the schedule bytes (FNV-1a). Not of the program:
// the minimiser drops operations under the same random stream, which then mostly still
// reaches the bug; a mutated program meets the stream at other points anyway.
uint64_t TailSeed(const Input& input);

// The alloc argument values the byte form can express (fuzz/README.md).
inline constexpr uint32_t kOCloexec = 02000000;
inline constexpr std::array<uint32_t, 8> kFdFlagChoices = {
    kOCloexec | 2,  // O_RDWR | O_CLOEXEC: what libdmabufheap passes
    kOCloexec,      // O_RDONLY | O_CLOEXEC
    2,              // O_RDWR
    0,              // O_RDONLY
    1,              // O_WRONLY
    kOCloexec | 3,  // O_ACCMODE | O_CLOEXEC: the whole valid mask
    04000,          // O_NONBLOCK: outside DMA_HEAP_VALID_FD_FLAGS
    0xffffffffu,    // every bit
};
inline constexpr std::array<uint32_t, 4> kCmdChoices = {
    heaps::kDmaHeapIoctlAlloc,  // _IOWR('H', 0, 24 bytes)
    0x00004800u,                // _IO('H', 0): nr 0 but no direction: nothing copied in
    0xC0184801u,                // nr 1: not a dma-heap ioctl
    0xC0084800u,                // _IOWR('H', 0, 8 bytes): a short user struct, zero-filled
};

}  // namespace racefuzz::fuzz

#endif  // RACEFUZZ_FUZZ_PROGRAM_H_
