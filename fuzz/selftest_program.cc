#include "fuzz/selftest_program.h"

#include <array>

#include "absl/strings/str_format.h"
#include "harness/atomic.h"
#include "harness/mutex.h"
#include "harness/refcount.h"
#include "harness/rwlock.h"
#include "harness/thread.h"
#include "harness/wait_queue.h"
#include "harness/yield.h"

namespace racefuzz::fuzz::selftest {
namespace {

constexpr int kPairTotal = 100;
constexpr int kPayload = 42;
constexpr int kReadyData = 7;
constexpr int kSlotBase = 100;

struct Shared;

// A reference-counted object published in a registry, like a dma_heap in the heap list.
struct Object {
  explicit Object(Shared* s) : shared(s) {}
  KRef ref;  // starts at 1: the registry's reference
  int payload = kPayload;
  Shared* shared;
};

struct Shared {
  Mutex counter_lock{"counter_lock"};
  int counter = 0;             // under counter_lock
  int trylock_successes = 0;   // under counter_lock

  RwLock pair_lock{"pair_rwsem"};
  int a = kPairTotal / 2;  // a + b == kPairTotal under pair_lock
  int b = kPairTotal / 2;

  Mutex registry_lock{"registry_lock"};
  Object* registry = nullptr;       // under registry_lock
  bool registry_ref_held = false;   // the registry still owns a reference to `registry`
  int live_objects = 0;             // under registry_lock

  Completion ready{"ready"};
  int ready_data = 0;  // written by T0 before complete_all()

  WaitQueue token_queue{"token_queue"};
  Atomic<int> tokens{0};
  std::vector<int> slots;  // slot i written by T0 before the token that exposes it

