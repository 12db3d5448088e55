#include "fuzz/mutator.h"

#include <algorithm>
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
      return std::pair<int, int>{lane,
                                 lane == grown && pos >= static_cast<int>(at) ? pos + 1 : pos};
    };
    for (int lane = 0; lane < kNumLanes; ++lane) {
      for (size_t pos = 0; pos < start.program.lanes[lane].size(); ++pos) {
        const Op& before = start.program.lanes[lane][pos];
        if (!TakesFd(before.kind)) continue;
        const auto [new_lane, new_pos] = new_position(lane, static_cast<int>(pos));
        const Op& after = input.program.lanes[new_lane][new_pos];
        const auto [named_lane, named_pos] = NamedOp(start.program, before.fd);
        ASSERT_EQ(NamedOp(input.program, after.fd), new_position(named_lane, named_pos))
            << "seed " << seed << "\n"
            << FormatText(input);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

// A lifetime inserted into an empty program is complete and self-consistent: every heap it
// opens, finds, removes or unregisters is one it adds, every fd it allocs on, closes or dups
// is one it opens or allocs, every put is of a slot it fills, and within one lane the steps
// keep the lifetime's order (an fd is made before it is used).
TEST(StructuredMutatorTest, LifetimeStepsNameTheObjectsOfTheLifetime) {
  int inserted = 0;
  for (uint64_t seed = 0; seed < 3000; ++seed) {
    Input input = Decode({});
    StructuredMutator(seed).InsertLifetime(input, 64);
    const Program& program = input.program;
    if (program.NumOps() == 0) continue;
    ++inserted;
    std::vector<uint8_t> heaps, slots;
    for (const auto& lane : program.lanes) {
      for (const Op& op : lane) {
        if (op.kind == OpKind::kAddHeap) heaps.push_back(op.heap);
        if (op.kind == OpKind::kFindHeap) slots.push_back(op.slot);
      }
    }
    ASSERT_EQ(heaps.size(), 1u) << FormatText(input);
    // An rmmod follows the device's unregistration in the same lane (a second one, from
    // the double-release step, may stand anywhere).
    bool unloads = false, unload_after_unregister = false;
    for (const auto& lane : program.lanes) {
      bool unregistered = false;
      for (const Op& op : lane) {
        unregistered |= op.kind == OpKind::kTeeUnregister;
        unloads |= op.kind == OpKind::kUnloadModule;
        unload_after_unregister |= op.kind == OpKind::kUnloadModule && unregistered;
      }
    }
    EXPECT_EQ(unloads, unload_after_unregister) << FormatText(input);
    for (int lane = 0; lane < kNumLanes; ++lane) {
      for (size_t pos = 0; pos < program.lanes[lane].size(); ++pos) {
        const Op& op = program.lanes[lane][pos];
        switch (op.kind) {
          case OpKind::kOpenHeap:
          case OpKind::kFindHeap:
          case OpKind::kRemoveHeap:
          case OpKind::kTeeUnregister:
            EXPECT_EQ(op.heap, heaps[0]) << FormatText(input);
            break;
          case OpKind::kPutHeap:
          case OpKind::kPutHeapKeepSlot:
            EXPECT_EQ(op.slot, slots.at(0)) << FormatText(input);
            break;
          case OpKind::kAlloc:
          case OpKind::kClose: {
            const auto [named_lane, named_pos] = NamedOp(program, op.fd);
            ASSERT_GE(named_lane, 0) << FormatText(input);
            const OpKind named = program.lanes[named_lane][named_pos].kind;
            if (op.kind == OpKind::kAlloc) EXPECT_EQ(named, OpKind::kOpenHeap);
            if (named_lane == lane)
              EXPECT_LT(named_pos, static_cast<int>(pos)) << FormatText(input);
            break;
          }
          default:
            break;
        }
      }
    }
  }
  EXPECT_GT(inserted, 2900);
}

// The lifetimes cover what the review reasons about: a teardown step racing a use (both on
// racing threads), and a buffer that outlives its heap (the heap removed, the buffer closed
// after it in the same lane or on another thread).
TEST(StructuredMutatorTest, LifetimesRaceTheirTeardownAgainstTheirUses) {
  int racing_teardown = 0, buffer_and_removal = 0, double_release = 0;
  const int walks = 2000;
  for (uint64_t seed = 0; seed < walks; ++seed) {
    Input input = Decode({});
    StructuredMutator(seed).InsertLifetime(input, 64);
    const Program& program = input.program;
    std::array<int, kNumOpKinds> lane_of;
    lane_of.fill(-1);
    std::array<int, kNumOpKinds> count{};
    for (int lane = 0; lane < kNumLanes; ++lane) {
      for (const Op& op : program.lanes[lane]) {
        lane_of[static_cast<int>(op.kind)] = lane;
        ++count[static_cast<int>(op.kind)];
      }
    }
    auto lane = [&](OpKind kind) { return lane_of[static_cast<int>(kind)]; };
    const int teardown = lane(OpKind::kRemoveHeap);
    for (OpKind use : {OpKind::kOpenHeap, OpKind::kAlloc, OpKind::kFindHeap}) {
      if (teardown > 0 && lane(use) > 0 && lane(use) != teardown) {
        ++racing_teardown;
        break;
      }
    }
    if (count[static_cast<int>(OpKind::kAlloc)] == 1 && teardown >= 0 &&
        count[static_cast<int>(OpKind::kClose)] == 2) {
      ++buffer_and_removal;
    }
    for (OpKind release :
         {OpKind::kClose, OpKind::kPutHeap, OpKind::kPutHeapKeepSlot, OpKind::kRemoveHeap}) {
      const int expected = release == OpKind::kClose ? 2 : 1;
      if (count[static_cast<int>(release)] > expected) ++double_release;
    }
  }
  EXPECT_GT(racing_teardown, walks / 10);
  EXPECT_GT(buffer_and_removal, walks / 10);
  EXPECT_GT(double_release, walks / 50);
}

// From a long program, one mutation can start over with a single short lifetime (the
// schedule kept), so a campaign is never stuck growing ever longer programs.
TEST(StructuredMutatorTest, OneMutationCanStartOverWithAShortLifetime) {
  const Input start = Parse(
      "threads 3\nT0: add system heap0\nT0: add cma heap1\nT0: f0 = open heap0\n"
      "T0: f1 = open heap1\nT1: f2 = alloc f0 len=4096\nT1: close f2\nT1: f3 = dup f1\n"
      "T2: find heap1 slot2\nT2: put slot2\nT2: close f0\nT3: remove heap0\n"
      "T3: remove heap1\nschedule 03 01 random\n");
  int restarted = 0;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    Input input = start;
    StructuredMutator(seed).Mutate(input, 64);
    int adds = 0;
    for (const auto& lane : input.program.lanes) {
      for (const Op& op : lane) adds += op.kind == OpKind::kAddHeap ? 1 : 0;
    }
    if (input.program.NumOps() <= 8 && adds == 1 && input.program.num_threads == 2 &&
        input.schedule == start.schedule && input.random_tail) {
      ++restarted;
    }
  }
  EXPECT_GT(restarted, 10);
}

}  // namespace
}  // namespace racefuzz::fuzz
