// The cost of handing control from one thread to another: racefuzz's yield-and-switch between
// two logical threads (fibers) against a semaphore baton between two OS threads, the way
// folly's DeterministicSchedule serialises real threads (folly/test/DeterministicSchedule.cpp:
// one semaphore per thread; the running thread posts the next one's and waits on its own).
// Both report wall-clock nanoseconds per switch in the counter kNsPerSwitch.
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <semaphore>
#include <span>
#include <string>
#include <thread>

#include "bench/bench_counters.h"
#include "benchmark/benchmark.h"
#include "harness/fiber.h"
#include "harness/scheduler.h"
#include "harness/strategy.h"
#include "harness/thread.h"
#include "harness/yield.h"

namespace racefuzz::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Nanoseconds(Clock::duration d) {
  return std::chrono::duration<double, std::nano>(d).count();
}

// CPU time of the calling OS thread. Fibers run on one OS thread, so this is the switch's
// own cost even when other processes share the cores (wall-clock time then includes waiting
// for a core); the OS-thread baton has no such counterpart, its cost is the waiting.
double ThreadCpuNanoseconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// How every per-switch benchmark runs: 1,000 switches (or round trips) per iteration, the
// size the summary compares; wall-clock time; the fastest repetition as "min".
void PerSwitchBenchmark(benchmark::internal::Benchmark* registration) {
  registration->Arg(1000)
      ->UseRealTime()
      ->ComputeStatistics("min", MinStatistic)
      ->Unit(benchmark::kMicrosecond);
}

// Preempts at every yield point and runs the other thread: with two logical threads every
// yield point is a switch.
class PingPongStrategy final : public Strategy {
 public:
  bool ShouldPreempt(const YieldContext&) override { return true; }
  ThreadId PickNext(std::span<const ThreadId> runnable, ThreadId current, uint64_t) override {
    for (ThreadId t : runnable) {
      if (t != current) {
        ++switches_;
        return t;
      }
    }
    return runnable.front();
  }
  std::string Describe() const override { return "ping-pong"; }
  uint64_t switches() const { return switches_; }

 private:
  uint64_t switches_ = 0;
};

// What the two ping-pong loops share: the yield count and the timing window.
struct PingPongWindow {
  int64_t yields = 0;
  const PingPongStrategy* strategy = nullptr;
  int loops_done = 0;
  Clock::time_point start;
  double start_cpu_ns = 0;
  uint64_t switches_at_start = 0;
  Clock::duration wall{};
  double cpu_ns = 0;
  uint64_t switches = 0;
};

// One logical thread's side of the ping-pong: `yields` yield points, then (for the second of
// the two loops to end) the window closes. A function of its own, never inlined, so that
// which machine code each thread runs is chosen here, not by the inliner. After a switch the
// resumed thread returns from Yield into the code it called it from, and the CPU predicts
// that return from its return-stack buffer, which still holds the other thread's return
// addresses. Threads of code under test yield at different places, so the prediction fails
// after almost every switch: that mispredicted return is part of what a switch costs, and
// BM_FiberSwitch has the two threads run different copies (kCopy 0 and 1, whose labels
// differ, so the linker cannot merge them). BM_FiberSwitchSameCode runs one copy in both
// threads, where the prediction holds: the switch without the mispredict.
template <int kCopy>
__attribute__((noinline)) void YieldLoop(PingPongWindow& window) {
  for (int64_t i = 0; i < window.yields; ++i) Yield(kCopy == 0 ? "ping" : "pong");
  if (++window.loops_done == 2) {
    window.wall += Clock::now() - window.start;
    window.cpu_ns += ThreadCpuNanoseconds() - window.start_cpu_ns;
    window.switches += window.strategy->switches() - window.switches_at_start;
  }
}

