#include "harness/runnable_set.h"

#include <vector>

#include "gtest/gtest.h"

namespace racefuzz {
namespace {

std::vector<ThreadId> IdsOf(RunnableSet& set) {
  const std::span<const ThreadId> ids = set.Ids();
  return std::vector<ThreadId>(ids.begin(), ids.end());
}

// Strategies get the runnable threads sorted by id, whatever order they became runnable in.
TEST(RunnableSetTest, IdsAreSortedWhateverTheOrderOfUpdates) {
  RunnableSet set;
  set.Insert(5);
  set.Insert(0);
  set.Insert(63);
  set.Insert(2);
  EXPECT_EQ(IdsOf(set), (std::vector<ThreadId>{0, 2, 5, 63}));
  EXPECT_EQ(set.size(), 4u);
}

// The id list is cached between calls: it must follow every change made after it was read.
TEST(RunnableSetTest, IdsFollowEveryChangeAfterTheyWereRead) {
  RunnableSet set;
  EXPECT_TRUE(IdsOf(set).empty());
  set.Insert(1);
  set.Insert(3);
  EXPECT_EQ(IdsOf(set), (std::vector<ThreadId>{1, 3}));
  set.Erase(1);
  EXPECT_EQ(IdsOf(set), (std::vector<ThreadId>{3}));
  set.Erase(3);
  EXPECT_TRUE(set.empty());
  EXPECT_TRUE(IdsOf(set).empty());
  set.Insert(7);
  set.Clear();
  EXPECT_TRUE(IdsOf(set).empty());
}

TEST(RunnableSetTest, ContainsOnlyInsertedIdsAndRejectsOutOfRangeOnes) {
  RunnableSet set;
  set.Insert(4);
  EXPECT_TRUE(set.Contains(4));
  EXPECT_FALSE(set.Contains(5));
  EXPECT_FALSE(set.Contains(kMaxThreads));
  EXPECT_FALSE(set.Contains(kNoThread));
}

// The edges of the words the set is made of (63 | 64) and the last id.
TEST(RunnableSetTest, HoldsIdsAtWordEdgesAndTheLastOne) {
  RunnableSet set;
  for (ThreadId id : {1023u, 64u, 0u, 63u}) set.Insert(id);
  EXPECT_EQ(IdsOf(set), (std::vector<ThreadId>{0, 63, 64, 1023}));
  EXPECT_EQ(set.size(), 4u);
  for (ThreadId id : {0u, 63u, 64u, 1023u}) EXPECT_TRUE(set.Contains(id)) << id;
  for (ThreadId id : {1u, 62u, 65u, 128u, 1022u}) EXPECT_FALSE(set.Contains(id)) << id;
  set.Insert(1023);  // twice: counted once
  EXPECT_EQ(set.size(), 4u);
  set.Erase(64);
  set.Erase(64);  // twice: counted once
  EXPECT_EQ(IdsOf(set), (std::vector<ThreadId>{0, 63, 1023}));
  EXPECT_EQ(set.size(), 3u);
  set.Clear();
  EXPECT_TRUE(set.empty());
  EXPECT_TRUE(IdsOf(set).empty());
  EXPECT_FALSE(set.Contains(1023));  // Clear reached the highest word
  set.Insert(63);
  EXPECT_EQ(IdsOf(set), (std::vector<ThreadId>{63}));
}

}  // namespace
}  // namespace racefuzz
