// Regression tests for the bugs the review names (spec section c.2): each one is a
// hand-written program and schedule that reproduces the bug on the variant that has it,
// expecting the right report (which sanitizer or harness check, in which function), and no
// report on `fixed`.
//
// Use-after-free only has a defined outcome under ASan, so the tests that expect an ASan
// report run in the asan preset; in the other presets the same program is checked through
// the invariant that sees the dangling pointer at quiescence, where one exists.
// Death-test regexes are POSIX extended ones, where '.' also matches a newline.
#include <cerrno>

#include "gtest/gtest.h"
#include "harness/thread.h"
#include "heaps/world.h"
#include "tests/heaps/test_util.h"

namespace racefuzz::heaps {
namespace {

#if defined(RACEFUZZ_ASAN)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif

#define SKIP_UNLESS_ASAN() \
  if (!kAsan) GTEST_SKIP() << "a use-after-free is only reported (deterministically) under ASan"

void ExpectClean(const ScriptedRun& run) { EXPECT_FALSE(run.result.failed()) << run.report; }

void ExpectInvariant(const ScriptedRun& run, const std::string& what) {
  ASSERT_TRUE(run.result.failed()) << "no report";
  EXPECT_EQ(run.result.failure.kind, FailureKind::kInvariant) << run.report;
  EXPECT_NE(run.result.failure.title.find(what), std::string::npos) << run.report;
}

// --- B1: an open fd outlives the heap; the ioctl reads the freed heap. ---
void OpenRemove(World& world, int* fd) {
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  *fd = world.OpenHeap(0);
  ASSERT_EQ(*fd, 0);
  ASSERT_EQ(world.RemoveHeap(0), 0);
}

TEST(B1IoctlAfterRemoval, KrefV1UseAfterFreeInDmaHeapBufferAlloc) {
  SKIP_UNLESS_ASAN();
  EXPECT_DEATH(
      {
        World world(V("kref_v1"));
        RunScripted({}, [&] {
          int fd = -1;
          OpenRemove(world, &fd);
          world.Alloc(fd, 4096, kRdwrCloexec, 0, kDmaHeapIoctlAlloc);
        });
      },
      "heap-use-after-free.*dma_heap_buffer_alloc.*dma_heap_ioctl");
}

TEST(B1IoctlAfterRemoval, KrefV1DanglingFdAtQuiescence) {
  World world(V("kref_v1"));
  ExpectInvariant(RunScripted({},
                              [&] {
                                int fd = -1;
                                OpenRemove(world, &fd);
                                world.CheckInvariants();
                              }),
                  "refers to a freed dma_heap");
}

TEST(B1IoctlAfterRemoval, FixedKeepsTheHeapForTheFd) {
  World world(V("fixed"));
  ExpectClean(RunScripted({}, [&] {
    int fd = -1;
    OpenRemove(world, &fd);
    EXPECT_EQ(world.Alloc(fd, 4096, kRdwrCloexec, 0, kDmaHeapIoctlAlloc), 1);
    EXPECT_EQ(world.Close(fd), 0);
    EXPECT_EQ(world.Close(1), 0);  // the last reference: the heap goes now
    EXPECT_EQ(world.OpenHeap(0), -ENOENT);
    world.CheckInvariants();
  }));
}

// --- B2: close of that fd drops the cdev kobject embedded in the freed heap. ---
TEST(B2CloseAfterRemoval, KrefV1UseAfterFreeInCdevPut) {
  SKIP_UNLESS_ASAN();
  EXPECT_DEATH(
      {
        World world(V("kref_v1"));
        RunScripted({}, [&] {
          int fd = -1;
          OpenRemove(world, &fd);
          world.Close(fd);
        });
      },
      "heap-use-after-free.*cdev_put.*__fput");
}

TEST(B2CloseAfterRemoval, FixedClosesCleanly) {
  World world(V("fixed"));
  ExpectClean(RunScripted({}, [&] {
    int fd = -1;
    OpenRemove(world, &fd);
    EXPECT_EQ(world.Close(fd), 0);
    world.CheckInvariants();
  }));
}

// --- B3: open races release. T1's chrdev_open() takes the cdev before cdev_del(); its
// dma_heap_open() then runs before (a) or after (b) xa_erase(). ---
struct B3Program {
  World& world;
  int t1_fd = -1;
  bool use_fd_after = false;
  void operator()() {
    ThreadId t1 = SpawnThread([this] { t1_fd = world.OpenHeap(0); }, "T1");
    EXPECT_EQ(world.RemoveHeap(0), 0);
    JoinThread(t1);
    if (use_fd_after) world.Alloc(t1_fd, 4096, 0, 0, kDmaHeapIoctlAlloc);
    world.CheckInvariants();
  }
};

// T0 (release) stops before device_destroy; T1 opens until it is about to xa_load.
const std::vector<SwitchRule> kB3Prefix = {{0, "device_destroy", 1, 1}, {1, "xa_load", 1, 0}};

std::vector<SwitchRule> B3aRules() {
  auto rules = kB3Prefix;
  rules.push_back({0, "xa_erase", 1, 1});  // T1's xa_load still finds the heap
  return rules;
}

TEST(B3OpenRacesRelease, KrefV1VariantAFdOnFreedHeap) {
#if defined(RACEFUZZ_TSAN)
  // TSan sees it first: kfree(heap) is unordered with chrdev_open()'s read of the cdev
  // embedded in the heap (nothing in kref_v1 orders open against release).
  EXPECT_DEATH(
      {
        World world(V("kref_v1"));
        world.AddHeap(HeapKind::kSystem, 0);
        B3Program program{world};
        RunScripted(B3aRules(), std::ref(program));
      },
      "ThreadSanitizer: data race.*dma_heap_release.*chrdev_open");
  return;
#endif
  World world(V("kref_v1"));
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  B3Program program{world};
  ScriptedRun run = RunScripted(B3aRules(), std::ref(program));
  EXPECT_EQ(program.t1_fd, 0);
  EXPECT_EQ(run.unfired_rules, 0u);
  ExpectInvariant(run, "refers to a freed dma_heap");
}

TEST(B3OpenRacesRelease, KrefV1VariantAUseAfterFreeOnIoctl) {
  SKIP_UNLESS_ASAN();
  EXPECT_DEATH(
      {
        World world(V("kref_v1"));
        world.AddHeap(HeapKind::kSystem, 0);
        B3Program program{world};
        program.use_fd_after = true;
        RunScripted(B3aRules(), std::ref(program));
      },
      "heap-use-after-free.*dma_heap_buffer_alloc");
}

TEST(B3OpenRacesRelease, KrefV1VariantBUseAfterFreeInOpenErrorPath) {
  SKIP_UNLESS_ASAN();
  EXPECT_DEATH(
      {
        World world(V("kref_v1"));
        world.AddHeap(HeapKind::kSystem, 0);
        B3Program program{world};
        RunScripted(kB3Prefix, std::ref(program));
      },
      "heap-use-after-free.*cdev_put.*chrdev_open");
}

TEST(B3OpenRacesRelease, FixedOpenFailsCleanlyInBothSchedules) {
  for (const auto& rules : {B3aRules(), kB3Prefix}) {
    World world(V("fixed"));
    ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
    B3Program program{world};
    program.use_fd_after = true;
    ExpectClean(RunScripted(rules, std::ref(program)));
    EXPECT_EQ(program.t1_fd, -ENODEV);
  }
}

// Fixed design point 1, the cdev check: T1's chrdev_open() takes heap A's cdev; before its
// dma_heap_open() runs, A is removed and a new heap B takes A's minor. Without the check T1
// would get an fd on B through A's device node.
TEST(FixedOpen, RejectsAHeapThatReusedTheMinor) {
  World world(V("fixed"));
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  int t1_fd = 0;
  ScriptedRun run = RunScripted(
      {{0, "mutex_lock(module_mutex)", 1, 1}, {1, "mutex_lock(heap_list_lock)", 1, 0}}, [&] {
        ThreadId t1 = SpawnThread([&] { t1_fd = world.OpenHeap(0); }, "T1");
        EXPECT_EQ(world.RemoveHeap(0), 0);
        EXPECT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);  // the same name and minor
        JoinThread(t1);
        world.CheckInvariants();
      });
  ExpectClean(run);
  EXPECT_EQ(run.unfired_rules, 0u);
  EXPECT_EQ(t1_fd, -ENODEV);
}

// --- B6: a live CMA dma-buf outlives its heap and the heap's priv. ---
void CmaBufferOutlivesHeap(World& world) {
  ASSERT_EQ(world.AddHeap(HeapKind::kCma, 1), 0);
  const int fd = world.OpenHeap(1);
  ASSERT_EQ(fd, 0);
  ASSERT_EQ(world.Alloc(fd, 8192, kRdwrCloexec, 0, kDmaHeapIoctlAlloc), 1);
  ASSERT_EQ(world.Close(fd), 0);
  ASSERT_EQ(world.RemoveHeap(1), 0);
}

TEST(B6BufferOutlivesHeap, KrefV1UseAfterFreeOfPrivInCmaRelease) {
  SKIP_UNLESS_ASAN();
  EXPECT_DEATH(
      {
        World world(V("kref_v1"));
        RunScripted({}, [&] {
          CmaBufferOutlivesHeap(world);
          world.Close(1);
        });
      },
      "heap-use-after-free.*cma_heap_dma_buf_release.*dma_buf_release");
}

TEST(B6BufferOutlivesHeap, KrefV1DanglingPrivAtQuiescence) {
  World world(V("kref_v1"));
  ExpectInvariant(RunScripted({},
                              [&] {
                                CmaBufferOutlivesHeap(world);
                                world.CheckInvariants();
                              }),
                  "outlives its heap's priv");
}

TEST(B6BufferOutlivesHeap, FixedBufferKeepsHeapAndPriv) {
  World world(V("fixed"));
  ExpectClean(RunScripted({}, [&] {
    CmaBufferOutlivesHeap(world);
    world.CheckInvariants();
    EXPECT_EQ(world.Close(1), 0);
    world.CheckInvariants();
  }));
}

// --- B7: removal while an ALLOC ioctl is inside ops->allocate (cma_alloc). ---
struct B7Program {
  World& world;
  int t1_result = -1;
  void operator()() {
    ThreadId t1 = SpawnThread(
        [this] { t1_result = world.Alloc(0, 8192, kRdwrCloexec, 0, kDmaHeapIoctlAlloc); }, "T1");
    EXPECT_EQ(world.RemoveHeap(1), 0);
    JoinThread(t1);
    world.CheckInvariants();
  }
};
// T0 starts its put, T1 runs until cma_alloc, T0 removes the heap (and the priv).
const std::vector<SwitchRule> kB7Rules = {{0, "dma_heap_put", 1, 1}, {1, "cma_alloc", 1, 0}};

TEST(B7InFlightIoctl, KrefV1UseAfterFreeOfPrivInCmaAllocate) {
  SKIP_UNLESS_ASAN();
  EXPECT_DEATH(
      {
        World world(V("kref_v1"));
        world.AddHeap(HeapKind::kCma, 1);
        world.OpenHeap(1);
        B7Program program{world};
        RunScripted(kB7Rules, std::ref(program));
      },
      "heap-use-after-free.*cma_heap_allocate.*dma_heap_ioctl");
}

TEST(B7InFlightIoctl, FixedAllocationCompletes) {
  World world(V("fixed"));
  ASSERT_EQ(world.AddHeap(HeapKind::kCma, 1), 0);
  ASSERT_EQ(world.OpenHeap(1), 0);
  B7Program program{world};
  ScriptedRun run = RunScripted(kB7Rules, std::ref(program));
  ExpectClean(run);
  EXPECT_EQ(run.unfired_rules, 0u);
  EXPECT_EQ(program.t1_result, 1);
}

// --- B8: an unbalanced put (a consumer puts a pointer it no longer owns) while the heap is
// being released. The kernel's refcount_t WARNs "underflow; use-after-free"; no core can
// make a caller's extra put safe, so fixed reports it too. ---
TEST(B8UnbalancedPut, RefcountUnderflowInEveryKrefVariant) {
  for (const char* name : {"kref_v1", "fixed"}) {
    World world(V(name));
    ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
    ASSERT_EQ(world.FindHeap(0, 0), 0);
    ASSERT_EQ(world.PutHeapKeepSlot(0), 0);  // balanced; the stale pointer stays
    ScriptedRun run = RunScripted({{0, "dma_heap_put", 1, 1}, {1, "device_destroy", 1, 0}}, [&] {
      ThreadId t1 = SpawnThread([&] { world.RemoveHeap(0); }, "T1");
      world.PutHeapKeepSlot(0);  // the unbalanced put
      JoinThread(t1);
    });
    ASSERT_TRUE(run.result.failed()) << name;
    EXPECT_EQ(run.result.failure.kind, FailureKind::kRefcount) << run.report;
    EXPECT_EQ(run.result.failure.title, "refcount_t: underflow; use-after-free") << run.report;
    EXPECT_EQ(run.result.failure.thread, 0u) << run.report;
  }
}

// --- [PATCH 2/8]'s dma_heap_find() puts the heaps it skips while holding heap_list_lock.
// If the producer dropped its reference meanwhile, that put is the last one and
// dma_heap_release() takes heap_list_lock again: an AA deadlock. ---
TEST(FindPutsUnderLock, KrefV1SelfDeadlock) {
  World world(V("kref_v1"));
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 1), 0);  // list_add: walked before heap 0
  ScriptedRun run = RunScripted({{0, "dma_heap_put", 1, 1}}, [&] {
    ThreadId t1 = SpawnThread([&] { world.RemoveHeap(1); }, "T1");
    world.FindHeap(0, 0);
    JoinThread(t1);
  });
  ASSERT_TRUE(run.result.failed());
  EXPECT_EQ(run.result.failure.kind, FailureKind::kDeadlock) << run.report;
  EXPECT_EQ(run.result.failure.title, "AA deadlock: recursive mutex_lock of 'heap_list_lock'")
      << run.report;
}