// One execution per iteration: T0 spawns T1 and both run `yields` yield points, so the two
// logical threads alternate at every one. T0 runs YieldLoop<0>, T1 YieldLoop<kPartnerCopy>.
// kNsPerSwitch is timed inside the execution, from T0's first yield point to the end of the
// last loop (the steady-state switch: scheduler bookkeeping, trace, decision list, strategy
// calls, the jump and, with different code, the mispredicted return after it). The second
// counter spreads the whole Scheduler::Run (spawn, stacks, trace hash, result) over the
// switches.
template <int kPartnerCopy>
void FiberSwitch(benchmark::State& state) {
  Scheduler scheduler;
  PingPongStrategy strategy;
  ExecutionOptions options;
  options.strategy = &strategy;
  options.step_budget = UINT64_MAX;

  PingPongWindow window;
  window.yields = state.range(0);
  window.strategy = &strategy;
  auto body = [&] {
    const ThreadId partner = SpawnThread([&] { YieldLoop<kPartnerCopy>(window); }, "pong");
    window.loops_done = 0;
    window.switches_at_start = strategy.switches();
    window.start_cpu_ns = ThreadCpuNanoseconds();
    window.start = Clock::now();
    YieldLoop<0>(window);
    JoinThread(partner);
  };

  const uint64_t switches_before = strategy.switches();
  const Clock::time_point start = Clock::now();
  for (auto _ : state) {
    const ExecutionResult result = scheduler.Run(options, body);
    if (result.failed()) {
      state.SkipWithError("the ping-pong execution failed");
      return;
    }
  }
  const double total_ns = Nanoseconds(Clock::now() - start);
  const double switches = static_cast<double>(strategy.switches() - switches_before);
  state.counters[kNsPerSwitch] = Nanoseconds(window.wall) / static_cast<double>(window.switches);
  state.counters[kCpuNsPerSwitch] = window.cpu_ns / static_cast<double>(window.switches);
  state.counters["ns_per_switch_whole_run"] = total_ns / switches;
  state.counters["switches"] = switches;
}

// The two logical threads run different code, as threads of code under test do.
void BM_FiberSwitch(benchmark::State& state) { FiberSwitch<1>(state); }
// Both run the same code: the same switch without the mispredicted return.
void BM_FiberSwitchSameCode(benchmark::State& state) { FiberSwitch<0>(state); }
BENCHMARK(BM_FiberSwitch)->Arg(100)->Apply(PerSwitchBenchmark)->Arg(10000);
BENCHMARK(BM_FiberSwitchSameCode)->Apply(PerSwitchBenchmark);

// The bare switch: the same ping-pong with no scheduler, only racefuzz's SwitchContext between
// the host and one fiber, inlined into their loops (no call, no return to mispredict). The
// floor under BM_FiberSwitch, with the return, is BM_RawSwitchDistinctCode below.
struct RawPingPong {
  FiberContext host;
  FiberContext fiber;
  uint64_t switches = 0;
};

[[noreturn]] void RawPartner(void* arg) {
  auto* pair = static_cast<RawPingPong*>(arg);
  for (;;) {
    ++pair->switches;
    SwitchContext(&pair->fiber, &pair->host, /*leaving_for_good=*/false);
  }
}

// Runs the host's side of a raw ping-pong with the fiber running `partner`: each iteration
// `host_round_trips(pair, n)` switches to the fiber and back n times.
template <typename HostRoundTrips>
void RawPingPongBenchmark(benchmark::State& state, void (*partner)(void*),
                          HostRoundTrips host_round_trips) {
  StackPool stacks(64 * 1024);
  const FiberStack stack = stacks.Acquire();
  RawPingPong pair;
  pair.host.InitHost();
  pair.fiber.InitFiber(stack, partner, &pair);
  const int64_t round_trips = state.range(0);
  uint64_t switches = 0;
  const double start_cpu_ns = ThreadCpuNanoseconds();
  const Clock::time_point start = Clock::now();
  for (auto _ : state) {
    host_round_trips(pair, round_trips);
    switches += 2 * static_cast<uint64_t>(round_trips);
  }
  const double total_ns = Nanoseconds(Clock::now() - start);
  const double total_cpu_ns = ThreadCpuNanoseconds() - start_cpu_ns;
  // The partner fiber is parked mid-loop; its stack is simply not reused.
  pair.fiber.Destroy();
  state.counters[kNsPerSwitch] = total_ns / static_cast<double>(switches);
  state.counters[kCpuNsPerSwitch] = total_cpu_ns / static_cast<double>(switches);
  state.counters["switches"] = static_cast<double>(switches);
}

