// Sequential semantics of the model: every operation and its error codes, in every variant
// where the operation exists. The calls run outside any execution (the primitives then use
// real synchronisation), as a single-threaded caller sees the kernel; the invariants are
// checked at the end of each test.
#include <cerrno>
#include <cstdint>
#include <memory>

#include "gtest/gtest.h"
#include "harness/sanitizer_hooks.h"
#include "heaps/world.h"
#include "tests/heaps/test_util.h"

namespace racefuzz::heaps {
namespace {

// _IOC(dir, 'H', nr, size)
constexpr uint32_t Ioc(uint32_t dir, uint32_t type, uint32_t nr, uint32_t size) {
  return (dir << 30) | (size << 16) | (type << 8) | nr;
}
constexpr uint32_t kRead = 2, kWrite = 1;

class EveryVariant : public testing::TestWithParam<const char*> {
 protected:
  Variant variant() const { return V(GetParam()); }
  bool has_kref() const { return variant().core != CoreVariant::kUpstream; }
};

INSTANTIATE_TEST_SUITE_P(Variants, EveryVariant, testing::ValuesIn(AllVariantNames()),
                         [](const auto& info) { return std::string(info.param); });

TEST_P(EveryVariant, AllocatesFromSystemHeapAndFdsAreLowestFree) {
  World world(variant());
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  const int heap_fd = world.OpenHeap(0);
  ASSERT_EQ(heap_fd, 0);
  EXPECT_EQ(world.Alloc(heap_fd, 4096, kRdwrCloexec, 0, kDmaHeapIoctlAlloc), 1);
  EXPECT_EQ(world.Alloc(heap_fd, 1, 0, 0, kDmaHeapIoctlAlloc), 2);  // len page-aligned
  EXPECT_EQ(world.Dup(1), 3);
  EXPECT_EQ(world.Close(1), 0);
  EXPECT_EQ(world.Dup(3), 1);  // lowest free fd is reused at once
  world.CheckInvariants();
  EXPECT_EQ(world.Close(1), 0);
  EXPECT_EQ(world.Close(2), 0);
  EXPECT_EQ(world.Close(3), 0);
  EXPECT_EQ(world.Close(heap_fd), 0);
  world.CheckInvariants();
}

TEST_P(EveryVariant, AddHeapValidatesAndRejectsDuplicates) {
  World world(variant());
  EXPECT_EQ(world.AddHeap(static_cast<HeapKind>(3), 0), -EINVAL);
  EXPECT_EQ(world.AddHeap(HeapKind::kSystem, -1), -EINVAL);
  EXPECT_EQ(world.AddHeap(HeapKind::kSystem, 4), -EINVAL);
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 1), 0);
  // Same name: device_create() finds the sysfs name taken before the heap_list check.
  EXPECT_EQ(world.AddHeap(HeapKind::kSystem, 1), -EEXIST);
  EXPECT_EQ(world.AddHeap(HeapKind::kCma, 1), 0);
  world.CheckInvariants();
}

TEST_P(EveryVariant, OpenFailsWithoutDeviceNode) {
  World world(variant());
  EXPECT_EQ(world.OpenHeap(0), -ENOENT);
  EXPECT_EQ(world.OpenHeap(-1), -ENOENT);
  EXPECT_EQ(world.OpenHeap(4), -ENOENT);
  world.CheckInvariants();
}

