#include "fuzz/mutator.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "fuzz/input_codec.h"

namespace racefuzz::fuzz {
namespace {

// An operation while the program is being edited: fd arguments name the producing
// operation by a stable id instead of by result number, so inserting, deleting or moving
// operations keeps every reference on the operation it named.
struct DraftOp {
  Op op;
  int id = 0;
  int fd_target = -1;  // id of the fd-producing operation named, -1 for a raw fd
};

struct Draft {
  int num_threads = 1;
  std::array<std::vector<DraftOp>, kNumLanes> lanes;
  std::vector<uint8_t> schedule;
  bool random_tail = false;
  int next_id = 0;

  int NumOps() const {
    int n = 0;
    for (const auto& lane : lanes) n += static_cast<int>(lane.size());
    return n;
  }
  // Ids of the fd-producing operations, in result order (lane 0 first).
  std::vector<int> ResultIds() const {
    std::vector<int> ids;
    for (const auto& lane : lanes) {
      for (const DraftOp& d : lane) {
        if (ProducesFd(d.op.kind)) ids.push_back(d.id);
      }
    }
    return ids;
  }
};

// `id_offset` keeps ids of two inputs apart when they are combined.
Draft ToDraft(const Input& input, int id_offset = 0) {
  Draft draft;
  draft.num_threads = std::clamp(input.program.num_threads, 1, kMaxThreads);
  draft.schedule = input.schedule;
  draft.random_tail = input.random_tail;
  draft.next_id = id_offset;
  std::vector<int> result_ids;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    for (const Op& op : input.program.lanes[lane]) {
      DraftOp d{op, draft.next_id++};
      if (ProducesFd(op.kind)) result_ids.push_back(d.id);
      draft.lanes[lane].push_back(d);
    }
  }
  for (auto& lane : draft.lanes) {
    for (DraftOp& d : lane) {
      if (TakesFd(d.op.kind) && !d.op.fd.raw && d.op.fd.value < result_ids.size()) {
        d.fd_target = result_ids[d.op.fd.value];
      }
    }
  }
  return draft;
}

// Small numbers, mostly: as a countdown, a preemption a few yield points away (an
// operation of the model has 3 to 20); as a thread choice, any value works (taken modulo
// the runnable threads).
uint8_t ScheduleByte(Prng& rng) {
  switch (rng.Below(8)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return static_cast<uint8_t>(rng.Below(4));
    case 4:
    case 5:
    case 6:
      return static_cast<uint8_t>(4 + rng.Below(12));
    default:
      return static_cast<uint8_t>(16 + rng.Below(48));
  }
}

// Where a new operation goes: its lane and its position in that lane.
struct Place {
  int lane = 0;
  size_t pos = 0;
};

// The fd argument for a new operation at `place`: mostly an fd made before it (in the
// setup lane, or earlier in its own lane), and for an alloc mostly a heap fd; sometimes an
// fd another racing thread makes (which may or may not exist yet: a race), sometimes a raw
// number (a stale or guessed fd).
void ChooseFd(const Draft& draft, OpKind kind, Place place, Prng& rng, DraftOp& d) {
  std::vector<int> any, before, heap_fds_before;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    const auto& ops = draft.lanes[lane];
    for (size_t pos = 0; pos < ops.size(); ++pos) {
      if (!ProducesFd(ops[pos].op.kind)) continue;
      any.push_back(ops[pos].id);
      const bool earlier = lane == place.lane ? pos < place.pos : lane == 0;
      if (!earlier) continue;
      before.push_back(ops[pos].id);
      if (ops[pos].op.kind == OpKind::kOpenHeap) heap_fds_before.push_back(ops[pos].id);
    }
  }
  const std::vector<int>* from = nullptr;
  if (kind == OpKind::kAlloc && !heap_fds_before.empty() && rng.Below(5) != 0) {
    from = &heap_fds_before;
  } else if (!before.empty() && rng.Below(5) != 0) {
    from = &before;
  } else if (!any.empty() && rng.Below(3) != 0) {
    from = &any;
  }
  if (from != nullptr) {
    d.fd_target = (*from)[rng.Below(from->size())];
    return;
  }
  d.fd_target = -1;
  d.op.fd = FdRef{true, static_cast<uint8_t>(rng.Below(kNumRawFds))};
}