void BM_RawFiberSwitch(benchmark::State& state) {
  RawPingPongBenchmark(state, &RawPartner, [](RawPingPong& pair, int64_t round_trips) {
    for (int64_t i = 0; i < round_trips; ++i) {
      SwitchContext(&pair.host, &pair.fiber, /*leaving_for_good=*/false);
    }
  });
}
BENCHMARK(BM_RawFiberSwitch)->Apply(PerSwitchBenchmark);

// The floor under BM_FiberSwitch: the same raw switch, but called the way the scheduler's is,
// from a function (SwitchThrough, never inlined) that each side calls from a loop of its own.
// With kPartnerCopy 1 the two loops are different code, so after every switch the return from
// SwitchThrough mispredicts, as the return from Yield does in BM_FiberSwitch; with 0 the host
// and the fiber run one copy and it does not. No scheduler: what is left is what any stackful
// switch between threads in different code pays on this machine.
__attribute__((noinline)) void SwitchThrough(FiberContext* from, FiberContext* to) {
  SwitchContext(from, to, /*leaving_for_good=*/false);
}

template <int kCopy>
__attribute__((noinline)) void RawLoop(FiberContext* self, FiberContext* other, int64_t switches) {
  for (int64_t i = 0; i < switches; ++i) {
    SwitchThrough(self, other);
    benchmark::DoNotOptimize(kCopy);  // differs per copy, so the linker cannot merge them
  }
}

template <int kPartnerCopy>
[[noreturn]] void RawLoopPartner(void* arg) {
  auto* pair = static_cast<RawPingPong*>(arg);
  for (;;) RawLoop<kPartnerCopy>(&pair->fiber, &pair->host, INT64_MAX);  // never returns
}

template <int kPartnerCopy>
void RawSwitchThroughCall(benchmark::State& state) {
  RawPingPongBenchmark(state, &RawLoopPartner<kPartnerCopy>,
                       [](RawPingPong& pair, int64_t round_trips) {
                         RawLoop<0>(&pair.host, &pair.fiber, round_trips);
                       });
}

void BM_RawSwitchDistinctCode(benchmark::State& state) { RawSwitchThroughCall<1>(state); }
void BM_RawSwitchSameCode(benchmark::State& state) { RawSwitchThroughCall<0>(state); }
BENCHMARK(BM_RawSwitchDistinctCode)->Apply(PerSwitchBenchmark);
BENCHMARK(BM_RawSwitchSameCode)->Apply(PerSwitchBenchmark);

// folly's baton: a POSIX semaphore per thread (sem_post / sem_wait, futex underneath).
class PosixSemaphore {
 public:
  PosixSemaphore() { sem_init(&sem_, 0, 0); }
  ~PosixSemaphore() { sem_destroy(&sem_); }
  void Post() { sem_post(&sem_); }
  void Wait() {
    while (sem_wait(&sem_) != 0) {
    }
  }

 private:
  sem_t sem_;
};

// C++20's std::binary_semaphore (libstdc++: atomic wait, a short spin, then futex).
class StdBinarySemaphore {
 public:
  void Post() { sem_.release(); }
  void Wait() { sem_.acquire(); }

 private:
  std::binary_semaphore sem_{0};
};

// Pins the calling OS thread to one CPU, or back to `saved`.
cpu_set_t PinToCpu(int cpu) {
  cpu_set_t saved;
  pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
  return saved;
}

