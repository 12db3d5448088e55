// The slab registry's bookkeeping (heaps/slab.h, heaps/slab_slots.h), outside any execution:
// allocation order for the checks and for teardown whatever slots the objects landed in
// (freed slots are reused, objects spill into further chunks), double frees found, retired
// objects kept until FreeAll.
#include "heaps/slab.h"

#include <vector>

#include "gtest/gtest.h"
#include "heaps/live_objects.h"

namespace racefuzz::heaps {
namespace {

struct Widget {
  int serial = 0;
};
struct Gadget {};

std::vector<int> deleted;  // serials, in the order FreeAll deleted them

Widget* NewWidget(SlabRegistry& slab, int serial) {
  auto* w = new Widget{serial};
  slab.Insert(w, &kSlabTag<Widget>, [](void* p) {
    deleted.push_back(static_cast<Widget*>(p)->serial);
    delete static_cast<Widget*>(p);
  });
  return w;
}

std::vector<int> LiveSerials(const SlabRegistry& slab) {
  LiveObjectGroups groups(slab.Snapshot());
  std::vector<int> out;
  for (Widget* w : groups.Take<Widget>()) out.push_back(w->serial);
  return out;
}

TEST(SlabRegistryTest, KeepsAllocationOrderAcrossReusedSlotsAndChunks) {
  deleted.clear();
  SlabRegistry slab;
  std::vector<Widget*> widgets;
  for (int i = 0; i < 150; ++i) widgets.push_back(NewWidget(slab, i));  // three chunks
  std::vector<int> expected;
  for (int i = 0; i < 150; ++i) {
    if (i % 3 == 0) {
      ASSERT_TRUE(slab.Erase(widgets[i]));
      delete widgets[i];
    } else {
      expected.push_back(i);
    }
  }
  // New objects take the freed slots, yet come after every older one.
  for (int i = 150; i < 200; ++i) {
    NewWidget(slab, i);
    expected.push_back(i);
  }
  EXPECT_EQ(slab.LiveCount(), expected.size());
  EXPECT_EQ(LiveSerials(slab), expected);
  slab.FreeAll();
  EXPECT_EQ(deleted, expected);
  EXPECT_EQ(slab.LiveCount(), 0u);
}

TEST(SlabRegistryTest, ADoubleOrWildFreeIsNotALiveAllocation) {
  SlabRegistry slab;
  Widget* w = NewWidget(slab, 1);
  Widget other;
  EXPECT_FALSE(slab.Erase(&other));
  EXPECT_FALSE(slab.Erase(nullptr));
  EXPECT_TRUE(slab.Erase(w));
  EXPECT_FALSE(slab.Erase(w));
  delete w;
}

TEST(SlabRegistryTest, ARetiredObjectIsDeadForChecksButDeletedOnlyByFreeAll) {
  deleted.clear();
  SlabRegistry slab;
  NewWidget(slab, 1);
  Widget* retired = NewWidget(slab, 2);
  NewWidget(slab, 3);
  ASSERT_TRUE(slab.Retire(retired));
  EXPECT_FALSE(slab.Retire(retired));
  EXPECT_FALSE(slab.Erase(retired));
  EXPECT_EQ(slab.LiveCount(), 2u);
  EXPECT_EQ(LiveSerials(slab), (std::vector<int>{1, 3}));
  EXPECT_TRUE(deleted.empty());
  slab.FreeAll();
  EXPECT_EQ(deleted, (std::vector<int>{1, 2, 3}));  // allocation order, retired included
}

TEST(LiveObjectGroupsTest, EachTypeInAllocationOrderAndCounts) {
  deleted.clear();
  SlabRegistry slab;
  NewWidget(slab, 1);
  auto* g = new Gadget;
  slab.Insert(g, &kSlabTag<Gadget>, [](void* p) { delete static_cast<Gadget*>(p); });
  NewWidget(slab, 2);
  LiveObjectGroups groups(slab.Snapshot());
  EXPECT_EQ(groups.Count<Widget>(), 2u);
  const LiveRange<Gadget> gadgets = groups.Take<Gadget>();
  const LiveRange<Widget> widgets = groups.Take<Widget>();
  ASSERT_EQ(gadgets.size(), 1u);
  EXPECT_EQ(*gadgets.begin(), g);
  std::vector<int> serials;
  for (Widget* w : widgets) serials.push_back(w->serial);
  EXPECT_EQ(serials, (std::vector<int>{1, 2}));
  slab.FreeAll();
}

}  // namespace
}  // namespace racefuzz::heaps