// A heap or slot number: mostly one the program's `kind` operations already use (the heaps
// it adds, the slots it fills), so that the new operation meets them; else mostly 0.
uint8_t ChooseUsed(const Draft& draft, OpKind kind, uint8_t Op::*field, int bound, Prng& rng) {
  std::vector<uint8_t> used;
  for (const auto& lane : draft.lanes) {
    for (const DraftOp& p : lane) {
      if (p.op.kind == kind) used.push_back(p.op.*field);
    }
  }
  if (!used.empty() && rng.Below(8) != 0) return used[rng.Below(used.size())];
  return static_cast<uint8_t>(rng.Below(2) == 0 ? 0 : rng.Below(bound));
}

uint8_t ChooseHeap(const Draft& draft, Prng& rng) {
  return ChooseUsed(draft, OpKind::kAddHeap, &Op::heap, kNumHeaps, rng);
}

uint8_t ChooseSlot(const Draft& draft, Prng& rng) {
  return ChooseUsed(draft, OpKind::kFindHeap, &Op::slot, kNumSlots, rng);
}

bool AddsAHeap(const Draft& draft) {
  for (const auto& lane : draft.lanes) {
    for (const DraftOp& p : lane) {
      if (p.op.kind == OpKind::kAddHeap) return true;
    }
  }
  return false;
}

// Weighted towards what each lane does in a lifetime race: the setup lane builds (heaps,
// fds, buffers, references), the racing threads tear down and use.
OpKind ChooseKind(const Draft& draft, int lane, Prng& rng) {
  if (lane == 0 && !AddsAHeap(draft) && rng.Below(2) == 0) return OpKind::kAddHeap;
  struct Weight {
    OpKind kind;
    int setup;
    int racing;
  };
  static constexpr Weight kWeights[] = {
      {OpKind::kAddHeap, 6, 1},         {OpKind::kRemoveHeap, 1, 5}, {OpKind::kTeeUnregister, 1, 2},
      {OpKind::kUnloadModule, 1, 2},    {OpKind::kFindHeap, 3, 2},   {OpKind::kPutHeap, 1, 2},
      {OpKind::kPutHeapKeepSlot, 1, 2}, {OpKind::kOpenHeap, 5, 4},   {OpKind::kAlloc, 4, 4},
      {OpKind::kClose, 1, 4},           {OpKind::kDup, 1, 1},
  };
  int total = 0;
  for (const Weight& w : kWeights) total += lane == 0 ? w.setup : w.racing;
  int pick = static_cast<int>(rng.Below(total));
  for (const Weight& w : kWeights) {
    const int weight = lane == 0 ? w.setup : w.racing;
    if (pick < weight) return w.kind;
    pick -= weight;
  }
  return OpKind::kOpenHeap;
}