TEST(FindPutsUnderLock, FixedFindTakesOnlyTheMatch) {
  World world(V("fixed"));
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 1), 0);
  ScriptedRun run = RunScripted({{0, "dma_heap_put", 1, 1}}, [&] {
    ThreadId t1 = SpawnThread([&] { EXPECT_EQ(world.RemoveHeap(1), 0); }, "T1");
    EXPECT_EQ(world.FindHeap(0, 0), 0);
    JoinThread(t1);
    world.CheckInvariants();
  });
  ExpectClean(run);
}

// --- B9: dma_heap_put(NULL): the kernel oopses (reported as the oops, not a SIGSEGV). ---
TEST(B9PutNull, KrefV1Oopses) {
  World world(V("kref_v1"));
  ExpectInvariant(RunScripted({}, [&] { world.PutHeap(2); }),
                  "BUG: kernel NULL pointer dereference");
}

TEST(B9PutNull, FixedIgnoresNull) {
  World world(V("fixed"));
  ExpectClean(RunScripted({}, [&] {
    EXPECT_EQ(world.PutHeap(2), 0);
    world.CheckInvariants();
  }));
}

// --- B13: tee.ko unloads while its dma_heap stays registered with ops and name inside it.
void TeeUnregisterAndUnload(World& world, int expected_unload) {
  ASSERT_EQ(world.AddHeap(HeapKind::kTee, 0), 0);
  ASSERT_EQ(world.TeeUnregister(0), 0);
  ASSERT_EQ(world.UnloadModule(HeapKind::kTee), expected_unload);
}

