// Receiver scoreboard: runs the product DTMF detector and SpanDSP's
// dtmf_rx on the same Q.24 / Bellcore-style test signals and prints how many
// digits each reports. Not a timing benchmark; docs/performance.md quotes
// its output.
#include <cstdio>
#include <string>

#include "ivr/dtmf_detector.hpp"
#include "ivr/spandsp_dtmf_detector.hpp"
#include "tests/support/signals.hpp"

namespace {

using sb::test::Pcm;
const std::string kAll = "123A456B789C*0#D";

Pcm sequence(int on_ms, int off_ms, double row_dbm0, double col_dbm0, double scale) {
  Pcm x;
  sb::test::append_silence(x, 8000, 100);
  for (char d : kAll) {
    const auto p = sb::test::dtmf_pair(d);
    sb::test::append_tone(x, 8000, p.row * scale, row_dbm0, p.col * scale, col_dbm0, on_ms);
    sb::test::append_silence(x, 8000, off_ms);
  }
  sb::test::append_silence(x, 8000, 100);
  return x;
}

template <typename Detector>
std::string detect(const Pcm& x) {
  Detector det;
  std::string heard;
  sb::ivr::DtmfDigit out[8];
  for (std::size_t off = 0; off < x.size(); off += 160) {
    const std::size_t n = std::min<std::size_t>(160, x.size() - off);
    const std::size_t got = det.process(std::span(x).subspan(off, n), out);
    for (std::size_t i = 0; i < got; ++i) heard += out[i].digit;
  }
  const std::size_t got = det.finish(out);
  for (std::size_t i = 0; i < got; ++i) heard += out[i].digit;
  return heard;
}

void row(const char* name, const Pcm& x) {
  std::printf("%-34s %-18s %s\n", name, detect<sb::ivr::DtmfDetector>(x).c_str(),
              detect<sb::ivr::SpanDspDtmfDetector>(x).c_str());
}

}  // namespace

int main() {
  std::printf("%-34s %-18s %s\n", "signal (16 digits unless stated)", "product", "SpanDSP dtmf_rx");
  row("50/50 ms, -10 dBm0", sequence(50, 50, -10, -10, 1.0));
  row("40/40 ms", sequence(40, 40, -10, -10, 1.0));
  row("+1.5% deviation", sequence(50, 50, -10, -10, 1.015));
  row("-1.5% deviation", sequence(50, 50, -10, -10, 0.985));
  row("+3.5% deviation (reject)", sequence(50, 50, -10, -10, 1.035));
  row("-3.5% deviation (reject)", sequence(50, 50, -10, -10, 0.965));
  row("normal twist 8 dB", sequence(50, 50, -8, -16, 1.0));
  row("reverse twist 4 dB", sequence(50, 50, -14, -10, 1.0));
  int short_ours = 0, short_spandsp = 0;
  for (int offset = 0; offset < 102; offset += 3) {
    Pcm x;
    sb::test::append_samples_silence(x, 800 + static_cast<std::size_t>(offset));
    const auto p = sb::test::dtmf_pair('5');
    sb::test::append_tone(x, 8000, p.row, -10, p.col, -10, 22);
    sb::test::append_silence(x, 8000, 200);
    short_ours += static_cast<int>(detect<sb::ivr::DtmfDetector>(x).size());
    short_spandsp += static_cast<int>(detect<sb::ivr::SpanDspDtmfDetector>(x).size());
  }
  std::printf("%-34s %-18d %d\n", "22 ms tone at 34 alignments (reject)", short_ours, short_spandsp);
  int miss_ours = 0, miss_spandsp = 0;
  for (unsigned seed = 1; seed <= 40; ++seed) {
    Pcm x = sequence(40, 40, -10, -10, 1.0);
    Pcm one;
    const auto p = sb::test::dtmf_pair('5');
    sb::test::append_tone(one, 8000, p.row, -10, p.col, -10, 50);
    sb::test::add_white_noise(x, sb::test::mean_square(one), 15.0, seed);
    miss_ours += 16 - static_cast<int>(detect<sb::ivr::DtmfDetector>(x).size());
    miss_spandsp += 16 - static_cast<int>(detect<sb::ivr::SpanDspDtmfDetector>(x).size());
  }
  std::printf("%-34s %-18d %d\n", "15 dB SNR, 40/40 ms, 40 seeds: misses", miss_ours, miss_spandsp);
  return 0;
}