// A new operation of `kind`, only the fields its kind uses set (the byte form is canonical).
DraftOp MakeOp(Draft& draft, OpKind kind, Place place, Prng& rng) {
  DraftOp d;
  d.id = draft.next_id++;
  d.op.kind = kind;
  switch (kind) {
    case OpKind::kAddHeap:
      d.op.heap_kind = static_cast<heaps::HeapKind>(rng.Below(3));
      d.op.heap = static_cast<uint8_t>(rng.Below(2) == 0 ? 0 : rng.Below(kNumHeaps));
      break;
    case OpKind::kRemoveHeap:
    case OpKind::kTeeUnregister:
    case OpKind::kOpenHeap:
      d.op.heap = ChooseHeap(draft, rng);
      break;
    case OpKind::kUnloadModule:
      d.op.heap_kind = static_cast<heaps::HeapKind>(rng.Below(3));
      break;
    case OpKind::kFindHeap:
      d.op.heap = ChooseHeap(draft, rng);
      d.op.slot = static_cast<uint8_t>(rng.Below(2) == 0 ? 0 : rng.Below(kNumSlots));
      break;
    case OpKind::kPutHeap:
    case OpKind::kPutHeapKeepSlot:
      d.op.slot = ChooseSlot(draft, rng);
      break;
    case OpKind::kAlloc: {
      // Mostly a page or two (what the heaps accept); sometimes any length code.
      static constexpr uint8_t kLenCodes[] = {12, 12, 12, 13};
      const uint8_t code =
          rng.Below(5) != 0 ? kLenCodes[rng.Below(4)] : static_cast<uint8_t>(rng.Below(256));
      d.op.len = DecodeLen(code);
      d.op.fd_flags = kFdFlagChoices[rng.Below(6) != 0 ? 0 : rng.Below(kFdFlagChoices.size())];
      d.op.heap_flags = rng.Below(16) == 0 ? 1 : 0;
      d.op.cmd = kCmdChoices[rng.Below(10) != 0 ? 0 : rng.Below(kCmdChoices.size())];
      ChooseFd(draft, kind, place, rng, d);
      break;
    }
    case OpKind::kClose:
    case OpKind::kDup:
      ChooseFd(draft, kind, place, rng, d);
      break;
  }
  return d;
}

int ChooseLane(const Draft& draft, Prng& rng) {
  return static_cast<int>(rng.Below(draft.num_threads + 1));
}

// --- program moves ---------------------------------------------------------------------

// Inserts a new operation, at the end of its lane half of the time (programs are mostly
// built in order).
bool InsertOp(Draft& draft, Prng& rng) {
  const int lane = ChooseLane(draft, rng);
  auto& ops = draft.lanes[lane];
  if (ops.size() >= kMaxOpsPerLane || draft.NumOps() >= kMaxOps) return false;
  const Place place{lane, rng.Below(2) == 0 ? ops.size() : rng.Below(ops.size() + 1)};
  const DraftOp d = MakeOp(draft, ChooseKind(draft, lane, rng), place, rng);
  ops.insert(ops.begin() + static_cast<long>(place.pos), d);
  return true;
}

// Inserts, in one lane, a short sequence that the dma-heap API is used in (dma-heap.md and
// the uAPI): userspace's open + DMA_HEAP_IOCTL_ALLOC (+ close of the heap fd, as
// libdmabufheap does), an in-kernel consumer's dma_heap_find + dma_heap_put, a tee heap's
// registration followed by the device's unregistration and rmmod. One move then makes what
// would otherwise take two or three insertions that are each useless alone.
bool InsertIdiom(Draft& draft, Prng& rng) {
  const int lane = ChooseLane(draft, rng);
  auto& ops = draft.lanes[lane];
  const Place place{lane, rng.Below(2) == 0 ? ops.size() : rng.Below(ops.size() + 1)};
  std::vector<DraftOp> sequence;
  sequence.reserve(3);  // `make` hands out references into it
  auto make = [&](OpKind kind) -> DraftOp& {
    sequence.push_back(MakeOp(draft, kind, place, rng));
    return sequence.back();
  };
  switch (rng.Below(4)) {
    case 0:
    case 1: {  // open, alloc on that fd, and half of the time close the heap fd
      const int heap_fd = make(OpKind::kOpenHeap).id;
      make(OpKind::kAlloc).fd_target = heap_fd;
      if (rng.Below(2) == 0) make(OpKind::kClose).fd_target = heap_fd;
      break;
    }
    case 2: {  // dma_heap_find into a slot, then a put of that slot
      const uint8_t slot = make(OpKind::kFindHeap).op.slot;
      make(rng.Below(3) != 0 ? OpKind::kPutHeap : OpKind::kPutHeapKeepSlot).op.slot = slot;
      break;
    }
    default: {  // a heap added, used by an fd, and the heap removed
      DraftOp& add = make(OpKind::kAddHeap);
      const uint8_t heap = add.op.heap;
      make(OpKind::kOpenHeap).op.heap = heap;
      make(OpKind::kRemoveHeap).op.heap = heap;
      break;
    }
  }
  if (ops.size() + sequence.size() > kMaxOpsPerLane ||
      draft.NumOps() + static_cast<int>(sequence.size()) > kMaxOps) {
    return false;
  }
  for (DraftOp& d : sequence) {
    if (TakesFd(d.op.kind) && d.fd_target >= 0) d.op.fd = FdRef{};
  }
  ops.insert(ops.begin() + static_cast<long>(place.pos), sequence.begin(), sequence.end());
  return true;
}

