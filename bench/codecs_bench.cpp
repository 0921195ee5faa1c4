// Codec cost per 20 ms frame on speech. Baselines measured in the same run:
// SpanDSP's own per-sample G.711 functions (what the table replaces).
#include <benchmark/benchmark.h>

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include "bench/bench_audio.hpp"
#include "codecs/codec.hpp"
#include "codecs/resampler.hpp"
#include "codecs/transcoder.hpp"

namespace {

using namespace sb::codecs;

// Walks the speech clip frame by frame, wrapping around.
struct FrameCursor {
  std::vector<std::int16_t> pcm;
  std::size_t frame;
  std::size_t pos = 0;
  FrameCursor(int rate, std::size_t f) : pcm(sb::bench::speech(rate)), frame(f) {}
  std::span<const std::int16_t> next() {
    if (pos + frame > pcm.size()) pos = 0;
    auto s = std::span<const std::int16_t>(pcm).subspan(pos, frame);
    pos += frame;
    return s;
  }
};

void BM_G711_EncodeDecode(benchmark::State& state) {
  const auto id = static_cast<CodecId>(state.range(0));
  auto enc = Encoder::create(id, {});
  auto dec = Decoder::create(id, {});
  FrameCursor speech(8000, 160);
  std::uint8_t payload[160];
  std::int16_t pcm[160];
  for (auto _ : state) {
    enc->encode(speech.next(), payload);
    dec->decode(payload, pcm);
    benchmark::DoNotOptimize(pcm);
  }
  state.SetLabel(std::string(enc->codec().name) + " table, decode keeps PLC history");
}
BENCHMARK(BM_G711_EncodeDecode)->Arg(static_cast<int>(CodecId::kPcmu))->Arg(static_cast<int>(CodecId::kPcma));

// Baseline: SpanDSP's inline per-sample conversion, no PLC history.
void BM_G711_SpanDspPerSampleBaseline(benchmark::State& state) {
  FrameCursor speech(8000, 160);
  std::uint8_t payload[160];
  std::int16_t pcm[160];
  for (auto _ : state) {
    const auto in = speech.next();
    for (int i = 0; i < 160; ++i) payload[i] = linear_to_ulaw(in[static_cast<std::size_t>(i)]);
    for (int i = 0; i < 160; ++i) pcm[i] = ulaw_to_linear(payload[i]);
    benchmark::DoNotOptimize(pcm);
  }
}
BENCHMARK(BM_G711_SpanDspPerSampleBaseline);

void BM_G722_Encode(benchmark::State& state) {
  auto enc = Encoder::create(CodecId::kG722, {});
  FrameCursor speech(16000, 320);
  std::uint8_t payload[160];
  for (auto _ : state) benchmark::DoNotOptimize(enc->encode(speech.next(), payload));
}
BENCHMARK(BM_G722_Encode);

void BM_G722_Decode(benchmark::State& state) {
  auto enc = Encoder::create(CodecId::kG722, {});
  auto dec = Decoder::create(CodecId::kG722, {});
  FrameCursor speech(16000, 320);
  std::vector<std::vector<std::uint8_t>> payloads;
  for (int i = 0; i < 200; ++i) {
    std::vector<std::uint8_t> p(160);
    enc->encode(speech.next(), p);
    payloads.push_back(p);
  }
  std::int16_t pcm[320];
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dec->decode(payloads[i], pcm));
    i = (i + 1) % payloads.size();
  }
}
BENCHMARK(BM_G722_Decode);

// Args: complexity, sample rate.
void BM_Opus_Encode(benchmark::State& state) {
  CodecParams p;
  p.complexity = static_cast<int>(state.range(0));
  p.sample_rate = static_cast<int>(state.range(1));
  p.bitrate = 24000;
  auto enc = Encoder::create(CodecId::kOpus, p);
  FrameCursor speech(p.sample_rate, static_cast<std::size_t>(p.sample_rate / 50));
  std::uint8_t payload[kMaxPayloadBytes];
  for (auto _ : state) benchmark::DoNotOptimize(enc->encode(speech.next(), payload));
  state.SetLabel("24 kb/s speech");
}
BENCHMARK(BM_Opus_Encode)->ArgsProduct({{0, 5, 10}, {16000, 48000}});

void BM_Opus_Decode(benchmark::State& state) {
  CodecParams p;
  p.sample_rate = static_cast<int>(state.range(0));
  p.bitrate = 24000;
  auto enc = Encoder::create(CodecId::kOpus, p);
  auto dec = Decoder::create(CodecId::kOpus, p);
  FrameCursor speech(p.sample_rate, static_cast<std::size_t>(p.sample_rate / 50));
  std::vector<std::vector<std::uint8_t>> payloads;
  for (std::size_t i = 0; i < speech.pcm.size() / speech.frame; ++i) {
    std::vector<std::uint8_t> b(kMaxPayloadBytes);
    b.resize(static_cast<std::size_t>(enc->encode(speech.next(), b)));
    payloads.push_back(b);
  }
  std::vector<std::int16_t> pcm(kMaxFrameSamples);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dec->decode(payloads[i], pcm));
    i = (i + 1) % payloads.size();
  }
  state.SetLabel("24 kb/s speech");
}
BENCHMARK(BM_Opus_Decode)->Arg(16000)->Arg(48000);