// Another CPU this thread may run on than `cpu`, or -1 when there is none.
int OtherAllowedCpu(int cpu) {
  cpu_set_t allowed;
  if (pthread_getaffinity_np(pthread_self(), sizeof(allowed), &allowed) != 0) return -1;
  for (int other = 0; other < CPU_SETSIZE; ++other) {
    if (other != cpu && CPU_ISSET(other, &allowed)) return other;
  }
  return -1;
}

// Where the two OS threads of a baton run. Across two cores every hand-over wakes the other
// core; on one core it is a context switch there, as in a fuzzing job that has one core.
// Left to the OS, the threads may run either way and move between the two, so that
// benchmark's repetitions spread between the other two's figures (on the 2-vCPU KVM
// machines here: about 2 us on one core, 19-30 us across two, 2-28 us left to the OS).
enum class Placement { kOsChoice, kOneCore, kTwoCores };

// Two OS threads alternate: the benchmark thread posts the partner's semaphore and waits on
// its own; the partner does the reverse. Each hand-over is one switch.
template <typename Semaphore, Placement placement = Placement::kOsChoice>
void BM_OsThreadBaton(benchmark::State& state) {
  const int64_t round_trips = state.range(0);
  Semaphore to_partner;
  Semaphore to_bench;
  std::atomic<bool> stop{false};
  const int cpu = sched_getcpu();
  int partner_cpu = -1;
  if (placement == Placement::kOneCore) partner_cpu = cpu;
  if (placement == Placement::kTwoCores) {
    partner_cpu = OtherAllowedCpu(cpu);
    if (partner_cpu < 0) {
      state.SkipWithError("needs a second CPU");
      return;
    }
  }
  cpu_set_t saved_affinity;
  const bool pinned = partner_cpu >= 0;
  if (pinned) saved_affinity = PinToCpu(cpu);
  std::thread partner([&] {
    if (pinned) PinToCpu(partner_cpu);
    for (;;) {
      to_partner.Wait();
      if (stop.load(std::memory_order_relaxed)) return;
      to_bench.Post();
    }
  });

  uint64_t switches = 0;
  const Clock::time_point start = Clock::now();
  for (auto _ : state) {
    for (int64_t i = 0; i < round_trips; ++i) {
      to_partner.Post();
      to_bench.Wait();
    }
    switches += 2 * static_cast<uint64_t>(round_trips);
  }
  const double total_ns = Nanoseconds(Clock::now() - start);
  stop.store(true, std::memory_order_relaxed);
  to_partner.Post();
  partner.join();
  if (pinned) pthread_setaffinity_np(pthread_self(), sizeof(saved_affinity), &saved_affinity);
  state.counters[kNsPerSwitch] = total_ns / static_cast<double>(switches);
  state.counters["switches"] = static_cast<double>(switches);
}

void BM_OsThreadSemBaton(benchmark::State& state) { BM_OsThreadBaton<PosixSemaphore>(state); }
void BM_OsThreadStdSemaphoreBaton(benchmark::State& state) {
  BM_OsThreadBaton<StdBinarySemaphore>(state);
}
void BM_OsThreadSemBatonOneCore(benchmark::State& state) {
  BM_OsThreadBaton<PosixSemaphore, Placement::kOneCore>(state);
}
void BM_OsThreadSemBatonTwoCores(benchmark::State& state) {
  BM_OsThreadBaton<PosixSemaphore, Placement::kTwoCores>(state);
}
BENCHMARK(BM_OsThreadSemBaton)->Apply(PerSwitchBenchmark);
BENCHMARK(BM_OsThreadSemBatonTwoCores)->Apply(PerSwitchBenchmark);
BENCHMARK(BM_OsThreadStdSemaphoreBaton)->Apply(PerSwitchBenchmark);
BENCHMARK(BM_OsThreadSemBatonOneCore)->Apply(PerSwitchBenchmark);

}  // namespace
}  // namespace racefuzz::bench