// A random existing operation: its lane and position, or false when there is none.
bool PickOp(const Draft& draft, Prng& rng, int& lane, size_t& pos) {
  const int total = draft.NumOps();
  if (total == 0) return false;
  int n = static_cast<int>(rng.Below(total));
  for (lane = 0; lane < kNumLanes; ++lane) {
    if (n < static_cast<int>(draft.lanes[lane].size())) {
      pos = static_cast<size_t>(n);
      return true;
    }
    n -= static_cast<int>(draft.lanes[lane].size());
  }
  return false;
}

// A lane for one step of a lifetime: the setup lane one time in `setup_odds`, else a racing
// thread; with a negative `setup_odds`, a racing thread one time in -setup_odds.
int LifetimeLane(const Draft& draft, int setup_odds, Prng& rng) {
  const bool setup = setup_odds > 0 ? rng.Below(setup_odds) == 0 : rng.Below(-setup_odds) != 0;
  if (setup) return 0;
  return 1 + static_cast<int>(rng.Below(draft.num_threads));
}

// Inserts the whole lifetime of one heap, the way a reviewer looks for lifetime bugs
// (dma-heap.md c.2, and the LKML review): the heap is added (or one the program adds is
// taken), used, and everything is torn down again, each step in the setup lane or in a
// racing thread, so that the teardown races the uses and the other teardown steps.
//   * uses: userspace's open of the heap and, mostly, DMA_HEAP_IOCTL_ALLOC on that fd; or an
//     in-kernel consumer's dma_heap_find into a slot;
//   * teardown, in a random order: the closes of those fds, the consumer's put (sometimes
//     an unbalanced put_keep), and the producer's dma_heap_put of the initial reference
//     (remove) or, for a tee heap, the device's unregistration and the module's unload;
//   * sometimes one teardown step twice, in two lanes (a double close, put or removal).
// The steps of one lane keep their order; across lanes, the schedule decides. Each step
// is a plain operation, so the result is an ordinary program the other moves edit further.
bool InsertLifetime(Draft& draft, size_t max_bytes, Prng& rng) {
  if (draft.num_threads < 2 && rng.Below(4) != 0) draft.num_threads = 2;
  struct Step {
    DraftOp op;
    int lane;
  };
  std::vector<Step> uses;
  std::vector<Step> teardown;
  auto step = [&](OpKind kind) {
    DraftOp d;
    d.id = draft.next_id++;
    d.op.kind = kind;
    return d;
  };

  // The heap: one the program adds, or a new one.
  std::vector<const DraftOp*> adds;
  for (const auto& lane : draft.lanes) {
    for (const DraftOp& p : lane) {
      if (p.op.kind == OpKind::kAddHeap) adds.push_back(&p);
    }
  }
  Op heap;
  if (!adds.empty() && rng.Below(3) == 0) {
    heap = adds[rng.Below(adds.size())]->op;
  } else {
    DraftOp add = step(OpKind::kAddHeap);
    add.op.heap_kind = static_cast<heaps::HeapKind>(rng.Below(3));
    add.op.heap = static_cast<uint8_t>(rng.Below(2) == 0 ? 0 : rng.Below(kNumHeaps));
    heap = add.op;
    uses.push_back({add, LifetimeLane(draft, -5, rng)});  // mostly in the setup lane
  }

  if (rng.Below(3) != 0) {  // userspace: open, alloc, close both
    DraftOp open = step(OpKind::kOpenHeap);
    open.op.heap = heap.heap;
    uses.push_back({open, LifetimeLane(draft, 2, rng)});
    if (rng.Below(4) != 0) {
      DraftOp alloc = MakeOp(draft, OpKind::kAlloc, Place{}, rng);
      alloc.fd_target = open.id;
      alloc.op.fd = FdRef{};
      uses.push_back({alloc, LifetimeLane(draft, 3, rng)});
      if (rng.Below(4) != 0) {
        DraftOp close = step(OpKind::kClose);
        close.fd_target = alloc.id;
        teardown.push_back({close, LifetimeLane(draft, 3, rng)});
      }
    }
    if (rng.Below(4) != 0) {
      DraftOp close = step(OpKind::kClose);
      close.fd_target = open.id;
      teardown.push_back({close, LifetimeLane(draft, 3, rng)});
    }
  } else {  // an in-kernel consumer: find, put
    DraftOp find = step(OpKind::kFindHeap);
    find.op.heap = heap.heap;
    find.op.slot = static_cast<uint8_t>(rng.Below(2) == 0 ? 0 : rng.Below(kNumSlots));
    uses.push_back({find, LifetimeLane(draft, 2, rng)});
    DraftOp put = step(rng.Below(2) != 0 ? OpKind::kPutHeap : OpKind::kPutHeapKeepSlot);
    put.op.slot = find.op.slot;
    teardown.push_back({put, LifetimeLane(draft, 3, rng)});
  }

  std::optional<Step> unload;  // rmmod once the tee device is gone, in the same context
  if (heap.heap_kind == heaps::HeapKind::kTee && rng.Below(3) != 0) {
    DraftOp unregister = step(OpKind::kTeeUnregister);
    unregister.op.heap = heap.heap;
    const int lane = LifetimeLane(draft, 3, rng);
    teardown.push_back({unregister, lane});
    if (rng.Below(4) != 0) {
      DraftOp rmmod = step(OpKind::kUnloadModule);
      rmmod.op.heap_kind = heaps::HeapKind::kTee;
      unload = Step{rmmod, lane};
    }
  } else if (rng.Below(8) != 0) {
    DraftOp remove = step(OpKind::kRemoveHeap);
    remove.op.heap = heap.heap;
    teardown.push_back({remove, LifetimeLane(draft, 3, rng)});
  }

  // Teardown in a random order (Fisher-Yates), an unload right after its unregistration.
  for (size_t i = teardown.size(); i > 1; --i) std::swap(teardown[i - 1], teardown[rng.Below(i)]);
  if (unload) {
    auto unregister = std::find_if(teardown.begin(), teardown.end(), [](const Step& s) {
      return s.op.op.kind == OpKind::kTeeUnregister;
    });
    teardown.insert(unregister + 1, *unload);
  }
  if (!teardown.empty() && rng.Below(4) == 0) {  // one release twice, from another lane
    Step twice = teardown[rng.Below(teardown.size())];
    twice.op.id = draft.next_id++;
    twice.lane = LifetimeLane(draft, 4, rng);
    teardown.push_back(twice);
  }

  uses.insert(uses.end(), teardown.begin(), teardown.end());
  std::array<size_t, kNumLanes> added{};
  for (const Step& s : uses) ++added[s.lane];
  if (kHeaderBytes + kOpBytes * (draft.NumOps() + uses.size()) > max_bytes ||
      draft.NumOps() + static_cast<int>(uses.size()) > kMaxOps) {
    return false;
  }
  for (int lane = 0; lane < kNumLanes; ++lane) {
    if (draft.lanes[lane].size() + added[lane] > kMaxOpsPerLane) return false;
  }
  for (const Step& s : uses) draft.lanes[s.lane].push_back(s.op);
  return true;
}

