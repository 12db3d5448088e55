#include "fuzz/mutator.h"

#include <random>
#include <vector>

#include "fuzz/input_codec.h"
#include "fuzz/text_form.h"
#include "gtest/gtest.h"

namespace racefuzz::fuzz {
namespace {

std::vector<uint8_t> RandomInputBytes(std::mt19937& rng) {
  std::vector<uint8_t> bytes(rng() % 120);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  if (bytes.size() >= 2) bytes[1] = static_cast<uint8_t>(rng() % 20);
  return bytes;
}

Input Parse(const char* text) {
  auto input = ParseText(text);
  EXPECT_TRUE(input.ok()) << input.status();
  return *input;
}

// What libFuzzer relies on: the result is an input the target reads back as the same thing,
// within the size limit it asked for.
TEST(StructuredMutatorTest, EveryResultEncodesRoundTripsAndFits) {
  std::mt19937 rng(7);
  for (size_t max_bytes : {size_t{8}, size_t{64}, size_t{512}}) {
    for (int i = 0; i < 5000; ++i) {
      Input input = Decode(RandomInputBytes(rng));
      const bool fitted = EncodedSize(input) <= max_bytes;
      StructuredMutator mutator(rng());
      mutator.Mutate(input, max_bytes);
      auto bytes = Encode(input);
      ASSERT_TRUE(bytes.ok()) << bytes.status() << "\n" << FormatText(input);
      ASSERT_EQ(Decode(*bytes), input) << FormatText(input);
      ASSERT_EQ(bytes->size(), EncodedSize(input));
      if (fitted) ASSERT_LE(bytes->size(), max_bytes);
    }
  }
}

TEST(StructuredMutatorTest, CrossOverResultsEncodeAndFit) {
  std::mt19937 rng(8);
  for (int i = 0; i < 5000; ++i) {
    const Input a = Decode(RandomInputBytes(rng));
    const Input b = Decode(RandomInputBytes(rng));
    StructuredMutator mutator(rng());
    const Input mixed = mutator.CrossOver(a, b, 64);
    auto bytes = Encode(mixed);
    ASSERT_TRUE(bytes.ok()) << bytes.status() << "\n" << FormatText(mixed);
    ASSERT_EQ(Decode(*bytes), mixed);
    ASSERT_LE(bytes->size(), 64u);
  }
}

TEST(StructuredMutatorTest, TheSameSeedGivesTheSameMutation) {
  const Input start = Parse(
      "T0: add system heap0\nT1: f0 = open heap0\nT1: f1 = alloc f0 len=4096\n"
      "T2: remove heap0\nschedule 00 01\n");
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Input a = start, b = start;
    StructuredMutator(seed).Mutate(a, 64);
    StructuredMutator(seed).Mutate(b, 64);
    ASSERT_EQ(a, b) << "seed " << seed;
  }
}

TEST(StructuredMutatorTest, MutationsChangeTheInput) {
  const Input start = Parse("T0: add cma heap1\nT0: f0 = open heap1\nT1: close f0\n");
  int changed = 0;
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    Input input = start;
    StructuredMutator(seed).Mutate(input, 64);
    changed += input != start ? 1 : 0;
  }
  // A move can come out as no change, but the mutator then tries again.
  EXPECT_GT(changed, 995);
}

// From an empty input (a campaign from nothing), mutation builds racing programs: a heap
// added, and an fd-taking operation on a racing thread naming an fd the program makes.
TEST(StructuredMutatorTest, GrowsRacingProgramsFromNothing) {
  int racing = 0;
  for (uint64_t walk = 0; walk < 100; ++walk) {
    Input input = Decode({});
    StructuredMutator mutator(walk);
    for (int step = 0; step < 20; ++step) mutator.Mutate(input, 64);
    bool adds = false, racing_fd_use = false;
    for (int lane = 0; lane < kNumLanes; ++lane) {
      for (const Op& op : input.program.lanes[lane]) {
        adds |= op.kind == OpKind::kAddHeap;
        racing_fd_use |= lane > 0 && TakesFd(op.kind) && !op.fd.raw;
      }
    }
    racing += adds && racing_fd_use ? 1 : 0;
  }
  EXPECT_GT(racing, 30);
}

// The op that an fd reference names, as (lane, position), or (-1, -1) for a raw fd.
std::pair<int, int> NamedOp(const Program& program, FdRef ref) {
  if (ref.raw) return {-1, -1};
  int result = 0;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    for (size_t pos = 0; pos < program.lanes[lane].size(); ++pos) {
      if (!ProducesFd(program.lanes[lane][pos].kind)) continue;
      if (result++ == ref.value) return {lane, static_cast<int>(pos)};
    }
  }
  return {-1, -1};
}

// Inserting an operation (for instance an `open` in the setup lane, before the one an
// `alloc` names) renumbers the fds; the references must still name the same operations.
TEST(StructuredMutatorTest, InsertionsKeepFdReferencesOnTheSameOperation) {
  const Input start = Parse(
      "T0: add system heap0\nT0: f0 = open heap0\nT0: f1 = open heap0\n"
      "T1: f2 = alloc f1 len=4096\nT1: close f0\nT2: f3 = dup f2\n");
  int checked = 0;
  for (uint64_t seed = 0; seed < 20000; ++seed) {
    Input input = start;
    StructuredMutator(seed).InsertOperation(input, 64);
    if (input.program.NumOps() != start.program.NumOps() + 1) continue;
    if (input.program.num_threads != start.program.num_threads) continue;
    // The single insertion: the lane that grew, and the first position where it differs.
    int grown = -1;
    size_t at = 0;
    bool only_insertion = true;
    for (int lane = 0; lane < kNumLanes; ++lane) {
      const auto& before = start.program.lanes[lane];
      const auto& after = input.program.lanes[lane];
      if (after.size() == before.size()) {
        // Same lane length: the operations must be the same apart from references.
        for (size_t i = 0; i < before.size(); ++i) {
          only_insertion &= after[i].kind == before[i].kind && after[i].heap == before[i].heap;
        }
        continue;
      }
      grown = lane;
      while (at < before.size() && after[at].kind == before[at].kind &&
             after[at].heap == before[at].heap && after[at].len == before[at].len) {
        ++at;
      }
    }
    if (!only_insertion || grown < 0) continue;
    // The inserted op must not look like a neighbour, or its position is ambiguous.
    const auto& grown_lane = input.program.lanes[grown];
    if (at + 1 < grown_lane.size() && grown_lane[at].kind == grown_lane[at + 1].kind) continue;
    if (at > 0 && grown_lane[at].kind == grown_lane[at - 1].kind) continue;
    auto new_position = [&](int lane, int pos) {
      return std::pair<int, int>{lane, lane == grown && pos >= static_cast<int>(at) ? pos + 1
                                                                                    : pos};
    };
    for (int lane = 0; lane < kNumLanes; ++lane) {
      for (size_t pos = 0; pos < start.program.lanes[lane].size(); ++pos) {
        const Op& before = start.program.lanes[lane][pos];
        if (!TakesFd(before.kind)) continue;
        const auto [new_lane, new_pos] = new_position(lane, static_cast<int>(pos));
        const Op& after = input.program.lanes[new_lane][new_pos];
        const auto [named_lane, named_pos] = NamedOp(start.program, before.fd);
        ASSERT_EQ(NamedOp(input.program, after.fd), new_position(named_lane, named_pos))
            << "seed " << seed << "\n" << FormatText(input);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

}  // namespace
}  // namespace racefuzz::fuzz
