#include "fuzz/report_symbolizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

// A function of this test binary for the symbolizer to find.
extern "C" __attribute__((noinline)) int RacefuzzSymbolizerTestTarget(int x) {
  return x * 3 + 1;
}

namespace racefuzz::fuzz {
namespace {

std::string ThisExecutable() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : "";
}

// The target's offset in this executable, as ASan prints it with symbolize=0.
uintptr_t TargetOffset() {
  Dl_info info{};
  auto* target = reinterpret_cast<void*>(&RacefuzzSymbolizerTestTarget);
  if (dladdr(target, &info) == 0) return 0;
  return reinterpret_cast<uintptr_t>(target) - reinterpret_cast<uintptr_t>(info.dli_fbase) + 4;
}

TEST(ReportSymbolizerTest, NamesTheFunctionsOfUnsymbolizedFrames) {
  const std::string exe = ThisExecutable();
  ASSERT_FALSE(exe.empty());
  const uintptr_t offset = TargetOffset();
  ASSERT_NE(offset, 0u);
  const std::string report = absl::StrFormat(
      "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x6 at pc 0x5\n"
      "READ of size 8 at 0x6 thread T0\n"
      "    #0 0x55aa00001234  (%s+0x%x) (BuildId: 00)\n"
      "    #1 0x7f0000001000  (/nonexistent/libnothing.so+0x10) (BuildId: 00)\n"
      "\n"
      "freed by thread T0 here:\n"
      "    #0 0x55aa00001234  (%s+0x%x) (BuildId: 00)\n",
      exe, offset, exe, offset);
  ASSERT_TRUE(HasUnsymbolizedFrames(report));
  const std::string symbolized = SymbolizeReport(report);
  EXPECT_TRUE(absl::StrContains(
      symbolized, "    #0 0x55aa00001234 in RacefuzzSymbolizerTestTarget "))
      << symbolized;
  EXPECT_TRUE(absl::StrContains(symbolized, "report_symbolizer_test.cc:")) << symbolized;
  // Unknown to the symbolizer: kept as printed, numbered on.
  EXPECT_TRUE(absl::StrContains(symbolized,
                                "    #1 0x7f0000001000  (/nonexistent/libnothing.so+0x10)"))
      << symbolized;
  // Every other line as it was; each stack numbered from #0.
  EXPECT_TRUE(absl::StartsWith(
      symbolized, "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x6 at pc 0x5\n"
                  "READ of size 8 at 0x6 thread T0\n"));
  EXPECT_TRUE(absl::StrContains(symbolized, "\n\nfreed by thread T0 here:\n    #0 0x55aa00001234 in "
                                            "RacefuzzSymbolizerTestTarget "))
      << symbolized;
  EXPECT_TRUE(absl::EndsWith(symbolized, "\n"));
  EXPECT_FALSE(HasUnsymbolizedFrames(SymbolizeReport(
      absl::StrFormat("    #0 0x1  (%s+0x%x)\n", exe, offset))));
}

// scripts/campaign-asan-options prints frames as "#N pc (module+offset)", unindented.
TEST(ReportSymbolizerTest, IndentsTheCampaignsUnindentedFrames) {
  const std::string exe = ThisExecutable();
  ASSERT_FALSE(exe.empty());
  const uintptr_t offset = TargetOffset();
  ASSERT_NE(offset, 0u);
  const std::string report = absl::StrFormat(
      "READ of size 8 at 0x6 thread T0\n"
      "#0 0x55aa00001234 (%s+0x%x)\n"
      "#1 0x7f0000001000 (/nonexistent/libnothing.so+0x10)\n",
      exe, offset);
  ASSERT_TRUE(HasUnsymbolizedFrames(report));
  const std::string symbolized = SymbolizeReport(report);
  EXPECT_TRUE(absl::StrContains(symbolized,
                                "READ of size 8 at 0x6 thread T0\n"
                                "    #0 0x55aa00001234 in RacefuzzSymbolizerTestTarget "))
      << symbolized;
  EXPECT_TRUE(
      absl::StrContains(symbolized, "\n    #1 0x7f0000001000 (/nonexistent/libnothing.so+0x10)\n"))
      << symbolized;
}

TEST(ReportSymbolizerTest, LeavesSymbolizedAndOtherTextAlone) {
  const std::string text =
      "    #0 0x55 in racefuzz::heaps::dma_heap_put(...) /src/heaps/dma_heap.cc:216:20\n"
      "SUMMARY: AddressSanitizer: heap-use-after-free\n"
      "no newline at the end";
  EXPECT_FALSE(HasUnsymbolizedFrames(text));
  EXPECT_EQ(SymbolizeReport(text), text);
  EXPECT_EQ(SymbolizeReport(""), "");
}

}  // namespace
}  // namespace racefuzz::fuzz
