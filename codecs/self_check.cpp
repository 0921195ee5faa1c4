#include "codecs/self_check.hpp"

#include <cmath>
#include <numbers>

#include "codecs/codec.hpp"
#include "codecs/registry.hpp"
#include "codecs/signal_metrics.hpp"

namespace sb::codecs {

namespace {

std::vector<std::int16_t> tone(int rate, double freq, double dbfs, double seconds) {
  std::vector<std::int16_t> out(static_cast<std::size_t>(rate * seconds));
  const double amp = 32767.0 * std::pow(10.0, dbfs / 20.0);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::int16_t>(std::lround(amp * std::sin(2.0 * std::numbers::pi * freq * static_cast<double>(i) / rate)));
  return out;
}

SelfCheckResult check(CodecId id, CodecParams params, std::string label, double floor_db) {
  SelfCheckResult r;
  r.codec = std::move(label);
  r.min_snr_db = floor_db;
  auto enc = Encoder::create(id, params);
  auto dec = Decoder::create(id, params);
  if (!enc || !dec) {
    r.error = (!enc ? enc.status() : dec.status()).to_string();
    return r;
  }
  const int rate = enc->params().sample_rate;
  const int frame = enc->frame_samples();
  const auto in = tone(rate, 1000.0, -10.0, 1.0);
  std::vector<std::int16_t> out;
  std::vector<std::uint8_t> payload(kMaxPayloadBytes);
  std::vector<std::int16_t> pcm(kMaxFrameSamples);
  for (std::size_t off = 0; off + static_cast<std::size_t>(frame) <= in.size(); off += static_cast<std::size_t>(frame)) {
    const int bytes = enc->encode(std::span(in).subspan(off, static_cast<std::size_t>(frame)), payload);
    if (bytes < 0) { r.error = "encode failed"; return r; }
    const int n = bytes == 0 ? dec->conceal(pcm) : dec->decode(std::span(payload).first(static_cast<std::size_t>(bytes)), pcm);
    if (n < 0) { r.error = "decode failed"; return r; }
    out.insert(out.end(), pcm.begin(), pcm.begin() + n);
  }
  // Up to 10 ms of codec delay; skip 100 ms of start-up at each end.
  r.delay_samples = best_lag(in, out, rate / 100);
  r.snr_db = snr_db(in, out, r.delay_samples, static_cast<std::size_t>(rate / 10));
  return r;
}

}  // namespace

std::vector<SelfCheckResult> run_codec_self_check() {
  // Floors sit well under what a healthy build measures (G.711 ~38 dB on a
  // -10 dBFS tone, G.722 ~40 dB, Opus 24 kb/s well above 15 dB on a steady
  // tone) and well over what a broken one gives (near 0 dB or negative).
  std::vector<SelfCheckResult> results;
  results.push_back(check(CodecId::kPcmu, {}, "PCMU", 30.0));
  results.push_back(check(CodecId::kPcma, {}, "PCMA", 30.0));
  results.push_back(check(CodecId::kG722, {}, "G722", 25.0));
  for (int rate : {8000, 16000, 48000}) {
    CodecParams p;
    p.sample_rate = rate;
    p.bitrate = 24000;
    results.push_back(check(CodecId::kOpus, p, "opus/" + std::to_string(rate), 10.0));
  }
  return results;
}

}  // namespace sb::codecs
