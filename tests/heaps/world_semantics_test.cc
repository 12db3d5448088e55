// Sequential semantics of the model: every operation and its error codes, in every variant
// where the operation exists. Runs outside any execution (the primitives then use real
// synchronisation), which is how a single-threaded caller sees the kernel.
#include <cerrno>

#include "gtest/gtest.h"
#include "heaps/world.h"

namespace racefuzz::heaps {
namespace {

constexpr uint32_t kRdwrCloexec = 02000002;

class AllVariants : public testing::TestWithParam<const char*> {
 protected:
  Variant variant() const { return *Variant::FromName(GetParam()); }
};

TEST_P(AllVariants, SystemHeapOpenAllocCloseAndInvariants) {
  World world(variant());
  ASSERT_EQ(world.AddHeap(HeapKind::kSystem, 0), 0);
  const int heap_fd = world.OpenHeap(0);
  ASSERT_EQ(heap_fd, 0);
  const int buf_fd = world.Alloc(heap_fd, 4096, kRdwrCloexec, 0, kDmaHeapIoctlAlloc);
  ASSERT_EQ(buf_fd, 1);
  EXPECT_EQ(world.Dup(buf_fd), 2);
  world.CheckInvariants();
  EXPECT_EQ(world.Close(buf_fd), 0);
  EXPECT_EQ(world.Close(2), 0);
  EXPECT_EQ(world.Close(heap_fd), 0);
  world.CheckInvariants();
}

INSTANTIATE_TEST_SUITE_P(Variants, AllVariants,
                         testing::Values("upstream", "kref_v1", "fixed", "upstream_tee_fixed",
                                         "kref_v1_tee_fixed", "fixed_tee_mainline"));

}  // namespace
}  // namespace racefuzz::heaps