TEST_P(EveryVariant, AllocArgumentChecks) {
  World world(variant());
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  const int fd = world.OpenHeap(0);
  ASSERT_EQ(fd, 0);
  const uint32_t alloc = kDmaHeapIoctlAlloc;
  EXPECT_EQ(world.Alloc(-1, 4096, 0, 0, alloc), -EBADF);
  EXPECT_EQ(world.Alloc(7, 4096, 0, 0, alloc), -EBADF);
  EXPECT_EQ(world.Alloc(1000, 4096, 0, 0, alloc), -EBADF);
  EXPECT_EQ(world.Alloc(fd, 4096, 0, 0, Ioc(kRead | kWrite, 'H', 1, 24)), -EINVAL);  // nr
  EXPECT_EQ(world.Alloc(fd, 4096, 04000 /*O_NONBLOCK*/, 0, alloc), -EINVAL);
  EXPECT_EQ(world.Alloc(fd, 4096, 0, 1, alloc), -EINVAL);               // no heap flags exist
  EXPECT_EQ(world.Alloc(fd, 0, 0, 0, alloc), -EINVAL);                  // len 0
  EXPECT_EQ(world.Alloc(fd, UINT64_MAX, 0, 0, alloc), -EINVAL);         // PAGE_ALIGN wraps to 0
  EXPECT_EQ(world.Alloc(fd, UINT64_MAX - 4094, 0, 0, alloc), -EINVAL);  // first that wraps
  EXPECT_EQ(world.Alloc(fd, UINT64_MAX - 4095, 0, 0, alloc), -ENOMEM);  // aligns to itself
  EXPECT_EQ(world.Alloc(fd, uint64_t{1} << 40, 0, 0, alloc), -ENOMEM);
  // Only the command number is checked: another magic with nr 0 is ALLOC.
  EXPECT_EQ(world.Alloc(fd, 4096, 0, 0, Ioc(kRead | kWrite, 'B', 0, 24)), 1);
  // No IOC_IN: nothing is copied in, so len reads as 0.
  EXPECT_EQ(world.Alloc(fd, 4096, 0, 0, Ioc(kRead, 'H', 0, 24)), -EINVAL);
  // No IOC_OUT: the buffer is allocated and its fd installed, but the user never learns it.
  EXPECT_EQ(world.Alloc(fd, 4096, 0, 0, Ioc(kWrite, 'H', 0, 24)), 0);
  EXPECT_EQ(world.Close(2), 0);
  // A larger user struct goes through kmalloc; a shorter one is zero-extended.
  EXPECT_EQ(world.Alloc(fd, 4096, 0, 0, Ioc(kRead | kWrite, 'H', 0, 200)), 2);
  EXPECT_EQ(world.Alloc(fd, 4096, 0, 0, Ioc(kRead | kWrite, 'H', 0, 16)), 3);
  // The user mapping is one page: a copy of 8 KiB faults.
  EXPECT_EQ(world.Alloc(fd, 4096, 0, 0, Ioc(kRead | kWrite, 'H', 0, 8192)), -EFAULT);
  // A dma-buf fd has no DMA_HEAP ioctl.
  EXPECT_EQ(world.Alloc(1, 4096, 0, 0, alloc), -ENOTTY);
  world.CheckInvariants();
}

TEST_P(EveryVariant, FullFdTableGivesEmfileAndReleasesTheBuffer) {
  World world(variant());
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  ASSERT_EQ(world.OpenHeap(0), 0);
  for (int i = 1; i < 32; ++i) ASSERT_EQ(world.Dup(0), i);
  EXPECT_EQ(world.Dup(0), -EMFILE);
  EXPECT_EQ(world.OpenHeap(0), -EMFILE);
  EXPECT_EQ(world.Alloc(0, 4096, 0, 0, kDmaHeapIoctlAlloc), -EMFILE);
  world.CheckInvariants();  // the dma-buf that found no fd was released
}

TEST_P(EveryVariant, CloseAndDupOfBadFds) {
  World world(variant());
  EXPECT_EQ(world.Close(-1), -EBADF);
  EXPECT_EQ(world.Close(0), -EBADF);
  EXPECT_EQ(world.Close(32), -EBADF);
  EXPECT_EQ(world.Dup(0), -EBADF);
  EXPECT_EQ(world.Dup(-5), -EBADF);
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  ASSERT_EQ(world.OpenHeap(0), 0);
  EXPECT_EQ(world.Close(0), 0);
  EXPECT_EQ(world.Close(0), -EBADF);
  world.CheckInvariants();
}

TEST_P(EveryVariant, CmaPoolIsBounded) {
  World world(variant());
  ASSERT_EQ(world.AddHeap(HeapKind::kCma, 2), 0);
  const int fd = world.OpenHeap(2);
  ASSERT_EQ(fd, 0);
  EXPECT_EQ(world.Alloc(fd, 257 * 4096, 0, 0, kDmaHeapIoctlAlloc), -ENOMEM);
  EXPECT_EQ(world.Alloc(fd, 200 * 4096, 0, 0, kDmaHeapIoctlAlloc), 1);
  EXPECT_EQ(world.Alloc(fd, 100 * 4096, 0, 0, kDmaHeapIoctlAlloc), -ENOMEM);
  EXPECT_EQ(world.Close(1), 0);
  EXPECT_EQ(world.Alloc(fd, 100 * 4096, 0, 0, kDmaHeapIoctlAlloc), 1);
  world.CheckInvariants();
}