TEST(B13TeeModuleUnload, MainlineIoctlCallsIntoUnloadedModule) {
  SKIP_UNLESS_ASAN();
  for (const char* name : {"upstream", "kref_v1"}) {
    EXPECT_DEATH(
        {
          World world(V(name));
          RunScripted({}, [&] {
            TeeUnregisterAndUnload(world, 0);
            const int fd = world.OpenHeap(0);
            world.Alloc(fd, 4096, 0, 0, kDmaHeapIoctlAlloc);
          });
        },
        "heap-use-after-free.*dma_heap_buffer_alloc")
        << name;
  }
}

TEST(B13TeeModuleUnload, MainlineNameCompareReadsUnloadedModule) {
  SKIP_UNLESS_ASAN();
  EXPECT_DEATH(
      {
        World world(V("kref_v1"));
        RunScripted({}, [&] {
          TeeUnregisterAndUnload(world, 0);
          world.AddHeap(HeapKind::kSystem, 1);  // the heap_list walk strcmp()s the tee name
        });
      },
      "heap-use-after-free.*dma_heap_add");
}

TEST(B13TeeModuleUnload, MainlineDanglingOpsAtQuiescence) {
  World world(V("kref_v1"));
  ExpectInvariant(RunScripted({},
                              [&] {
                                TeeUnregisterAndUnload(world, 0);
                                world.CheckInvariants();
                              }),
                  "outlives its producer module");
}