// Replaces the whole program by one heap lifetime (InsertLifetime) on two racing threads,
// the schedule kept. Mutation mostly grows programs, and in a grown program other bugs
// fire first or the steps of one lifetime are far apart; a fresh lifetime is a short
// program again, reached from any input in one move (a generational restart, as grammar
// fuzzers mix generation into mutation).
bool FreshLifetime(Draft& draft, size_t max_bytes, Prng& rng) {
  Draft fresh;
  fresh.num_threads = 2;
  fresh.next_id = draft.next_id;
  fresh.schedule = draft.schedule;
  fresh.random_tail = draft.random_tail;
  if (!InsertLifetime(fresh, max_bytes, rng)) return false;
  draft = std::move(fresh);
  return true;
}

// Copies an operation into another lane (same arguments, same fd): a second close, put or
// removal racing the first, or a second user of the same object.
bool DuplicateOp(Draft& draft, Prng& rng) {
  int from;
  size_t pos;
  if (!PickOp(draft, rng, from, pos) || draft.NumOps() >= kMaxOps) return false;
  const int to = ChooseLane(draft, rng);
  auto& dest = draft.lanes[to];
  if (dest.size() >= kMaxOpsPerLane) return false;
  DraftOp copy = draft.lanes[from][pos];
  copy.id = draft.next_id++;
  dest.insert(dest.begin() + static_cast<long>(rng.Below(dest.size() + 1)), copy);
  return true;
}

