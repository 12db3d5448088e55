#include "fuzz/text_form.h"

#include <random>

#include "fuzz/input_codec.h"
#include "gtest/gtest.h"

namespace racefuzz::fuzz {
namespace {

TEST(TextFormTest, ParsesAHandWrittenProgram) {
  auto input = ParseText(R"(# B1: ioctl on an fd whose heap was removed
threads 2
T0: add system heap0
T1: f0 = open heap0
T1: f1 = alloc f0 len=4096
T1: close raw:3
T2: remove heap0
schedule 02 01 ff
)");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->program.num_threads, 2);
  ASSERT_EQ(input->program.lanes[1].size(), 3u);
  const Op& alloc = input->program.lanes[1][1];
  EXPECT_EQ(alloc.kind, OpKind::kAlloc);
  EXPECT_EQ(alloc.fd, (FdRef{false, 0}));
  EXPECT_EQ(alloc.len, 4096u);
  EXPECT_EQ(alloc.cmd, kCmdChoices[0]);
  EXPECT_EQ(input->program.lanes[1][2].fd, (FdRef{true, 3}));
  EXPECT_EQ(input->schedule, (std::vector<uint8_t>{0x02, 0x01, 0xff}));
}

TEST(TextFormTest, DecodeEncodeDecodeIsIdenticalOnRandomBytes) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> bytes(rng() % 200);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    if (bytes.size() >= 2) bytes[1] = static_cast<uint8_t>(rng() % 64);
    const Input input = Decode(bytes);
    const std::string text = FormatText(input);
    auto parsed = ParseText(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
    ASSERT_EQ(*parsed, input) << text;
    auto encoded = Encode(*parsed);
    ASSERT_TRUE(encoded.ok()) << encoded.status();
    ASSERT_EQ(Decode(*encoded), input) << text;
    ASSERT_EQ(FormatText(Decode(*encoded)), text);
  }
}

TEST(TextFormTest, OmittedThreadsLineMeansTheHighestThreadUsed) {
  auto input = ParseText("T3: remove heap1\n");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->program.num_threads, 3);
  EXPECT_TRUE(input->schedule.empty());
}

TEST(TextFormTest, ErrorsNameTheLineAndWhatIsExpected) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"threads 9\n", "line 1: expected `threads N`"},
           Case{"T1: frobnicate heap0\n", "line 1: unknown operation `frobnicate`"},
           Case{"T1: open heap7\n", "usage: <op> heapN"},
           Case{"T1: f3 = open heap0\n", "this result is f0"},
           Case{"T1: close f2\n", "f2 is used but the program defines only"},
           Case{"T1: alloc raw:3\n", "usage: alloc"},
           Case{"T1: open heap0\nschedule 1g\n", "line 2: schedule byte `1g`"},
           Case{"threads 1\nT2: open heap0\n", "T2 has operations but `threads 1`"},
           Case{"T2: open heap0\nT1: open heap0\n", "T1 operations must come before T2's"},
           Case{"open heap0\n", "expected `threads`, `schedule` or `T0:`"},
       }) {
    auto input = ParseText(c.text);
    ASSERT_FALSE(input.ok()) << c.text;
    EXPECT_NE(input.status().message().find(c.message), absl::string_view::npos)
        << c.text << " gave: " << input.status();
  }
}

TEST(TextFormTest, AllocPrintsOnlyNonDefaultArguments) {
  Op op;
  op.kind = OpKind::kAlloc;
  op.fd = FdRef{false, 0};
  op.len = ~uint64_t{0};
  op.fd_flags = kFdFlagChoices[0];
  op.heap_flags = 1;
  op.cmd = kCmdChoices[3];
  EXPECT_EQ(FormatOp(op, 1), "f1 = alloc f0 len=0xffffffffffffffff heap_flags=1 cmd=0xc0084800");
}

}  // namespace
}  // namespace racefuzz::fuzz
