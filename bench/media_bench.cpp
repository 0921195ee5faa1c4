// Media-path building blocks per 20 ms tick: conference mixing cost per
// participant, jitter buffer push+pop per packet, recorder tap per frame.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "dataplane/media/jitter_buffer.hpp"
#include "dataplane/media/mixer.hpp"
#include "dataplane/recording/recorder.hpp"

namespace {

using namespace sb::media;

// Arg: parties; all of them talking (the worst case). Reported per tick and,
// via the counter, per participant.
void BM_MixRoom_Conference(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const int rate = static_cast<int>(state.range(1));
  MixRoom room(rate);
  std::vector<int> parties;
  for (int i = 0; i < n; ++i) parties.push_back(room.add_party());
  std::vector<std::int16_t> frame(static_cast<std::size_t>(room.frame_samples()));
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::int16_t>((i * 37) % 2000 - 1000);
  for (auto _ : state) {
    for (int p : parties) room.put(p, frame);
    room.mix();
    benchmark::DoNotOptimize(room.output(parties[0]).data());
  }
  state.counters["ns_per_participant"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MixRoom_Conference)->ArgsProduct({{3, 10, 64}, {8000, 16000}})->Unit(benchmark::kMicrosecond);

// A supervised call: caller, agent, whispering supervisor.
void BM_MixRoom_Whisper(benchmark::State& state) {
  MixRoom room(8000);
  const int c = room.add_party(), a = room.add_party(), s = room.add_party();
  supervise(room, c, a, s, SupervisorMode::kWhisper);
  std::vector<std::int16_t> frame(160, 500);
  for (auto _ : state) {
    room.put(c, frame);
    room.put(a, frame);
    room.put(s, frame);
    room.mix();
    benchmark::DoNotOptimize(room.output(a).data());
  }
}
BENCHMARK(BM_MixRoom_Whisper);

void BM_JitterBuffer_PushPop(benchmark::State& state) {
  JitterBuffer jb({.clock_rate = 8000});
  const std::uint8_t payload[160] = {};
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  sb::Nanos now{0};
  JitterBuffer::Frame f;
  for (auto _ : state) {
    jb.push(seq++, ts, false, payload, now, 160);
    ts += 160;
    now += std::chrono::milliseconds(20);
    while (jb.pop(now, f)) benchmark::DoNotOptimize(f.payload.data());
  }
}
BENCHMARK(BM_JitterBuffer_PushPop);

// What a worker pays to hand a stereo 20 ms frame to the recorder.
void BM_RecorderTap_Frame(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "sb-bench-recorder";
  std::filesystem::create_directories(dir);
  sb::recording::RecorderService::Options o;
  o.directory = dir.string();
  o.ring_messages = 1 << 14;
  sb::recording::RecorderService rec(o, 1);
  sb::recording::RecordingSpec spec;
  spec.name = "bench";
  auto id = rec.start(spec);
  std::vector<std::int16_t> frame(320, 100);
  std::uint64_t tick = 0, dropped = 0;
  for (auto _ : state) {
    dropped += rec.tap(0).frame(*id, tick++, frame, 2) ? 0 : 1;
    if ((tick & 4095) == 0) {
      // Let the writer drain so every timed push finds room (the worker's
      // normal case); the file writing itself is not timed here.
      state.PauseTiming();
      rec.wait_idle();
      state.ResumeTiming();
    }
  }
  rec.tap(0).stop(*id, tick);
  rec.wait_idle();
  state.counters["dropped"] = static_cast<double>(dropped);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RecorderTap_Frame);

}  // namespace

BENCHMARK_MAIN();