bool DeleteOp(Draft& draft, Prng& rng) {
  int lane;
  size_t pos;
  if (!PickOp(draft, rng, lane, pos)) return false;
  draft.lanes[lane].erase(draft.lanes[lane].begin() + static_cast<long>(pos));
  return true;
}

// Replaces an operation by a new one of the same kind (other arguments) or, less often, of
// any kind. The id stays, so references to it still name it if it still produces an fd.
bool ChangeOp(Draft& draft, Prng& rng) {
  int lane;
  size_t pos;
  if (!PickOp(draft, rng, lane, pos)) return false;
  DraftOp& old = draft.lanes[lane][pos];
  const OpKind kind = rng.Below(3) != 0 ? old.op.kind : ChooseKind(draft, lane, rng);
  DraftOp fresh = MakeOp(draft, kind, Place{lane, pos}, rng);
  fresh.id = old.id;
  draft.lanes[lane][pos] = fresh;
  return true;
}

// Moves an operation to another lane (setup work that should race, or the reverse).
bool MoveOp(Draft& draft, Prng& rng) {
  int from;
  size_t pos;
  if (!PickOp(draft, rng, from, pos)) return false;
  const int to = ChooseLane(draft, rng);
  auto& dest = draft.lanes[to];
  if (to == from || dest.size() >= kMaxOpsPerLane) return false;
  const DraftOp d = draft.lanes[from][pos];
  draft.lanes[from].erase(draft.lanes[from].begin() + static_cast<long>(pos));
  dest.insert(dest.begin() + static_cast<long>(rng.Below(dest.size() + 1)), d);
  return true;
}

bool SwapAdjacent(Draft& draft, Prng& rng) {
  int lane;
  size_t pos;
  if (!PickOp(draft, rng, lane, pos) || pos + 1 >= draft.lanes[lane].size()) return false;
  std::swap(draft.lanes[lane][pos], draft.lanes[lane][pos + 1]);
  return true;
}

// One more racing thread (with one new operation, so it has something to race with), or
// one fewer (its operations dropped).
bool ChangeThreads(Draft& draft, Prng& rng) {
  if (draft.num_threads < kMaxThreads && (draft.num_threads == 1 || rng.Below(2) == 0)) {
    if (draft.NumOps() >= kMaxOps) return false;
    const int lane = ++draft.num_threads;
    draft.lanes[lane].push_back(MakeOp(draft, ChooseKind(draft, lane, rng), Place{lane, 0}, rng));
    return true;
  }
  if (draft.num_threads == 1) return false;
  draft.lanes[draft.num_threads].clear();
  --draft.num_threads;
  return true;
}

// --- schedule moves --------------------------------------------------------------------