TEST_P(EveryVariant, RemoveFindAndPutExistOnlyWithTheKref) {
  World world(variant());
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  if (!has_kref()) {
    EXPECT_EQ(world.RemoveHeap(0), -EOPNOTSUPP);
    EXPECT_EQ(world.FindHeap(0, 0), -ENOSYS);
    EXPECT_EQ(world.PutHeap(0), -ENOSYS);
    EXPECT_EQ(world.PutHeapKeepSlot(0), -ENOSYS);
    world.CheckInvariants();
    return;
  }
  EXPECT_EQ(world.RemoveHeap(-1), -EINVAL);
  EXPECT_EQ(world.RemoveHeap(3), -ENOENT);  // never added
  EXPECT_EQ(world.FindHeap(0, 4), -EINVAL);
  EXPECT_EQ(world.FindHeap(5, 0), -EINVAL);
  EXPECT_EQ(world.FindHeap(1, 0), -ENOENT);
  EXPECT_EQ(world.PutHeap(-1), -EINVAL);
  EXPECT_EQ(world.FindHeap(0, 0), 0);
  world.CheckInvariants();
  EXPECT_EQ(world.RemoveHeap(0), 0);  // the consumer's reference keeps it registered
  EXPECT_EQ(world.RemoveHeap(0), -ENOENT);
  EXPECT_EQ(world.FindHeap(0, 1), 0);
  world.CheckInvariants();
  EXPECT_EQ(world.PutHeap(0), 0);
  EXPECT_EQ(world.PutHeap(1), 0);  // the last reference: released
  EXPECT_EQ(world.FindHeap(0, 0), -ENOENT);
  EXPECT_EQ(world.OpenHeap(0), -ENOENT);
  world.CheckInvariants();
  // The name and the minor are free again.
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  EXPECT_EQ(world.OpenHeap(0), 0);
  world.CheckInvariants();
}

TEST_P(EveryVariant, ModuleUnload) {
  World world(variant());
  EXPECT_EQ(world.UnloadModule(HeapKind::kSystem), -ENOENT);
  EXPECT_EQ(world.UnloadModule(static_cast<HeapKind>(9)), -EINVAL);
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  const int fd = world.OpenHeap(0);
  ASSERT_EQ(fd, 0);
  ASSERT_EQ(world.Alloc(fd, 4096, 0, 0, kDmaHeapIoctlAlloc), 1);
  // A live dma-buf pins its exporter, and mainline's heap modules have no module_exit.
  EXPECT_EQ(world.UnloadModule(HeapKind::kSystem), -EBUSY);
  ASSERT_EQ(world.Close(1), 0);
  ASSERT_EQ(world.Close(fd), 0);
  switch (variant().core) {
    case CoreVariant::kUpstream:
      EXPECT_EQ(world.UnloadModule(HeapKind::kSystem), -EBUSY);
      break;
    case CoreVariant::kKrefV1:
      // module_exit removes the producer's heaps.
      EXPECT_EQ(world.UnloadModule(HeapKind::kSystem), 0);
      EXPECT_EQ(world.OpenHeap(0), -ENOENT);
      break;
    case CoreVariant::kFixed:
      // A registered heap pins its producer until it is removed and released.
      EXPECT_EQ(world.UnloadModule(HeapKind::kSystem), -EBUSY);
      EXPECT_EQ(world.RemoveHeap(0), 0);
      EXPECT_EQ(world.UnloadModule(HeapKind::kSystem), 0);
      break;
  }
  world.CheckInvariants();
  // Loading it again works.
  EXPECT_EQ(world.AddHeap(HeapKind::kSystem, 1), 0);
  world.CheckInvariants();
}

