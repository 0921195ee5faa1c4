// DTMF detection and tone generation cost per 20 ms frame (160 samples at
// 8 kHz) per stream: what one leg with in-band detection or a playing tone
// costs its worker.
#include <benchmark/benchmark.h>

#include "bench/bench_audio.hpp"
#include "ivr/dtmf_detector.hpp"
#include "ivr/rfc4733.hpp"
#include "ivr/spandsp_dtmf_detector.hpp"
#include "ivr/tones.hpp"

namespace {

using namespace sb::ivr;

template <typename Detector>
void BM_DtmfDetect_Speech(benchmark::State& state) {
  const auto speech = sb::bench::speech(8000);
  Detector det;
  DtmfDigit out[4];
  std::size_t pos = 0;
  for (auto _ : state) {
    if (pos + 160 > speech.size()) pos = 0;
    benchmark::DoNotOptimize(det.process(std::span(speech).subspan(pos, 160), out));
    pos += 160;
  }
}
BENCHMARK(BM_DtmfDetect_Speech<DtmfDetector>)->Name("BM_DtmfDetect_Speech");
// Same-run baseline: SpanDSP's dtmf_rx on the same input.
BENCHMARK(BM_DtmfDetect_Speech<SpanDspDtmfDetector>)->Name("BM_DtmfDetect_Speech_SpanDspBaseline");

template <typename Detector>
void BM_DtmfDetect_Digits(benchmark::State& state) {
  DtmfGenerator gen(-10, 0, 60, 60);
  std::vector<std::int16_t> pcm(8000 * 20);
  gen.queue("0123456789*#ABCD0123456789*#ABCD0123456789*#ABCD0123456789*#ABCD0123456789*#ABCD");
  gen.generate(pcm);
  Detector det;
  DtmfDigit out[4];
  std::size_t pos = 0;
  for (auto _ : state) {
    if (pos + 160 > pcm.size()) pos = 0;
    benchmark::DoNotOptimize(det.process(std::span(pcm).subspan(pos, 160), out));
    pos += 160;
  }
}
BENCHMARK(BM_DtmfDetect_Digits<DtmfDetector>)->Name("BM_DtmfDetect_Digits");
BENCHMARK(BM_DtmfDetect_Digits<SpanDspDtmfDetector>)->Name("BM_DtmfDetect_Digits_SpanDspBaseline");

void BM_ToneGenerate(benchmark::State& state) {
  ToneGenerator g(tone_spec(static_cast<ToneKind>(state.range(0)), ToneRegion::kNorthAmerica));
  std::int16_t frame[160];
  for (auto _ : state) {
    benchmark::DoNotOptimize(g.generate(frame));
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(tone_kind_name(static_cast<ToneKind>(state.range(0)))));
}
BENCHMARK(BM_ToneGenerate)->Arg(static_cast<int>(ToneKind::kRingback))->Arg(static_cast<int>(ToneKind::kBusy))
    ->Arg(static_cast<int>(ToneKind::kDial));

void BM_DtmfGenerate(benchmark::State& state) {
  DtmfGenerator g(-10, 0, 1000, 0);
  std::int16_t frame[160];
  for (auto _ : state) {
    if (g.generate(frame) == 0) g.queue("5");
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK(BM_DtmfGenerate);

void BM_Rfc4733_Receive(benchmark::State& state) {
  Rfc4733Receiver rx(8000);
  Rfc4733Sender tx(8000, 160);
  std::vector<Rfc4733Packet> pkts;
  tx.start('7', 200);
  Rfc4733Packet p;
  while (tx.next(p)) pkts.push_back(p);
  std::uint32_t ts = 0;
  sb::Nanos now{0};
  for (auto _ : state) {
    for (const auto& pk : pkts) benchmark::DoNotOptimize(rx.on_packet(ts, pk.payload, now));
    ts += 4000;
    now += std::chrono::milliseconds(20);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pkts.size()));
  state.SetLabel("per digit (13 packets incl. 3 End)");
}
BENCHMARK(BM_Rfc4733_Receive);

}  // namespace

BENCHMARK_MAIN();