// A few decisions; half of the time followed by a random tail (fuzz/program.h), so that
// the input explores a random schedule past them.
void FreshSchedule(Draft& draft, Prng& rng) {
  draft.schedule.clear();
  draft.random_tail = rng.Below(2) == 0;
  const size_t n = 1 + rng.Below(rng.Below(2) == 0 ? 4 : 10);
  for (size_t i = 0; i < n; ++i) draft.schedule.push_back(ScheduleByte(rng));
}

bool MutateSchedule(Draft& draft, Prng& rng) {
  auto& s = draft.schedule;
  switch (rng.Below(7)) {
    case 0:
      FreshSchedule(draft, rng);
      return true;
    case 6:  // another tail: random instead of none, or the reverse
      draft.random_tail = !draft.random_tail;
      return true;
    case 1:  // another decision at one point
      if (s.empty()) return false;
      s[rng.Below(s.size())] = ScheduleByte(rng);
      return true;
    case 2: {  // the same decision a yield point earlier or later
      if (s.empty()) return false;
      uint8_t& b = s[rng.Below(s.size())];
      b = static_cast<uint8_t>(b + (rng.Below(2) == 0 ? 1 : -1));
      return true;
    }
    case 3:  // one more decision
      s.insert(s.begin() + static_cast<long>(rng.Below(s.size() + 1)), ScheduleByte(rng));
      return true;
    case 4:  // one decision fewer
      if (s.empty()) return false;
      s.erase(s.begin() + static_cast<long>(rng.Below(s.size())));
      return true;
    default:  // keep only the first decisions
      if (s.empty()) return false;
      s.resize(rng.Below(s.size()));
      return true;
  }
}

bool MutateProgram(Draft& draft, size_t max_bytes, Prng& rng) {
  // An almost empty program (the start of a campaign from nothing) can only grow.
  if (draft.NumOps() < 3) {
    switch (rng.Below(4)) {
      case 0:
        return InsertOp(draft, rng);
      case 1:
        return InsertIdiom(draft, rng);
      default:
        return InsertLifetime(draft, max_bytes, rng);
    }
  }
  switch (rng.Below(26)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
      return InsertOp(draft, rng);
    case 5:
    case 6:
      return InsertIdiom(draft, rng);
    case 7:
    case 8:
    case 9:
      return DeleteOp(draft, rng);
    case 10:
    case 11:
    case 12:
    case 13:
      return ChangeOp(draft, rng);
    case 14:
    case 15:
    case 16:
      return MoveOp(draft, rng);
    case 17:
      return SwapAdjacent(draft, rng);
    case 18:
    case 19:
      return InsertLifetime(draft, max_bytes, rng);
    case 20:
    case 21:
      return DuplicateOp(draft, rng);
    case 22:
    case 23:
      return FreshLifetime(draft, max_bytes, rng);
    default:
      return ChangeThreads(draft, rng);
  }
}

// --- back to an Input ------------------------------------------------------------------

size_t DraftSize(const Draft& draft) {
  return kHeaderBytes + kOpBytes * draft.NumOps() + draft.schedule.size();
}

// Shrinks to `max_bytes`: the decisions consumed last go first (the least of the schedule),
// then the operations of the highest lanes from the back.
void FitSize(Draft& draft, size_t max_bytes) {
  while (DraftSize(draft) > max_bytes && !draft.schedule.empty()) draft.schedule.pop_back();
  for (int lane = kNumLanes - 1; lane >= 0 && DraftSize(draft) > max_bytes; --lane) {
    while (!draft.lanes[lane].empty() && DraftSize(draft) > max_bytes) {
      draft.lanes[lane].pop_back();
    }
  }
  while (draft.NumOps() > kMaxOps) {
    for (int lane = kNumLanes - 1; lane >= 0; --lane) {
      if (!draft.lanes[lane].empty()) {
        draft.lanes[lane].pop_back();
        break;
      }
    }
  }
}

