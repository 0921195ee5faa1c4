#include "tests/support/signals.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

#include "codecs/resampler.hpp"
#include "common/audio_file.hpp"
#include "tests/support/process.hpp"

namespace sb::test {

double dbm0_amplitude(double dbm0) { return 32767.0 * std::pow(10.0, (dbm0 - 3.14) / 20.0); }

void append_tone(Pcm& x, int rate, double f1, double dbm0_1, double f2, double dbm0_2, int ms, double phase) {
  const double a1 = f1 > 0 ? dbm0_amplitude(dbm0_1) : 0.0;
  const double a2 = f2 > 0 ? dbm0_amplitude(dbm0_2) : 0.0;
  const std::size_t n = static_cast<std::size_t>(rate) * static_cast<std::size_t>(ms) / 1000;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double v = a1 * std::sin(2 * std::numbers::pi * f1 * t + phase) + a2 * std::sin(2 * std::numbers::pi * f2 * t + phase);
    x.push_back(static_cast<std::int16_t>(std::lround(std::clamp(v, -32768.0, 32767.0))));
  }
}

void append_silence(Pcm& x, int rate, int ms) {
  x.insert(x.end(), static_cast<std::size_t>(rate) * static_cast<std::size_t>(ms) / 1000, 0);
}

void append_samples_silence(Pcm& x, std::size_t samples) { x.insert(x.end(), samples, 0); }

Pcm sine(int rate, double freq, double dbfs, int ms) {
  Pcm x;
  const double amp = 32767.0 * std::pow(10.0, dbfs / 20.0);
  const std::size_t n = static_cast<std::size_t>(rate) * static_cast<std::size_t>(ms) / 1000;
  for (std::size_t i = 0; i < n; ++i)
    x.push_back(static_cast<std::int16_t>(std::lround(amp * std::sin(2 * std::numbers::pi * freq * static_cast<double>(i) / rate))));
  return x;
}

DtmfPair dtmf_pair(char digit) {
  static const double rows[] = {697, 770, 852, 941};
  static const double cols[] = {1209, 1336, 1477, 1633};
  static const char keys[] = "123A456B789C*0#D";
  for (int i = 0; i < 16; ++i)
    if (keys[i] == digit) return {rows[i / 4], cols[i % 4]};
  throw std::invalid_argument("not a DTMF digit");
}

void add_white_noise(Pcm& x, double signal_power, double snr_db, unsigned seed) {
  std::mt19937 rng(seed);
  const double sigma = std::sqrt(signal_power / std::pow(10.0, snr_db / 10.0));
  std::normal_distribution<double> noise(0.0, sigma);
  for (auto& s : x) s = static_cast<std::int16_t>(std::lround(std::clamp(s + noise(rng), -32768.0, 32767.0)));
}

double mean_square(const Pcm& x, std::size_t begin, std::size_t end) {
  end = std::min(end, x.size());
  double acc = 0;
  for (std::size_t i = begin; i < end; ++i) acc += static_cast<double>(x[i]) * x[i];
  return end > begin ? acc / static_cast<double>(end - begin) : 0.0;
}

namespace {
Pcm resample_to(const Pcm& in, int from, int to) {
  if (from == to) return in;
  auto rs = codecs::Resampler::create(from, to, 8);
  if (!rs) throw std::runtime_error(rs.status().to_string());
  Pcm out(rs->max_output(in.size()));
  const int n = rs->process(in, out);
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  return out;
}
}  // namespace

Pcm espeak_speech(const std::string& text, const std::string& voice, int rate) {
  if (!have_program("espeak-ng")) return {};
  TempDir dir;
  const std::string wav = dir.file("speech.wav");
  const RunResult r = run({"espeak-ng", "-v", voice, "-s", "165", "-w", wav, text});
  if (r.exit_code != 0) return {};
  auto clip = read_audio_file(wav);
  if (!clip || clip->channels != 1) return {};
  return resample_to(clip->samples, clip->sample_rate, rate);
}

Pcm committed_speech(int rate) {
  auto clip = read_audio_file(test_data_dir() + "/speech_16k.wav");
  if (!clip) throw std::runtime_error(clip.status().to_string());
  return resample_to(clip->channel(0), clip->sample_rate, rate);
}

}  // namespace sb::test
