// SourceLocation::SiteId, the identity of a site in the reads-from feedback: it must depend
// on the file's basename and the line only, and a memo of basename digests (harness/
// trace.cc) must never change it, or a campaign's corpus would lose its meaning.
#include "harness/source_location.h"

#include <array>
#include <cstdint>

#include "gtest/gtest.h"

namespace racefuzz {
namespace {

TEST(SiteIdTest, DependsOnlyOnTheBasenameAndTheLine) {
  const SourceLocation here{"/work/racefuzz/heaps/dma_heap.cc", 10};
  EXPECT_EQ(here.SiteId(), (SourceLocation{"/elsewhere/heaps/dma_heap.cc", 10}.SiteId()));
  EXPECT_EQ(here.SiteId(), (SourceLocation{"dma_heap.cc", 10}.SiteId()));
  EXPECT_NE(here.SiteId(), (SourceLocation{"/work/racefuzz/heaps/dma_heap.cc", 11}.SiteId()));
  EXPECT_NE(here.SiteId(), (SourceLocation{"/work/racefuzz/heaps/dma_buf.cc", 10}.SiteId()));
}

// Values computed independently from the definition (word-wise mixing of the basename, then
// the line; see trace.cc), asked for in an order where many files share memo slots.
TEST(SiteIdTest, KeepsItsValuesWhateverWasAskedBefore) {
  static constexpr const char* kFiles[] = {"/a/dma_heap.cc", "/b/mutex.cc",
                                           "/c/a_rather_long_file_name.cc", "/d/dma_heap.cc"};
  struct Expected {
    int file;
    int line;
    uint32_t id;
  };
  static constexpr std::array<Expected, 5> kExpected = {{{0, 10, 0x15777868u},
                                                         {0, 11, 0x94c1f47du},
                                                         {1, 24, 0x5e27983eu},
                                                         {2, 123, 0x4d161fe3u},
                                                         {3, 10, 0x15777868u}}};
  // Other files in between, so that memo slots are taken and replaced.
  static constexpr const char* kOthers[] = {"x1.cc", "x2.cc", "x3.cc", "x4.cc", "x5.cc",
                                            "x6.cc", "x7.cc", "x8.cc", "x9.cc", "x10.cc"};
  for (int round = 0; round < 3; ++round) {
    for (const Expected& e : kExpected) {
      EXPECT_EQ((SourceLocation{kFiles[e.file], e.line}.SiteId()), e.id)
          << kFiles[e.file] << ":" << e.line << " in round " << round;
      for (const char* other : kOthers) (void)SourceLocation{other, round}.SiteId();
    }
  }
}

}  // namespace
}  // namespace racefuzz
