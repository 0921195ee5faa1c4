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
//   transcoded calls: N two-party 8 kHz rooms, a PCMU caller and an Opus
//           agent (16 kHz, complexity 5: the worker's default) each, as a
//           call between codecs runs in the worker; per call and 20 ms one
//           Opus decode and encode, one G.711 decode and encode, the mix.
//
// Each iteration is 20 ms of the clock; items are party-ticks (one packet
// in and one out per party), so ns/item compares directly; for transcoded
// calls items are call-ticks. Results and the command line are in
// docs/performance.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

#include "bench/bench_audio.hpp"
#include "codecs/codec.hpp"
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

// What one party sends: its payload type, RTP units per 20 ms, and the
// payloads it cycles through.
struct PartyStream {
  std::uint8_t pt = 0;
  std::uint32_t units_per_packet = 160;
  const std::vector<std::vector<std::uint8_t>>* frames = nullptr;
};

struct Rig {
  explicit Rig(std::uint32_t parties, std::uint32_t rooms = 2) {
    WorkerConfig wc;
    wc.max_sessions = 64;
    wc.max_rooms = rooms;
    wc.max_parties = std::max<std::uint32_t>(64, parties);
    wc.stats_interval_ns = 0;
    worker = std::make_unique<Worker>(wc, io, commands, events, counters, clock);
    std::vector<std::uint8_t> audio(160);
    for (std::size_t i = 0; i < audio.size(); ++i) audio[i] = static_cast<std::uint8_t>(0x80 + (i * 37) % 100);  // varied µ-law
    pcmu_frames.push_back(audio);
    for (std::uint32_t p = 0; p < parties; ++p) {
      ports.push_back(static_cast<std::uint16_t>(20000 + 2 * p));
      peers.push_back({0x0a000000u + p + 2, 40000});
      streams.push_back({0, 160, &pcmu_frames});
    }
  }
  // The worker takes 16 commands per loop: loop until the ring is empty.
  void run_commands() {
    Event e;
    for (int i = 0; i < 8; ++i) worker->poll_once();
    while (events.try_pop(e)) {}
  }
  // One packet from every party (in bursts of 32, as the I/O hands them
  // over), then 20 ms of clock and the worker's loop.
  void iteration() {
    constexpr std::size_t kBurst = 32;
    Packet in[kBurst], tx[kBurst];
    const auto n = ports.size();
    for (std::size_t first = 0; first < n; first += kBurst) {
      const std::size_t k = std::min(kBurst, n - first);
      for (std::size_t i = 0; i < k; ++i) {
        const std::size_t p = first + i;
        const PartyStream& st = streams[p];
        const auto& frame = (*st.frames)[frame_index % st.frames->size()];
        io.alloc(in[i]);
        sb::rtp::write_rtp_header(in[i].data, false, st.pt, seq, 16000 + frame_index * st.units_per_packet,
                                  0x1000 + static_cast<std::uint32_t>(p));
        std::memcpy(in[i].data + 12, frame.data(), frame.size());
        in[i].len = static_cast<std::uint16_t>(12 + frame.size());
        in[i].src = peers[p];
        in[i].local_port = ports[p];
      }
      const std::size_t m = worker->process_burst(in, k, tx, clock.now().count());
      io.tx_burst(tx, m);
    }
    ++seq;
    ++frame_index;
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
  std::vector<std::vector<std::uint8_t>> pcmu_frames;
  std::vector<PartyStream> streams;
  std::uint16_t seq = 100;
  std::uint32_t frame_index = 0;
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

// 20 ms frames of the speech clip in `codec` at `rate`.
std::vector<std::vector<std::uint8_t>> speech_frames(sb::codecs::CodecId codec, int rate) {
  sb::codecs::CodecParams params;
  params.sample_rate = rate;
  auto enc = sb::codecs::Encoder::create(codec, params);
  if (!enc) throw std::runtime_error(enc.status().to_string());
  const auto pcm = sb::bench::speech(rate);
  const std::size_t n = static_cast<std::size_t>(rate / 50);
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t at = 0; at + n <= pcm.size(); at += n) {
    std::vector<std::uint8_t> frame(1500);
    const int bytes = enc->encode(std::span<const std::int16_t>(pcm.data() + at, n), frame);
    if (bytes <= 0) throw std::runtime_error("encoding the speech clip failed");
    frame.resize(static_cast<std::size_t>(bytes));
    out.push_back(std::move(frame));
  }
  return out;
}

void BM_WorkerTranscodedCalls(benchmark::State& state) {
  const auto calls = static_cast<std::uint32_t>(state.range(0));
  Rig r(2 * calls, calls);
  const auto caller_speech = speech_frames(sb::codecs::CodecId::kPcmu, 8000);
  const auto agent_speech = speech_frames(sb::codecs::CodecId::kOpus, 16000);
  for (std::uint32_t k = 0; k < calls; ++k) {
    const RoomId room = (std::uint64_t{1} << 32) | kRoomIdFlag | k;
    Command c;
    c.kind = Command::kCreateRoom;
    c.session = c.mix.room = room;
    c.mix.sample_rate = 8000;
    (void)r.commands.try_push(c);
    for (std::uint32_t side = 0; side < 2; ++side) {
      const std::uint32_t p = 2 * k + side;
      Command a;
      a.kind = Command::kAddParty;
      a.session = a.party = (std::uint64_t{1} << 32) | kPartyIdFlag | p;
      a.mix.room = room;
      a.legs[0] = leg(r.ports[p], r.peers[p]);
      if (side == 1) {
        a.mix.party = {111, sb::codecs::CodecId::kOpus, 16000};
        a.legs[0].clock_rate = 48000;
        r.streams[p] = {111, 960, &agent_speech};
      } else {
        r.streams[p] = {0, 160, &caller_speech};
      }
      (void)r.commands.try_push(a);
    }
    r.run_commands();  // 256 command slots: set up a call at a time
  }
  for (auto _ : state) r.iteration();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * calls);
  // Calls one core carries in real time: call-ticks per CPU second x 20 ms.
  state.counters["calls_per_core"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * calls * 0.02, benchmark::Counter::kIsRate);
  state.counters["mixed_out"] = static_cast<double>(r.counters.sum(kMixedOut));
  state.counters["concealed"] = static_cast<double>(r.counters.sum(kMixConcealed));
}
BENCHMARK(BM_WorkerTranscodedCalls)->Arg(1)->Arg(16)->Arg(64)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
