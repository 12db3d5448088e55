#include "fuzz/input_codec.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace racefuzz::fuzz {
namespace {

std::vector<uint8_t> RandomBytes(std::mt19937& rng, size_t max_len) {
  std::vector<uint8_t> bytes(rng() % (max_len + 1));
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

// Bytes with a plausible header, so the random programs are long.
std::vector<uint8_t> RandomInputBytes(std::mt19937& rng) {
  std::vector<uint8_t> bytes = RandomBytes(rng, 300);
  if (bytes.size() >= 2) bytes[1] = static_cast<uint8_t>(rng() % 40);
  return bytes;
}

TEST(InputCodecTest, EveryByteStringDecodesWithinTheCaps) {
  std::mt19937 rng(1);
  for (int i = 0; i < 20000; ++i) {
    const Input input = Decode(RandomBytes(rng, 400));
    ASSERT_GE(input.program.num_threads, 1);
    ASSERT_LE(input.program.num_threads, kMaxThreads);
    ASSERT_LE(input.program.NumOps(), kMaxOps);
    for (int lane = 0; lane < kNumLanes; ++lane) {
      ASSERT_LE(input.program.lanes[lane].size(), kMaxOpsPerLane);
      if (lane > input.program.num_threads) ASSERT_TRUE(input.program.lanes[lane].empty());
      for (const Op& op : input.program.lanes[lane]) {
        if (TakesFd(op.kind) && !op.fd.raw) ASSERT_LT(op.fd.value, input.program.NumResults());
      }
    }
  }
}

TEST(InputCodecTest, EmptyInputIsOneThreadWithNothingToDo) {
  const Input input = Decode({});
  EXPECT_EQ(input.program.num_threads, 1);
  EXPECT_EQ(input.program.NumOps(), 0);
  EXPECT_TRUE(input.schedule.empty());
}

TEST(InputCodecTest, EncodeOfDecodeDecodesToTheSameInput) {
  std::mt19937 rng(2);
  for (int i = 0; i < 20000; ++i) {
    const Input input = Decode(RandomInputBytes(rng));
    auto bytes = Encode(input);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    ASSERT_EQ(Decode(*bytes), input);
    ASSERT_EQ(*Encode(Decode(*bytes)), *bytes) << "encoding is canonical";
  }
}

TEST(InputCodecTest, ScheduleIsReadFromTheBack) {
  // threads=2, one op (open heap1 on T1), then schedule bytes stored back to front.
  const std::vector<uint8_t> bytes = {0x01, 0x01, 0x17, 0x01, 0x00, 0x00, 0xaa, 0xbb, 0xcc};
  const Input input = Decode(bytes);
  EXPECT_EQ(input.program.num_threads, 2);
  ASSERT_EQ(input.program.lanes[1].size(), 1u);
  EXPECT_EQ(input.program.lanes[1][0].kind, OpKind::kOpenHeap);
  EXPECT_EQ(input.program.lanes[1][0].heap, 1);
  EXPECT_EQ(input.schedule, (std::vector<uint8_t>{0xcc, 0xbb, 0xaa}));
}

TEST(InputCodecTest, OverwritingProgramBytesLeavesTheScheduleAlone) {
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bytes = RandomInputBytes(rng);
    if (bytes.size() < 3) continue;
    const Input before = Decode(bytes);
    const size_t program_end = bytes.size() - before.schedule.size();
    if (program_end <= kHeaderBytes) continue;
    // Any op byte (not the header, which sets the program's length).
    bytes[kHeaderBytes + rng() % (program_end - kHeaderBytes)] = static_cast<uint8_t>(rng());
    ASSERT_EQ(Decode(bytes).schedule, before.schedule);
  }
}

// The random tail of a stored input replays only while its seed stays the same: pinned.
TEST(InputCodecTest, TailSeedIsAHashOfTheScheduleOnly) {
  Input input;
  EXPECT_EQ(TailSeed(input), 0xa8c7f832281a39c5ULL);
  input.schedule = {1, 2, 3};
  EXPECT_EQ(TailSeed(input), 0xb981081392b03a26ULL);
  input.schedule = {0xff, 0};
  EXPECT_EQ(TailSeed(input), 0x2c5413a871ebccf8ULL);
  Input other = input;
  other.random_tail = true;
  other.program.lanes[0].emplace_back();
  EXPECT_EQ(TailSeed(other), TailSeed(input));
}

TEST(InputCodecTest, ChangingScheduleBytesLeavesTheProgramAlone) {
  std::mt19937 rng(4);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bytes = RandomInputBytes(rng);
    const Input before = Decode(bytes);
    if (before.schedule.empty()) continue;
    const size_t program_end = bytes.size() - before.schedule.size();
    const size_t at = program_end + rng() % before.schedule.size();
    switch (rng() % 3) {
      case 0:
        bytes[at] = static_cast<uint8_t>(rng());
        break;
      case 1:
        bytes.insert(bytes.begin() + at, static_cast<uint8_t>(rng()));
        break;
      case 2:
        bytes.erase(bytes.begin() + at);
        break;
    }
    ASSERT_EQ(Decode(bytes).program, before.program);
  }
}

