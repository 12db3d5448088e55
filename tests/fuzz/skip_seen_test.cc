// ExecuteReportingNewBugs (fuzz/skip_seen.h): each bug signature is reported once per
// campaign, in-process. Harness-detected bugs are tested here in every build; a recovered
// ASan report needs the libFuzzer build (-fsanitize-recover=address) and is tested by
// skip_seen_test.sh.
#include "fuzz/skip_seen.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fuzz/crash_directory.h"
#include "fuzz/execute.h"
#include "fuzz/signature.h"
#include "fuzz/text_form.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace racefuzz::fuzz {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// B8 (corpora/regressions/B8_unbalanced_put.txt): a refcount underflow the harness reports.
constexpr const char* kRefcountBug = R"(threads 2
T0: add system heap0
T0: find heap0 slot0
T0: put_keep slot0
T1: put_keep slot0
T2: remove heap0
schedule 00 01 08 01
)";
constexpr const char* kRefcountSignature = "racefuzz.refcount.refcount_t-underflow-use-after-free";

constexpr const char* kClean = R"(threads 2
T0: add system heap0
T1: f0 = open heap0
T1: close f0
T2: f1 = open heap0
T2: close f1
schedule 01 00 02
)";

Input Parse(const char* text) {
  absl::StatusOr<Input> input = ParseText(text);
  EXPECT_TRUE(input.ok()) << input.status();
  return *input;
}

const heaps::Variant& KrefV1() {
  static const heaps::Variant variant = *heaps::Variant::FromName("kref_v1");
  return variant;
}

class SkipSeenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("racefuzz-skip-seen-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void MarkSeen(const std::string& signature) { std::ofstream(dir_ / signature).put('\n'); }

  fs::path dir_;
};

TEST_F(SkipSeenTest, PlainExecuteReportsTheBugThisTestUses) {
  std::string report;
  ExecuteOptions options;
  options.report_out = &report;
  const ExecutionResult result = Execute(Parse(kRefcountBug), KrefV1(), options);
  ASSERT_TRUE(result.failed());
  EXPECT_EQ(SignatureFromReport(report, true), kRefcountSignature);
}

// The campaign computes a harness failure's signature without formatting its report; it
// must be the one the scripts get from the printed report.
TEST_F(SkipSeenTest, FailureSignatureIsTheSignatureOfThePrintedReport) {
  for (const char* program : {kRefcountBug, "threads 1\nT1: find heap0 slot0\nT1: put slot0\n"}) {
    std::string report;
    ExecuteOptions options;
    options.report_out = &report;
    const ExecutionResult result = Execute(Parse(program), KrefV1(), options);
    ASSERT_TRUE(result.failed()) << program;
    EXPECT_EQ(FailureSignature(result.failure, ""), SignatureFromReport(report, true));
  }
}

TEST_F(SkipSeenTest, ASeenHarnessBugIsSkippedInProcess) {
  MarkSeen(kRefcountSignature);
  SeenSignatures seen(dir_.string());
  for (int i = 0; i < 3; ++i) {
    const ExecutionResult result =
        ExecuteReportingNewBugs(Parse(kRefcountBug), KrefV1(), ExecuteOptions{}, seen);
    EXPECT_EQ(result.failure.kind, FailureKind::kRefcount);
  }
}

TEST_F(SkipSeenTest, ANewHarnessBugPrintsTheFullReportAbortsAndIsRecorded) {
  SeenSignatures seen(dir_.string());
  ExecuteOptions options;
  options.report_footer = [] { return std::string("footer of the report\n"); };
  EXPECT_DEATH(ExecuteReportingNewBugs(Parse(kRefcountBug), KrefV1(), options, seen),
               "BUG \\[refcount\\]: refcount_t: underflow(.|\n)*Race diagram(.|\n)*"
               "footer of the report");
  EXPECT_TRUE(fs::exists(dir_ / kRefcountSignature));
}

// A campaign with a crash directory (RACEFUZZ_CRASH_DIR): a new bug prints its report,
// its input bytes are saved there as the crash file, and the process goes on; the same
// bug again is skipped and saves nothing.
TEST_F(SkipSeenTest, ANewBugIsSavedToTheCrashDirectoryAndTheProcessGoesOn) {
  const fs::path crashes = dir_ / "artifacts";
  fs::create_directories(crashes);
  SeenSignatures seen((dir_ / "seen").string());
  fs::create_directories(dir_ / "seen");
  const CrashDirectory crash_dir(crashes.string());
  const std::vector<uint8_t> bytes = {0x01, 0x05, 0x00, 0x01, 0x02, 0x03};  // as given
  for (int i = 0; i < 2; ++i) {
    ::testing::internal::CaptureStderr();
    const ExecutionResult result = ExecuteReportingNewBugs(
        Parse(kRefcountBug), KrefV1(), ExecuteOptions{}, seen, &crash_dir, bytes);
    const std::string printed = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(result.failure.kind, FailureKind::kRefcount);
    if (i == 0) {
      EXPECT_THAT(printed, HasSubstr("BUG [refcount]: refcount_t: underflow"));
      EXPECT_THAT(printed, HasSubstr("Race diagram"));
      EXPECT_THAT(printed, HasSubstr(absl::StrCat("racefuzz: new bug ", kRefcountSignature,
                                                  "; input saved as ")));
    } else {
      EXPECT_EQ(printed, "");  // seen: nothing printed, nothing saved
    }
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(crashes)) files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename().string(), CrashFileName(bytes));
  std::ifstream saved(files[0], std::ios::binary);
  const std::vector<uint8_t> content((std::istreambuf_iterator<char>(saved)),
                                     std::istreambuf_iterator<char>());
  EXPECT_EQ(content, bytes);
  EXPECT_TRUE(fs::exists(dir_ / "seen" / kRefcountSignature));
}