  Atomic<int> hits{0};
};

// kref_put_mutex release: called with registry_lock held; unlinks, unlocks, frees.
void ReleaseLocked(KRef* ref) {
  Object* object = ContainerOf(ref, &Object::ref);
  Shared& s = *object->shared;
  RACEFUZZ_CHECK(s.registry_lock.HeldByCurrentThread(), "release runs under registry_lock");
  if (s.registry == object) s.registry = nullptr;
  --s.live_objects;
  s.registry_lock.Unlock();
  delete object;
}

// kref_put release that takes the lock itself: safe because lookups use get_unless_zero.
void ReleaseTakingLock(KRef* ref) {
  Object* object = ContainerOf(ref, &Object::ref);
  object->shared->registry_lock.Lock();
  ReleaseLocked(ref);
}

void LockedIncrement(Shared& s) {
  MutexLock lock(s.counter_lock);
  ++s.counter;
}

void TryLockIncrement(Shared& s) {
  if (!s.counter_lock.TryLock()) return;
  ++s.counter;
  ++s.trylock_successes;
  s.counter_lock.Unlock();
}

void RwTransfer(Shared& s) {
  s.pair_lock.WriteLock();
  --s.a;
  Yield("between_halves");
  ++s.b;
  s.pair_lock.WriteUnlock();
}

void RwRead(Shared& s) {
  s.pair_lock.ReadLock();
  const int a = s.a;
  Yield("between_reads");
  RACEFUZZ_CHECK(a + s.b == kPairTotal, "a + b is constant under the rwsem");
  s.pair_lock.ReadUnlock();
}

void Create(Shared& s) {
  MutexLock lock(s.registry_lock);
  if (s.registry != nullptr) return;
  s.registry = new Object(&s);
  s.registry_ref_held = true;
  ++s.live_objects;
}

void LookupUse(Shared& s) {
  s.registry_lock.Lock();
  Object* object = s.registry;
  if (object != nullptr && !object->ref.GetUnlessZero()) object = nullptr;
  s.registry_lock.Unlock();
  if (object == nullptr) return;
  RACEFUZZ_CHECK(object->payload == kPayload, "a looked-up object is alive");
  object->ref.Get();
  Yield("using_object");
  RACEFUZZ_CHECK(object->payload == kPayload, "a referenced object is alive");
  object->ref.Put(&ReleaseTakingLock);
  object->ref.PutMutex(&ReleaseLocked, s.registry_lock);
}

void Remove(Shared& s) {
  Object* object = nullptr;
  {
    MutexLock lock(s.registry_lock);
    if (s.registry != nullptr && s.registry_ref_held) {
      object = s.registry;
      s.registry_ref_held = false;
    }
  }
  if (object != nullptr) object->ref.PutMutex(&ReleaseLocked, s.registry_lock);
}

void WaitCompletion(Shared& s) {
  s.ready.Wait();
  RACEFUZZ_CHECK(s.ready_data == kReadyData, "data published before complete_all");
}

void TakeToken(Shared& s) {
  for (;;) {
    s.token_queue.WaitEvent([&s] { return s.tokens.Peek() > 0; });
    int available = s.tokens.Load();
    if (available > 0 && s.tokens.CompareExchange(available, available - 1)) {
      // Every slot below the number of tokens posted so far was written before its post.
      RACEFUZZ_CHECK(s.slots[available - 1] == kSlotBase + available - 1,
                     "slot written before its token was posted");
      return;
    }
  }
}

void SpawnChild(Shared& s) {
  const ThreadId child = SpawnThread([&s] { LockedIncrement(s); }, "child");
  JoinThread(child);
}

void RunOp(Shared& s, Op op) {
  switch (op) {
    case Op::kLockedIncrement: return LockedIncrement(s);
    case Op::kTryLockIncrement: return TryLockIncrement(s);
    case Op::kRwTransfer: return RwTransfer(s);
    case Op::kRwRead: return RwRead(s);
    case Op::kLookupUse: return LookupUse(s);
    case Op::kRemove: return Remove(s);
    case Op::kCreate: return Create(s);
    case Op::kWaitCompletion: return WaitCompletion(s);
    case Op::kTakeToken: return TakeToken(s);
    case Op::kAtomicAdd:
      s.hits.FetchAdd(1);
      return;
    case Op::kSpawnChild: return SpawnChild(s);
  }
}

const char* OpName(Op op) {
  static constexpr std::array<const char*, kNumOps> kNames = {
      "locked_increment", "trylock_increment", "rw_transfer", "rw_read",
      "lookup_use",       "remove",            "create",      "wait_completion",
      "take_token",       "atomic_add",        "spawn_child"};
  return kNames[static_cast<int>(op)];
}

}  // namespace

SelftestInput DecodeSelftest(std::span<const uint8_t> data) {
  size_t next = 0;
  auto byte = [&]() -> uint8_t { return next < data.size() ? data[next++] : 0; };
  SelftestInput input;
  const uint8_t header = byte();
  input.mode = (header & 3) == 1 ? Mode::kRandom : (header & 3) == 2 ? Mode::kPct : Mode::kBytes;
  input.pct_depth = 1 + ((header >> 2) & 3);
  const int workers = 2 + byte() % 8;
  for (int w = 0; w < workers; ++w) {
    std::vector<Op>& ops = input.program.workers.emplace_back();
    const int n = 1 + byte() % 4;
    for (int i = 0; i < n; ++i) ops.push_back(static_cast<Op>(byte() % kNumOps));
  }
  const std::span<const uint8_t> rest = data.subspan(std::min(next, data.size()));
  input.schedule = rest;
  for (size_t i = 0; i < rest.size() && i < 8; ++i) {
    input.seed |= static_cast<uint64_t>(rest[i]) << (8 * i);
  }
  return input;
}

std::string DescribeSelftest(const SelftestInput& input) {
  std::string out = absl::StrFormat(
      "\nSelf-test program (%s):\n",
      input.mode == Mode::kBytes    ? absl::StrFormat("byte schedule, %d bytes", input.schedule.size())
      : input.mode == Mode::kRandom ? absl::StrFormat("random, seed %d", input.seed)
                                    : absl::StrFormat("pct d=%d, seed %d", input.pct_depth, input.seed));
  for (size_t w = 0; w < input.program.workers.size(); ++w) {
    absl::StrAppendFormat(&out, "  W%d:", w + 1);
    for (Op op : input.program.workers[w]) absl::StrAppendFormat(&out, " %s", OpName(op));
    out += '\n';
  }
  out += "Any report on this program is a false positive of the harness.\n";
  return out;
}

void RunSelftestProgram(const Program& program) {
  Shared s;
  int locked_increments = 0;
  int transfers = 0;
  int atomic_adds = 0;
  int token_takers = 0;
  for (const std::vector<Op>& ops : program.workers) {
    for (Op op : ops) {
      locked_increments += op == Op::kLockedIncrement || op == Op::kSpawnChild;
      transfers += op == Op::kRwTransfer;
      atomic_adds += op == Op::kAtomicAdd;
      token_takers += op == Op::kTakeToken;
    }
  }
  s.slots.assign(token_takers, 0);
  Create(s);

  std::vector<ThreadId> threads;
  for (size_t w = 0; w < program.workers.size(); ++w) {
    const std::vector<Op>* ops = &program.workers[w];
    threads.push_back(SpawnThread(
        [&s, ops] {
          for (Op op : *ops) RunOp(s, op);
        },
        absl::StrFormat("W%d", w + 1)));
  }
  // Publish, then signal: the waiters read what was written before the signal.
  s.ready_data = kReadyData;
  s.ready.CompleteAll();
  for (int i = 0; i < token_takers; ++i) {
    s.slots[i] = kSlotBase + i;
    s.tokens.FetchAdd(1);
    s.token_queue.WakeUpAll();
  }
  for (ThreadId thread : threads) JoinThread(thread);

  Remove(s);  // the registry's own reference, if nobody removed it
  RACEFUZZ_CHECK(s.counter == locked_increments + s.trylock_successes, "every increment counted");
  RACEFUZZ_CHECK(s.a == kPairTotal / 2 - transfers && s.a + s.b == kPairTotal,
                 "every transfer applied once");
  RACEFUZZ_CHECK(s.hits.Peek() == atomic_adds, "every atomic_inc counted");
  RACEFUZZ_CHECK(s.tokens.Peek() == 0, "every token taken");
  RACEFUZZ_CHECK(s.registry == nullptr && s.live_objects == 0, "every object released");
}

}  // namespace racefuzz::fuzz::selftest