TEST(InputCodecTest, InsertingIntoTheProgramKeepsTheFirstScheduleBytes) {
  std::mt19937 rng(5);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> bytes = RandomInputBytes(rng);
    const Input before = Decode(bytes);
    const size_t program_end = bytes.size() - before.schedule.size();
    if (program_end <= kHeaderBytes) continue;
    const size_t at = kHeaderBytes + rng() % (program_end - kHeaderBytes);
    bytes.insert(bytes.begin() + at, static_cast<uint8_t>(rng()));
    const Input after = Decode(bytes);
    // The program keeps its declared length, so one of its bytes moves to the schedule's
    // far end: the decisions consumed first are unchanged.
    ASSERT_GE(after.schedule.size(), before.schedule.size());
    ASSERT_TRUE(std::equal(before.schedule.begin(), before.schedule.end(), after.schedule.begin()));
  }
}

TEST(InputCodecTest, LenCodeReachesPageBoundariesAndWrapAround) {
  for (uint64_t len : {uint64_t{0}, uint64_t{1}, uint64_t{4095}, uint64_t{4096}, uint64_t{4097},
                       uint64_t{1} << 32, ~uint64_t{0}, ~uint64_t{0} - 4095}) {
    auto code = EncodeLen(len);
    ASSERT_TRUE(code.has_value()) << len;
    EXPECT_EQ(DecodeLen(*code), len);
  }
  EXPECT_FALSE(EncodeLen(12345).has_value());
}

TEST(InputCodecTest, FdArgumentsResolveToResultsOrRawFds) {
  // T0: open heap0 (f0); T0: close with byte 0x05 -> f0 (5 mod 1); close 0x83 -> raw fd 3.
  const std::vector<uint8_t> bytes = {0x00, 0x03, 0x07, 0x00, 0,    0, 0x09,
                                      0x05, 0,    0,    0x09, 0x83, 0, 0};
  const Program program = Decode(bytes).program;
  ASSERT_EQ(program.lanes[0].size(), 3u);
  EXPECT_EQ(program.lanes[0][1].fd, (FdRef{false, 0}));
  EXPECT_EQ(program.lanes[0][2].fd, (FdRef{true, 3}));
}

TEST(InputCodecTest, EncodeRejectsWhatNoBytesCanHold) {
  Input input;
  input.program.num_threads = 1;
  input.program.lanes[2].push_back(Op{});
  EXPECT_FALSE(Encode(input).ok()) << "T2 in a one-thread program";

  Input alloc;
  Op op;
  op.kind = OpKind::kAlloc;
  op.fd = FdRef{true, 3};
  op.len = 12345;
  op.fd_flags = kFdFlagChoices[0];
  op.cmd = kCmdChoices[0];
  alloc.program.lanes[1].push_back(op);
  EXPECT_FALSE(Encode(alloc).ok()) << "len 12345 has no code";

  Input dangling;
  Op close;
  close.kind = OpKind::kClose;
  close.fd = FdRef{false, 0};
  dangling.program.lanes[1].push_back(close);
  EXPECT_FALSE(Encode(dangling).ok()) << "f0 without any fd-producing op";
}

}  // namespace
}  // namespace racefuzz::fuzz