// A crash directory that cannot be written loses no bug: the process aborts as without one,
// so that the engine saves the input.
TEST_F(SkipSeenTest, AnUnwritableCrashDirectoryFallsBackToAborting) {
  SeenSignatures seen(dir_.string());
  const CrashDirectory crash_dir((dir_ / "missing" / "dir").string());
  const std::vector<uint8_t> bytes = {1, 2, 3};
  EXPECT_DEATH(ExecuteReportingNewBugs(Parse(kRefcountBug), KrefV1(), ExecuteOptions{}, seen,
                                       &crash_dir, bytes),
               "BUG \\[refcount\\](.|\n)*RACEFUZZ_CRASH_DIR must name a writable directory");
}

TEST(CrashFileNameTest, NamesDependOnTheBytesOnly) {
  const std::vector<uint8_t> a = {1, 2, 3}, b = {1, 2, 4};
  EXPECT_EQ(CrashFileName(a), CrashFileName(std::vector<uint8_t>{1, 2, 3}));
  EXPECT_NE(CrashFileName(a), CrashFileName(b));
  EXPECT_EQ(CrashFileName({}), "crash-cbf29ce484222325");  // FNV-1a of nothing: the offset
  // Names are stored in campaigns' artifacts: pinned, so the hash can never change.
  EXPECT_EQ(CrashFileName(a), "crash-d0aa6218672cf5ab");
}

TEST_F(SkipSeenTest, ACleanInputRunsAsWithoutTheStore) {
  const ExecutionResult plain = Execute(Parse(kClean), KrefV1(), ExecuteOptions{});
  ASSERT_FALSE(plain.failed()) << plain.failure.title;
  MarkSeen(kRefcountSignature);
  SeenSignatures seen(dir_.string());
  // Before and after skipping a known bug: the same execution, nothing carried over.
  for (int i = 0; i < 2; ++i) {
    const ExecutionResult clean =
        ExecuteReportingNewBugs(Parse(kClean), KrefV1(), ExecuteOptions{}, seen);
    EXPECT_FALSE(clean.failed()) << clean.failure.title;
    EXPECT_EQ(clean.trace_hash, plain.trace_hash);
    EXPECT_EQ(clean.steps, plain.steps);
    ExecuteReportingNewBugs(Parse(kRefcountBug), KrefV1(), ExecuteOptions{}, seen);
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST(SeenSignaturesTest, EachSignatureIsNewOnceAcrossStoresOfOneDirectory) {
  const fs::path dir = fs::temp_directory_path() / ("racefuzz-seen-" + std::to_string(getpid()));
  fs::create_directories(dir);
  SeenSignatures first(dir.string()), second(dir.string());
  EXPECT_TRUE(first.FirstTime("asan.heap-use-after-free.f"));
  EXPECT_FALSE(first.FirstTime("asan.heap-use-after-free.f"));
  EXPECT_FALSE(second.FirstTime("asan.heap-use-after-free.f"));  // another fork-mode job
  EXPECT_TRUE(second.FirstTime("racefuzz.deadlock.x"));
  fs::remove_all(dir);
}

TEST(FindingTextTest, SanitizerOutputComesFirstUnlessTheHarnessFailedFirst) {
  EXPECT_EQ(FindingText(FailureKind::kSanitizer, "asan\n", "diagram\n"), "asan\ndiagram\n");
  EXPECT_EQ(FindingText(FailureKind::kNone, "asan\n", ""), "asan\n");
  // Output from unwinding after a harness-detected bug is not part of its report.
  EXPECT_EQ(FindingText(FailureKind::kDeadlock, "asan\n", "diagram\n"), "diagram\n");
}

#if defined(RACEFUZZ_ASAN)
// Without -fsanitize-recover=address (this build) every ASan report ends the process, seen
// or not; the captured report text must still reach stderr before the race diagram.
TEST_F(SkipSeenTest, AnUnrecoverableSanitizerReportStillEndsTheProcessWithItsText) {
  MarkSeen("asan.heap-use-after-free.dma_heap_buffer_alloc");
  SeenSignatures seen(dir_.string());
  const Input b1 = Parse(R"(threads 2
T0: add system heap0
T0: f0 = open heap0
T1: f1 = alloc f0 len=4096
T2: remove heap0
schedule 00 01
)");
  EXPECT_DEATH(ExecuteReportingNewBugs(b1, KrefV1(), ExecuteOptions{}, seen),
               "ERROR: AddressSanitizer: heap-use-after-free(.|\n)*"
               "BUG \\[sanitizer\\]: sanitizer report above(.|\n)*Race diagram");
}
#endif

}  // namespace
}  // namespace racefuzz::fuzz
