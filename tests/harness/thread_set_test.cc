#include "harness/thread_set.h"

#include <vector>

#include "gtest/gtest.h"

namespace racefuzz {
namespace {

std::vector<ThreadId> TakeAll(ThreadSet& set) {
  std::vector<ThreadId> ids;
  set.TakeEach([&ids](ThreadId id) { ids.push_back(id); });
  return ids;
}

// Ids on both sides of the inline word's edge (63 | 64) and the last one.
TEST(ThreadSetTest, HoldsIdsOnBothSidesOfTheInlineWordAndTheLastOne) {
  ThreadSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.First(), kNoThread);
  for (ThreadId id : {1023u, 64u, 0u, 63u}) set.Insert(id);
  for (ThreadId id : {0u, 63u, 64u, 1023u}) EXPECT_TRUE(set.Contains(id)) << id;
  for (ThreadId id : {1u, 62u, 65u, 127u, 128u, 1022u, kMaxThreads, kNoThread}) {
    EXPECT_FALSE(set.Contains(id)) << id;
  }
  EXPECT_FALSE(set.empty());
  EXPECT_EQ(set.First(), 0u);
}

// Wake order is by increasing id whatever the order the threads came in: the traces of
// every existing execution depend on it.
TEST(ThreadSetTest, TakeEachVisitsByIncreasingIdAndEmptiesTheSet) {
  ThreadSet set;
  for (ThreadId id : {1023u, 64u, 0u, 63u}) set.Insert(id);
  set.Insert(64);  // twice: still one member
  EXPECT_EQ(TakeAll(set), (std::vector<ThreadId>{0, 63, 64, 1023}));
  EXPECT_TRUE(set.empty());
  EXPECT_TRUE(TakeAll(set).empty());
  set.Insert(1023);  // reusable after being emptied
  EXPECT_EQ(TakeAll(set), (std::vector<ThreadId>{1023}));
}

TEST(ThreadSetTest, TakeFirstRemovesTheLowestIdEachTime) {
  ThreadSet set;
  for (ThreadId id : {1023u, 64u, 63u, 0u}) set.Insert(id);
  EXPECT_EQ(set.TakeFirst(), 0u);
  EXPECT_EQ(set.TakeFirst(), 63u);
  EXPECT_EQ(set.First(), 64u);
  EXPECT_EQ(set.TakeFirst(), 64u);
  EXPECT_EQ(set.TakeFirst(), 1023u);
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.TakeFirst(), kNoThread);
}

TEST(ThreadSetTest, EraseRemovesOnlyThatIdAndEmptinessFollowsTheHighIds) {
  ThreadSet set;
  set.Insert(63);
  set.Insert(1023);
  set.Erase(63);
  EXPECT_FALSE(set.empty());  // 1023 is still there
  EXPECT_EQ(set.First(), 1023u);
  set.Erase(64);  // absent: no change
  set.Erase(1023);
  set.Erase(1023);  // twice: still empty, not "minus one"
  EXPECT_TRUE(set.empty());
  set.Insert(64);
  EXPECT_FALSE(set.empty());
  EXPECT_EQ(set.First(), 64u);
}

}  // namespace
}  // namespace racefuzz