void BM_Opus_Conceal(benchmark::State& state) {
  CodecParams p;
  p.sample_rate = 16000;
  auto dec = Decoder::create(CodecId::kOpus, p);
  std::vector<std::int16_t> pcm(320);
  for (auto _ : state) benchmark::DoNotOptimize(dec->conceal(pcm));
}
BENCHMARK(BM_Opus_Conceal);

// Args: in rate, out rate.
void BM_Resample(benchmark::State& state) {
  const int in_rate = static_cast<int>(state.range(0)), out_rate = static_cast<int>(state.range(1));
  auto rs = Resampler::create(in_rate, out_rate);
  FrameCursor speech(in_rate, static_cast<std::size_t>(in_rate / 50));
  std::vector<std::int16_t> out(rs->max_output(speech.frame));
  for (auto _ : state) benchmark::DoNotOptimize(rs->process(speech.next(), out));
}
BENCHMARK(BM_Resample)->Args({8000, 16000})->Args({16000, 8000})->Args({48000, 8000})->Args({8000, 48000});

// One 20 ms tick of a transcoded call, both directions: the caller's PCMU
// to the agent's Opus and the agent's Opus back to PCMU, on speech. Calls
// per core = 20 ms / this time (state.counters["calls_per_core"]).
// Arg: Opus complexity; the Opus side runs at 16 kHz, 24 kb/s.
void BM_TranscodeCall_PcmuOpus(benchmark::State& state) {
  CodecParams opus;
  opus.sample_rate = 16000;
  opus.complexity = static_cast<int>(state.range(0));
  auto up = Transcoder::create({CodecId::kPcmu, {}}, {CodecId::kOpus, opus});
  auto down = Transcoder::create({CodecId::kOpus, opus}, {CodecId::kPcmu, {}});
  auto pcmu_enc = Encoder::create(CodecId::kPcmu, {});
  auto opus_enc = Encoder::create(CodecId::kOpus, opus);
  // Pre-encode both sides' input streams so only transcoding is timed.
  FrameCursor caller(8000, 160), agent(16000, 320);
  std::vector<std::vector<std::uint8_t>> caller_payloads, agent_payloads;
  for (std::size_t i = 0; i < caller.pcm.size() / 160; ++i) {
    std::vector<std::uint8_t> p(160);
    pcmu_enc->encode(caller.next(), p);
    caller_payloads.push_back(p);
    std::vector<std::uint8_t> q(kMaxPayloadBytes);
    q.resize(static_cast<std::size_t>(opus_enc->encode(agent.next(), q)));
    agent_payloads.push_back(q);
  }
  std::size_t i = 0;
  std::size_t bytes = 0;
  auto sink = [&](std::span<const std::uint8_t> out, std::uint32_t) { bytes += out.size(); };
  for (auto _ : state) {
    up->transcode(caller_payloads[i], sink);
    down->transcode(agent_payloads[i], sink);
    i = (i + 1) % caller_payloads.size();
  }
  benchmark::DoNotOptimize(bytes);
  state.counters["calls_per_core"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 0.02, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TranscodeCall_PcmuOpus)->Arg(0)->Arg(5)->Arg(10);

// Baseline for the same run: a transcoded call between the two G.711
// laws (PCMU caller, PCMA agent), the cheapest transcoding there is.
void BM_TranscodeCall_PcmuPcmaBaseline(benchmark::State& state) {
  auto up = Transcoder::create({CodecId::kPcmu, {}}, {CodecId::kPcma, {}});
  auto down = Transcoder::create({CodecId::kPcma, {}}, {CodecId::kPcmu, {}});
  auto pcmu_enc = Encoder::create(CodecId::kPcmu, {});
  auto pcma_enc = Encoder::create(CodecId::kPcma, {});
  FrameCursor caller(8000, 160), agent(8000, 160);
  std::vector<std::vector<std::uint8_t>> caller_payloads, agent_payloads;
  for (std::size_t i = 0; i < caller.pcm.size() / 160; ++i) {
    std::vector<std::uint8_t> p(160), q(160);
    pcmu_enc->encode(caller.next(), p);
    pcma_enc->encode(agent.next(), q);
    caller_payloads.push_back(p);
    agent_payloads.push_back(q);
  }
  std::size_t i = 0, bytes = 0;
  auto sink = [&](std::span<const std::uint8_t> out, std::uint32_t) { bytes += out.size(); };
  for (auto _ : state) {
    up->transcode(caller_payloads[i], sink);
    down->transcode(agent_payloads[i], sink);
    i = (i + 1) % caller_payloads.size();
  }
  benchmark::DoNotOptimize(bytes);
  state.counters["calls_per_core"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 0.02, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TranscodeCall_PcmuPcmaBaseline);

}  // namespace

BENCHMARK_MAIN();
