#include "fuzz/env.h"

#include <stdlib.h>

#include <optional>
#include <string_view>

#include "gtest/gtest.h"

namespace racefuzz::fuzz {
namespace {

constexpr char kName[] = "RACEFUZZ_ENV_TEST_VARIABLE";

class EnvTest : public testing::Test {
 protected:
  void TearDown() override { unsetenv(kName); }
  void Set(const char* value) { setenv(kName, value, /*overwrite=*/1); }
};

TEST_F(EnvTest, UnsetAndEmptyHaveNoValue) {
  unsetenv(kName);
  EXPECT_EQ(EnvValue(kName), std::nullopt);
  Set("");
  EXPECT_EQ(EnvValue(kName), std::nullopt);
  Set("/tmp/seen");
  EXPECT_EQ(EnvValue(kName), std::optional<std::string_view>("/tmp/seen"));
}

TEST_F(EnvTest, AFlagIsOnUnlessItStartsWithZero) {
  unsetenv(kName);
  EXPECT_FALSE(EnvFlag(kName));
  EXPECT_TRUE(EnvFlag(kName, /*if_unset=*/true));
  Set("");
  EXPECT_FALSE(EnvFlag(kName));
  EXPECT_TRUE(EnvFlag(kName, /*if_unset=*/true));
  for (const char* on : {"1", "yes", "true", "10"}) {
    Set(on);
    EXPECT_TRUE(EnvFlag(kName)) << on;
    EXPECT_TRUE(EnvFlag(kName, /*if_unset=*/true)) << on;
  }
  for (const char* off : {"0", "00", "0x"}) {
    Set(off);
    EXPECT_FALSE(EnvFlag(kName)) << off;
    EXPECT_FALSE(EnvFlag(kName, /*if_unset=*/true)) << off;
  }
}

// RACEFUZZ_FEEDBACK's reading (fuzz/interleaving_feedback.cc): off for exactly "0".
TEST_F(EnvTest, ExactlyZero) {
  Set("0");
  EXPECT_TRUE(EnvValue(kName) == "0");
  Set("00");
  EXPECT_FALSE(EnvValue(kName) == "0");
  Set("");
  EXPECT_FALSE(EnvValue(kName) == "0");
}

}  // namespace
}  // namespace racefuzz::fuzz
