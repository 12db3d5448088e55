#include "harness/fnv1a.h"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace racefuzz {
namespace {

// The FNV-1a 64-bit test vectors of the reference test suite (Fowler, Noll, Vo).
static_assert(Fnv1a64(std::string_view("")) == 0xcbf29ce484222325ULL);
static_assert(Fnv1a64(std::string_view("a")) == 0xaf63dc4c8601ec8cULL);
static_assert(Fnv1a64(std::string_view("foobar")) == 0x85944171f73967e8ULL);

TEST(Fnv1a64Test, ReferenceVectors) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(Fnv1a64(""), kFnv1a64Offset);
}

TEST(Fnv1a64Test, BytesAndCharactersHashAlike) {
  const std::vector<uint8_t> foobar = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(Fnv1a64(foobar), 0x85944171f73967e8ULL);
  // A char above 0x7f is hashed as its unsigned byte, whatever the signedness of char.
  const std::array<uint8_t, 1> high = {0xff};
  EXPECT_EQ(Fnv1a64(high), 0xaf64724c8602eb6eULL);
  EXPECT_EQ(Fnv1a64("\xff"), 0xaf64724c8602eb6eULL);
}

TEST(Fnv1a64Test, CallsChain) {
  EXPECT_EQ(Fnv1a64("bar", Fnv1a64("foo")), Fnv1a64("foobar"));
  EXPECT_EQ(Fnv1a64("", Fnv1a64("foobar")), Fnv1a64("foobar"));
  const std::vector<uint8_t> bar = {'b', 'a', 'r'};
  EXPECT_EQ(Fnv1a64(bar, Fnv1a64("foo")), 0x85944171f73967e8ULL);
}

}  // namespace
}  // namespace racefuzz
