#include "fuzz/minimize.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

namespace racefuzz::fuzz {
namespace {

// The program without the operations `drop(lane, index)` selects, with fd references
// renumbered; nullopt if a kept operation uses the fd of a dropped one.
template <typename Drop>
std::optional<Program> WithoutOps(const Program& program, Drop drop) {
  std::vector<int> new_index;  // old result index -> new, or -1 when dropped
  int next = 0;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    for (size_t i = 0; i < program.lanes[lane].size(); ++i) {
      if (!ProducesFd(program.lanes[lane][i].kind)) continue;
      new_index.push_back(drop(lane, i) ? -1 : next++);
    }
  }
  Program out;
  out.num_threads = program.num_threads;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    for (size_t i = 0; i < program.lanes[lane].size(); ++i) {
      if (drop(lane, i)) continue;
      Op op = program.lanes[lane][i];
      if (TakesFd(op.kind) && !op.fd.raw) {
        if (new_index[op.fd.value] < 0) return std::nullopt;
        op.fd.value = static_cast<uint8_t>(new_index[op.fd.value]);
      }
      out.lanes[lane].push_back(op);
    }
  }
  return out;
}

// The program with racing lane `from` appended to lane `from - 1` (lane 0 is the setup):
// fewer threads, same operations. Fd names follow the new program order.
Program MergedLane(const Program& program, int from) {
  struct Position {
    int lane;
    size_t index;
  };
  std::vector<Position> order;  // new program order of the old operations
  std::array<std::vector<Position>, kNumLanes> lanes;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    const int to = lane == from ? from - 1 : lane > from ? lane - 1 : lane;
    for (size_t i = 0; i < program.lanes[lane].size(); ++i) lanes[to].push_back({lane, i});
  }
  // Old result index of each fd-producing operation, in old program order.
  std::vector<std::pair<int, size_t>> old_results;
  for (int lane = 0; lane < kNumLanes; ++lane) {
    for (size_t i = 0; i < program.lanes[lane].size(); ++i) {
      if (ProducesFd(program.lanes[lane][i].kind)) old_results.emplace_back(lane, i);
    }
  }
  std::vector<int> new_index(old_results.size(), 0);
  int next = 0;
  for (const auto& ops : lanes) {
    for (const Position& p : ops) {
      if (!ProducesFd(program.lanes[p.lane][p.index].kind)) continue;
      const auto it =
          std::find(old_results.begin(), old_results.end(), std::make_pair(p.lane, p.index));
      new_index[it - old_results.begin()] = next++;
    }
  }
  Program out;
  out.num_threads = std::max(1, program.num_threads - 1);
  for (int lane = 0; lane < kNumLanes; ++lane) {
    for (const Position& p : lanes[lane]) {
      Op op = program.lanes[p.lane][p.index];
      if (TakesFd(op.kind) && !op.fd.raw)
        op.fd.value = static_cast<uint8_t>(new_index[op.fd.value]);
      out.lanes[lane].push_back(op);
    }
  }
  return out;
}

// Fewest operations first, then fewest racing threads with operations (a merge keeps every
// operation), then the lowest thread count, then fewest schedule bytes.
size_t Size(const Input& input) {
  size_t racing = 0;
  for (int lane = 1; lane < kNumLanes; ++lane) racing += input.program.lanes[lane].empty() ? 0 : 1;
  return static_cast<size_t>(input.program.NumOps()) * 100000 + racing * 10000 +
         static_cast<size_t>(input.program.num_threads) * 1000 + input.schedule.size() * 2 +
         (input.random_tail ? 1 : 0);
}

}  // namespace

std::vector<Input> ReductionCandidates(const Input& input) {
  std::vector<Input> out;
  const Program& program = input.program;
  // Drop a whole racing thread; the threads above it move down one number.
  for (int lane = 1; lane <= program.num_threads; ++lane) {
    auto without = WithoutOps(program, [lane](int l, size_t) { return l == lane; });
    if (!without) continue;
    Input candidate{*without, input.schedule, input.random_tail};
    if (program.num_threads > 1) {
      for (int l = lane; l < program.num_threads; ++l) {
        candidate.program.lanes[l] = std::move(candidate.program.lanes[l + 1]);
        candidate.program.lanes[l + 1].clear();
      }
      --candidate.program.num_threads;
    }
    out.push_back(std::move(candidate));
  }
  // Run a racing thread's operations at the end of the thread before it (a race that needs
  // no second thread is a sequential bug, the simplest report there is).
  for (int lane = 1; lane <= program.num_threads; ++lane) {
    if (program.lanes[lane].empty() || program.lanes[lane].size() + program.lanes[lane - 1].size() >
                                           static_cast<size_t>(kMaxOpsPerLane)) {
      continue;
    }
    out.push_back(Input{MergedLane(program, lane), input.schedule, input.random_tail});
  }
  // No random tail: the schedule bytes alone show the bug.
  if (input.random_tail) {
    Input plain = input;
    plain.random_tail = false;
    out.push_back(std::move(plain));
  }
  // Drop the second half of the schedule, then its last byte.
  if (!input.schedule.empty()) {
    Input half = input;
    half.schedule.resize(input.schedule.size() / 2);
    out.push_back(half);
    Input shorter = input;
    shorter.schedule.pop_back();
    out.push_back(shorter);
  }
  // Drop one operation.
  for (int lane = 0; lane < kNumLanes; ++lane) {
    for (size_t i = 0; i < program.lanes[lane].size(); ++i) {
      auto without = WithoutOps(program, [&](int l, size_t j) { return l == lane && j == i; });
      if (without) out.push_back(Input{*without, input.schedule, input.random_tail});
    }
  }
  // Drop one schedule byte (one preemption or one thread choice fewer).
  for (size_t i = 0; i + 1 < input.schedule.size(); ++i) {
    Input candidate = input;
    candidate.schedule.erase(candidate.schedule.begin() + static_cast<long>(i));
    out.push_back(std::move(candidate));
  }
  return out;
}

absl::StatusOr<MinimizeResult> Minimize(const Input& input, const std::string& signature,
                                        const SignatureOf& signature_of, double max_seconds) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  MinimizeResult result{input, 0};
  bool progress = true;
  while (progress && elapsed() < max_seconds) {
    progress = false;
    for (const Input& candidate : ReductionCandidates(result.input)) {
      if (elapsed() >= max_seconds) break;
      if (Size(candidate) >= Size(result.input)) continue;
      ++result.candidates_tried;
      absl::StatusOr<std::string> got = signature_of(candidate);
      if (!got.ok()) return got.status();
      if (*got == signature) {
        result.input = candidate;
        progress = true;
        break;
      }
    }
  }
  return result;
}

}  // namespace racefuzz::fuzz