TEST_P(EveryVariant, TeeRegisterAllocUnregister) {
  World world(variant());
  EXPECT_EQ(world.AddHeap(HeapKind::kTee, 3), -EINVAL);  // heap_id_2_name(): no such id
  EXPECT_EQ(world.TeeUnregister(0), -ENODEV);
  EXPECT_EQ(world.TeeUnregister(9), -EINVAL);
  ASSERT_EQ(world.AddHeap(HeapKind::kTee, 0), 0);
  EXPECT_EQ(world.AddHeap(HeapKind::kTee, 0), -EBUSY);  // the id is registered
  const int fd = world.OpenHeap(0);
  ASSERT_EQ(fd, 0);
  EXPECT_EQ(world.Alloc(fd, 2 << 20, 0, 0, kDmaHeapIoctlAlloc), -ENOMEM);  // pool bound
  ASSERT_EQ(world.Alloc(fd, 8192, 0, 0, kDmaHeapIoctlAlloc), 1);
  EXPECT_EQ(world.UnloadModule(HeapKind::kTee), -EBUSY);  // the dma-buf pins tee.ko
  EXPECT_EQ(world.RemoveHeap(0), variant().core == CoreVariant::kUpstream ? -EOPNOTSUPP : -EINVAL);
  world.CheckInvariants();
  ASSERT_EQ(world.Close(1), 0);
  ASSERT_EQ(world.Close(fd), 0);
  EXPECT_EQ(world.TeeUnregister(0), 0);
  world.CheckInvariants();
  const bool heap_removed =
      variant().tee == TeeVariant::kFixed && variant().core == CoreVariant::kFixed;
  const int fd2 = world.OpenHeap(0);
  if (heap_removed) {
    EXPECT_EQ(fd2, -ENOENT);
  } else {
    // The dma_heap outlives its tee device: allocations fail (h->teedev == NULL).
    ASSERT_EQ(fd2, 0);
    EXPECT_EQ(world.Alloc(fd2, 4096, 0, 0, kDmaHeapIoctlAlloc), -EINVAL);
    ASSERT_EQ(world.Close(fd2), 0);
  }
  // Re-registration of the id reuses the tee_dma_heap (mainline) or makes a new one.
  EXPECT_EQ(world.AddHeap(HeapKind::kTee, 0), 0);
  world.CheckInvariants();
  // Only where tee.ko is not pinned by its heap can it go (and leave B13 behind).
  const bool pinned = variant().tee == TeeVariant::kFixed || variant().core == CoreVariant::kFixed;
  EXPECT_EQ(world.TeeUnregister(0), 0);
  EXPECT_EQ(world.UnloadModule(HeapKind::kTee), pinned && !heap_removed ? -EBUSY : 0);
  // Otherwise the dma_heap now dangles into the unloaded tee.ko: B13, see bugs_test.cc.
  if (pinned || heap_removed) world.CheckInvariants();
}

TEST(WorldVariant, NamesRoundTrip) {
  for (const char* name : AllVariantNames()) {
    auto v = Variant::FromName(name);
    ASSERT_TRUE(v.has_value()) << name;
    EXPECT_EQ(v->Name(), name);
  }
  EXPECT_FALSE(Variant::FromName("kref_v2").has_value());
}

// The storage of a destroyed World is kept for the next one (fuzz targets create one per
// execution) and, under ASan, poisoned in between, so a stale access is still reported.
TEST(WorldStorage, TheNextWorldReusesTheLastOnesStoragePoisonedInBetween) {
  if (sanitizer::kTsan) GTEST_SKIP() << "TSan builds allocate every World anew";
  const Variant variant = V("kref_v1");
  // Takes the storage kept by earlier tests, if any, so that `first` keeps its own.
  const World held(variant);
  auto first = std::make_unique<World>(variant);
  const void* const storage = first->state_address();
  first.reset();
#if defined(RACEFUZZ_ASAN)
  EXPECT_TRUE(__asan_address_is_poisoned(storage));
#endif
  World second(variant);
  EXPECT_EQ(second.state_address(), storage);
#if defined(RACEFUZZ_ASAN)
  EXPECT_FALSE(__asan_address_is_poisoned(storage));
#endif
  // A fresh kernel: no heaps, no fds.
  EXPECT_EQ(second.OpenHeap(0), -ENOENT);
  EXPECT_EQ(second.CloseAll(), 0);
  second.CheckInvariants();
}

}  // namespace
}  // namespace racefuzz::heaps
