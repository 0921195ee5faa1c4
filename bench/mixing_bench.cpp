// Mixing cost inside a worker, per party, against the relay measured in
// the same run. Both drive one Worker over an in-memory PacketIo (buffers
// from a pool, sent packets released at once: no kernel, no NIC), with a
// manual clock, so the figures are the worker's own CPU:
//
//   relay:  N legs in N/2 relayed sessions, one 20 ms PCMU packet from each
//           leg per iteration (in, latch, stats, rewrite, out);
//   mix:    N PCMU parties in one 8 kHz room, one packet from each per
//           iteration into its jitter buffer, then the room's tick (decode,
//           mix-minus, encode, N packets out).
//
// Each iteration is 20 ms of the clock; items are party-ticks (one packet
// in and one out per party), so ns/item compares directly. Results and the
// command line are in docs/performance.md.
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "common/clock.hpp"
#include "dataplane/rtp/rtp.hpp"
#include "dataplane/worker.hpp"

namespace {

using namespace sb::dataplane;

class MemoryIo final : public PacketIo {
 public:
  MemoryIo() : buffers_(kBuffers) {
    for (std::size_t i = 0; i < kBuffers; ++i) free_.push_back(i);
  }
  std::size_t rx_burst(Packet*, std::size_t) noexcept override { return 0; }
  std::size_t tx_burst(Packet* pkts, std::size_t n) noexcept override {
    release(pkts, n);
    return n;
  }
  void release(Packet* pkts, std::size_t n) noexcept override {
    for (std::size_t i = 0; i < n; ++i) free_.push_back(reinterpret_cast<std::size_t>(pkts[i].handle));
  }
  bool alloc(Packet& out) noexcept override {
    if (free_.empty()) return false;
    const std::size_t i = free_.back();
    free_.pop_back();
    out = Packet{};
    out.data = buffers_[i].data();
    out.capacity = static_cast<std::uint16_t>(buffers_[i].size());
    out.handle = reinterpret_cast<void*>(i);
    return true;
  }
  sb::Status open_port(std::uint16_t) override { return sb::Status::ok(); }
  void close_port(std::uint16_t) noexcept override {}
  void idle(std::int64_t) noexcept override {}

 private:
  static constexpr std::size_t kBuffers = 1024;
  std::vector<std::array<std::uint8_t, 2048>> buffers_;
  std::vector<std::size_t> free_;
};

constexpr std::int64_t kTick = 20'000'000;

struct Rig {
  explicit Rig(std::uint32_t parties) {
    WorkerConfig wc;
    wc.max_sessions = 64;
    wc.max_rooms = 2;
    wc.max_parties = 64;
    wc.stats_interval_ns = 0;
    worker = std::make_unique<Worker>(wc, io, commands, events, counters, clock);
    std::array<std::uint8_t, 160> audio;
    for (std::size_t i = 0; i < audio.size(); ++i) audio[i] = static_cast<std::uint8_t>(0x80 + (i * 37) % 100);  // varied µ-law
    for (std::uint32_t p = 0; p < parties; ++p) {
      ports.push_back(static_cast<std::uint16_t>(20000 + 2 * p));
      peers.push_back({0x0a000000u + p + 2, 40000});
      payload.assign(audio.begin(), audio.end());
    }
  }
  // The worker takes 16 commands per loop: loop until the ring is empty.
  void run_commands() {
    Event e;
    for (int i = 0; i < 8; ++i) worker->poll_once();
    while (events.try_pop(e)) {}
  }
  // One packet from every party, then 20 ms of clock and the worker's loop.
  void iteration() {
    Packet in[64], tx[64];
    const auto n = ports.size();
    for (std::size_t p = 0; p < n; ++p) {
      io.alloc(in[p]);
      sb::rtp::write_rtp_header(in[p].data, false, 0, seq, ts, 0x1000 + static_cast<std::uint32_t>(p));
      std::memcpy(in[p].data + 12, payload.data(), payload.size());
      in[p].len = 172;
      in[p].src = peers[p];
      in[p].local_port = ports[p];
    }
    const std::size_t m = worker->process_burst(in, n, tx, clock.now().count());
    io.tx_burst(tx, m);
    ++seq;
    ts += 160;
    clock.advance(sb::Nanos{kTick});
    worker->poll_once();
  }

  MemoryIo io;
  sb::ManualClock clock{sb::Nanos{1'000'000'000}};
  sb::SpscRing<Command> commands{256};
  sb::SpscRing<Event> events{4096};
  DataplaneCounters counters{1};
  std::unique_ptr<Worker> worker;
  std::vector<std::uint16_t> ports;
  std::vector<Endpoint> peers;
  std::vector<std::uint8_t> payload;
  std::uint16_t seq = 100;
  std::uint32_t ts = 16000;
};

LegSetup leg(std::uint16_t port, Endpoint remote) {
  LegSetup s;
  s.local_port = port;
  s.remote = remote;
  return s;
}

void BM_WorkerRelay(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  Rig r(n);
  for (std::uint32_t k = 0; k < n / 2; ++k) {
    Command c;
    c.kind = Command::kCreateSession;
    c.session = (std::uint64_t{1} << 32) | k;
    c.legs[0] = leg(r.ports[2 * k], r.peers[2 * k]);
    c.legs[1] = leg(r.ports[2 * k + 1], r.peers[2 * k + 1]);
    (void)r.commands.try_push(c);  // 256 slots: room for every set-up command
  }
  r.run_commands();
  for (auto _ : state) r.iteration();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
  state.counters["relayed"] = static_cast<double>(r.counters.sum(kRtpRelayed));
}
BENCHMARK(BM_WorkerRelay)->Arg(4)->Arg(16)->Arg(64)->Unit(benchmark::kMicrosecond);

void BM_WorkerMix(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  Rig r(n);
  const RoomId room = (std::uint64_t{1} << 32) | kRoomIdFlag;
  Command c;
  c.kind = Command::kCreateRoom;
  c.session = c.mix.room = room;
  (void)r.commands.try_push(c);  // 256 slots: room for every set-up command
  for (std::uint32_t p = 0; p < n; ++p) {
    Command a;
    a.kind = Command::kAddParty;
    a.session = a.party = (std::uint64_t{1} << 32) | kPartyIdFlag | p;
    a.mix.room = room;
    a.legs[0] = leg(r.ports[p], r.peers[p]);
    (void)r.commands.try_push(a);
  }
  r.run_commands();
  for (auto _ : state) r.iteration();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
  state.counters["mixed_out"] = static_cast<double>(r.counters.sum(kMixedOut));
}
BENCHMARK(BM_WorkerMix)->Arg(4)->Arg(16)->Arg(64)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