// Result numbers for the draft's references. A reference whose operation is gone (deleted,
// or in the lane of the other input of a cross-over) is pointed at another fd of the
// program, or made raw when there is none.
Input FromDraft(Draft draft, size_t max_bytes, Prng& rng) {
  for (int lane = draft.num_threads + 1; lane < kNumLanes; ++lane) draft.lanes[lane].clear();
  for (auto& lane : draft.lanes) {
    if (lane.size() > kMaxOpsPerLane) lane.resize(kMaxOpsPerLane);
  }
  FitSize(draft, max_bytes);
  const std::vector<int> result_ids = draft.ResultIds();
  Input input;
  input.program.num_threads = draft.num_threads;
  input.schedule = std::move(draft.schedule);
  input.random_tail = draft.random_tail;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    for (DraftOp& d : draft.lanes[lane]) {
      if (TakesFd(d.op.kind) && (d.fd_target >= 0 || !d.op.fd.raw)) {
        auto it = std::find(result_ids.begin(), result_ids.end(), d.fd_target);
        if (it != result_ids.end()) {
          d.op.fd = FdRef{false, static_cast<uint8_t>(it - result_ids.begin())};
        } else if (!result_ids.empty() && !(result_ids.size() == 1 && result_ids[0] == d.id)) {
          // Another fd of the program, not the operation's own result.
          size_t index;
          do {
            index = rng.Below(result_ids.size());
          } while (result_ids[index] == d.id);
          d.op.fd = FdRef{false, static_cast<uint8_t>(index)};
        } else {
          d.op.fd = FdRef{true, static_cast<uint8_t>(rng.Below(kNumRawFds))};
        }
      }
      input.program.lanes[lane].push_back(d.op);
    }
  }
  return input;
}

}  // namespace

size_t EncodedSize(const Input& input) {
  return kHeaderBytes + kOpBytes * input.program.NumOps() + input.schedule.size();
}

void StructuredMutator::Mutate(Input& input, size_t max_bytes) {
  const Input original = input;
  // A move can come out as no change (a thread choice rewritten to the same value, an
  // operation replaced by an equal one); each such result would be a wasted execution.
  for (int attempt = 0; attempt < 4; ++attempt) {
    Draft draft = ToDraft(original);
    // Usually one move, sometimes two or three (a race often needs two changes at once).
    const int moves = rng_.Below(4) != 0 ? 1 : 2 + static_cast<int>(rng_.Below(2));
    for (int done = 0, tries = 0; done < moves && tries < 16; ++tries) {
      const bool changed =
          rng_.Below(5) < 2 ? MutateSchedule(draft, rng_) : MutateProgram(draft, max_bytes, rng_);
      done += changed ? 1 : 0;
    }
    input = FromDraft(std::move(draft), max_bytes, rng_);
    if (input != original) return;
  }
}

void StructuredMutator::InsertOperation(Input& input, size_t max_bytes) {
  Draft draft = ToDraft(input);
  InsertOp(draft, rng_);
  input = FromDraft(std::move(draft), max_bytes, rng_);
}

void StructuredMutator::InsertLifetime(Input& input, size_t max_bytes) {
  Draft draft = ToDraft(input);
  if (!fuzz::InsertLifetime(draft, max_bytes, rng_)) return;
  input = FromDraft(std::move(draft), max_bytes, rng_);
}

Input StructuredMutator::CrossOver(const Input& a, const Input& b, size_t max_bytes) {
  Draft da = ToDraft(a);
  const Draft db = ToDraft(b, da.next_id);
  Draft out;
  out.num_threads = std::max(da.num_threads, db.num_threads);
  out.next_id = db.next_id;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    out.lanes[lane] = rng_.Below(2) == 0 ? da.lanes[lane] : db.lanes[lane];
  }
  const Draft& schedule_from = rng_.Below(2) == 0 ? da : db;
  out.schedule = schedule_from.schedule;
  out.random_tail = schedule_from.random_tail;
  return FromDraft(std::move(out), max_bytes, rng_);
}

}  // namespace racefuzz::fuzz