TEST(B13TeeModuleUnload, FixedRemovesTheHeapBeforeTheModuleGoes) {
  World world(V("fixed"));
  ExpectClean(RunScripted({}, [&] {
    TeeUnregisterAndUnload(world, 0);
    EXPECT_EQ(world.OpenHeap(0), -ENOENT);
    EXPECT_EQ(world.AddHeap(HeapKind::kSystem, 1), 0);
    world.CheckInvariants();
  }));
}

TEST(B13TeeModuleUnload, PinnedWhereTheHeapStays) {
  for (const char* name : {"fixed_tee_mainline", "kref_v1_tee_fixed", "upstream_tee_fixed"}) {
    World world(V(name));
    ExpectClean(RunScripted({}, [&] {
      TeeUnregisterAndUnload(world, -EBUSY);
      const int fd = world.OpenHeap(0);
      EXPECT_EQ(world.Alloc(fd, 4096, 0, 0, kDmaHeapIoctlAlloc), -EINVAL);
      world.CheckInvariants();
    }));
  }
}

// --- Found by the smoke runs, not in the review: tee_device_put() calls complete() with
// teedev->mutex held and unlocks after it; tee_device_unregister() returns from
// wait_for_completion() and put_device()s, freeing the teedev, so the unlock can write freed
// memory. T1 unregisters while T0 closes the last tee dma-buf. ---
void TeeBufferOpen(World& world) {
  ASSERT_EQ(world.AddHeap(HeapKind::kTee, 0), 0);
  ASSERT_EQ(world.OpenHeap(0), 0);
  ASSERT_EQ(world.Alloc(0, 4096, kRdwrCloexec, 0, kDmaHeapIoctlAlloc), 1);
  ASSERT_EQ(world.Close(0), 0);
}
// T0 lets T1 run until it waits for c_no_users; T0's last put completes it; just before T0
// unlocks teedev->mutex, T1 returns from the wait and frees the teedev.
const std::vector<SwitchRule> kTeeDevicePutRules = {{0, "mutex_lock(file_lock)", 1, 1},
                                                    {0, "mutex_unlock(teedev->mutex)", 1, 1}};
void TeeDevicePutProgram(World& world) {
  ThreadId t1 = SpawnThread([&world] { EXPECT_EQ(world.TeeUnregister(0), 0); }, "T1");
  world.Close(1);
  JoinThread(t1);
  world.CheckInvariants();
}

TEST(TeeDevicePutRacesUnregister, MainlineUnlocksFreedTeedev) {
  SKIP_UNLESS_ASAN();
  EXPECT_DEATH(
      {
        World world(V("fixed_tee_mainline"));
        TeeBufferOpen(world);
        RunScripted(kTeeDevicePutRules, [&] { TeeDevicePutProgram(world); });
      },
      "heap-use-after-free.*Mutex::Unlock.*tee_device_put.*tee_heap_release.*tee_heap_buf_free");
}

TEST(TeeDevicePutRacesUnregister, FixedPinsTheDevice) {
  World world(V("fixed"));
  TeeBufferOpen(world);
  ScriptedRun run = RunScripted(kTeeDevicePutRules, [&] { TeeDevicePutProgram(world); });
  ExpectClean(run);
  EXPECT_EQ(run.unfired_rules, 0u);
}

}  // namespace
}  // namespace racefuzz::heaps
